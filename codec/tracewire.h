/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire.h - reference codec for the tracewire v1 trace header. */
#ifndef TRACEWIRE_H
#define TRACEWIRE_H

/*
 * Conventions
 * ===========
 *
 * Memory.   The caller owns every byte. Nothing here allocates, frees, does
 *           I/O, or keeps state between calls. There is nothing to
 *           initialise and nothing to release.
 * Views.    tw_view_t and tw_text_t point into the caller's input buffer.
 *           They are valid for exactly as long as that buffer is, and are
 *           never NUL-terminated.
 * Structs.  tw_header_t is plain data: copy it with memcpy or assignment
 *           (its views keep pointing at the same input).
 * NULL.     A pointer argument may be NULL only where its length is 0, or
 *           where a function says so (encode with out == NULL measures).
 *           Anything else returns TW_E_ARG and touches nothing. Inside a
 *           tw_header_t given to an encoder, an unknown-field view
 *           {NULL, n > 0} is not a field: TW_E_UNKNOWN_FIELD (spec 04
 *           §4.3.2 check 8), as any other malformed view.
 * Returns.  Functions return a tw_status (0 = TW_OK, negative = error) or,
 *           where they produce bytes, the count (>= 0) or a negative
 *           tw_status. On error no output is reported as valid: the
 *           contents of output buffers are then unspecified.
 * Threads.  Every function is reentrant and thread-safe: there are no
 *           mutable globals. The only outside dependency is the random
 *           source used by the *_generate functions (see tw_random_fn).
 * Bounds.   No function reads outside [in, in + len) or writes outside
 *           [out, out + cap), whatever the input. Time is linear in the
 *           input. Inputs longer than the limits below are refused before
 *           any other work.
 * Spec.     Section numbers refer to spec/ in this repository.
 *
 * Options (define before including, or on the compiler command line; the
 * code is correct with none defined):
 *   TW_NO_OS_RANDOM   leave out the getrandom(2) default random source, for
 *                     freestanding builds; then *_generate needs a
 *                     tw_random_fn, and NULL returns TW_E_NO_RANDOM.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TW_NODISCARD __attribute__((warn_unused_result))
#else
#define TW_NODISCARD
#endif

/* Library version (semantic versioning) and the wire version it speaks. */
#define TW_VERSION_MAJOR 0
#define TW_VERSION_MINOR 1
#define TW_VERSION_PATCH 0
#define TW_WIRE_VERSION 1 /* prefix-block version byte, spec 05 §5.2 */

/* ---- Sizes and limits (spec/06-limits.md) ------------------------------ */

#define TW_TRACE_ID_LEN 16       /* bytes */
#define TW_SPAN_ID_LEN 8         /* bytes */
#define TW_CORRELATION_ID_LEN 16 /* bytes, an RFC 9562 UUID */

#define TW_TRACESTATE_MAX_LEN 4096   /* octets of tracestate text */
#define TW_TRACESTATE_MAX_MEMBERS 32 /* non-empty list-members */
#define TW_BAGGAGE_MAX_LEN 8192      /* octets of baggage text */
#define TW_BAGGAGE_MAX_MEMBERS 64    /* list-members */
#define TW_UNKNOWN_MAX_FIELDS 8      /* unknown fields kept per header */
#define TW_HEADER_MAX_LEN 16384      /* octets of one encoded header message */

/* Canonical size of a header holding only trace-id, span-id and flags
 * (flags below 0x80; the reserved top bit costs one more byte). */
#define TW_HEADER_MINIMAL_LEN 30

#define TW_VARINT_MAX_LEN 10      /* protobuf varint */
#define TW_BLOCK_LENGTH_MAX_LEN 9 /* multiformats unsigned-varint */
/* Largest prefix block: version byte, 3-byte length, message. */
#define TW_BLOCK_MAX_LEN (1 + 3 + TW_HEADER_MAX_LEN)

/* Text forms: lowercase hex and RFC 9562 UUID text, without NUL. */
#define TW_TRACE_ID_HEX_LEN 32
#define TW_SPAN_ID_HEX_LEN 16
#define TW_UUID_TEXT_LEN 36

/* ---- Trace flags (spec 04 §4.2.3) -------------------------------------- */

#define TW_FLAG_SAMPLED 0x01u  /* W3C sampled */
#define TW_FLAG_RANDOM 0x02u   /* W3C Level 2 random trace-id */
#define TW_FLAGS_RESERVED 0xFCu /* sent as 0 by originators, kept by relays */

