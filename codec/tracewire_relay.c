/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire_relay.c - add-on: tracestate editing, relay edits on bytes, frame budget, trust boundaries. */
#include "tracewire_relay.h"

#include <string.h>


/* ======================================================================
 * tracestate editing (spec 04 §4.2.5, spec 10 §10.4)
 * ====================================================================== */

static int tw_all_zero8(const uint8_t *p)
{
    uint64_t a;
    memcpy(&a, p, 8);
    return a == 0;
}

/* Length of member m's "key=value", OWS excluded. */
static size_t ts_mlen(const char *s, size_t len, const tw__ts_table *t, size_t m)
{
    size_t e = (size_t)t->off[m] + t->klen[m] + 1;
    while (e < len && s[e] != ',') e++;
    while (s[e - 1] == ' ' || s[e - 1] == '\t') e--;
    return e - t->off[m];
}

/* After the key comparisons are done, turn klen into "key=value" lengths. */
static void ts_to_mlen(const char *s, size_t len, tw__ts_table *t)
{
    size_t m;
    for (m = 0; m < t->n; m++) t->klen[m] = (uint16_t)ts_mlen(s, len, t, m);
}

/* W3C truncation (spec 04 §4.2.5): with t->klen holding member lengths, mark members to drop until the joined
 * length fits the budget; members over 128 octets go first, right to left,
 * then the rest right to left. `fixed` octets are already taken (a new first
 * member). Returns the joined length of what is kept. */
static size_t tw_ts_trim(const tw__ts_table *t, uint32_t *dropped, size_t fixed, size_t budget)
{
    size_t total = fixed, m, pass;
    for (m = 0; m < t->n; m++)
        if (!(*dropped >> m & 1u)) total += (size_t)t->klen[m] + (total ? 1u : 0u);
    for (pass = 0; pass < 2 && total > budget; pass++) {
        for (m = t->n; m-- > 0 && total > budget;) {
            if ((*dropped >> m & 1u) || (pass == 0 && t->klen[m] <= 128)) continue;
            *dropped |= (uint32_t)1 << m;
            total -= (size_t)t->klen[m] + (total > t->klen[m] ? 1u : 0u);
        }
    }
    return total;
}

/* Append the kept members, joined by ',', at out[start..]; out[0..start)
 * is already written. */
static int tw_ts_write(char *out, const char *s, const tw__ts_table *t, uint32_t dropped, size_t start)
{
    size_t m, o = start;
    for (m = 0; m < t->n; m++) {
        if (dropped >> m & 1u) continue;
        if (o) out[o++] = ',';
        memcpy(out + o, s + t->off[m], t->klen[m]);
        o += t->klen[m];
    }
    return (int)o;
}

int tw_tracestate_truncate(char *out, size_t cap, const char *s, size_t len, size_t budget)
{
    tw__ts_table t;
    uint32_t dropped = 0;
    size_t total;
    int st = tw__tracestate_split(s, len, &t, TW_HEADER_MAX_LEN);
    if (st != TW_OK) return st;
    ts_to_mlen(s, len, &t);
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
    if (!(tw__ctype[k[0]] & TW__C_KEY0)) return 0;
    for (i = 1; i < klen; i++)
        if (!(tw__ctype[k[i]] & TW__C_KEY)) return 0;
    for (i = 0; i < vlen; i++)
        if (!(tw__ctype[v[i]] & TW__C_VAL)) return 0;
    return (tw__ctype[v[vlen - 1]] & TW__C_NBLK) != 0;
}

int tw_tracestate_put(char *out, size_t cap, const char *s, size_t len, const char *key, size_t key_len,
                      const char *value, size_t value_len)
{
    tw__ts_table t;
    uint32_t dropped = 0;
    size_t m, kept, total, head = key_len + 1 + value_len;
    int st;
    if ((key == NULL && key_len) || (value == NULL && value_len)) return TW_E_ARG;
    if (!tw_ts_member_ok(key, key_len, value, value_len)) return TW_E_TRACESTATE;
    st = tw__tracestate_split(s, len, &t, TW_TRACESTATE_MAX_LEN);
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
    ts_to_mlen(s, len, &t);
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
    tw_sink_put(k, b, (size_t)(tw__write_varint(b, v) - b));
}

