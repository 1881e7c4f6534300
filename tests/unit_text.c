/* SPDX-License-Identifier: Apache-2.0 */
/* unit_text.c - W3C text grammars, hex/UUID text and id generation as cmocka tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tracewire.h"
#include "tracewire_relay.h"

/* ---- Reference predicates, written from the ABNF, not from the codec --- */

static int ref_lcalpha(int c) { return c >= 'a' && c <= 'z'; }
static int ref_digit(int c) { return c >= '0' && c <= '9'; }
static int ref_key0(int c) { return ref_lcalpha(c) || ref_digit(c); }
static int ref_key(int c) { return ref_key0(c) || (c != 0 && strchr("_-*/@", c) != NULL); }
static int ref_nblk(int c) { return (c >= 0x21 && c <= 0x2B) || (c >= 0x2D && c <= 0x3C) || (c >= 0x3E && c <= 0x7E); }
static int ref_chr(int c) { return c == 0x20 || ref_nblk(c); }
static int ref_tchar(int c)
{
    return ref_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}
static int ref_boct(int c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
           (c >= 0x5D && c <= 0x7E);
}
static int ref_ows(int c) { return c == ' ' || c == '\t'; }

static int ts_ok(const char *s, size_t n) { return tw_tracestate_validate(s, n) == TW_OK; }
static int bg_ok(const char *s, size_t n) { return tw_baggage_validate(s, n) == TW_OK; }

/* Every one of the 256 octets, in a position that isolates one grammar rule. */
static void test_every_octet_is_classified_as_the_w3c_grammars_say(void **state)
{
    int c;
    (void)state;
    for (c = 0; c < 256; c++) {
        char s[8];
        s[0] = (char)c; s[1] = '='; s[2] = 'v';
        assert_int_equal(ts_ok(s, 3), ref_key0(c));              /* key first char */
        s[0] = 'a'; s[1] = (char)c; s[2] = '='; s[3] = 'v';
        assert_int_equal(ts_ok(s, 4), ref_key(c));               /* key char */
        s[0] = 'a'; s[1] = '='; s[2] = (char)c;
        assert_int_equal(ts_ok(s, 3), ref_nblk(c));              /* value last char */
        s[0] = 'a'; s[1] = '='; s[2] = (char)c; s[3] = 'x';
        assert_int_equal(ts_ok(s, 4), ref_chr(c));               /* value inner char */
        s[0] = (char)c; s[1] = 'a'; s[2] = '='; s[3] = '1';
        assert_int_equal(ts_ok(s, 4), ref_key0(c) || c == ',');  /* no OWS before the first key */
        s[0] = (char)c; s[1] = '='; s[2] = 'v';
        assert_int_equal(bg_ok(s, 3), ref_tchar(c));             /* baggage key */
        s[0] = 'k'; s[1] = '='; s[2] = (char)c; s[3] = 'x';
        assert_int_equal(bg_ok(s, 4), ref_boct(c) || ref_ows(c) || c == ';'); /* value; ";x" is a property */
        s[0] = 'k'; s[1] = (char)c; s[2] = '='; s[3] = 'v';
        assert_int_equal(bg_ok(s, 4), ref_ows(c) || ref_tchar(c) || c == '='); /* OWS before "="; "k==v" has value "=v" */
    }
}

/* ---- tracestate (spec 04 §4.2.5) ------------------------------------- */

static void test_tracestate_accepts_level2_keys_and_ows_and_empty_members(void **state)
{
    static const char *ok[] = {"congo=t61rcWkgMzE", "0digit=1", "a@b=1", "foo@=1", "t@s/y_s-t*m=v",
                               "a=1 , b=2", "a=1\t,\tb=2", ",a=1,,b=2,", "a= x", "", "  ", "a=1,  ", " ,a=1"};
    static const char *bad[] = {"A=1", "a", "a=", "a==1", "_a=1", "a=1,a=2", "a=b c=d", "a=x\x7f",
                                "a b=1", "a=\t", "a=1;b=2,=3", " a=1", "a=1 ", "a=1\t"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof ok / sizeof *ok; i++) assert_int_equal(tw_tracestate_validate(ok[i], strlen(ok[i])), TW_OK);
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(tw_tracestate_validate(bad[i], strlen(bad[i])), TW_E_TRACESTATE);
}

static void test_tracestate_key_and_value_lengths_stop_at_256(void **state)
{
    char s[600];
    (void)state;
    memset(s, 'k', 256);
    s[256] = '=';
    s[257] = 'v';
    assert_int_equal(tw_tracestate_validate(s, 258), TW_OK);
    memset(s, 'k', 257);
    s[257] = '=';
    s[258] = 'v';
    assert_int_equal(tw_tracestate_validate(s, 259), TW_E_TRACESTATE);
    s[0] = 'k';
    s[1] = '=';
    memset(s + 2, 'v', 256);
    assert_int_equal(tw_tracestate_validate(s, 258), TW_OK);
    memset(s + 2, 'v', 257);
    assert_int_equal(tw_tracestate_validate(s, 259), TW_E_TRACESTATE);
}

