/* SPDX-License-Identifier: Apache-2.0 */
/* view.h - the trace view's model: spans and log lines of every peer, merged. */
#ifndef TASKNET_VIEW_H
#define TASKNET_VIEW_H

#include <stddef.h>
#include <stdint.h>

#define V_TRACE 33
#define V_SPAN 17
#define V_UUID 37
#define V_NAME 64
#define V_LINKS 4

typedef struct vlink {
    char trace_id[V_TRACE], span_id[V_SPAN], relation[24];
} vlink_t;

typedef struct vspan {
    char trace_id[V_TRACE], span_id[V_SPAN], parent_id[V_SPAN];
    char name[V_NAME], peer[V_NAME], correlation_id[V_UUID];
    uint64_t start_ns, end_ns;
    int kind, status;
    char status_msg[160];
    /* attributes the view prints */
    long long attempt;
    char task_status[16], executor[V_NAME], remote[V_NAME], msg_kind[16], state[16], reason[48];
    char source[16], hop_error[32];
    size_t n_links;
    vlink_t links[V_LINKS];
    /* filled by view_index */
    int parent;      /* index of the parent, -1 for none */
    int orphan;      /* has a parent-id that no loaded span has */
    int broken;      /* the parent-id names a span of another trace, or itself */
    int first_child, next_sibling;
} vspan_t;

typedef struct vlog {
    char peer[V_NAME], level[8], trace_id[V_TRACE], span_id[V_SPAN], correlation_id[V_UUID], flags[3];
    char event[64];
    uint64_t time_ns;
} vlog_t;

typedef struct view {
    vspan_t *spans;
    size_t n_spans, cap_spans;
    vlog_t *logs;
    size_t n_logs, cap_logs;
    size_t bad_lines; /* lines that are not JSON objects */
} view_t;

/* Load <dir>/spans/ *.otlp.jsonl and <dir>/logs/ *.jsonl. 0 or -1. */
int view_load(view_t *v, const char *dir);
/* Link parents and children; mark orphans and broken parents. */
void view_index(view_t *v);
int view_find_span(const view_t *v, const char *trace_id, const char *span_id);

/* Printing one trace tree (view_print.c). */
void view_print_trace(const view_t *v, const char *trace_id);
void view_free(view_t *v);

#endif
