/* SPDX-License-Identifier: Apache-2.0 */
/* span.h - recording spans: start, attributes, events, links, status, end. */
#ifndef TASKNET_SPAN_H
#define TASKNET_SPAN_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"

/* OTLP enum values (opentelemetry/proto/trace/v1/trace.proto). */
enum span_kind { KIND_INTERNAL = 1, KIND_SERVER, KIND_CLIENT, KIND_PRODUCER, KIND_CONSUMER };
enum span_status { STATUS_UNSET = 0, STATUS_OK = 1, STATUS_ERROR = 2 };
enum attr_type { ATTR_STRING, ATTR_INT, ATTR_BOOL };

#define SPAN_MAX_ATTRS 20
#define SPAN_MAX_LINKS 4
#define SPAN_MAX_EVENTS 4
#define SPAN_MAX_EVENT_ATTRS 3

typedef struct span_attr {
    char key[48];
    int type;
    long long i; /* ATTR_INT, ATTR_BOOL */
    char s[160]; /* ATTR_STRING */
} span_attr_t;

typedef struct span_link {
    uint8_t trace_id[TW_TRACE_ID_LEN];
    uint8_t span_id[TW_SPAN_ID_LEN];
    uint8_t flags;
    char relation[24]; /* tracewire.link.relation (spec 13) */
} span_link_t;

typedef struct span_event {
    char name[48];
    uint64_t time_ns;
    size_t n_attrs;
    span_attr_t attrs[SPAN_MAX_EVENT_ATTRS];
} span_event_t;

/* What an exporter sees: a finished span, without the context's text. */
typedef struct span_data {
    uint8_t trace_id[TW_TRACE_ID_LEN];
    uint8_t span_id[TW_SPAN_ID_LEN];
    uint8_t parent_id[TW_SPAN_ID_LEN];
    int has_parent, parent_remote;
    uint8_t flags;
    char trace_state[256]; /* left empty when longer */
    char name[48];
    int kind;
    uint64_t start_ns, end_ns;
    int status;
    char status_msg[160];
    size_t n_attrs, n_links, n_events, dropped_attrs, dropped_links;
    span_attr_t attrs[SPAN_MAX_ATTRS];
    span_link_t links[SPAN_MAX_LINKS];
    span_event_t events[SPAN_MAX_EVENTS];
} span_data_t;

/* A span being recorded. ctx is the context it propagates: the parent's
 * context with this span's span-id. */
typedef struct span {
    span_data_t d;
    tn_ctx ctx;
} span_t;

/* Called with every finished, sampled span. */
typedef void (*span_sink_fn)(const span_data_t *d);
void span_set_sink(span_sink_fn fn);

/* A child of parent (whose span-id becomes the parent-id); remote says
 * whether the parent came from another peer. NULL when out of memory. The
 * span is recorded only when the parent's sampled flag is set; its id
 * exists either way. Adds tracewire.correlation_id when the context has one. */
span_t *span_start(const char *name, int kind, const tn_ctx *parent, int remote);
/* A root span: ctx already holds a new trace (ctx_new_trace). */
span_t *span_start_root(const char *name, int kind, const tn_ctx *ctx);
void span_attr_str(span_t *s, const char *key, const char *value);
void span_attr_int(span_t *s, const char *key, long long value);
void span_attr_bool(span_t *s, const char *key, int value);
void span_link(span_t *s, const uint8_t trace_id[TW_TRACE_ID_LEN],
               const uint8_t span_id[TW_SPAN_ID_LEN], uint8_t flags, const char *relation);
/* An event with up to one string attribute (key may be NULL). */
void span_event(span_t *s, const char *name, const char *key, const char *value);
void span_set_error(span_t *s, const char *message);
void span_set_ok(span_t *s);
/* End, hand to the sink when sampled, free. NULL is ignored. */
void span_end(span_t *s);

#endif