static size_t make_members(char *s, int n, const char *fmt)
{
    size_t len = 0;
    int i;
    for (i = 0; i < n; i++) len += (size_t)sprintf(s + len, fmt, i == 0 ? "" : ",", i);
    return len;
}

static void test_tracestate_allows_32_members_and_no_more(void **state)
{
    char s[1024];
    size_t n;
    (void)state;
    assert_int_equal(tw_tracestate_validate(s, make_members(s, 32, "%sk%d=v")), TW_OK);
    assert_int_equal(tw_tracestate_validate(s, make_members(s, 33, "%sk%d=v")), TW_E_TOO_MANY_MEMBERS);
    /* the limit is reported before a grammar error, wherever that error is */
    n = make_members(s, 40, "%sk%d=v");
    s[0] = 'K';
    assert_int_equal(tw_tracestate_validate(s, n), TW_E_TOO_MANY_MEMBERS);
    s[0] = 'k';
    s[n - 1] = ' ';
    assert_int_equal(tw_tracestate_validate(s, n), TW_E_TOO_MANY_MEMBERS);
}

static void test_tracestate_allows_4096_octets_and_no_more(void **state)
{
    char s[4200];
    (void)state;
    s[0] = 'a';
    s[1] = '=';
    memset(s + 2, 'v', 250);
    s[252] = ',';
    memset(s + 253, ' ', sizeof s - 253); /* an empty member of OWS after the comma */
    assert_int_equal(tw_tracestate_validate(s, 4096), TW_OK);
    assert_int_equal(tw_tracestate_validate(s, 4097), TW_E_TOO_LONG);
}

static void test_tracestate_put_moves_key_to_front_and_removes_old_entry(void **state)
{
    static const char in[] = "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7 ,,tw=old";
    char out[256];
    int n;
    (void)state;
    n = tw_tracestate_put(out, sizeof out, in, sizeof in - 1, "tw", 2, "log:debug", 9);
    assert_int_equal(n, (int)strlen("tw=log:debug,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
    assert_memory_equal(out, "tw=log:debug,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", (size_t)n);
    assert_int_equal(tw_tracestate_put(NULL, 0, in, sizeof in - 1, "tw", 2, "log:debug", 9), n);
    assert_int_equal(tw_tracestate_put(out, (size_t)n - 1, in, sizeof in - 1, "tw", 2, "log:debug", 9), TW_E_BUFFER);
    assert_int_equal(tw_tracestate_put(out, sizeof out, in, sizeof in - 1, "Tw", 2, "x", 1), TW_E_TRACESTATE);
    assert_int_equal(tw_tracestate_put(out, sizeof out, in, sizeof in - 1, "tw", 2, "x ", 2), TW_E_TRACESTATE);
    /* an invalid list is discarded, not repaired */
    n = tw_tracestate_put(out, sizeof out, "A=1,b=2", 7, "tw", 2, "x", 1);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "tw=x", 4);
}

static void test_tracestate_put_evicts_the_right_most_past_32_members(void **state)
{
    char in[1024], out[1024];
    size_t len = make_members(in, 32, "%sk%d=v");
    int n;
    tw_text_t v;
    (void)state;
    n = tw_tracestate_put(out, sizeof out, in, len, "new", 3, "1", 1);
    assert_true(n > 0);
    assert_int_equal(tw_tracestate_validate(out, (size_t)n), TW_OK);
    assert_int_equal(tw_tracestate_get(out, (size_t)n, "k31", 3, &v), 0);
    assert_int_equal(tw_tracestate_get(out, (size_t)n, "k30", 3, &v), 1);
    assert_int_equal(tw_tracestate_get(out, (size_t)n, "new", 3, &v), 1);
    assert_memory_equal(v.ptr, "1", 1);
}

static void test_tracestate_truncate_drops_long_members_first_then_from_the_right(void **state)
{
    char in[600], out[600];
    size_t len = 0;
    int n;
    (void)state;
    len += (size_t)sprintf(in + len, "a=1,");
    in[len++] = 'b';
    in[len++] = '=';
    memset(in + len, 'x', 200); /* b is over 128 octets */
    len += 200;
    len += (size_t)sprintf(in + len, ",c=3,d=4");
    n = tw_tracestate_truncate(out, sizeof out, in, len, 11);
    assert_int_equal(n, 11);
    assert_memory_equal(out, "a=1,c=3,d=4", 11);
    n = tw_tracestate_truncate(out, sizeof out, in, len, 10);
    assert_int_equal(n, 7);
    assert_memory_equal(out, "a=1,c=3", 7);
    assert_int_equal(tw_tracestate_truncate(out, sizeof out, in, len, 2), 0);
}

static void test_tracestate_iterates_members_skipping_empty_ones(void **state)
{
    static const char in[] = ",a=1 ,\t,b= x y";
    size_t pos = 0;
    tw_text_t k, v;
    (void)state;
    assert_int_equal(tw_tracestate_next(in, sizeof in - 1, &pos, &k, &v), 1);
    assert_memory_equal(k.ptr, "a", 1);
    assert_int_equal(v.len, 1);
    assert_int_equal(tw_tracestate_next(in, sizeof in - 1, &pos, &k, &v), 1);
    assert_memory_equal(k.ptr, "b", 1);
    assert_int_equal(v.len, 4);
    assert_memory_equal(v.ptr, " x y", 4);
    assert_int_equal(tw_tracestate_next(in, sizeof in - 1, &pos, &k, &v), 0);
}

/* ---- baggage (spec 04 §4.2.6) ---------------------------------------- */

static void test_baggage_accepts_w3c_members_properties_and_percent_encoding(void **state)
{
    static const char *ok[] = {"userId=alice", "k=v;p", "k=v;p=1;q", "k = v ; p = 1 , l = w",
                               "serverNode=DF%2028", "k=", "  k=v  ", "k=a=b", "K!#$&'*+-.^_`|~=v"};
    static const char *bad[] = {"k", "=v", "k=v,", ",k=v", "k=v,,l=w", "k=v v", "k=\"v\"", "k=v\\",
                                "k=v;", "k=v;=1", "k(=v", "k=v;p=1 2", "", " \t "};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof ok / sizeof *ok; i++) assert_int_equal(tw_baggage_validate(ok[i], strlen(ok[i])), TW_OK);
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(tw_baggage_validate(bad[i], strlen(bad[i])), TW_E_BAGGAGE);
}

