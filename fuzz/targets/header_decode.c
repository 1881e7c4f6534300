/* SPDX-License-Identifier: Apache-2.0 */
/* header_decode.c - fuzz target: tw_header_decode on hostile bytes, then views, limits, re-encoding and the canonical flag. */
#include "fuzz_common.h"
#include "ref/ref_proto.h"
#include "ref/ref_text.h"

/* Input: one TraceHeader message, exactly as a peer sent it. */

static const int decode_errors[] = {TW_E_VARINT,  TW_E_FIELD_NUMBER, TW_E_WIRE_TYPE, TW_E_OVERRUN,
                                    TW_E_ID_LENGTH, TW_E_ZERO_ID,    TW_E_FLAGS,     TW_E_CONTEXT,
                                    TW_E_TOO_LONG,  TW_E_TOO_MANY_UNKNOWN, 1};

static uint8_t ref_out[TW_HEADER_MAX_LEN + 64];

/* Encode into capacities below the size needed: TW_E_BUFFER, and no byte
 * written outside the capacity (the buffer ends at a guard page). */
static void check_undersized(const tw_header_t *h, size_t need, uint8_t pick)
{
    size_t caps[3], i;
    caps[0] = 0;
    caps[1] = need - 1;
    caps[2] = pick % need;
    for (i = 0; i < 3; i++) {
        uint8_t *o = twf_buf(TWF_OUT2, NULL, caps[i]);
        int r = tw_header_encode(o, caps[i], h);
        /* I10: a failed encode reports failure, and the right one */
        TWF_CHECK("I10", r == TW_E_BUFFER, "encode into %zu of %zu bytes returned %d", caps[i], need, r);
        /* I2: nothing written in front of the buffer */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "encode wrote before its output buffer");
    }
}

TWF_TARGET(in, len)
{
    tw_header_t h, h2, h3;
    int st, need, m, m2;
    uint8_t *out, *out2;
    const char *diff;
    size_t rn;

    st = tw_header_decode(&h, in, len);
    if (st < 0) {
        twf_check_status("tw_header_decode", st, decode_errors);
        /* I11: the same bytes give the same verdict (no hidden state) */
        TWF_CHECK("I11", tw_header_decode(&h3, in, len) == st, "decode is not deterministic");
        return;
    }
    /* I10: success consumes exactly the message */
    TWF_CHECK("I10", st == (int)len, "decode of %zu bytes returned %d", len, st);
    twf_check_decoded("tw_header_decode", &h, in, len);
    /* I11: kept text passes the reference grammar */
    TWF_CHECK("I11", h.tracestate.len == 0 || ref_tracestate((const uint8_t *)h.tracestate.ptr, h.tracestate.len) == TW_OK,
              "decode kept a tracestate the reference grammar rejects");
    TWF_CHECK("I11", h.baggage.len == 0 || ref_baggage((const uint8_t *)h.baggage.ptr, h.baggage.len) == TW_OK,
              "decode kept a baggage the reference grammar rejects");

    /* Re-encode what was decoded. */
    need = tw_header_encode(NULL, 0, &h);
    /* I5: every decoded header encodes */
    TWF_CHECK("I5", need >= 0, "encoding a decoded header failed: %s", tw_status_name(need));
    /* I4: the canonical form is never longer than any encoding of the same values */
    TWF_CHECK("I4", (size_t)need <= len, "canonical size %d above the input's %zu", need, len);
    out = twf_buf(TWF_OUT, NULL, (size_t)need);
    m = tw_header_encode(out, (size_t)need, &h);
    /* I10: writing returns exactly what measuring announced */
    TWF_CHECK("I10", m == need, "encode returned %d, measure said %d", m, need);
    /* I2: nothing written in front of the output */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "encode wrote before its output buffer");
    if (need > 0) check_undersized(&h, (size_t)need, in[len / 2]);

    /* I6: the canonical flag is exactly "re-encoding reproduces the input" */
    TWF_CHECK("I6", h.canonical == (m == (int)len && memcmp(out, in, len) == 0),
              "canonical=%u but re-encoding %s the input", h.canonical, h.canonical ? "changes" : "reproduces");

    /* I11: the bytes are those of the reference canonical writer */
    rn = ref_encode(ref_out, &h);
    TWF_CHECK("I11", rn == (size_t)m && memcmp(ref_out, out, rn) == 0, "encoding differs from the reference writer");

    /* I5: decode(encode(x)) == x */
    st = tw_header_decode(&h2, out, (size_t)m);
    TWF_CHECK("I5", st == m, "decoding the re-encoding returned %s", tw_status_name(st));
    diff = twf_header_diff(&h, &h2);
    TWF_CHECK("I5", diff == NULL, "re-decoded header differs in %s", diff);
    twf_check_decoded("tw_header_decode (re-encoded)", &h2, out, (size_t)m);
    /* I6: an encoder's output is canonical and drops nothing */
    TWF_CHECK("I6", h2.canonical == 1 && h2.discarded == 0, "encoder output decodes as canonical=%u discarded=%u",
              h2.canonical, h2.discarded);

    /* I6: encode(decode(encode(decode(y)))) == encode(decode(y)) */
    out2 = twf_buf(TWF_TMP, NULL, (size_t)m);
    m2 = tw_header_encode(out2, (size_t)m, &h2);
    TWF_CHECK("I6", m2 == m && memcmp(out2, out, (size_t)m) == 0, "re-encoding is not stable");
}
