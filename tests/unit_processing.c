/* SPDX-License-Identifier: Apache-2.0 */
/* unit_processing.c - requirements of spec 10 (relays, budget, trust boundaries, responses) as cmocka tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"
#include "tracewire.h"
#include "tracewire_gateway.h"

#define MINIMAL_HEX "0a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b71801"
static const uint8_t NEW_SID[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

/* Every byte but the 8 at `at` must be unchanged. */
static void assert_only_span_changed(const uint8_t *before, const uint8_t *after, size_t len, size_t at)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (i >= at && i < at + 8) assert_int_equal(after[i], NEW_SID[i - at]);
        else assert_int_equal(after[i], before[i]);
    }
}

static void test_relay_span_id_rewrite_touches_only_the_span_id_bytes(void **state)
{
    static const char *msgs[] = {
        MINIMAL_HEX,                                            /* fast path */
        "0a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b7", /* 28 bytes, flags 0 */
        MINIMAL_HEX " 2210 0190f3c27d1e7b3a9c1e5a0e2f6b8d41 2a03613d31 d8012a 4a03616263 6504030201",
        "d8012a 1801 120800f067aa0ba902b7 0a104bf92f3577b34da6a3ce929d0e0e4736", /* out of order */
    };
    static const size_t at[] = {20, 20, 20, 7};
    size_t k;
    (void)state;
    for (k = 0; k < sizeof msgs / sizeof *msgs; k++) {
        uint8_t before[128];
        tu_guarded g;
        int n = tu_unhex(before, sizeof before, msgs[k]);
        tw_header_t h;
        assert_true(n > 0);
        assert_int_equal(tu_guard_alloc(&g, before, (size_t)n), 0);
        assert_int_equal(tw_relay_set_span_id(g.data, (size_t)n, NEW_SID), TW_OK);
        assert_only_span_changed(before, g.data, (size_t)n, at[k]);
        assert_int_equal(tw_header_decode(&h, g.data, (size_t)n), n);
        assert_memory_equal(h.span_id, NEW_SID, 8);
        tu_guard_free(&g);
    }
}

static void test_relay_span_id_rewrite_targets_the_last_occurrence(void **state)
{
    uint8_t msg[80], before[80];
    int n = tu_unhex(msg, sizeof msg, MINIMAL_HEX " 1208 aaaaaaaaaaaaaaaa");
    tw_header_t h;
    (void)state;
    memcpy(before, msg, (size_t)n);
    assert_int_equal(tw_relay_set_span_id(msg, (size_t)n, NEW_SID), TW_OK);
    assert_only_span_changed(before, msg, (size_t)n, 32);
    assert_int_equal(tw_header_decode(&h, msg, (size_t)n), n);
    assert_memory_equal(h.span_id, NEW_SID, 8);
}

static void test_relay_span_id_rewrite_leaves_malformed_input_untouched(void **state)
{
    uint8_t msg[80], before[80];
    int n = tu_unhex(msg, sizeof msg, MINIMAL_HEX " 4a05 6162");
    (void)state;
    memcpy(before, msg, (size_t)n);
    assert_int_equal(tw_relay_set_span_id(msg, (size_t)n, NEW_SID), TW_E_OVERRUN);
    assert_memory_equal(msg, before, (size_t)n);
    n = tu_unhex(msg, sizeof msg, "2210 0190f3c27d1e7b3a9c1e5a0e2f6b8d41");
    assert_int_equal(tw_relay_set_span_id(msg, (size_t)n, NEW_SID), TW_E_CONTEXT);
}

