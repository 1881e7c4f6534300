/* SPDX-License-Identifier: Apache-2.0 */
/* registry.c - every row of the benchmark table, in print order, with the harness's own two rows. */
#include <string.h>

#include "bench.h"

/* Rows of the implementation files (ops_*.c). */
#define ROW_FN(name) int name(void);
#define ROWS_TRACEWIRE(X)                                                                         \
    X(twb_decode_minimal) X(twb_decode_minimal_check) X(twb_encode_minimal)                         \
    X(twb_encode_minimal_check) X(twb_decode_full) X(twb_decode_full_check) X(twb_encode_full)      \
    X(twb_encode_full_check) X(twb_block_decode_minimal) X(twb_block_decode_full)                   \
    X(twb_block_encode_minimal) X(twb_block_encode_minimal_check) X(twb_tracestate_validate)        \
    X(twb_baggage_validate) X(twb_status_ok_check) X(twb_originate_os) X(twb_originate_pool)        \
    X(twb_originate_check) X(twb_relay_reencode) X(twb_relay_reencode_check) X(twb_tracestate_put)     \
    X(twb_tracestate_put_check) X(twb_relay_rewrite_span) X(twb_relay_rewrite_span_check)              \
    X(twb_relay_block_rewrite_span) X(twb_relay_block_rewrite_span_check) X(twb_relay_new_span_rewrite)    \
    X(twb_relay_new_span_rewrite_check)
#define ROWS_NANOPB(X)                                                                            \
    X(npb_decode_minimal) X(npb_decode_minimal_check) X(npb_decode_full) X(npb_decode_full_check)   \
    X(npb_encode_minimal) X(npb_encode_minimal_check) X(npb_encode_full) X(npb_encode_full_check)
#define ROWS_PROTOBUFC(X)                                                                         \
    X(pbc_decode_minimal) X(pbc_decode_minimal_check) X(pbc_decode_full) X(pbc_decode_full_check)   \
    X(pbc_encode_minimal) X(pbc_encode_minimal_check) X(pbc_encode_full) X(pbc_encode_full_check)
ROWS_TRACEWIRE(ROW_FN)
#ifdef BENCH_HAVE_GATEWAY
ROW_FN(twb_traceparent_parse)
ROW_FN(twb_traceparent_parse_check)
ROW_FN(twb_traceparent_tracestate_parse)
ROW_FN(twb_traceparent_format)
ROW_FN(twb_traceparent_format_check)
#define TRACEPARENT_PARSE twb_traceparent_parse, twb_traceparent_parse_check
#define TRACEPARENT_TRACESTATE_PARSE twb_traceparent_tracestate_parse, twb_status_ok_check
#define TRACEPARENT_FORMAT twb_traceparent_format, twb_traceparent_format_check
#endif
ROWS_NANOPB(ROW_FN)
ROWS_PROTOBUFC(ROW_FN)

/* ---- The harness's own rows ---------------------------------------------- */

/* An empty call: what the measuring loop itself costs per call. Its
 * instruction count is subtracted from every other row. */
static int empty_call(void) { return 0; }

static bench_floor_ctx_t g_floor;
static int floor_decode(void) { return bench_floor_decode(&g_floor, bench_in.minimal, bench_in.minimal_len); }
static int floor_check(void)
{
    return memcmp(g_floor.trace_id, bench_in.trace_id, 16) == 0 && memcmp(g_floor.span_id, bench_in.span_id, 8) == 0 &&
                   g_floor.trace_flags == bench_in.flags
               ? 0
               : -1;
}

/* ---- The table -------------------------------------------------------------
 * Adding an operation: write its wrapper in ops_<impl>.c (one call, as an
 * application makes it, plus a check of the output), declare it above, and
 * put it in its row here. A row whose run is PENDING prints as "pending";
 * JS peers (otel_bench.js) join rows by the same operation key. Budgets for
 * the key live in budgets.json. */
#define PENDING NULL, NULL
#ifndef BENCH_HAVE_GATEWAY /* bench.mk defines it when codec/tracewire_gateway.c exists */
#define TRACEPARENT_PARSE PENDING
#define TRACEPARENT_TRACESTATE_PARSE PENDING
#define TRACEPARENT_FORMAT PENDING
#endif

