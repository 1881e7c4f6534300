/* SPDX-License-Identifier: Apache-2.0 */
/* alloc_watch.c - invariant I7 for builds without ASan: wraps glibc's allocator and counts calls made inside a target body. */
#include <stddef.h>
#include <stdlib.h>

/*
 * ASan builds install allocation hooks instead (fuzz_common.h). Here the
 * program's own malloc/calloc/realloc/free replace the C library's and
 * forward to glibc's internal entry points, which glibc exports for this
 * purpose. On other C libraries this file is empty and I7 rests on the
 * static check (`make codec-symbols`).
 */
#if defined(__GLIBC__)

extern __thread int twf_watch_alloc;
extern __thread unsigned long twf_alloc_seen;
extern __thread size_t twf_alloc_last;
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

/* Counted here, reported by the harness when the target body returns. */
static void twf_alloc_violation(size_t n)
{
    twf_alloc_seen++;
    twf_alloc_last = n;
}

void *malloc(size_t n)
{
    if (twf_watch_alloc) twf_alloc_violation(n); /* I7 */
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (twf_watch_alloc) twf_alloc_violation(n * size); /* I7 */
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (twf_watch_alloc) twf_alloc_violation(n); /* I7 */
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (twf_watch_alloc && p != NULL) twf_alloc_violation(0); /* I7 */
    __libc_free(p);
}

#else
typedef int twf_alloc_watch_unused; /* ISO C forbids an empty translation unit */
#endif
