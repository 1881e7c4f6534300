/* SPDX-License-Identifier: Apache-2.0 */
/* ops.c - the conformance operations over JSON, shared by the CLI adapter and the C vector runner. */
#include "ops.h"

#include <stdlib.h>
#include <string.h>

static json_t *error_result(int status)
{
    return json_pack("{s:s, s:s}", "error", tw_status_class(status), "code", tw_status_name(status));
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
    char *t = malloc(2 * n + 1);
    json_t *s;
    if (t == NULL) return NULL;
    tw_hex_encode(t, p, n);
    t[2 * n] = 0;
    s = json_string(t);
    free(t);
    return s;
}

/* Read a hex string of any length into a malloc'd buffer; -1 on bad hex. */
static long read_hex(const json_t *v, uint8_t **out)
{
    const char *s = json_string_value(v);
    size_t len;
    if (s == NULL) return -1;
    len = strlen(s);
    if (len % 2) return -1;
    *out = malloc(len / 2 + 1);
    if (*out == NULL) return -1;
    if (tw_hex_decode(*out, s, len / 2) != TW_OK) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return (long)(len / 2);
}

json_t *tw_header_to_json(const tw_header_t *h)
{
    json_t *o = json_object();
    size_t i;
    if (h->present & TW_HAS_CONTEXT) {
        json_object_set_new(o, "trace_id", hex_string(h->trace_id, TW_TRACE_ID_LEN));
        json_object_set_new(o, "span_id", hex_string(h->span_id, TW_SPAN_ID_LEN));
        json_object_set_new(o, "trace_flags", json_integer(h->trace_flags));
    }
    if (h->present & TW_HAS_CORRELATION_ID) {
        char u[TW_UUID_TEXT_LEN];
        tw_uuid_format(u, h->correlation_id);
        json_object_set_new(o, "correlation_id", json_stringn(u, TW_UUID_TEXT_LEN));
    }
    if (h->tracestate.len) json_object_set_new(o, "tracestate", json_stringn(h->tracestate.ptr, h->tracestate.len));
    if (h->baggage.len) json_object_set_new(o, "baggage", json_stringn(h->baggage.ptr, h->baggage.len));
    if (h->n_unknown) {
        json_t *a = json_array();
        for (i = 0; i < h->n_unknown; i++) json_array_append_new(a, hex_string(h->unknown[i].ptr, h->unknown[i].len));
        json_object_set_new(o, "unknown", a);
    }
    return o;
}

static int fixed_hex(uint8_t *out, size_t n, const json_t *v)
{
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) != 2 * n) return TW_E_ARG;
    return tw_hex_decode(out, s, n) == TW_OK ? TW_OK : TW_E_ARG;
}

int tw_header_from_json(tw_header_t *h, const json_t *obj, tw_json_storage *st)
{
    json_t *v;
    memset(h, 0, sizeof *h);
    if (!json_is_object(obj)) return TW_E_ARG;
    if ((v = json_object_get(obj, "trace_id")) != NULL) {
        if (fixed_hex(h->trace_id, TW_TRACE_ID_LEN, v)) return TW_E_ARG;
        h->present |= TW_HAS_CONTEXT;
    }
    if ((v = json_object_get(obj, "span_id")) != NULL) {
        if (fixed_hex(h->span_id, TW_SPAN_ID_LEN, v)) return TW_E_ARG;
        h->present |= TW_HAS_CONTEXT;
    }
    if ((v = json_object_get(obj, "trace_flags")) != NULL) {
        json_int_t f = json_integer_value(v);
        if (!json_is_integer(v) || f < 0 || f > 255) return TW_E_ARG;
        h->trace_flags = (uint8_t)f;
    }
    if ((v = json_object_get(obj, "correlation_id")) != NULL) {
        const char *s = json_string_value(v);
        if (s == NULL || tw_uuid_parse(h->correlation_id, s, strlen(s)) != TW_OK) return TW_E_ARG;
        h->present |= TW_HAS_CORRELATION_ID;
    }
    if ((v = json_object_get(obj, "tracestate")) != NULL) {
        if (!json_is_string(v)) return TW_E_ARG;
        h->tracestate.ptr = json_string_value(v);
        h->tracestate.len = json_string_length(v);
    }
    if ((v = json_object_get(obj, "baggage")) != NULL) {
        if (!json_is_string(v)) return TW_E_ARG;
        h->baggage.ptr = json_string_value(v);
        h->baggage.len = json_string_length(v);
    }
    if ((v = json_object_get(obj, "unknown")) != NULL) {
        size_t i, used = 0;
        if (!json_is_array(v) || json_array_size(v) > TW_UNKNOWN_MAX_FIELDS) return TW_E_ARG;
        for (i = 0; i < json_array_size(v); i++) {
            const char *s = json_string_value(json_array_get(v, i));
            size_t n = s ? strlen(s) / 2 : 0;
            if (s == NULL || strlen(s) % 2 || n > sizeof st->pool - used ||
                tw_hex_decode(st->pool + used, s, n) != TW_OK)
                return TW_E_ARG;
            h->unknown[i].ptr = st->pool + used;
            h->unknown[i].len = n;
            used += n;
        }
        h->n_unknown = json_array_size(v);
    }
    return TW_OK;
}