static void test_baggage_allows_64_members_and_8192_octets(void **state)
{
    static char s[9000];
    (void)state;
    assert_int_equal(tw_baggage_validate(s, make_members(s, 64, "%sk%d=v")), TW_OK);
    assert_int_equal(tw_baggage_validate(s, make_members(s, 65, "%sk%d=v")), TW_E_TOO_MANY_MEMBERS);
    s[0] = 'k';
    s[1] = '=';
    memset(s + 2, 'v', sizeof s - 2);
    assert_int_equal(tw_baggage_validate(s, 8192), TW_OK);
    assert_int_equal(tw_baggage_validate(s, 8193), TW_E_TOO_LONG);
}

/* ---- hex and UUID text (spec 04 §4.8) -------------------------------- */

static void test_hex_is_lowercase_both_ways(void **state)
{
    static const uint8_t b[4] = {0x00, 0xAB, 0x7F, 0xFF};
    uint8_t back[4];
    char t[8];
    (void)state;
    tw_hex_encode(t, b, 4);
    assert_memory_equal(t, "00ab7fff", 8);
    assert_int_equal(tw_hex_decode(back, t, 4), TW_OK);
    assert_memory_equal(back, b, 4);
    assert_int_equal(tw_hex_decode(back, "00AB7FFF", 4), TW_E_HEX);
    assert_int_equal(tw_hex_decode(back, "00ab7fgf", 4), TW_E_HEX);
}

static void test_uuid_text_is_8_4_4_4_12_lowercase_out_either_case_in(void **state)
{
    static const uint8_t u[16] = {0x01, 0x90, 0xf3, 0xc2, 0x7d, 0x1e, 0x7b, 0x3a,
                                  0x9c, 0x1e, 0x5a, 0x0e, 0x2f, 0x6b, 0x8d, 0x41};
    uint8_t back[16];
    char t[36];
    (void)state;
    tw_uuid_format(t, u);
    assert_memory_equal(t, "0190f3c2-7d1e-7b3a-9c1e-5a0e2f6b8d41", 36);
    assert_int_equal(tw_uuid_parse(back, t, 36), TW_OK);
    assert_memory_equal(back, u, 16);
    assert_int_equal(tw_uuid_parse(back, "0190F3C2-7D1E-7B3A-9C1E-5A0E2F6B8D41", 36), TW_OK);
    assert_memory_equal(back, u, 16);
    assert_int_equal(tw_uuid_parse(back, "0190f3c27d1e-7b3a-9c1e-5a0e2f6b8d41-", 36), TW_E_UUID_TEXT);
    assert_int_equal(tw_uuid_parse(back, "0190f3c2-7d1e-7b3a-9c1e-5a0e2f6b8d4", 35), TW_E_UUID_TEXT);
    assert_int_equal(tw_uuid_parse(back, "0190f3c2-7d1e-7b3a-9c1e-5a0e2f6b8d4x", 36), TW_E_UUID_TEXT);
}

