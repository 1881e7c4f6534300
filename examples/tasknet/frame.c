/* SPDX-License-Identifier: Apache-2.0 */
/* frame.c - tasknet frames on TCP: uvarint length, prefix block (hop context), payload. */
#include "frame.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "tracewire_relay.h"

int frame_write_body(int fd, const uint8_t *body, size_t len)
{
    uint8_t prefix[FRAME_LEN_MAX + 1];
    int n;
    if (len > FRAME_MAX) return -1;
    n = tw_uvarint_encode(prefix, sizeof prefix, len);
    if (n < 0 || io_write_all(fd, prefix, (size_t)n) != 0) return -1;
    return io_write_all(fd, body, len);
}

int frame_build_body(uint8_t *out, size_t cap, const tn_ctx *hop, const uint8_t *payload,
                     size_t payload_len, unsigned *dropped)
{
    static const tw_header_t none; /* no context: the empty block 01 00 */
    tw_header_t h;
    int n;
    *dropped = 0;
    if (payload_len > FRAME_MAX - 2 || cap < FRAME_MAX) return -1;
    /* The block gets what the frame limit leaves after the payload
     * (spec 10 §10.6): it shrinks, the frame never grows past the limit. */
    if (hop) ctx_to_header(&h, hop);
    n = tw_block_encode_budget(out, cap, hop ? &h : &none, FRAME_MAX - payload_len, dropped);
    if (n < 2) { /* tracing never fails the frame: send the empty block */
        out[0] = TW_WIRE_VERSION;
        out[1] = 0;
        n = 2;
    }
    memcpy(out + n, payload, payload_len);
    return n + (int)payload_len;
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
    size_t len, i, off, msg_off = 0, msg_len = 0;
    uint64_t v;
    unsigned version = 0;
    int n = tw_uvarint_decode(r->buf, r->len < FRAME_LEN_MAX ? r->len : FRAME_LEN_MAX, &v);
    if (n == TW_E_TRUNCATED && r->len < FRAME_LEN_MAX) return 0; /* the length is still arriving */
    if (n < 0 || v > FRAME_MAX || v < 2) return -1;   /* not a minimal length of at most 3 bytes */
    i = (size_t)n;
    len = (size_t)v;
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
