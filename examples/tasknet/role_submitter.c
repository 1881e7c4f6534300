/* SPDX-License-Identifier: Apache-2.0 */
/* role_submitter.c - the submitter: originates tasks (new trace, UUIDv7 correlation-id), publishes them, awaits results. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "peer.h"
#include "sampler.h"
#include "tracewire_gateway.h"

#define MAX_PENDING 8

static struct pending {
    int used;
    tn_ctx ctx; /* the task.submit span's context */
    uint64_t deadline;
    char kind[64];
} pending[MAX_PENDING];

static struct pending *find(const uint8_t *corr)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (pending[i].used && memcmp(pending[i].ctx.correlation_id, corr, TW_CORRELATION_ID_LEN) == 0)
            return &pending[i];
    return NULL;
}

static void report_done(peer_t *p, const tn_ctx *ctx, const char *status)
{
    static msg_t done;
    tn_ctx_text t;
    ctx_text(&t, ctx);
    msg_init(&done, MSG_CONTROL, p->name);
    snprintf(done.control, sizeof done.control, "done");
    snprintf(done.arg, sizeof done.arg, "%s %s %s", t.correlation_id, t.trace_id, status);
    peer_control(p, &done);
}

/* CONTROL submit: originate a task. */
static void submit(peer_t *p, const msg_t *c)
{
    static msg_t m;
    tn_ctx root;
    span_t *task, *publish;
    struct pending *slot = NULL;
    int sampled, fanout = 0;
    for (int i = 0; i < MAX_PENDING && !slot; i++)
        if (!pending[i].used) slot = &pending[i];
    ctx_clear(&root);
    if (!slot || ctx_new_correlation(&root) != 0 || ctx_new_trace(&root, 1) != 0) {
        log_event(LOG_ERROR, &p->life_ctx, "task.submit_failed", NULL, "cannot start a task (no slot or no random)");
        return;
    }
    /* The originator's decision (spec 10 §10.2.1 rule 3): the driver may
     * force it, otherwise OTEL_TRACES_SAMPLER decides. */
    sampled = c->sampling == SAMPLING_ON    ? 1
              : c->sampling == SAMPLING_OFF ? 0
                                            : sampler_root_decision(root.trace_id);
    if (!sampled) root.flags &= (uint8_t)~TW_FLAG_SAMPLED;
    if (c->debug_hint) ctx_set_log_hint(&root, "debug");
    if (c->baggage[0] && tw_baggage_validate(c->baggage, strlen(c->baggage)) == TW_OK) {
        root.bag_len = strlen(c->baggage);
        memcpy(root.baggage, c->baggage, root.bag_len + 1);
    }
    task = span_start_root("task.submit", KIND_INTERNAL, &root);
    if (!task) return;
    span_attr_str(task, "task.kind", c->task_kind);
    span_attr_int(task, "task.input.size", (long long)c->input_len);
    if (c->debug_hint) span_attr_str(task, "tracewire.log_hint", "debug");
    log_event(LOG_INFO, &task->ctx, "task.submitted",
              json_pack("{s:s,s:i,s:b,s:s}", "task.kind", c->task_kind, "task.input.size", (int)c->input_len,
                        "trace.sampled", sampled, "sampler", c->sampling ? "forced by driver" : sampler_name()),
              "submitting %s task (%s)", c->task_kind, sampled ? "sampled" : "not sampled");
    /* The task's content stays out of the log (spec 12 §12.6): its size only. */
    log_event(LOG_DEBUG, &task->ctx, "task.input", json_pack("{s:i}", "task.input.size", (int)c->input_len),
              "task input is %zu bytes", c->input_len);

    publish = span_start("p2p.gossip.publish", KIND_PRODUCER, &task->ctx, 0);
    if (!publish) {
        span_end(task);
        return;
    }
    span_attr_str(publish, "messaging.system", "tasknet");
    span_attr_str(publish, "messaging.operation.type", "send");
    span_attr_str(publish, "messaging.operation.name", "publish");
    span_attr_str(publish, "messaging.destination.name", p->topic);
    msg_init(&m, MSG_SUBMIT, p->name);
    snprintf(m.task_kind, sizeof m.task_kind, "%s", c->task_kind);
    memcpy(m.input, c->input, c->input_len);
    m.input_len = c->input_len;
    snprintf(m.topic, sizeof m.topic, "%s", p->topic);
    /* The origin context names the publish span, once for every copy. */
    peer_set_origin(&m, &publish->ctx);
    for (int i = 0; i < PEER_MAX_CONNS; i++) { /* one send span per mesh peer (spec 10 §10.3.5) */
        conn_t *conn = &p->conns[i];
        if (conn->fd < 0 || conn == p->aggregator || strcmp(conn->name, "?") == 0 || !conn->outbound) continue;
        if (peer_send(p, conn, &publish->ctx, &m) == 0) fanout++;
    }
    span_attr_int(publish, "p2p.gossip.fanout", fanout);
    log_event(LOG_INFO, &publish->ctx, "p2p.gossip.published",
              json_pack("{s:s,s:i}", "messaging.destination.name", p->topic, "p2p.gossip.fanout", fanout),
              "published the task on topic %s to %d mesh peer(s)", p->topic, fanout);
    if (fanout == 0) span_set_error(publish, "no mesh peer");
    span_end(publish);
    slot->used = 1;
    slot->ctx = task->ctx;
    slot->deadline = clock_mono_ms() + p->timeout_ms;
    snprintf(slot->kind, sizeof slot->kind, "%s", c->task_kind);
    span_end(task);
}