static json_t *decoded_result(const tw_header_t *h)
{
    json_t *o = json_pack("{s:o, s:b}", "header", tw_header_to_json(h), "canonical", h->canonical);
    json_t *d = json_array();
    if (h->discarded & TW_DISCARDED_TRACESTATE) json_array_append_new(d, json_string("tracestate"));
    if (h->discarded & TW_DISCARDED_BAGGAGE) json_array_append_new(d, json_string("baggage"));
    json_object_set_new(o, "discarded", d);
    return o;
}

static json_t *op_decode(const json_t *in, int block)
{
    uint8_t *buf = NULL;
    tw_header_t h;
    json_t *r;
    long n = read_hex(json_object_get(in, block ? "block_hex" : "message_hex"), &buf);
    int st;
    if (n < 0) return json_pack("{s:s}", "error", "bad-input");
    st = block ? tw_block_decode(&h, buf, (size_t)n) : tw_header_decode(&h, buf, (size_t)n);
    if (st < 0) {
        r = error_result(st);
    } else {
        r = decoded_result(&h);
        if (block) json_object_set_new(r, "consumed", json_integer(st));
    }
    free(buf);
    return r;
}

static json_t *op_measure(const json_t *in)
{
    uint8_t *buf = NULL;
    unsigned version = 0;
    size_t off = 0, mlen = 0;
    json_t *r;
    long n = read_hex(json_object_get(in, "block_hex"), &buf);
    int st;
    if (n < 0) return json_pack("{s:s}", "error", "bad-input");
    st = tw_block_measure(buf, (size_t)n, &version, &off, &mlen);
    r = st < 0 ? error_result(st)
               : json_pack("{s:i, s:i, s:i, s:i}", "length", st, "version", (int)version, "message_offset",
                           (int)off, "message_length", (int)mlen);
    free(buf);
    return r;
}

static json_t *op_encode(const json_t *in, int block)
{
    static tw_json_storage st;
    tw_header_t h;
    uint8_t *out;
    int need, n;
    json_t *r;
    if (tw_header_from_json(&h, json_object_get(in, "header"), &st) != TW_OK)
        return json_pack("{s:s}", "error", "bad-input");
    need = block ? tw_block_encode(NULL, 0, &h) : tw_header_encode(NULL, 0, &h);
    if (need < 0) return error_result(need);
    out = malloc((size_t)need + 1);
    if (out == NULL) return NULL;
    n = block ? tw_block_encode(out, (size_t)need, &h) : tw_header_encode(out, (size_t)need, &h);
    r = n < 0 ? error_result(n) : json_pack("{s:o}", block ? "block_hex" : "message_hex", hex_string(out, (size_t)n));
    free(out);
    return r;
}

static json_t *op_validate(const json_t *in, int baggage)
{
    const json_t *t = json_object_get(in, "text");
    int st;
    if (!json_is_string(t)) return json_pack("{s:s}", "error", "bad-input");
    st = baggage ? tw_baggage_validate(json_string_value(t), json_string_length(t))
                 : tw_tracestate_validate(json_string_value(t), json_string_length(t));
    return st == TW_OK ? json_pack("{s:b}", "valid", 1) : error_result(st);
}

static json_t *op_uuid_parse(const json_t *in)
{
    const json_t *t = json_object_get(in, "text");
    uint8_t u[TW_CORRELATION_ID_LEN];
    int st;
    if (!json_is_string(t)) return json_pack("{s:s}", "error", "bad-input");
    st = tw_uuid_parse(u, json_string_value(t), json_string_length(t));
    return st == TW_OK ? json_pack("{s:o}", "uuid_hex", hex_string(u, sizeof u)) : error_result(st);
}

