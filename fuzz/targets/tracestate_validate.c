/* SPDX-License-Identifier: Apache-2.0 */
/* tracestate_validate.c - fuzz target: tw_tracestate_validate against a reference validator written from the W3C ABNF, and in a header. */
#include "fuzz_common.h"
#include "ref/ref_text.h"

/* Input: tracestate text, exactly as a peer sent it. */

static const int validate_statuses[] = {TW_OK, TW_E_TOO_LONG, TW_E_TOO_MANY_MEMBERS, TW_E_TRACESTATE, 1};

static uint8_t msg[64 + TW_TRACESTATE_MAX_LEN];

TWF_TARGET(in, len)
{
    int st = tw_tracestate_validate((const char *)in, len);
    int want = ref_tracestate(in, len);
    size_t n = 0;
    tw_header_t h;
    int d;

    twf_check_status("tw_tracestate_validate", st, validate_statuses);
    /* I11: the codec's verdict and status are the reference's (spec 04 §4.2.5 order) */
    TWF_CHECK("I11", st == want, "tw_tracestate_validate returned %s, the reference %s", tw_status_name(st),
              tw_status_name(want));
    if (len == 0 || len > TW_TRACESTATE_MAX_LEN) return;

    /* The same text inside a header: kept when valid, dropped otherwise (§4.5). */
    msg[n++] = 0x0A;
    msg[n++] = 0x10;
    memset(msg + n, 0x11, 16);
    n += 16;
    msg[n++] = 0x12;
    msg[n++] = 0x08;
    memset(msg + n, 0x22, 8);
    n += 8;
    msg[n++] = 0x2A;
    if (len >= 0x80) msg[n++] = (uint8_t)(0x80 | (len & 0x7F));
    msg[n++] = (uint8_t)(len >= 0x80 ? len >> 7 : len);
    memcpy(msg + n, in, len);
    n += len;
    d = tw_header_decode(&h, twf_buf(TWF_TMP, msg, n), n);
    /* I10: a bad tracestate never fails the header */
    TWF_CHECK("I10", d == (int)n, "header with this tracestate: %s", tw_status_name(d));
    twf_check_decoded("tw_header_decode (tracestate)", &h, twf_slot_ptr[TWF_TMP], n);
    /* I11: kept exactly when valid; dropped and not canonical otherwise */
    if (st == TW_OK)
        TWF_CHECK("I11", h.tracestate.len == len && !memcmp(h.tracestate.ptr, in, len) && h.discarded == 0 && h.canonical,
                  "valid tracestate not kept as is");
    else
        TWF_CHECK("I11", h.tracestate.len == 0 && h.discarded == TW_DISCARDED_TRACESTATE && !h.canonical,
                  "invalid tracestate not dropped");
}