static void on_control(peer_t *p, const msg_t *m)
{
    if (strcmp(m->control, "submit") == 0) submit(p, m);
}

static void on_frame(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    rx_context_t rx;
    span_t *recv, *result;
    struct pending *t;
    if (m->kind != MSG_RESULT) return;
    recv = peer_start_receive(p, c, f, m, &rx);
    if (!recv) return;
    t = find(recv->ctx.correlation_id);
    result = span_start("task.result", KIND_INTERNAL, &recv->ctx, 0);
    span_attr_str(result, "task.status", m->ok ? "ok" : "failed");
    span_attr_int(result, "task.attempt", m->attempt);
    if (!m->ok) span_set_error(result, m->detail);
    if (t) span_attr_str(result, "task.kind", t->kind);
    log_event(m->ok ? LOG_INFO : LOG_ERROR, &result->ctx, "task.result.received",
              json_pack("{s:s,s:i,s:s}", "task.status", m->ok ? "ok" : "failed", "task.attempt", (int)m->attempt,
                        "p2p.remote.peer", c->name),
              "task %s after %u attempt(s)%s", m->ok ? "completed" : "failed", m->attempt,
              t ? "" : " (no longer waited for)");
    log_event(LOG_DEBUG, &result->ctx, "task.output", json_pack("{s:s}", "task.output", m->detail),
              "result: %s", m->detail);
    if (t) {
        report_done(p, &result->ctx, m->ok ? "ok" : "failed");
        t->used = 0;
    }
    span_end(result);
    span_end(recv);
}

static int next_timer_ms(peer_t *p, uint64_t now)
{
    int best = -1;
    (void)p;
    for (int i = 0; i < MAX_PENDING; i++) {
        int left;
        if (!pending[i].used) continue;
        left = pending[i].deadline > now ? (int)(pending[i].deadline - now) : 0;
        if (best < 0 || left < best) best = left;
    }
    return best;
}

static void on_tick(peer_t *p, uint64_t now)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (!pending[i].used || now < pending[i].deadline) continue;
        log_event(LOG_ERROR, &pending[i].ctx, "task.timeout", json_pack("{s:i}", "task.timeout_ms", (int)p->timeout_ms),
                  "no result within %u ms: the task did not complete", p->timeout_ms);
        report_done(p, &pending[i].ctx, "timeout");
        pending[i].used = 0;
    }
}

const role_ops_t role_submitter = {NULL, on_frame, on_control, next_timer_ms, on_tick, NULL};