static void test_relay_edit_keeps_unknown_fields_byte_for_byte(void **state)
{
    uint8_t in[128], out[160];
    static const uint8_t grease[] = {0xd8, 0x01, 0x2a}, field9[] = {0x4a, 0x03, 'a', 'b', 'c'};
    int n = tu_unhex(in, sizeof in, MINIMAL_HEX " d8012a 2a03613d31 4a03616263");
    tw_relay_edit_t e;
    tw_header_t h;
    int m;
    (void)state;
    memset(&e, 0, sizeof e);
    e.span_id = NEW_SID;
    e.ts_key = "relay";
    e.ts_key_len = 5;
    e.ts_value = "r1";
    e.ts_value_len = 2;
    m = tw_relay_edit(out, sizeof out, in, (size_t)n, &e);
    assert_true(m > 0);
    assert_int_equal(tw_relay_edit(NULL, 0, in, (size_t)n, &e), m);
    /* the unknown fields keep their bytes and their places relative to the known ones */
    assert_memory_equal(out + 30, grease, 3);
    assert_memory_equal(out + m - 5, field9, 5);
    assert_int_equal(tw_header_decode(&h, out, (size_t)m), m);
    assert_memory_equal(h.span_id, NEW_SID, 8);
    assert_int_equal(h.tracestate.len, strlen("relay=r1,a=1"));
    assert_memory_equal(h.tracestate.ptr, "relay=r1,a=1", h.tracestate.len);
    assert_int_equal(h.n_unknown, 2);
    /* too small a buffer: TW_E_BUFFER */
    assert_int_equal(tw_relay_edit(out, (size_t)m - 1, in, (size_t)n, &e), TW_E_BUFFER);
}

static void test_relay_edit_changes_sampled_only_with_a_new_span_id(void **state)
{
    uint8_t in[64], out[64];
    int n = tu_unhex(in, sizeof in, MINIMAL_HEX);
    tw_relay_edit_t e;
    tw_header_t h;
    int m;
    (void)state;
    memset(&e, 0, sizeof e);
    e.flags_clear = TW_FLAG_SAMPLED;
    assert_int_equal(tw_relay_edit(out, sizeof out, in, (size_t)n, &e), TW_E_ARG);
    e.span_id = NEW_SID;
    m = tw_relay_edit(out, sizeof out, in, (size_t)n, &e);
    assert_int_equal(m, 28); /* flags 0: the field goes, canonically */
    assert_int_equal(tw_header_decode(&h, out, (size_t)m), m);
    assert_int_equal(h.trace_flags, 0);
    assert_int_equal(h.canonical, 1);
}

static void test_relay_edit_of_canonical_input_is_canonical(void **state)
{
    uint8_t in[128], out[160];
    int n = tu_unhex(in, sizeof in, "0a104bf92f3577b34da6a3ce929d0e0e4736120800f067aa0ba902b7 2210 0190f3c27d1e7b3a9c1e5a0e2f6b8d41 3203 6b3d76");
    tw_relay_edit_t e;
    tw_header_t h;
    int m;
    (void)state;
    memset(&e, 0, sizeof e);
    e.span_id = NEW_SID;
    e.flags_set = TW_FLAG_SAMPLED;
    e.ts_key = "tw";
    e.ts_key_len = 2;
    e.ts_value = "log:debug";
    e.ts_value_len = 9;
    m = tw_relay_edit(out, sizeof out, in, (size_t)n, &e);
    assert_true(m > 0);
    assert_int_equal(tw_header_decode(&h, out, (size_t)m), m);
    assert_int_equal(h.canonical, 1);
    assert_int_equal(h.trace_flags, TW_FLAG_SAMPLED);
}

static tw_header_t big_header(void)
{
    static const char ts[] = "a=1,b=2,c=3";
    static const char bg[] = "k1=v1,k2=v2,k3=v3";
    static const uint8_t unk[] = {0xd8, 0x01, 0x2a};
    tw_header_t h;
    uint8_t msg[64];
    memset(&h, 0, sizeof h);
    assert_int_equal(tu_unhex(msg, sizeof msg, MINIMAL_HEX), 30);
    assert_int_equal(tw_header_decode(&h, msg, 30), 30);
    memcpy(h.correlation_id, "\x01\x90\xf3\xc2\x7d\x1e\x7b\x3a\x9c\x1e\x5a\x0e\x2f\x6b\x8d\x41", 16);
    h.present |= TW_HAS_CORRELATION_ID;
    h.tracestate.ptr = ts;
    h.tracestate.len = sizeof ts - 1;
    h.baggage.ptr = bg;
    h.baggage.len = sizeof bg - 1;
    h.unknown[0].ptr = unk;
    h.unknown[0].len = sizeof unk;
    h.n_unknown = 1;
    return h;
}

