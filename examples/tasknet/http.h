/* SPDX-License-Identifier: Apache-2.0 */
/* http.h - a minimal HTTP/1.1 POST client for OTLP/HTTP export to 127.0.0.1. */
#ifndef TASKNET_HTTP_H
#define TASKNET_HTTP_H

#include <stddef.h>

/*
 * POST body to base + path, where base is "http://127.0.0.1:PORT" or
 * "http://localhost:PORT" with an optional path prefix (the OTLP endpoint
 * rule: {endpoint}/v1/traces). Other hosts and https are refused: this demo
 * talks to loopback only. Returns the HTTP status (200..599), or -1 with a
 * reason in err.
 */
int http_post(const char *base, const char *path, const char *content_type, const char *body,
              size_t len, int timeout_ms, char *err, size_t err_cap);

#endif
