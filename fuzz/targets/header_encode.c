/* SPDX-License-Identifier: Apache-2.0 */
/* header_encode.c - fuzz target: tw_header_encode / tw_block_encode of a tw_header_t built from fuzz bytes, checked against a reference model. */
#include "fuzz_common.h"
#include "ref/ref_proto.h"
#include "ref/ref_text.h"

/*
 * Input layout (fuzz/tools/seeds_from_vectors.py writes the same):
 *
 *   byte 0   control bits
 *              0x01 TW_HAS_CONTEXT          0x02 TW_HAS_CORRELATION_ID
 *              0x04 an undefined present bit (0x80) is set too
 *              0x08 a tracestate view follows  0x10 a baggage view follows
 *              0x20 the first text view gets ptr NULL (its len is kept)
 *              0x40 the first unknown view gets ptr NULL (its len is kept)
 *   byte 1   trace_flags
 *   byte 2   n_unknown (low 4 bits, 0..15: above 8 tests the limit)
 *   byte 3   picks the capacity of the undersized encode
 *   16 bytes trace_id, 8 bytes span_id, 16 bytes correlation_id
 *   then, for the tracestate, the baggage (when their bits are set) and
 *   each unknown view: a 2-byte little-endian length and that many bytes
 *   (fewer if the input ends).
 *
 * Each text and unknown view is copied into its own exactly-sized guarded
 * buffer, so the encoder reading one byte too many is caught (I1).
 */

static const int encode_errors[] = {TW_E_ARG,        TW_E_ZERO_ID,      TW_E_CONTEXT,          TW_E_TRACESTATE,
                                    TW_E_BAGGAGE,    TW_E_UNKNOWN_FIELD, TW_E_TOO_LONG,        TW_E_TOO_MANY_UNKNOWN,
                                    TW_E_TOO_MANY_MEMBERS, TW_E_BUFFER, 1};

static uint8_t ref_out[TWF_MAX_INPUT + 64];

/* The encoder checks of spec 04 §4.3.2, in their order, minus the size and
 * buffer checks (9, 10). An unknown view {NULL, n > 0} is not a field:
 * TW_E_UNKNOWN_FIELD at check 8 (the Conventions of tracewire.h say so since
 * 154854c). */
static int model_checks(const tw_header_t *h)
{
    size_t i;
    int st;
    /* 1: usage */
    if (h->present & ~(TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID)) return TW_E_ARG;
    if ((h->tracestate.ptr == NULL && h->tracestate.len) || (h->baggage.ptr == NULL && h->baggage.len)) return TW_E_ARG;
    /* 2, 3: id lengths and flags cannot be wrong in a tw_header_t */
    /* 4: presence */
    if (!(h->present & TW_HAS_CONTEXT) && (h->trace_flags != 0 || h->tracestate.len != 0)) return TW_E_CONTEXT;
    /* 5: zero ids */
    if ((h->present & TW_HAS_CONTEXT) &&
        (twf_all_zero(h->trace_id, TW_TRACE_ID_LEN) || twf_all_zero(h->span_id, TW_SPAN_ID_LEN)))
        return TW_E_ZERO_ID;
    if ((h->present & TW_HAS_CORRELATION_ID) && twf_all_zero(h->correlation_id, TW_CORRELATION_ID_LEN))
        return TW_E_ZERO_ID;
    /* 6, 7: text */
    if (h->tracestate.len && (st = ref_tracestate((const uint8_t *)h->tracestate.ptr, h->tracestate.len)) != TW_OK)
        return st;
    if (h->baggage.len && (st = ref_baggage((const uint8_t *)h->baggage.ptr, h->baggage.len)) != TW_OK) return st;
    /* 8: unknown fields */
    if (h->n_unknown > TW_UNKNOWN_MAX_FIELDS) return TW_E_TOO_MANY_UNKNOWN;
    for (i = 0; i < h->n_unknown; i++)
        if (!ref_one_unknown_field(h->unknown[i].ptr, h->unknown[i].len)) return TW_E_UNKNOWN_FIELD;
    return TW_OK;
}