static void test_budget_encoding_never_exceeds_the_budget_and_drops_in_order(void **state)
{
    tw_header_t h = big_header();
    uint8_t out[256];
    int full = tw_header_encode(NULL, 0, &h);
    unsigned prev = 0;
    long b;
    (void)state;
    assert_true(full > 0);
    for (b = full; b >= 0; b--) {
        unsigned dropped = 0;
        tw_header_t d;
        int n = tw_header_encode_budget(out, sizeof out, &h, (size_t)b, &dropped);
        assert_true(n >= 0 && n <= b);
        assert_int_equal(tw_header_decode(&d, out, (size_t)n), n);
        assert_int_equal(d.canonical, 1);
        /* what was dropped at a larger budget stays dropped at a smaller one */
        assert_int_equal(dropped & prev, prev);
        /* each stage starts only once the earlier ones are exhausted */
        if (dropped & TW_BUDGET_DROPPED_TRACESTATE) assert_int_equal(d.baggage.len, 0);
        if (dropped & TW_BUDGET_DROPPED_UNKNOWN) assert_int_equal(d.tracestate.len, 0);
        if (dropped & TW_BUDGET_DROPPED_CONTEXT) assert_int_equal(d.n_unknown, 0);
        if (dropped & TW_BUDGET_DROPPED_CORRELATION_ID) assert_int_equal(d.present, 0);
        prev = dropped;
    }
    assert_int_equal(prev, 0x1F);
    assert_int_equal(tw_header_encode_budget(out, sizeof out, &h, (size_t)full, &prev), full);
    assert_int_equal(prev, 0);
}

static int fixed_random(void *ctx, uint8_t *out, size_t len)
{
    size_t i;
    (void)ctx;
    for (i = 0; i < len; i++) out[i] = (uint8_t)(0xA0 + i);
    return 0;
}

static void test_trust_restart_links_the_old_context_and_ignores_the_incoming_sampled_flag(void **state)
{
    tw_header_t h = big_header();
    tw_link_t link;
    uint8_t old_tid[16];
    (void)state;
    memcpy(old_tid, h.trace_id, 16);
    h.trace_flags = 0xFD; /* sampled plus reserved bits from an untrusted peer */
    assert_int_equal(tw_trust_restart(&h, &link, 0, fixed_random, NULL), TW_OK);
    assert_int_equal(link.valid, 1);
    assert_memory_equal(link.trace_id, old_tid, 16);
    assert_int_equal(link.trace_flags, 0xFD);
    assert_memory_not_equal(h.trace_id, old_tid, 16);
    assert_int_equal(h.trace_flags, TW_FLAG_RANDOM);
    assert_int_equal(h.tracestate.len, 0);
    assert_int_equal(h.n_unknown, 0);
    assert_int_equal(h.present, TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID);
    assert_int_equal(h.baggage.len, strlen("k1=v1,k2=v2,k3=v3"));
}

static void test_allow_lists_keep_only_listed_keys_in_order(void **state)
{
    static const tw_text_t allow[] = {{"k3", 2}, {"k1", 2}};
    static const tw_text_t ts_allow[] = {{"c", 1}};
    char out[64];
    int n;
    (void)state;
    n = tw_baggage_filter(out, sizeof out, "k1=v1;p, k2=v2 ,k3=v3", 21, allow, 2);
    assert_int_equal(n, (int)strlen("k1=v1;p,k3=v3"));
    assert_memory_equal(out, "k1=v1;p,k3=v3", (size_t)n);
    n = tw_tracestate_filter(out, sizeof out, "a=1,b=2,c=3", 11, ts_allow, 1);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "c=3", 3);
    assert_int_equal(tw_baggage_filter(out, sizeof out, "k1=v1", 5, NULL, 0), 0);
}

static void test_response_tells_continued_restarted_and_sampling_upgrades(void **state)
{
    tw_header_t req = big_header(), resp = big_header(), none;
    int up;
    (void)state;
    memset(&none, 0, sizeof none);
    req.trace_flags = 0;
    resp.trace_flags = TW_FLAG_SAMPLED;
    assert_int_equal(tw_response_classify(&req, &resp, &up), TW_RESPONSE_CONTINUED);
    assert_int_equal(up, 1);
    resp.trace_id[0] ^= 1;
    assert_int_equal(tw_response_classify(&req, &resp, &up), TW_RESPONSE_RESTARTED);
    assert_int_equal(tw_response_classify(&req, &none, &up), TW_RESPONSE_NONE);
    assert_int_equal(up, 0);
}

