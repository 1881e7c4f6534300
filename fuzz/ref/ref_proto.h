/* SPDX-License-Identifier: Apache-2.0 */
/* ref_proto.h - reference protobuf pieces written from spec 04 §4.3 and §4.4.3: one-field check, canonical writer. */
#ifndef TW_FUZZ_REF_PROTO_H
#define TW_FUZZ_REF_PROTO_H

/*
 * Oracles for the encoder targets (invariant I11): what a canonical
 * encoding of given values is (Figure 2 of spec 04, §4.3.1) and whether a
 * byte string is exactly one well-formed unknown field (§4.2.7 rule 4 with
 * the reading rules of §4.4.3). Not derived from the codec.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tracewire.h"

/* One varint at s[*pos..n) (§4.4.3 step 1). Returns TW_OK, TW_E_OVERRUN
 * if the input ends first, or TW_E_VARINT for a 10th byte above 0x01. */
static inline int ref_varint(const uint8_t *s, size_t n, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    unsigned i;
    for (i = 0;; i++) {
        uint8_t b;
        if (*pos >= n) return TW_E_OVERRUN;
        b = s[(*pos)++];
        if (i == 9 && b > 0x01) return TW_E_VARINT;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (b < 0x80) break;
    }
    *out = v;
    return TW_OK;
}

/* Is s[0..n) exactly one whole, well-formed field numbered above 6? */
static inline int ref_one_unknown_field(const uint8_t *s, size_t n)
{
    size_t pos = 0;
    uint64_t tag, v;
    unsigned wt;
    if (s == NULL || n == 0) return 0;
    if (ref_varint(s, n, &pos, &tag) != TW_OK) return 0;
    if (tag > 0xFFFFFFFFu || (tag >> 3) <= 6) return 0;
    wt = (unsigned)(tag & 7);
    switch (wt) {
    case 0:
        if (ref_varint(s, n, &pos, &v) != TW_OK) return 0;
        break;
    case 1:
        if (n - pos < 8) return 0;
        pos += 8;
        break;
    case 5:
        if (n - pos < 4) return 0;
        pos += 4;
        break;
    case 2:
        if (ref_varint(s, n, &pos, &v) != TW_OK || v > n - pos) return 0;
        pos += (size_t)v;
        break;
    default:
        return 0;
    }
    return pos == n;
}

static inline size_t ref_put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(v & 0x7F);
        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

static inline size_t ref_put_field(uint8_t *out, uint8_t tag, const void *p, size_t len)
{
    size_t n = 0;
    out[n++] = tag;
    n += ref_put_varint(out + n, len);
    memcpy(out + n, p, len);
    return n + len;
}

/* The canonical encoding (§4.3.1) of a header that passes the encoder
 * checks: known fields in number order, defaults omitted, minimal
 * varints, then the unknown fields verbatim. out must hold the result. */
static inline size_t ref_encode(uint8_t *out, const tw_header_t *h)
{
    size_t n = 0, i;
    if (h->present & TW_HAS_CONTEXT) {
        n += ref_put_field(out + n, 0x0A, h->trace_id, TW_TRACE_ID_LEN);
        n += ref_put_field(out + n, 0x12, h->span_id, TW_SPAN_ID_LEN);
        if (h->trace_flags) {
            out[n++] = 0x18;
            n += ref_put_varint(out + n, h->trace_flags);
        }
    }
    if (h->present & TW_HAS_CORRELATION_ID) n += ref_put_field(out + n, 0x22, h->correlation_id, TW_CORRELATION_ID_LEN);
    if (h->tracestate.len) n += ref_put_field(out + n, 0x2A, h->tracestate.ptr, h->tracestate.len);
    if (h->baggage.len) n += ref_put_field(out + n, 0x32, h->baggage.ptr, h->baggage.len);
    for (i = 0; i < h->n_unknown; i++) {
        memcpy(out + n, h->unknown[i].ptr, h->unknown[i].len);
        n += h->unknown[i].len;
    }
    return n;
}

/* Length of the multiformats unsigned-varint of v (spec 05 §5.2.1). */
static inline size_t ref_uvarint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

#endif
