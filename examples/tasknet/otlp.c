/* SPDX-License-Identifier: Apache-2.0 */
/* otlp.c - spans as an OTLP/JSON ExportTraceServiceRequest (one resource, one scope). */
#include "otlp.h"

#include <inttypes.h>
#include <stdio.h>

#include "tracewire.h"

#define SCOPE_NAME "tasknet"
#define SCOPE_VERSION "0.1.0"

/* Span.flags (fixed32): W3C flags in bits 0-7, then HAS_IS_REMOTE (0x100)
 * and IS_REMOTE (0x200) for the parent. */
#define OTLP_FLAG_HAS_IS_REMOTE 0x100u
#define OTLP_FLAG_IS_REMOTE 0x200u

static json_t *hex(const uint8_t *b, size_t n)
{
    char buf[2 * TW_TRACE_ID_LEN + 1];
    tw_hex_encode(buf, b, n);
    buf[2 * n] = '\0';
    return json_string(buf);
}

static json_t *u64_string(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return json_string(buf);
}

static json_t *any_value(const span_attr_t *a)
{
    char buf[24];
    switch (a->type) {
    case ATTR_INT:
        snprintf(buf, sizeof buf, "%lld", a->i);
        return json_pack("{s:s}", "intValue", buf);
    case ATTR_BOOL:
        return json_pack("{s:b}", "boolValue", (int)a->i);
    default:
        return json_pack("{s:s}", "stringValue", a->s);
    }
}

static json_t *key_values(const span_attr_t *attrs, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:o}", "key", attrs[i].key, "value",
                                             any_value(&attrs[i])));
    return arr;
}

static json_t *str_attr(const char *key, const char *value)
{
    return json_pack("{s:s,s:{s:s}}", "key", key, "value", "stringValue", value);
}

static json_t *span_json(const span_data_t *d)
{
    json_t *s = json_object();
    unsigned flags = d->flags | OTLP_FLAG_HAS_IS_REMOTE | (d->parent_remote ? OTLP_FLAG_IS_REMOTE : 0u);
    json_object_set_new(s, "traceId", hex(d->trace_id, TW_TRACE_ID_LEN));
    json_object_set_new(s, "spanId", hex(d->span_id, TW_SPAN_ID_LEN));
    if (d->trace_state[0]) json_object_set_new(s, "traceState", json_string(d->trace_state));
    if (d->has_parent) json_object_set_new(s, "parentSpanId", hex(d->parent_id, TW_SPAN_ID_LEN));
    json_object_set_new(s, "flags", json_integer(flags));
    json_object_set_new(s, "name", json_string(d->name));
    json_object_set_new(s, "kind", json_integer(d->kind));
    json_object_set_new(s, "startTimeUnixNano", u64_string(d->start_ns));
    json_object_set_new(s, "endTimeUnixNano", u64_string(d->end_ns));
    json_object_set_new(s, "attributes", key_values(d->attrs, d->n_attrs));
    if (d->dropped_attrs) json_object_set_new(s, "droppedAttributesCount", json_integer((json_int_t)d->dropped_attrs));
    if (d->n_events) {
        json_t *events = json_array();
        for (size_t i = 0; i < d->n_events; i++) {
            const span_event_t *e = &d->events[i];
            json_array_append_new(events, json_pack("{s:o,s:s,s:o}", "timeUnixNano", u64_string(e->time_ns),
                                                    "name", e->name, "attributes",
                                                    key_values(e->attrs, e->n_attrs)));
        }
        json_object_set_new(s, "events", events);
    }
    if (d->n_links) {
        json_t *links = json_array();
        for (size_t i = 0; i < d->n_links; i++) {
            const span_link_t *l = &d->links[i];
            json_t *attrs = json_array();
            json_array_append_new(attrs, str_attr("tracewire.link.relation", l->relation));
            json_array_append_new(links, json_pack("{s:o,s:o,s:o,s:i}", "traceId", hex(l->trace_id, TW_TRACE_ID_LEN),
                                                   "spanId", hex(l->span_id, TW_SPAN_ID_LEN), "attributes", attrs,
                                                   "flags", (int)(l->flags | OTLP_FLAG_HAS_IS_REMOTE)));
        }
        json_object_set_new(s, "links", links);
    }
    if (d->dropped_links) json_object_set_new(s, "droppedLinksCount", json_integer((json_int_t)d->dropped_links));
    if (d->status == STATUS_ERROR)
        json_object_set_new(s, "status", json_pack("{s:s,s:i}", "message", d->status_msg, "code", d->status));
    else if (d->status == STATUS_OK)
        json_object_set_new(s, "status", json_pack("{s:i}", "code", d->status));
    return s;
}

json_t *otlp_request(const otlp_resource_t *res, const span_data_t *spans, size_t n)
{
    json_t *attrs = json_array(), *list = json_array();
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", res->pid);
    json_array_append_new(attrs, str_attr("service.name", res->service_name));
    json_array_append_new(attrs, str_attr("p2p.peer.name", res->peer_name));
    json_array_append_new(attrs, str_attr("p2p.peer.role", res->role));
    json_array_append_new(attrs, json_pack("{s:s,s:{s:s}}", "key", "process.pid", "value", "intValue", pid));
    json_array_append_new(attrs, str_attr("telemetry.sdk.name", "tasknet"));
    json_array_append_new(attrs, str_attr("telemetry.sdk.language", "c"));
    for (size_t i = 0; i < n; i++) json_array_append_new(list, span_json(&spans[i]));
    return json_pack("{s:[{s:{s:o},s:[{s:{s:s,s:s},s:o}]}]}", "resourceSpans", "resource", "attributes", attrs,
                     "scopeSpans", "scope", "name", SCOPE_NAME, "version", SCOPE_VERSION, "spans", list);
}
