/* SPDX-License-Identifier: Apache-2.0 */
/* export.h - span exporters: OTLP/JSON file, Zipkin v2 JSON file, OTLP/HTTP JSON when configured. */
#ifndef TASKNET_EXPORT_H
#define TASKNET_EXPORT_H

#include "context.h"
#include "span.h"

typedef struct export_config {
    const char *dir;  /* <dir>/<peer>.otlp.jsonl and <dir>/<peer>.zipkin.json */
    const char *peer; /* p2p.peer.name, and service.name unless OTEL_SERVICE_NAME */
    const char *role;
    const tn_ctx *log_ctx; /* context of export problems in the log */
} export_config_t;

/*
 * Read the environment (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL) and
 * install export_span as the span sink.
 */
int export_init(const export_config_t *cfg);
const char *export_service_name(void);
/* Write the buffered spans: one ExportTraceServiceRequest line to the
 * OTLP/JSON file (Collector file-exporter format) and, when an endpoint is
 * set, a POST {endpoint}/v1/traces with Content-Type application/json. */
void export_flush(void);
/* Flush, then write the Zipkin v2 file (a JSON array of every span). */
void export_shutdown(void);

#endif
