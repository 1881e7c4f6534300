/* SPDX-License-Identifier: Apache-2.0 */
/* ids.c - fuzz target: identifier generation (spec 04 §4.7) with a fuzzer-fed random source, against a model of the draws. */
#include "fuzz_common.h"

/*
 * Input layout (fuzz/tools/seeds_from_vectors.py writes the same):
 *   byte 0     kind: 0 trace-id, 1 span-id, 2 UUIDv4, 3 UUIDv7 (low 2 bits);
 *              0x04: pass no random source (the OS one), checking only the form
 *   bytes 1-8  unix_ms, little-endian (UUIDv7)
 *   byte 9     the draw (0-based) at which the source reports failure; 0xff: never
 *   the rest   the random bytes, handed out in order; a draw that finds
 *              fewer bytes than it asks for fails (as conformance/README.md
 *              defines the id.generate source)
 */

static const int gen_statuses[] = {TW_OK, TW_E_RANDOM, TW_E_ARG, TW_E_NO_RANDOM, 1};

#define MAX_DRAWS 16

typedef struct {
    const uint8_t *bytes;
    size_t len, pos;
    unsigned fail_at, draws;
    size_t sizes[MAX_DRAWS];
} source;

static int fuzz_random(void *ctx, uint8_t *out, size_t len)
{
    source *s = ctx;
    unsigned k = s->draws++;
    if (k < MAX_DRAWS) s->sizes[k] = len;
    if (k == s->fail_at || s->len - s->pos < len) return -1;
    memcpy(out, s->bytes + s->pos, len);
    s->pos += len;
    return 0;
}

/* The generation steps of §4.7.2 to §4.7.5, on the same byte stream:
 * the expected status, draws and identifier. */
static int model(unsigned kind, uint64_t ms, source *s, uint8_t out[16])
{
    size_t n = kind == 1 ? 8 : 16;
    int attempt;
    uint8_t r[16];
    if (kind == 3) {
        if (ms >= ((uint64_t)1 << 48)) return TW_E_ARG; /* no draw */
        if (fuzz_random(s, r, 10) != 0) return TW_E_RANDOM;
        for (attempt = 0; attempt < 6; attempt++) out[attempt] = (uint8_t)(ms >> (8 * (5 - attempt)));
        memcpy(out + 6, r, 10);
        out[6] = (uint8_t)(0x70 | (r[0] & 0x0F));
        out[8] = (uint8_t)(0x80 | (r[2] & 0x3F));
        return TW_OK;
    }
    if (kind == 2) {
        if (fuzz_random(s, r, 16) != 0) return TW_E_RANDOM;
        memcpy(out, r, 16);
        out[6] = (uint8_t)(0x40 | (r[6] & 0x0F));
        out[8] = (uint8_t)(0x80 | (r[8] & 0x3F));
        return TW_OK;
    }
    for (attempt = 0; attempt < 4; attempt++) {
        if (fuzz_random(s, r, n) != 0) return TW_E_RANDOM;
        if (!twf_all_zero(r, n)) {
            memcpy(out, r, n);
            return TW_OK;
        }
    }
    return TW_E_RANDOM;
}

static int generate(unsigned kind, uint8_t *out, uint64_t ms, tw_random_fn rnd, void *ctx)
{
    switch (kind) {
    case 0: return tw_trace_id_generate(out, rnd, ctx);
    case 1: return tw_span_id_generate(out, rnd, ctx);
    case 2: return tw_uuid4_generate(out, rnd, ctx);
    default: return tw_uuid7_generate(out, ms, rnd, ctx);
    }
}

TWF_TARGET(in, len)
{
    twf_reader r;
    unsigned sel, kind, i;
    uint64_t ms = 0;
    size_t n;
    source got, want;
    uint8_t expect[16], *out;
    int st, st_model;

    r.p = in;
    r.n = len;
    sel = twf_u8(&r);
    kind = sel & 3u;
    n = kind == 1 ? TW_SPAN_ID_LEN : 16;
    for (i = 0; i < 8; i++) ms |= (uint64_t)twf_u8(&r) << (8 * i);
    memset(&got, 0, sizeof got);
    got.fail_at = twf_u8(&r);
    if (got.fail_at == 0xFF) got.fail_at = ~0u;
    got.bytes = r.p;
    got.len = r.n;
    want = got;

    out = twf_buf(TWF_OUT, NULL, n); /* exactly the id's size: I2 */
    if (sel & 4u) {
        /* The OS source: only the form can be checked. */
        st = generate(kind, out, ms, NULL, NULL);
        twf_check_status("generate (OS source)", st, gen_statuses);
        if (kind == 3 && ms >= ((uint64_t)1 << 48))
            /* I11: agreement with the independent oracle */
            TWF_CHECK("I11", st == TW_E_ARG, "UUIDv7 with unix_ms 2^48 or more gave %s", tw_status_name(st));
        if (st == TW_OK) {
            if (kind <= 1) TWF_CHECK("I11", !twf_all_zero(out, n), "all-zero id generated");
            if (kind == 2) TWF_CHECK("I11", (out[6] >> 4) == 4 && (out[8] >> 6) == 2, "UUIDv4 version/variant bits");
            if (kind == 3) TWF_CHECK("I11", (out[6] >> 4) == 7 && (out[8] >> 6) == 2, "UUIDv7 version/variant bits");
        }
        /* I2: no write outside the capacity */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "generation wrote before its output");
        return;
    }

    st = generate(kind, out, ms, fuzz_random, &got);
    twf_check_status("generate", st, gen_statuses);
    /* I2: no write outside the capacity */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "generation wrote before its output");
    st_model = model(kind, ms, &want, expect);
    /* I11: the same status and the same draws as §4.7 prescribes */
    TWF_CHECK("I11", st == st_model, "kind %u: status %s, the model %s", kind, tw_status_name(st), tw_status_name(st_model));
    TWF_CHECK("I11", got.draws == want.draws, "kind %u: %u draws, the model %u", kind, got.draws, want.draws);
    /* I8: at most 4 draws (a bounded loop, §8.2) */
    TWF_CHECK("I8", got.draws <= 4, "%u draws", got.draws);
    for (i = 0; i < got.draws && i < MAX_DRAWS; i++)
        /* I11: each draw asks the model's number of bytes */
        TWF_CHECK("I11", got.sizes[i] == want.sizes[i], "draw %u asked %zu bytes, the model %zu", i, got.sizes[i],
                  want.sizes[i]);
    /* I11: agreement with the independent oracle */
    if (st == TW_OK) TWF_CHECK("I11", memcmp(out, expect, n) == 0, "kind %u: another identifier than the model's", kind);
}
