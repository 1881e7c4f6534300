/* SPDX-License-Identifier: Apache-2.0 */
/* retention.h - how long the log aggregator keeps a line (spec/12-logging.md §12.7). */
#ifndef TASKNET_RETENTION_H
#define TASKNET_RETENTION_H

#include <stddef.h>
#include <stdint.h>

/* The retention class of a line of this level ("trace".."error") whose
 * trace_flags (2 hex digits, NULL or "" when the line has no trace
 * context) are given. Returns the days to keep; 0 means "do not keep";
 * *name gets the class name. */
int retention_days(const char *level, const char *trace_flags, const char **name);

/* Rewrite a store of JSON lines without the lines whose
 * retention.expires_at is before now (and without unreadable lines).
 * A missing store is empty. 0 or -1. */
int retention_sweep(const char *path, uint64_t now_ns, size_t *kept, size_t *removed);

#endif
