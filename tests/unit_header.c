/* SPDX-License-Identifier: Apache-2.0 */
/* unit_header.c - requirements of spec 04 (header) and 05 (block) as cmocka tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"
#include "tracewire.h"

static const uint8_t TID[16] = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
                                0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
static const uint8_t SID[8] = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
static const uint8_t CID[16] = {0x01, 0x90, 0xf3, 0xc2, 0x7d, 0x1e, 0x7b, 0x3a,
                                0x9c, 0x1e, 0x5a, 0x0e, 0x2f, 0x6b, 0x8d, 0x41};
#define MINIMAL_HEX "0a104bf92f3577b34da6a3ce929d0e0e47361208 00f067aa0ba902b7 1801"

static tw_header_t context_header(uint8_t flags)
{
    tw_header_t h;
    memset(&h, 0, sizeof h);
    memcpy(h.trace_id, TID, 16);
    memcpy(h.span_id, SID, 8);
    h.trace_flags = flags;
    h.present = TW_HAS_CONTEXT;
    return h;
}

static tw_header_t full_header(void)
{
    static const char ts[] = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    static const char bg[] = "userId=alice,serverNode=DF%2028;hops=2";
    tw_header_t h = context_header(TW_FLAG_SAMPLED | TW_FLAG_RANDOM);
    memcpy(h.correlation_id, CID, 16);
    h.present |= TW_HAS_CORRELATION_ID;
    h.tracestate.ptr = ts;
    h.tracestate.len = sizeof ts - 1;
    h.baggage.ptr = bg;
    h.baggage.len = sizeof bg - 1;
    return h;
}

static void assert_same_header(const tw_header_t *a, const tw_header_t *b)
{
    assert_int_equal(a->present, b->present);
    assert_memory_equal(a->trace_id, b->trace_id, 16);
    assert_memory_equal(a->span_id, b->span_id, 8);
    assert_memory_equal(a->correlation_id, b->correlation_id, 16);
    assert_int_equal(a->trace_flags, b->trace_flags);
    assert_int_equal(a->tracestate.len, b->tracestate.len);
    if (a->tracestate.len) assert_memory_equal(a->tracestate.ptr, b->tracestate.ptr, a->tracestate.len);
    assert_int_equal(a->baggage.len, b->baggage.len);
    if (a->baggage.len) assert_memory_equal(a->baggage.ptr, b->baggage.ptr, a->baggage.len);
    assert_int_equal(a->n_unknown, b->n_unknown);
}

/* ---- spec 04 §4.1/§4.3: the minimal header ---------------------------- */

static void test_minimal_header_is_at_most_30_bytes(void **state)
{
    uint8_t buf[64], want[64];
    tw_header_t h = context_header(TW_FLAG_SAMPLED);
    int n;
    (void)state;
    n = tw_header_encode(buf, sizeof buf, &h);
    assert_int_equal(n, 30);
    assert_int_equal(tu_unhex(want, sizeof want, MINIMAL_HEX), 30);
    assert_memory_equal(buf, want, 30);
    /* the reserved top flag bit is the only thing that costs a 31st byte */
    h.trace_flags = 0x7F;
    assert_int_equal(tw_header_encode(NULL, 0, &h), 30);
    h.trace_flags = 0x80;
    assert_int_equal(tw_header_encode(NULL, 0, &h), 31);
    h.trace_flags = 0;
    assert_int_equal(tw_header_encode(NULL, 0, &h), 28);
}

static void test_minimal_header_fields_sit_at_fixed_offsets(void **state)
{
    uint8_t buf[30];
    tw_header_t h = context_header(0x03);
    (void)state;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), 30);
    assert_memory_equal(buf + 2, TID, 16);
    assert_memory_equal(buf + 20, SID, 8);
    assert_int_equal(buf[29], 0x03);
}

