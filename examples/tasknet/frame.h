/* SPDX-License-Identifier: Apache-2.0 */
/* frame.h - tasknet frames on TCP: uvarint length, prefix block (hop context), payload. */
#ifndef TASKNET_FRAME_H
#define TASKNET_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "tracewire.h"

/*
 * Frame = Length (multiformats unsigned-varint, minimal, at most 3 bytes)
 *         | Body (Length bytes) where Body = prefix block | payload.
 * The tasknet protocol always carries a block (spec 10 §10.5.4 rule 3):
 * the empty block 01 00 when there is nothing to carry.
 */
#define FRAME_MAX (64 * 1024) /* the protocol's frame limit: the body's size */
#define FRAME_LEN_MAX 3       /* uvarint bytes for a length up to FRAME_MAX */

typedef struct frame_reader {
    size_t len;
    uint8_t buf[FRAME_LEN_MAX + FRAME_MAX];
} frame_reader_t;

/* One received frame; every pointer is a view into the reader's buffer. */
typedef struct frame {
    const uint8_t *body; /* block and payload: what a relay forwards */
    size_t body_len;
    const uint8_t *block; /* the prefix block as received */
    size_t block_len;
    const uint8_t *hop_msg; /* the header message inside the block */
    size_t hop_msg_len;
    const uint8_t *payload;
    size_t payload_len;
    int hop_status; /* TW_OK, or why the hop context is unusable */
    tw_header_t hop; /* valid when hop_status == TW_OK */
} frame_t;

/* Write one frame whose body is given whole (a relay's forward). 0 or -1. */
int frame_write_body(int fd, const uint8_t *body, size_t len);
/* Build a body: the hop context (or the empty block when hop is NULL),
 * encoded within the frame budget (spec 10 §10.6), then the payload.
 * *dropped gets TW_BUDGET_DROPPED_* bits. Returns the body length or -1. */
int frame_build_body(uint8_t *out, size_t cap, const tn_ctx *hop, const uint8_t *payload,
                     size_t payload_len, unsigned *dropped);

/* Read what the socket has. >0 bytes read, 0 at end of stream, -1 error. */
int frame_read_some(int fd, frame_reader_t *r);
/* The next complete frame in the buffer: 1 (f set), 0 (need more bytes),
 * -1 (framing error: close the stream, spec 05 §5.2.4). */
int frame_next(frame_reader_t *r, frame_t *f);
/* Drop the frame frame_next returned. */
void frame_consume(frame_reader_t *r, const frame_t *f);

#endif
