/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire_gateway.c - tier 2: text bridges (W3C, B3, Jaeger, grpc-trace-bin, JSON, sampling). */
#include "tracewire_gateway.h"

#include <string.h>


/* ======================================================================
 * Small helpers
 * ====================================================================== */

static const char gw_hex[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

/* Hex digits: 0..15 for 0-9 a-f, 16 + value for A-F, 0xFF for anything
 * else. A const table: one load a digit, nothing to initialise. */
static const uint8_t gw_hexdig[256] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* Hex digit value, or -1; upper case only when anycase. */
static int gw_hexval(char ch, int anycase)
{
    uint8_t v = gw_hexdig[(unsigned char)ch];
    if (v < 16) return v;
    if (anycase && v < 32) return v - 16;
    return -1;
}

/* Is an id all zero? n is 8 or 16. */
static int gw_all_zero(const uint8_t *p, size_t n)
{
    uint64_t a, b = 0;
    memcpy(&a, p, 8);
    if (n == 16) memcpy(&b, p + 8, 8);
    return (a | b) == 0;
}

static int gw_is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static void gw_trim(const char **s, size_t *len)
{
    while (*len && gw_is_ows((*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len && gw_is_ows((*s)[*len - 1])) (*len)--;
}

/* n hex digits into the right end of out[outlen], left-padded with zeros.
 * Pairs are decoded with two table loads; a set bit 0x10 (upper case) is
 * accepted only when anycase, and 0xE0 bits mean "not a digit". */
static int gw_hex_padded(uint8_t *out, size_t outlen, const char *s, size_t n, int anycase)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned bad = 0, mask = anycase ? 0xE0u : 0xF0u;
    size_t i, o;
    if (n == 0 || n > 2 * outlen) return -1;
    o = outlen - (n + 1) / 2;
    for (i = 0; i < o; i++) out[i] = 0; /* left padding (rare: B3/Jaeger short ids) */
    if (n & 1) { /* an odd first digit fills the low half of its byte */
        unsigned v = gw_hexdig[u[0]];
        bad |= v;
        out[o++] = (uint8_t)(v & 15u);
        u++;
        n--;
    }
    for (i = 0; i < n; i += 2) {
        unsigned hi = gw_hexdig[u[i]], lo = gw_hexdig[u[i + 1]];
        bad |= hi | lo;
        out[o++] = (uint8_t)((hi & 15u) << 4 | (lo & 15u));
    }
    return (bad & mask) ? -1 : 0;
}

/* Lowercase hex digits only: the value, or 0x100 for any other octet. */
static const uint16_t gw_hexlo[256] = {
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x000, 0x001, 0x002, 0x003, 0x004, 0x005, 0x006, 0x007, 0x008, 0x009, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x00a, 0x00b, 0x00c, 0x00d, 0x00e, 0x00f, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
    0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100, 0x100,
};

/* Exactly 2n lowercase hex digits into out[0..n): the traceparent case.
 * A pair is T[a] << 4 | T[b]; a non-digit leaves a bit above 0xFF. */
static int gw_hex_lower(uint8_t *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned bad = 0, v;
    size_t i;
    for (i = 0; i + 1 < n; i += 2) {
        unsigned w = (unsigned)gw_hexlo[u[2 * i]] << 4 | gw_hexlo[u[2 * i + 1]];
        v = (unsigned)gw_hexlo[u[2 * i + 2]] << 4 | gw_hexlo[u[2 * i + 3]];
        bad |= w | v;
        out[i] = (uint8_t)w;
        out[i + 1] = (uint8_t)v;
    }
    if (i < n) {
        v = (unsigned)gw_hexlo[u[2 * i]] << 4 | gw_hexlo[u[2 * i + 1]];
        bad |= v;
        out[i] = (uint8_t)v;
    }
    return bad > 0xFFu ? -1 : 0;
}

/* "00" to "ff": two characters a byte, copied at once. */
static const char gw_hexpairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static char *gw_put_hex(char *o, const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        memcpy(o, gw_hexpairs + 2 * b[i], 2);
        o += 2;
    }
    return o;
}

static void gw_set_context(tw_header_t *h, const uint8_t tid[16], const uint8_t sid[8], uint8_t flags)
{
    memcpy(h->trace_id, tid, TW_TRACE_ID_LEN);
    memcpy(h->span_id, sid, TW_SPAN_ID_LEN);
    h->trace_flags = flags;
    h->present |= TW_HAS_CONTEXT;
}

static void gw_clear_context(tw_header_t *h)
{
    memset(h->trace_id, 0, TW_TRACE_ID_LEN);
    memset(h->span_id, 0, TW_SPAN_ID_LEN);
    h->trace_flags = 0;
    h->present &= (uint8_t)~TW_HAS_CONTEXT;
}

/* Bounded output: append n bytes (or count them when out is NULL). */
typedef struct {
    char *out;
    size_t cap, len;
    int overflow;
} gw_sink;

static void gw_emit(gw_sink *k, const char *p, size_t n)
{
    if (k->out != NULL) {
        if (k->cap - k->len < n || k->overflow) {
            k->overflow = 1;
            return;
        }
        memcpy(k->out + k->len, p, n);
    }
    k->len += n;
}

static int gw_done(const gw_sink *k)
{
    if (k->overflow) return TW_E_BUFFER;
    if (k->len > 0x7FFFFFFFu) return TW_E_TOO_LONG;
    return (int)k->len;
}

/* Write octet c as "%XX" with upper-case hex (RFC 3986 §2.1). */
static void gw_emit_pct(gw_sink *k, unsigned c)
{
    static const char HEX[16] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    char e[3];
    e[0] = '%';
    e[1] = HEX[(c >> 4) & 15u];
    e[2] = HEX[c & 15u];
    gw_emit(k, e, 3);
}

/* ======================================================================
 * W3C traceparent (spec 11 §11.2)
 * ====================================================================== */

tw_status tw_traceparent_parse(tw_header_t *h, unsigned *version, const char *s, size_t len)
{
    uint8_t tid[TW_TRACE_ID_LEN], sid[TW_SPAN_ID_LEN], fl[1];
    unsigned ver;
    if (h == NULL || (s == NULL && len != 0)) return TW_E_ARG;
    /* leading and trailing SP/HTAB go first, as HTTP removes them */
    while (len && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) len--;
    if (len < TW_TRACEPARENT_LEN) return TW_E_TRACEPARENT;
    ver = (unsigned)gw_hexlo[(unsigned char)s[0]] << 4 | gw_hexlo[(unsigned char)s[1]];
    if (ver >= 0xFF) return TW_E_TRACEPARENT; /* not lowercase hex, or version ff */
    if (ver == 0 ? len != TW_TRACEPARENT_LEN : (len > TW_TRACEPARENT_LEN && s[55] != '-'))
        return TW_E_TRACEPARENT;
    if (s[2] != '-' || s[35] != '-' || s[52] != '-') return TW_E_TRACEPARENT;
    if (gw_hex_lower(tid, s + 3, 16) | gw_hex_lower(sid, s + 36, 8) | gw_hex_lower(fl, s + 53, 1))
        return TW_E_TRACEPARENT;
    if (gw_all_zero(tid, 16) || gw_all_zero(sid, 8)) return TW_E_TRACEPARENT;
    gw_set_context(h, tid, sid, fl[0]);
    if (version) *version = ver;
    return TW_OK;
}

int tw_traceparent_format(char out[TW_TRACEPARENT_LEN], const tw_header_t *h)
{
    char *o = out;
    if (out == NULL || h == NULL) return TW_E_ARG;
    if (!(h->present & TW_HAS_CONTEXT)) return TW_E_CONTEXT;
    if (gw_all_zero(h->trace_id, 16) || gw_all_zero(h->span_id, 8)) return TW_E_ZERO_ID;
    *o++ = '0';
    *o++ = '0';
    *o++ = '-';
    o = gw_put_hex(o, h->trace_id, 16);
    *o++ = '-';
    o = gw_put_hex(o, h->span_id, 8);
    *o++ = '-';
    (void)gw_put_hex(o, &h->trace_flags, 1);
    return TW_TRACEPARENT_LEN;
}

/* ======================================================================
 * W3C baggage (spec 11 §11.4)
 * ====================================================================== */

int tw_baggage_next(const char *s, size_t len, size_t *pos, tw_text_t *key, tw_text_t *value, tw_text_t *props)
{
    size_t i;
    if ((s == NULL && len != 0) || pos == NULL || key == NULL || value == NULL || props == NULL) return TW_E_ARG;
    for (i = *pos; i < len;) {
        size_t m0, mend, k, kend, v, vend;
        m0 = i;
        while (i < len && s[i] != ',') i++;
        mend = i;
        i = i < len ? i + 1 : i;
        while (m0 < mend && gw_is_ows(s[m0])) m0++;
        while (mend > m0 && gw_is_ows(s[mend - 1])) mend--;
        if (m0 == mend) continue; /* empty member */
        for (k = m0; k < mend && s[k] != '='; k++) {}
        if (k == mend) return TW_E_BAGGAGE;
        kend = k;
        while (kend > m0 && gw_is_ows(s[kend - 1])) kend--;
        for (v = k + 1; v < mend && gw_is_ows(s[v]); v++) {}
        for (vend = v; vend < mend && s[vend] != ';'; vend++) {}
        key->ptr = s + m0;
        key->len = kend - m0;
        props->ptr = vend < mend ? s + vend + 1 : s + mend;
        props->len = vend < mend ? mend - vend - 1 : 0;
        while (props->len && gw_is_ows(props->ptr[0])) {
            props->ptr++;
            props->len--;
        }
        while (vend > v && gw_is_ows(s[vend - 1])) vend--;
        value->ptr = s + v;
        value->len = vend - v;
        *pos = i;
        return 1;
    }
    *pos = len;
    return 0;
}

/* Next octet of a percent-encoded value; "%" without two hex digits is literal. */
static unsigned gw_pct_byte(const char *r, size_t len, size_t *i)
{
    unsigned char c = (unsigned char)r[*i];
    if (c == '%' && *i + 2 < len) {
        int hi = gw_hexval(r[*i + 1], 1), lo = gw_hexval(r[*i + 2], 1);
        if (hi >= 0 && lo >= 0) {
            *i += 3;
            return (unsigned)(hi << 4 | lo);
        }
    }
    *i += 1;
    return c;
}

int tw_baggage_value_decode(char *out, size_t cap, const char *raw, size_t len)
{
    static const char replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
    gw_sink k = {out, cap, 0, 0};
    size_t i = 0;
    if (raw == NULL && len != 0) return TW_E_ARG;
    while (i < len) {
        char seq[4];
        unsigned b0 = gw_pct_byte(raw, len, &i), need, lo = 0x80, hi = 0xBF, n;
        if (b0 < 0x80) {
            seq[0] = (char)b0;
            gw_emit(&k, seq, 1);
            continue;
        }
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            if (b0 == 0xE0) lo = 0xA0;
            if (b0 == 0xED) hi = 0x9F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            if (b0 == 0xF0) lo = 0x90;
            if (b0 == 0xF4) hi = 0x8F;
        } else {
            gw_emit(&k, replacement, 3);
            continue;
        }
        seq[0] = (char)b0;
        for (n = 1; n <= need && i < len; n++) {
            size_t save = i;
            unsigned b = gw_pct_byte(raw, len, &i);
            if (b < (n == 1 ? lo : 0x80u) || b > (n == 1 ? hi : 0xBFu)) {
                i = save; /* the offending octet starts the next sequence */
                break;
            }
            seq[n] = (char)b;
        }
        if (n == need + 1) gw_emit(&k, seq, n);
        else gw_emit(&k, replacement, 3); /* one U+FFFD per maximal invalid subpart */
    }
    return gw_done(&k);
}

