/* SPDX-License-Identifier: Apache-2.0 */
/* fastpath_diff.c - differential fuzz target: the fixed-offset fast path of tw_header_decode against the general field reader. */
#include "fuzz_common.h"
#include "ref/ref_proto.h"

/*
 * Input layout:
 *   16 bytes trace-id, 8 bytes span-id, 1 byte flags,
 *   1 byte: the unknown field's wire type (low 2 bits: 0, 1, 2, 5) and field number (7 + the other 6 bits,
 *           scaled so that both one- and two-byte tags occur),
 *   the rest: the unknown field's payload material.
 *
 * The canonical minimal header made from the ids and flags is 28 or 30
 * bytes (31 with flags 0x80 or above) and, when it is 28 or 30, takes the
 * decoder's fixed-offset fast path. The same values written other ways
 * (other field order, an unknown field after or before, a non-minimal tag,
 * an earlier occurrence overwritten, explicit defaults) go through the
 * general reader. All must give the same status and values (I14), with
 * the canonical flag each form calls for (I6).
 */

#define MAXM (64 + 200)

static size_t put(uint8_t *m, size_t n, const void *p, size_t k)
{
    memcpy(m + n, p, k);
    return n + k;
}

static size_t put_tid(uint8_t *m, size_t n, const uint8_t *tid)
{
    m[n++] = 0x0A;
    m[n++] = 0x10;
    return put(m, n, tid, 16);
}
static size_t put_sid(uint8_t *m, size_t n, const uint8_t *sid)
{
    m[n++] = 0x12;
    m[n++] = 0x08;
    return put(m, n, sid, 8);
}
static size_t put_flags(uint8_t *m, size_t n, uint8_t f)
{
    if (f == 0) return n;
    m[n++] = 0x18;
    return n + ref_put_varint(m + n, f);
}

/* One unknown field from the selector and the payload material. */
static size_t make_unknown(uint8_t *u, uint8_t sel, const uint8_t *p, size_t plen)
{
    static const unsigned wts[4] = {0, 1, 2, 5};
    unsigned wt = wts[sel & 3], k = sel >> 2;
    uint32_t field = 7 + (k < 32 ? k : (k - 32) * 97); /* 7..38, and 7..3015 by 97 */
    size_t n = ref_put_varint(u, ((uint64_t)field << 3) | wt), i;
    uint8_t pad[8] = {0};
    memcpy(pad, p, plen < 8 ? plen : 8);
    switch (wt) {
    case 0: {
        uint64_t v = 0;
        for (i = 0; i < 8; i++) v |= (uint64_t)pad[i] << (8 * i);
        return n + ref_put_varint(u + n, v);
    }
    case 1: return put(u, n, pad, 8);
    case 5: return put(u, n, pad, 4);
    default:
        if (plen > 120) plen = 120;
        u[n++] = (uint8_t)plen;
        return put(u, n, p, plen);
    }
}

/* I14 and I6: variant v decodes like the canonical form a. */
static void same(const char *form, const uint8_t *m, size_t n, int st_a, const tw_header_t *a, int want_canonical,
                 const uint8_t *unk, size_t unk_len)
{
    tw_header_t h;
    const uint8_t *g = twf_buf(TWF_TMP, m, n);
    int st = tw_header_decode(&h, g, n);
    const char *diff;
    tw_header_t b;
    if (st_a < 0) {
        /* I14: fast path and general path agree */
        TWF_CHECK("I14", st == st_a, "%s: %s, the canonical form %s", form, tw_status_name(st), tw_status_name(st_a));
        return;
    }
    TWF_CHECK("I14", st == (int)n, "%s: %s, the canonical form decodes", form, tw_status_name(st));
    twf_check_decoded(form, &h, g, n);
    b = h;
    if (unk_len) {
        /* I14: fast path and general path agree */
        TWF_CHECK("I14", h.n_unknown == 1 && h.unknown[0].len == unk_len && !memcmp(h.unknown[0].ptr, unk, unk_len),
                  "%s: the unknown field is not kept as is", form);
        b.n_unknown = 0;
    }
    diff = twf_header_diff(a, &b);
    /* I14: the same values as the fast path */
    TWF_CHECK("I14", diff == NULL, "%s: %s differs from the fast path's", form, diff);
    /* I6: canonical form and flag */
    TWF_CHECK("I6", h.canonical == want_canonical, "%s: canonical=%u", form, h.canonical);
}