/* Read one length-prefixed piece into its own guarded buffer. */
static tw_view_t read_piece(twf_reader *r, int slot)
{
    tw_view_t v;
    size_t got;
    const uint8_t *p = twf_bytes(r, twf_u16(r), &got);
    v.ptr = twf_buf(slot, p, got);
    v.len = got;
    return v;
}

TWF_TARGET(in, len)
{
    twf_reader r;
    tw_header_t h, hn, hd;
    uint8_t ctl, pick;
    size_t i, n_views, rn = 0, cap;
    int want, st, need, m, bneed;
    uint8_t *out;
    const char *diff;

    r.p = in;
    r.n = len;
    memset(&h, 0, sizeof h);
    ctl = twf_u8(&r);
    h.trace_flags = twf_u8(&r);
    h.n_unknown = twf_u8(&r) & 15u;
    pick = twf_u8(&r);
    h.present = (uint8_t)((ctl & 3u) | ((ctl & 4u) ? 0x80u : 0u));
    twf_fill(&r, h.trace_id, TW_TRACE_ID_LEN);
    twf_fill(&r, h.span_id, TW_SPAN_ID_LEN);
    twf_fill(&r, h.correlation_id, TW_CORRELATION_ID_LEN);
    if (ctl & 0x08u) {
        tw_view_t v = read_piece(&r, TWF_PIECE);
        h.tracestate.ptr = (const char *)v.ptr;
        h.tracestate.len = v.len;
    }
    if (ctl & 0x10u) {
        tw_view_t v = read_piece(&r, TWF_PIECE + 1);
        h.baggage.ptr = (const char *)v.ptr;
        h.baggage.len = v.len;
    }
    n_views = h.n_unknown < TW_UNKNOWN_MAX_FIELDS ? h.n_unknown : TW_UNKNOWN_MAX_FIELDS;
    for (i = 0; i < n_views; i++) h.unknown[i] = read_piece(&r, TWF_PIECE + 2 + (int)i);
    if (ctl & 0x20u) {
        if (ctl & 0x08u) h.tracestate.ptr = NULL;
        else if (ctl & 0x10u) h.baggage.ptr = NULL;
    }
    if ((ctl & 0x40u) && n_views > 0) h.unknown[0].ptr = NULL;

    want = model_checks(&h);
    st = tw_header_validate(&h);
    if (st != TW_OK) twf_check_status("tw_header_validate", st, encode_errors);
    /* I11: validation gives the status of the first failing check of §4.3.2 */
    TWF_CHECK("I11", st == want, "tw_header_validate returned %s, the model %s", tw_status_name(st),
              tw_status_name(want));

    need = tw_header_encode(NULL, 0, &h);
    if (need < 0) twf_check_status("tw_header_encode", need, encode_errors);
    if (want == TW_OK) {
        rn = ref_encode(ref_out, &h);
        if (rn > TW_HEADER_MAX_LEN) want = TW_E_TOO_LONG; /* 9: size */
    }
    /* I11: measuring gives the model's status, or the model's size */
    TWF_CHECK("I11", want == TW_OK ? need == (int)rn : need == want,
              "encode measure returned %d (%s), the model %s", need, tw_status_name(need), tw_status_name(want));
    if (want != TW_OK) {
        /* I10: a refused header is refused whatever the buffer */
        uint8_t *o = twf_buf(TWF_OUT, NULL, len);
        m = tw_header_encode(o, len, &h);
        TWF_CHECK("I10", m == want, "encode with a buffer returned %d, without %d", m, need);
        m = tw_block_encode(o, len, &h);
        TWF_CHECK("I10", m == want, "block encode returned %d for a refused header", m);
        return;
    }

    /* Exact capacity: the reference bytes (I11), nothing written outside (I2). */
    out = twf_buf(TWF_OUT, NULL, (size_t)need);
    m = tw_header_encode(out, (size_t)need, &h);
    /* I10: success and failure are exact */
    TWF_CHECK("I10", m == need, "encode returned %d, measure said %d", m, need);
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "encode wrote before its output buffer");
    /* I11: the bytes of the reference canonical writer */
    TWF_CHECK("I11", memcmp(out, ref_out, rn) == 0, "encoding differs from the reference writer");

    /* Smaller capacity: TW_E_BUFFER, nothing written outside (I2, I10). */
    if (need > 0) {
        uint8_t *o;
        cap = pick % (size_t)need;
        o = twf_buf(TWF_OUT2, NULL, cap);
        m = tw_header_encode(o, cap, &h);
        /* I10: a short buffer is TW_E_BUFFER */
        TWF_CHECK("I10", m == TW_E_BUFFER, "encode into %zu of %d bytes returned %d", cap, need, m);
        /* I2: no write outside the capacity */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "encode wrote before its output buffer");
    }

    /* I5: decode(encode(x)) == x, for the fields x has */
    hn = h;
    if (!(hn.present & TW_HAS_CONTEXT)) {
        memset(hn.trace_id, 0, TW_TRACE_ID_LEN);
        memset(hn.span_id, 0, TW_SPAN_ID_LEN);
    }
    if (!(hn.present & TW_HAS_CORRELATION_ID)) memset(hn.correlation_id, 0, TW_CORRELATION_ID_LEN);
    st = tw_header_decode(&hd, out, (size_t)need);
    /* I5: decode(encode(x)) == x */
    TWF_CHECK("I5", st == need, "decoding the encoder's output returned %s", tw_status_name(st));
    twf_check_decoded("tw_header_decode (encoded)", &hd, out, (size_t)need);
    diff = twf_header_diff(&hn, &hd);
    TWF_CHECK("I5", diff == NULL, "decoded header differs in %s", diff);
    /* I6: the encoder's output is canonical */
    TWF_CHECK("I6", hd.canonical == 1 && hd.discarded == 0, "encoder output decodes as canonical=%u discarded=%u",
              hd.canonical, hd.discarded);

    /* The block form: version, minimal length, the same message (I11). */
    bneed = tw_block_encode(NULL, 0, &h);
    TWF_CHECK("I11", bneed == (int)(1 + ref_uvarint_len((uint64_t)need) + (size_t)need), "block measure %d for message %d",
              bneed, need);
    out = twf_buf(TWF_OUT2, NULL, (size_t)bneed);
    m = tw_block_encode(out, (size_t)bneed, &h);
    /* I10: success and failure are exact */
    TWF_CHECK("I10", m == bneed, "block encode returned %d, measure said %d", m, bneed);
    /* I2: no write outside the capacity */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "block encode wrote before its output buffer");
    {
        size_t ll = ref_uvarint_len((uint64_t)need), k;
        uint64_t v = 0;
        for (k = 0; k < ll; k++) v |= (uint64_t)(out[1 + k] & 0x7F) << (7 * k);
        /* I11: agreement with the independent oracle */
        TWF_CHECK("I11", out[0] == TW_WIRE_VERSION && v == (uint64_t)need && memcmp(out + 1 + ll, ref_out, rn) == 0,
                  "block bytes are not version, length, canonical message");
    }
    cap = pick % (size_t)bneed;
    {
        uint8_t *o = twf_buf(TWF_TMP, NULL, cap);
        m = tw_block_encode(o, cap, &h);
        /* I10: success and failure are exact */
        TWF_CHECK("I10", m == TW_E_BUFFER, "block encode into %zu of %d bytes returned %d", cap, bneed, m);
        /* I2: no write outside the capacity */
        TWF_CHECK("I2", twf_canary_ok(TWF_TMP), "block encode wrote before its output buffer");
    }
    st = tw_block_decode(&hd, out, (size_t)bneed);
    /* I5: decode(encode(x)) == x */
    TWF_CHECK("I5", st == bneed, "decoding the encoded block returned %s", tw_status_name(st));
    diff = twf_header_diff(&hn, &hd);
    TWF_CHECK("I5", diff == NULL, "block-decoded header differs in %s", diff);
}