static int gw_is_baggage_octet(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
           (c >= 0x5D && c <= 0x7E);
}

int tw_baggage_value_encode(char *out, size_t cap, const char *value, size_t len)
{
    gw_sink k = {out, cap, 0, 0};
    size_t i;
    if (value == NULL && len != 0) return TW_E_ARG;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        if (c != '%' && gw_is_baggage_octet(c)) {
            gw_emit(&k, value + i, 1);
        } else {
            gw_emit_pct(&k, c);
        }
    }
    return gw_done(&k);
}

int tw_baggage_sanitize(char *out, size_t cap, const char *s, size_t len, size_t *dropped)
{
    gw_sink k = {out, cap, 0, 0};
    size_t i = 0, kept = 0, drop = 0;
    int full = 0;
    if (s == NULL && len != 0) return TW_E_ARG;
    if (tw_baggage_validate(s, len) == TW_OK) { /* valid: the text itself (spec 11 §11.3.1 step 1) */
        if (dropped) *dropped = 0;
        gw_emit(&k, s, len);
        return gw_done(&k);
    }
    while (i < len) {
        size_t j = i, m0, mend;
        while (j < len && s[j] != ',') j++;
        m0 = i;
        mend = j;
        i = j + 1;
        while (m0 < mend && gw_is_ows(s[m0])) m0++;
        while (mend > m0 && gw_is_ows(s[mend - 1])) mend--;
        if (m0 == mend) continue;
        if (full || tw_baggage_validate(s + m0, mend - m0) != TW_OK) {
            drop++;
            continue;
        }
        if (kept == TW_BAGGAGE_MAX_MEMBERS || k.len + (k.len ? 1u : 0u) + (mend - m0) > TW_BAGGAGE_MAX_LEN) {
            full = 1; /* never a partial list: this member and all after it go */
            drop++;
            continue;
        }
        if (k.len) gw_emit(&k, ",", 1);
        gw_emit(&k, s + m0, mend - m0);
        kept++;
    }
    if (dropped) *dropped = drop;
    return gw_done(&k);
}

