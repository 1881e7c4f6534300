/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire.c - reference codec for the tracewire v1 trace header. */
#include "tracewire.h"

#include <string.h>


/* ======================================================================
 * Character classes for the W3C grammars (spec 04 §4.2.5, §4.2.6).
 * A const table, so there is nothing to initialise; tests/unit_text.c
 * re-derives every bit from the grammar definitions.
 * ====================================================================== */

const uint8_t tw__ctype[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x00 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x10 */
    0x44, 0x3c, 0x0c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x2c, 0x2c, 0x3e, 0x3c, 0x00, 0x3e, 0x3c, 0x2e, /* 0x20 */
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2c, 0x0c, 0x2c, 0x20, 0x2c, 0x2c, /* 0x30 */
    0x2e, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, /* 0x40 */
    0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x3c, 0x2c, 0x0c, 0x2c, 0x3c, 0x3e, /* 0x50 */
    0x3c, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, /* 0x60 */
    0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x2c, 0x3c, 0x2c, 0x3c, 0x00, /* 0x70 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x80 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0x90 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xa0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xb0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xc0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xd0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xe0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 0xf0 */
};

/* ======================================================================
 * Status strings
 * ====================================================================== */

const char *tw_status_name(int status)
{
    switch (status) {
    case TW_OK: return "TW_OK";
    case TW_E_TRUNCATED: return "TW_E_TRUNCATED";
    case TW_E_VARINT: return "TW_E_VARINT";
    case TW_E_FIELD_NUMBER: return "TW_E_FIELD_NUMBER";
    case TW_E_WIRE_TYPE: return "TW_E_WIRE_TYPE";
    case TW_E_OVERRUN: return "TW_E_OVERRUN";
    case TW_E_BLOCK_LENGTH: return "TW_E_BLOCK_LENGTH";
    case TW_E_HEX: return "TW_E_HEX";
    case TW_E_UUID_TEXT: return "TW_E_UUID_TEXT";
    case TW_E_BASE64: return "TW_E_BASE64";
    case TW_E_JSON: return "TW_E_JSON";
    case TW_E_ID_LENGTH: return "TW_E_ID_LENGTH";
    case TW_E_ZERO_ID: return "TW_E_ZERO_ID";
    case TW_E_FLAGS: return "TW_E_FLAGS";
    case TW_E_CONTEXT: return "TW_E_CONTEXT";
    case TW_E_TRACESTATE: return "TW_E_TRACESTATE";
    case TW_E_BAGGAGE: return "TW_E_BAGGAGE";
    case TW_E_UNKNOWN_FIELD: return "TW_E_UNKNOWN_FIELD";
    case TW_E_TRACEPARENT: return "TW_E_TRACEPARENT";
    case TW_E_B3: return "TW_E_B3";
    case TW_E_JAEGER: return "TW_E_JAEGER";
    case TW_E_GRPC_TRACE_BIN: return "TW_E_GRPC_TRACE_BIN";
    case TW_E_JSON_FIELD: return "TW_E_JSON_FIELD";
    case TW_E_TOO_LONG: return "TW_E_TOO_LONG";
    case TW_E_TOO_MANY_UNKNOWN: return "TW_E_TOO_MANY_UNKNOWN";
    case TW_E_TOO_MANY_MEMBERS: return "TW_E_TOO_MANY_MEMBERS";
    case TW_E_VERSION: return "TW_E_VERSION";
    case TW_E_ARG: return "TW_E_ARG";
    case TW_E_BUFFER: return "TW_E_BUFFER";
    case TW_E_RANDOM: return "TW_E_RANDOM";
    case TW_E_NO_RANDOM: return "TW_E_NO_RANDOM";
    default: return "TW_E_UNKNOWN_STATUS";
    }
}

const char *tw_strerror(int status)
{
    switch (status) {
    case TW_OK: return "success";
    case TW_E_TRUNCATED: return "input ends before the block does; more bytes are needed";
    case TW_E_VARINT: return "varint longer than 10 bytes or above 64 bits";
    case TW_E_FIELD_NUMBER: return "field number 0 or tag above 32 bits";
    case TW_E_WIRE_TYPE: return "wire type not allowed, or wrong for a known field";
    case TW_E_OVERRUN: return "a field runs past the end of the message";
    case TW_E_BLOCK_LENGTH: return "block length is not a minimal unsigned varint of at most 9 bytes";
    case TW_E_HEX: return "not lowercase hex of the expected length";
    case TW_E_UUID_TEXT: return "not an 8-4-4-4-12 hex UUID";
    case TW_E_BASE64: return "not standard base64";
    case TW_E_JSON: return "not a well-formed JSON object";
    case TW_E_ID_LENGTH: return "an id field has the wrong length";
    case TW_E_ZERO_ID: return "an id is all zero";
    case TW_E_FLAGS: return "trace_flags above 255";
    case TW_E_CONTEXT: return "trace-id and span-id must come together, with flags and tracestate only beside them";
    case TW_E_TRACESTATE: return "tracestate breaks the W3C grammar";
    case TW_E_BAGGAGE: return "baggage breaks the W3C grammar";
    case TW_E_UNKNOWN_FIELD: return "an unknown-field view is not one whole field with an unknown number";
    case TW_E_TRACEPARENT: return "traceparent breaks W3C Trace Context";
    case TW_E_B3: return "B3 header breaks its format";
    case TW_E_JAEGER: return "uber-trace-id breaks its format";
    case TW_E_GRPC_TRACE_BIN: return "grpc-trace-bin breaks its format";
    case TW_E_JSON_FIELD: return "a tracewire key in JSON has the wrong form or is repeated";
    case TW_E_TOO_LONG: return "longer than the spec's limit";
    case TW_E_TOO_MANY_UNKNOWN: return "more unknown fields than the limit";
    case TW_E_TOO_MANY_MEMBERS: return "more list-members than the limit";
    case TW_E_VERSION: return "block version not spoken here; skip it by its length";
    case TW_E_ARG: return "invalid argument";
    case TW_E_BUFFER: return "output buffer too small";
    case TW_E_RANDOM: return "random source failed";
    case TW_E_NO_RANDOM: return "no random source available";
    default: return "unknown status";
    }
}

