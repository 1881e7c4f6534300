/* SPDX-License-Identifier: Apache-2.0 */
/* ops_nanopb.c - benchmark rows for nanopb 0.4.7 (lean runtime build) on the same headers. */
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "bench.h"
#include "tracewire/v1/trace_header.pb.h"

/* About 12.4 KB (the text fields are fixed arrays sized to the spec's
 * limits): kept off the stack. */
static tracewire_v1_TraceHeader g_dec;
static tracewire_v1_TraceHeader g_min;
static tracewire_v1_TraceHeader g_full;
static uint8_t g_out[BENCH_MAX_MSG];
static size_t g_written;
static int g_ok;

int bench_nanopb_init(void)
{
    memset(&g_min, 0, sizeof g_min);
    g_min.trace_id.size = 16;
    memcpy(g_min.trace_id.bytes, bench_in.trace_id, 16);
    g_min.span_id.size = 8;
    memcpy(g_min.span_id.bytes, bench_in.span_id, 8);
    g_min.trace_flags = bench_in.flags;
    g_full = g_min;
    g_full.correlation_id.size = 16;
    memcpy(g_full.correlation_id.bytes, bench_in.correlation_id, 16);
    g_full.tracestate.size = (pb_size_t)bench_in.tracestate_len;
    memcpy(g_full.tracestate.bytes, bench_in.tracestate, bench_in.tracestate_len);
    g_full.baggage.size = (pb_size_t)bench_in.baggage_len;
    memcpy(g_full.baggage.bytes, bench_in.baggage, bench_in.baggage_len);
    return 0;
}

static int decode(const uint8_t *msg, size_t len)
{
    pb_istream_t s = pb_istream_from_buffer(msg, len);
    return g_ok = pb_decode(&s, tracewire_v1_TraceHeader_fields, &g_dec);
}

static int encode(const tracewire_v1_TraceHeader *m)
{
    pb_ostream_t s = pb_ostream_from_buffer(g_out, sizeof g_out);
    g_ok = pb_encode(&s, tracewire_v1_TraceHeader_fields, m);
    g_written = s.bytes_written;
    return g_ok;
}

static int same_context(void)
{
    return g_ok && g_dec.trace_id.size == 16 && memcmp(g_dec.trace_id.bytes, bench_in.trace_id, 16) == 0 &&
           g_dec.span_id.size == 8 && memcmp(g_dec.span_id.bytes, bench_in.span_id, 8) == 0 &&
           g_dec.trace_flags == bench_in.flags;
}

int npb_decode_minimal(void) { return decode(bench_in.minimal, bench_in.minimal_len); }
int npb_decode_minimal_check(void)
{
    return same_context() && g_dec.correlation_id.size == 0 && g_dec.tracestate.size == 0 ? 0 : -1;
}

int npb_decode_full(void) { return decode(bench_in.full, bench_in.full_len); }
int npb_decode_full_check(void)
{
    return same_context() && g_dec.correlation_id.size == 16 &&
                   memcmp(g_dec.correlation_id.bytes, bench_in.correlation_id, 16) == 0 &&
                   g_dec.tracestate.size == bench_in.tracestate_len &&
                   memcmp(g_dec.tracestate.bytes, bench_in.tracestate, bench_in.tracestate_len) == 0 &&
                   g_dec.baggage.size == bench_in.baggage_len &&
                   memcmp(g_dec.baggage.bytes, bench_in.baggage, bench_in.baggage_len) == 0
               ? 0
               : -1;
}

int npb_encode_minimal(void) { return encode(&g_min); }
int npb_encode_minimal_check(void)
{
    return g_ok && g_written == bench_in.minimal_len && memcmp(g_out, bench_in.minimal, g_written) == 0 ? 0 : -1;
}

int npb_encode_full(void) { return encode(&g_full); }
int npb_encode_full_check(void)
{
    return g_ok && g_written == bench_in.full_len && memcmp(g_out, bench_in.full, g_written) == 0 ? 0 : -1;
}
