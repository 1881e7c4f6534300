/* SPDX-License-Identifier: Apache-2.0 */
/* nanopb_diff.c - differential fuzz target: tw_header_decode against nanopb (generated from the schema) plus the spec's extra rules. */
#include "fuzz_common.h"
#include "ref/ref_text.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include "tracewire/v1/trace_header.pb.h"

/*
 * Input: one TraceHeader message. nanopb's runtime is compiled into this
 * binary with the same instrumentation as the codec, so the fuzzer steers
 * both. nanopb enforces the protobuf structure, wire types, varints,
 * last-one-wins and the per-occurrence sizes (max_size in the .options
 * file). The rules nanopb cannot know are applied to its result here, from
 * spec 04 (§4.4.3, §4.4.5, §4.4.7), as tests/nanopb_cross.c does, with
 * two additions nanopb needs: tags are read as 64-bit varints (nanopb's
 * 32-bit tag reader folds a sign-extended 10-byte tag to 32 bits), and
 * unknown varints are read, not skipped (nanopb's skip has no 10-byte
 * limit). Text grammars come from the reference validators (ref_text.h).
 *
 * Both must give the same verdict; on acceptance the same values, the same
 * unknown fields, and (nanopb's encoder being a stock serializer, §4.3.1)
 * the same canonical bytes.
 */

typedef struct {
    size_t n;
    size_t start[TW_UNKNOWN_MAX_FIELDS], len[TW_UNKNOWN_MAX_FIELDS];
} unknown_list;

static tracewire_v1_TraceHeader pbm; /* about 12 KiB: static, not on the stack */
static uint8_t pb_out[TW_HEADER_MAX_LEN + 64], tw_out[TW_HEADER_MAX_LEN + 64];

/* Walk the fields with nanopb's primitives and apply the structural rules
 * nanopb does not: message length, tag range, unknown varints, unknown
 * count. Returns NULL if they hold, else the rule that fails. */
static const char *extra_structure(const uint8_t *msg, size_t len, unknown_list *u)
{
    pb_istream_t s;
    u->n = 0;
    if (len > TW_HEADER_MAX_LEN) return "message over 16384 bytes (§4.4.3)";
    s = pb_istream_from_buffer(msg, len);
    while (s.bytes_left) {
        size_t start = len - s.bytes_left;
        uint64_t tag, v;
        uint32_t field;
        unsigned wt;
        if (!pb_decode_varint(&s, &tag)) return "tag varint";
        if (tag > 0xFFFFFFFFu) return "tag of 2^32 or more (§4.4.3 step 2)";
        field = (uint32_t)(tag >> 3);
        wt = (unsigned)(tag & 7);
        if (field == 0) return "field number 0";
        if (wt == PB_WT_VARINT) {
            if (!pb_decode_varint(&s, &v)) return "varint over 10 bytes (§4.4.3 step 1)";
        } else if (!pb_skip_field(&s, (pb_wire_type_t)wt)) {
            return "payload";
        }
        if (field > 6) {
            if (u->n == TW_UNKNOWN_MAX_FIELDS) return "ninth unknown field (§4.2.7)";
            u->start[u->n] = start;
            u->len[u->n] = len - s.bytes_left - start;
            u->n++;
        }
    }
    return NULL;
}

/* The final-value rules of §4.4.5 (rules 1 to 4) on nanopb's values. */
static const char *extra_final(const tracewire_v1_TraceHeader *m)
{
    if ((m->trace_id.size != 0 && m->trace_id.size != 16) || (m->span_id.size != 0 && m->span_id.size != 8) ||
        (m->correlation_id.size != 0 && m->correlation_id.size != 16))
        return "id length (rule 1)";
    if (m->trace_flags > 255) return "flags above 255 (rule 2)";
    if ((m->trace_id.size == 0) != (m->span_id.size == 0)) return "trace-id without span-id (rule 3)";
    if (m->trace_id.size == 0 && (m->trace_flags != 0 || m->tracestate.size != 0)) return "context fields without ids (rule 3)";
    if ((m->trace_id.size && twf_all_zero(m->trace_id.bytes, 16)) || (m->span_id.size && twf_all_zero(m->span_id.bytes, 8)) ||
        (m->correlation_id.size && twf_all_zero(m->correlation_id.bytes, 16)))
        return "all-zero id (rule 4)";
    return NULL;
}

