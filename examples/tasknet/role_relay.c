/* SPDX-License-Identifier: Apache-2.0 */
/* role_relay.c - the gossip relay: forwards published messages to its mesh, header bit-identical, no span of its own. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "peer.h"

/*
 * A relay that reports no span (spec 03 §3.6 rule 1, spec 10 §10.2.3 rule
 * 2): the frame body - prefix block and message - is written out exactly as
 * it came in. The relay reads the context only to put it in its log lines;
 * those lines carry the sender's span-id, since the relay has no span.
 */
static void on_frame(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    rx_context_t rx;
    char to[256] = "";
    int copies = 0;
    if (m->kind != MSG_SUBMIT) return;
    peer_read_context(p, f, m, &rx);
    for (int i = 0; i < PEER_MAX_CONNS; i++) {
        conn_t *out = &p->conns[i];
        if (out->fd < 0 || out == c || out == p->aggregator || !out->outbound) continue;
        if (peer_forward(p, out, f->body, f->body_len) != 0) {
            log_event(LOG_ERROR, &rx.ctx, "p2p.gossip.forward_failed", json_pack("{s:s}", "p2p.remote.peer", out->name),
                      "cannot forward to %s", out->name);
            continue;
        }
        copies++;
        snprintf(to + strlen(to), sizeof to - strlen(to), "%s%s", copies > 1 ? "," : "", out->name);
    }
    log_event(LOG_INFO, &rx.ctx, "p2p.gossip.forwarded",
              json_pack("{s:s,s:s,s:s,s:i,s:s}", "messaging.destination.name", m->topic, "p2p.remote.peer", c->name,
                        "p2p.gossip.forwarded_to", to, "p2p.gossip.copies", copies, "tracewire.hop.forwarding",
                        "bit-identical"),
              "forwarded a message on %s from %s to %s (hop context unchanged, no relay span)", m->topic, c->name,
              copies ? to : "nobody");
    if (log_enabled(LOG_DEBUG, &rx.ctx))
        log_event(LOG_DEBUG, &rx.ctx, "p2p.gossip.forward_bytes",
                  log_add_block(json_pack("{s:i,s:i,s:s}", "tracewire.hop.block_size", (int)f->block_len,
                                        "messaging.message.body.size", (int)f->payload_len, "tracewire.hop.status",
                                        tw_status_name(f->hop_status)),
                              "tracewire.hop.block", f->block, f->block_len),
                  "kept %zu block bytes and %zu payload bytes as received", f->block_len, f->payload_len);
}

const role_ops_t role_relay = {NULL, on_frame, NULL, NULL, NULL, NULL};
