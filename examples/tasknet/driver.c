/* SPDX-License-Identifier: Apache-2.0 */
/* driver.c - tasknet: starts the peers on 127.0.0.1, runs four tasks (a retry, a debug hint, unsampled, a broken header), stops everything. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "export.h"
#include "frame.h"
#include "io.h"
#include "log.h"
#include "msg.h"
#include "net.h"
#include "probe.h"
#include "sampler.h"
#include "span.h"

extern char **environ;

#define READY_TIMEOUT_MS 5000
#define TASK_TIMEOUT_MS 10000
#define EXIT_TIMEOUT_MS 5000
#define BAGGAGE_ALLOW "task.priority,tenant"

/* The network. Dials go from each peer to the ones listed; shipping logs is
 * opt-in per peer: on for the coordinator and the executors only. */
static struct peer_def {
    const char *name, *role, *dial[3], *extra[4];
    int ship;
    int listen_fd, control_fd;
    uint16_t port;
    pid_t pid;
    frame_reader_t *rd;
    int ready, exited, status;
} peers[] = {
    {"aggregator", "aggregator", {NULL}, {NULL}, 0, -1, -1, 0, 0, NULL, 0, 0, 0},
    {"submitter", "submitter", {"relay", NULL}, {"--timeout-ms", "8000", NULL}, 0, -1, -1, 0, 0, NULL, 0, 0, 0},
    {"relay", "relay", {"coordinator", NULL}, {NULL}, 0, -1, -1, 0, 0, NULL, 0, 0, 0},
    {"coordinator", "coordinator", {"executor-1", "executor-2", "submitter"}, {"--max-attempts", "3", NULL}, 1,
     -1, -1, 0, 0, NULL, 0, 0, 0},
    {"executor-1", "executor", {NULL}, {"--fail-first", "1", "--work-ms", "25"}, 1, -1, -1, 0, 0, NULL, 0, 0, 0},
    {"executor-2", "executor", {NULL}, {"--work-ms", "40", NULL}, 1, -1, -1, 0, 0, NULL, 0, 0, 0},
};
#define N_PEERS (sizeof peers / sizeof peers[0])

/* The tasks the submitter originates; task 4 comes from probe.c. */
static const struct task_def {
    const char *kind, *input, *baggage, *why;
    unsigned sampling;
    int debug;
} tasks[] = {
    {"transcode", "video-0001.mp4 to 720p", "task.priority=high,tenant=acme-labs,user.email=alice%40example.org",
     "executor-1 fails attempt 1; the coordinator retries on executor-2", SAMPLING_SAMPLER, 0},
    {"thumbnail", "image-0042.png at 256x256", "task.priority=low,tenant=acme-labs,user.email=bob%40example.org",
     "debug hint tw=log:debug: every peer logs this task at debug", SAMPLING_SAMPLER, 1},
    {"checksum", "dataset-7.tar", "tenant=acme-labs", "not sampled: no spans, but every log line is joined",
     SAMPLING_OFF, 0},
};
#define N_TASKS (sizeof tasks / sizeof tasks[0])

static tn_ctx run_ctx, span_ctx;
static const tn_ctx *log_ctx;
static int quiet;

static int move_high(int fd)
{
    /* Above the descriptors children receive (3 and 4), close-on-exec. */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return high;
}

static int send_control(struct peer_def *d, msg_t *m)
{
    static uint8_t payload[FRAME_MAX], body[FRAME_MAX];
    unsigned dropped;
    int n = msg_encode(payload, sizeof payload, m), b;
    if (n < 0) return -1;
    /* Control frames carry the driver's context: the run's trace. */
    b = frame_build_body(body, sizeof body, log_ctx, payload, (size_t)n, &dropped);
    return b < 0 ? -1 : frame_write_body(d->control_fd, body, (size_t)b);
}

static int control(struct peer_def *d, const char *verb, const char *arg)
{
    static msg_t m;
    msg_init(&m, MSG_CONTROL, "driver");
    snprintf(m.control, sizeof m.control, "%s", verb);
    snprintf(m.arg, sizeof m.arg, "%s", arg ? arg : "");
    return send_control(d, &m);
}

