/* SPDX-License-Identifier: Apache-2.0 */
/* log.c - JSON-lines logging (spec/12-logging.md): levels, per-trace hints, redaction, sinks. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "io.h"
#include "tracewire_gateway.h"

#define REDACTED "[redacted]"
#define MAX_ALLOW 16

static struct {
    char peer[64];
    char path[512];
    int level, max_hint;
    char allow_text[512];
    tw_text_t allow[MAX_ALLOW];
    size_t n_allow;
    log_ship_fn ship;
    void *ship_arg;
} L;

static const char *const names[] = {"trace", "debug", "info", "warn", "error"};

const char *log_level_name(int level)
{
    return level >= LOG_TRACE && level <= LOG_ERROR ? names[level] : "info";
}

int log_level_parse(const char *name)
{
    for (int i = LOG_TRACE; i <= LOG_ERROR; i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

int log_open(const log_config_t *cfg)
{
    memset(&L, 0, sizeof L);
    snprintf(L.peer, sizeof L.peer, "%s", cfg->peer);
    snprintf(L.path, sizeof L.path, "%s", cfg->path);
    L.level = cfg->level;
    L.max_hint = cfg->max_hint;
    snprintf(L.allow_text, sizeof L.allow_text, "%s", cfg->baggage_allow ? cfg->baggage_allow : "");
    for (char *p = L.allow_text; *p && L.n_allow < MAX_ALLOW;) {
        char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n) {
            L.allow[L.n_allow].ptr = p;
            L.allow[L.n_allow++].len = n;
        }
        if (!comma) break;
        p = comma + 1;
    }
    return 0;
}

void log_set_shipper(log_ship_fn fn, void *arg)
{
    L.ship = fn;
    L.ship_arg = arg;
}

int log_get_level(void)
{
    return L.level;
}

/* The level a line about ctx must reach: the peer's level, lowered by a
 * verbosity hint (spec 10 §10.8.3) no further than max_hint. */
static int threshold(const tn_ctx *ctx)
{
    char hint[16];
    int t = L.level;
    if (ctx && ctx_log_hint(ctx, hint, sizeof hint)) {
        int h = log_level_parse(hint);
        if (h >= 0) {
            if (h < L.max_hint) h = L.max_hint;
            if (h < t) t = h;
        }
    }
    return t;
}

int log_enabled(int level, const tn_ctx *ctx)
{
    return level >= threshold(ctx);
}

static int allowed(const char *key, size_t len)
{
    for (size_t i = 0; i < L.n_allow; i++)
        if (L.allow[i].len == len && memcmp(L.allow[i].ptr, key, len) == 0) return 1;
    return 0;
}

json_t *log_baggage_redacted(const tn_ctx *ctx)
{
    json_t *obj;
    size_t pos = 0;
    tw_text_t key, value, props;
    if (!ctx || ctx->bag_len == 0) return NULL;
    obj = json_object();
    while (tw_baggage_next(ctx->baggage, ctx->bag_len, &pos, &key, &value, &props) == 1) {
        char k[256], v[3 * 256 + 1];
        int n;
        if (key.len >= sizeof k) continue;
        memcpy(k, key.ptr, key.len);
        k[key.len] = '\0';
        if (!allowed(key.ptr, key.len)) {
            json_object_set_new(obj, k, json_string(REDACTED));
            continue;
        }
        n = value.len <= 256 ? tw_baggage_value_decode(v, sizeof v - 1, value.ptr, value.len) : -1;
        if (n < 0) {
            json_object_set_new(obj, k, json_string(REDACTED)); /* too long to show safely */
            continue;
        }
        v[n] = '\0';
        json_object_set_new(obj, k, json_string(v));
    }
    return obj;
}

json_t *log_add_hex(json_t *fields, const char *key, const uint8_t *b, size_t n, size_t max)
{
    size_t k = n < max ? n : max;
    char *text = malloc(2 * k + 1);
    if (!fields || !text) {
        free(text);
        return fields;
    }
    tw_hex_encode(text, b, k);
    text[2 * k] = '\0';
    json_object_set_new(fields, key, json_string(text));
    if (k < n) {
        char tkey[96];
        snprintf(tkey, sizeof tkey, "%s_truncated", key);
        json_object_set_new(fields, tkey, json_true());
    }
    free(text);
    return fields;
}

json_t *log_add_block(json_t *fields, const char *key, const uint8_t *block, size_t len)
{
    tw_header_t h;
    uint8_t *copy;
    if (!fields || len > TW_BLOCK_MAX_LEN || tw_block_decode(&h, block, len) < 0 || !(copy = malloc(len)))
        return fields;
    memcpy(copy, block, len);
    /* The decoded baggage is a view into block: mask the same octets. */
    if (h.baggage.len) memset(copy + ((const uint8_t *)h.baggage.ptr - block), '*', h.baggage.len);
    log_add_hex(fields, key, copy, len, 512);
    free(copy);
    return fields;
}

static void emit(int level, const tn_ctx *ctx, const char *event, json_t *fields, const char *message)
{
    char ts[CLOCK_RFC3339_LEN + 1];
    tn_ctx_text t;
    json_t *line = json_object(), *bag;
    char *text;
    clock_rfc3339_ms(ts, clock_unix_ns());
    if (ctx) ctx_text(&t, ctx);
    else memset(&t, 0, sizeof t);
    json_object_set_new(line, "timestamp", json_string(ts));
    json_object_set_new(line, "level", json_string(log_level_name(level)));
    json_object_set_new(line, "peer", json_string(L.peer));
    json_object_set_new(line, "message", json_string(message));
    if (t.trace_id[0]) {
        json_object_set_new(line, "trace_id", json_string(t.trace_id));
        json_object_set_new(line, "span_id", json_string(t.span_id));
        json_object_set_new(line, "trace_flags", json_string(t.flags));
    }
    if (t.correlation_id[0]) json_object_set_new(line, "correlation_id", json_string(t.correlation_id));
    json_object_set_new(line, "event", json_string(event));
    if (fields) {
        const char *k;
        json_t *v;
        json_object_foreach(fields, k, v) {
            /* A field may not replace a standard one (spec 12 §12.2.1 rule 3). */
            if (!json_object_get(line, k) && strcmp(k, "baggage") != 0) json_object_set(line, k, v);
        }
        json_decref(fields);
    }
    /* Privacy: only allow-listed baggage values leave this function. */
    if ((bag = log_baggage_redacted(ctx)) != NULL) json_object_set_new(line, "baggage", bag);
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(line);
    if (!text) return;
    (void)io_append_line(L.path, text, strlen(text));
    if (L.ship) L.ship(text, strlen(text), L.ship_arg);
    free(text);
}

void log_event(int level, const tn_ctx *ctx, const char *event, json_t *fields, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    if (!log_enabled(level, ctx)) {
        json_decref(fields);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    emit(level, ctx, event, fields, message);
}

void log_set_level(int level, const char *cause, const tn_ctx *ctx)
{
    int old = L.level;
    char message[160];
    L.level = level;
    snprintf(message, sizeof message, "log level changed from %s to %s by %s", log_level_name(old),
             log_level_name(level), cause);
    /* Written whatever the new level, so a gap in verbosity is explained. */
    emit(LOG_INFO, ctx, "log.level.changed",
         json_pack("{s:s,s:s,s:s}", "log.level.old", log_level_name(old), "log.level.new",
                   log_level_name(level), "log.level.cause", cause),
         message);
}
