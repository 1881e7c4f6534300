/* SPDX-License-Identifier: Apache-2.0 */
/* ops.h - the conformance operations (conformance/README.md) over JSON values. */
#ifndef TW_OPS_H
#define TW_OPS_H

#include <jansson.h>

#include "tracewire.h"

/*
 * Run one operation on its JSON input. Returns a new object: the outputs,
 * or {"error": CLASS, "code": NAME} when the codec refuses the input, or
 * {"error": "unsupported"} for an op this build does not know.
 */
json_t *tw_op_run(const char *op, const json_t *input);

/* The names of every operation tw_op_run knows, as a new JSON array. */
json_t *tw_op_list(void);

/*
 * Does an actual result satisfy an expectation? Errors compare by class,
 * and by code when the expectation names one; outputs compare as JSON,
 * with a missing "discarded" equal to an empty one.
 */
int tw_op_matches(const json_t *expect, const json_t *actual);

/* The decoded header as the vectors spell it (absent fields omitted). */
json_t *tw_header_to_json(const tw_header_t *h);

/* Bytes that back a header read from JSON: text and unknown fields. */
typedef struct {
    uint8_t pool[2 * TW_HEADER_MAX_LEN]; /* unknown fields, back to back */
} tw_json_storage;

/* Fill *h from a vector's "header" object; text views point into the JSON
 * value (keep it alive). Returns TW_OK, or TW_E_ARG on a malformed object. */
int tw_header_from_json(tw_header_t *h, const json_t *obj, tw_json_storage *st);

#endif
