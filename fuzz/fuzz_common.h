/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_common.h - harness shared by every fuzz target: invariant checks, guarded buffers, allocation watch. */
#ifndef TW_FUZZ_COMMON_H
#define TW_FUZZ_COMMON_H

/*
 * Included by exactly one target file per binary (it defines globals).
 * The invariants I1..I14 are defined in fuzz/README.md; every check below
 * names one in its comment and in its abort message.
 *
 * A target is written as
 *
 *     TWF_TARGET(in, len) { ... }
 *
 * which defines LLVMFuzzerTestOneInput. The harness copies the engine's
 * bytes into a buffer of exactly len bytes (see twf_buf), runs the body
 * with the allocation watch on, and afterwards checks that the input was
 * not written (I2). The same file builds for libFuzzer, AFL++ and the plain
 * replay driver (fuzz/replay_main.c).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tracewire.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TWF_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TWF_ASAN)
#define TWF_ASAN 1
#endif
#ifndef TWF_ASAN
#define TWF_ASAN 0
#endif

#if TWF_ASAN
#include <sanitizer/allocator_interface.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Largest input a target looks at. Every codec limit is below it, so
 * longer inputs only repeat the "too long" paths; they are skipped. */
#define TWF_MAX_INPUT 65536

/* ---- Invariant checks --------------------------------------------------- */

/* Non-zero while the target body runs on this thread. An allocation then
 * breaks I7: the allocation hooks (below for ASan builds, fuzz/alloc_watch.c
 * for the others) count it, and the harness fails after the body returns.
 * (Failing inside the hook would also fire when the engine allocates to
 * report some other crash, losing that report.) Thread-local, so the
 * engine's own threads may allocate. */
__thread int twf_watch_alloc;
__thread unsigned long twf_alloc_seen;
__thread size_t twf_alloc_last;

#define TWF_CHECK(inv, cond, ...)                                                               \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            twf_watch_alloc = 0;                                                                \
            fprintf(stderr, "tracewire fuzz: invariant %s violated at %s:%d: ", inv, __FILE__, \
                    __LINE__);                                                                  \
            fprintf(stderr, __VA_ARGS__);                                                       \
            fputc('\n', stderr);                                                                \
            abort();                                                                            \
        }                                                                                       \
    } while (0)

/* ---- Known codec bugs ------------------------------------------------------
 * A codec bug found by fuzzing is reported to the codec's owner and, while it
 * is open, tolerated by a narrow condition in the target so that CI stays
 * green and fuzzing keeps looking for other bugs:
 *
 *     if (st != want && TWF_KNOWN_BUG("K1", st == what_the_bug_gives)) return;
 *
 * Its reproducer is fuzz/regressions/TARGET/known-K1-*. `make fuzz-known`
 * replays those with -DTWF_STRICT (no tolerance) and says which bugs still
 * reproduce and which have been fixed (then the tolerance can go).
 * fuzz/README.md lists the open ones.
 */
#ifdef TWF_STRICT
#define TWF_KNOWN_BUG(id, cond) 0
#else
#define TWF_KNOWN_BUG(id, cond) (cond)
#endif

#if TWF_ASAN
static void twf_alloc_hook(const volatile void *ptr, size_t size)
{
    (void)ptr;
    if (twf_watch_alloc) { /* I7, checked when the body returns */
        twf_alloc_seen++;
        twf_alloc_last = size;
    }
}
static void twf_free_hook(const volatile void *ptr)
{
    if (twf_watch_alloc && ptr != NULL) twf_alloc_seen++; /* I7 */
}
__attribute__((constructor)) static void twf_install_alloc_hooks(void)
{
    __sanitizer_install_malloc_and_free_hooks(twf_alloc_hook, twf_free_hook);
}
/* twf_buf allocates a block per call: a small quarantine keeps the RSS of a
 * long run low (use-after-free is not what these targets look for). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=16";
}
#endif

/* ---- Guarded buffers (I1, I2) -------------------------------------------
 * twf_buf(slot, src, n) returns a buffer of exactly n bytes (copied from
 * src, or filled with 0xCB when src is NULL), valid until the slot is
 * reused. With ASan it is a fresh heap block, so ASan sees any access
 * outside it. Without ASan the n bytes end right at a PROT_NONE page, so
 * a read or write past the end faults, and 16 canary bytes sit in front
 * of it (twf_canary_ok checks them). Each slot is a separate region, so a
 * view can be checked against its own buffer.
 */
