/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire.c - reference codec for the tracewire v1 trace header. */
#include "tracewire.h"

#include <string.h>

/* ======================================================================
 * Character classes for the W3C grammars (spec 04 §4.2.5, §4.2.6).
 * A const table, so there is nothing to initialise; tests/unit_text.c
 * re-derives every bit from the grammar definitions.
 * ====================================================================== */

#define C_KEY0 0x01u /* tracestate key, first char: lcalpha / DIGIT */
#define C_KEY 0x02u  /* tracestate key: lcalpha DIGIT _ - * / @ */
#define C_VAL 0x04u  /* tracestate value chr: %x20-7E except , = */
#define C_NBLK 0x08u /* tracestate value nblk-chr: chr except SP */
#define C_TOK 0x10u  /* RFC 7230 tchar (baggage keys) */
#define C_BOCT 0x20u /* baggage-octet */
#define C_OWS 0x40u  /* SP / HTAB */

static const uint8_t tw_ctype[256] = {
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

static int tw_all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    size_t i;
    for (i = 0; i < n; i++) acc |= p[i];
    return acc == 0;
}

/* Protobuf varint (spec 04 §4.4): at most 10 bytes, the 10th 0 or 1.
 * *minimal is cleared when the encoding is longer than needed. */
static int tw_read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out, int *minimal)
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

static size_t tw_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80u) {
        v >>= 7;
        n++;
    }
    return n;
}

static uint8_t *tw_write_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80u) {
        *p++ = (uint8_t)(v | 0x80u);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Skip one field's payload given its wire type; used for unknown fields. */
static int tw_skip_payload(const uint8_t **pp, const uint8_t *end, unsigned wire_type)
{
    uint64_t v;
    int minimal = 1;
    int st;
    switch (wire_type) {
    case 0:
        return tw_read_varint(pp, end, &v, &minimal);
    case 1:
        if ((size_t)(end - *pp) < 8) return TW_E_OVERRUN;
        *pp += 8;
        return TW_OK;
    case 5:
        if ((size_t)(end - *pp) < 4) return TW_E_OVERRUN;
        *pp += 4;
        return TW_OK;
    case 2:
        st = tw_read_varint(pp, end, &v, &minimal);
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
static int tw_read_tag(const uint8_t **pp, const uint8_t *end, uint32_t *field, unsigned *wire_type,
                       int *minimal)
{
    uint64_t key;
    int st = tw_read_varint(pp, end, &key, minimal);
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
        } else if (!(tw_ctype[b[i]] & C_OWS)) {
            filled = 1;
        }
    }
    return n + (size_t)filled;
}

/* Positions of a valid tracestate's members (all below 4096, so uint16). */
typedef struct {
    uint16_t off[TW_TRACESTATE_MAX_MEMBERS];  /* start of the key */
    uint16_t klen[TW_TRACESTATE_MAX_MEMBERS]; /* key length */
    uint16_t mlen[TW_TRACESTATE_MAX_MEMBERS]; /* "key=value" length, OWS excluded */
    size_t n;
} tw_ts_table;

/* Grammar only (spec 04 §4.2.5); the caller has checked the length.
 * Fills *t with the members on success. */
static tw_status tw_tracestate_scan(const uint8_t *b, size_t len, tw_ts_table *t)
{
    size_t i = 0, m;

    t->n = 0;
    for (;;) {
        size_t m0 = i, k0, v0, vend;
        while (i < len && (tw_ctype[b[i]] & C_OWS)) i++;
        if (i < len && b[i] != ',') {
            /* OWS may open a member only after a comma */
            if (m0 == 0 && i > 0) return TW_E_TRACESTATE;
            if (t->n == TW_TRACESTATE_MAX_MEMBERS) return TW_E_TOO_MANY_MEMBERS;
            k0 = i;
            if (!(tw_ctype[b[i]] & C_KEY0)) return TW_E_TRACESTATE;
            i++;
            while (i < len && (tw_ctype[b[i]] & C_KEY)) i++;
            if (i - k0 > 256 || i == len || b[i] != '=') return TW_E_TRACESTATE;
            i++;
            /* value: a run of chr ending in nblk-chr; SP after it is OWS */
            v0 = i;
            while (i < len && (tw_ctype[b[i]] & C_VAL)) i++;
            vend = i;
            while (vend > v0 && b[vend - 1] == ' ') vend--;
            if (vend == v0 || vend - v0 > 256) return TW_E_TRACESTATE;
            while (i < len && (tw_ctype[b[i]] & C_OWS)) i++;
            /* OWS may close a member only before a comma */
            if (i == len ? i != vend : b[i] != ',') return TW_E_TRACESTATE;
            for (m = 0; m < t->n; m++) {
                if (t->klen[m] == v0 - 1 - k0 && memcmp(b + t->off[m], b + k0, t->klen[m]) == 0)
                    return TW_E_TRACESTATE;
            }
            t->off[t->n] = (uint16_t)k0;
            t->klen[t->n] = (uint16_t)(v0 - 1 - k0);
            t->mlen[t->n] = (uint16_t)(vend - k0);
            t->n++;
        }
        if (i == len) return TW_OK;
        i++; /* the comma */
    }
}

/* Validate and split; limits before grammar (§4.2.5). max_len is the
 * length limit: TW_TRACESTATE_MAX_LEN, or more for text being truncated. */
static tw_status tw_tracestate_split(const char *s, size_t len, tw_ts_table *t, size_t max_len)
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
    tw_ts_table t;
    return tw_tracestate_split(s, len, &t, TW_TRACESTATE_MAX_LEN);
}