/* ---- Status codes (spec 04 §4.6). Numbers never change. ---------------- */

typedef enum tw_status {
    TW_OK = 0,

    /* Class "truncated" (-1): more input is needed; wait, do not drop. */
    TW_E_TRUNCATED = -1,

    /* Class "malformed" (-16..-31): not a well-formed encoding. */
    TW_E_VARINT = -16,       /* varint over 10 bytes or over 64 bits */
    TW_E_FIELD_NUMBER = -17, /* field number 0, or a tag above 32 bits */
    TW_E_WIRE_TYPE = -18,    /* wire type 3, 4, 6, 7, or wrong for the field */
    TW_E_OVERRUN = -19,      /* a field runs past the end of the message */
    TW_E_BLOCK_LENGTH = -20, /* block length not a minimal <= 9-byte uvarint */
    TW_E_HEX = -21,          /* text is not lowercase hex of the right length */
    TW_E_UUID_TEXT = -22,    /* text is not an 8-4-4-4-12 UUID */
    TW_E_BASE64 = -23,       /* not standard base64 */
    TW_E_JSON = -24,         /* not a JSON object */

    /* Class "invalid" (-32..-47): well-formed, but a value breaks a rule. */
    TW_E_ID_LENGTH = -32,      /* an id is neither empty nor its exact size */
    TW_E_ZERO_ID = -33,        /* all-zero trace-id, span-id or correlation-id */
    TW_E_FLAGS = -34,          /* trace_flags above 255 */
    TW_E_CONTEXT = -35,        /* trace-id without span-id (or the reverse), or
                                  flags/tracestate without ids */
    TW_E_TRACESTATE = -36,     /* tracestate text breaks the W3C grammar */
    TW_E_BAGGAGE = -37,        /* baggage text breaks the W3C grammar */
    TW_E_UNKNOWN_FIELD = -38,  /* encode: an unknown-field view is not one
                                  whole field with an unknown number */
    TW_E_TRACEPARENT = -39,    /* traceparent breaks W3C Trace Context */
    TW_E_B3 = -40,             /* B3 header breaks its format */
    TW_E_JAEGER = -41,         /* uber-trace-id breaks its format */
    TW_E_GRPC_TRACE_BIN = -42, /* grpc-trace-bin breaks its format */
    TW_E_JSON_FIELD = -43,     /* a tracewire key in JSON of the wrong form */

    /* Class "limit" (-48..-63): a size limit of spec 06 is exceeded. */
    TW_E_TOO_LONG = -48,         /* header, tracestate or baggage too long */
    TW_E_TOO_MANY_UNKNOWN = -49, /* more than TW_UNKNOWN_MAX_FIELDS */
    TW_E_TOO_MANY_MEMBERS = -50, /* tracestate or baggage members over limit */

    /* Class "version" (-64): a prefix block of a version this codec does not
     * speak; tw_block_measure() gives its length so it can be skipped. */
    TW_E_VERSION = -64,

    /* Class "usage" (-80..-95): the caller's mistake, not the input's. */
    TW_E_ARG = -80,       /* NULL pointer with a non-zero length, etc. */
    TW_E_BUFFER = -81,    /* output capacity too small */
    TW_E_RANDOM = -82,    /* the random source failed */
    TW_E_NO_RANDOM = -83  /* no random source (TW_NO_OS_RANDOM, rnd NULL) */
} tw_status;

/* Class predicates, by the ranges above. */
#define TW_IS_TRUNCATED(s) ((s) == TW_E_TRUNCATED)
#define TW_IS_MALFORMED(s) ((s) <= -16 && (s) >= -31)
#define TW_IS_INVALID(s) ((s) <= -32 && (s) >= -47)
#define TW_IS_LIMIT(s) ((s) <= -48 && (s) >= -63)
#define TW_IS_VERSION(s) ((s) == TW_E_VERSION)
#define TW_IS_USAGE(s) ((s) <= -80 && (s) >= -95)

/* One-line English description; never NULL ("unknown status" if unknown). */
const char *tw_strerror(int status);
/* The enumerator's name, e.g. "TW_E_TRUNCATED"; never NULL. */
const char *tw_status_name(int status);
/* The class name used by the conformance vectors: "ok", "truncated",
 * "malformed", "invalid", "limit", "version", "usage"; never NULL. */
const char *tw_status_class(int status);

/* ---- The header ------------------------------------------------------- */

