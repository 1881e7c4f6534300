/* SPDX-License-Identifier: Apache-2.0 */
/* relay_edit.c - fuzz target: tw_relay_edit on received header bytes, against a byte-level model of spec 10 §10.4.2. */
#include "fuzz_common.h"
#include "ref/ref_proto.h"
#include "ref/ref_text.h"
#include "tracewire_relay.h"

/*
 * Input layout:
 *   byte 0   0x01: a new span-id N is given; 0x02: a tracestate member K=V is given
 *   byte 1   SET mask, byte 2 CLEAR mask (any 8 bits: only 0x01 is allowed)
 *   byte 3   picks the capacity of the undersized call
 *   8 bytes  N
 *   2-byte little-endian length and K, 2-byte length and V (when 0x02)
 *   the rest: the message M as received.
 *
 * The model follows §10.4.2 step by step: the checks in their order
 * (decoding M with tw_header_decode, itself checked against nanopb by
 * nanopb_diff), the new values (tracestate.put and truncation written from
 * spec 11 §11.2.3-11.2.4), then the output rules 1-4 occurrence by
 * occurrence. The codec's bytes must be the model's, exactly.
 */

static const int edit_errors[] = {TW_E_ARG,        TW_E_ZERO_ID, TW_E_TRACESTATE, TW_E_VARINT,  TW_E_FIELD_NUMBER,
                                  TW_E_WIRE_TYPE,  TW_E_OVERRUN, TW_E_ID_LENGTH,  TW_E_FLAGS,   TW_E_CONTEXT,
                                  TW_E_TOO_LONG,   TW_E_TOO_MANY_UNKNOWN,         TW_E_BUFFER,  1};

#define OUT_MAX (TW_HEADER_MAX_LEN + TW_TRACESTATE_MAX_LEN + 64)
static uint8_t model_out[OUT_MAX];
static char new_ts[TW_TRACESTATE_MAX_LEN + 600];

typedef struct {
    const uint8_t *p;
    size_t n;
} piece;

/* key "=" value of §4.2.5, as a single list-member */
static int member_ok(const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    size_t i;
    if (kn < 1 || kn > 256 || !(ref_lcalpha(k[0]) || ref_digit(k[0]))) return 0;
    for (i = 1; i < kn; i++)
        if (!ref_ts_key_char(k[i])) return 0;
    if (vn < 1 || vn > 256 || !ref_ts_nblk(v[vn - 1])) return 0;
    for (i = 0; i < vn; i++)
        if (!(v[i] == 0x20 || ref_ts_nblk(v[i]))) return 0;
    return 1;
}

/* tracestate.put (§11.2.3) of K=V into valid (or empty) text; returns its length. */
static size_t model_put(const char *ts, size_t tn, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    piece m[TW_TRACESTATE_MAX_MEMBERS + 1];
    size_t count = 0, i, start = 0, out = 0, budget, total;
    int keep[TW_TRACESTATE_MAX_MEMBERS + 1];
    const uint8_t *s = (const uint8_t *)ts;
    for (i = 0; i <= tn; i++) { /* the members, OWS removed, key K left out */
        size_t lo = start, hi = i;
        if (i < tn && s[i] != ',') continue;
        start = i + 1;
        while (lo < hi && ref_ows(s[lo])) lo++;
        while (hi > lo && ref_ows(s[hi - 1])) hi--;
        if (lo == hi) continue;
        if (hi - lo > kn && s[lo + kn] == '=' && memcmp(s + lo, k, kn) == 0) continue;
        m[count].p = s + lo;
        m[count].n = hi - lo;
        count++;
    }
    if (count + 1 > TW_TRACESTATE_MAX_MEMBERS) count = TW_TRACESTATE_MAX_MEMBERS - 1; /* rule 4 */
    for (i = 0; i < count; i++) keep[i] = 1;
    /* rule 5 with §11.2.4: the others within 4096 - |K=V| - 1 */
    budget = TW_TRACESTATE_MAX_LEN - (kn + 1 + vn) - 1;
    for (;;) {
        size_t kept = 0, pick = count;
        total = 0;
        for (i = 0; i < count; i++)
            if (keep[i]) {
                total += m[i].n + (kept ? 1 : 0);
                kept++;
            }
        if (total <= budget || kept == 0) break;
        for (i = count; i-- > 0;)
            if (keep[i] && m[i].n > 128) {
                pick = i;
                break;
            }
        if (pick == count)
            for (i = count; i-- > 0;)
                if (keep[i]) {
                    pick = i;
                    break;
                }
        keep[pick] = 0;
    }
    memcpy(new_ts, k, kn);
    new_ts[kn] = '=';
    memcpy(new_ts + kn + 1, v, vn);
    out = kn + 1 + vn;
    for (i = 0; i < count; i++)
        if (keep[i]) {
            new_ts[out++] = ',';
            memcpy(new_ts + out, m[i].p, m[i].n);
            out += m[i].n;
        }
    return out;
}

