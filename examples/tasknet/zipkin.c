/* SPDX-License-Identifier: Apache-2.0 */
/* zipkin.c - spans as Zipkin v2 JSON (the body of POST /api/v2/spans). */
#include "zipkin.h"

#include <stdio.h>

#include "tracewire.h"

static const char *kind_name(int kind)
{
    switch (kind) {
    case KIND_SERVER: return "SERVER";
    case KIND_CLIENT: return "CLIENT";
    case KIND_PRODUCER: return "PRODUCER";
    case KIND_CONSUMER: return "CONSUMER";
    default: return NULL; /* Zipkin leaves kind out for internal spans */
    }
}

static void set_hex(json_t *o, const char *key, const uint8_t *b, size_t n)
{
    char buf[2 * TW_TRACE_ID_LEN + 1];
    tw_hex_encode(buf, b, n);
    buf[2 * n] = '\0';
    json_object_set_new(o, key, json_string(buf));
}

json_t *zipkin_span(const span_data_t *d, const char *service_name)
{
    json_t *s = json_object(), *tags = json_object();
    const char *kind = kind_name(d->kind);
    char buf[160];
    set_hex(s, "traceId", d->trace_id, TW_TRACE_ID_LEN);
    if (d->has_parent) set_hex(s, "parentId", d->parent_id, TW_SPAN_ID_LEN);
    set_hex(s, "id", d->span_id, TW_SPAN_ID_LEN);
    if (kind) json_object_set_new(s, "kind", json_string(kind));
    json_object_set_new(s, "name", json_string(d->name));
    json_object_set_new(s, "timestamp", json_integer((json_int_t)(d->start_ns / 1000u)));
    /* Zipkin rounds durations below one microsecond up to one. */
    json_object_set_new(s, "duration", json_integer((json_int_t)((d->end_ns - d->start_ns + 999u) / 1000u)));
    json_object_set_new(s, "localEndpoint", json_pack("{s:s,s:s}", "serviceName", service_name, "ipv4", "127.0.0.1"));
    for (size_t i = 0; i < d->n_attrs; i++) {
        const span_attr_t *a = &d->attrs[i];
        if (a->type == ATTR_STRING) json_object_set_new(tags, a->key, json_string(a->s));
        else if (a->type == ATTR_BOOL) json_object_set_new(tags, a->key, json_string(a->i ? "true" : "false"));
        else {
            snprintf(buf, sizeof buf, "%lld", a->i);
            json_object_set_new(tags, a->key, json_string(buf));
        }
    }
    for (size_t i = 0; i < d->n_links; i++) {
        char key[48], tid[33], sid[17];
        tw_hex_encode(tid, d->links[i].trace_id, TW_TRACE_ID_LEN);
        tw_hex_encode(sid, d->links[i].span_id, TW_SPAN_ID_LEN);
        tid[32] = sid[16] = '\0';
        snprintf(key, sizeof key, "tracewire.link.%zu", i);
        snprintf(buf, sizeof buf, "%s %s/%s", d->links[i].relation, tid, sid);
        json_object_set_new(tags, key, json_string(buf));
    }
    if (d->status == STATUS_ERROR) json_object_set_new(tags, "error", json_string(d->status_msg));
    json_object_set_new(s, "tags", tags);
    if (d->n_events) {
        json_t *ann = json_array();
        for (size_t i = 0; i < d->n_events; i++)
            json_array_append_new(ann, json_pack("{s:I,s:s}", "timestamp", (json_int_t)(d->events[i].time_ns / 1000u),
                                                 "value", d->events[i].name));
        json_object_set_new(s, "annotations", ann);
    }
    return s;
}
