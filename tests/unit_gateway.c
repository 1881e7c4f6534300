/* SPDX-License-Identifier: Apache-2.0 */
/* unit_gateway.c - memory-safety and round-trip requirements of the text bridges (spec 11) as cmocka tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"
#include "tracewire.h"
#include "tracewire_gateway.h"

static tw_header_t full_header(void)
{
    static const char ts[] = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    static const char bg[] = "userId=alice,serverNode=DF%2028;hops=2";
    tw_header_t h;
    memset(&h, 0, sizeof h);
    assert_int_equal(tw_hex_decode(h.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736", 16), TW_OK);
    assert_int_equal(tw_hex_decode(h.span_id, "00f067aa0ba902b7", 8), TW_OK);
    assert_int_equal(tw_uuid_parse(h.correlation_id, "0190f3c2-7d1e-7b3a-9c1e-5a0e2f6b8d41", 36), TW_OK);
    h.trace_flags = 0x03;
    h.present = TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID;
    h.tracestate.ptr = ts;
    h.tracestate.len = sizeof ts - 1;
    h.baggage.ptr = bg;
    h.baggage.len = sizeof bg - 1;
    return h;
}

/* A writer under test: out, cap -> length or status. */
typedef int (*writer)(char *out, size_t cap, const void *arg);

static int w_b3(char *o, size_t c, const void *a) { return tw_b3_format(o, c, a, 1); }
static int w_jaeger(char *o, size_t c, const void *a) { return tw_jaeger_format(o, c, a, 1); }
static int w_json(char *o, size_t c, const void *a) { return tw_json_format(o, c, a); }
static int w_b64(char *o, size_t c, const void *a) { return tw_base64_encode(o, c, a, 29); }
static int w_enc(char *o, size_t c, const void *a) { return tw_baggage_value_encode(o, c, a, strlen(a)); }
static int w_dec(char *o, size_t c, const void *a) { return tw_baggage_value_decode(o, c, a, strlen(a)); }
static int w_san(char *o, size_t c, const void *a) { return tw_baggage_sanitize(o, c, a, strlen(a), NULL); }
static int w_jbv(char *o, size_t c, const void *a) { return tw_jaeger_baggage_value(o, c, a, strlen(a)); }
static int w_jbm(char *o, size_t c, const void *a)
{
    return tw_jaeger_baggage_member(o, c, "uberctx-User", 12, a, strlen(a));
}

/* For every capacity below the length needed: TW_E_BUFFER and no byte
 * written at or past the capacity; NULL measures exactly. */
static void check_writer(writer w, const void *arg)
{
    char buf[512];
    int need = w(NULL, 0, arg), n;
    size_t cap, i;
    assert_true(need > 0 && need < (int)sizeof buf);
    for (cap = 0; cap < (size_t)need; cap++) {
        memset(buf, 0x5A, sizeof buf);
        assert_int_equal(w(buf, cap, arg), TW_E_BUFFER);
        for (i = cap; i < sizeof buf; i++) assert_int_equal((unsigned char)buf[i], 0x5A);
    }
    memset(buf, 0x5A, sizeof buf);
    n = w(buf, (size_t)need, arg);
    assert_int_equal(n, need);
    for (i = (size_t)need; i < sizeof buf; i++) assert_int_equal((unsigned char)buf[i], 0x5A);
}

static void test_every_text_writer_stays_within_its_capacity(void **state)
{
    tw_header_t h = full_header();
    uint8_t bin[29];
    (void)state;
    assert_int_equal(tw_grpc_trace_bin_format(bin, &h), 29);
    check_writer(w_b3, &h);
    check_writer(w_jaeger, &h);
    check_writer(w_json, &h);
    check_writer(w_b64, bin);
    check_writer(w_enc, "a b,c;d\"e\\f%g\xc3\xa9");
    check_writer(w_dec, "%E2%82%AC%FF%41%zz");
    check_writer(w_san, "k=v, bad member ,x=%20y");
    check_writer(w_jbv, "x+y z%2F");
    check_writer(w_jbm, "a+b%20c");
}

/* A parser under test: reads s[0..len). */
typedef int (*parser)(const char *s, size_t len);

static int p_tp(const char *s, size_t n)
{
    tw_header_t h;
    memset(&h, 0, sizeof h);
    return tw_traceparent_parse(&h, NULL, s, n);
}
static int p_b3(const char *s, size_t n)
{
    tw_header_t h;
    tw_b3_sampling smp;
    memset(&h, 0, sizeof h);
    return tw_b3_parse(&h, &smp, s, n);
}
static int p_jaeger(const char *s, size_t n)
{
    tw_header_t h;
    int d;
    memset(&h, 0, sizeof h);
    return tw_jaeger_parse(&h, &d, s, n);
}
static int p_b64(const char *s, size_t n)
{
    uint8_t out[64];
    return tw_base64_decode(out, sizeof out, s, n);
}
static int p_json(const char *s, size_t n)
{
    static char scratch[1024];
    tw_header_t h;
    return tw_json_parse(&h, scratch, sizeof scratch, s, n);
}
static int p_ot(const char *s, size_t n)
{
    tw_ot_t ot;
    return tw_ot_parse(&ot, s, n);
}