static void test_decoder_reads_minimal_header(void **state)
{
    uint8_t msg[30];
    tw_header_t h;
    (void)state;
    assert_int_equal(tu_unhex(msg, sizeof msg, MINIMAL_HEX), 30);
    assert_int_equal(tw_header_decode(&h, msg, 30), 30);
    assert_int_equal(h.present, TW_HAS_CONTEXT);
    assert_memory_equal(h.trace_id, TID, 16);
    assert_memory_equal(h.span_id, SID, 8);
    assert_int_equal(h.trace_flags, 1);
    assert_int_equal(h.canonical, 1);
    assert_int_equal(h.tracestate.len, 0);
    assert_int_equal(h.baggage.len, 0);
    assert_int_equal(h.n_unknown, 0);
    assert_int_equal(h.discarded, 0);
}

/* The fast path and the general path must agree: the same fields in reverse
 * order take the general path. */
static void test_fast_path_agrees_with_general_path(void **state)
{
    uint8_t canon[30], rev[30];
    tw_header_t a, b;
    unsigned flags;
    (void)state;
    for (flags = 0; flags < 0x80; flags += 0x11) {
        tw_header_t h = context_header((uint8_t)flags);
        int n = tw_header_encode(canon, sizeof canon, &h);
        assert_true(n == 28 || n == 30);
        /* span_id field, then trace_id field, then flags */
        memcpy(rev, canon + 18, 10);
        memcpy(rev + 10, canon, 18);
        memcpy(rev + 28, canon + 28, (size_t)n - 28);
        assert_int_equal(tw_header_decode(&a, canon, (size_t)n), n);
        assert_int_equal(tw_header_decode(&b, rev, (size_t)n), n);
        assert_same_header(&a, &b);
        assert_int_equal(a.canonical, 1);
        assert_int_equal(b.canonical, 0);
    }
}

static void test_decoder_rejects_all_zero_trace_id_on_fast_path(void **state)
{
    uint8_t msg[30];
    tw_header_t h;
    (void)state;
    assert_int_equal(tu_unhex(msg, sizeof msg, MINIMAL_HEX), 30);
    memset(msg + 2, 0, 16);
    assert_int_equal(tw_header_decode(&h, msg, 30), TW_E_ZERO_ID);
    assert_int_equal(tu_unhex(msg, sizeof msg, MINIMAL_HEX), 30);
    memset(msg + 20, 0, 8);
    assert_int_equal(tw_header_decode(&h, msg, 30), TW_E_ZERO_ID);
}

/* ---- round trips ------------------------------------------------------- */

static void test_full_header_round_trips_canonically(void **state)
{
    uint8_t buf[512], again[512];
    tw_header_t h = full_header(), d;
    int n, m;
    (void)state;
    n = tw_header_encode(buf, sizeof buf, &h);
    assert_true(n > 30);
    assert_int_equal(tw_header_encode(NULL, 0, &h), n);
    assert_int_equal(tw_header_decode(&d, buf, (size_t)n), n);
    assert_same_header(&h, &d);
    assert_int_equal(d.canonical, 1);
    /* views point into the decoded message */
    assert_true((const uint8_t *)d.tracestate.ptr > buf && (const uint8_t *)d.tracestate.ptr < buf + n);
    m = tw_header_encode(again, sizeof again, &d);
    assert_int_equal(m, n);
    assert_memory_equal(buf, again, (size_t)n);
}

static void test_header_with_only_correlation_id_is_valid(void **state)
{
    uint8_t buf[64];
    tw_header_t h, d;
    int n;
    (void)state;
    memset(&h, 0, sizeof h);
    memcpy(h.correlation_id, CID, 16);
    h.present = TW_HAS_CORRELATION_ID;
    n = tw_header_encode(buf, sizeof buf, &h);
    assert_int_equal(n, 18);
    assert_int_equal(buf[0], 0x22);
    assert_int_equal(tw_header_decode(&d, buf, (size_t)n), n);
    assert_int_equal(d.present, TW_HAS_CORRELATION_ID);
    assert_memory_equal(d.correlation_id, CID, 16);
}

static void test_empty_message_is_a_header_without_context(void **state)
{
    tw_header_t d;
    (void)state;
    assert_int_equal(tw_header_decode(&d, NULL, 0), 0);
    assert_int_equal(d.present, 0);
    assert_int_equal(d.canonical, 1);
}

