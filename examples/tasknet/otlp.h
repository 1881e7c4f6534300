/* SPDX-License-Identifier: Apache-2.0 */
/* otlp.h - spans as an OTLP/JSON ExportTraceServiceRequest (one resource, one scope). */
#ifndef TASKNET_OTLP_H
#define TASKNET_OTLP_H

#include <jansson.h>
#include <stddef.h>

#include "span.h"

/* The resource every span of this process shares. */
typedef struct otlp_resource {
    const char *service_name; /* OTEL_SERVICE_NAME, or the peer name */
    const char *peer_name;    /* p2p.peer.name */
    const char *role;         /* p2p.peer.role */
    long long pid;
} otlp_resource_t;

/*
 * Build {"resourceSpans":[{"resource":..,"scopeSpans":[{"scope":..,"spans":[..]}]}]}
 * with the OTLP/JSON encoding rules: lowerCamelCase names, ids as
 * lowercase hex (not base64), 64-bit integers as decimal strings, enums as
 * integers. Returns a new reference.
 */
json_t *otlp_request(const otlp_resource_t *res, const span_data_t *spans, size_t n);

#endif
