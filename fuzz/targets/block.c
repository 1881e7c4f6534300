/* SPDX-License-Identifier: Apache-2.0 */
/* block.c - fuzz target: tw_block_measure, tw_block_decode and tw_block_encode on hostile frames, with the truncation rule. */
#include "fuzz_common.h"
#include "ref/ref_proto.h"

/* Input: the start of a frame as a peer sent it: a prefix block of any
 * version, possibly followed by application bytes. */

static const int measure_errors[] = {TW_E_TRUNCATED, TW_E_BLOCK_LENGTH, TW_E_TOO_LONG, 1};
static const int block_decode_errors[] = {TW_E_TRUNCATED, TW_E_BLOCK_LENGTH, TW_E_TOO_LONG, TW_E_VERSION,
                                          TW_E_VARINT,    TW_E_FIELD_NUMBER, TW_E_WIRE_TYPE, TW_E_OVERRUN,
                                          TW_E_ID_LENGTH, TW_E_ZERO_ID,      TW_E_FLAGS,     TW_E_CONTEXT,
                                          TW_E_TOO_MANY_UNKNOWN, 1};

/* Block framing exactly as spec 05 §5.2.3 steps 1-4 state it. */
static int ref_measure(const uint8_t *b, size_t n, size_t *lenlen, uint64_t *mlen)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0) return TW_E_TRUNCATED;                          /* step 1 */
    for (i = 0; i < 9; i++) {                                   /* step 2 */
        if (1 + i >= n) return TW_E_TRUNCATED;                  /* input ends inside the length */
        v |= (uint64_t)(b[1 + i] & 0x7F) << (7 * i);
        if (!(b[1 + i] & 0x80)) break;
    }
    if (i == 9) return TW_E_BLOCK_LENGTH;                       /* nine bytes, all continued */
    if (i > 0 && b[1 + i] == 0x00) return TW_E_BLOCK_LENGTH;    /* not minimal */
    if (v > TW_HEADER_MAX_LEN) return TW_E_TOO_LONG;            /* step 3 */
    if (n < 1 + (i + 1) + v) return TW_E_TRUNCATED;             /* step 4 */
    *lenlen = i + 1;
    *mlen = v;
    return (int)(1 + (i + 1) + v);
}

/* I13: every proper prefix reads as truncated, each placed so that it ends
 * at a guard page. Blocks up to 512 bytes: every prefix; longer ones: the
 * first and last 64 and every 61st in between (time stays linear). */
static void check_prefixes(const uint8_t *in, size_t total)
{
    size_t k;
    for (k = 0; k < total; k++) {
        tw_header_t hp;
        const uint8_t *p;
        int a, b;
        if (total > 512 && k > 64 && k + 64 < total && k % 61 != 0) continue;
        p = twf_buf(TWF_TMP, in, k);
        a = tw_block_measure(p, k, NULL, NULL, NULL);
        b = tw_block_decode(&hp, p, k);
        /* I13: proper prefixes are truncated */
        TWF_CHECK("I13", a == TW_E_TRUNCATED && b == TW_E_TRUNCATED,
                  "prefix of %zu of %zu bytes: measure %s, decode %s", k, total, tw_status_name(a), tw_status_name(b));
    }
}

