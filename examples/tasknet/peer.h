/* SPDX-License-Identifier: Apache-2.0 */
/* peer.h - the peer runtime shared by every role: connections, event loop, traced send and receive. */
#ifndef TASKNET_PEER_H
#define TASKNET_PEER_H

#include <stdint.h>

#include "context.h"
#include "frame.h"
#include "msg.h"
#include "span.h"

#define PEER_MAX_CONNS 16
#define PEER_MAX_KNOWN 8
#define PEER_NAME_MAX 64

typedef struct conn {
    int fd; /* -1: free slot */
    char name[PEER_NAME_MAX]; /* the remote peer, from HELLO ("?" before) */
    int outbound;
    uint16_t port;
    frame_reader_t *rd;
} conn_t;

typedef struct peer peer_t;

/* What a role adds to the runtime; every member may be NULL. */
typedef struct role_ops {
    int (*start)(peer_t *p);
    void (*on_frame)(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m);
    void (*on_control)(peer_t *p, const msg_t *m);
    /* Milliseconds until the role's next timer, or -1. */
    int (*next_timer_ms)(peer_t *p, uint64_t now_ms);
    void (*on_tick)(peer_t *p, uint64_t now_ms);
    void (*on_stop)(peer_t *p);
} role_ops_t;

struct peer {
    char name[PEER_NAME_MAX], role[32];
    char out_dir[384], log_path[512], span_dir[512], store_dir[512];
    int listen_fd, control_fd;
    conn_t conns[PEER_MAX_CONNS];
    struct {
        char name[PEER_NAME_MAX];
        uint16_t port;
    } known[PEER_MAX_KNOWN];
    size_t n_known;
    char dial[PEER_MAX_KNOWN][PEER_NAME_MAX];
    size_t n_dial;
    int ship_logs;
    conn_t *aggregator;
    tn_ctx run_ctx;     /* received from the driver: the parent of the peer span */
    span_t *peer_span;  /* tasknet.peer: lifecycle logs and connections hang here */
    tn_ctx life_ctx;    /* peer_span's context (kept when the span has ended) */
    volatile int stop;
    /* role options */
    unsigned work_ms, fail_first, max_attempts, timeout_ms;
    char topic[64];
    const role_ops_t *ops;
};

/* Roles (role_*.c). */
extern const role_ops_t role_submitter, role_relay, role_coordinator, role_executor, role_aggregator;

/* Run the event loop until stopped; returns the exit status. */
int peer_run(peer_t *p);

/* The connection to a named peer, or NULL. */
conn_t *peer_conn(peer_t *p, const char *name);

/* How a receiver read the two layers (spec 10 §10.3.3). */
typedef struct rx_context {
    tn_ctx ctx;         /* parent context: ids, tracestate, baggage, correlation-id */
    const char *source; /* "hop", "origin" or "none" */
    int hop_usable, origin_usable;
    tn_ctx origin;      /* valid when origin_usable */
} rx_context_t;

/* Read both layers of a received frame. */
void peer_read_context(peer_t *p, const frame_t *f, const msg_t *m, rx_context_t *rx);
/*
 * Start the p2p.message.receive span of an incoming message: child of the
 * context read, linked to a differing origin context. Without any context it
 * starts a new trace and mints a correlation-id (event correlation_id.minted).
 */
span_t *peer_start_receive(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m, rx_context_t *rx);
/*
 * Send an application message under a p2p.message.send span, child of
 * parent. The hop context (prefix block) is the send span's context; the
 * origin context (field 15) names the same span, without baggage, unless m
 * already carries one (then it is sent as it is). 0 or -1.
 */
int peer_send(peer_t *p, conn_t *c, const tn_ctx *parent, msg_t *m);
/* Write a frame body as it is (a relay that reports no span). 0 or -1. */
int peer_forward(peer_t *p, conn_t *c, const uint8_t *body, size_t len);
/* Send on the control channel to the driver, with the empty block. */
int peer_control(peer_t *p, msg_t *m);
/* Encode ctx as an origin context into m (field 15), without baggage. */
int peer_set_origin(msg_t *m, const tn_ctx *ctx);

#endif