static json_t *op_uuid_format(const json_t *in)
{
    uint8_t u[TW_CORRELATION_ID_LEN];
    char t[TW_UUID_TEXT_LEN];
    if (fixed_hex(u, sizeof u, json_object_get(in, "uuid_hex"))) return json_pack("{s:s}", "error", "bad-input");
    tw_uuid_format(t, u);
    return json_pack("{s:s%}", "text", t, (size_t)TW_UUID_TEXT_LEN);
}

/* A random source that plays back the vector's bytes, then fails. */
typedef struct {
    const uint8_t *bytes;
    size_t len, pos;
} playback;

static int playback_random(void *ctx, uint8_t *out, size_t len)
{
    playback *p = ctx;
    if (p->len - p->pos < len) return -1;
    memcpy(out, p->bytes + p->pos, len);
    p->pos += len;
    return 0;
}

static json_t *op_generate(const json_t *in)
{
    const char *kind = json_string_value(json_object_get(in, "kind"));
    uint8_t *bytes = NULL, id[16];
    long n = read_hex(json_object_get(in, "random_hex"), &bytes);
    playback pb;
    size_t idlen = 16;
    int st;
    json_t *r;
    if (kind == NULL || n < 0) return json_pack("{s:s}", "error", "bad-input");
    pb.bytes = bytes;
    pb.len = (size_t)n;
    pb.pos = 0;
    if (strcmp(kind, "trace_id") == 0) {
        st = tw_trace_id_generate(id, playback_random, &pb);
    } else if (strcmp(kind, "span_id") == 0) {
        st = tw_span_id_generate(id, playback_random, &pb);
        idlen = 8;
    } else if (strcmp(kind, "uuid4") == 0) {
        st = tw_uuid4_generate(id, playback_random, &pb);
    } else if (strcmp(kind, "uuid7") == 0) {
        json_t *ms = json_object_get(in, "unix_ms");
        if (!json_is_integer(ms) || json_integer_value(ms) < 0) {
            free(bytes);
            return json_pack("{s:s}", "error", "bad-input");
        }
        st = tw_uuid7_generate(id, (uint64_t)json_integer_value(ms), playback_random, &pb);
    } else {
        free(bytes);
        return json_pack("{s:s}", "error", "unsupported");
    }
    r = st == TW_OK ? json_pack("{s:o}", "id_hex", hex_string(id, idlen)) : error_result(st);
    free(bytes);
    return r;
}

json_t *tw_op_run(const char *op, const json_t *input)
{
    if (op == NULL || !json_is_object(input)) return json_pack("{s:s}", "error", "bad-input");
    if (strcmp(op, "header.decode") == 0) return op_decode(input, 0);
    if (strcmp(op, "header.encode") == 0) return op_encode(input, 0);
    if (strcmp(op, "block.decode") == 0) return op_decode(input, 1);
    if (strcmp(op, "block.encode") == 0) return op_encode(input, 1);
    if (strcmp(op, "block.measure") == 0) return op_measure(input);
    if (strcmp(op, "tracestate.validate") == 0) return op_validate(input, 0);
    if (strcmp(op, "baggage.validate") == 0) return op_validate(input, 1);
    if (strcmp(op, "uuid.parse") == 0) return op_uuid_parse(input);
    if (strcmp(op, "uuid.format") == 0) return op_uuid_format(input);
    if (strcmp(op, "id.generate") == 0) return op_generate(input);
    return json_pack("{s:s}", "error", "unsupported");
}

int tw_op_matches(const json_t *expect, const json_t *actual)
{
    const json_t *eerr = json_object_get(expect, "error");
    const char *key;
    json_t *ev;
    if (eerr != NULL) {
        const json_t *code = json_object_get(expect, "code");
        if (!json_equal((json_t *)eerr, json_object_get(actual, "error"))) return 0;
        return code == NULL || json_equal((json_t *)code, json_object_get(actual, "code"));
    }
    if (json_object_get(actual, "error") != NULL) return 0;
    /* every expected output must match; "discarded" may be omitted for none */
    json_object_foreach((json_t *)expect, key, ev) {
        if (!json_equal(ev, json_object_get(actual, key))) return 0;
    }
    {
        const json_t *d = json_object_get(actual, "discarded");
        if (json_object_get(expect, "discarded") == NULL && d != NULL && json_array_size(d) != 0) return 0;
    }
    return 1;
}