TWF_TARGET(in, len)
{
    tw_header_t h, hm, hd;
    unsigned version = 0xFFFFu;
    size_t off = 0, mlen = 0, rlenlen = 0;
    uint64_t rmlen = 0;
    int sm, sr, sd, shd, need, m;
    uint8_t *out;
    const char *diff;

    sm = tw_block_measure(in, len, &version, &off, &mlen);
    sr = ref_measure(in, len, &rlenlen, &rmlen);
    if (sm < 0) twf_check_status("tw_block_measure", sm, measure_errors);
    /* I11: framing as spec 05 §5.2.3 steps 1-4 */
    TWF_CHECK("I11", sm == sr, "measure returned %d, the spec's steps %d", sm, sr);
    /* measuring with every output pointer NULL gives the same answer */
    TWF_CHECK("I11", tw_block_measure(in, len, NULL, NULL, NULL) == sm, "measure depends on its output pointers");

    sd = tw_block_decode(&h, in, len);
    if (sd < 0) twf_check_status("tw_block_decode", sd, block_decode_errors);
    if (sm < 0) {
        /* I11: a block whose framing fails fails decoding the same way */
        TWF_CHECK("I11", sd == sm, "decode returned %s, measure %s", tw_status_name(sd), tw_status_name(sm));
        return;
    }
    /* I4: the block fits in the input and in TW_BLOCK_MAX_LEN */
    TWF_CHECK("I4", (size_t)sm <= len && (size_t)sm <= TW_BLOCK_MAX_LEN, "block length %d, input %zu", sm, len);
    /* I11: the measured version, offset and length are the model's */
    TWF_CHECK("I11", version == in[0] && off == 1 + rlenlen && mlen == rmlen && off + mlen == (size_t)sm,
              "measure outputs: version %u offset %zu length %zu", version, off, mlen);

    if (in[0] != TW_WIRE_VERSION) {
        /* I11: any other version is skipped by its length */
        TWF_CHECK("I11", sd == TW_E_VERSION, "version %u block gave %s", in[0], tw_status_name(sd));
        return;
    }
    /* I11: a version-1 block is its message decoded in message form */
    shd = tw_header_decode(&hm, twf_buf(TWF_TMP2, in + off, mlen), mlen);
    if (shd < 0) {
        TWF_CHECK("I11", sd == shd, "block decode %s, message decode %s", tw_status_name(sd), tw_status_name(shd));
        return;
    }
    /* I10: success consumes exactly the block */
    TWF_CHECK("I10", sd == sm, "block decode returned %d, the block is %d bytes", sd, sm);
    twf_check_decoded("tw_block_decode", &h, in + off, mlen);
    diff = twf_header_diff(&h, &hm);
    /* I11: agreement with the independent oracle */
    TWF_CHECK("I11", diff == NULL && h.canonical == hm.canonical && h.discarded == hm.discarded,
              "block and message decode differ in %s", diff ? diff : "canonical/discarded");

    check_prefixes(in, (size_t)sm);

    /* Re-encode as a block. */
    need = tw_block_encode(NULL, 0, &h);
    /* I5: every decoded header encodes */
    TWF_CHECK("I5", need > 0, "block encode of a decoded header returned %s", tw_status_name(need));
    out = twf_buf(TWF_OUT, NULL, (size_t)need);
    m = tw_block_encode(out, (size_t)need, &h);
    /* I10: success and failure are exact */
    TWF_CHECK("I10", m == need, "block encode returned %d, measure said %d", m, need);
    /* I2: no write outside the capacity */
    TWF_CHECK("I2", twf_canary_ok(TWF_OUT), "block encode wrote before its output buffer");
    {
        uint8_t *o = twf_buf(TWF_OUT2, NULL, (size_t)need - 1);
        int r = tw_block_encode(o, (size_t)need - 1, &h);
        /* I10: success and failure are exact */
        TWF_CHECK("I10", r == TW_E_BUFFER, "block encode into %d of %d bytes returned %d", need - 1, need, r);
        /* I2: no write outside the capacity */
        TWF_CHECK("I2", twf_canary_ok(TWF_OUT2), "block encode wrote before its output buffer");
    }
    /* I6: a canonical message in a block re-encodes to the same block */
    TWF_CHECK("I6", h.canonical == (m == sm && memcmp(out, in, (size_t)sm) == 0),
              "canonical=%u but the re-encoded block %s", h.canonical, h.canonical ? "differs" : "is identical");
    /* I5: decode(encode(x)) == x */
    sd = tw_block_decode(&hd, out, (size_t)m);
    TWF_CHECK("I5", sd == m, "decoding the re-encoded block returned %s", tw_status_name(sd));
    diff = twf_header_diff(&h, &hd);
    TWF_CHECK("I5", diff == NULL, "re-decoded block differs in %s", diff);
    /* I6: canonical form and flag */
    TWF_CHECK("I6", hd.canonical == 1 && hd.discarded == 0, "encoded block decodes as canonical=%u", hd.canonical);
}
