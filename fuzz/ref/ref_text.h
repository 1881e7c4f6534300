/* SPDX-License-Identifier: Apache-2.0 */
/* ref_text.h - reference tracestate and baggage validators written from the ABNF of spec 04 §4.2.5 and §4.2.6, not from the codec. */
#ifndef TW_FUZZ_REF_TEXT_H
#define TW_FUZZ_REF_TEXT_H

/*
 * These are oracles for the fuzz targets (invariant I11). They are written
 * to be obviously right rather than fast, and on purpose in a different
 * shape from the codec: the codec scans once with a character table; here
 * the text is split at every comma first (no key, value or property may
 * hold one), then each piece is matched against its ABNF rule with plain
 * comparisons. Statuses follow the check order of the spec: length, then
 * member count, then grammar.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tracewire.h"

static inline int ref_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}
static inline int ref_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}
static inline int ref_lcalpha(uint8_t c)
{
    return c >= 'a' && c <= 'z';
}
static inline int ref_alpha(uint8_t c)
{
    return ref_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

/* Pieces between commas that hold an octet other than SP / HTAB. */
static inline size_t ref_nonempty_pieces(const uint8_t *s, size_t n)
{
    size_t i, count = 0;
    int filled = 0;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            count += (size_t)filled;
            filled = 0;
        } else if (!ref_ows(s[i])) {
            filled = 1;
        }
    }
    return count;
}

/* ---- tracestate (W3C Trace Context Level 2) -------------------------------
 *   tracestate  = list-member *( OWS "," OWS list-member )
 *   list-member = ( key "=" value ) / OWS
 *   key         = ( lcalpha / DIGIT ) 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@" )
 *   value       = 0*255( chr ) nblk-chr
 *   chr         = %x20 / nblk-chr
 *   nblk-chr    = %x21-2B / %x2D-3C / %x3E-7E
 */
static inline int ref_ts_key_char(uint8_t c)
{
    return ref_lcalpha(c) || ref_digit(c) || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
}
static inline int ref_ts_nblk(uint8_t c)
{
    return (c >= 0x21 && c <= 0x2B) || (c >= 0x2D && c <= 0x3C) || (c >= 0x3E && c <= 0x7E);
}

/* Does s[0..n) match key "=" value exactly? On success *klen is the key's. */
static inline int ref_ts_keyvalue(const uint8_t *s, size_t n, size_t *klen)
{
    const uint8_t *eq = memchr(s, '=', n);
    size_t k, v, i;
    if (eq == NULL) return 0;
    k = (size_t)(eq - s);
    v = n - k - 1;
    if (k < 1 || k > 256 || !(ref_lcalpha(s[0]) || ref_digit(s[0]))) return 0;
    for (i = 1; i < k; i++)
        if (!ref_ts_key_char(s[i])) return 0;
    if (v < 1 || v > 256) return 0;
    for (i = 0; i < v; i++)
        if (!(eq[1 + i] == 0x20 || ref_ts_nblk(eq[1 + i]))) return 0;
    if (!ref_ts_nblk(eq[v])) return 0;
    *klen = k;
    return 1;
}

static inline tw_status ref_tracestate(const uint8_t *s, size_t n)
{
    const uint8_t *keys[TW_TRACESTATE_MAX_MEMBERS];
    size_t klens[TW_TRACESTATE_MAX_MEMBERS];
    size_t npieces = 1, piece = 0, start = 0, i, nkeys = 0, m;

    if (n > TW_TRACESTATE_MAX_LEN) return TW_E_TOO_LONG;
    if (ref_nonempty_pieces(s, n) > TW_TRACESTATE_MAX_MEMBERS) return TW_E_TOO_MANY_MEMBERS;
    for (i = 0; i < n; i++) npieces += s[i] == ',';

    for (i = 0; i <= n; i++) {
        size_t lo, hi, j, klen;
        int blank = 1;
        if (i < n && s[i] != ',') continue;
        lo = start;
        hi = i;
        start = i + 1;
        for (j = lo; j < hi; j++)
            if (!ref_ows(s[j])) blank = 0;
        if (!blank) {
            /* The OWS around a comma belongs to the separator: a piece may
             * open with OWS only after a comma, and close with OWS only
             * before one. */
            if (piece > 0)
                while (lo < hi && ref_ows(s[lo])) lo++;
            if (piece + 1 < npieces)
                while (hi > lo && ref_ows(s[hi - 1])) hi--;
            if (!ref_ts_keyvalue(s + lo, hi - lo, &klen)) return TW_E_TRACESTATE;
            for (m = 0; m < nkeys; m++)
                if (klens[m] == klen && memcmp(keys[m], s + lo, klen) == 0) return TW_E_TRACESTATE;
            keys[nkeys] = s + lo;
            klens[nkeys] = klen;
            nkeys++;
        }
        piece++;
    }
    return TW_OK;
}

/* ---- baggage (W3C Baggage, token from RFC 9110) ---------------------------
 *   baggage       = OWS list-member *( OWS "," OWS list-member ) OWS
 *   list-member   = key OWS "=" OWS value *( OWS ";" OWS property )
 *   property      = ( key OWS "=" OWS value ) / ( key OWS )
 *   key           = 1*tchar
 *   value         = *baggage-octet
 *   baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 *   tchar         = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *                   "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 */
static inline int ref_tchar(uint8_t c)
{
    return ref_digit(c) || ref_alpha(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}
static inline int ref_bg_octet(uint8_t c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) || (c >= 0x3C && c <= 0x5B) ||
           (c >= 0x5D && c <= 0x7E);
}

/* s[0..n) has no OWS at either end. Match key OWS "=" OWS value, or, when
 * bare_key is allowed (a property), a key alone. */
static inline int ref_bg_pair(const uint8_t *s, size_t n, int bare_key)
{
    size_t i = 0;
    while (i < n && ref_tchar(s[i])) i++;
    if (i == 0) return 0;
    while (i < n && ref_ows(s[i])) i++;
    if (i == n) return bare_key;
    if (s[i] != '=') return 0;
    i++;
    while (i < n && ref_ows(s[i])) i++;
    for (; i < n; i++)
        if (!ref_bg_octet(s[i])) return 0;
    return 1;
}

static inline tw_status ref_baggage(const uint8_t *s, size_t n)
{
    size_t start = 0, i;
    if (n > TW_BAGGAGE_MAX_LEN) return TW_E_TOO_LONG;
    if (ref_nonempty_pieces(s, n) > TW_BAGGAGE_MAX_MEMBERS) return TW_E_TOO_MANY_MEMBERS;
    for (i = 0; i <= n; i++) {
        size_t lo = start, hi = i, pstart, j, part = 0;
        if (i < n && s[i] != ',') continue;
        start = i + 1;
        /* every piece is OWS list-member OWS, and a list-member is never empty */
        while (lo < hi && ref_ows(s[lo])) lo++;
        while (hi > lo && ref_ows(s[hi - 1])) hi--;
        if (lo == hi) return TW_E_BAGGAGE;
        /* split the list-member at ';' (neither keys nor values hold one) */
        pstart = lo;
        for (j = lo; j <= hi; j++) {
            size_t a = pstart, b = j;
            if (j < hi && s[j] != ';') continue;
            pstart = j + 1;
            while (a < b && ref_ows(s[a])) a++;
            while (b > a && ref_ows(s[b - 1])) b--;
            if (!ref_bg_pair(s + a, b - a, part > 0)) return TW_E_BAGGAGE;
            part++;
        }
    }
    return TW_OK;
}

#endif