/* Wait for one control frame with this verb from any peer; m gets it. */
static struct peer_def *await(const char *verb, int timeout_ms, msg_t *m)
{
    uint64_t end = clock_mono_ms() + (uint64_t)timeout_ms;
    for (;;) {
        struct pollfd fds[N_PEERS];
        uint64_t now = clock_mono_ms();
        if (now >= end) return NULL;
        for (size_t i = 0; i < N_PEERS; i++) {
            frame_t f;
            while (peers[i].rd && frame_next(peers[i].rd, &f) == 1) {
                int decoded = msg_decode(m, f.payload, f.payload_len) == 0;
                int ok = decoded && strcmp(m->control, verb) == 0;
                if (decoded && strcmp(m->control, "ready") == 0) peers[i].ready = 1;
                frame_consume(peers[i].rd, &f);
                if (ok) return &peers[i];
            }
            fds[i].fd = peers[i].exited ? -1 : peers[i].control_fd;
            fds[i].events = POLLIN;
            fds[i].revents = 0;
        }
        if (poll(fds, N_PEERS, (int)(end - now)) < 0 && errno != EINTR) return NULL;
        for (size_t i = 0; i < N_PEERS; i++)
            if ((fds[i].revents & (POLLIN | POLLHUP)) && frame_read_some(peers[i].control_fd, peers[i].rd) <= 0)
                peers[i].exited = 1; /* the channel closed: the peer is gone */
    }
}

static int spawn(struct peer_def *d, const char *bin, const char *out)
{
    char *argv[48], ports[N_PEERS][96], ctx_hex[2 * 256 + 1], lfd[8] = "3", cfd[8] = "4";
    uint8_t block[256];
    int sv[2], argc = 0, n;
    tw_header_t h;
    posix_spawn_file_actions_t fa;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    d->control_fd = move_high(sv[0]);
    sv[1] = move_high(sv[1]);
    /* The peer's parent context: the driver's span, as a prefix block. */
    ctx_to_header(&h, log_ctx);
    h.baggage.len = 0;
    n = tw_block_encode(block, sizeof block, &h);
    if (n < 0) return -1;
    tw_hex_encode(ctx_hex, block, (size_t)n);
    ctx_hex[2 * n] = '\0';
    argv[argc++] = (char *)bin;
    argv[argc++] = "--name", argv[argc++] = (char *)d->name;
    argv[argc++] = "--role", argv[argc++] = (char *)d->role;
    argv[argc++] = "--out", argv[argc++] = (char *)out;
    argv[argc++] = "--listen-fd", argv[argc++] = lfd;
    argv[argc++] = "--control-fd", argv[argc++] = cfd;
    argv[argc++] = "--context", argv[argc++] = ctx_hex;
    argv[argc++] = "--baggage-allow", argv[argc++] = BAGGAGE_ALLOW;
    for (size_t i = 0; i < N_PEERS; i++) {
        snprintf(ports[i], sizeof ports[i], "%s=%u", peers[i].name, peers[i].port);
        argv[argc++] = "--peer", argv[argc++] = ports[i];
    }
    for (int i = 0; i < 3 && d->dial[i]; i++) argv[argc++] = "--dial", argv[argc++] = (char *)d->dial[i];
    for (int i = 0; i < 4 && d->extra[i]; i++) argv[argc++] = (char *)d->extra[i];
    if (d->ship) argv[argc++] = "--ship-logs";
    argv[argc] = NULL;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, d->listen_fd, 3);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 4);
    n = posix_spawn(&d->pid, bin, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (n != 0) {
        fprintf(stderr, "tasknet: cannot start %s: %s\n", bin, strerror(n));
        return -1;
    }
    d->rd = calloc(1, sizeof *d->rd);
    return d->rd ? 0 : -1;
}

static void stop_peer(struct peer_def *d)
{
    uint64_t end = clock_mono_ms() + EXIT_TIMEOUT_MS;
    if (d->pid <= 0) return;
    control(d, "stop", NULL);
    for (;;) {
        pid_t r = waitpid(d->pid, &d->status, WNOHANG);
        if (r == d->pid) break;
        if (clock_mono_ms() >= end) {
            kill(d->pid, SIGKILL);
            waitpid(d->pid, &d->status, 0);
            log_event(LOG_ERROR, log_ctx, "peer.killed", json_pack("{s:s}", "p2p.peer.name", d->name),
                      "%s did not stop within %d ms: killed", d->name, EXIT_TIMEOUT_MS);
            break;
        }
        clock_sleep_ms(5);
    }
    d->pid = 0;
    d->exited = 1;
}

