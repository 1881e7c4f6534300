/* SPDX-License-Identifier: Apache-2.0 */
/* context.c - a trace context with its own storage: ids, flags, tracestate, baggage, correlation-id. */
#include "context.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "tracewire_relay.h"

void ctx_clear(tn_ctx *c)
{
    memset(c->trace_id, 0, sizeof c->trace_id);
    memset(c->span_id, 0, sizeof c->span_id);
    memset(c->correlation_id, 0, sizeof c->correlation_id);
    c->flags = 0;
    c->has_trace = c->has_correlation = 0;
    c->ts_len = c->bag_len = 0;
    c->tracestate[0] = c->baggage[0] = '\0';
}

static size_t copy_text(char *dst, size_t cap, tw_text_t t)
{
    size_t n = t.len < cap - 1 ? t.len : 0; /* never a partial list */
    if (n) memcpy(dst, t.ptr, n);
    dst[n] = '\0';
    return n;
}

void ctx_from_header(tn_ctx *c, const tw_header_t *h)
{
    ctx_clear(c);
    if (h->present & TW_HAS_CONTEXT) {
        memcpy(c->trace_id, h->trace_id, sizeof c->trace_id);
        memcpy(c->span_id, h->span_id, sizeof c->span_id);
        c->flags = h->trace_flags;
        c->has_trace = 1;
        c->ts_len = copy_text(c->tracestate, sizeof c->tracestate, h->tracestate);
    }
    if (h->present & TW_HAS_CORRELATION_ID) {
        memcpy(c->correlation_id, h->correlation_id, sizeof c->correlation_id);
        c->has_correlation = 1;
    }
    c->bag_len = copy_text(c->baggage, sizeof c->baggage, h->baggage);
}

void ctx_to_header(tw_header_t *h, const tn_ctx *c)
{
    memset(h, 0, sizeof *h);
    if (c->has_trace) {
        memcpy(h->trace_id, c->trace_id, sizeof h->trace_id);
        memcpy(h->span_id, c->span_id, sizeof h->span_id);
        h->trace_flags = c->flags;
        h->present |= TW_HAS_CONTEXT;
        h->tracestate.ptr = c->tracestate;
        h->tracestate.len = c->ts_len;
    }
    if (c->has_correlation) {
        memcpy(h->correlation_id, c->correlation_id, sizeof h->correlation_id);
        h->present |= TW_HAS_CORRELATION_ID;
    }
    h->baggage.ptr = c->baggage;
    h->baggage.len = c->bag_len;
}

int ctx_new_trace(tn_ctx *c, int sampled)
{
    if (tw_trace_id_generate(c->trace_id, NULL, NULL) != TW_OK) return -1;
    if (tw_span_id_generate(c->span_id, NULL, NULL) != TW_OK) return -1;
    c->flags = (uint8_t)(TW_FLAG_RANDOM | (sampled ? TW_FLAG_SAMPLED : 0u));
    c->has_trace = 1;
    return 0;
}

int ctx_new_span_id(tn_ctx *c)
{
    return tw_span_id_generate(c->span_id, NULL, NULL) == TW_OK ? 0 : -1;
}

int ctx_new_correlation(tn_ctx *c)
{
    if (tw_uuid7_generate(c->correlation_id, clock_unix_ns() / 1000000u, NULL, NULL) != TW_OK)
        return -1;
    c->has_correlation = 1;
    return 0;
}

int ctx_set_log_hint(tn_ctx *c, const char *level)
{
    char value[32], out[TW_TRACESTATE_MAX_LEN];
    int n, vn = snprintf(value, sizeof value, "log:%s", level);
    if (vn <= 0 || (size_t)vn >= sizeof value || !c->has_trace) return -1;
    n = tw_tracestate_put(out, sizeof out, c->tracestate, c->ts_len, "tw", 2, value, (size_t)vn);
    if (n < 0) return -1;
    memcpy(c->tracestate, out, (size_t)n);
    c->tracestate[n] = '\0';
    c->ts_len = (size_t)n;
    return 0;
}

int ctx_log_hint(const tn_ctx *c, char *out, size_t cap)
{
    tw_log_hint hint;
    out[0] = '\0';
    if (!c->has_trace || c->ts_len == 0 || cap < 6) return 0;
    hint = tw_log_hint_parse(c->tracestate, c->ts_len); /* spec 10 §10.8.3 */
    if (hint == TW_LOG_HINT_NONE) return 0;
    memcpy(out, hint == TW_LOG_HINT_DEBUG ? "debug" : "trace", 6);
    return 1;
}

int ctx_sampled(const tn_ctx *c)
{
    return c->has_trace && (c->flags & TW_FLAG_SAMPLED) != 0;
}

void ctx_text(tn_ctx_text *t, const tn_ctx *c)
{
    memset(t, 0, sizeof *t);
    if (c->has_trace) {
        tw_hex_encode(t->trace_id, c->trace_id, sizeof c->trace_id);
        tw_hex_encode(t->span_id, c->span_id, sizeof c->span_id);
        tw_hex_encode(t->flags, &c->flags, 1);
    }
    if (c->has_correlation) tw_uuid_format(t->correlation_id, c->correlation_id);
}
