/* SPDX-License-Identifier: Apache-2.0 */
/* inputs.c - the one set of headers every implementation in the benchmark reads and writes. */
#include <string.h>

#include "bench.h"
#include "tracewire.h"

bench_inputs_t bench_in;

/* The W3C example context, a UUIDv7 from spec 04 §4.7.6, a four-member
 * tracestate of 86 octets (one Level 2 key) and a three-member baggage. */
static const char TRACE_ID_HEX[] = "4bf92f3577b34da6a3ce929d0e0e4736";
static const char SPAN_ID_HEX[] = "00f067aa0ba902b7";
static const char CORRELATION_ID_TEXT[] = "017f22e2-79b0-755a-bf00-123456789abc";
static const char TRACESTATE[] =
    "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,vendorx=p8Lq2x9kT4,tenant1@sys=lT3cX9w0pQ2rZ7a";
static const char BAGGAGE[] = "userId=alice,serverNode=DF%2028,isProduction=false";
static const char TRACEPARENT[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

static int encode_into(uint8_t *out, size_t *out_len, const tw_header_t *h, int block)
{
    int n = block ? tw_block_encode(out, BENCH_MAX_MSG, h) : tw_header_encode(out, BENCH_MAX_MSG, h);
    if (n < 0) return -1;
    *out_len = (size_t)n;
    return 0;
}

int bench_inputs_init(void)
{
    tw_header_t h;
    bench_inputs_t *in = &bench_in;

    if (tw_hex_decode(in->trace_id, TRACE_ID_HEX, sizeof in->trace_id) != TW_OK ||
        tw_hex_decode(in->span_id, SPAN_ID_HEX, sizeof in->span_id) != TW_OK ||
        tw_uuid_parse(in->correlation_id, CORRELATION_ID_TEXT, TW_UUID_TEXT_LEN) != TW_OK)
        return -1;
    in->flags = TW_FLAG_SAMPLED;
    in->tracestate = TRACESTATE;
    in->tracestate_len = sizeof TRACESTATE - 1;
    in->baggage = BAGGAGE;
    in->baggage_len = sizeof BAGGAGE - 1;
    in->traceparent = TRACEPARENT;
    in->traceparent_len = sizeof TRACEPARENT - 1;
    in->traceparent_tracestate_len = in->traceparent_len + in->tracestate_len;

    memset(&h, 0, sizeof h);
    memcpy(h.trace_id, in->trace_id, sizeof h.trace_id);
    memcpy(h.span_id, in->span_id, sizeof h.span_id);
    h.trace_flags = in->flags;
    h.present = TW_HAS_CONTEXT;
    if (encode_into(in->minimal, &in->minimal_len, &h, 0) ||
        encode_into(in->block_minimal, &in->block_minimal_len, &h, 1))
        return -1;

    memcpy(h.correlation_id, in->correlation_id, sizeof h.correlation_id);
    h.present |= TW_HAS_CORRELATION_ID;
    if (encode_into(in->with_cid, &in->with_cid_len, &h, 0)) return -1;

    h.tracestate.ptr = in->tracestate;
    h.tracestate.len = in->tracestate_len;
    h.baggage.ptr = in->baggage;
    h.baggage.len = in->baggage_len;
    if (encode_into(in->full, &in->full_len, &h, 0) ||
        encode_into(in->block_full, &in->block_full_len, &h, 1))
        return -1;
    return in->minimal_len == TW_HEADER_MINIMAL_LEN ? 0 : -1;
}
