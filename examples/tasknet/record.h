/* SPDX-License-Identifier: Apache-2.0 */
/* record.h - the coordinator's task record: a JSON file holding the task and its context in the JSON form. */
#ifndef TASKNET_RECORD_H
#define TASKNET_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "msg.h"

typedef struct task_record {
    tn_ctx ctx; /* the context work on the task continues from */
    char task_kind[64];
    uint8_t input[MSG_TEXT_MAX];
    size_t input_len;
    char state[16]; /* received, assigned, retrying, done, failed */
    unsigned attempts;
    char last_executor[64];
    char last_error[MSG_TEXT_MAX];
    uint8_t failed_trace_id[TW_TRACE_ID_LEN]; /* task.execute span of the last failed attempt */
    uint8_t failed_span_id[TW_SPAN_ID_LEN];
    uint8_t failed_flags;
    int has_failed_span;
    /* The origin context exactly as received (spec 10 §10.2.6 rule 1). */
    uint8_t origin[TW_HEADER_MAX_LEN];
    size_t origin_len;
} task_record_t;

/* <dir>/<correlation-id>.json. The context keys are written by
 * tw_json_format (spec 11 §11.8); the other keys are the task's. 0 or -1. */
int record_store(const char *dir, const task_record_t *r, char *path, size_t path_cap);
/* Read it back; the context comes from tw_json_parse. 0 or -1. */
int record_load(const char *dir, const uint8_t correlation_id[TW_CORRELATION_ID_LEN], task_record_t *r);

#endif