#define TWF_SLOTS 16
#define TWF_CANARY 16
#define TWF_CANARY_BYTE 0xA5

static uint8_t *twf_slot_ptr[TWF_SLOTS];
static size_t twf_slot_len[TWF_SLOTS];

#if TWF_ASAN
static inline uint8_t *twf_buf(int slot, const void *src, size_t n)
{
    int w = twf_watch_alloc;
    twf_watch_alloc = 0;
    free(twf_slot_ptr[slot]);
    twf_slot_ptr[slot] = malloc(n ? n : 1);
    twf_watch_alloc = w;
    if (twf_slot_ptr[slot] == NULL) abort();
    if (n == 0) {
        /* a zero-length buffer: point past the 1-byte block's end so any
         * access is outside the block */
        twf_slot_len[slot] = 0;
        return twf_slot_ptr[slot] + 1;
    }
    if (src) memcpy(twf_slot_ptr[slot], src, n);
    else memset(twf_slot_ptr[slot], 0xCB, n);
    twf_slot_len[slot] = n;
    return twf_slot_ptr[slot];
}
static inline int twf_canary_ok(int slot)
{
    (void)slot;
    return 1; /* ASan reports any write outside the block itself */
}
#else
static uint8_t *twf_region[TWF_SLOTS];
static size_t twf_region_len;

static inline uint8_t *twf_buf(int slot, const void *src, size_t n)
{
    uint8_t *p;
    if (twf_region[slot] == NULL) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t body = ((TWF_MAX_INPUT + 4 * TW_BLOCK_MAX_LEN + TWF_CANARY) / page + 1) * page;
        uint8_t *m = mmap(NULL, body + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED || mprotect(m + body, page, PROT_NONE) != 0) abort();
        twf_region[slot] = m;
        twf_region_len = body;
    }
    if (n > twf_region_len - TWF_CANARY) abort(); /* harness misuse, not a finding */
    p = twf_region[slot] + twf_region_len - n;
    memset(p - TWF_CANARY, TWF_CANARY_BYTE, TWF_CANARY);
    if (src) memcpy(p, src, n);
    else memset(p, 0xCB, n);
    twf_slot_ptr[slot] = p;
    twf_slot_len[slot] = n;
    return p;
}
static inline int twf_canary_ok(int slot)
{
    size_t i;
    for (i = 1; i <= TWF_CANARY; i++)
        if (twf_slot_ptr[slot][-(ptrdiff_t)i] != TWF_CANARY_BYTE) return 0;
    return 1;
}
#endif

/* Slot numbers used by the targets. */
enum { TWF_IN = 0, TWF_OUT = 1, TWF_OUT2 = 2, TWF_TMP = 3, TWF_TMP2 = 4, TWF_PIECE = 5 /* 5..15 */ };

/* Does [p, p + n) lie inside [base, base + len)? (I3) */
static inline int twf_inside(const void *p, size_t n, const void *base, size_t len)
{
    const uint8_t *q = (const uint8_t *)p, *b = (const uint8_t *)base;
    if (n == 0) return 1;
    if (q == NULL || b == NULL) return 0;
    return q >= b && n <= len && (size_t)(q - b) <= len - n;
}

/* ---- Status sets (I9) ---------------------------------------------------- */

/* I9: st is an enumerated status, its name and class agree with the enum
 * ranges, and it is one of the codes listed (terminated by 1). */