TWF_TARGET(in, len)
{
    tw_header_t h, hk;
    unknown_list u;
    pb_istream_t is;
    pb_ostream_t os;
    const char *why = NULL;
    int st, n, pb_ok;
    size_t i;
    uint8_t discarded = 0;

    st = tw_header_decode(&h, in, len);

    why = extra_structure(in, len, &u);
    if (why == NULL) {
        is = pb_istream_from_buffer(in, len);
        if (!pb_decode(&is, tracewire_v1_TraceHeader_fields, &pbm)) why = "nanopb rejects";
        else why = extra_final(&pbm);
    }
    pb_ok = why == NULL;
    /* I11: the same verdict as nanopb with the spec's rules */
    TWF_CHECK("I11", (st >= 0) == pb_ok, "codec %s (%s), nanopb + rules %s (%s)", st >= 0 ? "accepts" : "rejects",
              st >= 0 ? "ok" : tw_status_name(st), pb_ok ? "accept" : "reject", pb_ok ? "ok" : why);
    if (!pb_ok) return;

    /* Drop text the grammar refuses (§4.5), as a conforming decoder must. */
    if (pbm.tracestate.size && ref_tracestate(pbm.tracestate.bytes, pbm.tracestate.size) != TW_OK) {
        pbm.tracestate.size = 0;
        discarded |= TW_DISCARDED_TRACESTATE;
    }
    if (pbm.baggage.size && ref_baggage(pbm.baggage.bytes, pbm.baggage.size) != TW_OK) {
        pbm.baggage.size = 0;
        discarded |= TW_DISCARDED_BAGGAGE;
    }

    /* I11: the same values */
    TWF_CHECK("I11", (h.present & TW_HAS_CONTEXT) == (pbm.trace_id.size ? TW_HAS_CONTEXT : 0), "context presence differs");
    if (pbm.trace_id.size)
        TWF_CHECK("I11", !memcmp(h.trace_id, pbm.trace_id.bytes, 16) && !memcmp(h.span_id, pbm.span_id.bytes, 8),
                  "ids differ from nanopb's");
    TWF_CHECK("I11", h.trace_flags == pbm.trace_flags, "flags %u, nanopb %u", h.trace_flags, (unsigned)pbm.trace_flags);
    /* I11: the correlation-id as nanopb decodes it */
    TWF_CHECK("I11", (h.present & TW_HAS_CORRELATION_ID) == (pbm.correlation_id.size ? TW_HAS_CORRELATION_ID : 0),
              "correlation-id presence differs");
    if (pbm.correlation_id.size)
        /* I11: agreement with the independent oracle */
        TWF_CHECK("I11", !memcmp(h.correlation_id, pbm.correlation_id.bytes, 16), "correlation-id differs");
    TWF_CHECK("I11", h.tracestate.len == pbm.tracestate.size &&
                         (h.tracestate.len == 0 || !memcmp(h.tracestate.ptr, pbm.tracestate.bytes, h.tracestate.len)),
              "tracestate differs");
    TWF_CHECK("I11", h.baggage.len == pbm.baggage.size &&
                         (h.baggage.len == 0 || !memcmp(h.baggage.ptr, pbm.baggage.bytes, h.baggage.len)),
              "baggage differs");
    /* I11: agreement with the independent oracle */
    TWF_CHECK("I11", h.discarded == discarded, "discarded %#x, expected %#x", h.discarded, discarded);
    /* I11 and I3: the unknown fields are exactly the walker's, as views of the input */
    TWF_CHECK("I11", h.n_unknown == u.n, "%zu unknown fields, nanopb's walk %zu", h.n_unknown, u.n);
    for (i = 0; i < u.n; i++)
        TWF_CHECK("I11", h.unknown[i].ptr == in + u.start[i] && h.unknown[i].len == u.len[i], "unknown[%zu] differs", i);

    /* I11: the codec's canonical bytes are what nanopb's serializer writes
     * for the same known fields (unknown fields: nanopb keeps none) */
    os = pb_ostream_from_buffer(pb_out, sizeof pb_out);
    TWF_CHECK("I11", pb_encode(&os, tracewire_v1_TraceHeader_fields, &pbm), "nanopb cannot encode the decoded values");
    hk = h;
    hk.n_unknown = 0;
    n = tw_header_encode(tw_out, sizeof tw_out, &hk);
    /* I11: agreement with the independent oracle */
    TWF_CHECK("I11", n >= 0 && (size_t)n == os.bytes_written && memcmp(tw_out, pb_out, (size_t)n) == 0,
              "canonical encoding (%d bytes) differs from nanopb's (%zu bytes)", n, os.bytes_written);
}
