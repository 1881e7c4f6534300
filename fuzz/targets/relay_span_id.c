/* SPDX-License-Identifier: Apache-2.0 */
/* relay_span_id.c - fuzz target: tw_relay_set_span_id rewriting hostile header bytes in place, against a model of spec 10 §10.4.1. */
#include "fuzz_common.h"
#include "ref/ref_proto.h"

/*
 * Input: 8 bytes of new span-id N (zero-filled if the input is shorter),
 * then a message M as a peer sent it. A relay calls the operation on bytes
 * it received, so M is hostile even though the spec asks the relay to have
 * decoded it first.
 *
 * Model (spec 10 §10.4.1): N all zero -> TW_E_ZERO_ID; M over 16384 bytes ->
 * TW_E_TOO_LONG; then the fields are read with the structure rules of spec
 * 04 §4.4.3 steps 1 to 4 (tags, wire types including a known field's own,
 * lengths, bounds), the first failure being the status; no span_id whose
 * last occurrence is 8 bytes -> TW_E_CONTEXT; otherwise exactly those 8
 * payload bytes are overwritten. On any failure nothing is written.
 */

static const int set_span_statuses[] = {TW_OK,         TW_E_ZERO_ID,   TW_E_TOO_LONG, TW_E_VARINT, TW_E_FIELD_NUMBER,
                                        TW_E_WIRE_TYPE, TW_E_OVERRUN,  TW_E_CONTEXT,  1};

/* The status and, on success, the offset of the bytes to overwrite. */
static int model(const uint8_t *n_id, const uint8_t *m, size_t len, size_t *at)
{
    size_t pos = 0, last = 0, last_len = 0;
    int found = 0, st;
    if (twf_all_zero(n_id, TW_SPAN_ID_LEN)) return TW_E_ZERO_ID;
    if (len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    while (pos < len) {
        uint64_t tag, v;
        uint32_t field;
        unsigned wt;
        if ((st = ref_varint(m, len, &pos, &tag)) != TW_OK) return st;
        if (tag > 0xFFFFFFFFu || (tag >> 3) == 0) return TW_E_FIELD_NUMBER;
        field = (uint32_t)(tag >> 3);
        wt = (unsigned)(tag & 7);
        if (wt == 3 || wt == 4 || wt > 5) return TW_E_WIRE_TYPE;
        if (field >= 1 && field <= 6 && wt != (field == 3 ? 0u : 2u)) return TW_E_WIRE_TYPE;
        switch (wt) {
        case 0:
            if ((st = ref_varint(m, len, &pos, &v)) != TW_OK) return st;
            break;
        case 1:
            if (len - pos < 8) return TW_E_OVERRUN;
            pos += 8;
            break;
        case 5:
            if (len - pos < 4) return TW_E_OVERRUN;
            pos += 4;
            break;
        default:
            if ((st = ref_varint(m, len, &pos, &v)) != TW_OK) return st;
            if (v > len - pos) return TW_E_OVERRUN;
            if (field == 2) {
                found = 1;
                last = pos;
                last_len = (size_t)v;
            }
            pos += (size_t)v;
        }
    }
    if (!found || last_len != TW_SPAN_ID_LEN) return TW_E_CONTEXT;
    *at = last;
    return TW_OK;
}

TWF_TARGET(in, len)
{
    uint8_t n_id[TW_SPAN_ID_LEN];
    twf_reader r;
    const uint8_t *m;
    uint8_t *buf;
    size_t mlen, at = 0, i;
    int st, want, d0, d1;
    tw_header_t h0, h1;
    const char *diff;

    r.p = in;
    r.n = len;
    twf_fill(&r, n_id, TW_SPAN_ID_LEN);
    m = r.p;
    mlen = r.n;
    buf = twf_buf(TWF_OUT, m, mlen); /* exactly M: a write past it faults (I2) */
    st = tw_relay_set_span_id(buf, mlen, twf_buf(TWF_TMP, n_id, TW_SPAN_ID_LEN));
    twf_check_status("tw_relay_set_span_id", st, set_span_statuses);
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "tw_relay_set_span_id wrote before the message");
    want = model(n_id, m, mlen, &at);
    /* I11: the status of spec 10 §10.4.1 */
    TWF_CHECK("I11", st == want, "tw_relay_set_span_id returned %s, the model %s", tw_status_name(st),
              tw_status_name(want));
    if (st != TW_OK) {
        /* I10: a failed rewrite writes nothing */
        TWF_CHECK("I10", mlen == 0 || memcmp(buf, m, mlen) == 0, "a failed rewrite changed the message");
        return;
    }
    /* I2, I11: exactly the 8 bytes of the last span_id payload change */
    for (i = 0; i < mlen; i++)
        TWF_CHECK("I2", (i >= at && i < at + TW_SPAN_ID_LEN) ? buf[i] == n_id[i - at] : buf[i] == m[i],
                  "byte %zu is wrong after the rewrite (span-id payload at %zu)", i, at);
    /* I11: a message that decoded decodes to the same values with span-id N, and keeps its canonical flag */
    d0 = tw_header_decode(&h0, m, mlen);
    d1 = tw_header_decode(&h1, buf, mlen);
    if (d0 < 0) return;
    TWF_CHECK("I11", d1 == d0, "the rewritten message decodes with %s", tw_status_name(d1));
    TWF_CHECK("I11", memcmp(h1.span_id, n_id, TW_SPAN_ID_LEN) == 0, "the decoded span-id is not the new one");
    memcpy(h0.span_id, n_id, TW_SPAN_ID_LEN);
    diff = twf_header_diff(&h0, &h1);
    /* I11: agreement with the independent oracle */
    TWF_CHECK("I11", diff == NULL && h0.canonical == h1.canonical && h0.discarded == h1.discarded,
              "the rewritten message differs in %s", diff ? diff : "canonical/discarded");
}
