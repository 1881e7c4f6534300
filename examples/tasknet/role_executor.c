/* SPDX-License-Identifier: Apache-2.0 */
/* role_executor.c - an executor: runs assigned attempts (simulated work), fails the first N on purpose, reports results. */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "peer.h"

static unsigned executions;

static uint32_t checksum(const uint8_t *b, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a: a stand-in for real work */
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
    return h;
}

static void on_frame(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    static msg_t res;
    rx_context_t rx;
    span_t *recv, *exec;
    int fail;
    uint64_t t0;
    if (m->kind != MSG_ASSIGN) return;
    if (!(recv = peer_start_receive(p, c, f, m, &rx))) return;
    exec = span_start("task.execute", KIND_INTERNAL, &recv->ctx, 0);
    if (!exec) {
        span_end(recv);
        return;
    }
    fail = executions++ < p->fail_first; /* deterministic: the first N attempts here fail */
    span_attr_str(exec, "task.kind", m->task_kind);
    span_attr_int(exec, "task.attempt", m->attempt);
    span_attr_int(exec, "task.input.size", (long long)m->input_len);
    log_event(LOG_INFO, &exec->ctx, "task.execution.started",
              json_pack("{s:s,s:i}", "task.kind", m->task_kind, "task.attempt", (int)m->attempt),
              "executing attempt %u of a %s task", m->attempt, m->task_kind);
    log_event(LOG_DEBUG, &exec->ctx, "task.execution.input",
              json_pack("{s:i,s:i}", "task.input.size", (int)m->input_len, "task.work_ms", (int)p->work_ms),
              "input %zu bytes, simulated work %u ms", m->input_len, p->work_ms);
    t0 = clock_mono_ms();
    clock_sleep_ms(fail ? p->work_ms / 2 : p->work_ms);
    msg_init(&res, MSG_RESULT, p->name);
    res.attempt = m->attempt;
    memcpy(res.attempt_span_id, exec->ctx.span_id, TW_SPAN_ID_LEN);
    res.has_attempt_span_id = 1;
    if (fail) {
        snprintf(res.detail, sizeof res.detail, "worker process killed (exit status 137, simulated)");
        span_set_error(exec, res.detail);
        span_event(exec, "exception", "exception.message", res.detail);
        span_attr_str(exec, "task.status", "failed");
        log_event(LOG_ERROR, &exec->ctx, "task.execution.failed",
                  json_pack("{s:i,s:s,s:I}", "task.attempt", (int)m->attempt, "error.message", res.detail,
                            "task.duration_ms", (json_int_t)(clock_mono_ms() - t0)),
                  "attempt %u failed: %s", m->attempt, res.detail);
    } else {
        res.ok = 1;
        snprintf(res.detail, sizeof res.detail, "processed %zu bytes, checksum %08x", m->input_len,
                 (unsigned)checksum(m->input, m->input_len));
        span_set_ok(exec);
        span_attr_str(exec, "task.status", "ok");
        log_event(LOG_INFO, &exec->ctx, "task.execution.finished",
                  json_pack("{s:i,s:I}", "task.attempt", (int)m->attempt, "task.duration_ms",
                            (json_int_t)(clock_mono_ms() - t0)),
                  "attempt %u finished: %s", m->attempt, res.detail);
    }
    peer_send(p, c, &exec->ctx, &res);
    span_end(exec);
    span_end(recv);
}

const role_ops_t role_executor = {NULL, on_frame, NULL, NULL, NULL, NULL};
