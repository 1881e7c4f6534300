/* SPDX-License-Identifier: Apache-2.0 */
/* view_print.c - printing one trace as a tree: name, peer, duration and what each span did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

#define MAX_ROWS 512
#define MAX_DEPTH 64

typedef struct row {
    char label[MAX_DEPTH * 7 + V_NAME]; /* tree prefix (UTF-8) and the span name */
    int span;
} row_t;

static row_t rows[MAX_ROWS];
static size_t n_rows;

/* Display columns of UTF-8 text: every byte that does not continue a character. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void walk(const view_t *v, int i, const char *prefix, int last, int root)
{
    char next[sizeof rows[0].label];
    row_t *r;
    if (n_rows == MAX_ROWS) return;
    r = &rows[n_rows++];
    r->span = i;
    snprintf(r->label, sizeof r->label, "%s%s%s", prefix, root ? "" : (last ? "└─ " : "├─ "), v->spans[i].name);
    snprintf(next, sizeof next, "%s%s", prefix, root ? "" : (last ? "   " : "│  "));
    if (width(next) >= 3 * MAX_DEPTH) return;
    for (int c = v->spans[i].first_child; c >= 0; c = v->spans[c].next_sibling)
        walk(v, c, next, v->spans[c].next_sibling < 0, 0);
}

static const vspan_t *linked(const view_t *v, const vspan_t *s, const char *relation)
{
    for (size_t k = 0; k < s->n_links; k++)
        if (strcmp(s->links[k].relation, relation) == 0) {
            int j = view_find_span(v, s->links[k].trace_id, s->links[k].span_id);
            return j >= 0 ? &v->spans[j] : NULL;
        }
    return NULL;
}

/* What the span did, in a few words. */
static void note(const view_t *v, const vspan_t *s, char *out, size_t cap)
{
    const vspan_t *parent = s->parent >= 0 ? &v->spans[s->parent] : NULL, *l;
    size_t n = 0;
    out[0] = '\0';
#define ADD(...) (n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__))
    if (strcmp(s->name, "task.assign") == 0) {
        ADD("attempt %lld -> %s", s->attempt, s->executor[0] ? s->executor : "?");
        if ((l = linked(v, s, "retry_of")) != NULL)
            ADD("; retry of attempt %lld, which failed on %s", l->attempt, l->peer);
        else if (s->n_links && strcmp(s->links[0].relation, "retry_of") == 0)
            ADD("; retry (the failed attempt's span is not in the files)");
    } else if (strcmp(s->name, "task.execute") == 0) {
        ADD("attempt %lld, %s", s->attempt, s->status == 2 ? "FAILED" : "ok");
        if (s->status == 2) ADD(": %s", s->status_msg);
    } else if (strcmp(s->name, "p2p.message.send") == 0) {
        ADD("%s -> %s", s->msg_kind, s->remote);
    } else if (strcmp(s->name, "p2p.message.receive") == 0) {
        ADD("%s <- %s", s->msg_kind, s->remote);
        if (parent && strcmp(parent->peer, s->remote) != 0)
            ADD(" (sent by %s, forwarded bit-identical by %s)", parent->peer, s->remote);
        if (strcmp(s->source, "none") == 0)
            ADD(" (no usable context%s%s: new trace, correlation-id minted)", s->hop_error[0] ? ", hop " : "",
                s->hop_error);
    } else if (strcmp(s->name, "p2p.peer.connect") == 0) {
        ADD("%s %s", s->kind == 2 ? "accepted from" : "dialled", s->remote);
    } else if (strcmp(s->name, "p2p.peer.disconnect") == 0) {
        ADD("%s: %s", s->remote, s->reason);
    } else if (strcmp(s->name, "task.store") == 0) {
        ADD("record state %s", s->state);
    } else if (strcmp(s->name, "task.result") == 0) {
        ADD("%s after %lld attempt(s)", s->task_status, s->attempt);
    } else if (s->status == 2) {
        ADD("ERROR: %s", s->status_msg);
    }
    if (s->orphan) ADD("%sORPHAN: parent %s not found", n ? "; " : "", s->parent_id);
    if (s->broken) ADD("%sBROKEN PARENT: %s is not a span of this trace", n ? "; " : "", s->parent_id);
#undef ADD
}

void view_print_trace(const view_t *v, const char *trace_id)
{
    size_t name_w = 0, peer_w = 0;
    n_rows = 0;
    /* Roots, orphans and broken spans start trees; in start order. */
    for (;;) {
        int best = -1;
        for (size_t i = 0; i < v->n_spans; i++) {
            const vspan_t *s = &v->spans[i];
            int seen = 0;
            if (s->parent >= 0 || strcmp(s->trace_id, trace_id) != 0) continue;
            for (size_t r = 0; r < n_rows && !seen; r++) seen = rows[r].span == (int)i;
            if (!seen && (best < 0 || s->start_ns < v->spans[best].start_ns)) best = (int)i;
        }
        if (best < 0) break;
        walk(v, best, "", 1, 1);
    }
    for (size_t r = 0; r < n_rows; r++) {
        size_t w = width(rows[r].label), pw = strlen(v->spans[rows[r].span].peer);
        if (w > name_w) name_w = w;
        if (pw > peer_w) peer_w = pw;
    }
    for (size_t r = 0; r < n_rows; r++) {
        const vspan_t *s = &v->spans[rows[r].span];
        char what[320];
        double ms = s->end_ns >= s->start_ns ? (double)(s->end_ns - s->start_ns) / 1e6 : 0.0;
        note(v, s, what, sizeof what);
        printf("%s%*s  %-*s %8.1f ms%s%s\n", rows[r].label, (int)(name_w - width(rows[r].label)), "", (int)peer_w,
               s->peer, ms, what[0] ? "   " : "", what);
    }
}
