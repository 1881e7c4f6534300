/* SPDX-License-Identifier: Apache-2.0 */
/* vector_loader.h - loads conformance vector files into cmocka test tables. */
#ifndef TW_VECTOR_LOADER_H
#define TW_VECTOR_LOADER_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <jansson.h>

typedef struct {
    char name[256]; /* "file/case" */
    const char *op;
    json_t *input, *expect;
} vcase;

/*
 * Load every *.json under dir (sorted by name) and make one cmocka test per
 * case whose op is `op` (NULL: every op), each with the vcase as its state.
 * Returns the number of tests, or -1 after printing why.
 */
long vl_load(const char *dir, const char *op, void (*fn)(void **), struct CMUnitTest **tests);

/* Release everything vl_load made. */
void vl_free(struct CMUnitTest *tests);

#endif