/* ---- encoder duties ---------------------------------------------------- */

static void test_encoder_with_null_destination_returns_size_needed(void **state)
{
    tw_header_t h = full_header();
    uint8_t buf[512];
    int need;
    (void)state;
    need = tw_header_encode(NULL, 0, &h);
    assert_true(need > 0);
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), need);
}

static void test_encoder_never_writes_past_capacity(void **state)
{
    tw_header_t hs[2];
    int k;
    (void)state;
    hs[0] = context_header(1);
    hs[1] = full_header();
    for (k = 0; k < 2; k++) {
        uint8_t buf[600];
        int need = tw_header_encode(NULL, 0, &hs[k]);
        size_t cap;
        for (cap = 0; cap < (size_t)need; cap++) {
            memset(buf, 0xA5, sizeof buf);
            assert_int_equal(tw_header_encode(buf, cap, &hs[k]), TW_E_BUFFER);
            for (size_t i = cap; i < sizeof buf; i++) assert_int_equal(buf[i], 0xA5);
        }
    }
}

static void test_encoder_refuses_zero_ids(void **state)
{
    uint8_t buf[64];
    tw_header_t h = context_header(1);
    (void)state;
    memset(h.trace_id, 0, 16);
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_ZERO_ID);
    h = context_header(1);
    memset(h.span_id, 0, 8);
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_ZERO_ID);
    h = full_header();
    memset(h.correlation_id, 0, 16);
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_ZERO_ID);
}

static void test_encoder_refuses_flags_or_tracestate_without_ids(void **state)
{
    uint8_t buf[64];
    tw_header_t h;
    (void)state;
    memset(&h, 0, sizeof h);
    h.trace_flags = 1;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_CONTEXT);
    h.trace_flags = 0;
    h.tracestate.ptr = "a=b";
    h.tracestate.len = 3;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_CONTEXT);
}

static void test_encoder_refuses_invalid_text(void **state)
{
    uint8_t buf[128];
    tw_header_t h = context_header(1);
    (void)state;
    h.tracestate.ptr = "Upper=1";
    h.tracestate.len = 7;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_TRACESTATE);
    h = context_header(1);
    h.baggage.ptr = "k=v v";
    h.baggage.len = 5;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_BAGGAGE);
}

static void test_encoder_refuses_unknown_view_that_is_not_one_field(void **state)
{
    static const uint8_t two_fields[] = {0x38, 0x01, 0x38, 0x02};
    static const uint8_t known_field[] = {0x18, 0x01};
    static const uint8_t cut[] = {0x3A, 0x05, 0x00};
    uint8_t buf[128];
    tw_header_t h = context_header(1);
    (void)state;
    h.n_unknown = 1;
    h.unknown[0].ptr = two_fields;
    h.unknown[0].len = sizeof two_fields;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_UNKNOWN_FIELD);
    h.unknown[0].ptr = known_field;
    h.unknown[0].len = sizeof known_field;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_UNKNOWN_FIELD);
    h.unknown[0].ptr = cut;
    h.unknown[0].len = sizeof cut;
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_UNKNOWN_FIELD);
    h.unknown[0].len = 2; /* 3a 05 with no payload */
    assert_int_equal(tw_header_encode(buf, sizeof buf, &h), TW_E_UNKNOWN_FIELD);
}

/* ---- decoder duties ---------------------------------------------------- */

static void test_decoder_keeps_unknown_fields_as_views_and_relay_forwards_them_verbatim(void **state)
{
    /* minimal header, then a grease field 27 (varint), field 9 (bytes), field 12 (fixed32) */
    uint8_t msg[64], out[64];
    tw_header_t h;
    int n = tu_unhex(msg, sizeof msg, MINIMAL_HEX " d801 2a  4a03616263  6504030201");
    (void)state;
    assert_int_equal(n, 30 + 3 + 5 + 5);
    assert_int_equal(tw_header_decode(&h, msg, (size_t)n), n);
    assert_int_equal(h.n_unknown, 3);
    assert_ptr_equal(h.unknown[0].ptr, msg + 30);
    assert_int_equal(h.unknown[0].len, 3);
    assert_ptr_equal(h.unknown[1].ptr, msg + 33);
    assert_int_equal(h.unknown[1].len, 5);
    assert_ptr_equal(h.unknown[2].ptr, msg + 38);
    assert_int_equal(h.unknown[2].len, 5);
    assert_int_equal(h.canonical, 1);
    assert_int_equal(tw_header_encode(out, sizeof out, &h), n);
    assert_memory_equal(out, msg, (size_t)n);
}

