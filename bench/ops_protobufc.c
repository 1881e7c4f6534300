/* SPDX-License-Identifier: Apache-2.0 */
/* ops_protobufc.c - benchmark rows for protobuf-c 1.4.1 (Debian) on the same headers. */
#include <string.h>

#include "bench.h"
#include "tracewire/v1/trace_header.pb-c.h"

static Tracewire__V1__TraceHeader g_min = TRACEWIRE__V1__TRACE_HEADER__INIT;
static Tracewire__V1__TraceHeader g_full = TRACEWIRE__V1__TRACE_HEADER__INIT;
static uint8_t g_out[BENCH_MAX_MSG];
static size_t g_written;
static int g_ok;   /* set by the decode rows, read by their checks */

static ProtobufCBinaryData bin(const void *p, size_t n)
{
    ProtobufCBinaryData b;
    b.len = n;
    b.data = (uint8_t *)(uintptr_t)p;
    return b;
}

int bench_protobufc_init(void)
{
    g_min.trace_id = bin(bench_in.trace_id, 16);
    g_min.span_id = bin(bench_in.span_id, 8);
    g_min.trace_flags = bench_in.flags;
    g_full = g_min;
    g_full.correlation_id = bin(bench_in.correlation_id, 16);
    g_full.tracestate = bin(bench_in.tracestate, bench_in.tracestate_len);
    g_full.baggage = bin(bench_in.baggage, bench_in.baggage_len);
    return 0;
}

static int same(ProtobufCBinaryData b, const void *want, size_t len)
{
    return b.len == len && (len == 0 || memcmp(b.data, want, len) == 0);
}

/* The check of a decode row decodes once more and compares the values. */
static int check_decode(const uint8_t *msg, size_t len, int full)
{
    Tracewire__V1__TraceHeader *m = tracewire__v1__trace_header__unpack(NULL, len, msg);
    int ok = m != NULL && same(m->trace_id, bench_in.trace_id, 16) && same(m->span_id, bench_in.span_id, 8) &&
             m->trace_flags == bench_in.flags &&
             same(m->correlation_id, bench_in.correlation_id, full ? 16 : 0) &&
             same(m->tracestate, bench_in.tracestate, full ? bench_in.tracestate_len : 0) &&
             same(m->baggage, bench_in.baggage, full ? bench_in.baggage_len : 0);
    if (m != NULL) tracewire__v1__trace_header__free_unpacked(m, NULL);
    return ok && g_ok ? 0 : -1;
}

/* Decoding with protobuf-c allocates the message and copies the fields;
 * the application frees them again. Both are part of one decode. */
static int decode(const uint8_t *msg, size_t len)
{
    Tracewire__V1__TraceHeader *m = tracewire__v1__trace_header__unpack(NULL, len, msg);
    if (m == NULL) return g_ok = 0;
    tracewire__v1__trace_header__free_unpacked(m, NULL);
    return g_ok = 1;
}

/* pack() trusts the caller for the size: the cheapest use, without the
 * get_packed_size() a bounds-conscious caller would add. */
static int encode(const Tracewire__V1__TraceHeader *m)
{
    g_written = tracewire__v1__trace_header__pack(m, g_out);
    return (int)g_written;
}

int pbc_decode_minimal(void) { return decode(bench_in.minimal, bench_in.minimal_len); }
int pbc_decode_minimal_check(void) { return check_decode(bench_in.minimal, bench_in.minimal_len, 0); }

int pbc_decode_full(void) { return decode(bench_in.full, bench_in.full_len); }
int pbc_decode_full_check(void) { return check_decode(bench_in.full, bench_in.full_len, 1); }

int pbc_encode_minimal(void) { return encode(&g_min); }
int pbc_encode_minimal_check(void)
{
    return g_written == bench_in.minimal_len && memcmp(g_out, bench_in.minimal, g_written) == 0 ? 0 : -1;
}

int pbc_encode_full(void) { return encode(&g_full); }
int pbc_encode_full_check(void)
{
    return g_written == bench_in.full_len && memcmp(g_out, bench_in.full, g_written) == 0 ? 0 : -1;
}
