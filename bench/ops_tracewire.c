/* SPDX-License-Identifier: Apache-2.0 */
/* ops_tracewire.c - the benchmark rows of the tracewire codec: one call each, as an application makes it. */
#include <string.h>

#include "bench.h"
#include "tracewire.h"
#ifdef BENCH_HAVE_GATEWAY
#include "tracewire_gateway.h"
#endif

static tw_header_t g_dec;      /* decode output */
static tw_header_t g_min;      /* encoder input: ids + flags */
static tw_header_t g_full;     /* encoder input: everything */
static uint8_t g_out[TW_BLOCK_MAX_LEN];
static char g_text[TW_TRACESTATE_MAX_LEN];
static int g_last;             /* last return value, for the checks */
/* relay rows: a new span-id written into copies of the minimal inputs */
static const uint8_t RELAY_SPAN[TW_SPAN_ID_LEN] = {0x53, 0x70, 0x61, 0x6e, 0x2d, 0x69, 0x64, 0x21};
static uint8_t g_relay_msg[TW_HEADER_MINIMAL_LEN];
static uint8_t g_relay_block[TW_HEADER_MINIMAL_LEN + 2];

/* ---- A buffered random source -------------------------------------------
 * An originator that makes ids at a high rate draws from the OS in 4 KiB
 * chunks and hands them out; the cost of getrandom(2) is then amortised. */
static uint8_t g_pool[4096];
static size_t g_pool_left;

static int pool_random(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    if (len > sizeof g_pool) return -1;
    if (g_pool_left < len) {
        if (tw_os_random(NULL, g_pool, sizeof g_pool) != 0) return -1;
        g_pool_left = sizeof g_pool;
    }
    memcpy(out, g_pool + sizeof g_pool - g_pool_left, len);
    g_pool_left -= len;
    return 0;
}

int bench_tracewire_init(void)
{
    memset(&g_min, 0, sizeof g_min);
    memcpy(g_min.trace_id, bench_in.trace_id, sizeof g_min.trace_id);
    memcpy(g_min.span_id, bench_in.span_id, sizeof g_min.span_id);
    g_min.trace_flags = bench_in.flags;
    g_min.present = TW_HAS_CONTEXT;
    g_full = g_min;
    memcpy(g_full.correlation_id, bench_in.correlation_id, sizeof g_full.correlation_id);
    g_full.present |= TW_HAS_CORRELATION_ID;
    g_full.tracestate.ptr = bench_in.tracestate;
    g_full.tracestate.len = bench_in.tracestate_len;
    g_full.baggage.ptr = bench_in.baggage;
    g_full.baggage.len = bench_in.baggage_len;
    memcpy(g_relay_msg, bench_in.minimal, sizeof g_relay_msg);
    memcpy(g_relay_block, bench_in.block_minimal, sizeof g_relay_block);
    return bench_in.block_minimal_len == sizeof g_relay_block ? 0 : -1;
}

/* ---- Checks ------------------------------------------------------------- */

static int same_context(const tw_header_t *h)
{
    return (h->present & TW_HAS_CONTEXT) && memcmp(h->trace_id, bench_in.trace_id, 16) == 0 &&
           memcmp(h->span_id, bench_in.span_id, 8) == 0 && h->trace_flags == bench_in.flags;
}

static int check_decoded_minimal(void)
{
    return same_context(&g_dec) && g_dec.present == TW_HAS_CONTEXT && g_dec.canonical == 1 &&
                   g_dec.tracestate.len == 0 && g_dec.baggage.len == 0
               ? 0
               : -1;
}

static int check_decoded_full(void)
{
    const tw_header_t *h = &g_dec;
    return same_context(h) && (h->present & TW_HAS_CORRELATION_ID) &&
                   memcmp(h->correlation_id, bench_in.correlation_id, 16) == 0 && h->discarded == 0 &&
                   h->canonical == 1 && h->tracestate.len == bench_in.tracestate_len &&
                   memcmp(h->tracestate.ptr, bench_in.tracestate, bench_in.tracestate_len) == 0 &&
                   h->baggage.len == bench_in.baggage_len &&
                   memcmp(h->baggage.ptr, bench_in.baggage, bench_in.baggage_len) == 0
               ? 0
               : -1;
}

static int same_bytes(const uint8_t *want, size_t len)
{
    return g_last == (int)len && memcmp(g_out, want, len) == 0 ? 0 : -1;
}

