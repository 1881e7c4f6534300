/* SPDX-License-Identifier: Apache-2.0 */
/* span.c - recording spans: start, attributes, events, links, status, end. */
#include "span.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"

static span_sink_fn sink;

void span_set_sink(span_sink_fn fn)
{
    sink = fn;
}

static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static span_t *span_new(const char *name, int kind, const tn_ctx *ctx)
{
    span_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->ctx = *ctx;
    copy(s->d.name, sizeof s->d.name, name);
    s->d.kind = kind;
    s->d.start_ns = clock_unix_ns();
    if (s->ctx.ts_len < sizeof s->d.trace_state) copy(s->d.trace_state, sizeof s->d.trace_state, s->ctx.tracestate);
    if (ctx->has_correlation) {
        tn_ctx_text t;
        ctx_text(&t, ctx);
        span_attr_str(s, "tracewire.correlation_id", t.correlation_id);
    }
    return s;
}

static void fill_ids(span_t *s)
{
    memcpy(s->d.trace_id, s->ctx.trace_id, sizeof s->d.trace_id);
    memcpy(s->d.span_id, s->ctx.span_id, sizeof s->d.span_id);
    s->d.flags = s->ctx.flags;
}

span_t *span_start(const char *name, int kind, const tn_ctx *parent, int remote)
{
    span_t *s;
    if (!parent->has_trace) return NULL;
    s = span_new(name, kind, parent);
    if (!s) return NULL;
    memcpy(s->d.parent_id, parent->span_id, sizeof s->d.parent_id);
    s->d.has_parent = 1;
    s->d.parent_remote = remote;
    if (ctx_new_span_id(&s->ctx) != 0) {
        free(s);
        return NULL;
    }
    fill_ids(s);
    return s;
}

span_t *span_start_root(const char *name, int kind, const tn_ctx *ctx)
{
    span_t *s;
    if (!ctx->has_trace) return NULL;
    s = span_new(name, kind, ctx);
    if (s) fill_ids(s);
    return s;
}

static span_attr_t *attr_slot(span_t *s, const char *key)
{
    for (size_t i = 0; i < s->d.n_attrs; i++)
        if (strcmp(s->d.attrs[i].key, key) == 0) return &s->d.attrs[i];
    if (s->d.n_attrs == SPAN_MAX_ATTRS) {
        s->d.dropped_attrs++;
        return NULL;
    }
    copy(s->d.attrs[s->d.n_attrs].key, sizeof s->d.attrs[0].key, key);
    return &s->d.attrs[s->d.n_attrs++];
}

void span_attr_str(span_t *s, const char *key, const char *value)
{
    span_attr_t *a;
    if (!s || !(a = attr_slot(s, key))) return;
    a->type = ATTR_STRING;
    copy(a->s, sizeof a->s, value);
}

void span_attr_int(span_t *s, const char *key, long long value)
{
    span_attr_t *a;
    if (!s || !(a = attr_slot(s, key))) return;
    a->type = ATTR_INT;
    a->i = value;
}

void span_attr_bool(span_t *s, const char *key, int value)
{
    span_attr_t *a;
    if (!s || !(a = attr_slot(s, key))) return;
    a->type = ATTR_BOOL;
    a->i = value != 0;
}

void span_link(span_t *s, const uint8_t trace_id[TW_TRACE_ID_LEN],
               const uint8_t span_id[TW_SPAN_ID_LEN], uint8_t flags, const char *relation)
{
    span_link_t *l;
    if (!s) return;
    if (s->d.n_links == SPAN_MAX_LINKS) { /* bounded (spec 10 §10.3.7 rule 4) */
        s->d.dropped_links++;
        return;
    }
    l = &s->d.links[s->d.n_links++];
    memcpy(l->trace_id, trace_id, sizeof l->trace_id);
    memcpy(l->span_id, span_id, sizeof l->span_id);
    l->flags = flags;
    copy(l->relation, sizeof l->relation, relation);
}

void span_event(span_t *s, const char *name, const char *key, const char *value)
{
    span_event_t *e;
    if (!s || s->d.n_events == SPAN_MAX_EVENTS) return;
    e = &s->d.events[s->d.n_events++];
    copy(e->name, sizeof e->name, name);
    e->time_ns = clock_unix_ns();
    e->n_attrs = 0;
    if (key) {
        copy(e->attrs[0].key, sizeof e->attrs[0].key, key);
        e->attrs[0].type = ATTR_STRING;
        copy(e->attrs[0].s, sizeof e->attrs[0].s, value);
        e->n_attrs = 1;
    }
}

void span_set_error(span_t *s, const char *message)
{
    if (!s) return;
    s->d.status = STATUS_ERROR;
    copy(s->d.status_msg, sizeof s->d.status_msg, message);
}

void span_set_ok(span_t *s)
{
    if (s) s->d.status = STATUS_OK;
}

void span_end(span_t *s)
{
    if (!s) return;
    s->d.end_ns = clock_unix_ns();
    if (s->d.end_ns < s->d.start_ns) s->d.end_ns = s->d.start_ns;
    if ((s->ctx.flags & TW_FLAG_SAMPLED) && sink) sink(&s->d);
    free(s);
}