int tw_baggage_filter(char *out, size_t cap, const char *s, size_t len, const tw_text_t *allow, size_t n)
{
    gw_sink k = {out, cap, 0, 0};
    size_t pos = 0, a;
    tw_text_t key, value, props;
    tw_status st;
    if ((allow == NULL && n != 0) || (s == NULL && len != 0)) return TW_E_ARG;
    if (len == 0) return 0; /* no baggage: nothing to keep */
    st = tw_baggage_validate(s, len);
    if (st != TW_OK) return st;
    while (tw_baggage_next(s, len, &pos, &key, &value, &props) == 1) {
        /* the member's own text: from its key to the end of its value or properties */
        const char *m0 = key.ptr;
        const char *mend = props.len ? props.ptr + props.len : value.ptr + value.len;
        for (a = 0; a < n; a++)
            if (allow[a].len == key.len && memcmp(allow[a].ptr, key.ptr, key.len) == 0) break;
        if (a == n) continue;
        if (k.len) gw_emit(&k, ",", 1);
        gw_emit(&k, m0, (size_t)(mend - m0));
    }
    return gw_done(&k);
}

/* ======================================================================
 * B3 (spec 11 §11.5)
 * ====================================================================== */

/* trace (16 or 32 hex) '-' span (16 hex) at s; returns 0 or -1. */
static int gw_b3_ids(uint8_t tid[16], uint8_t sid[8], const char *t, size_t tlen, const char *sp, size_t slen)
{
    if ((tlen != 16 && tlen != 32) || slen != 16) return -1;
    if (gw_hex_padded(tid, 16, t, tlen, 1) || gw_hex_padded(sid, 8, sp, slen, 1)) return -1;
    if (gw_all_zero(tid, 16) || gw_all_zero(sid, 8)) return -1;
    return 0;
}

static uint8_t gw_b3_flags(tw_b3_sampling s)
{
    return (s == TW_B3_ACCEPT || s == TW_B3_DEBUG) ? (uint8_t)TW_FLAG_SAMPLED : 0;
}

tw_status tw_b3_parse(tw_header_t *h, tw_b3_sampling *sampling, const char *s, size_t len)
{
    uint8_t tid[16], sid[8], parent[8];
    tw_b3_sampling smp = TW_B3_DEFER;
    size_t tlen, p;
    if (h == NULL || sampling == NULL || (s == NULL && len != 0)) return TW_E_ARG;
    gw_trim(&s, &len);
    if (len == 1) { /* a decision alone */
        if (s[0] == '0') smp = TW_B3_DENY;
        else if (s[0] == '1') smp = TW_B3_ACCEPT;
        else if (s[0] == 'd') smp = TW_B3_DEBUG;
        else return TW_E_B3;
        gw_clear_context(h);
        *sampling = smp;
        return TW_OK;
    }
    for (tlen = 0; tlen < len && s[tlen] != '-'; tlen++) {}
    if (tlen == len || len - tlen - 1 < 16) return TW_E_B3;
    if (gw_b3_ids(tid, sid, s, tlen, s + tlen + 1, 16)) return TW_E_B3;
    p = tlen + 17;
    if (p < len && s[p] == '-' && len - p - 1 == 16) { /* -{parent} without a decision */
        p = len - 17;
    } else if (p < len) { /* -{sampling}[-{parent}] */
        if (s[p] != '-' || p + 2 > len) return TW_E_B3;
        if (s[p + 1] == '0') smp = TW_B3_DENY;
        else if (s[p + 1] == '1') smp = TW_B3_ACCEPT;
        else if (s[p + 1] == 'd') smp = TW_B3_DEBUG;
        else return TW_E_B3;
        p += 2;
    }
    if (p < len) { /* the parent: validated, never used */
        if (s[p] != '-' || len - p - 1 != 16 || gw_hex_padded(parent, 8, s + p + 1, 16, 1) || gw_all_zero(parent, 8))
            return TW_E_B3;
    }
    gw_set_context(h, tid, sid, gw_b3_flags(smp));
    *sampling = smp;
    return TW_OK;
}

/* Compare a trimmed header value with a word, ASCII case-insensitively. */
static int gw_word(const tw_text_t *v, const char *w)
{
    const char *s = v->ptr;
    size_t len = v->len, i, n = strlen(w);
    gw_trim(&s, &len);
    if (len != n) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != w[i]) return 0;
    }
    return 1;
}

