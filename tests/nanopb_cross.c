/* SPDX-License-Identifier: Apache-2.0 */
/* nanopb_cross.c - decodes every header.decode vector with nanopb (a second, independent protobuf
 * implementation generated from the schema) and requires the vector's verdict and field values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <pb_decode.h>

#include "test_util.h"
#include "tracewire.h"
#include "tracewire/v1/trace_header.pb.h"
#include "vector_loader.h"

/*
 * The rules nanopb cannot know, written here from spec 04 §4.4 (not from the
 * codec): the message-size limit, the unknown-field limit, the final-value
 * rules. nanopb itself enforces structure, wire types, varints, last-one-wins
 * and the per-occurrence sizes (through the .options max_size values). The
 * tracestate/baggage grammar check is the codec's, tested on its own against
 * the ABNF in unit_text.c.
 */
static int nz(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i]) return 1;
    return 0;
}

/* Count fields numbered above 6 with nanopb's own tag walker. */
static int count_unknown(const uint8_t *msg, size_t len, int *count)
{
    pb_istream_t s = pb_istream_from_buffer(msg, len);
    *count = 0;
    while (s.bytes_left) {
        pb_wire_type_t wt;
        uint32_t tag;
        bool eof;
        if (!pb_decode_tag(&s, &wt, &tag, &eof) || !pb_skip_field(&s, wt)) return 0;
        if (tag > 6) (*count)++;
    }
    return 1;
}

/* Returns 1 and fills *out (header JSON without "unknown", discarded list)
 * if nanopb + spec rules accept the message, else 0. */
static int nanopb_verdict(const uint8_t *msg, size_t len, json_t **out, json_t **discarded)
{
    tracewire_v1_TraceHeader m = tracewire_v1_TraceHeader_init_zero;
    pb_istream_t s = pb_istream_from_buffer(msg, len);
    int unknown;
    json_t *o;
    char hex[40];

    if (len > TW_HEADER_MAX_LEN) return 0;
    if (!pb_decode(&s, tracewire_v1_TraceHeader_fields, &m)) return 0;
    if (!count_unknown(msg, len, &unknown) || unknown > TW_UNKNOWN_MAX_FIELDS) return 0;
    if ((m.trace_id.size != 0 && m.trace_id.size != 16) || (m.span_id.size != 0 && m.span_id.size != 8) ||
        (m.correlation_id.size != 0 && m.correlation_id.size != 16))
        return 0;
    if (m.trace_flags > 255) return 0;
    if ((m.trace_id.size == 0) != (m.span_id.size == 0)) return 0;
    if (m.trace_id.size == 0 && (m.trace_flags != 0 || m.tracestate.size != 0)) return 0;
    if ((m.trace_id.size && !nz(m.trace_id.bytes, 16)) || (m.span_id.size && !nz(m.span_id.bytes, 8)) ||
        (m.correlation_id.size && !nz(m.correlation_id.bytes, 16)))
        return 0;

    o = json_object();
    *discarded = json_array();
    if (m.trace_id.size) {
        tw_hex_encode(hex, m.trace_id.bytes, 16);
        json_object_set_new(o, "trace_id", json_stringn(hex, 32));
        tw_hex_encode(hex, m.span_id.bytes, 8);
        json_object_set_new(o, "span_id", json_stringn(hex, 16));
        json_object_set_new(o, "trace_flags", json_integer(m.trace_flags));
    }
    if (m.correlation_id.size) {
        tw_uuid_format(hex, m.correlation_id.bytes);
        json_object_set_new(o, "correlation_id", json_stringn(hex, 36));
    }
    if (m.tracestate.size) {
        if (tw_tracestate_validate((const char *)m.tracestate.bytes, m.tracestate.size) == TW_OK)
            json_object_set_new(o, "tracestate", json_stringn((const char *)m.tracestate.bytes, m.tracestate.size));
        else
            json_array_append_new(*discarded, json_string("tracestate"));
    }
    if (m.baggage.size) {
        if (tw_baggage_validate((const char *)m.baggage.bytes, m.baggage.size) == TW_OK)
            json_object_set_new(o, "baggage", json_stringn((const char *)m.baggage.bytes, m.baggage.size));
        else
            json_array_append_new(*discarded, json_string("baggage"));
    }
    *out = o;
    return 1;
}

static void nanopb_agrees(void **state)
{
    const vcase *c = *state;
    static uint8_t msg[TW_HEADER_MAX_LEN + 64];
    const char *hex = json_string_value(json_object_get(c->input, "message_hex"));
    int n = tu_unhex(msg, sizeof msg, hex);
    json_t *got = NULL, *discarded = NULL;
    int accepted, expect_ok = json_object_get(c->expect, "error") == NULL;

    assert_true(n >= 0);
    accepted = nanopb_verdict(msg, (size_t)n, &got, &discarded);
    if (accepted != expect_ok) {
        print_error("nanopb %s, vector expects %s\n", accepted ? "accepts" : "rejects",
                    expect_ok ? "success" : json_string_value(json_object_get(c->expect, "error")));
        fail();
    }
    if (accepted) {
        json_t *want = json_deep_copy(json_object_get(c->expect, "header"));
        const json_t *wd = json_object_get(c->expect, "discarded");
        json_object_del(want, "unknown"); /* nanopb drops unknown fields */
        if (!json_equal(want, got) || (wd ? !json_equal((json_t *)wd, discarded) : json_array_size(discarded) != 0)) {
            char *a = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT), *b = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
            print_error("nanopb fields %s\n  vector fields %s\n", a, b);
            free(a);
            free(b);
            fail();
        }
        json_decref(want);
        json_decref(got);
        json_decref(discarded);
    }
}

int main(int argc, char **argv)
{
    struct CMUnitTest *tests;
    long n = vl_load(argc > 1 ? argv[1] : "conformance/vectors", "header.decode", nanopb_agrees, &tests);
    if (n < 0) return 1;
    {
        int failed = _cmocka_run_group_tests("nanopb-cross", tests, (size_t)n, NULL, NULL);
        vl_free(tests);
        return failed;
    }
}