static void say(const char *fmt, const char *a, const char *b)
{
    if (!quiet) {
        printf(fmt, a, b);
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    char out[PATH_MAX] = "build/tasknet/run", bin[PATH_MAX], path[PATH_MAX + 32];
    const char *peer_bin = NULL;
    static msg_t m;
    span_t *run;
    tn_ctx_text t;
    int failures = 0;
    uint64_t t0 = clock_mono_ms();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) snprintf(out, sizeof out, "%s", argv[++i]);
        else if (strcmp(argv[i], "--peer-bin") == 0 && i + 1 < argc) peer_bin = argv[++i];
        else if (strcmp(argv[i], "--quiet") == 0) quiet = 1;
        else {
            fprintf(stderr, "usage: tasknet [--out DIR] [--peer-bin PATH] [--quiet]\n");
            return 2;
        }
    }
    if (peer_bin) snprintf(bin, sizeof bin, "%s", peer_bin);
    else {
        const char *slash = strrchr(argv[0], '/');
        snprintf(bin, sizeof bin, "%.*stasknet-peer", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    }
    signal(SIGPIPE, SIG_IGN);
    /* A fresh output directory for this run. */
    {
        static const char *const sub[] = {"logs", "spans", "store/coordinator", "aggregate/aggregator"};
        for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
            snprintf(path, sizeof path, "%s/%s", out, sub[i]);
            io_mkdir_p(path);
            io_clear_dir(path);
        }
    }

    /* The run's own task: a correlation-id and a trace for everything that
     * is not about one task (startup, connections, shutdown). */
    ctx_clear(&run_ctx);
    ctx_new_correlation(&run_ctx);
    ctx_new_trace(&run_ctx, 1);
    if (!sampler_root_decision(run_ctx.trace_id)) run_ctx.flags &= (uint8_t)~TW_FLAG_SAMPLED;
    run = span_start_root("tasknet.run", KIND_INTERNAL, &run_ctx);
    span_ctx = run ? run->ctx : run_ctx; /* a copy: it outlives the span */
    log_ctx = &span_ctx;
    {
        log_config_t lc = {"driver", path, LOG_INFO, LOG_TRACE, BAGGAGE_ALLOW};
        export_config_t ec = {NULL, "driver", "driver", NULL};
        char spans[PATH_MAX];
        snprintf(path, sizeof path, "%s/logs/driver.jsonl", out);
        log_open(&lc);
        snprintf(spans, sizeof spans, "%s/spans", out);
        ec.dir = spans;
        ec.log_ctx = log_ctx;
        export_init(&ec);
    }
    ctx_text(&t, log_ctx);
    if (!quiet) printf("tasknet: run %s, trace %s, output in %s\n", t.correlation_id, t.trace_id, out);
    log_event(LOG_INFO, log_ctx, "tasknet.run.started", json_pack("{s:s,s:i}", "tasknet.out", out, "tasknet.peers", (int)N_PEERS),
              "starting %zu peers on 127.0.0.1", N_PEERS);

    /* Bind every listening socket first (port 0), so every peer knows every port. */
    for (size_t i = 0; i < N_PEERS; i++) {
        int fd = net_listen_loopback(&peers[i].port);
        if (fd < 0 || (peers[i].listen_fd = move_high(fd)) < 0) {
            perror("tasknet: listen");
            return 1;
        }
    }
    for (size_t i = 0; i < N_PEERS; i++) {
        char port[8];
        if (spawn(&peers[i], bin, out) != 0) return 1;
        close(peers[i].listen_fd);
        snprintf(port, sizeof port, "%u", peers[i].port);
        if (!quiet) printf("  %-12s pid %-7d 127.0.0.1:%-5s %s\n", peers[i].name, (int)peers[i].pid, port,
                           peers[i].ship ? "(ships logs to the aggregator)" : "");
        log_event(LOG_INFO, log_ctx, "peer.spawned",
                  json_pack("{s:s,s:i,s:i,s:b}", "p2p.peer.name", peers[i].name, "process.pid", (int)peers[i].pid,
                            "network.local.port", peers[i].port, "log.shipping", peers[i].ship),
                  "started %s (pid %d) on 127.0.0.1:%u", peers[i].name, (int)peers[i].pid, peers[i].port);
    }
    {
        size_t ready = 0;
        while (ready < N_PEERS && await("ready", READY_TIMEOUT_MS, &m)) {
            ready = 0;
            for (size_t i = 0; i < N_PEERS; i++) ready += peers[i].ready;
        }
        if (ready < N_PEERS) {
            fprintf(stderr, "tasknet: only %zu of %zu peers became ready\n", ready, N_PEERS);
            failures++;
        }
    }

    for (size_t k = 0; k < N_TASKS && !failures; k++) {
        struct peer_def *from;
        char verdict[64] = "timeout", corr[40] = "?";
        msg_init(&m, MSG_CONTROL, "driver");
        snprintf(m.control, sizeof m.control, "submit");
        snprintf(m.task_kind, sizeof m.task_kind, "%s", tasks[k].kind);
        m.input_len = strlen(tasks[k].input);
        memcpy(m.input, tasks[k].input, m.input_len);
        snprintf(m.baggage, sizeof m.baggage, "%s", tasks[k].baggage);
        m.sampling = tasks[k].sampling;
        m.debug_hint = tasks[k].debug;
        send_control(&peers[1], &m);
        from = await("done", TASK_TIMEOUT_MS, &m);
        if (from) sscanf(m.arg, "%39s %*s %63s", corr, verdict);
        if (!from || strcmp(verdict, "ok") != 0) failures++;
        if (!quiet) printf("  task %zu %-10s %s  %-7s %s\n", k + 1, tasks[k].kind, corr, verdict, tasks[k].why);
        log_event(strcmp(verdict, "ok") ? LOG_ERROR : LOG_INFO, log_ctx, "tasknet.task.done",
                  json_pack("{s:s,s:s,s:s}", "task.kind", tasks[k].kind, "tasknet.task.correlation_id", corr, "task.status",
                            verdict),
                  "task %zu (%s) finished: %s", k + 1, tasks[k].kind, verdict);
        /* Dynamic verbosity while the peers run (spec/12-logging.md §12.5). */
        if (k == 0) {
            kill(peers[2].pid, SIGUSR1);
            say("  %s: SIGUSR1, log level info -> debug%s\n", "relay", "");
            log_event(LOG_INFO, log_ctx, "tasknet.level.signal", json_pack("{s:s,s:s}", "p2p.peer.name", "relay", "signal", "SIGUSR1"),
                      "sent SIGUSR1 to relay (one level more verbose)");
            clock_sleep_ms(20);
        } else if (k == 1) {
            control(&peers[3], "set-level", "debug");
            say("  %s: control frame set-level debug%s\n", "coordinator", "");
            log_event(LOG_INFO, log_ctx, "tasknet.level.control",
                      json_pack("{s:s,s:s}", "p2p.peer.name", "coordinator", "log.level.new", "debug"),
                      "sent a set-level debug control frame to coordinator");
            clock_sleep_ms(20);
        }
    }

    /* Task 4: a legacy client sends a task whose header does not decode,
     * straight to the coordinator. The frame must still be processed
     * (spec 03 §3.5 rule 1): the coordinator starts a trace and mints a
     * correlation-id (spec 10 §10.9 rule 6). */
    if (!failures) {
        char corr[37];
        int r = probe_invalid_header(peers[3].port, "legacy-client", TASK_TIMEOUT_MS, corr);
        if (r != 1) failures++;
        if (!quiet)
            printf("  task 4 %-10s %s  %-7s %s\n", "legacy", corr, r == 1 ? "ok" : r == 0 ? "failed" : "timeout",
                   "header that does not decode: processed anyway, correlation-id minted");
        log_event(r == 1 ? LOG_INFO : LOG_ERROR, log_ctx, "tasknet.task.done",
                  json_pack("{s:s,s:s,s:s}", "task.kind", "legacy", "tasknet.task.correlation_id", corr, "task.status",
                            r == 1 ? "ok" : "failed"),
                  "task 4 (legacy, invalid header) finished: %s", r == 1 ? "ok" : "failed");
    }

    /* Stop in dependency order: the aggregator last, so shipped lines arrive. */
    for (size_t i = 1; i <= N_PEERS; i++) {
        struct peer_def *d = &peers[i % N_PEERS];
        stop_peer(d);
        if (!WIFEXITED(d->status) || WEXITSTATUS(d->status) != 0) failures++;
        close(d->control_fd);
        free(d->rd);
        d->rd = NULL;
    }
    log_event(failures ? LOG_ERROR : LOG_INFO, log_ctx, "tasknet.run.finished",
              json_pack("{s:i,s:I}", "tasknet.failures", failures, "tasknet.duration_ms",
                        (json_int_t)(clock_mono_ms() - t0)),
              "run finished in %llu ms with %d failure(s)", (unsigned long long)(clock_mono_ms() - t0), failures);
    span_end(run);
    export_shutdown();
    if (!quiet)
        printf("tasknet: %zu peers stopped after %llu ms; %s\n", N_PEERS, (unsigned long long)(clock_mono_ms() - t0),
               failures ? "FAILED" : "all tasks completed");
    return failures ? 1 : 0;
}
