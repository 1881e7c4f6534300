/* SPDX-License-Identifier: Apache-2.0 */
/* baggage_validate.c - fuzz target: tw_baggage_validate against a reference validator written from the W3C ABNF, and in a header. */
#include "fuzz_common.h"
#include "ref/ref_text.h"

/* Input: baggage text, exactly as a peer sent it. */

static const int validate_statuses[] = {TW_OK, TW_E_TOO_LONG, TW_E_TOO_MANY_MEMBERS, TW_E_BAGGAGE, 1};

static uint8_t msg[64 + TW_BAGGAGE_MAX_LEN];

TWF_TARGET(in, len)
{
    int st = tw_baggage_validate((const char *)in, len);
    int want = ref_baggage(in, len);
    size_t n = 0;
    tw_header_t h;
    int d;

    twf_check_status("tw_baggage_validate", st, validate_statuses);
    /* I11: the codec's verdict and status are the reference's (spec 04 §4.2.6 order) */
    TWF_CHECK("I11", st == want, "tw_baggage_validate returned %s, the reference %s", tw_status_name(st),
              tw_status_name(want));
    if (len == 0 || len > TW_BAGGAGE_MAX_LEN) return;

    /* The same text inside a header: kept when valid, dropped otherwise (§4.5). */
    msg[n++] = 0x22; /* a correlation-id only: baggage needs no trace context */
    msg[n++] = 0x10;
    memset(msg + n, 0x33, 16);
    n += 16;
    msg[n++] = 0x32;
    if (len >= 0x80) msg[n++] = (uint8_t)(0x80 | (len & 0x7F));
    msg[n++] = (uint8_t)(len >= 0x80 ? len >> 7 : len);
    memcpy(msg + n, in, len);
    n += len;
    d = tw_header_decode(&h, twf_buf(TWF_TMP, msg, n), n);
    /* I10: a bad baggage never fails the header */
    TWF_CHECK("I10", d == (int)n, "header with this baggage: %s", tw_status_name(d));
    twf_check_decoded("tw_header_decode (baggage)", &h, twf_slot_ptr[TWF_TMP], n);
    /* I11: kept exactly when valid; dropped and not canonical otherwise */
    if (st == TW_OK)
        TWF_CHECK("I11", h.baggage.len == len && !memcmp(h.baggage.ptr, in, len) && h.discarded == 0 && h.canonical,
                  "valid baggage not kept as is");
    else
        TWF_CHECK("I11", h.baggage.len == 0 && h.discarded == TW_DISCARDED_BAGGAGE && !h.canonical,
                  "invalid baggage not dropped");
}
