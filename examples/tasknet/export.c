/* SPDX-License-Identifier: Apache-2.0 */
/* export.c - span exporters: OTLP/JSON file, Zipkin v2 JSON file, OTLP/HTTP JSON when configured. */
#include "export.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "io.h"
#include "log.h"
#include "otlp.h"
#include "zipkin.h"

#define BATCH 32
#define HTTP_TIMEOUT_MS 2000

static struct {
    char otlp_path[512], zipkin_path[512];
    char peer[64], role[32], service[128];
    char endpoint[256], traces_endpoint[256];
    const tn_ctx *log_ctx;
    span_data_t batch[BATCH];
    size_t n;
    json_t *zipkin; /* every span of the run, written at shutdown */
    unsigned long exported, http_batches, http_failures;
} E;

static void export_sink(const span_data_t *d)
{
    if (E.n == BATCH) export_flush();
    E.batch[E.n++] = *d;
    json_array_append_new(E.zipkin, zipkin_span(d, E.service));
}

int export_init(const export_config_t *cfg)
{
    const char *v;
    memset(&E, 0, sizeof E);
    snprintf(E.otlp_path, sizeof E.otlp_path, "%s/%s.otlp.jsonl", cfg->dir, cfg->peer);
    snprintf(E.zipkin_path, sizeof E.zipkin_path, "%s/%s.zipkin.json", cfg->dir, cfg->peer);
    snprintf(E.peer, sizeof E.peer, "%s", cfg->peer);
    snprintf(E.role, sizeof E.role, "%s", cfg->role);
    v = getenv("OTEL_SERVICE_NAME");
    snprintf(E.service, sizeof E.service, "%s", v && *v ? v : cfg->peer);
    v = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (v) snprintf(E.endpoint, sizeof E.endpoint, "%s", v);
    v = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); /* used as is: no path appended */
    if (v) snprintf(E.traces_endpoint, sizeof E.traces_endpoint, "%s", v);
    E.log_ctx = cfg->log_ctx;
    E.zipkin = json_array();
    v = getenv("OTEL_EXPORTER_OTLP_PROTOCOL");
    if (v && *v && strcmp(v, "http/json") != 0)
        log_event(LOG_WARN, E.log_ctx, "export.protocol.unsupported",
                  json_pack("{s:s}", "otel.exporter.otlp.protocol", v),
                  "OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported here; using http/json", v);
    span_set_sink(export_sink);
    return 0;
}

const char *export_service_name(void)
{
    return E.service;
}

static void post(const char *body, size_t len)
{
    char err[256];
    const char *base = E.traces_endpoint[0] ? E.traces_endpoint : E.endpoint;
    const char *path = E.traces_endpoint[0] ? "" : "/v1/traces";
    int status;
    if (!base[0]) return;
    E.http_batches++;
    status = http_post(base, path, "application/json", body, len, HTTP_TIMEOUT_MS, err, sizeof err);
    if (status >= 200 && status < 300) return;
    E.http_failures++;
    if (status > 0) snprintf(err, sizeof err, "HTTP status %d", status);
    log_event(LOG_WARN, E.log_ctx, "export.failed",
              json_pack("{s:s,s:s}", "export.protocol", "otlp/http+json", "error.type", err),
              "OTLP/HTTP export of %zu spans to %s%s failed: %s", E.n, base, path, err);
}

void export_flush(void)
{
    otlp_resource_t res = {E.service, E.peer, E.role, (long long)getpid()};
    json_t *req;
    char *text;
    if (E.n == 0) return;
    req = otlp_request(&res, E.batch, E.n);
    text = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(req);
    if (text) {
        size_t len = strlen(text);
        if (io_append_line(E.otlp_path, text, len) != 0)
            log_event(LOG_WARN, E.log_ctx, "export.failed", json_pack("{s:s}", "export.protocol", "otlp/file"),
                      "cannot write %s", E.otlp_path);
        post(text, len);
        free(text);
    }
    E.exported += E.n;
    E.n = 0;
}

void export_shutdown(void)
{
    char *text;
    export_flush();
    text = json_dumps(E.zipkin, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        if (io_write_file_atomic(E.zipkin_path, text, strlen(text)) != 0)
            log_event(LOG_WARN, E.log_ctx, "export.failed", json_pack("{s:s}", "export.protocol", "zipkin/file"),
                      "cannot write %s", E.zipkin_path);
        free(text);
    }
    json_decref(E.zipkin);
    E.zipkin = NULL;
    span_set_sink(NULL);
    log_event(LOG_DEBUG, E.log_ctx, "export.done",
              json_pack("{s:I,s:I,s:I}", "export.spans", (json_int_t)E.exported, "export.http.batches",
                        (json_int_t)E.http_batches, "export.http.failures", (json_int_t)E.http_failures),
              "exported %lu spans (%lu OTLP/HTTP batches, %lu failed)", E.exported, E.http_batches,
              E.http_failures);
}