static inline void twf_check_status(const char *op, int st, const int *allowed)
{
    const char *cls = tw_status_class(st);
    /* I9: enumerated: the enum grows with the codec, so a value is enumerated when it has a name */
    TWF_CHECK("I9", strcmp(tw_status_name(st), "TW_E_UNKNOWN_STATUS") != 0, "%s returned %d, not an enumerated status",
              op, st);
    /* I9: a documented, enumerated status */
    TWF_CHECK("I9", strcmp(tw_strerror(st), "unknown status") != 0, "%s: no description for %d", op, st);
    TWF_CHECK("I9",
              (st == 0 && !strcmp(cls, "ok")) || (TW_IS_TRUNCATED(st) && !strcmp(cls, "truncated")) ||
                  (TW_IS_MALFORMED(st) && !strcmp(cls, "malformed")) ||
                  (TW_IS_INVALID(st) && !strcmp(cls, "invalid")) || (TW_IS_LIMIT(st) && !strcmp(cls, "limit")) ||
                  (TW_IS_VERSION(st) && !strcmp(cls, "version")) || (TW_IS_USAGE(st) && !strcmp(cls, "usage")),
              "%s: class %s does not match status %d", op, cls, st);
    for (; *allowed != 1; allowed++)
        if (*allowed == st) return;
    /* I9: a documented, enumerated status */
    TWF_CHECK("I9", 0, "%s returned %s, which it is not documented to return", op, tw_status_name(st));
}

/* ---- Header comparison (I5, I14) ---------------------------------------- */

