/* SPDX-License-Identifier: Apache-2.0 */
/* retention.c - how long the log aggregator keeps a line (spec/12-logging.md §12.7). */
#include "retention.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "io.h"

int retention_days(const char *level, const char *trace_flags, const char **name)
{
    int sampled = 0;
    if (trace_flags && strlen(trace_flags) == 2) sampled = (strtoul(trace_flags, NULL, 16) & 0x01u) != 0;
    if (strcmp(level, "error") == 0 || strcmp(level, "warn") == 0) {
        *name = "incident";
        return 30;
    }
    if (strcmp(level, "info") == 0) {
        *name = sampled ? "info-sampled" : "info";
        return sampled ? 14 : 7;
    }
    if (strcmp(level, "debug") == 0) {
        *name = sampled ? "debug-sampled" : "debug";
        return sampled ? 3 : 1;
    }
    *name = sampled ? "trace-sampled" : "none";
    return sampled ? 1 : 0;
}

int retention_sweep(const char *path, uint64_t now_ns, size_t *kept, size_t *removed)
{
    size_t len, out_len = 0;
    char *text = io_read_file(path, &len), *out, *line, *next;
    int rc;
    *kept = *removed = 0;
    if (!text) return errno == ENOENT ? 0 : -1;
    if (!(out = malloc(len + 1))) {
        free(text);
        return -1;
    }
    for (line = text; line && *line; line = next) {
        json_t *j;
        const char *exp;
        uint64_t t;
        size_t n;
        next = strchr(line, '\n');
        n = next ? (size_t)(next - line) : strlen(line);
        if (next) next++;
        if (n == 0) continue;
        j = json_loadb(line, n, 0, NULL);
        exp = json_string_value(json_object_get(j, "retention.expires_at"));
        if (exp && clock_parse_rfc3339_ms(exp, &t) == 0 && t >= now_ns) {
            memcpy(out + out_len, line, n);
            out_len += n;
            out[out_len++] = '\n';
            (*kept)++;
        } else {
            (*removed)++;
        }
        json_decref(j);
    }
    rc = *removed ? io_write_file_atomic(path, out, out_len) : 0;
    free(out);
    free(text);
    return rc;
}