/* A view of bytes inside the caller's input. */
typedef struct tw_view {
    const uint8_t *ptr;
    size_t len;
} tw_view_t;

/* A view of text inside the caller's input (not NUL-terminated). */
typedef struct tw_text {
    const char *ptr;
    size_t len;
} tw_text_t;

/*
 * A random source: fill out[0..len) with unpredictable bytes and return 0,
 * or return non-zero on failure. Must be thread-safe if shared. Functions
 * that take one use the OS source (getrandom(2)) when given NULL, unless
 * built with TW_NO_OS_RANDOM.
 */
typedef int (*tw_random_fn)(void *ctx, uint8_t *out, size_t len);

/* tw_header_t.present bits */
#define TW_HAS_CONTEXT 0x01u        /* trace_id, span_id, trace_flags set */
#define TW_HAS_CORRELATION_ID 0x02u /* correlation_id set */

/* tw_header_t.discarded bits (decode only, spec 04 §4.5) */
#define TW_DISCARDED_TRACESTATE 0x01u /* tracestate was invalid: dropped */
#define TW_DISCARDED_BAGGAGE 0x02u    /* baggage was invalid: dropped */

/*
 * The decoded value of a tracewire.v1.TraceHeader (spec 04).
 *
 * Absent ids are all zero; absent text has len 0. After decoding,
 * tracestate, baggage and unknown point into the decoded message.
 * For encoding, fill it yourself: zero it, set present bits, ids, flags,
 * and the text views (any memory you own). Leave discarded, canonical and
 * n_unknown at 0 unless forwarding unknown fields you decoded earlier.
 */
typedef struct tw_header {
    uint8_t trace_id[TW_TRACE_ID_LEN];
    uint8_t span_id[TW_SPAN_ID_LEN];
    uint8_t correlation_id[TW_CORRELATION_ID_LEN];
    uint8_t trace_flags; /* W3C trace-flags: TW_FLAG_* bits */
    uint8_t present;     /* TW_HAS_* bits */
    uint8_t discarded;   /* decode: TW_DISCARDED_* bits */
    uint8_t canonical;   /* decode: 1 if the input was canonical (§4.3) */
    tw_text_t tracestate;
    tw_text_t baggage;
    size_t n_unknown;
    /* Unknown fields in received order, each a whole field: tag, length
     * (for wire type 2) and payload, exactly as received. */
    tw_view_t unknown[TW_UNKNOWN_MAX_FIELDS];
} tw_header_t;

/*
 * Decode one complete TraceHeader message of exactly len bytes (the
 * payload of a protobuf field, or a message whose length the frame gives).
 * Accepts every valid protobuf encoding (spec 04 §4.4): any field order,
 * repeated fields (last one wins), non-minimal varints, unknown fields.
 * A message has no end marker, so a field running past len is malformed
 * (TW_E_OVERRUN), never TW_E_TRUNCATED: use tw_block_decode for streams.
 *
 * Returns len (>= 0) on success, or a negative tw_status; on error *h is
 * unspecified. An invalid tracestate or baggage is dropped, not fatal:
 * see h->discarded.
 *
 *     tw_header_t h;
 *     int n = tw_header_decode(&h, field.ptr, field.len);
 *     if (n < 0) log_warn("trace header ignored: %s", tw_strerror(n));
 *     else if (h.present & TW_HAS_CONTEXT) start_child_span(h.trace_id, h.span_id);
 */
TW_NODISCARD int tw_header_decode(tw_header_t *h, const uint8_t *msg, size_t len);

/*
 * Encode *h in canonical form (spec 04 §4.3) into out[0..cap).
 * With out == NULL, returns the size needed and writes nothing.
 * Validates first: an invalid header is never encoded.
 *
 * Returns the number of bytes written (>= 0), or a negative tw_status
 * (TW_E_BUFFER if cap is too small: then nothing valid was written).
 *
 *     uint8_t buf[TW_HEADER_MINIMAL_LEN];
 *     int n = tw_header_encode(buf, sizeof buf, &h);
 *     if (n < 0) send_without_trace();  // never fail the frame itself
 */
TW_NODISCARD int tw_header_encode(uint8_t *out, size_t cap, const tw_header_t *h);

/* Check *h against every rule an encoder enforces (spec 04 §4.2). */
TW_NODISCARD tw_status tw_header_validate(const tw_header_t *h);

