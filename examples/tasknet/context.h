/* SPDX-License-Identifier: Apache-2.0 */
/* context.h - a trace context with its own storage: ids, flags, tracestate, baggage, correlation-id. */
#ifndef TASKNET_CONTEXT_H
#define TASKNET_CONTEXT_H

#include "tracewire.h"

/* tw_header_t holds views into someone else's buffer; tn_ctx owns its text,
 * so it outlives the frame it was read from. */
typedef struct tn_ctx {
    uint8_t trace_id[TW_TRACE_ID_LEN];
    uint8_t span_id[TW_SPAN_ID_LEN];
    uint8_t correlation_id[TW_CORRELATION_ID_LEN];
    uint8_t flags;
    int has_trace;       /* trace_id, span_id and flags are set */
    int has_correlation; /* correlation_id is set */
    size_t ts_len, bag_len;
    char tracestate[TW_TRACESTATE_MAX_LEN + 1];
    char baggage[TW_BAGGAGE_MAX_LEN + 1];
} tn_ctx;

/* Text forms (spec 04 §4.8), NUL-terminated; empty strings when absent. */
typedef struct tn_ctx_text {
    char trace_id[TW_TRACE_ID_HEX_LEN + 1];
    char span_id[TW_SPAN_ID_HEX_LEN + 1];
    char flags[3];
    char correlation_id[TW_UUID_TEXT_LEN + 1];
} tn_ctx_text;

void ctx_clear(tn_ctx *c);
/* Copy a decoded header (its views) into c. */
void ctx_from_header(tn_ctx *c, const tw_header_t *h);
/* A header whose views point into c (valid while c is). */
void ctx_to_header(tw_header_t *h, const tn_ctx *c);
/* Start a trace: random trace-id and span-id, random flag, sampled as given.
 * Keeps the correlation-id, tracestate and baggage already in c. 0 or -1. */
int ctx_new_trace(tn_ctx *c, int sampled);
/* A new span-id in c (the caller copied the parent first). 0 or -1. */
int ctx_new_span_id(tn_ctx *c);
/* A new UUIDv7 correlation-id. 0 or -1. */
int ctx_new_correlation(tn_ctx *c);
/* Put the verbosity hint `tw=log:<level>` at the front of the tracestate
 * (spec 10 §10.8.3). 0 or -1. */
int ctx_set_log_hint(tn_ctx *c, const char *level);
/* The hinted level name ("debug", "trace", ...) in out, or 0 when there is
 * no valid hint. Returns 1 when a hint is present. */
int ctx_log_hint(const tn_ctx *c, char *out, size_t cap);
int ctx_sampled(const tn_ctx *c);
void ctx_text(tn_ctx_text *t, const tn_ctx *c);

#endif
