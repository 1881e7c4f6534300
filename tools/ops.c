/* SPDX-License-Identifier: Apache-2.0 */
/* ops.c - the conformance operations over JSON, shared by the CLI adapter and the C vector runner. */
#include "ops.h"

#include "tracewire_gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
        /* More than 8 entries: n_unknown says so and only 8 views are
         * filled; the codec checks the count before it reads any view. */
        if (!json_is_array(v)) return TW_E_ARG;
        for (i = 0; i < json_array_size(v) && i < TW_UNKNOWN_MAX_FIELDS; i++) {
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


/* ======================================================================
 * Gateway operations (spec 11)
 * ====================================================================== */

#define BAD_INPUT json_pack("{s:s}", "error", "bad-input")

static json_t *context_json(const tw_header_t *h)
{
    if (!(h->present & TW_HAS_CONTEXT)) return json_null();
    return json_pack("{s:o, s:o, s:i}", "trace_id", hex_string(h->trace_id, 16), "span_id",
                     hex_string(h->span_id, 8), "trace_flags", h->trace_flags);
}

/* {trace_id, span_id, trace_flags} -> the context fields of *h */
static int context_from_json(tw_header_t *h, const json_t *o)
{
    json_t *f = json_object_get(o, "trace_flags");
    memset(h, 0, sizeof *h);
    if (!json_is_object(o) || fixed_hex(h->trace_id, 16, json_object_get(o, "trace_id")) ||
        fixed_hex(h->span_id, 8, json_object_get(o, "span_id")))
        return -1;
    if (f != NULL && (!json_is_integer(f) || json_integer_value(f) < 0 || json_integer_value(f) > 255)) return -1;
    h->trace_flags = (uint8_t)json_integer_value(f);
    h->present = TW_HAS_CONTEXT;
    return 0;
}

static const char *str_in(const json_t *in, const char *key, size_t *len)
{
    const json_t *v = json_object_get(in, key);
    *len = 0;
    if (!json_is_string(v)) return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

static json_t *text_result(const char *key, const char *p, int n)
{
    return n < 0 ? error_result(n) : json_pack("{s:s%}", key, p, (size_t)n);
}

static json_t *op_traceparent_parse(const json_t *in)
{
    size_t len;
    const char *t = str_in(in, "text", &len);
    tw_header_t h;
    unsigned ver = 0;
    tw_status st;
    if (t == NULL) return BAD_INPUT;
    memset(&h, 0, sizeof h);
    st = tw_traceparent_parse(&h, &ver, t, len);
    if (st != TW_OK) return error_result(st);
    return json_pack("{s:o, s:o, s:i, s:i}", "trace_id", hex_string(h.trace_id, 16), "span_id",
                     hex_string(h.span_id, 8), "trace_flags", h.trace_flags, "version", (int)ver);
}

static json_t *op_traceparent_format(const json_t *in)
{
    tw_header_t h;
    char out[TW_TRACEPARENT_LEN];
    if (context_from_json(&h, in)) return BAD_INPUT;
    return text_result("text", out, tw_traceparent_format(out, &h));
}

static json_t *op_tracestate_members(const json_t *in)
{
    size_t len, pos = 0;
    const char *t = str_in(in, "text", &len);
    tw_text_t k, v;
    json_t *arr;
    int st;
    if (t == NULL) return BAD_INPUT;
    st = tw_tracestate_validate(t, len);
    if (st != TW_OK) return error_result(st);
    arr = json_array();
    while ((st = tw_tracestate_next(t, len, &pos, &k, &v)) == 1)
        json_array_append_new(arr, json_pack("[s%, s%]", k.ptr, k.len, v.ptr, v.len));
    if (st < 0) {
        json_decref(arr);
        return error_result(st);
    }
    return json_pack("{s:o}", "members", arr);
}

static json_t *op_tracestate_get(const json_t *in)
{
    size_t len, klen;
    const char *t = str_in(in, "text", &len), *key = str_in(in, "key", &klen);
    tw_text_t v;
    int st;
    if (t == NULL || key == NULL) return BAD_INPUT;
    st = tw_tracestate_get(t, len, key, klen, &v);
    if (st < 0) return error_result(st);
    return json_pack("{s:o}", "value", st ? json_stringn(v.ptr, v.len) : json_null());
}

static json_t *op_tracestate_put(const json_t *in)
{
    size_t len, klen, vlen;
    const char *t = str_in(in, "text", &len), *key = str_in(in, "key", &klen), *val = str_in(in, "value", &vlen);
    char out[TW_TRACESTATE_MAX_LEN];
    if (t == NULL || key == NULL || val == NULL) return BAD_INPUT;
    return text_result("text", out, tw_tracestate_put(out, sizeof out, t, len, key, klen, val, vlen));
}

static json_t *op_tracestate_truncate(const json_t *in)
{
    size_t len;
    const char *t = str_in(in, "text", &len);
    json_t *b = json_object_get(in, "budget");
    char out[TW_TRACESTATE_MAX_LEN];
    if (t == NULL || !json_is_integer(b) || json_integer_value(b) < 0) return BAD_INPUT;
    return text_result("text", out, tw_tracestate_truncate(out, sizeof out, t, len, (size_t)json_integer_value(b)));
}

static json_t *op_baggage_members(const json_t *in)
{
    size_t len, pos = 0;
    const char *t = str_in(in, "text", &len);
    tw_text_t k, v, props;
    json_t *arr;
    int st;
    if (t == NULL) return BAD_INPUT;
    st = tw_baggage_validate(t, len);
    if (st != TW_OK) return error_result(st);
    arr = json_array();
    while ((st = tw_baggage_next(t, len, &pos, &k, &v, &props)) == 1) {
        static char dec[3 * TW_BAGGAGE_MAX_LEN];
        int n = tw_baggage_value_decode(dec, sizeof dec, v.ptr, v.len);
        if (n < 0) {
            st = n;
            break;
        }
        json_array_append_new(arr, json_pack("{s:s%, s:s%, s:s%}", "key", k.ptr, k.len, "value", dec, (size_t)n,
                                             "properties", props.ptr, props.len));
    }
    if (st < 0) {
        json_decref(arr);
        return error_result(st);
    }
    return json_pack("{s:o}", "members", arr);
}

static json_t *op_baggage_sanitize(const json_t *in)
{
    size_t len, dropped = 0;
    const char *t = str_in(in, "text", &len);
    static char out[TW_BAGGAGE_MAX_LEN];
    int n;
    if (t == NULL) return BAD_INPUT;
    n = tw_baggage_sanitize(out, sizeof out, t, len, &dropped);
    if (n < 0) return error_result(n);
    return json_pack("{s:s%, s:i}", "text", out, (size_t)n, "dropped", (int)dropped);
}

/* Append "key=encoded(value)[;props]" members to a bounded buffer. */
static int baggage_append(char *out, size_t cap, size_t *used, const char *k, size_t kl, const char *v, size_t vl,
                          const char *props, size_t pl)
{
    int n = tw_baggage_value_encode(NULL, 0, v, vl);
    size_t need = (*used ? 1 : 0) + kl + 1 + (size_t)n + (pl ? 1 + pl : 0);
    if (n < 0) return n;
    if (cap - *used < need) return TW_E_TOO_LONG;
    if (*used) out[(*used)++] = ',';
    memcpy(out + *used, k, kl);
    *used += kl;
    out[(*used)++] = '=';
    *used += (size_t)tw_baggage_value_encode(out + *used, cap - *used, v, vl);
    if (pl) {
        out[(*used)++] = ';';
        memcpy(out + *used, props, pl);
        *used += pl;
    }
    return TW_OK;
}

static json_t *op_baggage_encode(const json_t *in)
{
    static char out[4 * TW_BAGGAGE_MAX_LEN];
    const json_t *ms = json_object_get(in, "members");
    size_t i, used = 0;
    int st;
    if (!json_is_array(ms)) return BAD_INPUT;
    for (i = 0; i < json_array_size(ms); i++) {
        const json_t *m = json_array_get(ms, i);
        size_t kl, vl, pl = 0;
        const char *k = str_in(m, "key", &kl), *v = str_in(m, "value", &vl), *p = str_in(m, "properties", &pl);
        if (k == NULL || v == NULL) return BAD_INPUT;
        st = baggage_append(out, sizeof out, &used, k, kl, v, vl, p ? p : "", p ? pl : 0);
        if (st < 0) return error_result(st);
    }
    if (used == 0) return json_pack("{s:s}", "text", ""); /* no members: no baggage */
    st = tw_baggage_validate(out, used);
    if (st != TW_OK) return error_result(st);
    return json_pack("{s:s%}", "text", out, used);
}

/* The nth field line named `name` (ASCII case-insensitive), its value with
 * leading and trailing SP/HTAB removed (spec 11 §11.4.1, §11.4.2). */
static const char *header_get(const json_t *headers, const char *name, size_t *len, int nth)
{
    size_t i;
    for (i = 0; i < json_array_size(headers); i++) {
        const json_t *pair = json_array_get(headers, i);
        const char *n = json_string_value(json_array_get(pair, 0));
        const json_t *v = json_array_get(pair, 1);
        const char *p;
        size_t l;
        if (n == NULL || !json_is_string(v) || strcasecmp(n, name) != 0) continue;
        if (nth-- > 0) continue;
        p = json_string_value(v);
        l = json_string_length(v);
        while (l && (*p == ' ' || *p == '\t')) p++, l--;
        while (l && (p[l - 1] == ' ' || p[l - 1] == '\t')) l--;
        *len = l;
        return p;
    }
    return NULL;
}

/* A list field's lines joined with ',' in order, empty lines skipped
 * (spec 11 §11.4.3). Returns the joined length (capped at cap). */
static size_t header_join(const json_t *headers, const char *name, char *out, size_t cap)
{
    size_t len, used = 0;
    const char *v;
    int i;
    for (i = 0; (v = header_get(headers, name, &len, i)) != NULL; i++) {
        if (len == 0) continue;
        if (used + len + 1 > cap) break;
        if (used) out[used++] = ',';
        memcpy(out + used, v, len);
        used += len;
    }
    return used;
}

static int header_count(const json_t *headers, const char *name)
{
    size_t len;
    int n = 0;
    while (header_get(headers, name, &len, n) != NULL) n++;
    return n;
}

static const char *const B3_SAMPLING[4] = {"defer", "accept", "deny", "debug"};

static tw_status b3_extract(tw_header_t *h, tw_b3_sampling *smp, const json_t *headers)
{
    size_t len;
    const char *single = header_get(headers, "b3", &len, 0);
    tw_text_t t, sp, sm, fl;
    const char *v;
    memset(h, 0, sizeof *h);
    if (single != NULL) return tw_b3_parse(h, smp, single, len);
    v = header_get(headers, "x-b3-traceid", &t.len, 0);
    t.ptr = v;
    v = header_get(headers, "x-b3-spanid", &sp.len, 0);
    sp.ptr = v;
    v = header_get(headers, "x-b3-sampled", &sm.len, 0);
    sm.ptr = v;
    v = header_get(headers, "x-b3-flags", &fl.len, 0);
    fl.ptr = v;
    return tw_b3_parse_multi(h, smp, t.ptr ? &t : NULL, sp.ptr ? &sp : NULL, sm.ptr ? &sm : NULL, fl.ptr ? &fl : NULL);
}

static json_t *op_b3_extract(const json_t *in)
{
    const json_t *headers = json_object_get(in, "headers");
    tw_header_t h;
    tw_b3_sampling smp = TW_B3_DEFER;
    tw_status st;
    if (!json_is_array(headers)) return BAD_INPUT;
    st = b3_extract(&h, &smp, headers);
    if (st != TW_OK) return error_result(st);
    return json_pack("{s:o, s:s}", "context", context_json(&h), "sampling", B3_SAMPLING[smp]);
}

static json_t *op_b3_inject(const json_t *in)
{
    tw_header_t h;
    const char *form = json_string_value(json_object_get(in, "form"));
    int debug = json_is_true(json_object_get(in, "debug"));
    char b[TW_B3_SINGLE_MAX_LEN];
    int n;
    if (context_from_json(&h, json_object_get(in, "context"))) return BAD_INPUT;
    n = tw_b3_format(b, sizeof b, &h, debug);
    if (n < 0) return error_result(n);
    if (form == NULL || strcmp(form, "single") == 0)
        return json_pack("{s:[[s, s%]]}", "headers", "b3", b, (size_t)n);
    /* multi: the same ids, and the decision in its own header; debug
     * implies sampled, so an unsampled trace is written as a plain 0 */
    if (debug && (h.trace_flags & TW_FLAG_SAMPLED))
        return json_pack("{s:[[s, s%], [s, s%], [s, s]]}", "headers", "x-b3-traceid", b, (size_t)32, "x-b3-spanid",
                         b + 33, (size_t)16, "x-b3-flags", "1");
    return json_pack("{s:[[s, s%], [s, s%], [s, s]]}", "headers", "x-b3-traceid", b, (size_t)32, "x-b3-spanid", b + 33,
                     (size_t)16, "x-b3-sampled", (h.trace_flags & TW_FLAG_SAMPLED) ? "1" : "0");
}

/* uberctx-KEY field lines as one W3C baggage text (spec 11 §11.6.2). */
static int jaeger_baggage(char *out, size_t cap, const json_t *headers)
{
    static char joined[4 * TW_BAGGAGE_MAX_LEN];
    size_t i, used = 0;
    for (i = 0; i < json_array_size(headers); i++) {
        const json_t *pair = json_array_get(headers, i);
        const char *n = json_string_value(json_array_get(pair, 0));
        const json_t *v = json_array_get(pair, 1);
        int m;
        if (n == NULL || !json_is_string(v) || strncasecmp(n, "uberctx-", 8) != 0) continue;
        m = tw_jaeger_baggage_member(NULL, 0, n, strlen(n), json_string_value(v), json_string_length(v));
        if (m <= 0 || used + (size_t)m + 1 > sizeof joined) continue;
        if (used) joined[used++] = ',';
        used += (size_t)tw_jaeger_baggage_member(joined + used, sizeof joined - used, n, strlen(n),
                                                 json_string_value(v), json_string_length(v));
    }
    return tw_baggage_sanitize(out, cap, joined, used, NULL); /* the limits of §11.3.1 */
}

static json_t *op_jaeger_extract(const json_t *in)
{
    const json_t *headers = json_object_get(in, "headers");
    static char bg[TW_BAGGAGE_MAX_LEN];
    tw_header_t h;
    size_t len;
    const char *v;
    int debug = 0, bl;
    tw_status st;
    if (!json_is_array(headers)) return BAD_INPUT;
    memset(&h, 0, sizeof h);
    v = header_get(headers, "uber-trace-id", &len, 0);
    if (v != NULL) {
        st = tw_jaeger_parse(&h, &debug, v, len);
        if (st != TW_OK) return error_result(st);
    }
    bl = jaeger_baggage(bg, sizeof bg, headers);
    if (bl < 0) return error_result(bl);
    return json_pack("{s:o, s:b, s:o}", "context", context_json(&h), "debug", debug, "baggage",
                     bl ? json_stringn(bg, (size_t)bl) : json_null());
}

static json_t *op_jaeger_inject(const json_t *in)
{
    tw_header_t h;
    char out[TW_JAEGER_MAX_LEN];
    size_t blen = 0, pos = 0;
    const char *bg = str_in(in, "baggage", &blen);
    tw_text_t k, v, props;
    json_t *headers;
    int n, st;
    if (context_from_json(&h, json_object_get(in, "context"))) return BAD_INPUT;
    n = tw_jaeger_format(out, sizeof out, &h, json_is_true(json_object_get(in, "debug")));
    if (n < 0) return error_result(n);
    headers = json_pack("[[s, s%]]", "uber-trace-id", out, (size_t)n);
    while (bg != NULL && (st = tw_baggage_next(bg, blen, &pos, &k, &v, &props)) == 1) {
        static char name[300], val[3 * TW_BAGGAGE_MAX_LEN];
        int vl = tw_jaeger_baggage_value(val, sizeof val, v.ptr, v.len); /* properties are not written */
        if (vl < 0 || k.len > 250) continue;
        size_t c;
        snprintf(name, sizeof name, "uberctx-%.*s", (int)k.len, k.ptr);
        for (c = 8; name[c]; c++) /* field names are written in lower case (spec 11 §11.6.3) */
            if (name[c] >= 'A' && name[c] <= 'Z') name[c] = (char)(name[c] - 'A' + 'a');
        json_array_append_new(headers, json_pack("[s, s%]", name, val, (size_t)vl));
    }
    return json_pack("{s:o}", "headers", headers);
}

static json_t *op_grpc_parse(const json_t *in)
{
    uint8_t buf[256];
    size_t len;
    const char *b64 = str_in(in, "base64", &len);
    tw_header_t h;
    long n;
    tw_status st;
    memset(&h, 0, sizeof h);
    if (b64 != NULL) {
        n = tw_base64_decode(NULL, 0, b64, len);
        if (n < 0) return error_result((int)n);
        if ((size_t)n > sizeof buf) return error_result(TW_E_GRPC_TRACE_BIN);
        n = tw_base64_decode(buf, sizeof buf, b64, len);
        st = tw_grpc_trace_bin_parse(&h, buf, (size_t)n);
    } else {
        uint8_t *raw = NULL;
        n = read_hex(json_object_get(in, "hex"), &raw);
        if (n < 0) return BAD_INPUT;
        st = tw_grpc_trace_bin_parse(&h, raw, (size_t)n);
        free(raw);
    }
    if (st != TW_OK) return error_result(st);
    return json_pack("{s:o}", "context", context_json(&h));
}

static json_t *op_grpc_format(const json_t *in)
{
    tw_header_t h;
    uint8_t b[TW_GRPC_TRACE_BIN_LEN];
    char b64[TW_GRPC_TRACE_BIN_B64_LEN];
    int n;
    if (context_from_json(&h, json_object_get(in, "context"))) return BAD_INPUT;
    n = tw_grpc_trace_bin_format(b, &h);
    if (n < 0) return error_result(n);
    n = tw_base64_encode(b64, sizeof b64, b, sizeof b);
    return json_pack("{s:o, s:s%}", "hex", hex_string(b, sizeof b), "base64", b64, (size_t)n);
}

static json_t *op_json_parse(const json_t *in)
{
    size_t len;
    const char *t = str_in(in, "text", &len);
    static char scratch[2 * TW_HEADER_MAX_LEN];
    tw_header_t h;
    tw_status st;
    json_t *r, *d;
    if (t == NULL || len > sizeof scratch) return BAD_INPUT;
    st = tw_json_parse(&h, scratch, sizeof scratch, t, len);
    if (st != TW_OK) return error_result(st);
    r = json_pack("{s:o}", "header", tw_header_to_json(&h));
    d = json_array();
    if (h.discarded & TW_DISCARDED_TRACESTATE) json_array_append_new(d, json_string("tracestate"));
    if (h.discarded & TW_DISCARDED_BAGGAGE) json_array_append_new(d, json_string("baggage"));
    json_object_set_new(r, "discarded", d);
    return r;
}

static json_t *op_json_format(const json_t *in)
{
    static tw_json_storage st;
    static char out[4 * TW_HEADER_MAX_LEN];
    tw_header_t h;
    if (tw_header_from_json(&h, json_object_get(in, "header"), &st) != TW_OK) return BAD_INPUT;
    return text_result("text", out, tw_json_format(out, sizeof out, &h));
}

static json_t *hex56(uint64_t v)
{
    char t[15];
    int i;
    for (i = 13; i >= 0; i--, v >>= 4) t[i] = "0123456789abcdef"[v & 15];
    t[14] = 0;
    return json_string(t);
}

static int read_hex56(const json_t *v, uint64_t *out)
{
    const char *s = json_string_value(v);
    uint8_t b[7];
    int i;
    if (s == NULL || strlen(s) != 14 || tw_hex_decode(b, s, 7) != TW_OK) return -1;
    for (*out = 0, i = 0; i < 7; i++) *out = *out << 8 | b[i];
    return 0;
}

static json_t *th_text(uint64_t t)
{
    char buf[TW_TRACESTATE_MAX_LEN];
    int n = tw_ot_set_threshold(buf, sizeof buf, "", 0, t); /* "ot=th:..." */
    return n < 6 ? json_null() : json_stringn(buf + 6, (size_t)n - 6);
}

static json_t *op_ot_parse(const json_t *in)
{
    size_t len;
    const char *t = str_in(in, "tracestate", &len);
    tw_ot_t ot;
    tw_status st;
    if (t == NULL) return BAD_INPUT;
    st = tw_ot_parse(&ot, t, len);
    if (st != TW_OK) return error_result(st);
    return json_pack("{s:o, s:o, s:o}", "th", ot.has_th ? th_text(ot.threshold) : json_null(), "threshold",
                     ot.has_th ? hex56(ot.threshold) : json_null(), "rv", ot.has_rv ? hex56(ot.rv) : json_null());
}

static json_t *op_ot_set_th(const json_t *in)
{
    size_t len;
    const char *t = str_in(in, "tracestate", &len);
    char out[TW_TRACESTATE_MAX_LEN];
    uint64_t th;
    if (t == NULL || read_hex56(json_object_get(in, "threshold"), &th)) return BAD_INPUT;
    return text_result("tracestate", out, tw_ot_set_threshold(out, sizeof out, t, len, th));
}

static json_t *op_sampling_decide(const json_t *in)
{
    tw_header_t h;
    tw_ot_t ot;
    size_t len = 0;
    const char *t = str_in(in, "tracestate", &len);
    uint64_t r, th;
    int known, have_th;
    tw_status st;
    memset(&h, 0, sizeof h);
    if (fixed_hex(h.trace_id, 16, json_object_get(in, "trace_id")) ||
        !json_is_integer(json_object_get(in, "trace_flags")))
        return BAD_INPUT;
    h.trace_flags = (uint8_t)json_integer_value(json_object_get(in, "trace_flags"));
    h.present = TW_HAS_CONTEXT;
    st = tw_ot_parse(&ot, t ? t : "", t ? len : 0);
    if (st != TW_OK) return error_result(st);
    known = tw_sampling_randomness(&r, &h, &ot);
    have_th = json_object_get(in, "threshold") ? !read_hex56(json_object_get(in, "threshold"), &th) : ot.has_th;
    if (json_object_get(in, "threshold") == NULL) th = ot.threshold;
    return json_pack("{s:o, s:o}", "r", known ? hex56(r) : json_null(), "sampled",
                     known && have_th ? json_boolean(r >= th) : json_null());
}

static void reject(json_t *rejected, const char *header, int st, const char *reason)
{
    json_array_append_new(rejected, json_pack("{s:s, s:s, s:s}", "header", header, "code", tw_status_name(st),
                                              "reason", reason ? reason : tw_strerror(st)));
}

/* What a participating receiver extracts, and what it sends downstream:
 * the procedure of spec 11 §11.10.1. */
static json_t *op_gateway_extract(const json_t *in)
{
    const json_t *headers = json_object_get(in, "headers");
    static char ts[TW_HEADER_MAX_LEN], ts2[TW_TRACESTATE_MAX_LEN], bgj[TW_HEADER_MAX_LEN], bg[TW_BAGGAGE_MAX_LEN];
    tw_header_t h;
    const char *source = NULL, *v;
    size_t len, tslen = 0, bglen = 0;
    int n, debug = 0;
    json_t *down, *ctx, *rejected;
    char tp[TW_TRACEPARENT_LEN], uuid[TW_UUID_TEXT_LEN];
    tw_status st;
    if (!json_is_array(headers)) return BAD_INPUT;
    memset(&h, 0, sizeof h);
    rejected = json_array();

    /* 2. traceparent: a single field (§11.4.3) */
    v = header_get(headers, "traceparent", &len, 0);
    if (v != NULL) {
        if (header_count(headers, "traceparent") > 1) {
            reject(rejected, "traceparent", TW_E_TRACEPARENT, "more than one traceparent field line");
        } else if ((st = tw_traceparent_parse(&h, NULL, v, len)) != TW_OK) {
            reject(rejected, "traceparent", st, NULL);
        } else {
            source = "traceparent";
            tslen = header_join(headers, "tracestate", ts, sizeof ts);
            if (tslen > TW_TRACESTATE_MAX_LEN) { /* valid but long: cut to the limit (W3C order) */
                n = tw_tracestate_truncate(ts2, sizeof ts2, ts, tslen, TW_TRACESTATE_MAX_LEN);
                tslen = n > 0 ? (size_t)n : 0;
                memcpy(ts, ts2, tslen);
            } else if (tslen && (st = tw_tracestate_validate(ts, tslen)) != TW_OK) {
                reject(rejected, "tracestate", st, NULL);
                tslen = 0; /* invalid: dropped, the context is kept */
            }
        }
    }
    /* 3. B3, then Jaeger, then grpc-trace-bin, only without a traceparent context */
    if (source == NULL) {
        tw_b3_sampling smp = TW_B3_DEFER;
        tw_header_t g;
        memset(&g, 0, sizeof g);
        if (b3_extract(&g, &smp, headers) == TW_OK && (g.present & TW_HAS_CONTEXT)) {
            h = g;
            source = "b3";
            debug = smp == TW_B3_DEBUG;
        } else if ((v = header_get(headers, "uber-trace-id", &len, 0)) != NULL &&
                   tw_jaeger_parse(&g, &debug, v, len) == TW_OK) {
            h = g;
            source = "jaeger";
        } else if ((v = header_get(headers, "grpc-trace-bin", &len, 0)) != NULL &&
                   header_count(headers, "grpc-trace-bin") == 1 && memchr(v, ',', len) == NULL) {
            uint8_t b[256];
            int bl = tw_base64_decode(NULL, 0, v, len);
            if (bl >= 0 && (size_t)bl <= sizeof b && tw_base64_decode(b, sizeof b, v, len) == bl &&
                tw_grpc_trace_bin_parse(&g, b, (size_t)bl) == TW_OK) {
                h = g;
                source = "grpc-trace-bin";
            }
        }
        if (debug) { /* the per-trace debug hint travels as our tracestate member */
            n = tw_tracestate_put(ts, sizeof ts, "", 0, "tw", 2, "log:debug", 9);
            tslen = n > 0 ? (size_t)n : 0;
        }
    }
    if (!(h.present & TW_HAS_CONTEXT)) tslen = 0;

    /* 4. baggage: the baggage field lines; uberctx- fields only without them */
    if (header_count(headers, "baggage") > 0) {
        bglen = header_join(headers, "baggage", bgj, sizeof bgj);
        n = tw_baggage_sanitize(bg, sizeof bg, bgj, bglen, NULL);
    } else {
        n = jaeger_baggage(bg, sizeof bg, headers);
    }
    bglen = n > 0 ? (size_t)n : 0;

    /* 5. the correlation-id: a single field of UUID text, not nil (§11.4.4) */
    v = header_get(headers, "tracewire-correlation-id", &len, 0);
    if (v != NULL && header_count(headers, "tracewire-correlation-id") == 1 &&
        tw_uuid_parse(h.correlation_id, v, len) == TW_OK) {
        static const uint8_t nil[TW_CORRELATION_ID_LEN];
        if (memcmp(h.correlation_id, nil, sizeof nil) != 0) h.present |= TW_HAS_CORRELATION_ID;
    }
    if (!(h.present & TW_HAS_CORRELATION_ID)) memset(h.correlation_id, 0, sizeof h.correlation_id);

    h.tracestate.ptr = tslen ? ts : NULL;
    h.tracestate.len = tslen;
    h.baggage.ptr = bglen ? bg : NULL;
    h.baggage.len = bglen;
    ctx = h.present || bglen ? tw_header_to_json(&h) : json_null();

    /* downstream: traceparent, tracestate, baggage, tracewire-correlation-id (§11.10.3) */
    down = json_array();
    if (h.present & TW_HAS_CONTEXT) {
        const json_t *ns = json_object_get(in, "new_span_id");
        tw_header_t d = h;
        if ((ns != NULL && fixed_hex(d.span_id, 8, ns)) || tw_traceparent_format(tp, &d) != TW_TRACEPARENT_LEN) {
            json_decref(down);
            json_decref(ctx);
            json_decref(rejected);
            return BAD_INPUT;
        }
        json_array_append_new(down, json_pack("[s, s%]", "traceparent", tp, (size_t)TW_TRACEPARENT_LEN));
        if (tslen) json_array_append_new(down, json_pack("[s, s%]", "tracestate", ts, tslen));
    }
    if (bglen) json_array_append_new(down, json_pack("[s, s%]", "baggage", bg, bglen));
    if (h.present & TW_HAS_CORRELATION_ID) {
        tw_uuid_format(uuid, h.correlation_id);
        json_array_append_new(down, json_pack("[s, s%]", "tracewire-correlation-id", uuid, (size_t)TW_UUID_TEXT_LEN));
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "context", ctx, "source", source ? json_string(source) : json_null(),
                     "downstream", down, "rejected", rejected);
}


/* ======================================================================
 * Processing operations (spec 10)
 * ====================================================================== */

static json_t *op_relay_set_span_id(const json_t *in)
{
    uint8_t *msg = NULL, sid[8];
    long n = read_hex(json_object_get(in, "message_hex"), &msg);
    tw_status st;
    json_t *r;
    if (n < 0 || fixed_hex(sid, 8, json_object_get(in, "span_id"))) {
        free(msg);
        return BAD_INPUT;
    }
    st = tw_relay_set_span_id(msg, (size_t)n, sid);
    r = st != TW_OK ? error_result(st) : json_pack("{s:o}", "message_hex", hex_string(msg, (size_t)n));
    free(msg);
    return r;
}

static int flags_in(const json_t *in, const char *key, uint8_t *out)
{
    const json_t *v = json_object_get(in, key);
    *out = 0;
    if (v == NULL) return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255) return -1;
    *out = (uint8_t)json_integer_value(v);
    return 0;
}

static json_t *op_relay_edit(const json_t *in)
{
    uint8_t *msg = NULL, sid[8], *out;
    long n = read_hex(json_object_get(in, "message_hex"), &msg);
    const json_t *put = json_object_get(in, "tracestate_put");
    tw_relay_edit_t e;
    int need, m;
    json_t *r;
    memset(&e, 0, sizeof e);
    if (n < 0 || flags_in(in, "flags_set", &e.flags_set) || flags_in(in, "flags_clear", &e.flags_clear)) {
        free(msg);
        return BAD_INPUT;
    }
    if (json_object_get(in, "span_id") != NULL) {
        if (fixed_hex(sid, 8, json_object_get(in, "span_id"))) {
            free(msg);
            return BAD_INPUT;
        }
        e.span_id = sid;
    }
    if (put != NULL) {
        e.ts_key = str_in(put, "key", &e.ts_key_len);
        e.ts_value = str_in(put, "value", &e.ts_value_len);
        if (e.ts_key == NULL || e.ts_value == NULL) {
            free(msg);
            return BAD_INPUT;
        }
    }
    need = tw_relay_edit(NULL, 0, msg, (size_t)n, &e);
    if (need < 0) {
        free(msg);
        return error_result(need);
    }
    out = malloc((size_t)need + 1);
    m = tw_relay_edit(out, (size_t)need, msg, (size_t)n, &e);
    r = m < 0 ? error_result(m) : json_pack("{s:o}", "message_hex", hex_string(out, (size_t)m));
    free(out);
    free(msg);
    return r;
}

static json_t *op_budget_encode(const json_t *in)
{
    static tw_json_storage st;
    static uint8_t out[TW_HEADER_MAX_LEN];
    static const char *const names[5] = {"baggage", "tracestate", "unknown", "context", "correlation_id"};
    tw_header_t h;
    const json_t *b = json_object_get(in, "budget");
    unsigned dropped = 0;
    json_t *d;
    int n, i;
    if (tw_header_from_json(&h, json_object_get(in, "header"), &st) != TW_OK || !json_is_integer(b) ||
        json_integer_value(b) < 0)
        return BAD_INPUT;
    n = tw_header_encode_budget(out, sizeof out, &h, (size_t)json_integer_value(b), &dropped);
    if (n < 0) return error_result(n);
    d = json_array();
    for (i = 0; i < 5; i++)
        if (dropped & (1u << i)) json_array_append_new(d, json_string(names[i]));
    return json_pack("{s:o, s:o}", "message_hex", hex_string(out, (size_t)n), "dropped", d);
}

/* An allow-list as views into the JSON strings. */
static int allow_list(const json_t *a, tw_text_t *out, size_t cap, size_t *n)
{
    size_t i;
    *n = 0;
    if (a == NULL) return 0;
    if (!json_is_array(a) || json_array_size(a) > cap) return -1;
    for (i = 0; i < json_array_size(a); i++) {
        const json_t *k = json_array_get(a, i);
        if (!json_is_string(k)) return -1;
        out[i].ptr = json_string_value(k);
        out[i].len = json_string_length(k);
    }
    *n = i;
    return 0;
}

static json_t *op_filter(const json_t *in, int baggage)
{
    tw_text_t allow[64];
    size_t n, len;
    const char *t = str_in(in, "text", &len);
    static char out[TW_BAGGAGE_MAX_LEN];
    if (t == NULL || allow_list(json_object_get(in, "allow"), allow, 64, &n)) return BAD_INPUT;
    return text_result("text", out,
                       baggage ? tw_baggage_filter(out, sizeof out, t, len, allow, n)
                               : tw_tracestate_filter(out, sizeof out, t, len, allow, n));
}

static json_t *op_tracestate_filter(const json_t *in) { return op_filter(in, 0); }
static json_t *op_baggage_filter(const json_t *in) { return op_filter(in, 1); }

static json_t *op_trust_restart(const json_t *in)
{
    static tw_json_storage st;
    static char bg[TW_BAGGAGE_MAX_LEN];
    tw_header_t h;
    tw_link_t link;
    tw_text_t allow[64];
    uint8_t *bytes = NULL;
    size_t n_allow;
    long n = read_hex(json_object_get(in, "random_hex"), &bytes);
    playback pb;
    tw_status s;
    json_t *r, *l;
    if (n < 0 || tw_header_from_json(&h, json_object_get(in, "header"), &st) != TW_OK ||
        allow_list(json_object_get(in, "baggage_allow"), allow, 64, &n_allow)) {
        free(bytes);
        return BAD_INPUT;
    }
    pb.bytes = bytes;
    pb.len = (size_t)n;
    pb.pos = 0;
    s = tw_trust_restart(&h, &link, json_is_true(json_object_get(in, "sampled")), playback_random, &pb);
    free(bytes);
    if (s != TW_OK) return error_result(s);
    if (json_object_get(in, "baggage_allow") == NULL) { /* no allow-list: no baggage crosses, unread */
        h.baggage.ptr = NULL;
        h.baggage.len = 0;
    } else if (h.baggage.len) {
        int bl = tw_baggage_filter(bg, sizeof bg, h.baggage.ptr, h.baggage.len, allow, n_allow);
        if (bl < 0) return error_result(bl);
        h.baggage.ptr = bl ? bg : NULL;
        h.baggage.len = (size_t)bl;
    }
    l = link.valid ? json_pack("{s:o, s:o, s:i}", "trace_id", hex_string(link.trace_id, 16), "span_id",
                               hex_string(link.span_id, 8), "trace_flags", link.trace_flags)
                   : json_null();
    r = json_pack("{s:o, s:o}", "header", tw_header_to_json(&h), "link", l);
    return r;
}

static json_t *op_response_classify(const json_t *in)
{
    static tw_json_storage s1, s2;
    static const char *const rel[3] = {"none", "continued", "restarted"};
    tw_header_t req, resp;
    int up = 0;
    tw_response_relation r;
    if (tw_header_from_json(&req, json_object_get(in, "request"), &s1) != TW_OK ||
        tw_header_from_json(&resp, json_object_get(in, "response"), &s2) != TW_OK)
        return BAD_INPUT;
    r = tw_response_classify(&req, &resp, &up);
    return json_pack("{s:s, s:b}", "relation", rel[r], "sampled_upgrade", up);
}


static json_t *op_log_hint_parse(const json_t *in)
{
    size_t len;
    const char *t = str_in(in, "tracestate", &len);
    tw_log_hint h;
    if (t == NULL) return BAD_INPUT;
    h = tw_log_hint_parse(t, len);
    return json_pack("{s:o}", "hint",
                     h == TW_LOG_HINT_DEBUG ? json_string("debug") : h == TW_LOG_HINT_TRACE ? json_string("trace") : json_null());
}

typedef json_t *(*op_fn)(const json_t *);

static json_t *op_header_decode(const json_t *in) { return op_decode(in, 0); }
static json_t *op_header_encode(const json_t *in) { return op_encode(in, 0); }
static json_t *op_block_decode(const json_t *in) { return op_decode(in, 1); }
static json_t *op_block_encode(const json_t *in) { return op_encode(in, 1); }
static json_t *op_tracestate_validate(const json_t *in) { return op_validate(in, 0); }
static json_t *op_baggage_validate(const json_t *in) { return op_validate(in, 1); }

static const struct {
    const char *name;
    op_fn fn;
} OPS[] = {
    {"header.decode", op_header_decode},
    {"header.encode", op_header_encode},
    {"block.decode", op_block_decode},
    {"block.encode", op_block_encode},
    {"block.measure", op_measure},
    {"tracestate.validate", op_tracestate_validate},
    {"baggage.validate", op_baggage_validate},
    {"uuid.parse", op_uuid_parse},
    {"uuid.format", op_uuid_format},
    {"id.generate", op_generate},
    {"traceparent.parse", op_traceparent_parse},
    {"traceparent.format", op_traceparent_format},
    {"tracestate.members", op_tracestate_members},
    {"tracestate.get", op_tracestate_get},
    {"tracestate.put", op_tracestate_put},
    {"tracestate.truncate", op_tracestate_truncate},
    {"baggage.members", op_baggage_members},
    {"baggage.sanitize", op_baggage_sanitize},
    {"baggage.encode", op_baggage_encode},
    {"b3.extract", op_b3_extract},
    {"b3.inject", op_b3_inject},
    {"jaeger.extract", op_jaeger_extract},
    {"jaeger.inject", op_jaeger_inject},
    {"grpc_trace_bin.parse", op_grpc_parse},
    {"grpc_trace_bin.format", op_grpc_format},
    {"json.parse", op_json_parse},
    {"json.format", op_json_format},
    {"sampling.ot.parse", op_ot_parse},
    {"sampling.ot.set_th", op_ot_set_th},
    {"sampling.decide", op_sampling_decide},
    {"gateway.extract", op_gateway_extract},
    {"relay.set_span_id", op_relay_set_span_id},
    {"relay.edit", op_relay_edit},
    {"budget.encode", op_budget_encode},
    {"trust.restart", op_trust_restart},
    {"tracestate.filter", op_tracestate_filter},
    {"baggage.filter", op_baggage_filter},
    {"response.classify", op_response_classify},
    {"log_hint.parse", op_log_hint_parse},
};

json_t *tw_op_list(void)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; i < sizeof OPS / sizeof *OPS; i++) json_array_append_new(a, json_string(OPS[i].name));
    return a;
}

json_t *tw_op_run(const char *op, const json_t *input)
{
    size_t i;
    if (op == NULL || !json_is_object(input)) return json_pack("{s:s}", "error", "bad-input");
    for (i = 0; i < sizeof OPS / sizeof *OPS; i++)
        if (strcmp(op, OPS[i].name) == 0) return OPS[i].fn(input);
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
