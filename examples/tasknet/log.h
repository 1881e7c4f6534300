/* SPDX-License-Identifier: Apache-2.0 */
/* log.h - JSON-lines logging (spec/12-logging.md): levels, per-trace hints, redaction, sinks. */
#ifndef TASKNET_LOG_H
#define TASKNET_LOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"

enum log_level { LOG_TRACE = 0, LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Receives each finished line (without newline) for shipping; optional. */
typedef void (*log_ship_fn)(const char *line, size_t len, void *arg);

typedef struct log_config {
    const char *peer;          /* the "peer" field */
    const char *path;          /* the local JSON-lines file */
    int level;                 /* the peer's level */
    int max_hint;              /* the most verbose level a hint may ask for */
    const char *baggage_allow; /* comma-separated keys whose values may be logged */
} log_config_t;

int log_open(const log_config_t *cfg);
void log_set_shipper(log_ship_fn fn, void *arg); /* NULL: shipping off */
int log_get_level(void);
/* Change the peer's level; always logged, as event log.level.changed. */
void log_set_level(int level, const char *cause, const tn_ctx *ctx);
const char *log_level_name(int level);
int log_level_parse(const char *name); /* -1 if unknown */
/* Whether a line of this level about work in ctx (may be NULL) is written. */
int log_enabled(int level, const tn_ctx *ctx);

/*
 * Write one line: timestamp, level, peer, message, trace_id, span_id,
 * trace_flags, correlation_id (from ctx), event, then the fields of
 * `fields` (a JSON object; stolen; may be NULL), then the redacted baggage.
 * The message is printf-formatted.
 */
void log_event(int level, const tn_ctx *ctx, const char *event, json_t *fields, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Add key = lowercase hex of b[0..n) to fields, at most max bytes of it;
 * longer input also adds "<key>_truncated": true. Returns fields. */
json_t *log_add_hex(json_t *fields, const char *key, const uint8_t *b, size_t n, size_t max);

/* Add key = hex of a prefix block with every octet of its baggage value
 * replaced by '*' (so equal blocks still show as equal, and no baggage
 * leaves the peer). A block that does not decode adds nothing. */
json_t *log_add_block(json_t *fields, const char *key, const uint8_t *block, size_t len);

/* The redacted baggage of a context as a JSON object: allowed keys keep
 * their (percent-decoded) values, the others get "[redacted]". NULL when
 * there is no baggage. */
json_t *log_baggage_redacted(const tn_ctx *ctx);

#endif
