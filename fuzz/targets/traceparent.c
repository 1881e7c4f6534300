/* SPDX-License-Identifier: Apache-2.0 */
/* traceparent.c - fuzz target: tw_traceparent_parse / tw_traceparent_format against a model of spec 11 §11.1 (W3C Level 2). */
#include "fuzz_common.h"
#include "tracewire_gateway.h"

/*
 * Input: a traceparent field value as an HTTP peer sent it. The model is
 * spec 11 §11.1.2 step by step; every failure is TW_E_TRACEPARENT. A parse
 * fills only the context fields: the others, set to a pattern beforehand,
 * must survive. A parsed value formats as version 00 (§11.1.3): the
 * trimmed input itself when it was version 00, and it parses back.
 */

static const int parse_statuses[] = {TW_OK, TW_E_TRACEPARENT, 1};

static int lohex(uint8_t c)
{
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static int model(const uint8_t *s, size_t n, uint8_t tid[16], uint8_t sid[8], uint8_t *flags, unsigned *version)
{
    size_t i;
    int hi, lo;
    while (n && (s[0] == ' ' || s[0] == '\t')) { /* step 1 */
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (n < TW_TRACEPARENT_LEN) return TW_E_TRACEPARENT; /* step 2 */
    hi = lohex(s[0]);
    lo = lohex(s[1]);
    if (hi < 0 || lo < 0 || (hi == 15 && lo == 15) || s[2] != '-') return TW_E_TRACEPARENT; /* step 3 */
    *version = (unsigned)(hi * 16 + lo);
    if (*version == 0 ? n != TW_TRACEPARENT_LEN : (n != TW_TRACEPARENT_LEN && s[55] != '-')) /* step 4 */
        return TW_E_TRACEPARENT;
    if (s[35] != '-' || s[52] != '-') return TW_E_TRACEPARENT; /* step 5 */
    for (i = 0; i < 16 + 8 + 1; i++) {
        size_t at = i < 16 ? 3 + 2 * i : i < 24 ? 36 + 2 * (i - 16) : 53;
        hi = lohex(s[at]);
        lo = lohex(s[at + 1]);
        if (hi < 0 || lo < 0) return TW_E_TRACEPARENT;
        if (i < 16) tid[i] = (uint8_t)(hi * 16 + lo);
        else if (i < 24) sid[i - 16] = (uint8_t)(hi * 16 + lo);
        else *flags = (uint8_t)(hi * 16 + lo);
    }
    if (twf_all_zero(tid, 16) || twf_all_zero(sid, 8)) return TW_E_TRACEPARENT; /* step 6 */
    return TW_OK;
}

TWF_TARGET(in, len)
{
    tw_header_t h, keep, h2;
    uint8_t tid[16], sid[8], flags = 0;
    unsigned version = 0x1234, mversion = 0;
    int st, want, n;
    char *out;
    size_t lead = 0;

    memset(&h, 0, sizeof h);
    memset(h.correlation_id, 0x5A, sizeof h.correlation_id);
    h.present = TW_HAS_CORRELATION_ID;
    h.baggage.ptr = "k=v";
    h.baggage.len = 3;
    keep = h;
    st = tw_traceparent_parse(&h, &version, (const char *)in, len);
    twf_check_status("tw_traceparent_parse", st, parse_statuses);
    want = model(in, len, tid, sid, &flags, &mversion);
    /* I11: the verdict of spec 11 §11.1.2 */
    TWF_CHECK("I11", st == want, "tw_traceparent_parse returned %s, the model %s", tw_status_name(st), tw_status_name(want));
    if (st != TW_OK) return;
    /* I11: the ids, all 8 flag bits and the version; the other fields untouched */
    TWF_CHECK("I11", !memcmp(h.trace_id, tid, 16) && !memcmp(h.span_id, sid, 8) && h.trace_flags == flags &&
                         version == mversion, "parsed values differ from the model's");
    TWF_CHECK("I11", h.present == (TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID) &&
                         !memcmp(h.correlation_id, keep.correlation_id, 16) && twf_text_eq(h.baggage, keep.baggage),
              "parse changed fields a traceparent does not carry");

    /* §11.1.3: version 00 out, exactly 55 characters (I2: the buffer is exactly that) */
    out = (char *)twf_buf(TWF_OUT, NULL, TW_TRACEPARENT_LEN);
    n = tw_traceparent_format(out, &h);
    /* I10: success and failure are exact */
    TWF_CHECK("I10", n == TW_TRACEPARENT_LEN, "format returned %d", n);
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "format wrote before its buffer");
    while (lead < len && (in[lead] == ' ' || in[lead] == '\t')) lead++;
    /* I6: a version-00 value formats back to itself; a higher one to 00 and its first 55 characters */
    TWF_CHECK("I6", out[0] == '0' && out[1] == '0' && !memcmp(out + 2, in + lead + 2, TW_TRACEPARENT_LEN - 2),
              "format does not reproduce the value");
    /* I5: parse(format(x)) == x */
    memset(&h2, 0, sizeof h2);
    st = tw_traceparent_parse(&h2, &version, out, TW_TRACEPARENT_LEN);
    TWF_CHECK("I5", st == TW_OK && version == 0 && !memcmp(h2.trace_id, tid, 16) && !memcmp(h2.span_id, sid, 8) &&
                        h2.trace_flags == flags && h2.present == TW_HAS_CONTEXT,
              "the formatted value does not parse back");
}
