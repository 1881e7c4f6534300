/* SPDX-License-Identifier: Apache-2.0 */
/* record.c - the coordinator's task record: a JSON file holding the task and its context in the JSON form. */
#include "record.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "tracewire_gateway.h"

static void record_path(char *path, size_t cap, const char *dir, const uint8_t id[TW_CORRELATION_ID_LEN])
{
    char text[TW_UUID_TEXT_LEN + 1];
    tw_uuid_format(text, id);
    text[TW_UUID_TEXT_LEN] = '\0';
    snprintf(path, cap, "%s/%s.json", dir, text);
}

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char *buf = malloc(2 * n + 1);
    json_t *j;
    if (!buf) return json_null();
    tw_hex_encode(buf, b, n);
    buf[2 * n] = '\0';
    j = json_string(buf);
    free(buf);
    return j;
}

static const char *str_or_empty(const json_t *v)
{
    const char *s = json_string_value(v);
    return s ? s : "";
}

static size_t hex_read(uint8_t *out, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) / 2 : 0;
    if (!s || strlen(s) % 2 || n > cap || tw_hex_decode(out, s, n) != TW_OK) return 0;
    return n;
}

int record_store(const char *dir, const task_record_t *r, char *path, size_t path_cap)
{
    tw_header_t h;
    char ctx_json[TW_HEADER_MAX_LEN * 2];
    json_t *rec;
    char *text;
    int n, rc;
    ctx_to_header(&h, &r->ctx);
    n = tw_json_format(ctx_json, sizeof ctx_json - 1, &h);
    if (n < 0) return -1;
    ctx_json[n] = '\0';
    /* The context part as the codec writes it; the task's keys added after. */
    rec = json_loads(ctx_json, JSON_DECODE_ANY, NULL);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return -1;
    }
    json_object_set_new(rec, "task.kind", json_string(r->task_kind));
    json_object_set_new(rec, "task.input", json_stringn((const char *)r->input, r->input_len));
    json_object_set_new(rec, "task.state", json_string(r->state));
    json_object_set_new(rec, "task.attempts", json_integer(r->attempts));
    if (r->last_executor[0]) json_object_set_new(rec, "task.executor", json_string(r->last_executor));
    if (r->last_error[0]) json_object_set_new(rec, "task.last_error", json_string(r->last_error));
    if (r->has_failed_span) {
        json_object_set_new(rec, "task.failed_attempt",
                            json_pack("{s:o,s:o,s:o}", "trace_id", hex_json(r->failed_trace_id, TW_TRACE_ID_LEN),
                                      "span_id", hex_json(r->failed_span_id, TW_SPAN_ID_LEN), "trace_flags",
                                      hex_json(&r->failed_flags, 1)));
    }
    json_object_set_new(rec, "origin_header", hex_json(r->origin, r->origin_len));
    text = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(rec);
    if (!text) return -1;
    record_path(path, path_cap, dir, r->ctx.correlation_id);
    rc = io_write_file_atomic(path, text, strlen(text));
    free(text);
    return rc;
}

int record_load(const char *dir, const uint8_t correlation_id[TW_CORRELATION_ID_LEN], task_record_t *r)
{
    char path[512];
    char *text, *scratch;
    size_t len;
    tw_header_t h;
    json_t *rec, *v;
    int rc = -1;
    record_path(path, sizeof path, dir, correlation_id);
    if (!(text = io_read_file(path, &len))) return -1;
    scratch = malloc(len + 1);
    memset(r, 0, sizeof *r);
    memset(&h, 0, sizeof h);
    /* The context: read by the codec from the same object. */
    if (scratch && tw_json_parse(&h, scratch, len + 1, text, len) == TW_OK &&
        (rec = json_loadb(text, len, 0, NULL)) != NULL) {
        ctx_from_header(&r->ctx, &h);
        snprintf(r->task_kind, sizeof r->task_kind, "%s", str_or_empty(json_object_get(rec, "task.kind")));
        if ((v = json_object_get(rec, "task.input")) && json_is_string(v)) {
            r->input_len = json_string_length(v) < sizeof r->input ? json_string_length(v) : sizeof r->input;
            memcpy(r->input, json_string_value(v), r->input_len);
        }
        snprintf(r->state, sizeof r->state, "%s", str_or_empty(json_object_get(rec, "task.state")));
        r->attempts = (unsigned)json_integer_value(json_object_get(rec, "task.attempts"));
        snprintf(r->last_executor, sizeof r->last_executor, "%s",
                 str_or_empty(json_object_get(rec, "task.executor")));
        snprintf(r->last_error, sizeof r->last_error, "%s",
                 str_or_empty(json_object_get(rec, "task.last_error")));
        if ((v = json_object_get(rec, "task.failed_attempt")) != NULL &&
            hex_read(r->failed_trace_id, TW_TRACE_ID_LEN, json_string_value(json_object_get(v, "trace_id"))) ==
                TW_TRACE_ID_LEN &&
            hex_read(r->failed_span_id, TW_SPAN_ID_LEN, json_string_value(json_object_get(v, "span_id"))) ==
                TW_SPAN_ID_LEN) {
            hex_read(&r->failed_flags, 1, json_string_value(json_object_get(v, "trace_flags")));
            r->has_failed_span = 1;
        }
        r->origin_len = hex_read(r->origin, sizeof r->origin, json_string_value(json_object_get(rec, "origin_header")));
        json_decref(rec);
        rc = 0;
    }
    free(scratch);
    free(text);
    return rc;
}