/* The edited flags field (tag 0x18), or nothing when the value is 0. */
static void tw_edit_flags(tw_sink *k, uint8_t flags)
{
    if (flags == 0) return;
    tw_sink_varint(k, 0x18);
    tw_sink_varint(k, flags);
}

/* The edited tracestate field: the relay's member put at the front. */
static int tw_edit_tracestate(tw_sink *k, const uint8_t *msg, const tw__field *old, const tw_relay_edit_t *e)
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
    tw__field last[7], f;
    const uint8_t *p, *end;
    tw_sink k;
    tw_header_t h;
    uint8_t flags;
    int have[7] = {0, 0, 0, 0, 0, 0, 0}, st, edit_flags, edit_ts;
    unsigned fnum, ts_anchor;

    /* spec 10 §10.4.2, in order: usage, new span-id, member, decode, context */
    if (e == NULL || (in == NULL && len != 0)) return TW_E_ARG;
    if (((e->flags_set | e->flags_clear) & ~TW_FLAG_SAMPLED) != 0) return TW_E_ARG; /* random, reserved: never */
    if (((e->flags_set | e->flags_clear) & TW_FLAG_SAMPLED) && e->span_id == NULL) return TW_E_ARG;
    if ((e->ts_key == NULL) != (e->ts_value == NULL)) return TW_E_ARG;
    if (e->span_id != NULL && tw_all_zero8(e->span_id)) return TW_E_ZERO_ID;
    if (e->ts_key != NULL && !tw_ts_member_ok(e->ts_key, e->ts_key_len, e->ts_value, e->ts_value_len))
        return TW_E_TRACESTATE;
    st = tw_header_decode(&h, in, len);
    if (st < 0) return st;
    if ((e->span_id || e->flags_set || e->flags_clear || e->ts_key) && !(h.present & TW_HAS_CONTEXT))
        return TW_E_CONTEXT;

    /* where the last occurrence of every known field is (decode passed) */
    p = in;
    end = in + len;
    while (p < end) {
        st = tw__next_field(in, &p, end, &f);
        if (st != TW_OK) return st;
        if (f.field <= 6) {
            last[f.field] = f;
            have[f.field] = 1;
        }
    }
    flags = (uint8_t)((h.trace_flags | e->flags_set) & (uint8_t)~e->flags_clear);
    /* spec 10 §10.4.2: a field is named when the edit gives it, even when
     * its value does not change */
    edit_flags = (e->flags_set | e->flags_clear) != 0;
    edit_ts = e->ts_key != NULL;
    /* where an absent tracestate goes (output rule 3): after the last
     * correlation_id, else after the output's last trace_flags, else after
     * the last span_id */
    if (have[4]) ts_anchor = 4;
    else if (edit_flags ? flags != 0 : have[3]) ts_anchor = have[3] ? 3 : 2; /* 2: right after inserted flags */
    else ts_anchor = 2;

    k.out = out;
    k.cap = cap;
    k.len = 0;
    k.overflow = 0;
    p = in;
    while (p < end) {
        (void)tw__next_field(in, &p, end, &f); /* pass 1 read it all */
        fnum = f.field;
        if (fnum <= 6 && last[fnum].start != f.start &&
            ((fnum == 3 && edit_flags) || (fnum == 5 && edit_ts) || (fnum == 2 && e->span_id)))
            continue; /* output rule 2: earlier occurrences of a named field go */
        if (fnum == 2 && e->span_id) { /* replaced where it stands, canonically */
            static const uint8_t tag[2] = {0x12, 0x08};
            tw_sink_put(&k, tag, 2);
            tw_sink_put(&k, e->span_id, TW_SPAN_ID_LEN);
        } else if (fnum == 3 && edit_flags) {
            tw_edit_flags(&k, flags); /* nothing when the new value is 0 */
        } else if (fnum == 5 && edit_ts) {
            st = tw_edit_tracestate(&k, in, &f, e);
            if (st != TW_OK) return st;
        } else {
            tw_sink_put(&k, in + f.start, f.end - f.start); /* output rule 1 */
        }
        /* output rule 3: named fields without any occurrence */
        if (fnum == 2 && f.start == last[2].start) {
            if (edit_flags && !have[3]) tw_edit_flags(&k, flags);
            if (edit_ts && !have[5] && ts_anchor == 2) {
                st = tw_edit_tracestate(&k, in, NULL, e);
                if (st != TW_OK) return st;
            }
        } else if (edit_ts && !have[5] && (fnum == 3 || fnum == 4) && fnum == ts_anchor && f.start == last[fnum].start) {
            st = tw_edit_tracestate(&k, in, NULL, e);
            if (st != TW_OK) return st;
        }
    }
    if (k.overflow) return TW_E_BUFFER;
    if (k.len > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;
    return (int)k.len;
}

