/* SPDX-License-Identifier: Apache-2.0 */
/* bench.h - shared inputs and the operation registry of the tracewire benchmark harness. */
#ifndef TRACEWIRE_BENCH_H
#define TRACEWIRE_BENCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * One row of the benchmark: an implementation of an operation.
 *
 * run() performs the operation once on the shared inputs and returns a value
 * the harness folds into a sink. It is always called through this pointer,
 * from another translation unit, so nothing is hoisted out of the loop.
 * run == NULL marks an operation the codec does not have yet ("pending").
 *
 * check() is called once after run() and returns 0 when the output is right
 * (same values, or byte-for-byte the canonical encoding). A row whose check
 * fails is never measured: the harness stops.
 */
typedef struct bench_op {
    const char *op;    /* operation key, e.g. "decode-minimal" (budgets.json uses it) */
    const char *label; /* what the table prints for the operation */
    const char *impl;  /* "floor", "tracewire", "nanopb-lean", "protobuf-c" */
    int (*run)(void);
    int (*check)(void);
    const size_t *bytes; /* bytes read or written by one call (NULL: none) */
} bench_op_t;

extern const bench_op_t bench_ops[];
extern const size_t bench_n_ops;

/* ---- Shared inputs (inputs.c), built once by bench_inputs_init() -------- */

#define BENCH_MAX_MSG 512

typedef struct bench_inputs {
    /* values */
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t correlation_id[16];
    uint8_t flags;
    const char *tracestate; /* 4 members, 86 octets */
    size_t tracestate_len;
    const char *baggage; /* 3 members */
    size_t baggage_len;
    const char *traceparent; /* the same context as W3C text, 55 octets */
    size_t traceparent_len;
    size_t traceparent_tracestate_len; /* both texts together */
    /* canonical encodings, made by tracewire and cross-checked by every peer */
    uint8_t minimal[BENCH_MAX_MSG]; /* trace-id, span-id, flags 01: 30 bytes */
    size_t minimal_len;
    uint8_t with_cid[BENCH_MAX_MSG]; /* plus correlation-id */
    size_t with_cid_len;
    uint8_t full[BENCH_MAX_MSG]; /* plus tracestate and baggage */
    size_t full_len;
    uint8_t block_minimal[BENCH_MAX_MSG]; /* prefix block around minimal */
    size_t block_minimal_len;
    uint8_t block_full[BENCH_MAX_MSG];
    size_t block_full_len;
} bench_inputs_t;

extern bench_inputs_t bench_in;

/* Fills bench_in; returns 0, or -1 if the codec refused the inputs. */
int bench_inputs_init(void);

/* Per-implementation set-up (pre-filled encoder structs and the like). */
int bench_tracewire_init(void);
int bench_nanopb_init(void);
int bench_protobufc_init(void);

/* ---- The floor (floor.c) ------------------------------------------------ */

/* What any reader of the minimal header must at least do: copy the ids and
 * flags out of the canonical 30 bytes at their fixed offsets, and check that
 * neither id is all zero. No tag, length or flags check. */
typedef struct bench_floor_ctx {
    uint8_t trace_id[16];
    uint8_t span_id[8];
    uint8_t trace_flags;
} bench_floor_ctx_t;

int bench_floor_decode(bench_floor_ctx_t *out, const uint8_t *msg, size_t len);

/* ---- Allocation counter (alloc_count.c) --------------------------------- */

/* malloc + calloc + realloc calls made by this process so far. */
unsigned long bench_alloc_calls(void);

#endif /* TRACEWIRE_BENCH_H */
