/* SPDX-License-Identifier: Apache-2.0 */
/* role_coordinator.c - the coordinator: stores each task record, assigns attempts to executors, retries, answers. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "peer.h"
#include "record.h"

#define MAX_TASKS 16

/* In memory only what the timers need; the task itself lives in its record. */
static struct task {
    int used;
    uint8_t corr[TW_CORRELATION_ID_LEN];
    uint64_t deadline; /* of the running attempt; 0 when none runs */
    unsigned attempt;
    char submitter[PEER_NAME_MAX];
} tasks[MAX_TASKS];

static unsigned next_executor;
static task_record_t rec; /* large: one at a time */

static struct task *find(const uint8_t *corr, int create)
{
    struct task *free_slot = NULL;
    for (int i = 0; i < MAX_TASKS; i++) {
        if (tasks[i].used && memcmp(tasks[i].corr, corr, TW_CORRELATION_ID_LEN) == 0) return &tasks[i];
        if (!tasks[i].used && !free_slot) free_slot = &tasks[i];
    }
    if (!create || !free_slot) return NULL;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->used = 1;
    memcpy(free_slot->corr, corr, TW_CORRELATION_ID_LEN);
    return free_slot;
}

/* Persist the record under a task.store span, child of parent. */
static void store(peer_t *p, const tn_ctx *parent)
{
    char path[512];
    span_t *s = span_start("task.store", KIND_INTERNAL, parent, 0);
    const tn_ctx *ctx = s ? &s->ctx : parent;
    int rc = record_store(p->store_dir, &rec, path, sizeof path);
    span_attr_str(s, "task.state", rec.state);
    span_attr_str(s, "task.record.format", "tracewire-json");
    span_attr_str(s, "task.record.path", path);
    if (rc != 0) span_set_error(s, "cannot write the task record");
    log_event(rc ? LOG_ERROR : LOG_DEBUG, ctx, "task.stored",
              json_pack("{s:s,s:s,s:i}", "task.state", rec.state, "task.record.path", path, "task.attempts",
                        (int)rec.attempts),
              rc ? "cannot store the task record" : "task record stored (state %s)", rec.state);
    span_end(s);
}

static conn_t *pick_executor(peer_t *p, const char *avoid)
{
    conn_t *c = NULL;
    for (unsigned tries = 0; tries < p->n_dial && !c; tries++) {
        const char *name = p->dial[next_executor++ % p->n_dial];
        if (strncmp(name, "executor", 8) != 0 || (avoid && strcmp(name, avoid) == 0)) continue;
        c = peer_conn(p, name);
    }
    return c;
}

static void answer(peer_t *p, struct task *t, const tn_ctx *parent, int ok, const char *detail);

/* Start the next attempt, continuing the trace from the stored record. */
static void assign(peer_t *p, struct task *t)
{
    static msg_t m;
    span_t *s;
    conn_t *exec;
    if (record_load(p->store_dir, t->corr, &rec) != 0) {
        log_event(LOG_ERROR, &p->life_ctx, "task.record.unreadable", NULL, "cannot read a task record back");
        t->used = 0;
        return;
    }
    exec = pick_executor(p, rec.attempts ? rec.last_executor : NULL);
    s = span_start("task.assign", KIND_INTERNAL, &rec.ctx, 0);
    if (!s) return;
    t->attempt = rec.attempts + 1;
    span_attr_str(s, "task.kind", rec.task_kind);
    span_attr_int(s, "task.attempt", t->attempt);
    span_attr_str(s, "tracewire.context.source", "task-record");
    if (rec.has_failed_span) {
        /* A retry continues the task's trace from the stored record, as a
         * new span linked to the failed attempt (spec 13 §13.5). */
        span_link(s, rec.failed_trace_id, rec.failed_span_id, rec.failed_flags, "retry_of");
        span_attr_bool(s, "task.retry", 1);
    }
    if (!exec) {
        span_set_error(s, "no executor connected");
        log_event(LOG_ERROR, &s->ctx, "task.unassignable", NULL, "no executor to assign attempt %u to", t->attempt);
        answer(p, t, &s->ctx, 0, "no executor available");
        span_end(s);
        return;
    }
    span_attr_str(s, "task.executor", exec->name);
    log_event(LOG_INFO, &s->ctx, "task.assigned",
              json_pack("{s:i,s:s,s:s}", "task.attempt", (int)t->attempt, "task.executor", exec->name, "task.kind",
                        rec.task_kind),
              "assigned attempt %u to %s%s", t->attempt, exec->name, rec.has_failed_span ? " (retry)" : "");
    rec.attempts = t->attempt;
    snprintf(rec.state, sizeof rec.state, "assigned");
    snprintf(rec.last_executor, sizeof rec.last_executor, "%s", exec->name);
    store(p, &s->ctx);
    msg_init(&m, MSG_ASSIGN, p->name);
    snprintf(m.task_kind, sizeof m.task_kind, "%s", rec.task_kind);
    memcpy(m.input, rec.input, rec.input_len);
    m.input_len = rec.input_len;
    m.attempt = t->attempt;
    if (peer_send(p, exec, &s->ctx, &m) == 0) t->deadline = clock_mono_ms() + p->timeout_ms;
    else span_set_error(s, "send failed");
    span_end(s);
}