/* A freshly made header: it must decode, with new non-zero ids. */
static int check_fresh_minimal(void)
{
    tw_header_t h;
    if (g_last != TW_HEADER_MINIMAL_LEN) return -1;
    return tw_header_decode(&h, g_out, (size_t)g_last) == g_last && h.present == TW_HAS_CONTEXT ? 0 : -1;
}

static int check_fresh_block(void)
{
    tw_header_t h;
    if (g_last != (int)bench_in.block_minimal_len) return -1;
    if (tw_block_decode(&h, g_out, (size_t)g_last) != g_last) return -1;
    /* same trace, new span */
    return memcmp(h.trace_id, bench_in.trace_id, 16) == 0 && h.trace_flags == bench_in.flags &&
                   memcmp(h.span_id, bench_in.span_id, 8) != 0
               ? 0
               : -1;
}

/* ---- Rows ---------------------------------------------------------------- */

int twb_decode_minimal(void)
{
    return tw_header_decode(&g_dec, bench_in.minimal, bench_in.minimal_len);
}
int twb_decode_minimal_check(void) { return check_decoded_minimal(); }

int twb_encode_minimal(void)
{
    return g_last = tw_header_encode(g_out, sizeof g_out, &g_min);
}
int twb_encode_minimal_check(void) { return same_bytes(bench_in.minimal, bench_in.minimal_len); }

int twb_decode_full(void)
{
    return tw_header_decode(&g_dec, bench_in.full, bench_in.full_len);
}
int twb_decode_full_check(void) { return check_decoded_full(); }

int twb_encode_full(void)
{
    return g_last = tw_header_encode(g_out, sizeof g_out, &g_full);
}
int twb_encode_full_check(void) { return same_bytes(bench_in.full, bench_in.full_len); }

int twb_block_decode_minimal(void)
{
    return tw_block_decode(&g_dec, bench_in.block_minimal, bench_in.block_minimal_len);
}
int twb_block_decode_full(void)
{
    return tw_block_decode(&g_dec, bench_in.block_full, bench_in.block_full_len);
}

int twb_block_encode_minimal(void)
{
    return g_last = tw_block_encode(g_out, sizeof g_out, &g_min);
}
int twb_block_encode_minimal_check(void)
{
    return same_bytes(bench_in.block_minimal, bench_in.block_minimal_len);
}

int twb_tracestate_validate(void)
{
    return g_last = tw_tracestate_validate(bench_in.tracestate, bench_in.tracestate_len);
}
int twb_baggage_validate(void)
{
    return g_last = tw_baggage_validate(bench_in.baggage, bench_in.baggage_len);
}
int twb_status_ok_check(void) { return g_last == TW_OK ? 0 : -1; }

/* A vendor updates its own member: it moves to the front with a new value. */
static const char PUT_RESULT[] =
    "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7,vendorx=p8Lq2x9kT4,tenant1@sys=lT3cX9w0pQ2rZ7a";
int twb_tracestate_put(void)
{
    return g_last = tw_tracestate_put(g_text, sizeof g_text, bench_in.tracestate, bench_in.tracestate_len,
                                      "congo", 5, "ucfJifl5GOE", 11);
}
int twb_tracestate_put_check(void)
{
    return g_last == (int)sizeof PUT_RESULT - 1 && memcmp(g_text, PUT_RESULT, sizeof PUT_RESULT - 1) == 0 ? 0
                                                                                                         : -1;
}

#ifdef BENCH_HAVE_GATEWAY
/* W3C text (tier 2, codec/tracewire_gateway.c): rows go live when it exists. */
int twb_traceparent_parse(void)
{
    return g_last = tw_traceparent_parse(&g_dec, NULL, bench_in.traceparent, bench_in.traceparent_len);
}
int twb_traceparent_parse_check(void) { return g_last == TW_OK && same_context(&g_dec) ? 0 : -1; }

/* What a gateway does with both W3C headers: parse one, validate the other. */
int twb_traceparent_tracestate_parse(void)
{
    if (tw_traceparent_parse(&g_dec, NULL, bench_in.traceparent, bench_in.traceparent_len) != TW_OK)
        return g_last = -1;
    g_last = tw_tracestate_validate(bench_in.tracestate, bench_in.tracestate_len);
    g_dec.tracestate.ptr = bench_in.tracestate;
    g_dec.tracestate.len = bench_in.tracestate_len;
    return g_last;
}

