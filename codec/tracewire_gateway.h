/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire_gateway.h - tier 2: text bridges (W3C, B3, Jaeger, grpc-trace-bin, JSON, sampling). */
#ifndef TRACEWIRE_GATEWAY_H
#define TRACEWIRE_GATEWAY_H

/*
 * Conventions: those of tracewire.h (caller owns memory, no allocation, no
 * state, views into the input, out == NULL measures where a function says
 * so). Parsers fill only the fields they carry: call them on a zeroed
 * tw_header_t, or one whose other fields you mean to keep. Spec chapter:
 * spec/11-gateways.md.
 */

#include "tracewire.h"
#include "tracewire_relay.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- W3C traceparent (spec 11 §11.2) ---------------------------------- */

#define TW_TRACEPARENT_LEN 55 /* version 00: 2+1+32+1+16+1+2 */

/*
 * Parse a traceparent value (Level 2): leading/trailing SP and HTAB are
 * removed first, as HTTP does; then version 00 must be exactly 55
 * characters, higher versions at least 55 with '-' after the flags; version
 * ff is invalid; hex is lowercase; ids not all zero. All 8 flag bits are
 * kept. Sets trace_id, span_id (the parent-id), trace_flags and
 * TW_HAS_CONTEXT; *version (may be NULL) gets the version. TW_E_TRACEPARENT
 * on any violation.
 */
TW_NODISCARD tw_status tw_traceparent_parse(tw_header_t *h, unsigned *version, const char *s,
                                            size_t len);
/* Write version 00 (55 characters, no NUL). Returns 55, TW_E_CONTEXT, or
 * TW_E_ZERO_ID for all-zero ids. */
TW_NODISCARD int tw_traceparent_format(char out[TW_TRACEPARENT_LEN], const tw_header_t *h);

/* ---- W3C baggage (spec 11 §11.4) ------------------------------------- */

/* Iterate members of a baggage text: start with *pos = 0. Returns 1 and
 * sets key, the raw (still percent-encoded) value and the raw properties
 * (text after the first ';', OWS-trimmed, may be empty); 0 at the end;
 * TW_E_BAGGAGE on a member without '='. Splits; does not validate. */
TW_NODISCARD int tw_baggage_next(const char *s, size_t len, size_t *pos, tw_text_t *key,
                                 tw_text_t *value, tw_text_t *props);
/* Percent-decode a raw value ("%" not followed by two hex digits stays as
 * it is), then replace each invalid UTF-8 sequence by U+FFFD. Output is at
 * most 3 * len octets. Returns its length; out == NULL measures. */
TW_NODISCARD int tw_baggage_value_decode(char *out, size_t cap, const char *raw, size_t len);
/* Percent-encode every octet that is not a baggage-octet, and '%' itself
 * (upper-case hex). Returns the length; out == NULL measures. */
TW_NODISCARD int tw_baggage_value_encode(char *out, size_t cap, const char *value, size_t len);
/*
 * The gateway rule (spec 11 §11.4.3): drop members that break the grammar,
 * one by one; keep the first 64 that fit in 8192 octets, in order; a member
 * that would cross a limit is dropped with every member after it. Output
 * members joined by ','. *dropped (may be NULL) counts dropped members.
 * Input of any length. Returns the output length; out == NULL measures.
 */
TW_NODISCARD int tw_baggage_sanitize(char *out, size_t cap, const char *s, size_t len,
                                     size_t *dropped);

/* Keep only baggage members whose key is in allow[0..n) (exact match,
 * case-sensitive): the trust-boundary allow-list (spec 10 §10.7). The input
 * must be valid. Returns the output length; out == NULL measures. */
TW_NODISCARD int tw_baggage_filter(char *out, size_t cap, const char *s, size_t len,
                                   const tw_text_t *allow, size_t n);

/* ---- B3 (spec 11 §11.5) ------------------------------------------------ */

typedef enum tw_b3_sampling {
    TW_B3_DEFER = 0,  /* no decision carried */
    TW_B3_ACCEPT = 1, /* "1" */
    TW_B3_DENY = 2,   /* "0" */
    TW_B3_DEBUG = 3   /* "d", or X-B3-Flags: 1 */
} tw_b3_sampling;

#define TW_B3_SINGLE_MAX_LEN 51 /* 32-16-d */

/* Parse a `b3` single-header value. Hex of either case; 64-bit trace-ids
 * are left-padded. A lone "0"/"1"/"d" carries a decision and no context.
 * Sets the context (TW_FLAG_SAMPLED for accept and debug) or clears
 * TW_HAS_CONTEXT. TW_E_B3 on any violation. */
TW_NODISCARD tw_status tw_b3_parse(tw_header_t *h, tw_b3_sampling *sampling, const char *s,
                                   size_t len);
/* Parse the multi-header form; pass NULL for an absent header. */
TW_NODISCARD tw_status tw_b3_parse_multi(tw_header_t *h, tw_b3_sampling *sampling,
                                         const tw_text_t *trace_id, const tw_text_t *span_id,
                                         const tw_text_t *sampled, const tw_text_t *flags);
/* Write `{trace32}-{span16}-{1|0|d}`: d when debug and sampled (debug
 * implies sampled in B3), 0 for any unsampled trace. Returns the length or
 * TW_E_CONTEXT / TW_E_BUFFER; out == NULL measures. */
TW_NODISCARD int tw_b3_format(char *out, size_t cap, const tw_header_t *h, int debug);

/* ---- Jaeger (spec 11 §11.6) ------------------------------------------- */

#define TW_JAEGER_MAX_LEN 54 /* 32:16:0:ff */