static void test_decoder_applies_last_one_wins_and_reports_non_canonical(void **state)
{
    uint8_t msg[80];
    tw_header_t h;
    /* flags 1 then flags 3 */
    int n = tu_unhex(msg, sizeof msg, MINIMAL_HEX " 1803");
    (void)state;
    assert_int_equal(tw_header_decode(&h, msg, (size_t)n), n);
    assert_int_equal(h.trace_flags, 3);
    assert_int_equal(h.canonical, 0);
}

static void test_decoder_drops_invalid_tracestate_but_keeps_context(void **state)
{
    uint8_t msg[80];
    tw_header_t h;
    int n = tu_unhex(msg, sizeof msg, MINIMAL_HEX " 2a03 413d31"); /* "A=1" */
    (void)state;
    assert_int_equal(tw_header_decode(&h, msg, (size_t)n), n);
    assert_int_equal(h.present, TW_HAS_CONTEXT);
    assert_int_equal(h.tracestate.len, 0);
    assert_int_equal(h.discarded, TW_DISCARDED_TRACESTATE);
    assert_int_equal(h.canonical, 0);
}

static void test_decoder_refuses_oversized_input_before_parsing(void **state)
{
    static uint8_t big[TW_HEADER_MAX_LEN + 1];
    tw_header_t h;
    (void)state;
    /* garbage that would be malformed if parsed: the limit answers first */
    memset(big, 0xFF, sizeof big);
    assert_int_equal(tw_header_decode(&h, big, sizeof big), TW_E_TOO_LONG);
}

static void test_decoder_rejects_null_input_with_length(void **state)
{
    tw_header_t h;
    (void)state;
    assert_int_equal(tw_header_decode(&h, NULL, 1), TW_E_ARG);
    assert_int_equal(tw_header_decode(NULL, (const uint8_t *)"", 0), TW_E_ARG);
}

/* Every prefix of a message, placed to end at a guard page: no read past
 * the end (the guard faults without ASan), never a crash. */
static void test_header_decode_never_reads_past_end_of_any_prefix(void **state)
{
    uint8_t buf[512];
    tw_header_t h = full_header(), d;
    int n = tw_header_encode(buf, sizeof buf, &h);
    size_t k;
    (void)state;
    for (k = 0; k <= (size_t)n; k++) {
        tu_guarded g;
        int r;
        assert_int_equal(tu_guard_alloc(&g, buf, k), 0);
        r = tw_header_decode(&d, g.data, k);
        assert_true(r == (int)k || (r < 0 && r != TW_E_TRUNCATED));
        tu_guard_free(&g);
    }
}

/* ---- spec 05 §5.2: the prefix block ------------------------------------ */

static void test_block_every_proper_prefix_is_truncated(void **state)
{
    tw_header_t hs[3];
    int k;
    (void)state;
    hs[0] = context_header(1);
    hs[1] = full_header();
    memset(&hs[2], 0, sizeof hs[2]);
    for (k = 0; k < 3; k++) {
        uint8_t blk[600];
        tw_header_t d;
        int n = tw_block_encode(blk, sizeof blk, &hs[k]);
        size_t len;
        assert_true(n > 0);
        for (len = 0; len < (size_t)n; len++) {
            tu_guarded g;
            assert_int_equal(tu_guard_alloc(&g, blk, len), 0);
            assert_int_equal(tw_block_decode(&d, g.data, len), TW_E_TRUNCATED);
            assert_int_equal(tw_block_measure(g.data, len, NULL, NULL, NULL), TW_E_TRUNCATED);
            tu_guard_free(&g);
        }
        assert_int_equal(tw_block_decode(&d, blk, (size_t)n), n);
        assert_same_header(&hs[k], &d);
    }
}