tw_status tw_b3_parse_multi(tw_header_t *h, tw_b3_sampling *sampling, const tw_text_t *trace_id,
                            const tw_text_t *span_id, const tw_text_t *sampled, const tw_text_t *flags)
{
    tw_b3_sampling smp = TW_B3_DEFER;
    if (h == NULL || sampling == NULL) return TW_E_ARG;
    if (sampled != NULL) {
        if (gw_word(sampled, "1") || gw_word(sampled, "true")) smp = TW_B3_ACCEPT;
        else if (gw_word(sampled, "0") || gw_word(sampled, "false")) smp = TW_B3_DENY;
        else return TW_E_B3;
    }
    if (flags != NULL) {
        if (gw_word(flags, "1")) smp = TW_B3_DEBUG;
        else if (!gw_word(flags, "0")) return TW_E_B3;
    }
    if ((trace_id == NULL) != (span_id == NULL)) return TW_E_B3;
    if (trace_id == NULL) {
        gw_clear_context(h);
    } else {
        uint8_t tid[16], sid[8];
        const char *t = trace_id->ptr, *sp = span_id->ptr;
        size_t tl = trace_id->len, sl = span_id->len;
        if ((t == NULL && tl) || (sp == NULL && sl)) return TW_E_ARG;
        gw_trim(&t, &tl);
        gw_trim(&sp, &sl);
        if (gw_b3_ids(tid, sid, t, tl, sp, sl)) return TW_E_B3;
        gw_set_context(h, tid, sid, gw_b3_flags(smp));
    }
    *sampling = smp;
    return TW_OK;
}

int tw_b3_format(char *out, size_t cap, const tw_header_t *h, int debug)
{
    char *o;
    if (h == NULL) return TW_E_ARG;
    if (!(h->present & TW_HAS_CONTEXT)) return TW_E_CONTEXT;
    if (out == NULL) return TW_B3_SINGLE_MAX_LEN;
    if (cap < TW_B3_SINGLE_MAX_LEN) return TW_E_BUFFER;
    o = gw_put_hex(out, h->trace_id, 16);
    *o++ = '-';
    o = gw_put_hex(o, h->span_id, 8);
    *o++ = '-';
    /* debug implies sampled in B3: written only for a sampled trace (spec 11 §11.5.4) */
    *o = !(h->trace_flags & TW_FLAG_SAMPLED) ? '0' : debug ? 'd' : '1';
    return TW_B3_SINGLE_MAX_LEN;
}

/* ======================================================================
 * Jaeger (spec 11 §11.6)
 * ====================================================================== */

tw_status tw_jaeger_parse(tw_header_t *h, int *debug, const char *s, size_t len)
{
    char buf[TW_JAEGER_MAX_LEN + 24];
    size_t n = 0, i, f, start[4], flen[4];
    uint8_t tid[16], sid[8], parent[8], fl[1];
    if (h == NULL || debug == NULL || (s == NULL && len != 0)) return TW_E_ARG;
    gw_trim(&s, &len);
    /* undo the %3A that some clients write for ':' */
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= len || s[i + 1] != '3' || (s[i + 2] != 'A' && s[i + 2] != 'a')) return TW_E_JAEGER;
            c = ':';
            i += 2;
        }
        if (n == sizeof buf) return TW_E_JAEGER;
        buf[n++] = c;
    }
    for (f = 0, i = 0; f < 4; f++) {
        start[f] = i;
        while (i < n && buf[i] != ':') i++;
        flen[f] = i - start[f];
        if (f < 3) {
            if (i == n) return TW_E_JAEGER;
            i++;
        }
    }
    if (i != n) return TW_E_JAEGER;
    if (gw_hex_padded(tid, 16, buf + start[0], flen[0], 1) || gw_hex_padded(sid, 8, buf + start[1], flen[1], 1) ||
        gw_hex_padded(parent, 8, buf + start[2], flen[2], 1) || gw_hex_padded(fl, 1, buf + start[3], flen[3], 1))
        return TW_E_JAEGER;
    if (gw_all_zero(tid, 16) || gw_all_zero(sid, 8)) return TW_E_JAEGER;
    *debug = (fl[0] & 0x02) != 0;
    gw_set_context(h, tid, sid, (fl[0] & 0x03) ? (uint8_t)TW_FLAG_SAMPLED : 0);
    return TW_OK;
}

int tw_jaeger_format(char *out, size_t cap, const tw_header_t *h, int debug)
{
    uint8_t fl;
    char *o;
    if (h == NULL) return TW_E_ARG;
    if (!(h->present & TW_HAS_CONTEXT)) return TW_E_CONTEXT;
    if (out == NULL) return TW_JAEGER_MAX_LEN;
    if (cap < TW_JAEGER_MAX_LEN) return TW_E_BUFFER;
    /* only the sampled bit crosses; debug (0x02) only for a sampled trace (§11.6.3) */
    fl = (uint8_t)((h->trace_flags & TW_FLAG_SAMPLED) ? (debug ? 0x03 : 0x01) : 0x00);
    o = gw_put_hex(out, h->trace_id, 16);
    *o++ = ':';
    o = gw_put_hex(o, h->span_id, 8);
    *o++ = ':';
    *o++ = '0';
    *o++ = ':';
    (void)gw_put_hex(o, &fl, 1);
    return TW_JAEGER_MAX_LEN;
}

/* Does raw hold a '%' not followed by two hex digits? */
static int gw_bad_escape(const char *raw, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (raw[i] == '%' && (i + 2 >= len || gw_hexval(raw[i + 1], 1) < 0 || gw_hexval(raw[i + 2], 1) < 0)) return 1;
    return 0;
}

int tw_jaeger_baggage_member(char *out, size_t cap, const char *name, size_t name_len, const char *value, size_t value_len)
{
    gw_sink k = {out, cap, 0, 0};
    size_t i;
    int raw;
    if ((name == NULL && name_len) || (value == NULL && value_len)) return TW_E_ARG;
    if (name_len <= 8) return 0;
    for (i = 8; i < name_len; i++) { /* the key: a token, written in lower case */
        char c = name[i];
        if (!(tw__ctype[(unsigned char)c] & TW__C_TOK)) return 0;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        gw_emit(&k, &c, 1);
    }
    gw_emit(&k, "=", 1);
    raw = gw_bad_escape(value, value_len);
    for (i = 0; i < value_len;) { /* form-decode (unless raw), then encode as baggage */
        unsigned c = (unsigned char)value[i];
        if (!raw && c == '+') {
            c = ' ';
            i++;
        } else if (!raw && c == '%') {
            c = gw_pct_byte(value, value_len, &i);
        } else {
            i++;
        }
        if (c != '%' && gw_is_baggage_octet((unsigned char)c)) {
            char ch = (char)c;
            gw_emit(&k, &ch, 1);
        } else {
            gw_emit_pct(&k, c);
        }
    }
    return gw_done(&k);
}

