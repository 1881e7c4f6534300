/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire_relay.h - add-on: tracestate editing, relay edits on bytes, frame budget, trust boundaries. */
#ifndef TRACEWIRE_RELAY_H
#define TRACEWIRE_RELAY_H

/*
 * Conventions: those of tracewire.h. Needs tracewire.h and
 * tracewire.c beside this file (codec/README.md, "Add-ons").
 * Text outputs are normalised: members joined by ',' with no OWS and no
 * empty members. Output buffers must not overlap the input. out == NULL
 * returns the length needed. Spec chapter: spec/10-processing.md.
 */

#include "tracewire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tracestate editing (spec 04 §4.2.5) ------------------------------- */

/* Put key=value at the front, removing the key's old entry; past 32 members
 * the right-most go; past 4096 octets members are truncated as
 * tw_tracestate_truncate does, never the new one. An invalid input list is
 * discarded (the result is key=value alone). TW_E_TRACESTATE if key or value
 * is invalid. Returns the output length or a negative status.
 *
 *     char ts[TW_TRACESTATE_MAX_LEN];
 *     int n = tw_tracestate_put(ts, sizeof ts, h.tracestate.ptr, h.tracestate.len,
 *                               "tw", 2, "log:debug", 9);
 */
TW_NODISCARD int tw_tracestate_put(char *out, size_t cap, const char *s, size_t len, const char *key,
                                   size_t key_len, const char *value, size_t value_len);
/* Keep whole members until the text fits `budget` octets: members over 128
 * octets are dropped first (right-most first), then members from the right
 * (W3C order). The input may be up to TW_HEADER_MAX_LEN octets (a joined
 * HTTP list being cut down); otherwise it must be valid. Returns the output
 * length or the input's validation error. */
TW_NODISCARD int tw_tracestate_truncate(char *out, size_t cap, const char *s, size_t len,
                                        size_t budget);

/* ---- Relay edits on encoded bytes (spec 10 §10.4) ---------------------- */

typedef struct tw_relay_edit {
    const uint8_t *span_id; /* new span-id, or NULL to keep the old one */
    uint8_t flags_set;      /* trace_flags bits to set */
    uint8_t flags_clear;    /* trace_flags bits to clear (after setting) */
    const char *ts_key;     /* tracestate member to put at the front, or NULL */
    size_t ts_key_len;
    const char *ts_value;
    size_t ts_value_len;
} tw_relay_edit_t;

/*
 * Write `in` to `out` with the edits applied: each edited field is written
 * at the position of its last occurrence (earlier occurrences dropped); a
 * flags or tracestate field that was absent is inserted at its canonical
 * place. All other bytes are copied as they are, in their order. Canonical
 * input gives canonical output. `in` should be a message tw_header_decode
 * accepted (the edit is safe on any input, but checks only structure).
 * A change of the sampled bit without a new span-id is TW_E_ARG. out must
 * not overlap in; out == NULL measures. Returns the output length.
 */
TW_NODISCARD int tw_relay_edit(uint8_t *out, size_t cap, const uint8_t *in, size_t len,
                               const tw_relay_edit_t *edit);

/* ---- Frame budget (spec 10 §10.6) -------------------------------------- */

#define TW_BUDGET_DROPPED_BAGGAGE 0x01u
#define TW_BUDGET_DROPPED_TRACESTATE 0x02u
#define TW_BUDGET_DROPPED_UNKNOWN 0x04u
#define TW_BUDGET_DROPPED_CONTEXT 0x08u
#define TW_BUDGET_DROPPED_CORRELATION_ID 0x10u

/*
 * Encode *h in at most `budget` octets, dropping in this order until it
 * fits: baggage members from the right; tracestate members in W3C order
 * (over 128 octets first, then from the right); unknown fields from the
 * right; the trace context; the correlation-id. Never fails for a valid
 * header: the result may be 0 octets (send no header). *dropped (may be
 * NULL) gets TW_BUDGET_DROPPED_* bits. out == NULL measures.
 *
 *     size_t room = frame_limit - payload_len - 1 - 3;  // block framing
 *     int n = tw_header_encode_budget(buf, sizeof buf, &h, room, &dropped);
 */
TW_NODISCARD int tw_header_encode_budget(uint8_t *out, size_t cap, const tw_header_t *h,
                                         size_t budget, unsigned *dropped);

/* The same for a whole prefix block: version byte, length and message
 * within `budget` octets. A budget below 2 leaves no room for even the
 * empty block: the result is 0 (send no block). */
TW_NODISCARD int tw_block_encode_budget(uint8_t *out, size_t cap, const tw_header_t *h,
                                        size_t budget, unsigned *dropped);

/* ---- The per-trace verbosity hint (spec 10 §10.8.3) -------------------- */

typedef enum tw_log_hint {
    TW_LOG_HINT_NONE = 0,  /* no hint, or one that gives none (rule 4) */
    TW_LOG_HINT_DEBUG = 1, /* tw=log:debug: log DEBUG and above for this trace */
    TW_LOG_HINT_TRACE = 2  /* tw=log:trace: log everything for this trace */
} tw_log_hint;

/* Read the `log` entry of the tracestate member `tw`. An invalid list, a
 * `tw` value that breaks its grammar, a repeated `log` key or another value
 * all give TW_LOG_HINT_NONE. */
tw_log_hint tw_log_hint_parse(const char *tracestate, size_t len);

/* ---- Trust boundaries (spec 10 §10.7) ---------------------------------- */

/* The context a restarted trace links back to. */
typedef struct tw_link {
    uint8_t trace_id[TW_TRACE_ID_LEN];
    uint8_t span_id[TW_SPAN_ID_LEN];
    uint8_t trace_flags;
    uint8_t valid; /* 0: there was no context to link to */
} tw_link_t;

/*
 * Restart the trace on entering a trust domain: new random trace-id (random
 * flag set), new span-id, sampled = the local decision (the incoming flag is
 * not honoured), reserved bits, tracestate and unknown fields cleared. The
 * old context goes to *link. The correlation-id and baggage are kept: filter
 * baggage with tw_baggage_filter (tier 2).
 */
TW_NODISCARD tw_status tw_trust_restart(tw_header_t *h, tw_link_t *link, int sampled,
                                        tw_random_fn rnd, void *ctx);

/* Keep only tracestate members whose key is in allow[0..n) (exact match).
 * Returns the output length; out == NULL measures. */
TW_NODISCARD int tw_tracestate_filter(char *out, size_t cap, const char *s, size_t len,
                                      const tw_text_t *allow, size_t n);

/* ---- Response direction (spec 10 §10.10) -------------------------------- */

typedef enum tw_response_relation {
    TW_RESPONSE_NONE = 0,      /* the response carries no context */
    TW_RESPONSE_CONTINUED = 1, /* same trace-id: the callee continued the trace */
    TW_RESPONSE_RESTARTED = 2  /* another trace-id: the callee restarted; link it */
} tw_response_relation;

/* Compare a response's context with the request's. *sampled_upgrade (may be
 * NULL) is set when the response is sampled and the request was not (a
 * deferred sampling decision). */
tw_response_relation tw_response_classify(const tw_header_t *request, const tw_header_t *response,
                                          int *sampled_upgrade);

#ifdef __cplusplus
}
#endif

#endif /* TRACEWIRE_RELAY_H */