/* Parse `uber-trace-id` ({trace}:{span}:{parent}:{flags}, ':' possibly
 * written %3A). Ids 1..32 / 1..16 hex of either case, left-padded; flags
 * 1..2 hex: 0x01 sampled, 0x02 debug (sets *debug and sampled). TW_E_JAEGER
 * on any violation. */
TW_NODISCARD tw_status tw_jaeger_parse(tw_header_t *h, int *debug, const char *s, size_t len);
/* Write `{trace32}:{span16}:0:{flags}`: 01 sampled, 03 sampled with debug,
 * 00 not sampled (debug is never written for an unsampled trace). Returns
 * the length; out == NULL measures. */
TW_NODISCARD int tw_jaeger_format(char *out, size_t cap, const tw_header_t *h, int debug);

/* One `uberctx-{key}: value` field as a W3C baggage member (spec 11
 * §11.6.2): key = the name after "uberctx-" in lower case; value
 * form-decoded ('+' is a space, %XX an octet; a value with a '%' not
 * followed by two hex digits is taken as it is), then percent-encoded as
 * tw_baggage_value_encode does. name is the whole field name. Returns the
 * member's length; 0 for a bare "uberctx-" or a key that is not a token;
 * out == NULL measures. */
TW_NODISCARD int tw_jaeger_baggage_member(char *out, size_t cap, const char *name, size_t name_len,
                                          const char *value, size_t value_len);
/* A baggage member's raw value as an uberctx value (spec 11 §11.6.3):
 * percent-decoded to octets, then every octet but ALPHA, DIGIT, - . _ ~
 * written as %XX (upper case). Returns the length; out == NULL measures. */
TW_NODISCARD int tw_jaeger_baggage_value(char *out, size_t cap, const char *raw, size_t len);

/* ---- grpc-trace-bin (spec 11 §11.7) ----------------------------------- */

#define TW_GRPC_TRACE_BIN_LEN 29
#define TW_GRPC_TRACE_BIN_B64_LEN 39 /* unpadded */

/* Parse OpenCensus binary context: version 0, then fields 0 (trace-id),
 * 1 (span-id), 2 (options) in order; an unknown field id ends parsing.
 * Trace-id and span-id are required. TW_E_GRPC_TRACE_BIN on violation. */
TW_NODISCARD tw_status tw_grpc_trace_bin_parse(tw_header_t *h, const uint8_t *b, size_t len);
/* Write the 29 bytes; options = sampled bit. Returns 29 or TW_E_CONTEXT. */
TW_NODISCARD int tw_grpc_trace_bin_format(uint8_t out[TW_GRPC_TRACE_BIN_LEN], const tw_header_t *h);
/* Standard base64 (RFC 4648 §4). Input: padding optional but exact, and
 * the bits beyond the data zero, so one byte string has one unpadded and
 * one padded text. Output: unpadded, as gRPC emits. Return lengths or
 * TW_E_BASE64 / TW_E_BUFFER; out == NULL measures. */
TW_NODISCARD int tw_base64_decode(uint8_t *out, size_t cap, const char *s, size_t len);
TW_NODISCARD int tw_base64_encode(char *out, size_t cap, const uint8_t *b, size_t len);

/* ---- JSON form (spec 11 §11.8) ---------------------------------------- */

/*
 * Write {"trace_id":..,"span_id":..,"trace_flags":"01","correlation_id":..,
 * "tracestate":..,"baggage":..}: present fields only, in that order, no
 * white space, strings escaped per RFC 8259. Returns the length;
 * out == NULL measures. Privacy: tracestate and baggage are written as
 * they are, so this is the form for task records at rest; for log lines,
 * redact baggage first (spec 12 §12.6), e.g. with tw_baggage_filter, or
 * clear h->baggage.
 */
TW_NODISCARD int tw_json_format(char *out, size_t cap, const tw_header_t *h);
/*
 * Read the context out of one JSON object (a log line or a task record):
 * the keys above; every other key is skipped, whatever its value (nesting
 * up to 32 deep). Unescaped tracestate and baggage are written to scratch
 * (at least len octets) and h's views point there. The result obeys the
 * header rules (ids together, not zero, valid text). TW_E_JSON for bad
 * JSON, TW_E_JSON_FIELD for a tracewire key of the wrong form or repeated.
 */
TW_NODISCARD tw_status tw_json_parse(tw_header_t *h, char *scratch, size_t scratch_cap,
                                     const char *s, size_t len);

/* ---- Consistent probability sampling (spec 11 §11.9) ------------------ */

#define TW_OT_MAX_THRESHOLD ((uint64_t)1 << 56) /* 2^56: exclusive upper bound */

typedef struct tw_ot {
    int has_th;         /* th present and valid */
    int has_rv;         /* rv present and valid */
    uint64_t threshold; /* T, 56 bits: reject when R < T */
    uint64_t rv;        /* R from rv, 56 bits */
} tw_ot_t;

/* Read the `ot` member of a tracestate. Absent member or sub-keys: has_* 0.
 * An invalid th or rv is treated as absent. TW_OK, or the tracestate's
 * validation error. */
TW_NODISCARD tw_status tw_ot_parse(tw_ot_t *ot, const char *tracestate, size_t len);
/* The randomness R: rv if present, else the trace-id's low 56 bits when
 * TW_FLAG_RANDOM is set. Returns 1 (known) or 0 (unknown). */
int tw_sampling_randomness(uint64_t *r, const tw_header_t *h, const tw_ot_t *ot);
/* Set th in the `ot` member (other sub-keys kept, ot moved to the front) of
 * a tracestate; threshold < 2^56. Returns the new length; out == NULL
 * measures. */
TW_NODISCARD int tw_ot_set_threshold(char *out, size_t cap, const char *tracestate, size_t len,
                                     uint64_t threshold);

#ifdef __cplusplus
}
#endif

#endif /* TRACEWIRE_GATEWAY_H */