int tw_jaeger_baggage_value(char *out, size_t cap, const char *raw, size_t len)
{
    gw_sink k = {out, cap, 0, 0};
    size_t i = 0;
    if (raw == NULL && len != 0) return TW_E_ARG;
    while (i < len) {
        unsigned c = gw_pct_byte(raw, len, &i);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            char ch = (char)c;
            gw_emit(&k, &ch, 1);
        } else {
            gw_emit_pct(&k, c);
        }
    }
    return gw_done(&k);
}

/* ======================================================================
 * grpc-trace-bin and base64 (spec 11 §11.7)
 * ====================================================================== */

tw_status tw_grpc_trace_bin_parse(tw_header_t *h, const uint8_t *b, size_t len)
{
    static const size_t field_len[3] = {16, 8, 1};
    const uint8_t *field[3] = {NULL, NULL, NULL};
    size_t p = 1;
    int last = -1;
    if (h == NULL || (b == NULL && len != 0)) return TW_E_ARG;
    if (len < 1 || b[0] != 0) return TW_E_GRPC_TRACE_BIN;
    while (p < len) {
        int id = b[p];
        if (id > 2 || id <= last) break; /* an unknown, repeated or out-of-order id ends reading */
        if (len - p - 1 < field_len[id]) return TW_E_GRPC_TRACE_BIN;
        field[id] = b + p + 1;
        p += 1 + field_len[id];
        last = id;
    }
    if (field[0] == NULL || field[1] == NULL || gw_all_zero(field[0], 16) || gw_all_zero(field[1], 8))
        return TW_E_GRPC_TRACE_BIN;
    gw_set_context(h, field[0], field[1], field[2] && (field[2][0] & 1) ? (uint8_t)TW_FLAG_SAMPLED : 0);
    return TW_OK;
}

int tw_grpc_trace_bin_format(uint8_t out[TW_GRPC_TRACE_BIN_LEN], const tw_header_t *h)
{
    if (out == NULL || h == NULL) return TW_E_ARG;
    if (!(h->present & TW_HAS_CONTEXT)) return TW_E_CONTEXT;
    out[0] = 0;
    out[1] = 0;
    memcpy(out + 2, h->trace_id, 16);
    out[18] = 1;
    memcpy(out + 19, h->span_id, 8);
    out[27] = 2;
    out[28] = (uint8_t)(h->trace_flags & TW_FLAG_SAMPLED);
    return TW_GRPC_TRACE_BIN_LEN;
}

static int gw_b64val(char ch)
{
    unsigned char c = (unsigned char)ch;
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int tw_base64_decode(uint8_t *out, size_t cap, const char *s, size_t len)
{
    size_t i, n = 0, need, pad = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    if (s == NULL && len != 0) return TW_E_ARG;
    /* padding, when present, completes the last group of four exactly */
    while (pad < 2 && len > pad && s[len - 1 - pad] == '=') pad++;
    if (pad && ((len % 4) != 0 || (len - pad) % 4 == 1)) return TW_E_BASE64;
    len -= pad;
    if (len % 4 == 1 || (pad && 4 - len % 4 != pad)) return TW_E_BASE64;
    need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
    if (need > 0x7FFFFFFFu) return TW_E_TOO_LONG;
    if (out != NULL && cap < need) return TW_E_BUFFER;
    for (i = 0; i < len; i++) {
        int v = gw_b64val(s[i]);
        if (v < 0) return TW_E_BASE64;
        acc = (acc << 6 | (uint32_t)v) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out != NULL) out[n] = (uint8_t)(acc >> bits);
            n++;
        }
    }
    if (acc & ((1u << bits) - 1u)) return TW_E_BASE64; /* bits beyond the data must be zero */
    return (int)n;
}

int tw_base64_encode(char *out, size_t cap, const uint8_t *b, size_t len)
{
    static const char A[64] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
                               'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'a', 'b', 'c', 'd', 'e', 'f',
                               'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
                               'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '/'};
    size_t i, o = 0, need;
    if (b == NULL && len != 0) return TW_E_ARG;
    if (len > 0x5FFFFFFFu) return TW_E_TOO_LONG;
    need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0); /* unpadded, as gRPC emits */
    if (out == NULL) return (int)need;
    if (cap < need) return TW_E_BUFFER;
    for (i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16;
        if (i + 1 < len) v |= (uint32_t)b[i + 1] << 8;
        if (i + 2 < len) v |= b[i + 2];
        out[o++] = A[v >> 18 & 63];
        out[o++] = A[v >> 12 & 63];
        if (i + 1 < len) out[o++] = A[v >> 6 & 63];
        if (i + 2 < len) out[o++] = A[v & 63];
    }
    return (int)o;
}

/* ======================================================================
 * JSON form (spec 11 §11.8)
 * ====================================================================== */

static void gw_json_string(gw_sink *k, const char *s, size_t n)
{
    size_t i;
    gw_emit(k, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2];
            e[0] = '\\';
            e[1] = (char)c;
            gw_emit(k, e, 2);
        } else if (c < 0x20) {
            char e[6];
            e[0] = '\\';
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = gw_hex[c >> 4];
            e[5] = gw_hex[c & 15];
            gw_emit(k, e, 6);
        } else {
            gw_emit(k, s + i, 1);
        }
    }
    gw_emit(k, "\"", 1);
}

