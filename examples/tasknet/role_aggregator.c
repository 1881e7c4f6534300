/* SPDX-License-Identifier: Apache-2.0 */
/* role_aggregator.c - the opt-in log aggregator: receives shipped lines, keeps them by retention class. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "io.h"
#include "log.h"
#include "peer.h"
#include "retention.h"

static char store_path[600];
static unsigned long kept, dropped, invalid;

static int start(peer_t *p)
{
    size_t k = 0, removed = 0;
    snprintf(store_path, sizeof store_path, "%s/aggregate.jsonl", p->store_dir);
    if (retention_sweep(store_path, clock_unix_ns(), &k, &removed) == 0)
        log_event(LOG_INFO, &p->life_ctx, "log.retention.sweep",
                  json_pack("{s:I,s:I}", "log.lines.kept", (json_int_t)k, "log.lines.expired", (json_int_t)removed),
                  "retention sweep: %zu lines kept, %zu expired lines removed", k, removed);
    return 0;
}

static void on_frame(peer_t *p, conn_t *c, const frame_t *f, const msg_t *m)
{
    json_t *line;
    const char *level, *flags, *cls;
    char received[CLOCK_RFC3339_LEN + 1], expires[CLOCK_RFC3339_LEN + 1];
    uint64_t now = clock_unix_ns();
    int days;
    char *text;
    (void)p, (void)f;
    if (m->kind != MSG_LOG) return;
    line = json_loads(m->arg, 0, NULL);
    level = json_string_value(json_object_get(line, "level"));
    flags = json_string_value(json_object_get(line, "trace_flags"));
    if (!json_is_object(line) || !level) {
        invalid++;
        json_decref(line);
        return;
    }
    days = retention_days(level, flags, &cls);
    if (days == 0) { /* trace-level lines of unsampled work are not kept */
        dropped++;
        json_decref(line);
        return;
    }
    clock_rfc3339_ms(received, now);
    clock_rfc3339_ms(expires, now + (uint64_t)days * 86400u * 1000000000u);
    json_object_set_new(line, "aggregator.received_at", json_string(received));
    json_object_set_new(line, "aggregator.shipped_by", json_string(c->name));
    json_object_set_new(line, "retention.class", json_string(cls));
    json_object_set_new(line, "retention.days", json_integer(days));
    json_object_set_new(line, "retention.expires_at", json_string(expires));
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(line);
    if (text && io_append_line(store_path, text, strlen(text)) == 0) kept++;
    free(text);
}

static void on_stop(peer_t *p)
{
    log_event(LOG_INFO, &p->life_ctx, "log.aggregate.summary",
              json_pack("{s:I,s:I,s:I}", "log.lines.kept", (json_int_t)kept, "log.lines.not_kept",
                        (json_int_t)dropped, "log.lines.invalid", (json_int_t)invalid),
              "kept %lu shipped lines, %lu not kept by retention class, %lu invalid", kept, dropped, invalid);
}

const role_ops_t role_aggregator = {start, on_frame, NULL, NULL, NULL, on_stop};
