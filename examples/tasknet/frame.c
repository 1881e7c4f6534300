/* SPDX-License-Identifier: Apache-2.0 */
/* frame.c - tasknet frames on TCP: uvarint length, prefix block (hop context), payload. */
#include "frame.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "tracewire_relay.h"

static size_t uvarint_put(uint8_t *out, size_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

int frame_write_body(int fd, const uint8_t *body, size_t len)
{
    uint8_t prefix[FRAME_LEN_MAX + 1];
    size_t n;
    if (len > FRAME_MAX) return -1;
    n = uvarint_put(prefix, len);
    if (io_write_all(fd, prefix, n) != 0) return -1;
    return io_write_all(fd, body, len);
}

int frame_build_body(uint8_t *out, size_t cap, const tn_ctx *hop, const uint8_t *payload,
                     size_t payload_len, unsigned *dropped)
{
    uint8_t msg[TW_HEADER_MAX_LEN];
    size_t budget, off;
    int n = 0;
    *dropped = 0;
    if (payload_len > FRAME_MAX - 2 || cap < FRAME_MAX) return -1;
    /* Budget: the frame limit minus the payload and the block's own framing
     * (a version byte and at most 3 length bytes). */
    budget = FRAME_MAX - payload_len;
    budget = budget > 4 ? budget - 4 : 0;
    if (hop) {
        tw_header_t h;
        ctx_to_header(&h, hop);
        n = tw_header_encode_budget(msg, sizeof msg, &h, budget, dropped);
        if (n < 0) n = 0; /* tracing never fails the frame: send the empty block */
    }
    out[0] = TW_WIRE_VERSION;
    off = 1 + uvarint_put(out + 1, (size_t)n);
    memcpy(out + off, msg, (size_t)n);
    off += (size_t)n;
    memcpy(out + off, payload, payload_len);
    return (int)(off + payload_len);
}

int frame_read_some(int fd, frame_reader_t *r)
{
    ssize_t n;
    if (r->len == sizeof r->buf) return -1; /* cannot happen with a valid length */
    do {
        n = read(fd, r->buf + r->len, sizeof r->buf - r->len);
    } while (n < 0 && errno == EINTR);
    if (n > 0) r->len += (size_t)n;
    return n < 0 ? -1 : (int)n;
}

int frame_next(frame_reader_t *r, frame_t *f)
{
    size_t len = 0, i = 0, off, msg_off = 0, msg_len = 0;
    unsigned version = 0;
    int n;
    for (;;) { /* the frame length: a minimal uvarint of at most 3 bytes */
        if (i >= r->len) return 0;
        if (i == FRAME_LEN_MAX) return -1;
        len |= (size_t)(r->buf[i] & 0x7f) << (7 * i);
        if (!(r->buf[i++] & 0x80)) break;
    }
    if ((i > 1 && r->buf[i - 1] == 0) || len > FRAME_MAX || len < 2) return -1;
    if (r->len - i < len) return 0;
    memset(f, 0, sizeof *f);
    f->body = r->buf + i;
    f->body_len = len;
    /* The block: measure its framing first (spec 05 §5.2.3 steps 1-4). A
     * complete frame whose block is cut short is a framing error. */
    n = tw_block_measure(f->body, len, &version, &msg_off, &msg_len);
    if (n < 0) return -1;
    off = (size_t)n;
    f->block = f->body;
    f->block_len = off;
    f->hop_msg = f->body + msg_off;
    f->hop_msg_len = msg_len;
    f->payload = f->body + off;
    f->payload_len = len - off;
    f->hop_status = tw_block_decode(&f->hop, f->body, off);
    if (f->hop_status > 0) f->hop_status = TW_OK;
    return 1;
}

void frame_consume(frame_reader_t *r, const frame_t *f)
{
    size_t used = (size_t)(f->body - r->buf) + f->body_len;
    memmove(r->buf, r->buf + used, r->len - used);
    r->len -= used;
}