/* Every prefix of a valid input, ending at a guard page: never a read past
 * the end (the guard page faults without ASan), never a crash. */
static void check_parser(parser p, const char *valid)
{
    size_t len = strlen(valid), k;
    assert_true(p(valid, len) >= 0);
    for (k = 0; k <= len; k++) {
        tu_guarded g;
        assert_int_equal(tu_guard_alloc(&g, (const uint8_t *)valid, k), 0);
        (void)p((const char *)g.data, k);
        tu_guard_free(&g);
    }
}

static void test_every_text_parser_reads_only_its_input(void **state)
{
    (void)state;
    check_parser(p_tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    check_parser(p_tp, "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future");
    check_parser(p_b3, "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d-05e3ac9a4f6e3b90");
    check_parser(p_jaeger, "4bf92f3577b34da6a3ce929d0e0e4736%3A00f067aa0ba902b7%3A0%3A03");
    check_parser(p_b64, "AABL+S81d7NNpqPOkp0ODkc2AQDwZ6oLqQK3AgE");
    check_parser(p_json, "{\"a\":[1,{\"b\":null}],\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
                         "\"span_id\":\"00f067aa0ba902b7\",\"trace_flags\":\"01\",\"tracestate\":\"k=\\u0041\"}");
    check_parser(p_ot, "ot=th:c;rv:0123456789abcd,k=v");
}

static void test_traceparent_survives_text_binary_text_byte_for_byte(void **state)
{
    static const char *tps[] = {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff"};
    size_t k;
    (void)state;
    for (k = 0; k < 2; k++) {
        tw_header_t h, d;
        uint8_t msg[64];
        char out[TW_TRACEPARENT_LEN];
        int n;
        memset(&h, 0, sizeof h);
        assert_int_equal(tw_traceparent_parse(&h, NULL, tps[k], strlen(tps[k])), TW_OK);
        n = tw_header_encode(msg, sizeof msg, &h);
        assert_true(n > 0);
        assert_int_equal(tw_header_decode(&d, msg, (size_t)n), n);
        assert_int_equal(tw_traceparent_format(out, &d), TW_TRACEPARENT_LEN);
        assert_memory_equal(out, tps[k], TW_TRACEPARENT_LEN);
    }
}

static void test_json_form_round_trips_a_full_header(void **state)
{
    tw_header_t h = full_header(), d;
    char json[512], scratch[512];
    int n;
    (void)state;
    n = tw_json_format(json, sizeof json, &h);
    assert_true(n > 0);
    assert_int_equal(tw_json_parse(&d, scratch, sizeof scratch, json, (size_t)n), TW_OK);
    assert_int_equal(d.present, h.present);
    assert_memory_equal(d.trace_id, h.trace_id, 16);
    assert_memory_equal(d.span_id, h.span_id, 8);
    assert_int_equal(d.trace_flags, h.trace_flags);
    assert_memory_equal(d.correlation_id, h.correlation_id, 16);
    assert_int_equal(d.tracestate.len, h.tracestate.len);
    assert_memory_equal(d.tracestate.ptr, h.tracestate.ptr, h.tracestate.len);
    assert_int_equal(d.baggage.len, h.baggage.len);
    assert_memory_equal(d.baggage.ptr, h.baggage.ptr, h.baggage.len);
}

static void test_base64_has_one_unpadded_and_one_padded_text(void **state)
{
    uint8_t out[8];
    (void)state;
    assert_int_equal(tw_base64_decode(out, sizeof out, "QQ", 2), 1);
    assert_int_equal(tw_base64_decode(out, sizeof out, "QQ==", 4), 1);
    assert_int_equal(out[0], 'A');
    assert_int_equal(tw_base64_decode(out, sizeof out, "QR", 2), TW_E_BASE64);  /* unused bits set */
    assert_int_equal(tw_base64_decode(out, sizeof out, "QQ=", 3), TW_E_BASE64); /* padding incomplete */
    assert_int_equal(tw_base64_decode(out, sizeof out, "Q", 1), TW_E_BASE64);
    assert_int_equal(tw_base64_decode(out, sizeof out, "Q-==", 4), TW_E_BASE64); /* URL-safe alphabet */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_text_writer_stays_within_its_capacity),
        cmocka_unit_test(test_every_text_parser_reads_only_its_input),
        cmocka_unit_test(test_traceparent_survives_text_binary_text_byte_for_byte),
        cmocka_unit_test(test_json_form_round_trips_a_full_header),
        cmocka_unit_test(test_base64_has_one_unpadded_and_one_padded_text),
    };
    return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}