int twb_traceparent_format(void) { return g_last = tw_traceparent_format(g_text, &g_min); }
int twb_traceparent_format_check(void)
{
    return g_last == (int)bench_in.traceparent_len &&
                   memcmp(g_text, bench_in.traceparent, bench_in.traceparent_len) == 0
               ? 0
               : -1;
}
#endif

/* Originator: a new trace, ids from the OS random source, encoded. */
int twb_originate_os(void)
{
    tw_header_t *h = &g_dec;
    h->present = TW_HAS_CONTEXT;
    h->trace_flags = TW_FLAG_SAMPLED | TW_FLAG_RANDOM;
    h->tracestate.len = 0;
    h->baggage.len = 0;
    h->n_unknown = 0;
    if (tw_trace_id_generate(h->trace_id, NULL, NULL) != TW_OK ||
        tw_span_id_generate(h->span_id, NULL, NULL) != TW_OK)
        return g_last = -1;
    return g_last = tw_header_encode(g_out, sizeof g_out, h);
}

/* The same with ids from the buffered source above. */
int twb_originate_pool(void)
{
    tw_header_t *h = &g_dec;
    h->present = TW_HAS_CONTEXT;
    h->trace_flags = TW_FLAG_SAMPLED | TW_FLAG_RANDOM;
    h->tracestate.len = 0;
    h->baggage.len = 0;
    h->n_unknown = 0;
    if (tw_trace_id_generate(h->trace_id, pool_random, NULL) != TW_OK ||
        tw_span_id_generate(h->span_id, pool_random, NULL) != TW_OK)
        return g_last = -1;
    return g_last = tw_header_encode(g_out, sizeof g_out, h);
}
int twb_originate_check(void) { return check_fresh_minimal(); }

/* Relay that reports a span: it overwrites the span-id of the message it
 * forwards, in place, and touches nothing else. */

int twb_relay_rewrite_span(void)
{
    return g_last = tw_relay_set_span_id(g_relay_msg, sizeof g_relay_msg, RELAY_SPAN);
}
int twb_relay_rewrite_span_check(void)
{
    return g_last == TW_OK && memcmp(g_relay_msg, bench_in.minimal, 20) == 0 &&
                   memcmp(g_relay_msg + 20, RELAY_SPAN, 8) == 0 && memcmp(g_relay_msg + 28, bench_in.minimal + 28, 2) == 0
               ? 0
               : -1;
}

/* What a span-reporting relay pays per hop: draw its span-id (buffered
 * source) and write it into the message. */
int twb_relay_new_span_rewrite(void)
{
    uint8_t span[TW_SPAN_ID_LEN];
    if (tw_span_id_generate(span, pool_random, NULL) != TW_OK) return g_last = -1;
    return g_last = tw_relay_set_span_id(g_relay_msg, sizeof g_relay_msg, span);
}
int twb_relay_new_span_rewrite_check(void)
{
    return g_last == TW_OK && memcmp(g_relay_msg, bench_in.minimal, 20) == 0 &&
                   memcmp(g_relay_msg + 20, bench_in.minimal + 20, 8) != 0
               ? 0
               : -1;
}

/* The same on a raw frame: find the message in the prefix block first. */
int twb_relay_block_rewrite_span(void)
{
    size_t off, len;
    int n = tw_block_measure(g_relay_block, sizeof g_relay_block, NULL, &off, &len);
    if (n < 0) return g_last = n;
    return g_last = tw_relay_set_span_id(g_relay_block + off, len, RELAY_SPAN);
}
int twb_relay_block_rewrite_span_check(void)
{
    return g_last == TW_OK && memcmp(g_relay_block, bench_in.block_minimal, 22) == 0 &&
                   memcmp(g_relay_block + 22, RELAY_SPAN, 8) == 0
               ? 0
               : -1;
}

/* Relay that continues the trace by decoding and encoding again: decode the
 * block, draw a span-id (buffered source), encode the block. */
int twb_relay_reencode(void)
{
    tw_header_t *h = &g_dec;
    if (tw_block_decode(h, bench_in.block_minimal, bench_in.block_minimal_len) < 0 ||
        tw_span_id_generate(h->span_id, pool_random, NULL) != TW_OK)
        return g_last = -1;
    return g_last = tw_block_encode(g_out, sizeof g_out, h);
}
int twb_relay_reencode_check(void) { return check_fresh_block(); }