static void test_block_is_version_then_minimal_length_then_message(void **state)
{
    uint8_t blk[64], want[64];
    tw_header_t h = context_header(1);
    int n;
    (void)state;
    n = tw_block_encode(blk, sizeof blk, &h);
    assert_int_equal(n, 32);
    assert_int_equal(tu_unhex(want, sizeof want, "01 1e " MINIMAL_HEX), 32);
    assert_memory_equal(blk, want, 32);
}

static void test_block_reports_consumed_and_leaves_application_frame(void **state)
{
    uint8_t frame[64];
    tw_header_t d;
    int n = tu_unhex(frame, sizeof frame, "01 1e " MINIMAL_HEX " 68656c6c6f");
    (void)state;
    assert_int_equal(tw_block_decode(&d, frame, (size_t)n), 32);
    assert_memory_equal(frame + 32, "hello", 5);
}

static void test_block_of_unknown_version_is_skipped_by_its_length(void **state)
{
    uint8_t frame[16];
    tw_header_t d;
    unsigned v = 0;
    size_t off = 0, mlen = 0;
    int n = tu_unhex(frame, sizeof frame, "02 03 aabbcc 68 69");
    (void)state;
    assert_int_equal(tw_block_decode(&d, frame, (size_t)n), TW_E_VERSION);
    assert_int_equal(tw_block_measure(frame, (size_t)n, &v, &off, &mlen), 5);
    assert_int_equal(v, 2);
    assert_int_equal(off, 2);
    assert_int_equal(mlen, 3);
}

static void test_block_rejects_non_minimal_or_overlong_length(void **state)
{
    uint8_t b[16];
    tw_header_t d;
    int n;
    (void)state;
    n = tu_unhex(b, sizeof b, "01 8000");
    assert_int_equal(tw_block_decode(&d, b, (size_t)n), TW_E_BLOCK_LENGTH);
    n = tu_unhex(b, sizeof b, "01 ffffffffffffffffff 00");
    assert_int_equal(tw_block_decode(&d, b, (size_t)n), TW_E_BLOCK_LENGTH);
    n = tu_unhex(b, sizeof b, "01 818001"); /* 16385 */
    assert_int_equal(tw_block_decode(&d, b, (size_t)n), TW_E_TOO_LONG);
}

/* ---- status codes (spec 04 §4.6) --------------------------------------- */

static void test_status_numbers_never_change(void **state)
{
    (void)state;
    assert_int_equal(TW_E_TRUNCATED, -1);
    assert_int_equal(TW_E_VARINT, -16);
    assert_int_equal(TW_E_FIELD_NUMBER, -17);
    assert_int_equal(TW_E_WIRE_TYPE, -18);
    assert_int_equal(TW_E_OVERRUN, -19);
    assert_int_equal(TW_E_BLOCK_LENGTH, -20);
    assert_int_equal(TW_E_HEX, -21);
    assert_int_equal(TW_E_UUID_TEXT, -22);
    assert_int_equal(TW_E_BASE64, -23);
    assert_int_equal(TW_E_JSON, -24);
    assert_int_equal(TW_E_ID_LENGTH, -32);
    assert_int_equal(TW_E_ZERO_ID, -33);
    assert_int_equal(TW_E_FLAGS, -34);
    assert_int_equal(TW_E_CONTEXT, -35);
    assert_int_equal(TW_E_TRACESTATE, -36);
    assert_int_equal(TW_E_BAGGAGE, -37);
    assert_int_equal(TW_E_UNKNOWN_FIELD, -38);
    assert_int_equal(TW_E_TRACEPARENT, -39);
    assert_int_equal(TW_E_B3, -40);
    assert_int_equal(TW_E_JAEGER, -41);
    assert_int_equal(TW_E_GRPC_TRACE_BIN, -42);
    assert_int_equal(TW_E_JSON_FIELD, -43);
    assert_int_equal(TW_E_TOO_LONG, -48);
    assert_int_equal(TW_E_TOO_MANY_UNKNOWN, -49);
    assert_int_equal(TW_E_TOO_MANY_MEMBERS, -50);
    assert_int_equal(TW_E_VERSION, -64);
    assert_int_equal(TW_E_ARG, -80);
    assert_int_equal(TW_E_BUFFER, -81);
    assert_int_equal(TW_E_RANDOM, -82);
    assert_int_equal(TW_E_NO_RANDOM, -83);
}

