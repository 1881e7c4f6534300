/* SPDX-License-Identifier: Apache-2.0 */
/* text.c - fuzz target: hex and UUID text parse/format (spec 04 §4.8) against reference rules, with round trips. */
#include "fuzz_common.h"

/*
 * Input: any bytes. They are used twice: as text (parsed as hex of
 * len / 2 bytes and as UUID text), and as binary (formatted as hex and, the
 * first 16 bytes, as a UUID, then parsed back).
 */

static const int hex_statuses[] = {TW_OK, TW_E_HEX, 1};
static const int uuid_statuses[] = {TW_OK, TW_E_UUID_TEXT, 1};

static int ref_lower_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}
static int ref_any_hex(uint8_t c)
{
    return ref_lower_hex(c) || (c >= 'A' && c <= 'F');
}
static uint8_t ref_nibble(uint8_t c)
{
    if (c <= '9') return (uint8_t)(c - '0');
    if (c >= 'a') return (uint8_t)(c - 'a' + 10);
    return (uint8_t)(c - 'A' + 10);
}

/* §4.8.2: 36 characters, '-' at 8, 13, 18 and 23, a hex digit (either case) elsewhere. */
static int ref_uuid_text(const uint8_t *s, size_t n, uint8_t out[16])
{
    size_t i, k = 0;
    if (n != TW_UUID_TEXT_LEN) return 0;
    for (i = 0; i < n; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return 0;
        } else if (!ref_any_hex(s[i])) {
            return 0;
        }
    }
    for (i = 0; i < n; i++) {
        if (s[i] == '-') continue;
        if (k % 2 == 0) out[k / 2] = (uint8_t)(ref_nibble(s[i]) << 4);
        else out[k / 2] |= ref_nibble(s[i]);
        k++;
    }
    return 1;
}

TWF_TARGET(in, len)
{
    size_t nbytes = len / 2, i;
    uint8_t *bin, *back, want[16];
    char *txt;
    int st, ok;

    /* ---- the input as hex text ---- */
    bin = twf_buf(TWF_OUT, NULL, nbytes);
    st = tw_hex_decode(bin, (const char *)in, nbytes);
    twf_check_status("tw_hex_decode", st, hex_statuses);
    ok = 1;
    for (i = 0; i < 2 * nbytes; i++) ok &= ref_lower_hex(in[i]);
    /* I11: exactly 2n lowercase hex digits are accepted (§4.8.1) */
    TWF_CHECK("I11", (st == TW_OK) == ok, "tw_hex_decode said %s", tw_status_name(st));
    /* I2: no write outside the capacity */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "tw_hex_decode wrote before its output");
    if (st == TW_OK) {
        txt = (char *)twf_buf(TWF_OUT2, NULL, 2 * nbytes);
        tw_hex_encode(txt, bin, nbytes);
        /* I5: format(parse(t)) == t for lowercase hex */
        TWF_CHECK("I5", memcmp(txt, in, 2 * nbytes) == 0, "hex round trip changed the text");
        /* I2: no write outside the capacity */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "tw_hex_encode wrote before its output");
    }

    /* ---- the input as UUID text ---- */
    back = twf_buf(TWF_OUT, NULL, TW_CORRELATION_ID_LEN);
    st = tw_uuid_parse(back, (const char *)in, len);
    twf_check_status("tw_uuid_parse", st, uuid_statuses);
    ok = ref_uuid_text(in, len, want);
    /* I11: the §4.8.2 form and nothing else; the same 16 bytes */
    TWF_CHECK("I11", (st == TW_OK) == ok, "tw_uuid_parse said %s", tw_status_name(st));
    if (ok) {
        TWF_CHECK("I11", memcmp(back, want, 16) == 0, "tw_uuid_parse gave other bytes");
        txt = (char *)twf_buf(TWF_OUT2, NULL, TW_UUID_TEXT_LEN);
        tw_uuid_format(txt, back);
        /* I5: format(parse(t)) == lower-case t */
        for (i = 0; i < TW_UUID_TEXT_LEN; i++) {
            uint8_t c = in[i] >= 'A' && in[i] <= 'F' ? (uint8_t)(in[i] + 32) : in[i];
            TWF_CHECK("I5", (uint8_t)txt[i] == c, "UUID round trip changed character %zu", i);
        }
    }
    /* I2: no write outside the capacity */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "tw_uuid_parse wrote before its output");

    /* ---- the input as binary ---- */
    txt = (char *)twf_buf(TWF_OUT2, NULL, 2 * len);
    tw_hex_encode(txt, in, len);
    /* I2: no write outside the capacity */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "tw_hex_encode wrote before its output");
    bin = twf_buf(TWF_OUT, NULL, len);
    st = tw_hex_decode(bin, txt, len);
    /* I5: parse(format(b)) == b */
    TWF_CHECK("I5", st == TW_OK && memcmp(bin, in, len) == 0, "hex of the bytes does not parse back");
    /* I11: agreement with the independent oracle */
    for (i = 0; i < 2 * len; i++) TWF_CHECK("I11", ref_lower_hex((uint8_t)txt[i]), "tw_hex_encode wrote %#x", txt[i]);
    if (len >= TW_CORRELATION_ID_LEN) {
        txt = (char *)twf_buf(TWF_OUT2, NULL, TW_UUID_TEXT_LEN);
        tw_uuid_format(txt, in);
        /* I2: no write outside the capacity */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "tw_uuid_format wrote before its output");
        back = twf_buf(TWF_OUT, NULL, TW_CORRELATION_ID_LEN);
        st = tw_uuid_parse(back, txt, TW_UUID_TEXT_LEN);
        /* I5: parse(format(u)) == u, and the format is lower-case 8-4-4-4-12 */
        TWF_CHECK("I5", st == TW_OK && memcmp(back, in, 16) == 0, "UUID of the bytes does not parse back");
        for (i = 0; i < TW_UUID_TEXT_LEN; i++)
            /* I11: agreement with the independent oracle */
            TWF_CHECK("I11", (i == 8 || i == 13 || i == 18 || i == 23) ? txt[i] == '-' : ref_lower_hex((uint8_t)txt[i]),
                      "tw_uuid_format wrote %#x at %zu", txt[i], i);
    }
}