int tw_json_format(char *out, size_t cap, const tw_header_t *h)
{
    gw_sink k = {out, cap, 0, 0};
    char buf[TW_UUID_TEXT_LEN];
    const char *sep = "{";
    tw_status st = tw_header_validate(h);
    if (st != TW_OK) return st;
    if (h->present & TW_HAS_CONTEXT) {
        gw_put_hex(buf, h->trace_id, 16);
        gw_emit(&k, "{\"trace_id\":", 12);
        gw_json_string(&k, buf, 32);
        gw_put_hex(buf, h->span_id, 8);
        gw_emit(&k, ",\"span_id\":", 11);
        gw_json_string(&k, buf, 16);
        gw_put_hex(buf, &h->trace_flags, 1);
        gw_emit(&k, ",\"trace_flags\":", 15);
        gw_json_string(&k, buf, 2);
        sep = ",";
    }
    if (h->present & TW_HAS_CORRELATION_ID) {
        tw_uuid_format(buf, h->correlation_id);
        gw_emit(&k, sep, 1);
        gw_emit(&k, "\"correlation_id\":", 17);
        gw_json_string(&k, buf, TW_UUID_TEXT_LEN);
        sep = ",";
    }
    if (h->tracestate.len) {
        gw_emit(&k, sep, 1);
        gw_emit(&k, "\"tracestate\":", 13);
        gw_json_string(&k, h->tracestate.ptr, h->tracestate.len);
        sep = ",";
    }
    if (h->baggage.len) {
        gw_emit(&k, sep, 1);
        gw_emit(&k, "\"baggage\":", 10);
        gw_json_string(&k, h->baggage.ptr, h->baggage.len);
        sep = ",";
    }
    if (sep[0] == '{') gw_emit(&k, "{", 1);
    gw_emit(&k, "}", 1);
    return gw_done(&k);
}

/* A JSON reader over one buffer. */
typedef struct {
    const char *s;
    size_t len, i;
} gw_json;