/* ======================================================================
 * Frame budget (spec 10 §10.6)
 * ====================================================================== */

/* Baggage members in normal form: each piece between commas with its outer
 * OWS removed; empty pieces skipped. */
static int tw_bg_next(const char *s, size_t len, size_t *pos, size_t *m0, size_t *mlen)
{
    size_t i = *pos, a, e;
    while (i < len) {
        a = i;
        while (i < len && s[i] != ',') i++;
        e = i;
        i = i < len ? i + 1 : i;
        while (a < e && (s[a] == ' ' || s[a] == '\t')) a++;
        while (e > a && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
        if (a < e) {
            *pos = i;
            *m0 = a;
            *mlen = e - a;
            return 1;
        }
    }
    *pos = len;
    return 0;
}

/* Kept tracestate length for a dropped-member mask (members joined by ','). */
static size_t tw_ts_kept_len(const uint16_t *mlen, size_t n, uint32_t dropped)
{
    size_t m, total = 0;
    for (m = 0; m < n; m++)
        if (!(dropped >> m & 1u)) total += mlen[m] + (total ? 1u : 0u);
    return total;
}

/* Encoded size of a length-delimited field with a one-byte tag. */
static size_t tw_ld_size(size_t n)
{
    return n ? 1 + tw__varint_len(n) + n : 0;
}

/* The stages of spec 10 §10.6 for a header that does not fit as it is. */
static TW__NOINLINE int tw_budget_drop(uint8_t *out, size_t cap, const tw_header_t *h, size_t budget, unsigned *dropped)
{
    uint16_t mlen[TW_TRACESTATE_MAX_MEMBERS];
    size_t nts = 0, ts_len = h->tracestate.len, bg_len = h->baggage.len, bg_keep = 0, unk = 0, fixed, i, pos;
    size_t n_unknown = h->n_unknown, m0, ml;
    uint32_t ts_drop = 0;
    unsigned what = 0;
    int ctx = (h->present & TW_HAS_CONTEXT) != 0, cid = (h->present & TW_HAS_CORRELATION_ID) != 0;
    int bg_norm = 0, ts_norm = 0;
    tw_text_t k, v;
    tw_sink sink;

    for (i = 0; i < n_unknown; i++) unk += h->unknown[i].len;
#define TW_FIXED() ((ctx ? 28u + (h->trace_flags ? 1u + tw__varint_len(h->trace_flags) : 0u) : 0u) + (cid ? 18u : 0u))
#define TW_TOTAL() (TW_FIXED() + tw_ld_size(ts_len) + tw_ld_size(bg_len) + unk)
    /* 1. baggage: normal form, then the longest prefix of members that fits */
    if (TW_TOTAL() > budget && bg_len) {
        size_t n = 0, acc = 0;
        bg_norm = 1;
        pos = 0;
        while (tw_bg_next(h->baggage.ptr, h->baggage.len, &pos, &m0, &ml)) n++;
        bg_len = 0;
        fixed = TW_TOTAL(); /* everything but the baggage */
        pos = 0;
        while (tw_bg_next(h->baggage.ptr, h->baggage.len, &pos, &m0, &ml)) {
            acc += ml + (bg_keep ? 1u : 0u);
            if (fixed + tw_ld_size(acc) > budget) break;
            bg_keep++;
            bg_len = acc;
        }
        if (bg_keep < n) what |= TW_BUDGET_DROPPED_BAGGAGE;
    }
    /* 2. tracestate: normal form, then members over 128 octets from the
     * right, then members from the right (W3C order) */
    if (TW_TOTAL() > budget && ts_len) {
        ts_norm = 1;
        pos = 0;
        while (nts < TW_TRACESTATE_MAX_MEMBERS && tw_tracestate_next(h->tracestate.ptr, h->tracestate.len, &pos, &k, &v) == 1)
            mlen[nts++] = (uint16_t)(k.len + 1 + v.len);
        ts_len = tw_ts_kept_len(mlen, nts, 0);
        for (i = 0; i < 2; i++) {
            size_t m = nts;
            while (TW_TOTAL() > budget && m-- > 0) {
                if ((ts_drop >> m & 1u) || (i == 0 && mlen[m] <= 128)) continue;
                ts_drop |= (uint32_t)1 << m;
                ts_len = tw_ts_kept_len(mlen, nts, ts_drop);
                what |= TW_BUDGET_DROPPED_TRACESTATE;
            }
        }
    }
    /* 3. unknown fields from the right, 4. the trace context, 5. the correlation-id */
    while (TW_TOTAL() > budget && n_unknown > 0) {
        unk -= h->unknown[--n_unknown].len;
        what |= TW_BUDGET_DROPPED_UNKNOWN;
    }
    if (TW_TOTAL() > budget && ctx) {
        ctx = 0;
        what |= TW_BUDGET_DROPPED_CONTEXT;
    }
    if (TW_TOTAL() > budget && cid) {
        cid = 0;
        what |= TW_BUDGET_DROPPED_CORRELATION_ID;
    }
    fixed = TW_TOTAL();
#undef TW_TOTAL
#undef TW_FIXED
    if (dropped) *dropped = what;
    if (out == NULL) return (int)fixed;
    if (cap < fixed) return TW_E_BUFFER;

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
    if (ts_len && ctx) {
        tw_sink_varint(&sink, 0x2A);
        tw_sink_varint(&sink, ts_len);
        if (!ts_norm) {
            tw_sink_put(&sink, h->tracestate.ptr, ts_len);
        } else {
            size_t m = 0, first = 1;
            pos = 0;
            while (tw_tracestate_next(h->tracestate.ptr, h->tracestate.len, &pos, &k, &v) == 1) {
                if (!(ts_drop >> m++ & 1u)) {
                    if (!first) tw_sink_put(&sink, ",", 1);
                    tw_sink_put(&sink, k.ptr, k.len + 1 + v.len); /* key '=' value are contiguous */
                    first = 0;
                }
            }
        }
    }
    if (bg_len) {
        tw_sink_varint(&sink, 0x32);
        tw_sink_varint(&sink, bg_len);
        if (!bg_norm) {
            tw_sink_put(&sink, h->baggage.ptr, bg_len);
        } else {
            pos = 0;
            for (i = 0; i < bg_keep && tw_bg_next(h->baggage.ptr, h->baggage.len, &pos, &m0, &ml); i++) {
                if (i) tw_sink_put(&sink, ",", 1);
                tw_sink_put(&sink, h->baggage.ptr + m0, ml);
            }
        }
    }
    for (i = 0; i < n_unknown; i++) tw_sink_put(&sink, h->unknown[i].ptr, h->unknown[i].len);
    return sink.overflow ? TW_E_BUFFER : (int)sink.len;
}

int tw_header_encode_budget(uint8_t *out, size_t cap, const tw_header_t *h, size_t budget, unsigned *dropped)
{
    int full;
    if (dropped) *dropped = 0;
    full = tw_header_validate(h); /* every rule but the 16384 limit: §10.6.2 shortens */
    if (full < 0) return full;
    if (budget > TW_HEADER_MAX_LEN) budget = TW_HEADER_MAX_LEN;
    full = tw_header_encode(NULL, 0, h);
    if (full >= 0 && (size_t)full <= budget) return tw_header_encode(out, cap, h); /* fits: the bytes unchanged */
    return tw_budget_drop(out, cap, h, budget, dropped);
}

int tw_block_encode_budget(uint8_t *out, size_t cap, const tw_header_t *h, size_t budget, unsigned *dropped)
{
    size_t lenlen;
    if (dropped) *dropped = 0;
    if (budget < 2) { /* not even 01 00 fits */
        int st = tw_header_validate(h);
        if (st != TW_OK) return st;
        if (dropped) *dropped = TW_BUDGET_DROPPED_BAGGAGE | TW_BUDGET_DROPPED_TRACESTATE | TW_BUDGET_DROPPED_UNKNOWN |
                                TW_BUDGET_DROPPED_CONTEXT | TW_BUDGET_DROPPED_CORRELATION_ID;
        return 0;
    }
    /* the length takes 1, 2 or 3 octets: use the first size it fits in */
    for (lenlen = 1; lenlen <= 3; lenlen++) {
        size_t room = budget > 1 + lenlen ? budget - 1 - lenlen : 0;
        int n = tw_header_encode_budget(NULL, 0, h, room, dropped);
        if (n < 0) return n;
        if (tw__varint_len((uint64_t)n) > lenlen) continue;
        if (out == NULL) return (int)(1 + lenlen + (size_t)n);
        if (cap < 1 + lenlen + (size_t)n) return TW_E_BUFFER;
        out[0] = TW_WIRE_VERSION;
        (void)tw__write_varint(out + 1, (uint64_t)n);
        n = tw_header_encode_budget(out + 1 + lenlen, cap - 1 - lenlen, h, room, dropped);
        return n < 0 ? n : (int)(1 + lenlen + (size_t)n);
    }
    return TW_E_TOO_LONG; /* not reached: a message fits 3 length octets */
}

/* ======================================================================
 * The per-trace verbosity hint (spec 10 §10.8.3)
 * ====================================================================== */

static int tw_hint_key(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
static int tw_hint_val(char c) { return tw_hint_key(c) || c == '.' || c == '_' || c == '-'; }

tw_log_hint tw_log_hint_parse(const char *tracestate, size_t len)
{
    tw_text_t v;
    tw_log_hint hint = TW_LOG_HINT_NONE;
    size_t i = 0;
    int logs = 0;
    if (tw_tracestate_get(tracestate, len, "tw", 2, &v) != 1) return TW_LOG_HINT_NONE;
    for (;;) { /* tw-entry = tw-key ":" tw-val, joined by ';' */
        size_t k0 = i, colon, end;
        if (i == v.len || !(v.ptr[i] >= 'a' && v.ptr[i] <= 'z')) return TW_LOG_HINT_NONE;
        while (i < v.len && tw_hint_key(v.ptr[i])) i++;
        if (i == v.len || v.ptr[i] != ':') return TW_LOG_HINT_NONE;
        colon = i++;
        while (i < v.len && tw_hint_val(v.ptr[i])) i++;
        end = i;
        if (end == colon + 1) return TW_LOG_HINT_NONE;
        if (colon - k0 == 3 && memcmp(v.ptr + k0, "log", 3) == 0) {
            size_t n = end - colon - 1;
            const char *val = v.ptr + colon + 1;
            if (logs++) return TW_LOG_HINT_NONE; /* the log key twice gives no hint */
            hint = n == 5 && memcmp(val, "debug", 5) == 0   ? TW_LOG_HINT_DEBUG
                   : n == 5 && memcmp(val, "trace", 5) == 0 ? TW_LOG_HINT_TRACE
                                                            : TW_LOG_HINT_NONE;
        }
        if (i == v.len) return hint;
        if (v.ptr[i] != ';') return TW_LOG_HINT_NONE;
        i++;
    }
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
