/* SPDX-License-Identifier: Apache-2.0 */
/* test_util.h - helpers shared by the cmocka suites: hex, guard pages. */
#ifndef TW_TEST_UTIL_H
#define TW_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Parse hex (spaces ignored) into out; returns the byte count or -1. */
static inline int tu_unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int v;
        char c = *hex;
        if (c == ' ') continue;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n == cap) return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (int)n : -1;
}

/* A buffer whose last byte sits right before a PROT_NONE page, so any read
 * past the end faults even without ASan. */
typedef struct {
    uint8_t *map;
    size_t map_len;
    uint8_t *data; /* len bytes ending at the guard page */
} tu_guarded;

static inline int tu_guard_alloc(tu_guarded *g, const uint8_t *src, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages;
    g->data = NULL;
    pages = (len + page - 1) / page + 1;
    g->map_len = pages * page;
    g->map = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED) return -1;
    if (mprotect(g->map + g->map_len - page, page, PROT_NONE) != 0) return -1;
    g->data = g->map + g->map_len - page - len;
    if (len) memcpy(g->data, src, len);
    return 0;
}

static inline void tu_guard_free(tu_guarded *g)
{
    munmap(g->map, g->map_len);
}

#endif
