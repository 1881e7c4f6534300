/* SPDX-License-Identifier: Apache-2.0 */
/* view_main.c - tasknet-view: per task, the merged trace tree of every peer, and what does not join up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define MAX_TASKS 64
#define MAX_TRACES 8

typedef struct task {
    char correlation_id[V_UUID];
    char traces[MAX_TRACES][V_TRACE];
    size_t n_traces;
    uint64_t first_ns;
    int is_run; /* the run's own correlation-id (root span tasknet.run) */
} task_t;

static task_t tasks[MAX_TASKS];
static size_t n_tasks;

static task_t *task_for(const char *corr)
{
    for (size_t i = 0; i < n_tasks; i++)
        if (strcmp(tasks[i].correlation_id, corr) == 0) return &tasks[i];
    if (n_tasks == MAX_TASKS) return NULL;
    memset(&tasks[n_tasks], 0, sizeof tasks[0]);
    snprintf(tasks[n_tasks].correlation_id, V_UUID, "%s", corr);
    tasks[n_tasks].first_ns = UINT64_MAX;
    return &tasks[n_tasks++];
}

static void add_trace(task_t *t, const char *trace_id, uint64_t time_ns)
{
    size_t i;
    if (time_ns && time_ns < t->first_ns) t->first_ns = time_ns;
    if (!trace_id[0]) return;
    for (i = 0; i < t->n_traces; i++)
        if (strcmp(t->traces[i], trace_id) == 0) return;
    if (t->n_traces < MAX_TRACES) snprintf(t->traces[t->n_traces++], V_TRACE, "%s", trace_id);
}

static int by_time(const void *a, const void *b)
{
    const task_t *x = a, *y = b;
    if (x->is_run != y->is_run) return x->is_run - y->is_run; /* the run last */
    return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

static int trace_in_task(const task_t *t, const char *trace_id)
{
    for (size_t i = 0; i < t->n_traces; i++)
        if (strcmp(t->traces[i], trace_id) == 0) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    view_t v;
    const char *dir = NULL;
    int check = 0;
    size_t orphans = 0, broken = 0, no_corr = 0, wrong_trace = 0, unknown_span = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) check = 1;
        else if (!dir) dir = argv[i];
        else dir = NULL, i = argc;
    }
    if (!dir) {
        fprintf(stderr, "usage: tasknet-view [--check] RUN_DIR   (the --out of tasknet)\n"
                        "  --check   exit 1 when a span is orphaned, a parent is broken or a log line\n"
                        "            has no correlation-id or names a trace of another task\n");
        return 2;
    }
    if (view_load(&v, dir) != 0) {
        fprintf(stderr, "tasknet-view: no spans or logs under %s\n", dir);
        return 1;
    }
    view_index(&v);

    /* Tasks: every correlation-id seen in a span or a log line. */
    for (size_t i = 0; i < v.n_spans; i++) {
        vspan_t *s = &v.spans[i];
        task_t *t;
        if (s->orphan) orphans++;
        if (s->broken) broken++;
        if (!s->correlation_id[0] || !(t = task_for(s->correlation_id))) continue;
        add_trace(t, s->trace_id, s->start_ns);
        if (strcmp(s->name, "tasknet.run") == 0) t->is_run = 1;
    }
    for (size_t i = 0; i < v.n_logs; i++) {
        vlog_t *l = &v.logs[i];
        task_t *t;
        if (!l->correlation_id[0]) {
            no_corr++;
            continue;
        }
        if ((t = task_for(l->correlation_id)) != NULL) add_trace(t, l->trace_id, l->time_ns);
    }
    qsort(tasks, n_tasks, sizeof tasks[0], by_time);

    for (size_t k = 0; k < n_tasks; k++) {
        task_t *t = &tasks[k];
        size_t lines = 0, debug = 0, peers = 0, bad = 0;
        char seen[16][V_NAME];
        for (size_t i = 0; i < v.n_logs; i++) {
            vlog_t *l = &v.logs[i];
            int known = 0;
            if (strcmp(l->correlation_id, t->correlation_id) != 0) continue;
            lines++;
            if (strcmp(l->level, "debug") == 0 || strcmp(l->level, "trace") == 0) debug++;
            for (size_t p = 0; p < peers && !known; p++) known = strcmp(seen[p], l->peer) == 0;
            if (!known && peers < 16) snprintf(seen[peers++], V_NAME, "%s", l->peer);
            /* A line about a sampled trace names a span someone recorded. */
            if (l->span_id[0] && (strtoul(l->flags, NULL, 16) & 1u) &&
                view_find_span(&v, l->trace_id, l->span_id) < 0) {
                unknown_span++;
                bad++;
            }
        }
        for (size_t tr = 0; tr < t->n_traces; tr++) {
            size_t spans = 0;
            for (size_t i = 0; i < v.n_spans; i++) spans += strcmp(v.spans[i].trace_id, t->traces[tr]) == 0;
            printf("%s %s   trace %s\n", t->is_run ? "run " : "task", t->correlation_id, t->traces[tr]);
            if (spans) view_print_trace(&v, t->traces[tr]);
            else printf("(not sampled: the peers recorded no spans for this trace; its log lines still join by "
                        "trace_id and correlation_id)\n");
        }
        printf("log lines: %zu on %zu peer(s), %zu at debug%s", lines, peers, debug,
               bad ? "" : ", all with correlation-id");
        if (bad) printf(", %zu naming a span nobody recorded", bad);
        printf("\n\n");
    }
    /* A log line whose trace belongs to another task joins the wrong work. */
    for (size_t i = 0; i < v.n_logs; i++) {
        vlog_t *l = &v.logs[i];
        for (size_t k = 0; k < n_tasks && l->correlation_id[0] && l->trace_id[0]; k++)
            if (strcmp(tasks[k].correlation_id, l->correlation_id) != 0 && trace_in_task(&tasks[k], l->trace_id))
                wrong_trace++;
    }
    printf("total: %zu tasks and the run, %zu spans, %zu log lines; log lines without correlation-id: %zu; "
           "orphan spans: %zu; broken parents: %zu; log lines naming another task's trace: %zu; "
           "log lines naming an unrecorded span: %zu%s\n",
           n_tasks ? n_tasks - 1 : 0, v.n_spans, v.n_logs, no_corr, orphans, broken, wrong_trace, unknown_span,
           v.bad_lines ? " (some lines were not JSON)" : "");
    view_free(&v);
    return check && (orphans || broken || no_corr || wrong_trace || unknown_span || v.bad_lines) ? 1 : 0;
}