static size_t put_span(uint8_t *o, const uint8_t *n_id)
{
    return ref_put_field(o, 0x12, n_id, TW_SPAN_ID_LEN);
}
static size_t put_flags(uint8_t *o, uint8_t f)
{
    o[0] = 0x18;
    return 1 + ref_put_varint(o + 1, f);
}

/* The whole operation. Returns the status or the output length (in model_out). */
static int model(const uint8_t *m, size_t len, int has_n, const uint8_t *n_id, uint8_t set, uint8_t clr, int has_kv,
                 const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    tw_header_t h;
    int d, named_span, named_flags, named_ts;
    uint8_t flags;
    size_t ts_len = 0, pos, o = 0, i, nf = 0;
    static size_t fstart[TW_HEADER_MAX_LEN / 2 + 1], fend[TW_HEADER_MAX_LEN / 2 + 1];
    static uint32_t fnum[TW_HEADER_MAX_LEN / 2 + 1];
    long last_span = -1, last_flags = -1, last_ts = -1, last_cid = -1;

    if (((set | clr) & ~0x01u) || (((set | clr) & 0x01u) && !has_n)) return TW_E_ARG; /* check 1 */
    if (has_n && twf_all_zero(n_id, TW_SPAN_ID_LEN)) return TW_E_ZERO_ID;              /* check 2 */
    if (has_kv && !member_ok(k, kn, v, vn)) return TW_E_TRACESTATE;                    /* check 3 */
    d = tw_header_decode(&h, m, len);                                                  /* check 4 */
    if (d < 0) return d;
    named_span = has_n;
    named_flags = (set | clr) != 0;
    named_ts = has_kv;
    if ((named_span || named_flags || named_ts) && !(h.present & TW_HAS_CONTEXT)) return TW_E_CONTEXT; /* check 5 */

    flags = (uint8_t)((h.trace_flags | set) & ~clr);
    if (named_ts) ts_len = model_put(h.tracestate.ptr, h.tracestate.len, k, kn, v, vn);

    /* the occurrences of M (it decoded, so its structure is sound) */
    for (pos = 0; pos < len; nf++) {
        uint64_t tag = 0, x = 0;
        fstart[nf] = pos;
        (void)ref_varint(m, len, &pos, &tag);
        fnum[nf] = (uint32_t)(tag >> 3);
        switch (tag & 7) {
        case 0: (void)ref_varint(m, len, &pos, &x); break;
        case 1: pos += 8; break;
        case 5: pos += 4; break;
        default: (void)ref_varint(m, len, &pos, &x); pos += (size_t)x; break;
        }
        fend[nf] = pos;
        if (fnum[nf] == 2) last_span = (long)nf;
        if (fnum[nf] == 3) last_flags = (long)nf;
        if (fnum[nf] == 4) last_cid = (long)nf;
        if (fnum[nf] == 5) last_ts = (long)nf;
    }

    for (i = 0; i < nf; i++) {
        uint32_t f = fnum[i];
        int named = (f == 2 && named_span) || (f == 3 && named_flags) || (f == 5 && named_ts);
        if (!named) { /* rule 1 */
            memcpy(model_out + o, m + fstart[i], fend[i] - fstart[i]);
            o += fend[i] - fstart[i];
        } else if ((long)i == (f == 2 ? last_span : f == 3 ? last_flags : last_ts)) { /* rule 2 */
            if (f == 2) o += put_span(model_out + o, n_id);
            else if (f == 3 && flags != 0) o += put_flags(model_out + o, flags);
            else if (f == 5) o += ref_put_field(model_out + o, 0x2A, new_ts, ts_len);
        }
        /* rule 3: insertions */
        if ((long)i == last_span && named_flags && last_flags < 0 && flags != 0) {
            o += put_flags(model_out + o, flags);
            if (named_ts && last_ts < 0 && last_cid < 0) o += ref_put_field(model_out + o, 0x2A, new_ts, ts_len);
        } else if (named_ts && last_ts < 0 && last_cid < 0) {
            /* after the last trace_flags of the output, else after the last span_id */
            int flags_in_output = last_flags >= 0 && !(named_flags && flags == 0);
            if ((flags_in_output && (long)i == last_flags) || (!flags_in_output && (long)i == last_span))
                o += ref_put_field(model_out + o, 0x2A, new_ts, ts_len);
        }
        if ((long)i == last_cid && named_ts && last_ts < 0) o += ref_put_field(model_out + o, 0x2A, new_ts, ts_len);
    }
    if (o > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG; /* rule 4 */
    return (int)o;
}

TWF_TARGET(in, len)
{
    twf_reader r;
    uint8_t ctl, pick, n_id[TW_SPAN_ID_LEN];
    const uint8_t *k = NULL, *v = NULL, *m;
    size_t kn = 0, vn = 0, mlen, cap;
    tw_relay_edit_t e;
    int want, st, need;
    uint8_t *out;

    r.p = in;
    r.n = len;
    ctl = twf_u8(&r);
    memset(&e, 0, sizeof e);
    e.flags_set = twf_u8(&r);
    e.flags_clear = twf_u8(&r);
    pick = twf_u8(&r);
    twf_fill(&r, n_id, TW_SPAN_ID_LEN);
    if (ctl & 2u) {
        k = twf_bytes(&r, twf_u16(&r), &kn);
        v = twf_bytes(&r, twf_u16(&r), &vn);
        e.ts_key = (const char *)twf_buf(TWF_PIECE, k, kn);
        e.ts_key_len = kn;
        e.ts_value = (const char *)twf_buf(TWF_PIECE + 1, v, vn);
        e.ts_value_len = vn;
    }
    if (ctl & 1u) e.span_id = twf_buf(TWF_PIECE + 2, n_id, TW_SPAN_ID_LEN);
    mlen = r.n;
    m = twf_buf(TWF_TMP, r.p, mlen);

    want = model(m, mlen, ctl & 1u, n_id, e.flags_set, e.flags_clear, (ctl & 2u) != 0, k, kn, v, vn);
    need = tw_relay_edit(NULL, 0, m, mlen, &e);
    if (need < 0) twf_check_status("tw_relay_edit", need, edit_errors);
    /* I11: the status, or the length, of §10.4.2 */
    TWF_CHECK("I11", need == want, "tw_relay_edit measures %d (%s), the model %d (%s)", need,
              need < 0 ? tw_status_name(need) : "ok", want, want < 0 ? tw_status_name(want) : "ok");
    if (want < 0) {
        uint8_t *o = twf_buf(TWF_OUT, NULL, mlen + 64);
        st = tw_relay_edit(o, mlen + 64, m, mlen, &e);
        /* I10: refused with a buffer too, and nothing written */
        TWF_CHECK("I10", st == want, "tw_relay_edit with a buffer returned %d, without %d", st, want);
        return;
    }
    out = twf_buf(TWF_OUT, NULL, (size_t)need);
    st = tw_relay_edit(out, (size_t)need, m, mlen, &e);
    /* I10: writing returns what measuring announced */
    TWF_CHECK("I10", st == need, "tw_relay_edit wrote %d, measured %d", st, need);
    /* I2: nothing written in front of the output */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "tw_relay_edit wrote before its output");
    /* I11: the bytes of the output rules */
    TWF_CHECK("I11", memcmp(out, model_out, (size_t)need) == 0, "tw_relay_edit output differs from the model's");
    if (need > 0) {
        uint8_t *o;
        cap = pick % (size_t)need;
        o = twf_buf(TWF_OUT2, NULL, cap);
        st = tw_relay_edit(o, cap, m, mlen, &e);
        /* I10: a short buffer is TW_E_BUFFER */
        TWF_CHECK("I10", st == TW_E_BUFFER, "tw_relay_edit into %zu of %d bytes returned %d", cap, need, st);
        /* I2: nothing written outside it */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "tw_relay_edit wrote before its output");
    }
    {
        tw_header_t h0, h1;
        int d0 = tw_header_decode(&h0, m, mlen), d1 = tw_header_decode(&h1, out, (size_t)need);
        /* I11: the output decodes; I6: a canonical input gives a canonical output */
        TWF_CHECK("I11", d0 >= 0 && d1 == need, "the edited message decodes with %s", tw_status_name(d1));
        TWF_CHECK("I6", !h0.canonical || h1.canonical, "a canonical message became non-canonical");
    }
}