static void answer(peer_t *p, struct task *t, const tn_ctx *parent, int ok, const char *detail)
{
    static msg_t m;
    conn_t *sub = peer_conn(p, t->submitter);
    msg_init(&m, MSG_RESULT, p->name);
    m.ok = ok;
    m.attempt = t->attempt;
    snprintf(m.detail, sizeof m.detail, "%s", detail);
    if (!sub)
        log_event(LOG_WARN, parent, "task.result.undeliverable", json_pack("{s:s}", "p2p.remote.peer", t->submitter),
                  "no connection to %s, which created the task: the result is kept in the record only", t->submitter);
    else
        peer_send(p, sub, parent, &m);
    t->used = 0;
}

static void on_submit(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    rx_context_t rx;
    span_t *recv = peer_start_receive(p, c, f, m, &rx);
    struct task *t;
    if (!recv) return;
    span_attr_str(recv, "task.kind", m->task_kind);
    t = find(recv->ctx.correlation_id, 1);
    if (!t || t->attempt) { /* a duplicate delivery creates no new work (spec 10 §10.3.6) */
        span_event(recv, "p2p.message.duplicate", NULL, NULL);
        log_event(LOG_WARN, &recv->ctx, "p2p.message.duplicate", NULL, "task already known: ignored");
        span_end(recv);
        return;
    }
    snprintf(t->submitter, sizeof t->submitter, "%s", m->sender); /* the message's creator: relays keep it */
    log_event(LOG_INFO, &recv->ctx, "task.received",
              json_pack("{s:s,s:s,s:s}", "task.kind", m->task_kind, "p2p.remote.peer", c->name,
                        "tracewire.context.source", rx.source),
              "received %s task via %s", m->task_kind, c->name);
    memset(&rec, 0, sizeof rec);
    rec.ctx = recv->ctx; /* the receive span: where every attempt continues from */
    snprintf(rec.task_kind, sizeof rec.task_kind, "%s", m->task_kind);
    memcpy(rec.input, m->input, m->input_len);
    rec.input_len = m->input_len;
    snprintf(rec.state, sizeof rec.state, "received");
    memcpy(rec.origin, m->origin, m->origin_len); /* as received, never rewritten */
    rec.origin_len = m->origin_len;
    store(p, &recv->ctx);
    span_end(recv);
    assign(p, t);
}

