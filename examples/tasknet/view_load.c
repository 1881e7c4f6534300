/* SPDX-License-Identifier: Apache-2.0 */
/* view_load.c - reading every peer's OTLP/JSON span files and JSON-lines logs into the view's model. */
#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "io.h"
#include "view.h"

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static const char *jstr(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static const char *any_string(json_t *value)
{
    json_t *s = json_object_get(value, "stringValue");
    return json_string_value(s);
}

static long long any_int(json_t *value)
{
    json_t *i = json_object_get(value, "intValue");
    if (json_is_string(i)) return atoll(json_string_value(i));
    return json_integer_value(i);
}

static void span_attribute(vspan_t *s, const char *key, json_t *value)
{
    if (strcmp(key, "tracewire.correlation_id") == 0) copy(s->correlation_id, sizeof s->correlation_id, any_string(value));
    else if (strcmp(key, "task.attempt") == 0) s->attempt = any_int(value);
    else if (strcmp(key, "task.status") == 0) copy(s->task_status, sizeof s->task_status, any_string(value));
    else if (strcmp(key, "task.executor") == 0) copy(s->executor, sizeof s->executor, any_string(value));
    else if (strcmp(key, "task.state") == 0) copy(s->state, sizeof s->state, any_string(value));
    else if (strcmp(key, "p2p.remote.peer") == 0) copy(s->remote, sizeof s->remote, any_string(value));
    else if (strcmp(key, "tasknet.message.kind") == 0) copy(s->msg_kind, sizeof s->msg_kind, any_string(value));
    else if (strcmp(key, "p2p.disconnect.reason") == 0) copy(s->reason, sizeof s->reason, any_string(value));
    else if (strcmp(key, "tracewire.context.source") == 0) copy(s->source, sizeof s->source, any_string(value));
    else if (strcmp(key, "tracewire.hop.error") == 0) copy(s->hop_error, sizeof s->hop_error, any_string(value));
}

static vspan_t *new_span(view_t *v)
{
    if (v->n_spans == v->cap_spans) {
        size_t cap = v->cap_spans ? 2 * v->cap_spans : 256;
        vspan_t *n = realloc(v->spans, cap * sizeof *n);
        if (!n) return NULL;
        v->spans = n;
        v->cap_spans = cap;
    }
    memset(&v->spans[v->n_spans], 0, sizeof v->spans[0]);
    return &v->spans[v->n_spans++];
}

static void load_span(view_t *v, json_t *js, const char *peer)
{
    vspan_t *s = new_span(v);
    json_t *a, *status;
    size_t i;
    if (!s) return;
    copy(s->trace_id, sizeof s->trace_id, json_string_value(json_object_get(js, "traceId")));
    copy(s->span_id, sizeof s->span_id, json_string_value(json_object_get(js, "spanId")));
    copy(s->parent_id, sizeof s->parent_id, json_string_value(json_object_get(js, "parentSpanId")));
    copy(s->name, sizeof s->name, json_string_value(json_object_get(js, "name")));
    copy(s->peer, sizeof s->peer, peer);
    s->kind = (int)json_integer_value(json_object_get(js, "kind"));
    s->start_ns = strtoull(jstr(json_object_get(js, "startTimeUnixNano")), NULL, 10);
    s->end_ns = strtoull(jstr(json_object_get(js, "endTimeUnixNano")), NULL, 10);
    status = json_object_get(js, "status");
    s->status = (int)json_integer_value(json_object_get(status, "code"));
    copy(s->status_msg, sizeof s->status_msg, json_string_value(json_object_get(status, "message")));
    json_array_foreach(json_object_get(js, "attributes"), i, a)
        span_attribute(s, jstr(json_object_get(a, "key")), json_object_get(a, "value"));
    json_array_foreach(json_object_get(js, "links"), i, a) {
        json_t *la;
        size_t k;
        vlink_t *l;
        if (s->n_links == V_LINKS) break;
        l = &s->links[s->n_links++];
        copy(l->trace_id, sizeof l->trace_id, json_string_value(json_object_get(a, "traceId")));
        copy(l->span_id, sizeof l->span_id, json_string_value(json_object_get(a, "spanId")));
        json_array_foreach(json_object_get(a, "attributes"), k, la)
            if (strcmp(jstr(json_object_get(la, "key")), "tracewire.link.relation") == 0)
                copy(l->relation, sizeof l->relation, any_string(json_object_get(la, "value")));
    }
    s->parent = -1;
}

/* One ExportTraceServiceRequest per line (Collector file-exporter format). */
static void load_otlp_line(view_t *v, json_t *req)
{
    size_t i, j, k;
    json_t *rs, *ss, *sp, *a;
    json_array_foreach(json_object_get(req, "resourceSpans"), i, rs) {
        const char *peer = NULL, *service = NULL;
        json_array_foreach(json_object_get(json_object_get(rs, "resource"), "attributes"), j, a) {
            const char *key = json_string_value(json_object_get(a, "key"));
            if (key && strcmp(key, "p2p.peer.name") == 0) peer = any_string(json_object_get(a, "value"));
            if (key && strcmp(key, "service.name") == 0) service = any_string(json_object_get(a, "value"));
        }
        json_array_foreach(json_object_get(rs, "scopeSpans"), j, ss)
            json_array_foreach(json_object_get(ss, "spans"), k, sp) load_span(v, sp, peer ? peer : service);
    }
}

static void load_log_line(view_t *v, json_t *j)
{
    vlog_t *l;
    if (v->n_logs == v->cap_logs) {
        size_t cap = v->cap_logs ? 2 * v->cap_logs : 512;
        vlog_t *n = realloc(v->logs, cap * sizeof *n);
        if (!n) return;
        v->logs = n;
        v->cap_logs = cap;
    }
    l = &v->logs[v->n_logs++];
    memset(l, 0, sizeof *l);
    copy(l->peer, sizeof l->peer, json_string_value(json_object_get(j, "peer")));
    copy(l->level, sizeof l->level, json_string_value(json_object_get(j, "level")));
    copy(l->trace_id, sizeof l->trace_id, json_string_value(json_object_get(j, "trace_id")));
    copy(l->span_id, sizeof l->span_id, json_string_value(json_object_get(j, "span_id")));
    copy(l->flags, sizeof l->flags, json_string_value(json_object_get(j, "trace_flags")));
    copy(l->correlation_id, sizeof l->correlation_id, json_string_value(json_object_get(j, "correlation_id")));
    copy(l->event, sizeof l->event, json_string_value(json_object_get(j, "event")));
    if (clock_parse_rfc3339_ms(jstr(json_object_get(j, "timestamp")), &l->time_ns) != 0)
        l->time_ns = 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void load_dir(view_t *v, const char *dir, const char *suffix, int spans)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        char *text, *line, *next;
        if (ends_with(names[i]->d_name, suffix) &&
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name) < (int)sizeof path &&
            (text = io_read_file(path, NULL)) != NULL) {
            for (line = text; line && *line; line = next) {
                json_t *j;
                next = strchr(line, '\n');
                if (next) *next++ = '\0';
                if (!*line) continue;
                j = json_loads(line, 0, NULL);
                if (!json_is_object(j)) v->bad_lines++;
                else if (spans) load_otlp_line(v, j);
                else load_log_line(v, j);
                json_decref(j);
            }
            free(text);
        }
        free(names[i]);
    }
    if (n >= 0) free(names);
}