int tw_tracestate_next(const char *s, size_t len, size_t *pos, tw_text_t *key, tw_text_t *value)
{
    const uint8_t *b = (const uint8_t *)s;
    size_t i;
    if ((s == NULL && len != 0) || pos == NULL || key == NULL || value == NULL) return TW_E_ARG;
    for (i = *pos; i < len;) {
        size_t k0, kend, vend;
        while (i < len && (tw_ctype[b[i]] & C_OWS)) i++;
        if (i < len && b[i] == ',') { /* empty member */
            i++;
            continue;
        }
        if (i == len) break;
        k0 = i;
        while (i < len && b[i] != ',') i++;
        vend = i;
        while (vend > k0 && (tw_ctype[b[vend - 1]] & C_OWS)) vend--;
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
    tw_ts_table t;
    size_t m;
    int st;
    if (value == NULL || (key == NULL && key_len != 0)) return TW_E_ARG;
    st = tw_tracestate_split(s, len, &t, TW_TRACESTATE_MAX_LEN);
    if (st != TW_OK) return st;
    for (m = 0; m < t.n; m++) {
        if (t.klen[m] == key_len && memcmp(s + t.off[m], key, key_len) == 0) {
            value->ptr = s + t.off[m] + key_len + 1;
            value->len = (size_t)t.mlen[m] - key_len - 1;
            return 1;
        }
    }
    value->ptr = NULL;
    value->len = 0;
    return 0;
}

/* W3C truncation (spec 04 §4.2.5): mark members to drop until the joined
 * length fits the budget; members over 128 octets go first, right to left,
 * then the rest right to left. `fixed` octets are already taken (a new first
 * member). Returns the joined length of what is kept. */
static size_t tw_ts_trim(const tw_ts_table *t, uint32_t *dropped, size_t fixed, size_t budget)
{
    size_t total = fixed, m, pass;
    for (m = 0; m < t->n; m++)
        if (!(*dropped >> m & 1u)) total += (size_t)t->mlen[m] + (total ? 1u : 0u);
    for (pass = 0; pass < 2 && total > budget; pass++) {
        for (m = t->n; m-- > 0 && total > budget;) {
            if ((*dropped >> m & 1u) || (pass == 0 && t->mlen[m] <= 128)) continue;
            *dropped |= (uint32_t)1 << m;
            total -= (size_t)t->mlen[m] + (total > t->mlen[m] ? 1u : 0u);
        }
    }
    return total;
}

/* Append the kept members, joined by ',', at out[start..]; out[0..start)
 * is already written. */
static int tw_ts_write(char *out, const char *s, const tw_ts_table *t, uint32_t dropped, size_t start)
{
    size_t m, o = start;
    for (m = 0; m < t->n; m++) {
        if (dropped >> m & 1u) continue;
        if (o) out[o++] = ',';
        memcpy(out + o, s + t->off[m], t->mlen[m]);
        o += t->mlen[m];
    }
    return (int)o;
}

int tw_tracestate_truncate(char *out, size_t cap, const char *s, size_t len, size_t budget)
{
    tw_ts_table t;
    uint32_t dropped = 0;
    size_t total;
    int st = tw_tracestate_split(s, len, &t, TW_HEADER_MAX_LEN);
    if (st != TW_OK) return st;
    total = tw_ts_trim(&t, &dropped, 0, budget);
    if (out == NULL) return (int)total;
    if (cap < total) return TW_E_BUFFER;
    return tw_ts_write(out, s, &t, dropped, 0);
}

/* Does key/value form a valid single member? */
static int tw_ts_member_ok(const char *key, size_t klen, const char *val, size_t vlen)
{
    const uint8_t *k = (const uint8_t *)key, *v = (const uint8_t *)val;
    size_t i;
    if (klen == 0 || klen > 256 || vlen == 0 || vlen > 256) return 0;
    if (!(tw_ctype[k[0]] & C_KEY0)) return 0;
    for (i = 1; i < klen; i++)
        if (!(tw_ctype[k[i]] & C_KEY)) return 0;
    for (i = 0; i < vlen; i++)
        if (!(tw_ctype[v[i]] & C_VAL)) return 0;
    return (tw_ctype[v[vlen - 1]] & C_NBLK) != 0;
}

int tw_tracestate_put(char *out, size_t cap, const char *s, size_t len, const char *key, size_t key_len,
                      const char *value, size_t value_len)
{
    tw_ts_table t;
    uint32_t dropped = 0;
    size_t m, kept, total, head = key_len + 1 + value_len;
    int st;
    if ((key == NULL && key_len) || (value == NULL && value_len)) return TW_E_ARG;
    if (!tw_ts_member_ok(key, key_len, value, value_len)) return TW_E_TRACESTATE;
    st = tw_tracestate_split(s, len, &t, TW_TRACESTATE_MAX_LEN);
    if (st == TW_E_ARG) return st;
    if (st != TW_OK) t.n = 0; /* an invalid list is discarded, not repaired */
    /* the old entry for this key goes: the new one is written first */
    kept = t.n;
    for (m = 0; m < t.n; m++) {
        if (t.klen[m] == key_len && memcmp(s + t.off[m], key, key_len) == 0) {
            dropped |= (uint32_t)1 << m;
            kept--;
        }
    }
    /* at most 32 members with the new one: evict from the right */
    for (m = t.n; kept >= TW_TRACESTATE_MAX_MEMBERS && m-- > 0;) {
        if (dropped >> m & 1u) continue;
        dropped |= (uint32_t)1 << m;
        kept--;
    }
    total = tw_ts_trim(&t, &dropped, head, TW_TRACESTATE_MAX_LEN);
    if (out == NULL) return (int)total;
    if (cap < total) return TW_E_BUFFER;
    memcpy(out, key, key_len);
    out[key_len] = '=';
    memcpy(out + key_len + 1, value, value_len);
    return tw_ts_write(out, s, &t, dropped, head);
}

/* Baggage key (token) at b[i..]; returns the index after it, or i if empty. */
static size_t tw_bg_token(const uint8_t *b, size_t i, size_t len)
{
    while (i < len && (tw_ctype[b[i]] & C_TOK)) i++;
    return i;
}

static size_t tw_bg_ows(const uint8_t *b, size_t i, size_t len)
{
    while (i < len && (tw_ctype[b[i]] & C_OWS)) i++;
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
        while (i < len && (tw_ctype[b[i]] & C_BOCT)) i++;
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
                while (i < len && (tw_ctype[b[i]] & C_BOCT)) i++;
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

/* The canonical minimal header: 0a 10 <16> 12 08 <8> [18 <flags>]. */
static int tw_is_minimal_layout(const uint8_t *m)
{
    return m[0] == 0x0A && m[1] == 0x10 && m[18] == 0x12 && m[19] == 0x08;
}

static void tw_clear_optional(tw_header_t *h)
{
    memset(h->correlation_id, 0, sizeof h->correlation_id);
    h->discarded = 0;
    h->tracestate.ptr = NULL;
    h->tracestate.len = 0;
    h->baggage.ptr = NULL;
    h->baggage.len = 0;
    h->n_unknown = 0;
}

int tw_header_decode(tw_header_t *h, const uint8_t *msg, size_t len)
{
    const uint8_t *p, *end;
    const uint8_t *tid = NULL, *sid = NULL, *cid = NULL;
    const uint8_t *ts = NULL, *bg = NULL;
    size_t tid_len = 0, sid_len = 0, cid_len = 0, ts_len = 0, bg_len = 0;
    uint64_t flags = 0;
    uint32_t last_known = 0;
    int canonical = 1, seen_unknown = 0;

    if (h == NULL || (msg == NULL && len != 0)) return TW_E_ARG;
    if (len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;

    /* Fast path: the canonical minimal header at fixed offsets (§4.3). */
    if ((len == TW_HEADER_MINIMAL_LEN && msg[28] == 0x18 && msg[29] != 0 && msg[29] < 0x80) ||
        len == TW_HEADER_MINIMAL_LEN - 2) {
        if (tw_is_minimal_layout(msg)) {
            if (tw_all_zero(msg + 2, TW_TRACE_ID_LEN) || tw_all_zero(msg + 20, TW_SPAN_ID_LEN))
                return TW_E_ZERO_ID;
            memcpy(h->trace_id, msg + 2, TW_TRACE_ID_LEN);
            memcpy(h->span_id, msg + 20, TW_SPAN_ID_LEN);
            h->trace_flags = len == TW_HEADER_MINIMAL_LEN ? msg[29] : 0;
            h->present = TW_HAS_CONTEXT;
            h->canonical = 1;
            tw_clear_optional(h);
            return (int)len;
        }
    }

    h->n_unknown = 0;
    if (len == 0) { /* an empty message: no context (and msg may be NULL) */
        memset(h->trace_id, 0, TW_TRACE_ID_LEN);
        memset(h->span_id, 0, TW_SPAN_ID_LEN);
        h->trace_flags = 0;
        h->present = 0;
        h->canonical = 1;
        tw_clear_optional(h);
        return 0;
    }
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

        st = tw_read_varint(&p, end, &v, &canonical);
        if (st != TW_OK) return st;
        if (field == 3) {
            if (v > 0xFFFFFFFFu) return TW_E_FLAGS;
            if (v == 0) canonical = 0;
            flags = v;
            continue;
        }
        if (v > (uint64_t)(end - p)) return TW_E_OVERRUN;
        if (v == 0) canonical = 0;
        switch (field) { /* per-occurrence size checks (§4.4) */
        case 1:
            if (v > TW_TRACE_ID_LEN) return TW_E_ID_LENGTH;
            tid = p;
            tid_len = (size_t)v;
            break;
        case 2:
            if (v > TW_SPAN_ID_LEN) return TW_E_ID_LENGTH;
            sid = p;
            sid_len = (size_t)v;
            break;
        case 4:
            if (v > TW_CORRELATION_ID_LEN) return TW_E_ID_LENGTH;
            cid = p;
            cid_len = (size_t)v;
            break;
        case 5:
            if (v > TW_TRACESTATE_MAX_LEN) return TW_E_TOO_LONG;
            ts = p;
            ts_len = (size_t)v;
            break;
        default: /* 6 */
            if (v > TW_BAGGAGE_MAX_LEN) return TW_E_TOO_LONG;
            bg = p;
            bg_len = (size_t)v;
            break;
        }
        p += (size_t)v;
    }

    /* Final values, in the order of §4.4. */
    if ((tid_len != 0 && tid_len != TW_TRACE_ID_LEN) || (sid_len != 0 && sid_len != TW_SPAN_ID_LEN) ||
        (cid_len != 0 && cid_len != TW_CORRELATION_ID_LEN))
        return TW_E_ID_LENGTH;
    if (flags > 0xFFu) return TW_E_FLAGS;
    if ((tid_len == 0) != (sid_len == 0) || (tid_len == 0 && (flags != 0 || ts_len != 0)))
        return TW_E_CONTEXT;
    if ((tid_len && tw_all_zero(tid, tid_len)) || (sid_len && tw_all_zero(sid, sid_len)) ||
        (cid_len && tw_all_zero(cid, cid_len)))
        return TW_E_ZERO_ID;

    h->present = 0;
    h->discarded = 0;
    if (tid_len) {
        memcpy(h->trace_id, tid, TW_TRACE_ID_LEN);
        memcpy(h->span_id, sid, TW_SPAN_ID_LEN);
        h->present |= TW_HAS_CONTEXT;
    } else {
        memset(h->trace_id, 0, TW_TRACE_ID_LEN);
        memset(h->span_id, 0, TW_SPAN_ID_LEN);
    }
    h->trace_flags = (uint8_t)flags;
    if (cid_len) {
        memcpy(h->correlation_id, cid, TW_CORRELATION_ID_LEN);
        h->present |= TW_HAS_CORRELATION_ID;
    } else {
        memset(h->correlation_id, 0, TW_CORRELATION_ID_LEN);
    }
    /* An invalid tracestate or baggage is dropped, not fatal (§4.5). */
    if (ts_len && tw_tracestate_validate((const char *)ts, ts_len) != TW_OK) {
        h->discarded |= TW_DISCARDED_TRACESTATE;
        ts = NULL;
        ts_len = 0;
        canonical = 0;
    }
    if (bg_len && tw_baggage_validate((const char *)bg, bg_len) != TW_OK) {
        h->discarded |= TW_DISCARDED_BAGGAGE;
        bg = NULL;
        bg_len = 0;
        canonical = 0;
    }
    h->tracestate.ptr = ts_len ? (const char *)ts : NULL;
    h->tracestate.len = ts_len;
    h->baggage.ptr = bg_len ? (const char *)bg : NULL;
    h->baggage.len = bg_len;
    h->canonical = (uint8_t)canonical;
    return (int)len;
}

/* ======================================================================
 * Header encode (spec 04 §4.3)
 * ====================================================================== */

/* An unknown-field view must be exactly one well-formed field whose number
 * is not one v1 defines. */
static int tw_check_unknown_view(const tw_view_t *u)
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
        if (h->trace_flags) n += 1 + tw_varint_len(h->trace_flags);
    }
    if (h->present & TW_HAS_CORRELATION_ID) n += 2 + TW_CORRELATION_ID_LEN;
    if (h->tracestate.len) n += 1 + tw_varint_len(h->tracestate.len) + h->tracestate.len;
    if (h->baggage.len) n += 1 + tw_varint_len(h->baggage.len) + h->baggage.len;
    for (i = 0; i < h->n_unknown; i++) n += h->unknown[i].len;
    return n;
}