static void test_every_status_has_a_name_class_and_message(void **state)
{
    int s;
    int named = 0;
    (void)state;
    for (s = -100; s <= 0; s++) {
        const char *name = tw_status_name(s);
        if (strcmp(name, "TW_E_UNKNOWN_STATUS") == 0) {
            assert_string_equal(tw_strerror(s), "unknown status");
            continue;
        }
        named++;
        assert_string_not_equal(tw_strerror(s), "unknown status");
        assert_string_not_equal(tw_status_class(s), "unknown");
    }
    assert_int_equal(named, 31);
    assert_string_equal(tw_status_class(TW_E_TRUNCATED), "truncated");
    assert_string_equal(tw_status_class(TW_E_OVERRUN), "malformed");
    assert_string_equal(tw_status_class(TW_E_ZERO_ID), "invalid");
    assert_string_equal(tw_status_class(TW_E_TOO_LONG), "limit");
    assert_string_equal(tw_status_class(TW_E_VERSION), "version");
    assert_string_equal(tw_status_class(TW_E_BUFFER), "usage");
    assert_string_equal(tw_status_class(30), "ok");
}

/* Usage errors (spec 04 §4.6, class "usage"): a NULL pointer with a
 * length, or a NULL where an output is required, gives TW_E_ARG and
 * touches nothing. */
static void test_functions_refuse_null_with_a_length(void **state)
{
    tw_header_t h;
    uint8_t b[32];
    unsigned v;
    size_t off, ml;
    (void)state;
    memset(&h, 0, sizeof h);
    memset(b, 0, sizeof b);
    assert_int_equal(tw_header_decode(NULL, b, 1), TW_E_ARG);
    assert_int_equal(tw_header_decode(&h, NULL, 1), TW_E_ARG);
    assert_int_equal(tw_header_encode(b, sizeof b, NULL), TW_E_ARG);
    assert_int_equal(tw_header_validate(NULL), TW_E_ARG);
    assert_int_equal(tw_block_decode(NULL, b, 1), TW_E_ARG);
    assert_int_equal(tw_block_decode(&h, NULL, 1), TW_E_ARG);
    assert_int_equal(tw_block_measure(NULL, 1, &v, &off, &ml), TW_E_ARG);
    assert_int_equal(tw_block_encode(b, sizeof b, NULL), TW_E_ARG);
    assert_int_equal(tw_tracestate_validate(NULL, 1), TW_E_ARG);
    assert_int_equal(tw_baggage_validate(NULL, 1), TW_E_ARG);
    assert_int_equal(tw_hex_decode(NULL, "00", 1), TW_E_ARG);
    assert_int_equal(tw_hex_decode(b, NULL, 1), TW_E_ARG);
    assert_int_equal(tw_uuid_parse(NULL, "x", 1), TW_E_ARG);
    assert_int_equal(tw_uuid_parse(b, NULL, 1), TW_E_ARG);
    assert_int_equal(tw_trace_id_generate(NULL, NULL, NULL), TW_E_ARG);
    assert_int_equal(tw_span_id_generate(NULL, NULL, NULL), TW_E_ARG);
    assert_int_equal(tw_uuid4_generate(NULL, NULL, NULL), TW_E_ARG);
    assert_int_equal(tw_uuid7_generate(NULL, 1, NULL, NULL), TW_E_ARG);
    assert_int_equal(tw_relay_set_span_id(NULL, 30, b), TW_E_ARG);
    assert_int_equal(tw_relay_set_span_id(b, 8, NULL), TW_E_ARG);
    assert_int_equal(tw_uvarint_decode(NULL, 1, NULL), TW_E_ARG);
    {
        size_t pos = 0;
        tw_text_t k, val;
        assert_int_equal(tw_tracestate_next(NULL, 1, &pos, &k, &val), TW_E_ARG);
        assert_int_equal(tw_tracestate_next("a=1", 3, NULL, &k, &val), TW_E_ARG);
        assert_int_equal(tw_tracestate_get("a=1", 3, "a", 1, NULL), TW_E_ARG);
        assert_int_equal(tw_tracestate_get("a=1", 3, NULL, 1, &val), TW_E_ARG);
    }
    /* views of an encoder's input: NULL with a length */
    h.present = TW_HAS_CONTEXT;
    h.trace_id[0] = 1;
    h.span_id[0] = 1;
    h.tracestate.len = 3;
    assert_int_equal(tw_header_encode(b, sizeof b, &h), TW_E_ARG);
    h.tracestate.len = 0;
    h.present = 0x80;
    assert_int_equal(tw_header_encode(b, sizeof b, &h), TW_E_ARG);
}