int view_load(view_t *v, const char *dir)
{
    char path[PATH_MAX];
    memset(v, 0, sizeof *v);
    snprintf(path, sizeof path, "%s/spans", dir);
    load_dir(v, path, ".otlp.jsonl", 1);
    snprintf(path, sizeof path, "%s/logs", dir);
    load_dir(v, path, ".jsonl", 0);
    return v->n_spans + v->n_logs > 0 ? 0 : -1;
}

int view_find_span(const view_t *v, const char *trace_id, const char *span_id)
{
    for (size_t i = 0; i < v->n_spans; i++)
        if (strcmp(v->spans[i].span_id, span_id) == 0 && (!trace_id || strcmp(v->spans[i].trace_id, trace_id) == 0))
            return (int)i;
    return -1;
}

void view_index(view_t *v)
{
    for (size_t i = 0; i < v->n_spans; i++) v->spans[i].first_child = v->spans[i].next_sibling = -1;
    for (size_t i = 0; i < v->n_spans; i++) {
        vspan_t *s = &v->spans[i];
        int p;
        s->parent = -1;
        if (!s->parent_id[0]) continue;
        p = view_find_span(v, s->trace_id, s->parent_id);
        if (p < 0 || (size_t)p == i) {
            if ((size_t)p == i || view_find_span(v, NULL, s->parent_id) >= 0) s->broken = 1;
            else s->orphan = 1;
            continue;
        }
        s->parent = p;
    }
    /* Children in start order: insert each into its parent's sorted list. */
    for (size_t i = 0; i < v->n_spans; i++) {
        vspan_t *s = &v->spans[i];
        int *link;
        if (s->parent < 0) continue;
        link = &v->spans[s->parent].first_child;
        while (*link >= 0 && v->spans[*link].start_ns <= s->start_ns) link = &v->spans[*link].next_sibling;
        s->next_sibling = *link;
        *link = (int)i;
    }
}

void view_free(view_t *v)
{
    free(v->spans);
    free(v->logs);
}
