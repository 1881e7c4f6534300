/* SPDX-License-Identifier: Apache-2.0 */
/* tracestate_read.c - fuzz target: tw_tracestate_next and tw_tracestate_get on hostile text, against a reference split. */
#include "fuzz_common.h"
#include "ref/ref_text.h"

/*
 * Input: byte 0 picks a member whose key is looked up (and a key that is
 * absent); the rest is tracestate text as a peer sent it. tw_tracestate_next
 * is documented for validated text, but must stay inside the text and
 * terminate on any text (I1, I3, I8); on valid text it must yield exactly
 * the list-members of the grammar (spec 04 §4.2.5), in order. tw_tracestate_get
 * validates first, so on any text it gives the validation error or the
 * member's value.
 */

typedef struct {
    const uint8_t *k, *v;
    size_t klen, vlen;
} member;

/* The members of a text the reference validator accepted: every piece
 * between commas with a non-OWS octet, the OWS around commas removed. */
static size_t ref_members(const uint8_t *s, size_t n, member *out)
{
    size_t i, start = 0, count = 0;
    for (i = 0; i <= n; i++) {
        size_t lo = start, hi = i, e;
        if (i < n && s[i] != ',') continue;
        start = i + 1;
        while (lo < hi && ref_ows(s[lo])) lo++;
        while (hi > lo && ref_ows(s[hi - 1])) hi--;
        if (lo == hi) continue;
        for (e = lo; s[e] != '='; e++) {}
        out[count].k = s + lo;
        out[count].klen = e - lo;
        out[count].v = s + e + 1;
        out[count].vlen = hi - e - 1;
        count++;
    }
    return count;
}

static const int get_errors[] = {TW_E_TOO_LONG, TW_E_TOO_MANY_MEMBERS, TW_E_TRACESTATE, 1};

TWF_TARGET(in, len)
{
    member ref[TW_TRACESTATE_MAX_MEMBERS];
    const char *s;
    size_t n, pos = 0, prev, count = 0, nref = 0, steps = 0, pick;
    int st, valid, g;
    tw_text_t key, value;
    uint8_t absent[300];

    if (len == 0) return;
    pick = in[0];
    s = (const char *)twf_buf(TWF_TMP, in + 1, len - 1); /* the text alone, ending at a guard */
    n = len - 1;
    valid = tw_tracestate_validate(s, n) == TW_OK;
    if (valid) nref = ref_members((const uint8_t *)s, n, ref);

    for (;;) {
        prev = pos;
        st = tw_tracestate_next(s, n, &pos, &key, &value);
        /* I8: every call ends the walk or moves forward; the walk is bounded by the text */
        TWF_CHECK("I8", ++steps <= n + 2, "tw_tracestate_next does not terminate");
        if (st != 1) {
            /* I9: 0 at the end, TW_E_TRACESTATE for a piece without '=' */
            TWF_CHECK("I9", st == 0 || st == TW_E_TRACESTATE, "tw_tracestate_next returned %d", st);
            /* I4: counts within capacities and limits */
            if (st == 0) TWF_CHECK("I4", pos == n, "the end leaves pos at %zu of %zu", pos, n);
            break;
        }
        /* I8: bounded, linear work */
        TWF_CHECK("I8", pos > prev && pos <= n, "pos went from %zu to %zu of %zu", prev, pos, n);
        /* I3: key and value are views inside the text */
        TWF_CHECK("I3", twf_inside(key.ptr, key.len, s, n) && twf_inside(value.ptr, value.len, s, n),
                  "a member view lies outside the text");
        if (valid) {
            /* I11: the members of the grammar, in order */
            TWF_CHECK("I11", count < nref && key.len == ref[count].klen && value.len == ref[count].vlen &&
                                 key.ptr == (const char *)ref[count].k && value.ptr == (const char *)ref[count].v,
                      "member %zu differs from the reference split", count);
        }
        count++;
    }
    /* I11: agreement with the independent oracle */
    if (valid) TWF_CHECK("I11", st == 0 && count == nref, "%zu members read, the reference has %zu", count, nref);

    /* tw_tracestate_get: a present key, an absent key */
    g = tw_tracestate_get(s, n, nref ? (const char *)ref[pick % nref].k : "k", nref ? ref[pick % nref].klen : 1, &value);
    if (g < 0) twf_check_status("tw_tracestate_get", g, get_errors);
    /* I9: found (1), absent (0), or a validation error */
    TWF_CHECK("I9", g <= 1, "tw_tracestate_get returned %d", g);
    if (!valid) {
        /* I11: invalid text gives the validation error and no value */
        TWF_CHECK("I11", g == tw_tracestate_validate(s, n) && value.ptr == NULL && value.len == 0,
                  "tw_tracestate_get on invalid text returned %d", g);
        return;
    }
    if (nref) {
        /* I11: the first member with that key (keys are unique in valid text) */
        TWF_CHECK("I11", g == 1 && value.ptr == (const char *)ref[pick % nref].v && value.len == ref[pick % nref].vlen,
                  "tw_tracestate_get missed a present key");
        /* a key no member has: the picked key plus one character */
        memcpy(absent, ref[pick % nref].k, ref[pick % nref].klen);
        absent[ref[pick % nref].klen] = '~';
        g = tw_tracestate_get(s, n, (const char *)absent, ref[pick % nref].klen + 1, &value);
        /* I11: agreement with the independent oracle */
        TWF_CHECK("I11", g == 0 && value.ptr == NULL && value.len == 0, "tw_tracestate_get found an absent key");
    } else {
        TWF_CHECK("I11", g == 0, "tw_tracestate_get found a key in an empty list");
    }
}