/* ---- Prefix block (spec 05 §5.2) -------------------------------------
 * Block = version (1 byte, never moves) | length (multiformats uvarint,
 * minimal, <= 9 bytes) | TraceHeader message of that length. It is
 * self-delimiting, so a truncated block reports TW_E_TRUNCATED.
 */

/*
 * Read a block's framing only, whatever its version. On success returns the
 * whole block's length and sets *version, *msg_off and *msg_len (any may be
 * NULL). Use it to skip blocks of versions you do not speak.
 * Returns TW_E_TRUNCATED if buf ends before the block does.
 */
TW_NODISCARD int tw_block_measure(const uint8_t *buf, size_t len, unsigned *version,
                                  size_t *msg_off, size_t *msg_len);

/*
 * Decode a version-1 block at the start of buf. Returns the bytes consumed
 * (the block's length; the application frame follows), or a negative
 * tw_status: TW_E_TRUNCATED (wait for more), TW_E_VERSION (skip
 * tw_block_measure() bytes), or any error of tw_header_decode.
 *
 *     int n = tw_block_decode(&h, frame, frame_len);
 *     if (n == TW_E_TRUNCATED) return need_more();
 *     if (n < 0) n = skip_block_or_drop(frame, frame_len);
 *     handle_payload(frame + n, frame_len - n);
 */
TW_NODISCARD int tw_block_decode(tw_header_t *h, const uint8_t *buf, size_t len);

/* The multiformats unsigned varint the block's length uses (spec 05 §5.2),
 * for frames of your own: minimal, at most 9 bytes, values below 2^63.
 * decode returns the bytes read, TW_E_TRUNCATED if buf ends inside it, or
 * TW_E_BLOCK_LENGTH if it is not minimal or too long. encode returns the
 * bytes written (out == NULL measures), TW_E_BUFFER, or TW_E_ARG for a
 * value of 2^63 or more. */
TW_NODISCARD int tw_uvarint_decode(const uint8_t *buf, size_t len, uint64_t *value);
TW_NODISCARD int tw_uvarint_encode(uint8_t *out, size_t cap, uint64_t value);

/* Encode *h as a version-1 block. out == NULL measures. As tw_header_encode. */
TW_NODISCARD int tw_block_encode(uint8_t *out, size_t cap, const tw_header_t *h);

/* ---- Relay span-id rewrite (spec 10 §10.4) ------------------------------
 * A relay that reports no span forwards the header bit-identical. One that
 * reports a span rewrites the span-id in place; the other relay edits
 * (sampled flag, tracestate member) are in tracewire_relay.h.
 */

/*
 * Rewrite the span-id in place: the 8 bytes of the last span_id field (the
 * one decoders read), and nothing else. O(1) on the canonical minimal
 * header; other messages are scanned field by field. TW_E_CONTEXT if there
 * is no 8-byte span_id; a malformed message gives its decode error and is
 * left untouched.
 *
 *     if (tw_relay_set_span_id(msg, len, my_span_id) != TW_OK) forward_unchanged();
 */
TW_NODISCARD tw_status tw_relay_set_span_id(uint8_t *msg, size_t len,
                                            const uint8_t span_id[TW_SPAN_ID_LEN]);

/* ---- Text validation (W3C grammars, spec 04 §4.2.5, §4.2.6) ---------- */

/* tracestate: Level 2 keys, values, at most 32 members and 4096 octets;
 * empty members and spaces/tabs around commas allowed; keys unique. */
TW_NODISCARD tw_status tw_tracestate_validate(const char *s, size_t len);
/* tracestate reading (spec 04 §4.2.5). Editing (put, truncate, filter) is
 * in the relay add-on, tracewire_relay.h. */

/* Iterate members: start with *pos = 0; returns 1 and sets key/value (views
 * into s), 0 at the end, or TW_E_TRACESTATE on a member without '='. Call it
 * on validated text: it splits, it does not validate. */
TW_NODISCARD int tw_tracestate_next(const char *s, size_t len, size_t *pos, tw_text_t *key,
                                    tw_text_t *value);
/* Look a key up. Returns 1 (value set), 0 (absent), or the validation error. */
TW_NODISCARD int tw_tracestate_get(const char *s, size_t len, const char *key, size_t key_len,
                                   tw_text_t *value);
/* baggage: W3C baggage list (keys are tokens, values baggage-octets with
 * percent-encoding kept), at most 64 members and 8192 octets. */
TW_NODISCARD tw_status tw_baggage_validate(const char *s, size_t len);

/* ---- Hex and UUID text (spec 04 §4.8) ---------------------------------- */