static void test_uvarint_is_minimal_and_at_most_9_bytes(void **state)
{
    static const uint64_t values[] = {0, 1, 127, 128, 16383, 16384, ((uint64_t)1 << 63) - 1};
    uint8_t buf[16];
    uint64_t v;
    size_t k;
    int n;
    (void)state;
    for (k = 0; k < sizeof values / sizeof *values; k++) {
        n = tw_uvarint_encode(buf, sizeof buf, values[k]);
        assert_true(n >= 1 && n <= 9);
        assert_int_equal(tw_uvarint_encode(NULL, 0, values[k]), n);
        assert_int_equal(tw_uvarint_decode(buf, (size_t)n, &v), n);
        assert_true(v == values[k]);
        if (n > 1) assert_int_equal(tw_uvarint_decode(buf, (size_t)n - 1, &v), TW_E_TRUNCATED);
        assert_int_equal(tw_uvarint_encode(buf, (size_t)n - 1, values[k]), TW_E_BUFFER);
    }
    assert_int_equal(tw_uvarint_encode(buf, sizeof buf, (uint64_t)1 << 63), TW_E_ARG);
    assert_int_equal(tw_uvarint_decode((const uint8_t *)"\x81\x00", 2, &v), TW_E_BLOCK_LENGTH);
    assert_int_equal(tw_uvarint_decode((const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, &v),
                     TW_E_BLOCK_LENGTH);
}

static void test_block_budget_never_exceeds_the_budget(void **state)
{
    tw_header_t h = big_header();
    uint8_t out[256];
    int full = tw_block_encode(NULL, 0, &h);
    long b;
    (void)state;
    for (b = full + 2; b >= 0; b--) {
        unsigned dropped;
        tw_header_t d;
        int n = tw_block_encode_budget(out, sizeof out, &h, (size_t)b, &dropped);
        assert_true(n >= 0 && n <= b);
        if (b >= full) assert_int_equal(n, full);
        if (n > 0) assert_int_equal(tw_block_decode(&d, out, (size_t)n), n);
        else assert_true(b < 2);
    }
}

static void test_log_hint_reads_only_a_well_formed_single_log_entry(void **state)
{
    static const struct {
        const char *ts;
        tw_log_hint want;
    } rows[] = {
        {"tw=log:debug", TW_LOG_HINT_DEBUG},
        {"congo=x,tw=log:trace;zz:1", TW_LOG_HINT_TRACE},
        {"tw=zz:1;log:debug", TW_LOG_HINT_DEBUG},
        {"tw=log:info", TW_LOG_HINT_NONE},
        {"tw=log:debug;log:trace", TW_LOG_HINT_NONE},
        {"tw=log:", TW_LOG_HINT_NONE},
        {"tw=Log:debug", TW_LOG_HINT_NONE},
        {"tw=log:debug;", TW_LOG_HINT_NONE},
        {"x=1", TW_LOG_HINT_NONE},
        {"TW=log:debug", TW_LOG_HINT_NONE}, /* an invalid list gives nothing */
    };
    size_t k;
    (void)state;
    for (k = 0; k < sizeof rows / sizeof *rows; k++)
        assert_int_equal(tw_log_hint_parse(rows[k].ts, strlen(rows[k].ts)), rows[k].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_span_id_rewrite_touches_only_the_span_id_bytes),
        cmocka_unit_test(test_relay_span_id_rewrite_targets_the_last_occurrence),
        cmocka_unit_test(test_relay_span_id_rewrite_leaves_malformed_input_untouched),
        cmocka_unit_test(test_relay_edit_keeps_unknown_fields_byte_for_byte),
        cmocka_unit_test(test_relay_edit_changes_sampled_only_with_a_new_span_id),
        cmocka_unit_test(test_relay_edit_of_canonical_input_is_canonical),
        cmocka_unit_test(test_budget_encoding_never_exceeds_the_budget_and_drops_in_order),
        cmocka_unit_test(test_trust_restart_links_the_old_context_and_ignores_the_incoming_sampled_flag),
        cmocka_unit_test(test_allow_lists_keep_only_listed_keys_in_order),
        cmocka_unit_test(test_response_tells_continued_restarted_and_sampling_upgrades),
        cmocka_unit_test(test_uvarint_is_minimal_and_at_most_9_bytes),
        cmocka_unit_test(test_block_budget_never_exceeds_the_budget),
        cmocka_unit_test(test_log_hint_reads_only_a_well_formed_single_log_entry),
    };
    return cmocka_run_group_tests_name("processing", tests, NULL, NULL);
}