/* ---- identifiers (spec 04 §4.7) -------------------------------------- */

typedef struct {
    const uint8_t *bytes;
    size_t len, pos;
} script_rng;

static int scripted(void *ctx, uint8_t *out, size_t len)
{
    script_rng *r = ctx;
    if (r->len - r->pos < len) return -1;
    memcpy(out, r->bytes + r->pos, len);
    r->pos += len;
    return 0;
}

static void test_trace_id_redraws_all_zero_and_gives_up_after_four_draws(void **state)
{
    uint8_t bytes[80], out[16];
    script_rng r = {bytes, 0, 0};
    (void)state;
    memset(bytes, 0, sizeof bytes);
    memset(bytes + 32, 0x5A, 16);
    r.len = 48;
    assert_int_equal(tw_trace_id_generate(out, scripted, &r), TW_OK);
    assert_int_equal(r.pos, 48);
    assert_memory_equal(out, bytes + 32, 16);
    r.pos = 0;
    r.len = 64; /* four zero draws */
    memset(bytes, 0, sizeof bytes);
    assert_int_equal(tw_trace_id_generate(out, scripted, &r), TW_E_RANDOM);
    r.pos = 0;
    r.len = 7; /* the source fails */
    assert_int_equal(tw_span_id_generate(out, scripted, &r), TW_E_RANDOM);
}

static void test_uuid4_sets_version_4_and_variant_10(void **state)
{
    uint8_t bytes[16], out[16];
    script_rng r = {bytes, 16, 0};
    (void)state;
    memset(bytes, 0xFF, 16);
    assert_int_equal(tw_uuid4_generate(out, scripted, &r), TW_OK);
    assert_int_equal(out[6], 0x4F);
    assert_int_equal(out[8], 0xBF);
    assert_int_equal(out[0], 0xFF);
}

static void test_uuid7_is_big_endian_milliseconds_then_74_random_bits(void **state)
{
    uint8_t bytes[10], out[16];
    script_rng r = {bytes, 10, 0};
    (void)state;
    memset(bytes, 0xFF, 10);
    assert_int_equal(tw_uuid7_generate(out, 0x0190F3C27D1Eu, scripted, &r), TW_OK);
    assert_memory_equal(out, "\x01\x90\xf3\xc2\x7d\x1e", 6);
    assert_int_equal(out[6], 0x7F);
    assert_int_equal(out[8], 0xBF);
    assert_int_equal(out[15], 0xFF);
    assert_int_equal(r.pos, 10);
    r.pos = 0;
    assert_int_equal(tw_uuid7_generate(out, (uint64_t)1 << 48, scripted, &r), TW_E_ARG);
}

static void test_os_random_source_gives_distinct_nonzero_ids(void **state)
{
    uint8_t a[16], b[16];
    (void)state;
    assert_int_equal(tw_trace_id_generate(a, NULL, NULL), TW_OK);
    assert_int_equal(tw_trace_id_generate(b, NULL, NULL), TW_OK);
    assert_memory_not_equal(a, b, 16);
    assert_int_equal(tw_uuid7_generate(a, 1, NULL, NULL), TW_OK);
    assert_int_equal(a[6] >> 4, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_octet_is_classified_as_the_w3c_grammars_say),
        cmocka_unit_test(test_tracestate_accepts_level2_keys_and_ows_and_empty_members),
        cmocka_unit_test(test_tracestate_key_and_value_lengths_stop_at_256),
        cmocka_unit_test(test_tracestate_allows_32_members_and_no_more),
        cmocka_unit_test(test_tracestate_allows_4096_octets_and_no_more),
        cmocka_unit_test(test_tracestate_put_moves_key_to_front_and_removes_old_entry),
        cmocka_unit_test(test_tracestate_put_evicts_the_right_most_past_32_members),
        cmocka_unit_test(test_tracestate_truncate_drops_long_members_first_then_from_the_right),
        cmocka_unit_test(test_tracestate_iterates_members_skipping_empty_ones),
        cmocka_unit_test(test_baggage_accepts_w3c_members_properties_and_percent_encoding),
        cmocka_unit_test(test_baggage_allows_64_members_and_8192_octets),
        cmocka_unit_test(test_hex_is_lowercase_both_ways),
        cmocka_unit_test(test_uuid_text_is_8_4_4_4_12_lowercase_out_either_case_in),
        cmocka_unit_test(test_trace_id_redraws_all_zero_and_gives_up_after_four_draws),
        cmocka_unit_test(test_uuid4_sets_version_4_and_variant_10),
        cmocka_unit_test(test_uuid7_is_big_endian_milliseconds_then_74_random_bits),
        cmocka_unit_test(test_os_random_source_gives_distinct_nonzero_ids),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