static inline int twf_text_eq(tw_text_t a, tw_text_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Same values: presence, ids, flags, text contents, unknown contents.
 * canonical and discarded are compared by the callers that expect them
 * to match. Returns NULL or the name of the first difference. */
static inline const char *twf_header_diff(const tw_header_t *a, const tw_header_t *b)
{
    size_t i;
    if (a->present != b->present) return "present";
    if (memcmp(a->trace_id, b->trace_id, TW_TRACE_ID_LEN)) return "trace_id";
    if (memcmp(a->span_id, b->span_id, TW_SPAN_ID_LEN)) return "span_id";
    if (a->trace_flags != b->trace_flags) return "trace_flags";
    if (memcmp(a->correlation_id, b->correlation_id, TW_CORRELATION_ID_LEN)) return "correlation_id";
    if (!twf_text_eq(a->tracestate, b->tracestate)) return "tracestate";
    if (!twf_text_eq(a->baggage, b->baggage)) return "baggage";
    if (a->n_unknown != b->n_unknown) return "n_unknown";
    for (i = 0; i < a->n_unknown && i < TW_UNKNOWN_MAX_FIELDS; i++)
        if (a->unknown[i].len != b->unknown[i].len ||
            memcmp(a->unknown[i].ptr, b->unknown[i].ptr, a->unknown[i].len) != 0)
            return "unknown";
    return NULL;
}

static inline int twf_all_zero(const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* Checks every successful decode must pass, whatever the operation:
 * I3 (views inside msg[0..len)), I4 (counts within limits) and I12 (the
 * result obeys the header rules and would be accepted by an encoder). */
static inline void twf_check_decoded(const char *op, const tw_header_t *h, const uint8_t *msg, size_t len)
{
    size_t i;
    const uint8_t *prev_end = msg;
    /* I4: counts within their capacities and limits */
    TWF_CHECK("I4", h->n_unknown <= TW_UNKNOWN_MAX_FIELDS, "%s: n_unknown %zu", op, h->n_unknown);
    TWF_CHECK("I4", h->tracestate.len <= TW_TRACESTATE_MAX_LEN, "%s: tracestate.len %zu", op, h->tracestate.len);
    TWF_CHECK("I4", h->baggage.len <= TW_BAGGAGE_MAX_LEN, "%s: baggage.len %zu", op, h->baggage.len);
    /* I3: every view lies inside the input */
    TWF_CHECK("I3", twf_inside(h->tracestate.ptr, h->tracestate.len, msg, len), "%s: tracestate view outside input", op);
    TWF_CHECK("I3", twf_inside(h->baggage.ptr, h->baggage.len, msg, len), "%s: baggage view outside input", op);
    for (i = 0; i < h->n_unknown; i++) {
        /* I3: unknown views are inside, non-empty, in received order, disjoint */
        TWF_CHECK("I3", h->unknown[i].len > 0 && twf_inside(h->unknown[i].ptr, h->unknown[i].len, msg, len),
                  "%s: unknown[%zu] view outside input or empty", op, i);
        TWF_CHECK("I3", h->unknown[i].ptr >= prev_end, "%s: unknown[%zu] overlaps or is out of order", op, i);
        prev_end = h->unknown[i].ptr + h->unknown[i].len;
    }
    /* I12: flags fields hold only defined bits, and canonical is a boolean */
    TWF_CHECK("I12", (h->present & ~(TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID)) == 0, "%s: present=%#x", op, h->present);
    TWF_CHECK("I12", (h->discarded & ~(TW_DISCARDED_TRACESTATE | TW_DISCARDED_BAGGAGE)) == 0, "%s: discarded=%#x", op,
              h->discarded);
    TWF_CHECK("I12", h->canonical <= 1, "%s: canonical=%u", op, h->canonical);
    /* I12: absent ids are all zero; no context means no flags or tracestate */
    if (!(h->present & TW_HAS_CONTEXT))
        TWF_CHECK("I12",
                  twf_all_zero(h->trace_id, TW_TRACE_ID_LEN) && twf_all_zero(h->span_id, TW_SPAN_ID_LEN) &&
                      h->trace_flags == 0 && h->tracestate.len == 0,
                  "%s: context fields set without TW_HAS_CONTEXT", op);
    if (!(h->present & TW_HAS_CORRELATION_ID))
        /* I12: a decoded header obeys the header rules */
        TWF_CHECK("I12", twf_all_zero(h->correlation_id, TW_CORRELATION_ID_LEN), "%s: correlation_id set but absent", op);
    /* I12: a dropped text is absent, and a dropping decode is not canonical */
    if (h->discarded & TW_DISCARDED_TRACESTATE)
        TWF_CHECK("I12", h->tracestate.len == 0, "%s: tracestate both discarded and kept", op);
    if (h->discarded & TW_DISCARDED_BAGGAGE)
        TWF_CHECK("I12", h->baggage.len == 0, "%s: baggage both discarded and kept", op);
    if (h->discarded) TWF_CHECK("I12", h->canonical == 0, "%s: canonical although text was dropped", op);
    /* I12: what a decoder returns, an encoder accepts */
    {
        int st = tw_header_validate(h);
        TWF_CHECK("I12", st == TW_OK, "%s: decoded header fails tw_header_validate: %s", op, tw_status_name(st));
    }
}

/* ---- A bounded byte reader for structured inputs ------------------------ */

typedef struct {
    const uint8_t *p;
    size_t n;
} twf_reader;

static inline uint8_t twf_u8(twf_reader *r)
{
    if (r->n == 0) return 0;
    r->n--;
    return *r->p++;
}

static inline uint16_t twf_u16(twf_reader *r)
{
    uint16_t lo = twf_u8(r);
    return (uint16_t)(lo | (uint16_t)(twf_u8(r) << 8));
}

/* Up to want bytes; *got says how many there were. */
static inline const uint8_t *twf_bytes(twf_reader *r, size_t want, size_t *got)
{
    const uint8_t *p = r->p;
    *got = want < r->n ? want : r->n;
    r->p += *got;
    r->n -= *got;
    return p;
}

/* Exactly n bytes into out, zero-filled where the input ran out. */
static inline void twf_fill(twf_reader *r, uint8_t *out, size_t n)
{
    size_t got;
    const uint8_t *p = twf_bytes(r, n, &got);
    if (got) memcpy(out, p, got);
    memset(out + got, 0, n - got);
}

/* ---- The entry point ----------------------------------------------------- */

#define TWF_TARGET(in, len)                                                                  \
    static void twf_body(const uint8_t *in, size_t len);                                     \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                             \
    {                                                                                        \
        const uint8_t *copy;                                                                 \
        if (size > TWF_MAX_INPUT) return 0;                                                  \
        copy = twf_buf(TWF_IN, data, size);                                                  \
        twf_alloc_seen = 0;                                                                  \
        twf_watch_alloc = 1;                                                                 \
        twf_body(copy, size);                                                                \
        twf_watch_alloc = 0;                                                                 \
        /* I7: nothing was allocated or freed during the body */                             \
        TWF_CHECK("I7", twf_alloc_seen == 0, "%lu allocator calls during the target body "   \
                  "(last allocation %zu bytes)", twf_alloc_seen, twf_alloc_last);            \
        /* I2: the input is read-only for every operation */                                 \
        TWF_CHECK("I2", size == 0 || memcmp(copy, data, size) == 0, "the input was written"); \
        TWF_CHECK("I2", twf_canary_ok(TWF_IN), "a write landed before the input");           \
        return 0;                                                                            \
    }                                                                                        \
    static void twf_body(const uint8_t *in, size_t len)

#endif