const char *tw_status_class(int status)
{
    if (status >= 0) return "ok";
    if (TW_IS_TRUNCATED(status)) return "truncated";
    if (TW_IS_MALFORMED(status)) return "malformed";
    if (TW_IS_INVALID(status)) return "invalid";
    if (TW_IS_LIMIT(status)) return "limit";
    if (TW_IS_VERSION(status)) return "version";
    if (TW_IS_USAGE(status)) return "usage";
    return "unknown";
}

/* ======================================================================
 * Small helpers
 * ====================================================================== */

/* Is an id all zero? n is 8 or 16: two or one 64-bit loads, no loop. */
static int tw_all_zero(const uint8_t *p, size_t n)
{
    uint64_t a, b = 0;
    memcpy(&a, p, 8);
    if (n == 16) memcpy(&b, p + 8, 8);
    return (a | b) == 0;
}

/* Protobuf varint (spec 04 §4.4): at most 10 bytes, the 10th 0 or 1.
 * *minimal is cleared when the encoding is longer than needed. Inlined
 * into every caller, so its outputs stay in registers. */
TW__INLINE int tw_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out, int *minimal)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    unsigned i;
    for (i = 0; i < TW_VARINT_MAX_LEN; i++) {
        uint8_t b;
        if (p == end) return TW_E_OVERRUN;
        b = *p++;
        if (i == TW_VARINT_MAX_LEN - 1 && b > 1) return TW_E_VARINT;
        v |= (uint64_t)(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            if (i > 0 && b == 0) *minimal = 0;
            *out = v;
            *pp = p;
            return TW_OK;
        }
    }
    return TW_E_VARINT; /* not reached: the 10th byte check returns first */
}

size_t tw__varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

