/* SPDX-License-Identifier: Apache-2.0 */
/* peer.c - the peer runtime shared by every role: connections, event loop, traced send and receive. */
#include "peer.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "export.h"
#include "log.h"
#include "net.h"
#include "sampler.h"

#define CONNECT_TIMEOUT_MS 2000
#define IDLE_LIMIT_MS 30000 /* no word from the driver for this long: stop */

static volatile sig_atomic_t sig_louder, sig_quieter, sig_stop;

static void on_signal(int sig)
{
    if (sig == SIGUSR1) sig_louder++;
    else if (sig == SIGUSR2) sig_quieter++;
    else sig_stop = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---- connections ---------------------------------------------------------- */

conn_t *peer_conn(peer_t *p, const char *name)
{
    for (int i = 0; i < PEER_MAX_CONNS; i++)
        if (p->conns[i].fd >= 0 && strcmp(p->conns[i].name, name) == 0) return &p->conns[i];
    return NULL;
}

static conn_t *conn_add(peer_t *p, int fd, const char *name, int outbound, uint16_t port)
{
    for (int i = 0; i < PEER_MAX_CONNS; i++) {
        conn_t *c = &p->conns[i];
        if (c->fd >= 0) continue;
        if (!c->rd && !(c->rd = malloc(sizeof *c->rd))) return NULL;
        c->rd->len = 0;
        c->fd = fd;
        c->outbound = outbound;
        c->port = port;
        snprintf(c->name, sizeof c->name, "%s", name);
        return c;
    }
    return NULL;
}

static uint16_t known_port(const peer_t *p, const char *name)
{
    for (size_t i = 0; i < p->n_known; i++)
        if (strcmp(p->known[i].name, name) == 0) return p->known[i].port;
    return 0;
}

static void conn_attrs(span_t *s, const conn_t *c)
{
    span_attr_str(s, "p2p.remote.peer", c->name);
    span_attr_str(s, "network.transport", "tcp");
    span_attr_str(s, "network.peer.address", "127.0.0.1");
    if (c->port) span_attr_int(s, "network.peer.port", c->port);
}

/* Close a connection, recording p2p.peer.disconnect under the peer span. */
static void conn_close(peer_t *p, conn_t *c, const char *reason)
{
    span_t *s = span_start("p2p.peer.disconnect", KIND_INTERNAL, &p->life_ctx, 0);
    const tn_ctx *ctx = s ? &s->ctx : &p->life_ctx;
    conn_attrs(s, c);
    span_attr_str(s, "p2p.connection.direction", c->outbound ? "outbound" : "inbound");
    span_attr_str(s, "p2p.disconnect.reason", reason);
    if (c == p->aggregator) {
        log_set_shipper(NULL, NULL);
        p->aggregator = NULL;
    }
    close(c->fd);
    c->fd = -1;
    log_event(LOG_INFO, ctx, "p2p.peer.disconnected",
              json_pack("{s:s,s:s}", "p2p.remote.peer", c->name, "p2p.disconnect.reason", reason),
              "disconnected from %s (%s)", c->name, reason);
    span_end(s);
}

static void ship_line(const char *line, size_t len, void *arg)
{
    peer_t *p = arg;
    static uint8_t body[FRAME_MAX];
    static msg_t m;
    uint8_t payload[FRAME_MAX - 16];
    unsigned dropped;
    int n, b;
    if (!p->aggregator || len >= sizeof m.arg) return;
    msg_init(&m, MSG_LOG, p->name);
    memcpy(m.arg, line, len);
    m.arg[len] = '\0';
    n = msg_encode(payload, sizeof payload, &m);
    /* Log shipping is not part of any trace: the empty block. */
    if (n < 0 || (b = frame_build_body(body, sizeof body, NULL, payload, (size_t)n, &dropped)) < 0) return;
    if (frame_write_body(p->aggregator->fd, body, (size_t)b) != 0) {
        log_set_shipper(NULL, NULL); /* never log from inside the shipper */
        p->aggregator = NULL;
    }
}

/* Dial a known peer: p2p.peer.connect (CLIENT), then HELLO with the span's context. */
static conn_t *dial(peer_t *p, const char *name)
{
    uint16_t port = known_port(p, name);
    span_t *s = span_start("p2p.peer.connect", KIND_CLIENT, &p->life_ctx, 0);
    const tn_ctx *ctx = s ? &s->ctx : &p->life_ctx;
    conn_t *c = NULL;
    int fd = port ? net_connect_loopback(port, CONNECT_TIMEOUT_MS) : -1;
    span_attr_str(s, "p2p.remote.peer", name);
    span_attr_str(s, "p2p.connection.direction", "outbound");
    if (fd < 0 || !(c = conn_add(p, fd, name, 1, port))) {
        if (fd >= 0) close(fd);
        span_set_error(s, "connect failed");
        log_event(LOG_ERROR, ctx, "p2p.peer.connect_failed", json_pack("{s:s,s:i}", "p2p.remote.peer", name,
                                                                       "network.peer.port", port),
                  "cannot connect to %s on 127.0.0.1:%u", name, port);
        span_end(s);
        return NULL;
    }
    conn_attrs(s, c);
    {
        static msg_t hello;
        uint8_t payload[256], body[FRAME_MAX];
        unsigned dropped;
        int n, b;
        msg_init(&hello, MSG_HELLO, p->name);
        n = msg_encode(payload, sizeof payload, &hello);
        b = n < 0 ? -1 : frame_build_body(body, sizeof body, ctx, payload, (size_t)n, &dropped);
        if (b < 0 || frame_write_body(fd, body, (size_t)b) != 0) span_set_error(s, "hello failed");
    }
    log_event(LOG_INFO, ctx, "p2p.peer.connected",
              json_pack("{s:s,s:s,s:i}", "p2p.remote.peer", name, "p2p.connection.direction", "outbound",
                        "network.peer.port", port),
              "connected to %s on 127.0.0.1:%u", name, port);
    span_end(s);
    return c;
}

/* HELLO on an accepted connection: name it, p2p.peer.connect (SERVER). */
static void on_hello(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    tn_ctx parent;
    span_t *s = NULL;
    const tn_ctx *ctx = &p->life_ctx;
    snprintf(c->name, sizeof c->name, "%s", m->sender);
    if (f->hop_status == TW_OK && (f->hop.present & TW_HAS_CONTEXT)) {
        ctx_from_header(&parent, &f->hop);
        if ((s = span_start("p2p.peer.connect", KIND_SERVER, &parent, 1)) != NULL) ctx = &s->ctx;
    }
    span_attr_str(s, "p2p.remote.peer", c->name);
    span_attr_str(s, "p2p.connection.direction", "inbound");
    span_attr_str(s, "network.transport", "tcp");
    log_event(LOG_INFO, ctx, "p2p.peer.connected",
              json_pack("{s:s,s:s}", "p2p.remote.peer", c->name, "p2p.connection.direction", "inbound"),
              "%s connected", c->name);
    span_end(s);
}

/* ---- the two layers --------------------------------------------------------- */

int peer_set_origin(msg_t *m, const tn_ctx *ctx)
{
    tw_header_t h;
    int n;
    ctx_to_header(&h, ctx);
    h.baggage.len = 0; /* never baggage in an origin context (spec 10 §10.2.1 rule 6) */
    n = tw_header_encode(m->origin, sizeof m->origin, &h);
    m->has_origin = n > 0;
    m->origin_len = n > 0 ? (size_t)n : 0;
    return n > 0 ? 0 : -1;
}

void peer_read_context(peer_t *p, const frame_t *f, const msg_t *m, rx_context_t *rx)
{
    tw_header_t oh;
    tn_ctx hop;
    ctx_clear(&rx->ctx);
    ctx_clear(&rx->origin);
    ctx_clear(&hop);
    rx->source = "none";
    rx->hop_usable = f->hop_status == TW_OK;
    rx->origin_usable = m->has_origin && tw_header_decode(&oh, m->origin, m->origin_len) >= 0;
    if (rx->hop_usable) ctx_from_header(&hop, &f->hop);
    if (rx->origin_usable) ctx_from_header(&rx->origin, &oh);
    /* Parent: hop, then origin (rule 3). */
    if (hop.has_trace) {
        rx->ctx = hop;
        rx->source = "hop";
    } else if (rx->origin.has_trace) {
        rx->ctx = rx->origin;
        rx->source = "origin";
    }
    /* Baggage: from a usable hop context, even if empty (rule 5). */
    if (rx->hop_usable) {
        memcpy(rx->ctx.baggage, hop.baggage, hop.bag_len + 1);
        rx->ctx.bag_len = hop.bag_len;
    } else {
        memcpy(rx->ctx.baggage, rx->origin.baggage, rx->origin.bag_len + 1);
        rx->ctx.bag_len = rx->origin.bag_len;
    }
    /* Correlation-id: origin first (rule 6). */
    rx->ctx.has_correlation = 0;
    if (rx->origin.has_correlation) {
        memcpy(rx->ctx.correlation_id, rx->origin.correlation_id, TW_CORRELATION_ID_LEN);
        rx->ctx.has_correlation = 1;
        if (hop.has_correlation && memcmp(hop.correlation_id, rx->origin.correlation_id, TW_CORRELATION_ID_LEN))
            log_event(LOG_WARN, &rx->ctx, "tracewire.correlation_id.mismatch", NULL,
                      "hop and origin contexts name different correlation-ids; using the origin's");
    } else if (hop.has_correlation) {
        memcpy(rx->ctx.correlation_id, hop.correlation_id, TW_CORRELATION_ID_LEN);
        rx->ctx.has_correlation = 1;
    }
    (void)p;
}

static const char *destination(const msg_t *m)
{
    return m->topic[0] ? m->topic : msg_kind_name(m->kind);
}

span_t *peer_start_receive(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m, rx_context_t *rx)
{
    span_t *s;
    peer_read_context(p, f, m, rx);
    if (!rx->ctx.has_trace) {
        /* No usable context in either layer: a new trace, since we record
         * spans; a fresh correlation-id, logged (spec 10 §10.9 rule 6). */
        const char *reason = (f->hop_status == TW_OK && (!m->has_origin || rx->origin_usable))
                                 ? "header_absent" : "header_invalid";
        ctx_new_trace(&rx->ctx, 1);
        if (!sampler_root_decision(rx->ctx.trace_id)) rx->ctx.flags &= (uint8_t)~TW_FLAG_SAMPLED;
        s = span_start_root("p2p.message.receive", KIND_CONSUMER, &rx->ctx);
        if (s && !rx->ctx.has_correlation && ctx_new_correlation(&s->ctx) == 0) {
            rx->ctx.has_correlation = 1;
            memcpy(rx->ctx.correlation_id, s->ctx.correlation_id, TW_CORRELATION_ID_LEN);
            {
                tn_ctx_text t;
                ctx_text(&t, &s->ctx);
                span_attr_str(s, "tracewire.correlation_id", t.correlation_id);
            }
            log_event(LOG_WARN, &s->ctx, "correlation_id.minted", json_pack("{s:s}", "reason", reason),
                      "%s frame from %s carried no usable context: new trace, new correlation-id",
                      msg_kind_name(m->kind), c->name);
        }
    } else {
        s = span_start("p2p.message.receive", KIND_CONSUMER, &rx->ctx, 1);
    }
    if (!s) return NULL;
    if (rx->origin_usable && rx->origin.has_trace && strcmp(rx->source, "hop") == 0 &&
        (memcmp(rx->origin.trace_id, rx->ctx.trace_id, TW_TRACE_ID_LEN) != 0 ||
         memcmp(rx->origin.span_id, rx->ctx.span_id, TW_SPAN_ID_LEN) != 0))
        span_link(s, rx->origin.trace_id, rx->origin.span_id, rx->origin.flags, "origin");
    span_attr_str(s, "messaging.system", "tasknet");
    span_attr_str(s, "messaging.operation.type", "process");
    span_attr_str(s, "messaging.operation.name", "receive");
    span_attr_str(s, "messaging.destination.name", destination(m));
    span_attr_int(s, "messaging.message.body.size", (long long)f->payload_len);
    span_attr_str(s, "tasknet.message.kind", msg_kind_name(m->kind));
    conn_attrs(s, c);
    span_attr_str(s, "tracewire.context.source", rx->source);
    span_attr_int(s, "tracewire.hop.block_size", (long long)f->block_len);
    if (f->hop_status != TW_OK) span_attr_str(s, "tracewire.hop.error", tw_status_name(f->hop_status));
    log_event(LOG_TRACE, &s->ctx, "p2p.frame.received",
              json_pack("{s:i,s:s}", "tasknet.frame.size", (int)f->body_len, "tracewire.hop.status",
                        tw_status_name(f->hop_status)),
              "frame of %zu bytes from %s", f->body_len, c->name);
    if (log_enabled(LOG_DEBUG, &s->ctx))
        log_event(LOG_DEBUG, &s->ctx, "p2p.message.received",
                  log_add_block(json_pack("{s:s,s:s,s:i,s:i,s:s}", "tasknet.message.kind", msg_kind_name(m->kind),
                                        "p2p.remote.peer", c->name, "tracewire.hop.block_size", (int)f->block_len,
                                        "messaging.message.body.size", (int)f->payload_len,
                                        "tracewire.context.source", rx->source),
                              "tracewire.hop.block", f->block, f->block_len),
                  "received %s from %s: block %zu bytes, payload %zu bytes, parent from %s context",
                  msg_kind_name(m->kind), c->name, f->block_len, f->payload_len, rx->source);
    return s;
}

/* ---- sending ---------------------------------------------------------------- */

int peer_send(peer_t *p, conn_t *c, const tn_ctx *parent, msg_t *m)
{
    static uint8_t payload[FRAME_MAX], body[FRAME_MAX];
    span_t *s = span_start("p2p.message.send", KIND_PRODUCER, parent, 0);
    const tn_ctx *ctx = s ? &s->ctx : parent;
    unsigned dropped = 0;
    int n, b = -1, rc = -1;
    if (!m->has_origin) peer_set_origin(m, ctx);
    snprintf(m->sender, sizeof m->sender, "%s", p->name);
    n = msg_encode(payload, sizeof payload, m);
    if (n >= 0) b = frame_build_body(body, sizeof body, ctx, payload, (size_t)n, &dropped);
    span_attr_str(s, "messaging.system", "tasknet");
    span_attr_str(s, "messaging.operation.type", "send");
    span_attr_str(s, "messaging.operation.name", "send");
    span_attr_str(s, "messaging.destination.name", destination(m));
    span_attr_str(s, "tasknet.message.kind", msg_kind_name(m->kind));
    if (c) conn_attrs(s, c);
    if (n >= 0) span_attr_int(s, "messaging.message.body.size", n);
    if (dropped) span_attr_int(s, "tracewire.hop.dropped", dropped);
    if (b >= 0 && c && frame_write_body(c->fd, body, (size_t)b) == 0) {
        rc = 0;
        span_attr_int(s, "tracewire.hop.block_size", (long long)((size_t)b - (size_t)n));
        if (log_enabled(LOG_DEBUG, ctx)) {
            size_t blen = (size_t)b - (size_t)n;
            log_event(LOG_DEBUG, ctx, "p2p.message.sent",
                      log_add_block(json_pack("{s:s,s:s,s:i}", "tasknet.message.kind", msg_kind_name(m->kind),
                                            "p2p.remote.peer", c->name, "tracewire.hop.block_size", (int)blen),
                                  "tracewire.hop.block", body, blen),
                      "sent %s to %s: block %zu bytes, payload %d bytes", msg_kind_name(m->kind), c->name,
                      blen, n);
        }
    } else {
        span_set_error(s, c ? "send failed" : "no connection");
        log_event(LOG_ERROR, ctx, "p2p.message.send_failed",
                  json_pack("{s:s,s:s}", "tasknet.message.kind", msg_kind_name(m->kind), "p2p.remote.peer",
                            c ? c->name : "?"),
                  "cannot send %s to %s", msg_kind_name(m->kind), c ? c->name : "an unconnected peer");
    }
    span_end(s);
    return rc;
}

int peer_forward(peer_t *p, conn_t *c, const uint8_t *body, size_t len)
{
    (void)p;
    return c ? frame_write_body(c->fd, body, len) : -1;
}

int peer_control(peer_t *p, msg_t *m)
{
    static uint8_t payload[FRAME_MAX], body[FRAME_MAX];
    unsigned dropped;
    int n, b;
    snprintf(m->sender, sizeof m->sender, "%s", p->name);
    n = msg_encode(payload, sizeof payload, m);
    if (n < 0 || (b = frame_build_body(body, sizeof body, NULL, payload, (size_t)n, &dropped)) < 0) return -1;
    return frame_write_body(p->control_fd, body, (size_t)b);
}

/* ---- the event loop ------------------------------------------------------------ */

static void handle_control(peer_t *p, const frame_t *f, const msg_t *m)
{
    (void)f;
    if (m->kind != MSG_CONTROL) return;
    if (strcmp(m->control, "set-level") == 0) {
        int lv = log_level_parse(m->arg);
        if (lv >= 0) log_set_level(lv, "control frame", &p->life_ctx);
    } else if (strcmp(m->control, "stop") == 0) {
        log_event(LOG_INFO, &p->life_ctx, "peer.stopping", NULL, "stop requested by the driver");
        p->stop = 1;
    } else if (p->ops->on_control) {
        p->ops->on_control(p, m);
    }
}

static void apply_signals(peer_t *p)
{
    while (sig_louder > 0) {
        sig_louder--;
        if (log_get_level() > LOG_TRACE) log_set_level(log_get_level() - 1, "SIGUSR1", &p->life_ctx);
    }
    while (sig_quieter > 0) {
        sig_quieter--;
        if (log_get_level() < LOG_ERROR) log_set_level(log_get_level() + 1, "SIGUSR2", &p->life_ctx);
    }
    if (sig_stop && !p->stop) {
        log_event(LOG_INFO, &p->life_ctx, "peer.stopping", NULL, "stop requested by a signal");
        p->stop = 1;
    }
}

/* Read and dispatch the frames of one connection (c == NULL: control). */
static int drain(peer_t *p, conn_t *c, frame_reader_t *rd, int fd)
{
    static msg_t m;
    frame_t f;
    int n = frame_read_some(fd, rd), r;
    if (n <= 0) return -1;
    while ((r = frame_next(rd, &f)) == 1) {
        if (msg_decode(&m, f.payload, f.payload_len) == 0) {
            if (!c) handle_control(p, &f, &m);
            else if (m.kind == MSG_HELLO) on_hello(p, c, &f, &m);
            else if (p->ops->on_frame) p->ops->on_frame(p, c, &f, &m);
        } else {
            log_event(LOG_WARN, &p->life_ctx, "p2p.message.malformed", NULL,
                      "dropped a frame whose payload is not a tasknet message");
        }
        frame_consume(rd, &f);
        if (c && c->fd < 0) return 0; /* the role closed it */
    }
    return r < 0 ? -2 : 0;
}

static void shutdown_peer(peer_t *p)
{
    if (p->ops->on_stop) p->ops->on_stop(p);
    for (int pass = 0; pass < 2; pass++) /* the aggregator last, so the others' lines still ship */
        for (int i = 0; i < PEER_MAX_CONNS; i++) {
            conn_t *c = &p->conns[i];
            if (c->fd >= 0 && (c == p->aggregator) == (pass == 1)) conn_close(p, c, "local shutdown");
        }
    log_event(LOG_INFO, &p->life_ctx, "peer.stopped", NULL, "%s stopped", p->name);
    span_end(p->peer_span);
    p->peer_span = NULL;
    export_shutdown();
    for (int i = 0; i < PEER_MAX_CONNS; i++) free(p->conns[i].rd);
}

int peer_run(peer_t *p)
{
    static frame_reader_t control_rd;
    uint64_t last_control = clock_mono_ms();
    install_signals();
    for (int i = 0; i < PEER_MAX_CONNS; i++) p->conns[i].fd = -1;
    log_event(LOG_INFO, &p->life_ctx, "peer.started",
              json_pack("{s:s,s:s,s:s}", "p2p.peer.role", p->role, "log.level", log_level_name(log_get_level()),
                        "service.name", export_service_name()),
              "%s started as %s (log level %s)", p->name, p->role, log_level_name(log_get_level()));
    if (p->ship_logs) { /* opt-in: dial the aggregator first, so every later line ships */
        if ((p->aggregator = dial(p, "aggregator")) != NULL) {
            log_set_shipper(ship_line, p);
            log_event(LOG_INFO, &p->life_ctx, "log.shipping.enabled", json_pack("{s:s}", "log.sink", "aggregator"),
                      "shipping log lines to the aggregator (opt-in)");
        }
    }
    for (size_t i = 0; i < p->n_dial; i++) dial(p, p->dial[i]);
    if (p->ops->start && p->ops->start(p) != 0) p->stop = 1;
    {
        static msg_t ready;
        msg_init(&ready, MSG_CONTROL, p->name);
        snprintf(ready.control, sizeof ready.control, "ready");
        peer_control(p, &ready);
    }
    while (!p->stop) {
        struct pollfd fds[2 + PEER_MAX_CONNS];
        conn_t *owner[2 + PEER_MAX_CONNS];
        nfds_t n = 0;
        uint64_t now = clock_mono_ms();
        int timeout = 200, rc;
        apply_signals(p);
        if (p->stop) break;
        if (now - last_control > IDLE_LIMIT_MS) {
            log_event(LOG_WARN, &p->life_ctx, "peer.idle_timeout", NULL, "no word from the driver for %d ms",
                      IDLE_LIMIT_MS);
            break;
        }
        if (p->ops->next_timer_ms) {
            int t = p->ops->next_timer_ms(p, now);
            if (t >= 0 && t < timeout) timeout = t;
        }
        fds[n].fd = p->listen_fd, fds[n].events = POLLIN, owner[n++] = NULL;
        fds[n].fd = p->control_fd, fds[n].events = POLLIN, owner[n++] = NULL;
        for (int i = 0; i < PEER_MAX_CONNS; i++)
            if (p->conns[i].fd >= 0) fds[n].fd = p->conns[i].fd, fds[n].events = POLLIN, owner[n++] = &p->conns[i];
        rc = poll(fds, n, timeout);
        if (rc < 0 && errno != EINTR) break;
        if (rc > 0) {
            if (fds[0].revents & POLLIN) {
                int fd = net_accept(p->listen_fd);
                if (fd >= 0 && !conn_add(p, fd, "?", 0, 0)) close(fd);
            }
            /* peers first, so that a connection closed just before a stop is seen as closed by its peer */
            for (nfds_t i = 2; i < n; i++) {
                conn_t *c = owner[i];
                int d;
                if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)) || c->fd != fds[i].fd) continue;
                d = drain(p, c, c->rd, c->fd);
                if (d == -1 && c->fd >= 0) conn_close(p, c, "closed by remote");
                else if (d == -2 && c->fd >= 0) conn_close(p, c, "framing error");
            }
            if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                last_control = clock_mono_ms();
                if (drain(p, NULL, &control_rd, p->control_fd) < 0) {
                    log_event(LOG_WARN, &p->life_ctx, "peer.driver_gone", NULL, "control channel closed");
                    p->stop = 1;
                }
            }
        }
        if (p->ops->on_tick) p->ops->on_tick(p, clock_mono_ms());
    }
    shutdown_peer(p);
    return 0;
}