TWF_TARGET(in, len)
{
    uint8_t tid[16] = {0}, sid[8] = {0}, flags, sel, m[MAXM], u[140], alt[16];
    size_t n, ulen, i, a_len;
    twf_reader r;
    tw_header_t a;
    int st_a;
    const uint8_t *g;

    r.p = in;
    r.n = len;
    twf_fill(&r, tid, 16);
    twf_fill(&r, sid, 8);
    flags = twf_u8(&r);
    sel = twf_u8(&r);
    ulen = make_unknown(u, sel, r.p, r.n);

    /* the canonical form */
    a_len = put_flags(m, put_sid(m, put_tid(m, 0, tid), sid), flags);
    g = twf_buf(TWF_IN + 6, m, a_len);
    st_a = tw_header_decode(&a, g, a_len);
    if (st_a >= 0) {
        twf_check_decoded("canonical", &a, g, a_len);
        /* I14: fast path and general path agree */
        TWF_CHECK("I14", st_a == (int)a_len && a.present == TW_HAS_CONTEXT && !memcmp(a.trace_id, tid, 16) &&
                             !memcmp(a.span_id, sid, 8) && a.trace_flags == flags && a.canonical,
                  "the canonical minimal header decodes to other values");
    } else {
        TWF_CHECK("I14", st_a == TW_E_ZERO_ID && (twf_all_zero(tid, 16) || twf_all_zero(sid, 8)),
                  "the canonical minimal header gives %s", tw_status_name(st_a));
    }

    /* span-id first */
    n = put_flags(m, put_tid(m, put_sid(m, 0, sid), tid), flags);
    same("span-id first", m, n, st_a, &a, 0, NULL, 0);
    /* flags first */
    n = put_sid(m, put_tid(m, put_flags(m, 0, flags), tid), sid);
    same("flags first", m, n, st_a, &a, flags == 0, NULL, 0);
    /* an unknown field appended: still canonical (§4.3.1 rule 4) */
    n = put(m, put_flags(m, put_sid(m, put_tid(m, 0, tid), sid), flags), u, ulen);
    same("unknown appended", m, n, st_a, &a, 1, u, ulen);
    /* an unknown field in front */
    n = put_flags(m, put_sid(m, put_tid(m, put(m, 0, u, ulen), tid), sid), flags);
    same("unknown in front", m, n, st_a, &a, 0, u, ulen);
    /* a non-minimal trace-id tag */
    m[0] = 0x8A;
    m[1] = 0x00;
    m[2] = 0x10;
    n = put_flags(m, put_sid(m, put(m, 3, tid, 16), sid), flags);
    same("non-minimal tag", m, n, st_a, &a, 0, NULL, 0);
    /* a non-minimal span-id length */
    n = put_tid(m, 0, tid);
    m[n++] = 0x12;
    m[n++] = 0x88;
    m[n++] = 0x00;
    n = put_flags(m, put(m, n, sid, 8), flags);
    same("non-minimal length", m, n, st_a, &a, 0, NULL, 0);
    /* an earlier trace-id occurrence, overwritten (last one wins) */
    for (i = 0; i < 16; i++) alt[i] = (uint8_t)~tid[i];
    n = put_flags(m, put_sid(m, put_tid(m, put_tid(m, 0, alt), tid), sid), flags);
    same("trace-id overwritten", m, n, st_a, &a, 0, NULL, 0);
    /* explicit defaults: flags 0 before the real flags, an empty correlation-id */
    n = put_sid(m, put_tid(m, 0, tid), sid);
    m[n++] = 0x18;
    m[n++] = 0x00;
    n = put_flags(m, n, flags);
    m[n++] = 0x22;
    m[n++] = 0x00;
    same("explicit defaults", m, n, st_a, &a, 0, NULL, 0);
}