uint8_t *tw__write_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80u) {
        *p++ = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Skip one field's payload given its wire type; used for unknown fields. */
TW__INLINE int tw_skip_payload(const uint8_t **pp, const uint8_t *end, unsigned wire_type)
{
    uint64_t v;
    int minimal = 1;
    int st;
    switch (wire_type) {
    case 0:
        return tw_varint(pp, end, &v, &minimal);
    case 1:
        if ((size_t)(end - *pp) < 8) return TW_E_OVERRUN;
        *pp += 8;
        return TW_OK;
    case 5:
        if ((size_t)(end - *pp) < 4) return TW_E_OVERRUN;
        *pp += 4;
        return TW_OK;
    case 2:
        st = tw_varint(pp, end, &v, &minimal);
        if (st != TW_OK) return st;
        if (v > (uint64_t)(end - *pp)) return TW_E_OVERRUN;
        *pp += (size_t)v;
        return TW_OK;
    default:
        return TW_E_WIRE_TYPE;
    }
}

/* Read a tag; rejects tags above 32 bits, field number 0 and wire types
 * 3, 4, 6, 7 (spec 04 §4.4). */
TW__INLINE int tw_read_tag(const uint8_t **pp, const uint8_t *end, uint32_t *field, unsigned *wire_type,
                       int *minimal)
{
    uint64_t key;
    int st = tw_varint(pp, end, &key, minimal);
    if (st != TW_OK) return st;
    if (key > 0xFFFFFFFFu || (key >> 3) == 0) return TW_E_FIELD_NUMBER;
    *field = (uint32_t)(key >> 3);
    *wire_type = (unsigned)(key & 7u);
    if (*wire_type == 3 || *wire_type == 4 || *wire_type > 5) return TW_E_WIRE_TYPE;
    return TW_OK;
}

/* ======================================================================
 * W3C text grammars
 * ====================================================================== */

/* Members in a comma-separated list: pieces holding anything but SP/HTAB.
 * Used only after a grammar error, so that the limit is reported first. */
static size_t tw_count_members(const uint8_t *b, size_t len)
{
    size_t i, n = 0;
    int filled = 0;
    for (i = 0; i < len; i++) {
        if (b[i] == ',') {
            n += (size_t)filled;
            filled = 0;
        } else if (!(tw__ctype[b[i]] & TW__C_OWS)) {
            filled = 1;
        }
    }
    return n + (size_t)filled;
}

/* Is the key at b[k0..k0+klen) the key of an earlier member (before k0)?
 * Walks the members before it; called only on a hash collision. */
static int tw_ts_key_seen(const uint8_t *b, size_t k0, size_t klen)
{
    size_t i = 0;
    while (i < k0) {
        size_t s;
        while (i < k0 && (b[i] == ',' || (tw__ctype[b[i]] & TW__C_OWS))) i++;
        s = i;
        while (i < k0 && b[i] != '=') i++;
        if (i - s == klen && memcmp(b + s, b + k0, klen) == 0) return 1;
        while (i < k0 && b[i] != ',') i++;
    }
    return 0;
}

/* Grammar only (spec 04 §4.2.5); the caller has checked the length. When
 * t is not NULL it gets the members. Keys are checked for uniqueness with
 * a 64-bit set of key hashes, and an exact walk only on a collision, so
 * plain validation needs no table on the stack. */
static tw_status tw_tracestate_scan(const uint8_t *b, size_t len, tw__ts_table *t)
{
    size_t i = 0, n = 0;
    uint64_t seen = 0;

    /* OWS may open the first member only if that member is empty */
    while (i < len && (tw__ctype[b[i]] & TW__C_OWS)) i++;
    if (i > 0 && i < len && b[i] != ',') return TW_E_TRACESTATE;
    for (;;) {
        if (i < len && b[i] != ',') {
            size_t k0 = i, klen, v0, vend;
            uint64_t bit;
            if (n == TW_TRACESTATE_MAX_MEMBERS) return TW_E_TOO_MANY_MEMBERS;
            if (!(tw__ctype[b[i]] & TW__C_KEY0)) return TW_E_TRACESTATE;
            i++;
            while (i < len && (tw__ctype[b[i]] & TW__C_KEY)) i++;
            klen = i - k0;
            if (klen > 256 || i == len || b[i] != '=') return TW_E_TRACESTATE;
            /* value: a run of chr ending in nblk-chr; SP after it is OWS */
            v0 = ++i;
            while (i < len && (tw__ctype[b[i]] & TW__C_VAL)) i++;
            vend = i;
            while (vend > v0 && b[vend - 1] == ' ') vend--;
            if (vend == v0 || vend - v0 > 256) return TW_E_TRACESTATE;
            while (i < len && (tw__ctype[b[i]] & TW__C_OWS)) i++;
            /* OWS may close a member only before a comma */
            if (i == len ? i != vend : b[i] != ',') return TW_E_TRACESTATE;
            bit = (uint64_t)1 << ((klen * 7u + b[k0] + b[k0 + klen - 1] * 3u) & 63u);
            if ((seen & bit) && tw_ts_key_seen(b, k0, klen)) return TW_E_TRACESTATE;
            seen |= bit;
            if (t != NULL) {
                t->off[n] = (uint16_t)k0;
                t->klen[n] = (uint16_t)klen;
            }
            n++;
        }
        if (i == len) break;
        i++; /* the comma, then OWS before the next member */
        while (i < len && (tw__ctype[b[i]] & TW__C_OWS)) i++;
    }
    if (t != NULL) t->n = n;
    return TW_OK;
}

/* Validate and split (t may be NULL); limits before grammar (§4.2.5).
 * max_len is the length limit: TW_TRACESTATE_MAX_LEN, or more for text
 * being truncated. */
TW__NOINLINE tw_status tw__tracestate_split(const char *s, size_t len, tw__ts_table *t, size_t max_len)
{
    const uint8_t *b = (const uint8_t *)s;
    tw_status st;
    if (s == NULL && len != 0) return TW_E_ARG;
    if (len > max_len) return TW_E_TOO_LONG;
    st = tw_tracestate_scan(b, len, t);
    if (st == TW_E_TRACESTATE && tw_count_members(b, len) > TW_TRACESTATE_MAX_MEMBERS)
        return TW_E_TOO_MANY_MEMBERS;
    return st;
}

tw_status tw_tracestate_validate(const char *s, size_t len)
{
    return tw__tracestate_split(s, len, NULL, TW_TRACESTATE_MAX_LEN);
}

TW__NOINLINE int tw_tracestate_next(const char *s, size_t len, size_t *pos, tw_text_t *key, tw_text_t *value)
{
    const uint8_t *b = (const uint8_t *)s;
    size_t i;
    if ((s == NULL && len != 0) || pos == NULL || key == NULL || value == NULL) return TW_E_ARG;
    for (i = *pos; i < len;) {
        size_t k0, kend, vend;
        while (i < len && (tw__ctype[b[i]] & TW__C_OWS)) i++;
        if (i < len && b[i] == ',') { /* empty member */
            i++;
            continue;
        }
        if (i == len) break;
        k0 = i;
        while (i < len && b[i] != ',') i++;
        vend = i;
        while (vend > k0 && (tw__ctype[b[vend - 1]] & TW__C_OWS)) vend--;
        for (kend = k0; kend < vend && b[kend] != '='; kend++) {}
        if (kend == vend) return TW_E_TRACESTATE; /* no '=': not a valid list */
        key->ptr = s + k0;
        key->len = kend - k0;
        value->ptr = s + kend + 1;
        value->len = vend - kend - 1;
        *pos = i < len ? i + 1 : i;
        return 1;
    }
    *pos = len;
    return 0;
}

int tw_tracestate_get(const char *s, size_t len, const char *key, size_t key_len, tw_text_t *value)
{
    size_t pos = 0;
    tw_text_t k;
    int st;
    if (value == NULL || (key == NULL && key_len != 0)) return TW_E_ARG;
    st = tw_tracestate_validate(s, len);
    if (st == TW_OK) {
        while ((st = tw_tracestate_next(s, len, &pos, &k, value)) == 1)
            if (k.len == key_len && memcmp(k.ptr, key, key_len) == 0) return 1;
    }
    value->ptr = NULL; /* absent, or the validation error */
    value->len = 0;
    return st;
}

/* Baggage key (token) at b[i..]; returns the index after it, or i if empty. */
static size_t tw_bg_token(const uint8_t *b, size_t i, size_t len)
{
    while (i < len && (tw__ctype[b[i]] & TW__C_TOK)) i++;
    return i;
}

static size_t tw_bg_ows(const uint8_t *b, size_t i, size_t len)
{
    while (i < len && (tw__ctype[b[i]] & TW__C_OWS)) i++;
    return i;
}

/* Grammar only (spec 04 §4.2.6); the caller has checked the length. */
static tw_status tw_baggage_scan(const uint8_t *b, size_t len)
{
    size_t i, j, members = 0;
    i = tw_bg_ows(b, 0, len);
    for (;;) {
        /* key OWS "=" OWS value */
        j = tw_bg_token(b, i, len);
        if (j == i) return TW_E_BAGGAGE; /* also: empty text, empty member */
        if (++members > TW_BAGGAGE_MAX_MEMBERS) return TW_E_TOO_MANY_MEMBERS;
        i = tw_bg_ows(b, j, len);
        if (i == len || b[i] != '=') return TW_E_BAGGAGE;
        i = tw_bg_ows(b, i + 1, len);
        while (i < len && (tw__ctype[b[i]] & TW__C_BOCT)) i++;
        /* *( OWS ";" OWS property ) */
        for (;;) {
            i = tw_bg_ows(b, i, len);
            if (i == len || b[i] != ';') break;
            i = tw_bg_ows(b, i + 1, len);
            j = tw_bg_token(b, i, len);
            if (j == i) return TW_E_BAGGAGE;
            i = tw_bg_ows(b, j, len);
            if (i < len && b[i] == '=') {
                i = tw_bg_ows(b, i + 1, len);
                while (i < len && (tw__ctype[b[i]] & TW__C_BOCT)) i++;
            }
        }
        if (i == len) return TW_OK;
        if (b[i] != ',') return TW_E_BAGGAGE;
        i = tw_bg_ows(b, i + 1, len);
    }
}

tw_status tw_baggage_validate(const char *s, size_t len)
{
    const uint8_t *b = (const uint8_t *)s;
    tw_status st;
    if (s == NULL && len != 0) return TW_E_ARG;
    if (len > TW_BAGGAGE_MAX_LEN) return TW_E_TOO_LONG;
    st = tw_baggage_scan(b, len);
    if (st == TW_E_BAGGAGE && tw_count_members(b, len) > TW_BAGGAGE_MAX_MEMBERS)
        return TW_E_TOO_MANY_MEMBERS; /* limits before grammar (§4.2.6) */
    return st;
}

/* ======================================================================
 * Header decode (spec 04 §4.4)
 * ====================================================================== */

/* The canonical minimal header: 0a 10 <16> 12 08 <8> [18 <flags>]. Each
 * pair of bytes is compared as one 16-bit value (compilers merge the two
 * loads into one on any byte order). */
static int tw_is_minimal_layout(const uint8_t *m)
{
    return (unsigned)(m[0] | m[1] << 8) == 0x100Au && (unsigned)(m[18] | m[19] << 8) == 0x0812u;
}

/* correlation_id through n_unknown are contiguous: one memset clears them
 * (flags, present, discarded and canonical are set again by the caller). */
static void tw_clear_optional(tw_header_t *h)
{
    memset(h->correlation_id, 0, offsetof(tw_header_t, unknown) - offsetof(tw_header_t, correlation_id));
}

/* The general path (spec 04 §4.4): any valid encoding, every rule but the
 * text grammars. Kept out of line so that the fast path pays for nothing. */
static TW__NOINLINE int tw_decode_general(tw_header_t *h, const uint8_t *msg, size_t len)
{
    const uint8_t *p, *end;
    size_t tid_len = 0, sid_len = 0, cid_len = 0;
    uint64_t flags = 0;
    uint32_t last_known = 0;
    int canonical = 1, seen_unknown = 0;

    h->n_unknown = 0;
    h->present = 0;
    h->discarded = 0;
    h->tracestate.ptr = NULL;
    h->tracestate.len = 0;
    h->baggage.ptr = NULL;
    h->baggage.len = 0;
    p = msg;
    end = msg + len;
    while (p < end) {
        const uint8_t *field_start = p;
        uint32_t field;
        unsigned wt;
        uint64_t v;
        int tag_minimal = 1;
        int st = tw_read_tag(&p, end, &field, &wt, &tag_minimal);
        if (st != TW_OK) return st;

        /* Unknown fields are forwarded verbatim, so only a known field's
         * encoding decides whether the input is canonical. */
        if (field > 6) { /* unknown: keep it whole, as received (§4.2.7) */
            st = tw_skip_payload(&p, end, wt);
            if (st != TW_OK) return st;
            if (h->n_unknown == TW_UNKNOWN_MAX_FIELDS) return TW_E_TOO_MANY_UNKNOWN;
            h->unknown[h->n_unknown].ptr = field_start;
            h->unknown[h->n_unknown].len = (size_t)(p - field_start);
            h->n_unknown++;
            seen_unknown = 1;
            continue;
        }
        if (wt != (field == 3 ? 0u : 2u)) return TW_E_WIRE_TYPE;
        if (!tag_minimal || seen_unknown || field <= last_known) canonical = 0;
        last_known = field;

        st = tw_varint(&p, end, &v, &canonical);
        if (st != TW_OK) return st;
        if (field == 3) {
            if (v > 0xFFFFFFFFu) return TW_E_FLAGS;
            if (v == 0) canonical = 0;
            flags = v;
            continue;
        }
        if (v > (uint64_t)(end - p)) return TW_E_OVERRUN;
        if (v == 0) canonical = 0;
        /* per-occurrence size checks (§4.4); the bytes go straight to *h */
        switch (field) {
        case 1:
            if (v > TW_TRACE_ID_LEN) return TW_E_ID_LENGTH;
            tid_len = (size_t)v;
            if (v == TW_TRACE_ID_LEN) memcpy(h->trace_id, p, TW_TRACE_ID_LEN);
            break;
        case 2:
            if (v > TW_SPAN_ID_LEN) return TW_E_ID_LENGTH;
            sid_len = (size_t)v;
            if (v == TW_SPAN_ID_LEN) memcpy(h->span_id, p, TW_SPAN_ID_LEN);
            break;
        case 4:
            if (v > TW_CORRELATION_ID_LEN) return TW_E_ID_LENGTH;
            cid_len = (size_t)v;
            if (v == TW_CORRELATION_ID_LEN) memcpy(h->correlation_id, p, TW_CORRELATION_ID_LEN);
            break;
        case 5:
            if (v > TW_TRACESTATE_MAX_LEN) return TW_E_TOO_LONG;
            h->tracestate.ptr = v ? (const char *)p : NULL;
            h->tracestate.len = (size_t)v;
            break;
        default: /* 6 */
            if (v > TW_BAGGAGE_MAX_LEN) return TW_E_TOO_LONG;
            h->baggage.ptr = v ? (const char *)p : NULL;
            h->baggage.len = (size_t)v;
            break;
        }
        p += (size_t)v;
    }

    /* Final values, in the order of §4.4. */
    if ((tid_len != 0 && tid_len != TW_TRACE_ID_LEN) || (sid_len != 0 && sid_len != TW_SPAN_ID_LEN) ||
        (cid_len != 0 && cid_len != TW_CORRELATION_ID_LEN))
        return TW_E_ID_LENGTH;
    if (flags > 0xFFu) return TW_E_FLAGS;
    if ((tid_len == 0) != (sid_len == 0) || (tid_len == 0 && (flags != 0 || h->tracestate.len != 0)))
        return TW_E_CONTEXT;
    if ((tid_len && tw_all_zero(h->trace_id, TW_TRACE_ID_LEN)) || (sid_len && tw_all_zero(h->span_id, TW_SPAN_ID_LEN)) ||
        (cid_len && tw_all_zero(h->correlation_id, TW_CORRELATION_ID_LEN)))
        return TW_E_ZERO_ID;
    if (tid_len) {
        h->present |= TW_HAS_CONTEXT;
    } else {
        memset(h->trace_id, 0, TW_TRACE_ID_LEN);
        memset(h->span_id, 0, TW_SPAN_ID_LEN);
    }
    h->trace_flags = (uint8_t)flags;
    if (cid_len) h->present |= TW_HAS_CORRELATION_ID;
    else memset(h->correlation_id, 0, TW_CORRELATION_ID_LEN);
    h->canonical = (uint8_t)canonical;
    return (int)len;
}

/* An invalid tracestate or baggage is dropped, not fatal (§4.5). Out of
 * line and reached by a tail call, so the validators' stack does not add to
 * the field walk's. Returns n. */
static TW__NOINLINE int tw_decode_texts(tw_header_t *h, int n)
{
    if (h->tracestate.len && tw_tracestate_validate(h->tracestate.ptr, h->tracestate.len) != TW_OK) {
        h->discarded |= TW_DISCARDED_TRACESTATE;
        h->tracestate.ptr = NULL;
        h->tracestate.len = 0;
        h->canonical = 0;
    }
    if (h->baggage.len && tw_baggage_validate(h->baggage.ptr, h->baggage.len) != TW_OK) {
        h->discarded |= TW_DISCARDED_BAGGAGE;
        h->baggage.ptr = NULL;
        h->baggage.len = 0;
        h->canonical = 0;
    }
    return n;
}

/* Every message but the minimal one: the general path, then the texts. */
static TW__NOINLINE int tw_decode_slow(tw_header_t *h, const uint8_t *msg, size_t len)
{
    int n;
    if (h == NULL || (msg == NULL && len != 0)) return TW_E_ARG;
    if (len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    if (len == 0) { /* an empty message: no context (and msg may be NULL) */
        memset(h->trace_id, 0, TW_TRACE_ID_LEN);
        memset(h->span_id, 0, TW_SPAN_ID_LEN);
        tw_clear_optional(h);
        h->canonical = 1;
        return 0;
    }
    n = tw_decode_general(h, msg, len);
    if (n < 0 || (h->tracestate.len | h->baggage.len) == 0) return n;
    return tw_decode_texts(h, n);
}

int tw_header_decode(tw_header_t *h, const uint8_t *msg, size_t len)
{
    /* Fast path: the canonical minimal header at fixed offsets (§4.3):
     * 28 bytes (flags 0) or 30 bytes ending 18 XX with XX in 01..7f.
     * Everything else is a tail call, so this path saves no registers. */
    if (h != NULL && msg != NULL &&
        (len == TW_HEADER_MINIMAL_LEN - 2 ||
         (len == TW_HEADER_MINIMAL_LEN && msg[28] == 0x18 && (uint8_t)(msg[29] - 1u) < 0x7Fu)) &&
        tw_is_minimal_layout(msg)) {
        if (tw_all_zero(msg + 2, TW_TRACE_ID_LEN) || tw_all_zero(msg + 20, TW_SPAN_ID_LEN)) return TW_E_ZERO_ID;
        memcpy(h->trace_id, msg + 2, TW_TRACE_ID_LEN);
        memcpy(h->span_id, msg + 20, TW_SPAN_ID_LEN);
        tw_clear_optional(h);
        h->trace_flags = len == TW_HEADER_MINIMAL_LEN ? msg[29] : 0;
        h->present = TW_HAS_CONTEXT;
        h->canonical = 1;
        return (int)len;
    }
    return tw_decode_slow(h, msg, len);
}

/* ======================================================================
 * Header encode (spec 04 §4.3)
 * ====================================================================== */

/* An unknown-field view must be exactly one well-formed field whose number
 * is not one v1 defines. */
static TW__NOINLINE int tw_check_unknown_view(const tw_view_t *u)
{
    const uint8_t *p = u->ptr, *end;
    uint32_t field;
    unsigned wt;
    int minimal = 1;
    if (u->ptr == NULL || u->len == 0) return TW_E_UNKNOWN_FIELD;
    end = p + u->len;
    if (tw_read_tag(&p, end, &field, &wt, &minimal) != TW_OK || field <= 6) return TW_E_UNKNOWN_FIELD;
    if (tw_skip_payload(&p, end, wt) != TW_OK || p != end) return TW_E_UNKNOWN_FIELD;
    return TW_OK;
}

tw_status tw_header_validate(const tw_header_t *h)
{
    size_t i;
    int st;
    if (h == NULL) return TW_E_ARG;
    if ((h->present & ~(TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID)) != 0) return TW_E_ARG;
    if ((h->tracestate.ptr == NULL && h->tracestate.len != 0) ||
        (h->baggage.ptr == NULL && h->baggage.len != 0))
        return TW_E_ARG;
    if (h->present & TW_HAS_CONTEXT) {
        if (tw_all_zero(h->trace_id, TW_TRACE_ID_LEN) || tw_all_zero(h->span_id, TW_SPAN_ID_LEN))
            return TW_E_ZERO_ID;
    } else if (h->trace_flags != 0 || h->tracestate.len != 0) {
        return TW_E_CONTEXT;
    }
    if ((h->present & TW_HAS_CORRELATION_ID) && tw_all_zero(h->correlation_id, TW_CORRELATION_ID_LEN))
        return TW_E_ZERO_ID;
    if (h->tracestate.len) {
        st = tw_tracestate_validate(h->tracestate.ptr, h->tracestate.len);
        if (st != TW_OK) return (tw_status)st;
    }
    if (h->baggage.len) {
        st = tw_baggage_validate(h->baggage.ptr, h->baggage.len);
        if (st != TW_OK) return (tw_status)st;
    }
    if (h->n_unknown > TW_UNKNOWN_MAX_FIELDS) return TW_E_TOO_MANY_UNKNOWN;
    for (i = 0; i < h->n_unknown; i++) {
        st = tw_check_unknown_view(&h->unknown[i]);
        if (st != TW_OK) return (tw_status)st;
    }
    return TW_OK;
}

/* Size of the canonical encoding of a validated header. */
static size_t tw_encoded_len(const tw_header_t *h)
{
    size_t n = 0, i;
    if (h->present & TW_HAS_CONTEXT) {
        n += 2 + TW_TRACE_ID_LEN + 2 + TW_SPAN_ID_LEN;
        if (h->trace_flags) n += 1 + tw__varint_len(h->trace_flags);
    }
    if (h->present & TW_HAS_CORRELATION_ID) n += 2 + TW_CORRELATION_ID_LEN;
    if (h->tracestate.len) n += 1 + tw__varint_len(h->tracestate.len) + h->tracestate.len;
    if (h->baggage.len) n += 1 + tw__varint_len(h->baggage.len) + h->baggage.len;
    for (i = 0; i < h->n_unknown; i++) n += h->unknown[i].len;
    return n;
}

static uint8_t *tw_put_bytes(uint8_t *p, uint8_t tag, const void *src, size_t n)
{
    *p++ = tag;
    p = tw__write_varint(p, n);
    memcpy(p, src, n);
    return p + n;
}

/* Write a validated header's canonical bytes at p; returns the end. */
static uint8_t *tw_write_msg(uint8_t *p, const tw_header_t *h)
{
    size_t i;
    if (h->present & TW_HAS_CONTEXT) {
        p = tw_put_bytes(p, 0x0A, h->trace_id, TW_TRACE_ID_LEN);
        p = tw_put_bytes(p, 0x12, h->span_id, TW_SPAN_ID_LEN);
        if (h->trace_flags) {
            *p++ = 0x18;
            p = tw__write_varint(p, h->trace_flags);
        }
    }
    if (h->present & TW_HAS_CORRELATION_ID) p = tw_put_bytes(p, 0x22, h->correlation_id, TW_CORRELATION_ID_LEN);
    if (h->tracestate.len) p = tw_put_bytes(p, 0x2A, h->tracestate.ptr, h->tracestate.len);
    if (h->baggage.len) p = tw_put_bytes(p, 0x32, h->baggage.ptr, h->baggage.len);
    for (i = 0; i < h->n_unknown; i++) {
        memcpy(p, h->unknown[i].ptr, h->unknown[i].len);
        p += h->unknown[i].len;
    }
    return p;
}

/* Every header that is not the minimal one: validate, measure, write. */
static TW__NOINLINE int tw_encode_general(uint8_t *out, size_t cap, const tw_header_t *h)
{
    size_t need;
    int st = tw_header_validate(h); /* TW_E_ARG for h == NULL */
    if (st != TW_OK) return st;
    need = tw_encoded_len(h);
    if (need > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    if (out == NULL) return (int)need;
    if (cap < need) return TW_E_BUFFER;
    return (int)(tw_write_msg(out, h) - out);
}

/* The 28 bytes of ids at their fixed offsets (§4.3). */
static void tw_put_ids(uint8_t *out, const tw_header_t *h)
{
    out[0] = 0x0A;
    out[1] = 0x10;
    memcpy(out + 2, h->trace_id, TW_TRACE_ID_LEN);
    out[18] = 0x12;
    out[19] = 0x08;
    memcpy(out + 20, h->span_id, TW_SPAN_ID_LEN);
}

int tw_header_encode(uint8_t *out, size_t cap, const tw_header_t *h)
{
    unsigned w;
    /* Fast path: ids and flags only (the common hop header). Everything
     * else is a tail call. w holds flags and present, two adjacent bytes
     * read at once: present == TW_HAS_CONTEXT and flags < 0x80. */
    if (h == NULL) return tw_encode_general(out, cap, h);
    w = (unsigned)(h->trace_flags | h->present << 8);
    if ((w & 0xFF80u) != (TW_HAS_CONTEXT << 8) || (h->tracestate.len | h->baggage.len | h->n_unknown) != 0)
        return tw_encode_general(out, cap, h);
    if (tw_all_zero(h->trace_id, TW_TRACE_ID_LEN) || tw_all_zero(h->span_id, TW_SPAN_ID_LEN)) return TW_E_ZERO_ID;
    if (w & 0xFFu) { /* sampled or random: 30 bytes */
        if (out == NULL) return TW_HEADER_MINIMAL_LEN;
        if (cap < TW_HEADER_MINIMAL_LEN) return TW_E_BUFFER;
        tw_put_ids(out, h);
        out[28] = 0x18;
        out[29] = (uint8_t)w;
        return TW_HEADER_MINIMAL_LEN;
    }
    if (out == NULL) return TW_HEADER_MINIMAL_LEN - 2; /* flags 0: 28 bytes */
    if (cap < TW_HEADER_MINIMAL_LEN - 2) return TW_E_BUFFER;
    tw_put_ids(out, h);
    return TW_HEADER_MINIMAL_LEN - 2;
}

/* ======================================================================
 * Prefix block (spec 05 §5.2)
 * ====================================================================== */

int tw_uvarint_decode(const uint8_t *buf, size_t len, uint64_t *value)
{
    uint64_t v = 0;
    size_t i;
    if ((buf == NULL && len != 0) || value == NULL) return TW_E_ARG;
    for (i = 0;; i++) {
        uint8_t b;
        if (i == TW_BLOCK_LENGTH_MAX_LEN) return TW_E_BLOCK_LENGTH;
        if (i >= len) return TW_E_TRUNCATED;
        b = buf[i];
        v |= (uint64_t)(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            if (i > 0 && b == 0) return TW_E_BLOCK_LENGTH; /* not minimal */
            *value = v;
            return (int)(i + 1);
        }
    }
}

int tw_uvarint_encode(uint8_t *out, size_t cap, uint64_t value)
{
    size_t n = tw__varint_len(value);
    if (value >> 63) return TW_E_ARG;
    if (out == NULL) return (int)n;
    if (cap < n) return TW_E_BUFFER;
    (void)tw__write_varint(out, value);
    return (int)n;
}

int tw_block_measure(const uint8_t *buf, size_t len, unsigned *version, size_t *msg_off, size_t *msg_len)
{
    uint64_t v = 0;
    size_t total;
    int n;

    if (buf == NULL && len != 0) return TW_E_ARG;
    if (len < 1) return TW_E_TRUNCATED;
    n = tw_uvarint_decode(buf + 1, len - 1, &v);
    if (n < 0) return n;
    if (v > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    total = 1 + (size_t)n + (size_t)v;
    if (len < total) return TW_E_TRUNCATED;
    if (version) *version = buf[0];
    if (msg_off) *msg_off = 1 + (size_t)n;
    if (msg_len) *msg_len = (size_t)v;
    return (int)total;
}

int tw_block_decode(tw_header_t *h, const uint8_t *buf, size_t len)
{
    unsigned version;
    size_t off, mlen;
    int total, st;

    if (h == NULL) return TW_E_ARG;
    total = tw_block_measure(buf, len, &version, &off, &mlen);
    if (total < 0) return total;
    if (version != TW_WIRE_VERSION) return TW_E_VERSION;
    st = tw_header_decode(h, buf + off, mlen);
    return st < 0 ? st : total;
}

int tw_block_encode(uint8_t *out, size_t cap, const tw_header_t *h)
{
    size_t mlen, head;
    int st = tw_header_validate(h); /* TW_E_ARG for h == NULL */
    if (st != TW_OK) return st;
    mlen = tw_encoded_len(h);
    if (mlen > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    head = 1 + tw__varint_len(mlen);
    if (out == NULL) return (int)(head + mlen);
    if (cap < head + mlen) return TW_E_BUFFER;
    out[0] = TW_WIRE_VERSION;
    (void)tw__write_varint(out + 1, mlen);
    return (int)(tw_write_msg(out + head, h) - out);
}

/* ======================================================================
 * Hex and UUID text (spec 04 §4.8)
 * ====================================================================== */

static const char tw_hexdig[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void tw_hex_encode(char *out, const uint8_t *in, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = tw_hexdig[in[i] >> 4];
        out[2 * i + 1] = tw_hexdig[in[i] & 0x0F];
    }
}

/* Value of a hex digit, or -1. upper != 0 also accepts A-F. */
static int tw_hexval(char c, int upper)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (upper && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int tw_hex_decode_case(uint8_t *out, const char *in, size_t n, int upper)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int hi = tw_hexval(in[2 * i], upper), lo = tw_hexval(in[2 * i + 1], upper);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)((hi << 4) | lo);
    }
    return 0;
}

tw_status tw_hex_decode(uint8_t *out, const char *in, size_t n)
{
    if ((out == NULL || in == NULL) && n != 0) return TW_E_ARG;
    return tw_hex_decode_case(out, in, n, 0) == 0 ? TW_OK : TW_E_HEX;
}

void tw_uuid_format(char out[TW_UUID_TEXT_LEN], const uint8_t uuid[TW_CORRELATION_ID_LEN])
{
    tw_hex_encode(out, uuid, 4);
    out[8] = '-';
    tw_hex_encode(out + 9, uuid + 4, 2);
    out[13] = '-';
    tw_hex_encode(out + 14, uuid + 6, 2);
    out[18] = '-';
    tw_hex_encode(out + 19, uuid + 8, 2);
    out[23] = '-';
    tw_hex_encode(out + 24, uuid + 10, 6);
}

tw_status tw_uuid_parse(uint8_t out[TW_CORRELATION_ID_LEN], const char *in, size_t len)
{
    if (out == NULL || (in == NULL && len != 0)) return TW_E_ARG;
    if (len != TW_UUID_TEXT_LEN || in[8] != '-' || in[13] != '-' || in[18] != '-' || in[23] != '-')
        return TW_E_UUID_TEXT;
    if (tw_hex_decode_case(out, in, 4, 1) || tw_hex_decode_case(out + 4, in + 9, 2, 1) ||
        tw_hex_decode_case(out + 6, in + 14, 2, 1) || tw_hex_decode_case(out + 8, in + 19, 2, 1) ||
        tw_hex_decode_case(out + 10, in + 24, 6, 1))
        return TW_E_UUID_TEXT;
    return TW_OK;
}

/* ======================================================================
 * Identifiers (spec 04 §4.7)
 * ====================================================================== */

#if !defined(TW_NO_OS_RANDOM) && defined(__linux__)
#include <errno.h>
#include <sys/random.h>
int tw_os_random(void *ctx, uint8_t *out, size_t len)
{
    size_t got = 0;
    (void)ctx;
    while (got < len) {
        ssize_t r = getrandom(out + got, len - got, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}
#define TW_HAVE_OS_RANDOM 1
#elif !defined(TW_NO_OS_RANDOM) &&                                                                 \
    (defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__))
#include <stdlib.h>
int tw_os_random(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    arc4random_buf(out, len);
    return 0;
}
#define TW_HAVE_OS_RANDOM 1
#else
int tw_os_random(void *ctx, uint8_t *out, size_t len)
{
    (void)ctx;
    (void)out;
    (void)len;
    return -1;
}
#define TW_HAVE_OS_RANDOM 0
#endif

static int tw_draw(tw_random_fn rnd, void *ctx, uint8_t *out, size_t len)
{
    if (rnd == NULL) {
        if (!TW_HAVE_OS_RANDOM) return TW_E_NO_RANDOM;
        rnd = tw_os_random;
    }
    return rnd(ctx, out, len) == 0 ? TW_OK : TW_E_RANDOM;
}

/* Draw a non-zero id: all-zero draws are retried, at most 4 draws. */
static tw_status tw_nonzero_id(uint8_t *out, size_t len, tw_random_fn rnd, void *ctx)
{
    int attempt, st;
    if (out == NULL) return TW_E_ARG;
    for (attempt = 0; attempt < 4; attempt++) {
        st = tw_draw(rnd, ctx, out, len);
        if (st != TW_OK) return (tw_status)st;
        if (!tw_all_zero(out, len)) return TW_OK;
    }
    return TW_E_RANDOM;
}

tw_status tw_trace_id_generate(uint8_t out[TW_TRACE_ID_LEN], tw_random_fn rnd, void *ctx)
{
    return tw_nonzero_id(out, TW_TRACE_ID_LEN, rnd, ctx);
}

tw_status tw_span_id_generate(uint8_t out[TW_SPAN_ID_LEN], tw_random_fn rnd, void *ctx)
{
    return tw_nonzero_id(out, TW_SPAN_ID_LEN, rnd, ctx);
}

tw_status tw_uuid4_generate(uint8_t out[TW_CORRELATION_ID_LEN], tw_random_fn rnd, void *ctx)
{
    int st;
    if (out == NULL) return TW_E_ARG;
    st = tw_draw(rnd, ctx, out, TW_CORRELATION_ID_LEN);
    if (st != TW_OK) return (tw_status)st;
    out[6] = (uint8_t)(0x40u | (out[6] & 0x0Fu));
    out[8] = (uint8_t)(0x80u | (out[8] & 0x3Fu));
    return TW_OK;
}

tw_status tw_uuid7_generate(uint8_t out[TW_CORRELATION_ID_LEN], uint64_t unix_ms, tw_random_fn rnd,
                            void *ctx)
{
    int st, i;
    if (out == NULL || unix_ms >= ((uint64_t)1 << 48)) return TW_E_ARG;
    st = tw_draw(rnd, ctx, out + 6, 10);
    if (st != TW_OK) return (tw_status)st;
    for (i = 0; i < 6; i++) out[i] = (uint8_t)(unix_ms >> (40 - 8 * i));
    out[6] = (uint8_t)(0x70u | (out[6] & 0x0Fu));
    out[8] = (uint8_t)(0x80u | (out[8] & 0x3Fu));
    return TW_OK;
}

/* ======================================================================
 * Relay operations on encoded bytes (spec 10 §10.4)
 * ====================================================================== */

/* Read the field at *p; advances *p past it. */
int tw__next_field(const uint8_t *msg, const uint8_t **p, const uint8_t *end, tw__field *f)
{
    const uint8_t *q = *p;
    int minimal = 1, st;
    f->start = (size_t)(q - msg);
    st = tw_read_tag(&q, end, &f->field, &f->wire_type, &minimal);
    if (st != TW_OK) return st;
    if (f->wire_type == 2) {
        uint64_t n;
        st = tw_varint(&q, end, &n, &minimal);
        if (st != TW_OK) return st;
        if (n > (uint64_t)(end - q)) return TW_E_OVERRUN;
        f->payload = (size_t)(q - msg);
        q += (size_t)n;
    } else {
        f->payload = (size_t)(q - msg);
        st = tw_skip_payload(&q, end, f->wire_type);
        if (st != TW_OK) return st;
    }
    f->end = (size_t)(q - msg);
    *p = q;
    return TW_OK;
}

/* The scan for tw_relay_set_span_id: the last span_id occurrence. */
static TW__NOINLINE tw_status tw_relay_scan_span_id(uint8_t *msg, size_t len, const uint8_t span_id[TW_SPAN_ID_LEN])
{
    const uint8_t *p, *end;
    size_t at = 0;
    int found = 0;
    if (msg == NULL || span_id == NULL) return TW_E_ARG;
    if (tw_all_zero(span_id, TW_SPAN_ID_LEN)) return TW_E_ZERO_ID;
    if (len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    p = msg;
    end = msg + len;
    while (p < end) {
        tw__field f;
        const uint8_t *q = p;
        uint32_t field;
        unsigned wt;
        int minimal = 1, st = tw_read_tag(&q, end, &field, &wt, &minimal);
        /* spec 10 §10.4.1 step 2: the structure rules of §4.4.3 steps 1-4,
         * the wire type of a known field checked before its payload */
        if (st != TW_OK) return (tw_status)st;
        if (field <= 6 && wt != (field == 3 ? 0u : 2u)) return TW_E_WIRE_TYPE;
        st = tw__next_field(msg, &p, end, &f);
        if (st != TW_OK) return (tw_status)st;
        if (f.field == 2) {
            found = f.end - f.payload == TW_SPAN_ID_LEN;
            at = f.payload;
        }
    }
    if (!found) return TW_E_CONTEXT;
    memcpy(msg + at, span_id, TW_SPAN_ID_LEN);
    return TW_OK;
}

tw_status tw_relay_set_span_id(uint8_t *msg, size_t len, const uint8_t span_id[TW_SPAN_ID_LEN])
{
    /* O(1): the canonical minimal header holds exactly one span_id, at 20.
     * The new span-id is checked first (spec 10 §10.4.1 step 1). */
    if (msg != NULL && span_id != NULL && !tw_all_zero(span_id, TW_SPAN_ID_LEN) &&
        (len == TW_HEADER_MINIMAL_LEN - 2 || (len == TW_HEADER_MINIMAL_LEN && msg[28] == 0x18 && msg[29] < 0x80)) &&
        tw_is_minimal_layout(msg)) {
        memcpy(msg + 20, span_id, TW_SPAN_ID_LEN);
        return TW_OK;
    }
    return tw_relay_scan_span_id(msg, len, span_id);
}