#define MIN (&bench_in.minimal_len)
#define FULL (&bench_in.full_len)
#define BMIN (&bench_in.block_minimal_len)
#define BFULL (&bench_in.block_full_len)
#define TS (&bench_in.tracestate_len)
#define BG (&bench_in.baggage_len)
#define TP (&bench_in.traceparent_len)
#define TPTS (&bench_in.traceparent_tracestate_len)

const bench_op_t bench_ops[] = {
    {"empty-call", "harness: empty call (subtracted)", "harness", empty_call, NULL, NULL},

    {"decode-minimal", "decode minimal header", "floor", floor_decode, floor_check, MIN},
    {"decode-minimal", "decode minimal header", "tracewire", twb_decode_minimal, twb_decode_minimal_check, MIN},
    {"decode-minimal", "decode minimal header", "nanopb-lean", npb_decode_minimal, npb_decode_minimal_check, MIN},
    {"decode-minimal", "decode minimal header", "protobuf-c", pbc_decode_minimal, pbc_decode_minimal_check, MIN},

    {"encode-minimal", "encode minimal header", "tracewire", twb_encode_minimal, twb_encode_minimal_check, MIN},
    {"encode-minimal", "encode minimal header", "nanopb-lean", npb_encode_minimal, npb_encode_minimal_check, MIN},
    {"encode-minimal", "encode minimal header", "protobuf-c", pbc_encode_minimal, pbc_encode_minimal_check, MIN},

    {"decode-full", "decode full header", "tracewire", twb_decode_full, twb_decode_full_check, FULL},
    {"decode-full", "decode full header", "nanopb-lean", npb_decode_full, npb_decode_full_check, FULL},
    {"decode-full", "decode full header", "protobuf-c", pbc_decode_full, pbc_decode_full_check, FULL},

    {"encode-full", "encode full header", "tracewire", twb_encode_full, twb_encode_full_check, FULL},
    {"encode-full", "encode full header", "nanopb-lean", npb_encode_full, npb_encode_full_check, FULL},
    {"encode-full", "encode full header", "protobuf-c", pbc_encode_full, pbc_encode_full_check, FULL},

    {"block-decode-minimal", "prefix block decode, minimal", "tracewire", twb_block_decode_minimal,
     twb_decode_minimal_check, BMIN},
    {"block-decode-full", "prefix block decode, full", "tracewire", twb_block_decode_full, twb_decode_full_check,
     BFULL},
    {"block-encode-minimal", "prefix block encode, minimal", "tracewire", twb_block_encode_minimal,
     twb_block_encode_minimal_check, BMIN},

    {"tracestate-validate", "tracestate parse+validate", "tracewire", twb_tracestate_validate,
     twb_status_ok_check, TS},
    {"tracestate-put", "tracestate put (member to front)", "tracewire", twb_tracestate_put,
     twb_tracestate_put_check, TS},
    {"baggage-validate", "baggage validate", "tracewire", twb_baggage_validate, twb_status_ok_check, BG},

    {"traceparent-parse", "traceparent parse", "tracewire", TRACEPARENT_PARSE, TP},
    {"traceparent-tracestate-parse", "traceparent+tracestate parse", "tracewire", TRACEPARENT_TRACESTATE_PARSE,
     TPTS},
    {"traceparent-format", "traceparent format", "tracewire", TRACEPARENT_FORMAT, TP},

    {"originate-os", "originator: new ids (getrandom) + encode", "tracewire", twb_originate_os,
     twb_originate_check, MIN},
    {"originate-pool", "originator: new ids (pooled random) + encode", "tracewire", twb_originate_pool,
     twb_originate_check, MIN},
    {"relay-rewrite-span", "relay: span-id rewrite in place", "tracewire", twb_relay_rewrite_span,
     twb_relay_rewrite_span_check, MIN},
    {"relay-new-span-rewrite", "relay: new span-id (pooled) + rewrite", "tracewire", twb_relay_new_span_rewrite,
     twb_relay_new_span_rewrite_check, MIN},
    {"relay-block-rewrite-span", "relay: block measure + span-id rewrite", "tracewire",
     twb_relay_block_rewrite_span, twb_relay_block_rewrite_span_check, BMIN},
    {"relay-reencode", "relay: block decode + new span-id + encode", "tracewire", twb_relay_reencode,
     twb_relay_reencode_check, BMIN},
};

const size_t bench_n_ops = sizeof bench_ops / sizeof bench_ops[0];