/* Numbers between the classes' codes are no status: class "unknown". */
static void test_status_class_of_an_unassigned_number_is_unknown(void **state)
{
    (void)state;
    assert_string_equal(tw_status_class(-2), "unknown");
    assert_string_equal(tw_status_class(-70), "unknown");
    assert_string_equal(tw_status_class(-96), "unknown");
    assert_string_equal(tw_status_name(-70), "TW_E_UNKNOWN_STATUS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_header_is_at_most_30_bytes),
        cmocka_unit_test(test_minimal_header_fields_sit_at_fixed_offsets),
        cmocka_unit_test(test_decoder_reads_minimal_header),
        cmocka_unit_test(test_fast_path_agrees_with_general_path),
        cmocka_unit_test(test_decoder_rejects_all_zero_trace_id_on_fast_path),
        cmocka_unit_test(test_full_header_round_trips_canonically),
        cmocka_unit_test(test_header_with_only_correlation_id_is_valid),
        cmocka_unit_test(test_empty_message_is_a_header_without_context),
        cmocka_unit_test(test_encoder_with_null_destination_returns_size_needed),
        cmocka_unit_test(test_encoder_never_writes_past_capacity),
        cmocka_unit_test(test_encoder_refuses_zero_ids),
        cmocka_unit_test(test_encoder_refuses_flags_or_tracestate_without_ids),
        cmocka_unit_test(test_encoder_refuses_invalid_text),
        cmocka_unit_test(test_encoder_refuses_unknown_view_that_is_not_one_field),
        cmocka_unit_test(test_decoder_keeps_unknown_fields_as_views_and_relay_forwards_them_verbatim),
        cmocka_unit_test(test_decoder_applies_last_one_wins_and_reports_non_canonical),
        cmocka_unit_test(test_decoder_drops_invalid_tracestate_but_keeps_context),
        cmocka_unit_test(test_decoder_refuses_oversized_input_before_parsing),
        cmocka_unit_test(test_decoder_rejects_null_input_with_length),
        cmocka_unit_test(test_header_decode_never_reads_past_end_of_any_prefix),
        cmocka_unit_test(test_block_every_proper_prefix_is_truncated),
        cmocka_unit_test(test_block_is_version_then_minimal_length_then_message),
        cmocka_unit_test(test_block_reports_consumed_and_leaves_application_frame),
        cmocka_unit_test(test_block_of_unknown_version_is_skipped_by_its_length),
        cmocka_unit_test(test_block_rejects_non_minimal_or_overlong_length),
        cmocka_unit_test(test_status_numbers_never_change),
        cmocka_unit_test(test_every_status_has_a_name_class_and_message),
        cmocka_unit_test(test_functions_refuse_null_with_a_length),
        cmocka_unit_test(test_status_class_of_an_unassigned_number_is_unknown),
    };
    return cmocka_run_group_tests_name("header", tests, NULL, NULL);
}
