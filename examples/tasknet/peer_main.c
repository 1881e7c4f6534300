/* SPDX-License-Identifier: Apache-2.0 */
/* peer_main.c - tasknet-peer: command line, directories, the peer span, then the role's event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "export.h"
#include "io.h"
#include "log.h"
#include "peer.h"
#include "retention.h"

static void usage(void)
{
    fprintf(stderr,
            "usage: tasknet-peer --name NAME --role ROLE --out DIR [options]\n"
            "  roles: submitter relay coordinator executor aggregator\n"
            "  --listen-fd N        listening socket inherited from the driver (default 3)\n"
            "  --control-fd N       control channel to the driver (default 4)\n"
            "  --context HEX        the driver's context, a prefix block in hex\n"
            "  --peer NAME=PORT     where a peer listens on 127.0.0.1 (repeatable)\n"
            "  --dial NAME          connect to that peer at start (repeatable)\n"
            "  --ship-logs          ship log lines to the aggregator (opt-in, off by default)\n"
            "  --level LEVEL        trace, debug, info (default), warn, error\n"
            "  --max-hint LEVEL     most verbose level a tw=log hint may ask for (default trace)\n"
            "  --baggage-allow K,.. baggage keys whose values may be logged (default: none)\n"
            "  --work-ms N          executor: simulated work per attempt (default 20)\n"
            "  --fail-first N       executor: fail the first N attempts (default 0)\n"
            "  --max-attempts N     coordinator: attempts per task (default 3)\n"
            "  --timeout-ms N       result timeout (default 3000)\n"
            "  --topic NAME         gossip topic (default tasks)\n"
            "  --sweep FILE         apply the aggregator's retention sweep to FILE and exit\n"
            "signals: SIGUSR1 one level more verbose, SIGUSR2 one level less, SIGTERM stop\n");
    exit(2);
}

static const role_ops_t *role_by_name(const char *name)
{
    if (strcmp(name, "submitter") == 0) return &role_submitter;
    if (strcmp(name, "relay") == 0) return &role_relay;
    if (strcmp(name, "coordinator") == 0) return &role_coordinator;
    if (strcmp(name, "executor") == 0) return &role_executor;
    if (strcmp(name, "aggregator") == 0) return &role_aggregator;
    return NULL;
}

static int level_arg(const char *s)
{
    int lv = log_level_parse(s);
    if (lv < 0) usage();
    return lv;
}

/* The context the driver passed: its span is the parent of ours. */
static void run_context(tn_ctx *ctx, const char *hex)
{
    static uint8_t block[TW_BLOCK_MAX_LEN];
    size_t n = hex ? strlen(hex) / 2 : 0;
    tw_header_t h;
    ctx_clear(ctx);
    if (hex && strlen(hex) % 2 == 0 && n <= sizeof block && tw_hex_decode(block, hex, n) == TW_OK &&
        tw_block_decode(&h, block, n) > 0)
        ctx_from_header(ctx, &h);
    if (!ctx->has_trace) ctx_new_trace(ctx, 1);
    if (!ctx->has_correlation) ctx_new_correlation(ctx);
}

