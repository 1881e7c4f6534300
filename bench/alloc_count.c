/* SPDX-License-Identifier: Apache-2.0 */
/* alloc_count.c - counts heap allocations by interposing malloc, calloc and realloc (glibc). */
#include <stddef.h>

#include "bench.h"

/* The executable's definitions take precedence over libc's for every caller,
 * shared libraries included; they forward to glibc's own entry points, so
 * memory from either side can be freed by either side. Each costs about
 * three extra instructions per call, which the rows that allocate carry. */
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

static unsigned long g_calls;

void *malloc(size_t n)
{
    g_calls++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    g_calls++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    g_calls++;
    return __libc_realloc(p, n);
}

void free(void *p) { __libc_free(p); }

unsigned long bench_alloc_calls(void) { return g_calls; }