/* Write 2*n lowercase hex digits of in[0..n) to out (no NUL). */
void tw_hex_encode(char *out, const uint8_t *in, size_t n);
/* Read exactly 2*n lowercase hex digits into out[0..n). TW_E_HEX on any
 * other character (upper case included: W3C text is lowercase). */
TW_NODISCARD tw_status tw_hex_decode(uint8_t *out, const char *in, size_t n);
/* Write the 36-character lowercase 8-4-4-4-12 form (no NUL). */
void tw_uuid_format(char out[TW_UUID_TEXT_LEN], const uint8_t uuid[TW_CORRELATION_ID_LEN]);
/* Parse exactly 36 characters of 8-4-4-4-12 hex, either case (RFC 9562). */
TW_NODISCARD tw_status tw_uuid_parse(uint8_t out[TW_CORRELATION_ID_LEN], const char *in,
                                     size_t len);

/* ---- Identifiers (spec 04 §4.7) ---------------------- */

/* The default OS source, usable as a tw_random_fn (ctx ignored). */
int tw_os_random(void *ctx, uint8_t *out, size_t len);

/* A trace-id whose 16 bytes are all random and not all zero, so the caller
 * may set TW_FLAG_RANDOM. */
TW_NODISCARD tw_status tw_trace_id_generate(uint8_t out[TW_TRACE_ID_LEN], tw_random_fn rnd,
                                            void *ctx);
/* A random span-id, not all zero. */
TW_NODISCARD tw_status tw_span_id_generate(uint8_t out[TW_SPAN_ID_LEN], tw_random_fn rnd,
                                           void *ctx);
/* A UUIDv4 (122 random bits). */
TW_NODISCARD tw_status tw_uuid4_generate(uint8_t out[TW_CORRELATION_ID_LEN], tw_random_fn rnd,
                                         void *ctx);
/* A UUIDv7: unix_ms (48 bits, milliseconds since 1970) then 74 random
 * bits. The caller supplies the clock so the codec has none. */
TW_NODISCARD tw_status tw_uuid7_generate(uint8_t out[TW_CORRELATION_ID_LEN], uint64_t unix_ms,
                                         tw_random_fn rnd, void *ctx);

/* ---- Interface for the add-ons ------------------------------------------
 * tracewire_relay.c and tracewire_gateway.c build on these; applications
 * must not. Names start with tw__ / TW__ and may change in any release.
 * They live here so that tier 1 stays two files (codec/README.md).
 */

#if defined(__GNUC__) || defined(__clang__)
#define TW__NOINLINE __attribute__((noinline))
#define TW__INLINE static inline __attribute__((always_inline))
#else
#define TW__NOINLINE
#define TW__INLINE static
#endif

/* Character classes of the W3C grammars (tracewire.c). */
#define TW__C_KEY0 0x01u /* tracestate key, first char: lcalpha / DIGIT */
#define TW__C_KEY 0x02u  /* tracestate key: lcalpha DIGIT _ - * / @ */
#define TW__C_VAL 0x04u  /* tracestate value chr: %x20-7E except , = */
#define TW__C_NBLK 0x08u /* tracestate value nblk-chr: chr except SP */
#define TW__C_TOK 0x10u  /* RFC 7230 tchar (baggage keys) */
#define TW__C_BOCT 0x20u /* baggage-octet */
#define TW__C_OWS 0x40u  /* SP / HTAB */
extern const uint8_t tw__ctype[256];

/* Members of a valid tracestate: key offsets and lengths (all < 65536). */
typedef struct {
    uint16_t off[TW_TRACESTATE_MAX_MEMBERS];
    uint16_t klen[TW_TRACESTATE_MAX_MEMBERS];
    size_t n;
} tw__ts_table;

/* Validate a tracestate of at most max_len octets and list its members. */
tw_status tw__tracestate_split(const char *s, size_t len, tw__ts_table *t, size_t max_len);

/* Protobuf varints. */
size_t tw__varint_len(uint64_t v);
uint8_t *tw__write_varint(uint8_t *p, uint64_t v);

/* One field of a message: offsets of its start, payload and end. */
typedef struct {
    size_t start, payload, end;
    uint32_t field;
    unsigned wire_type;
} tw__field;

/* Read the field at *p (any number, any allowed wire type); advance *p. */
int tw__next_field(const uint8_t *msg, const uint8_t **p, const uint8_t *end, tw__field *f);

#ifdef __cplusplus
}
#endif

#endif /* TRACEWIRE_H */