static void on_result(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    rx_context_t rx;
    span_t *recv = peer_start_receive(p, c, f, m, &rx);
    struct task *t;
    if (!recv) return;
    t = find(recv->ctx.correlation_id, 0);
    if (!t || m->attempt != t->attempt || record_load(p->store_dir, t->corr, &rec) != 0) {
        log_event(LOG_WARN, &recv->ctx, "task.result.stale", json_pack("{s:i}", "task.attempt", (int)m->attempt),
                  "result of attempt %u from %s is not awaited: ignored", m->attempt, c->name);
        span_end(recv);
        return;
    }
    t->deadline = 0;
    span_attr_int(recv, "task.attempt", m->attempt);
    if (m->ok) {
        snprintf(rec.state, sizeof rec.state, "done");
        store(p, &recv->ctx);
        log_event(LOG_INFO, &recv->ctx, "task.completed",
                  json_pack("{s:i,s:s}", "task.attempt", (int)m->attempt, "task.executor", c->name),
                  "task completed by %s in attempt %u", c->name, m->attempt);
        answer(p, t, &recv->ctx, 1, m->detail);
    } else {
        snprintf(rec.last_error, sizeof rec.last_error, "%s", m->detail);
        if (m->has_attempt_span_id) {
            memcpy(rec.failed_trace_id, recv->ctx.trace_id, TW_TRACE_ID_LEN);
            memcpy(rec.failed_span_id, m->attempt_span_id, TW_SPAN_ID_LEN);
            rec.failed_flags = recv->ctx.flags;
            rec.has_failed_span = 1;
        }
        if (m->attempt >= p->max_attempts) {
            snprintf(rec.state, sizeof rec.state, "failed");
            store(p, &recv->ctx);
            log_event(LOG_ERROR, &recv->ctx, "task.failed",
                      json_pack("{s:i,s:s}", "task.attempt", (int)m->attempt, "error.message", m->detail),
                      "attempt %u failed on %s (%s): no attempts left", m->attempt, c->name, m->detail);
            answer(p, t, &recv->ctx, 0, m->detail);
        } else {
            snprintf(rec.state, sizeof rec.state, "retrying");
            store(p, &recv->ctx);
            log_event(LOG_WARN, &recv->ctx, "task.retry",
                      json_pack("{s:i,s:s,s:s}", "task.attempt", (int)m->attempt, "task.executor", c->name,
                                "error.message", m->detail),
                      "attempt %u failed on %s (%s): retrying on another executor", m->attempt, c->name, m->detail);
            assign(p, t);
        }
    }
    span_end(recv);
}

static void on_frame(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    if (m->kind == MSG_SUBMIT) on_submit(p, c, f, m);
    else if (m->kind == MSG_RESULT) on_result(p, c, f, m);
}

static int next_timer_ms(peer_t *p, uint64_t now)
{
    int best = -1;
    (void)p;
    for (int i = 0; i < MAX_TASKS; i++) {
        int left;
        if (!tasks[i].used || !tasks[i].deadline) continue;
        left = tasks[i].deadline > now ? (int)(tasks[i].deadline - now) : 0;
        if (best < 0 || left < best) best = left;
    }
    return best;
}

/* An attempt without a result in time counts as failed: the "task never
 * completes" case becomes a logged retry. */
static void on_tick(peer_t *p, uint64_t now)
{
    for (int i = 0; i < MAX_TASKS; i++) {
        struct task *t = &tasks[i];
        if (!t->used || !t->deadline || now < t->deadline) continue;
        t->deadline = 0;
        if (record_load(p->store_dir, t->corr, &rec) != 0) continue;
        log_event(LOG_WARN, &rec.ctx, "task.attempt.timeout",
                  json_pack("{s:i,s:s}", "task.attempt", (int)t->attempt, "task.executor", rec.last_executor),
                  "no result for attempt %u from %s within %u ms", t->attempt, rec.last_executor, p->timeout_ms);
        snprintf(rec.last_error, sizeof rec.last_error, "no result within %u ms", p->timeout_ms);
        snprintf(rec.state, sizeof rec.state, t->attempt >= p->max_attempts ? "failed" : "retrying");
        store(p, &rec.ctx);
        if (t->attempt >= p->max_attempts) answer(p, t, &rec.ctx, 0, rec.last_error);
        else assign(p, t);
    }
}

const role_ops_t role_coordinator = {NULL, on_frame, NULL, next_timer_ms, on_tick, NULL};