static uint8_t *tw_put_bytes(uint8_t *p, uint8_t tag, const void *src, size_t n)
{
    *p++ = tag;
    p = tw_write_varint(p, n);
    memcpy(p, src, n);
    return p + n;
}

int tw_header_encode(uint8_t *out, size_t cap, const tw_header_t *h)
{
    size_t need, i;
    uint8_t *p;
    int st;

    if (h == NULL) return TW_E_ARG;
    /* Fast path: ids and flags only (the common hop header). */
    if (h->present == TW_HAS_CONTEXT && h->tracestate.len == 0 && h->baggage.len == 0 &&
        h->n_unknown == 0 && h->trace_flags < 0x80) {
        if (tw_all_zero(h->trace_id, TW_TRACE_ID_LEN) || tw_all_zero(h->span_id, TW_SPAN_ID_LEN))
            return TW_E_ZERO_ID;
        need = h->trace_flags ? TW_HEADER_MINIMAL_LEN : TW_HEADER_MINIMAL_LEN - 2;
        if (out == NULL) return (int)need;
        if (cap < need) return TW_E_BUFFER;
        out[0] = 0x0A;
        out[1] = 0x10;
        memcpy(out + 2, h->trace_id, TW_TRACE_ID_LEN);
        out[18] = 0x12;
        out[19] = 0x08;
        memcpy(out + 20, h->span_id, TW_SPAN_ID_LEN);
        if (h->trace_flags) {
            out[28] = 0x18;
            out[29] = h->trace_flags;
        }
        return (int)need;
    }

    st = tw_header_validate(h);
    if (st != TW_OK) return st;
    need = tw_encoded_len(h);
    if (need > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    if (out == NULL) return (int)need;
    if (cap < need) return TW_E_BUFFER;

    p = out;
    if (h->present & TW_HAS_CONTEXT) {
        p = tw_put_bytes(p, 0x0A, h->trace_id, TW_TRACE_ID_LEN);
        p = tw_put_bytes(p, 0x12, h->span_id, TW_SPAN_ID_LEN);
        if (h->trace_flags) {
            *p++ = 0x18;
            p = tw_write_varint(p, h->trace_flags);
        }
    }
    if (h->present & TW_HAS_CORRELATION_ID)
        p = tw_put_bytes(p, 0x22, h->correlation_id, TW_CORRELATION_ID_LEN);
    if (h->tracestate.len) p = tw_put_bytes(p, 0x2A, h->tracestate.ptr, h->tracestate.len);
    if (h->baggage.len) p = tw_put_bytes(p, 0x32, h->baggage.ptr, h->baggage.len);
    for (i = 0; i < h->n_unknown; i++) {
        memcpy(p, h->unknown[i].ptr, h->unknown[i].len);
        p += h->unknown[i].len;
    }
    return (int)(p - out);
}

/* ======================================================================
 * Prefix block (spec 05 §5.2)
 * ====================================================================== */

int tw_block_measure(const uint8_t *buf, size_t len, unsigned *version, size_t *msg_off,
                     size_t *msg_len)
{
    uint64_t v = 0;
    size_t i, total;

    if (buf == NULL && len != 0) return TW_E_ARG;
    if (len < 1) return TW_E_TRUNCATED;
    for (i = 0;; i++) {
        uint8_t b;
        if (i == TW_BLOCK_LENGTH_MAX_LEN) return TW_E_BLOCK_LENGTH;
        if (1 + i >= len) return TW_E_TRUNCATED;
        b = buf[1 + i];
        v |= (uint64_t)(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            if (i > 0 && b == 0) return TW_E_BLOCK_LENGTH; /* not minimal */
            break;
        }
    }
    if (v > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    total = 1 + (i + 1) + (size_t)v;
    if (len < total) return TW_E_TRUNCATED;
    if (version) *version = buf[0];
    if (msg_off) *msg_off = i + 2;
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
    int mlen = tw_header_encode(NULL, 0, h);
    size_t lenlen, need;
    int st;

    if (mlen < 0) return mlen;
    lenlen = tw_varint_len((uint64_t)mlen);
    need = 1 + lenlen + (size_t)mlen;
    if (out == NULL) return (int)need;
    if (cap < need) return TW_E_BUFFER;
    out[0] = TW_WIRE_VERSION;
    (void)tw_write_varint(out + 1, (uint64_t)mlen);
    st = tw_header_encode(out + 1 + lenlen, cap - 1 - lenlen, h);
    return st < 0 ? st : (int)need;
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

/* One field of a message: where it starts, where its payload is, its end. */
typedef struct {
    size_t start, payload, end;
    uint32_t field;
    unsigned wire_type;
} tw_field_pos;

/* Read the field at *p; advances *p past it. */
static int tw_next_field(const uint8_t *msg, const uint8_t **p, const uint8_t *end, tw_field_pos *f)
{
    const uint8_t *q = *p;
    int minimal = 1, st;
    f->start = (size_t)(q - msg);
    st = tw_read_tag(&q, end, &f->field, &f->wire_type, &minimal);
    if (st != TW_OK) return st;
    if (f->wire_type == 2) {
        uint64_t n;
        st = tw_read_varint(&q, end, &n, &minimal);
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

tw_status tw_relay_set_span_id(uint8_t *msg, size_t len, const uint8_t span_id[TW_SPAN_ID_LEN])
{
    const uint8_t *p, *end;
    size_t at = 0;
    int found = 0;
    if (msg == NULL || span_id == NULL) return TW_E_ARG;
    /* O(1): the canonical minimal header holds exactly one span_id, at 20 */
    if ((len == TW_HEADER_MINIMAL_LEN || len == TW_HEADER_MINIMAL_LEN - 2) && tw_is_minimal_layout(msg) &&
        (len == TW_HEADER_MINIMAL_LEN - 2 || msg[28] == 0x18)) {
        memcpy(msg + 20, span_id, TW_SPAN_ID_LEN);
        return TW_OK;
    }
    if (len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    p = msg;
    end = msg + len;
    while (p < end) {
        tw_field_pos f;
        int st = tw_next_field(msg, &p, end, &f);
        if (st != TW_OK) return (tw_status)st;
        if (f.field == 2) {
            if (f.wire_type != 2) return TW_E_WIRE_TYPE;
            found = f.end - f.payload == TW_SPAN_ID_LEN;
            at = f.payload;
        }
    }
    if (!found) return TW_E_CONTEXT;
    memcpy(msg + at, span_id, TW_SPAN_ID_LEN);
    return TW_OK;
}

/* Bounded writer for tw_relay_edit: counts when out is NULL. */
typedef struct {
    uint8_t *out;
    size_t cap, len;
    int overflow;
} tw_sink;

static void tw_sink_put(tw_sink *k, const void *p, size_t n)
{
    if (k->out != NULL && !k->overflow) {
        if (k->cap - k->len < n) k->overflow = 1;
        else memcpy(k->out + k->len, p, n);
    }
    k->len += n;
}

static void tw_sink_varint(tw_sink *k, uint64_t v)
{
    uint8_t b[TW_VARINT_MAX_LEN];
    tw_sink_put(k, b, (size_t)(tw_write_varint(b, v) - b));
}

/* The edited flags field (tag 0x18), or nothing when the value is 0. */
static void tw_edit_flags(tw_sink *k, uint8_t flags)
{
    if (flags == 0) return;
    tw_sink_varint(k, 0x18);
    tw_sink_varint(k, flags);
}

/* The edited tracestate field: the relay's member put at the front. */
static int tw_edit_tracestate(tw_sink *k, const uint8_t *msg, const tw_field_pos *old, const tw_relay_edit_t *e)
{
    const char *s = old ? (const char *)msg + old->payload : NULL;
    size_t slen = old ? old->end - old->payload : 0;
    int n = tw_tracestate_put(NULL, 0, s, slen, e->ts_key, e->ts_key_len, e->ts_value, e->ts_value_len);
    if (n < 0) return n;
    tw_sink_varint(k, 0x2A);
    tw_sink_varint(k, (uint64_t)n);
    if (k->out != NULL && !k->overflow && k->cap - k->len >= (size_t)n) {
        n = tw_tracestate_put((char *)k->out + k->len, (size_t)n, s, slen, e->ts_key, e->ts_key_len, e->ts_value,
                              e->ts_value_len);
        if (n < 0) return n;
    } else if (k->out != NULL) {
        k->overflow = 1;
    }
    k->len += (size_t)n;
    return TW_OK;
}

int tw_relay_edit(uint8_t *out, size_t cap, const uint8_t *in, size_t len, const tw_relay_edit_t *e)
{
    tw_field_pos last[7], f;
    const uint8_t *p, *end;
    tw_sink k;
    uint64_t old_flags = 0;
    uint8_t flags;
    int have[7] = {0, 0, 0, 0, 0, 0, 0}, st, edit_flags, edit_ts, flags_done = 0, ts_done = 0;
    unsigned fnum;

    if (e == NULL || (in == NULL && len != 0)) return TW_E_ARG;
    if (len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    /* pass 1: the last occurrence of every known field */
    p = in;
    end = in + len;
    while (p < end) {
        st = tw_next_field(in, &p, end, &f);
        if (st != TW_OK) return st;
        if (f.field <= 6) {
            if (f.wire_type != (f.field == 3 ? 0u : 2u)) return TW_E_WIRE_TYPE;
            last[f.field] = f;
            have[f.field] = 1;
        }
    }
    if (have[3]) {
        const uint8_t *q = in + last[3].payload;
        int minimal = 1;
        st = tw_read_varint(&q, in + last[3].end, &old_flags, &minimal);
        if (st != TW_OK) return st;
        if (old_flags > 0xFFu) return TW_E_FLAGS;
    }
    flags = (uint8_t)((old_flags | e->flags_set) & (uint8_t)~e->flags_clear);
    if (((flags ^ old_flags) & TW_FLAG_SAMPLED) && e->span_id == NULL) return TW_E_ARG;
    if ((e->span_id || e->flags_set || e->ts_key) && !(have[1] && have[2])) return TW_E_CONTEXT;
    if (e->span_id && last[2].end - last[2].payload != TW_SPAN_ID_LEN) return TW_E_CONTEXT;
    edit_flags = flags != old_flags;
    edit_ts = e->ts_key != NULL;

    /* pass 2: copy, replacing last occurrences and inserting what was absent */
    k.out = out;
    k.cap = cap;
    k.len = 0;
    k.overflow = 0;
    p = in;
    while (p < end) {
        (void)tw_next_field(in, &p, end, &f); /* pass 1 read it all */
        fnum = f.field;
        if (fnum <= 6 && last[fnum].start != f.start &&
            ((fnum == 3 && edit_flags) || (fnum == 5 && edit_ts) || (fnum == 2 && e->span_id)))
            continue; /* an earlier occurrence of an edited field */
        if (fnum == 2 && e->span_id) {
            tw_sink_put(&k, in + f.start, f.payload - f.start);
            tw_sink_put(&k, e->span_id, TW_SPAN_ID_LEN);
        } else if (fnum == 3 && edit_flags) {
            tw_edit_flags(&k, flags);
            flags_done = 1;
        } else if (fnum == 5 && edit_ts) {
            st = tw_edit_tracestate(&k, in, &f, e);
            if (st != TW_OK) return st;
            ts_done = 1;
        } else {
            tw_sink_put(&k, in + f.start, f.end - f.start);
        }
        /* insert an absent field right after the field before it in canonical order */
        if (edit_flags && !have[3] && !flags_done && fnum == 2 && f.start == last[2].start) {
            tw_edit_flags(&k, flags);
            flags_done = 1;
        }
        if (edit_ts && !have[5] && !ts_done && fnum <= 4 && f.start == last[have[4] ? 4 : have[3] ? 3 : 2].start) {
            st = tw_edit_tracestate(&k, in, NULL, e);
            if (st != TW_OK) return st;
            ts_done = 1;
        }
    }
    if (k.overflow) return TW_E_BUFFER;
    if (k.len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    return (int)k.len;
}

/* ======================================================================
 * Frame budget (spec 10 §10.6)
 * ====================================================================== */

/* Encoded size of a length-delimited field with a one-byte tag. */
static size_t tw_ld_size(size_t n)
{
    return n ? 1 + tw_varint_len(n) + n : 0;
}

/* End of the first m members of a (valid) baggage text, OWS excluded. */
static size_t tw_baggage_prefix(const char *s, size_t len, size_t m)
{
    size_t i = 0, end = 0, seen = 0;
    while (i < len && seen < m) {
        size_t j = i;
        while (j < len && s[j] != ',') j++;
        end = j;
        while (end > i && (s[end - 1] == ' ' || s[end - 1] == '\t')) end--;
        seen++;
        i = j + 1;
    }
    return end;
}

static size_t tw_baggage_members(const char *s, size_t len)
{
    size_t i, n = len ? 1 : 0;
    for (i = 0; i < len; i++) n += s[i] == ',';
    return n;
}

/* Kept tracestate length for a dropped-member mask (members joined by ','). */
static size_t tw_ts_kept_len(const uint16_t *mlen, size_t n, uint32_t dropped)
{
    size_t m, total = 0;
    for (m = 0; m < n; m++)
        if (!(dropped >> m & 1u)) total += mlen[m] + (total ? 1u : 0u);
    return total;
}

int tw_header_encode_budget(uint8_t *out, size_t cap, const tw_header_t *h, size_t budget, unsigned *dropped)
{
    uint16_t mlen[TW_TRACESTATE_MAX_MEMBERS];
    size_t nts = 0, ts_len, bg_len, bg_members, n_unknown, fixed, total, i, pos;
    uint32_t ts_drop = 0;
    unsigned what = 0;
    int ctx, cid, st;
    tw_text_t k, v;
    tw_sink sink;

    if (dropped) *dropped = 0;
    st = tw_header_validate(h);
    if (st != TW_OK) return st;
    ctx = (h->present & TW_HAS_CONTEXT) != 0;
    cid = (h->present & TW_HAS_CORRELATION_ID) != 0;
    /* member lengths of the tracestate, for the W3C truncation order */
    pos = 0;
    while (tw_tracestate_next(h->tracestate.ptr, h->tracestate.len, &pos, &k, &v) == 1 &&
           nts < TW_TRACESTATE_MAX_MEMBERS)
        mlen[nts++] = (uint16_t)(k.len + 1 + v.len);
    ts_len = tw_ts_kept_len(mlen, nts, 0);
    bg_len = h->baggage.len;
    bg_members = tw_baggage_members(h->baggage.ptr, h->baggage.len);
    n_unknown = h->n_unknown;

#define TW_BUDGET_SIZE()                                                                                   \
    (fixed = (ctx ? 28u + (h->trace_flags ? 1u + tw_varint_len(h->trace_flags) : 0u) : 0u) +              \
             (cid ? 18u : 0u),                                                                             \
     total = fixed + tw_ld_size(ts_len) + tw_ld_size(bg_len),                                              \
     total)
    {
        size_t unk = 0;
        for (i = 0; i < n_unknown; i++) unk += h->unknown[i].len;
        /* 1. baggage members from the right */
        while (TW_BUDGET_SIZE() + unk > budget && bg_members > 0) {
            bg_members--;
            bg_len = tw_baggage_prefix(h->baggage.ptr, h->baggage.len, bg_members);
            what |= TW_BUDGET_DROPPED_BAGGAGE;
        }
        /* 2. tracestate: over 128 octets first (from the right), then from the right */
        for (i = 0; i < 2; i++) {
            size_t m = nts;
            while (TW_BUDGET_SIZE() + unk > budget && m-- > 0) {
                if ((ts_drop >> m & 1u) || (i == 0 && mlen[m] <= 128)) continue;
                ts_drop |= (uint32_t)1 << m;
                ts_len = tw_ts_kept_len(mlen, nts, ts_drop);
                what |= TW_BUDGET_DROPPED_TRACESTATE;
            }
        }
        /* 3. unknown fields from the right */
        while (TW_BUDGET_SIZE() + unk > budget && n_unknown > 0) {
            unk -= h->unknown[--n_unknown].len;
            what |= TW_BUDGET_DROPPED_UNKNOWN;
        }
        /* 4. the trace context, 5. the correlation-id */
        if (TW_BUDGET_SIZE() + unk > budget && ctx) {
            ctx = 0;
            what |= TW_BUDGET_DROPPED_CONTEXT;
        }
        if (TW_BUDGET_SIZE() + unk > budget && cid) {
            cid = 0;
            what |= TW_BUDGET_DROPPED_CORRELATION_ID;
        }
        total = TW_BUDGET_SIZE() + unk;
    }
#undef TW_BUDGET_SIZE
    if (dropped) *dropped = what;
    if (out == NULL) return (int)total;
    if (cap < total) return TW_E_BUFFER;

    sink.out = out;
    sink.cap = cap;
    sink.len = 0;
    sink.overflow = 0;
    if (ctx) {
        tw_sink_varint(&sink, 0x0A);
        tw_sink_varint(&sink, TW_TRACE_ID_LEN);
        tw_sink_put(&sink, h->trace_id, TW_TRACE_ID_LEN);
        tw_sink_varint(&sink, 0x12);
        tw_sink_varint(&sink, TW_SPAN_ID_LEN);
        tw_sink_put(&sink, h->span_id, TW_SPAN_ID_LEN);
        tw_edit_flags(&sink, h->trace_flags);
    }
    if (cid) {
        tw_sink_varint(&sink, 0x22);
        tw_sink_varint(&sink, TW_CORRELATION_ID_LEN);
        tw_sink_put(&sink, h->correlation_id, TW_CORRELATION_ID_LEN);
    }
    if (ts_len) {
        size_t m = 0, first = 1;
        tw_sink_varint(&sink, 0x2A);
        tw_sink_varint(&sink, ts_len);
        pos = 0;
        while (tw_tracestate_next(h->tracestate.ptr, h->tracestate.len, &pos, &k, &v) == 1) {
            if (!(ts_drop >> m++ & 1u)) {
                if (!first) tw_sink_put(&sink, ",", 1);
                tw_sink_put(&sink, k.ptr, k.len + 1 + v.len); /* key '=' value are contiguous */
                first = 0;
            }
        }
    }
    if (bg_len) {
        tw_sink_varint(&sink, 0x32);
        tw_sink_varint(&sink, bg_len);
        tw_sink_put(&sink, h->baggage.ptr, bg_len);
    }
    for (i = 0; i < n_unknown; i++) tw_sink_put(&sink, h->unknown[i].ptr, h->unknown[i].len);
    return sink.overflow ? TW_E_BUFFER : (int)sink.len;
}

/* ======================================================================
 * Trust boundaries (spec 10 §10.7) and the response direction (§10.10)
 * ====================================================================== */

tw_status tw_trust_restart(tw_header_t *h, tw_link_t *link, int sampled, tw_random_fn rnd, void *ctx)
{
    uint8_t tid[TW_TRACE_ID_LEN], sid[TW_SPAN_ID_LEN];
    tw_status st;
    if (h == NULL || link == NULL) return TW_E_ARG;
    st = tw_trace_id_generate(tid, rnd, ctx);
    if (st != TW_OK) return st;
    st = tw_span_id_generate(sid, rnd, ctx);
    if (st != TW_OK) return st;
    memset(link, 0, sizeof *link);
    if (h->present & TW_HAS_CONTEXT) {
        memcpy(link->trace_id, h->trace_id, TW_TRACE_ID_LEN);
        memcpy(link->span_id, h->span_id, TW_SPAN_ID_LEN);
        link->trace_flags = h->trace_flags;
        link->valid = 1;
    }
    memcpy(h->trace_id, tid, TW_TRACE_ID_LEN);
    memcpy(h->span_id, sid, TW_SPAN_ID_LEN);
    h->trace_flags = (uint8_t)(TW_FLAG_RANDOM | (sampled ? TW_FLAG_SAMPLED : 0u));
    h->present |= TW_HAS_CONTEXT;
    h->tracestate.ptr = NULL;
    h->tracestate.len = 0;
    h->n_unknown = 0;
    return TW_OK;
}

int tw_tracestate_filter(char *out, size_t cap, const char *s, size_t len, const tw_text_t *allow, size_t n)
{
    size_t pos = 0, o = 0, a;
    tw_text_t k, v;
    int st;
    if ((allow == NULL && n != 0) || (s == NULL && len != 0)) return TW_E_ARG;
    st = tw_tracestate_validate(s, len);
    if (st != TW_OK) return st;
    while (tw_tracestate_next(s, len, &pos, &k, &v) == 1) {
        size_t mlen = k.len + 1 + v.len;
        for (a = 0; a < n; a++)
            if (allow[a].len == k.len && memcmp(allow[a].ptr, k.ptr, k.len) == 0) break;
        if (a == n) continue;
        if (out != NULL) {
            if (cap - o < mlen + (o ? 1u : 0u)) return TW_E_BUFFER;
            if (o) out[o] = ',';
            memcpy(out + o + (o ? 1u : 0u), k.ptr, mlen);
        }
        o += mlen + (o ? 1u : 0u);
    }
    return (int)o;
}

tw_response_relation tw_response_classify(const tw_header_t *request, const tw_header_t *response,
                                          int *sampled_upgrade)
{
    int req_ctx = request != NULL && (request->present & TW_HAS_CONTEXT);
    if (sampled_upgrade) *sampled_upgrade = 0;
    if (response == NULL || !(response->present & TW_HAS_CONTEXT)) return TW_RESPONSE_NONE;
    if (sampled_upgrade)
        *sampled_upgrade = (response->trace_flags & TW_FLAG_SAMPLED) &&
                           !(req_ctx && (request->trace_flags & TW_FLAG_SAMPLED));
    if (req_ctx && memcmp(request->trace_id, response->trace_id, TW_TRACE_ID_LEN) == 0) return TW_RESPONSE_CONTINUED;
    return TW_RESPONSE_RESTARTED;
}