int main(int argc, char **argv)
{
    static peer_t p;
    const char *context = NULL, *sweep = NULL, *allow = "";
    int level = LOG_INFO, max_hint = LOG_TRACE;
    log_config_t lc;
    export_config_t ec;
    memset(&p, 0, sizeof p);
    p.listen_fd = 3;
    p.control_fd = 4;
    p.work_ms = 20;
    p.max_attempts = 3;
    p.timeout_ms = 3000;
    snprintf(p.topic, sizeof p.topic, "tasks");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--ship-logs") == 0) {
            p.ship_logs = 1;
            continue;
        }
        if (!v) usage();
        i++;
        if (strcmp(a, "--name") == 0) snprintf(p.name, sizeof p.name, "%s", v);
        else if (strcmp(a, "--role") == 0) snprintf(p.role, sizeof p.role, "%s", v);
        else if (strcmp(a, "--out") == 0) snprintf(p.out_dir, sizeof p.out_dir, "%s", v);
        else if (strcmp(a, "--listen-fd") == 0) p.listen_fd = atoi(v);
        else if (strcmp(a, "--control-fd") == 0) p.control_fd = atoi(v);
        else if (strcmp(a, "--context") == 0) context = v;
        else if (strcmp(a, "--level") == 0) level = level_arg(v);
        else if (strcmp(a, "--max-hint") == 0) max_hint = level_arg(v);
        else if (strcmp(a, "--baggage-allow") == 0) allow = v;
        else if (strcmp(a, "--work-ms") == 0) p.work_ms = (unsigned)atoi(v);
        else if (strcmp(a, "--fail-first") == 0) p.fail_first = (unsigned)atoi(v);
        else if (strcmp(a, "--max-attempts") == 0) p.max_attempts = (unsigned)atoi(v);
        else if (strcmp(a, "--timeout-ms") == 0) p.timeout_ms = (unsigned)atoi(v);
        else if (strcmp(a, "--topic") == 0) snprintf(p.topic, sizeof p.topic, "%s", v);
        else if (strcmp(a, "--sweep") == 0) sweep = v;
        else if (strcmp(a, "--dial") == 0 && p.n_dial < PEER_MAX_KNOWN)
            snprintf(p.dial[p.n_dial++], PEER_NAME_MAX, "%s", v);
        else if (strcmp(a, "--peer") == 0 && p.n_known < PEER_MAX_KNOWN && strchr(v, '=')) {
            const char *eq = strchr(v, '=');
            snprintf(p.known[p.n_known].name, PEER_NAME_MAX, "%.*s", (int)(eq - v), v);
            p.known[p.n_known++].port = (uint16_t)atoi(eq + 1);
        } else usage();
    }
    if (sweep) {
        size_t kept, removed;
        if (retention_sweep(sweep, clock_unix_ns(), &kept, &removed) != 0) return 1;
        printf("retention sweep of %s: %zu kept, %zu removed\n", sweep, kept, removed);
        return 0;
    }
    if (!p.name[0] || !p.out_dir[0] || !(p.ops = role_by_name(p.role))) usage();
    snprintf(p.log_path, sizeof p.log_path, "%s/logs/%s.jsonl", p.out_dir, p.name);
    snprintf(p.span_dir, sizeof p.span_dir, "%s/spans", p.out_dir);
    snprintf(p.store_dir, sizeof p.store_dir, "%s/%s/%s", p.out_dir,
             strcmp(p.role, "aggregator") == 0 ? "aggregate" : "store", p.name);
    if (io_mkdir_p(p.span_dir) != 0 ||
        ((strcmp(p.role, "coordinator") == 0 || strcmp(p.role, "aggregator") == 0) && io_mkdir_p(p.store_dir) != 0)) {
        perror("tasknet-peer: mkdir");
        return 1;
    }
    {
        char logs[512];
        snprintf(logs, sizeof logs, "%s/logs", p.out_dir);
        io_mkdir_p(logs);
    }

    run_context(&p.run_ctx, context);
    /* tasknet.peer: this process's lifetime in the run's trace. */
    p.peer_span = span_start("tasknet.peer", KIND_INTERNAL, &p.run_ctx, 1);
    p.life_ctx = p.peer_span ? p.peer_span->ctx : p.run_ctx;
    span_attr_str(p.peer_span, "p2p.peer.name", p.name);
    span_attr_str(p.peer_span, "p2p.peer.role", p.role);
    span_attr_int(p.peer_span, "process.pid", (long long)getpid());

    lc.peer = p.name;
    lc.path = p.log_path;
    lc.level = level;
    lc.max_hint = max_hint;
    lc.baggage_allow = allow;
    log_open(&lc);
    ec.dir = p.span_dir;
    ec.peer = p.name;
    ec.role = p.role;
    ec.log_ctx = &p.life_ctx;
    export_init(&ec);
    return peer_run(&p);
}