static void gw_ws(gw_json *j)
{
    while (j->i < j->len && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

/* Read a string at j->i (on its opening quote); unescaped octets go to
 * out[0..cap) when out is not NULL. Returns the unescaped length, or -1 for
 * bad JSON, -2 when it does not fit. */
static long gw_json_str(gw_json *j, char *out, size_t cap)
{
    size_t n = 0;
    int overflow = 0;
    if (j->i >= j->len || j->s[j->i] != '"') return -1;
    j->i++;
    for (;;) {
        unsigned char c;
        char u8[4];
        size_t ulen = 1;
        if (j->i >= j->len) return -1;
        c = (unsigned char)j->s[j->i++];
        if (c == '"') break;
        if (c < 0x20) return -1;
        u8[0] = (char)c;
        if (c == '\\') {
            char e;
            if (j->i >= j->len) return -1;
            e = j->s[j->i++];
            switch (e) {
            case '"': case '\\': case '/': u8[0] = e; break;
            case 'b': u8[0] = '\b'; break;
            case 'f': u8[0] = '\f'; break;
            case 'n': u8[0] = '\n'; break;
            case 'r': u8[0] = '\r'; break;
            case 't': u8[0] = '\t'; break;
            case 'u': {
                uint32_t cp = 0;
                int d;
                for (d = 0; d < 4; d++) {
                    int v = j->i < j->len ? gw_hexval(j->s[j->i], 1) : -1;
                    if (v < 0) return -1;
                    cp = cp << 4 | (uint32_t)v;
                    j->i++;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) { /* a surrogate pair */
                    uint32_t lo = 0;
                    if (j->i + 6 > j->len || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u') return -1;
                    j->i += 2;
                    for (d = 0; d < 4; d++) {
                        int v = gw_hexval(j->s[j->i], 1);
                        if (v < 0) return -1;
                        lo = lo << 4 | (uint32_t)v;
                        j->i++;
                    }
                    if (lo < 0xDC00 || lo > 0xDFFF) return -1;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return -1;
                }
                if (cp < 0x80) {
                    u8[0] = (char)cp;
                } else if (cp < 0x800) {
                    u8[0] = (char)(0xC0 | cp >> 6);
                    u8[1] = (char)(0x80 | (cp & 0x3F));
                    ulen = 2;
                } else if (cp < 0x10000) {
                    u8[0] = (char)(0xE0 | cp >> 12);
                    u8[1] = (char)(0x80 | (cp >> 6 & 0x3F));
                    u8[2] = (char)(0x80 | (cp & 0x3F));
                    ulen = 3;
                } else {
                    u8[0] = (char)(0xF0 | cp >> 18);
                    u8[1] = (char)(0x80 | (cp >> 12 & 0x3F));
                    u8[2] = (char)(0x80 | (cp >> 6 & 0x3F));
                    u8[3] = (char)(0x80 | (cp & 0x3F));
                    ulen = 4;
                }
                break;
            }
            default: return -1;
            }
        }
        if (out != NULL) {
            if (cap - n < ulen) overflow = 1;
            else memcpy(out + n, u8, ulen);
        }
        n += ulen;
    }
    return overflow ? -2 : (long)n;
}

/* Skip any JSON value inside the outer object; containers nest at most 31
 * more levels (a bit each), so the whole text nests at most 32 deep. */
static int gw_json_skip(gw_json *j)
{
    uint32_t stack = 0; /* bit d: 1 = object, 0 = array */
    int depth = 0;
    for (;;) {
        char c;
        gw_ws(j);
        if (j->i >= j->len) return -1;
        c = j->s[j->i];
        if (c == '{' || c == '[') {
            if (depth == 31) return -1; /* the outer object is depth 1 of at most 32 */
            stack = (stack << 1) | (c == '{');
            depth++;
            j->i++;
            gw_ws(j);
            if (j->i < j->len && j->s[j->i] == (c == '{' ? '}' : ']')) {
                j->i++;
                depth--;
                stack >>= 1;
                goto after_value;
            }
            if (c == '{') goto object_key;
            continue;
        }
        if (c == '"') {
            if (gw_json_str(j, NULL, 0) < 0) return -1;
        } else if (c == 't' || c == 'f' || c == 'n') {
            const char *w = c == 't' ? "true" : c == 'f' ? "false" : "null";
            size_t wl = strlen(w);
            if (j->len - j->i < wl || memcmp(j->s + j->i, w, wl) != 0) return -1;
            j->i += wl;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t d0;
            if (c == '-') j->i++;
            d0 = j->i;
            while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
            if (j->i == d0 || (j->s[d0] == '0' && j->i - d0 > 1)) return -1;
            if (j->i < j->len && j->s[j->i] == '.') {
                j->i++;
                d0 = j->i;
                while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
                if (j->i == d0) return -1;
            }
            if (j->i < j->len && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
                j->i++;
                if (j->i < j->len && (j->s[j->i] == '+' || j->s[j->i] == '-')) j->i++;
                d0 = j->i;
                while (j->i < j->len && j->s[j->i] >= '0' && j->s[j->i] <= '9') j->i++;
                if (j->i == d0) return -1;
            }
        } else {
            return -1;
        }
    after_value:
        for (;;) {
            if (depth == 0) return 0;
            gw_ws(j);
            if (j->i >= j->len) return -1;
            c = j->s[j->i++];
            if (c == ',') {
                if (stack & 1u) goto object_key;
                break; /* next array element */
            }
            if (c != ((stack & 1u) ? '}' : ']')) return -1;
            depth--;
            stack >>= 1;
        }
        continue;
    object_key:
        gw_ws(j);
        if (gw_json_str(j, NULL, 0) < 0) return -1;
        gw_ws(j);
        if (j->i >= j->len || j->s[j->i] != ':') return -1;
        j->i++;
    }
}

enum { GW_K_TRACE, GW_K_SPAN, GW_K_FLAGS, GW_K_CORR, GW_K_TS, GW_K_BG, GW_K_OTHER };

static int gw_json_key(const char *k, long n)
{
    static const char *const names[6] = {"trace_id", "span_id", "trace_flags", "correlation_id", "tracestate", "baggage"};
    int i;
    for (i = 0; i < 6; i++)
        if ((size_t)n == strlen(names[i]) && memcmp(k, names[i], (size_t)n) == 0) return i;
    return GW_K_OTHER;
}

/* Read one tracewire key's string value into h; returns TW_OK or the field error. */
static tw_status gw_json_field(tw_header_t *h, uint8_t *flags, int which, const char *val, long vn)
{
    switch (which) {
    case GW_K_TRACE:
        return vn == 32 && tw_hex_decode(h->trace_id, val, 16) == TW_OK ? TW_OK : TW_E_JSON_FIELD;
    case GW_K_SPAN:
        return vn == 16 && tw_hex_decode(h->span_id, val, 8) == TW_OK ? TW_OK : TW_E_JSON_FIELD;
    case GW_K_FLAGS:
        return vn == 2 && tw_hex_decode(flags, val, 1) == TW_OK ? TW_OK : TW_E_JSON_FIELD;
    default: /* GW_K_CORR */
        if (vn < 0 || tw_uuid_parse(h->correlation_id, val, (size_t)vn) != TW_OK) return TW_E_JSON_FIELD;
        h->present |= TW_HAS_CORRELATION_ID;
        return TW_OK;
    }
}

tw_status tw_json_parse(tw_header_t *h, char *scratch, size_t scratch_cap, const char *s, size_t len)
{
    gw_json j;
    char key[32], val[40];
    unsigned seen = 0, appeared = 0; /* keys with a value; keys written at all */
    size_t used = 0;
    uint8_t flags = 0;
    tw_status field_err = TW_OK; /* reported only if the JSON itself is well formed */
    if (h == NULL || (s == NULL && len != 0) || (scratch == NULL && scratch_cap != 0)) return TW_E_ARG;
    memset(h, 0, sizeof *h);
    j.s = s;
    j.len = len;
    j.i = 0;
    gw_ws(&j);
    if (j.i >= j.len || s[j.i] != '{') return TW_E_JSON;
    j.i++;
    gw_ws(&j);
    if (j.i < j.len && s[j.i] == '}') {
        j.i++;
    } else {
        for (;;) {
            long kn, vn;
            int which;
            gw_ws(&j);
            kn = gw_json_str(&j, key, sizeof key);
            if (kn == -1) return TW_E_JSON;
            which = kn == -2 ? GW_K_OTHER : gw_json_key(key, kn);
            gw_ws(&j);
            if (j.i >= j.len || s[j.i] != ':') return TW_E_JSON;
            j.i++;
            gw_ws(&j);
            if (which != GW_K_OTHER) { /* one of the six keys twice: invalid, even as null */
                if ((appeared >> which) & 1u && field_err == TW_OK) field_err = TW_E_JSON_FIELD;
                appeared |= 1u << which;
            }
            if (which != GW_K_OTHER && j.len - j.i >= 4 && memcmp(s + j.i, "null", 4) == 0) {
                j.i += 4; /* null: absent */
            } else if (which == GW_K_OTHER || j.i >= j.len || s[j.i] != '"') {
                if (which != GW_K_OTHER && field_err == TW_OK) field_err = TW_E_JSON_FIELD;
                if (gw_json_skip(&j)) return TW_E_JSON;
            } else if (which == GW_K_TS || which == GW_K_BG) {
                vn = gw_json_str(&j, scratch + used, scratch_cap - used);
                if (vn == -1) return TW_E_JSON;
                if (vn == -2) {
                    if (field_err == TW_OK) field_err = TW_E_BUFFER;
                } else if ((size_t)vn > (which == GW_K_TS ? TW_TRACESTATE_MAX_LEN : TW_BAGGAGE_MAX_LEN)) {
                    if (field_err == TW_OK) field_err = TW_E_TOO_LONG;
                } else {
                    tw_text_t *t = which == GW_K_TS ? &h->tracestate : &h->baggage;
                    t->ptr = vn ? scratch + used : NULL;
                    t->len = (size_t)vn;
                    used += (size_t)vn;
                }
            } else {
                tw_status st;
                vn = gw_json_str(&j, val, sizeof val);
                if (vn == -1) return TW_E_JSON;
                if (vn != 0) { /* "": absent */
                    st = gw_json_field(h, &flags, which, val, vn); /* -2: too long to be valid */
                    if (st != TW_OK && field_err == TW_OK) field_err = st;
                    seen |= 1u << which;
                }
            }
            gw_ws(&j);
            if (j.i >= j.len) return TW_E_JSON;
            if (s[j.i] == ',') {
                j.i++;
                continue;
            }
            if (s[j.i] != '}') return TW_E_JSON;
            j.i++;
            break;
        }
    }
    gw_ws(&j);
    if (j.i != j.len) return TW_E_JSON;
    if (field_err != TW_OK) return field_err;

    /* the header rules (spec 04 §4.4), as a decoder applies them */
    if (((seen >> GW_K_TRACE) & 1u) != ((seen >> GW_K_SPAN) & 1u)) return TW_E_CONTEXT;
    if (seen & (1u << GW_K_TRACE)) {
        h->present |= TW_HAS_CONTEXT;
        h->trace_flags = flags;
    } else if (flags != 0 || h->tracestate.len != 0) {
        return TW_E_CONTEXT;
    }
    if (((h->present & TW_HAS_CONTEXT) &&
         (gw_all_zero(h->trace_id, TW_TRACE_ID_LEN) || gw_all_zero(h->span_id, TW_SPAN_ID_LEN))) ||
        ((h->present & TW_HAS_CORRELATION_ID) && gw_all_zero(h->correlation_id, TW_CORRELATION_ID_LEN)))
        return TW_E_ZERO_ID;
    h->canonical = 1;
    if (h->tracestate.len && tw_tracestate_validate(h->tracestate.ptr, h->tracestate.len) != TW_OK) {
        h->tracestate.ptr = NULL;
        h->tracestate.len = 0;
        h->discarded |= TW_DISCARDED_TRACESTATE;
    }
    if (h->baggage.len && tw_baggage_validate(h->baggage.ptr, h->baggage.len) != TW_OK) {
        h->baggage.ptr = NULL;
        h->baggage.len = 0;
        h->discarded |= TW_DISCARDED_BAGGAGE;
    }
    return TW_OK;
}

/* ======================================================================
 * Consistent probability sampling (spec 11 §11.9)
 * ====================================================================== */

/* Is v the value grammar of §11.9.1 with unique keys? ot-entry = key ":" val,
 * key = lcalpha *(lcalpha / DIGIT), val = *(ALPHA / DIGIT / "." / "_" / "-"). */
static int gw_ot_value_ok(const char *v, size_t n)
{
    size_t i = 0;
    while (i <= n) {
        size_t k0 = i, klen, e;
        if (i == n || !(v[i] >= 'a' && v[i] <= 'z')) return 0;
        while (i < n && ((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9'))) i++;
        klen = i - k0;
        if (i == n || v[i] != ':') return 0;
        i++;
        while (i < n && v[i] != ';') {
            char c = v[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-'))
                return 0;
            i++;
        }
        for (e = 0; e < k0;) { /* the same key earlier? */
            size_t s0 = e;
            while (v[e] != ':') e++;
            if (e - s0 == klen && memcmp(v + s0, v + k0, klen) == 0) return 0;
            while (e < k0 && v[e] != ';') e++;
            e++;
        }
        if (i == n) return 1;
        i++; /* ';' */
    }
    return 0;
}

/* The lowercase hex value of v[0..n), or -1. */
static int gw_ot_hex(const char *v, size_t n, uint64_t *x)
{
    size_t d;
    *x = 0;
    for (d = 0; d < n; d++) {
        int hv = gw_hexval(v[d], 0);
        if (hv < 0) return -1;
        *x = *x << 4 | (uint64_t)hv;
    }
    return 0;
}

tw_status tw_ot_parse(tw_ot_t *ot, const char *tracestate, size_t len)
{
    tw_text_t v;
    size_t i = 0;
    if (ot == NULL) return TW_E_ARG;
    memset(ot, 0, sizeof *ot);
    /* an invalid list, no ot member, or an unusable ot value: nothing */
    if (tw_tracestate_get(tracestate, len, "ot", 2, &v) != 1 || !gw_ot_value_ok(v.ptr, v.len)) return TW_OK;
    while (i < v.len) {
        size_t k0 = i, c, n;
        uint64_t x;
        while (i < v.len && v.ptr[i] != ';') i++;
        for (c = k0; v.ptr[c] != ':'; c++) {}
        n = i - c - 1;
        i++;
        if (c - k0 != 2 || gw_ot_hex(v.ptr + c + 1, n, &x) != 0) continue;
        if (memcmp(v.ptr + k0, "th", 2) == 0 && n >= 1 && n <= 14) {
            ot->has_th = 1;
            ot->threshold = x << (4 * (14 - n));
        } else if (memcmp(v.ptr + k0, "rv", 2) == 0 && n == 14) {
            ot->has_rv = 1;
            ot->rv = x;
        }
    }
    return TW_OK;
}

int tw_sampling_randomness(uint64_t *r, const tw_header_t *h, const tw_ot_t *ot)
{
    int i;
    uint64_t x = 0;
    if (r == NULL || h == NULL) return 0;
    if (ot != NULL && ot->has_rv) {
        *r = ot->rv;
        return 1;
    }
    if (!(h->present & TW_HAS_CONTEXT) || !(h->trace_flags & TW_FLAG_RANDOM)) return 0;
    for (i = 9; i < 16; i++) x = x << 8 | h->trace_id[i];
    *r = x;
    return 1;
}

int tw_ot_set_threshold(char *out, size_t cap, const char *tracestate, size_t len, uint64_t threshold)
{
    char value[256];
    size_t n = 0, i = 0, digits = 14;
    tw_text_t v;
    int st, d;
    if (threshold >= TW_OT_MAX_THRESHOLD) return TW_E_ARG;
    /* th: 14 hex digits with trailing zeros removed; "0" for zero */
    while (digits > 1 && ((threshold >> (4 * (14 - digits))) & 15u) == 0) digits--;
    value[n++] = 't';
    value[n++] = 'h';
    value[n++] = ':';
    for (d = 0; d < (int)digits; d++) value[n++] = gw_hex[(threshold >> (4 * (13 - d))) & 15u];
    st = tw_tracestate_get(tracestate, len, "ot", 2, &v);
    if (st != 1 || !gw_ot_value_ok(v.ptr, v.len)) st = 0; /* missing or unusable: th alone */
    while (st == 1 && i < v.len) { /* keep the other entries, in order */
        size_t k0 = i, end;
        while (i < v.len && v.ptr[i] != ';') i++;
        end = i++;
        if (end - k0 >= 3 && memcmp(v.ptr + k0, "th:", 3) == 0) continue;
        if (end == k0) continue;
        if (n + 1 + (end - k0) > sizeof value) return TW_E_TRACESTATE;
        value[n++] = ';';
        memcpy(value + n, v.ptr + k0, end - k0);
        n += end - k0;
    }
    return tw_tracestate_put(out, cap, tracestate, len, "ot", 2, value, n);
}
