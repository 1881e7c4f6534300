/* SPDX-License-Identifier: Apache-2.0 */
/* tracewire_internal.h - helpers tier 1 shares with the add-ons; not a public API. */
#ifndef TRACEWIRE_INTERNAL_H
#define TRACEWIRE_INTERNAL_H

/*
 * Only codec/tracewire_*.c include this. Names start with tw__ so they
 * cannot be mistaken for the public API, which may not change their
 * behaviour without notice.
 */

#include "tracewire.h"

#if defined(__GNUC__) || defined(__clang__)
#define TW_NOINLINE __attribute__((noinline))
#define TW_INLINE static inline __attribute__((always_inline))
#else
#define TW_NOINLINE
#define TW_INLINE static
#endif

/* Character classes of the W3C grammars (tracewire.c). */
#define C_KEY0 0x01u /* tracestate key, first char: lcalpha / DIGIT */
#define C_KEY 0x02u  /* tracestate key: lcalpha DIGIT _ - * / @ */
#define C_VAL 0x04u  /* tracestate value chr: %x20-7E except , = */
#define C_NBLK 0x08u /* tracestate value nblk-chr: chr except SP */
#define C_TOK 0x10u  /* RFC 7230 tchar (baggage keys) */
#define C_BOCT 0x20u /* baggage-octet */
#define C_OWS 0x40u  /* SP / HTAB */
extern const uint8_t tw__ctype[256];

/* Members of a valid tracestate: key offsets and lengths (all < 65536). */
typedef struct {
    uint16_t off[TW_TRACESTATE_MAX_MEMBERS];
    uint16_t klen[TW_TRACESTATE_MAX_MEMBERS];
    size_t n;
} tw__ts_table;

/* Validate a tracestate of at most max_len octets and list its members. */
tw_status tw__tracestate_split(const char *s, size_t len, tw__ts_table *t, size_t max_len);

/* Protobuf varints. */
int tw__read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out, int *minimal);
size_t tw__varint_len(uint64_t v);
uint8_t *tw__write_varint(uint8_t *p, uint64_t v);

/* One field of a message: offsets of its start, payload and end. */
typedef struct {
    size_t start, payload, end;
    uint32_t field;
    unsigned wire_type;
} tw__field;

/* Read the field at *p (any number, any allowed wire type); advance *p. */
int tw__next_field(const uint8_t *msg, const uint8_t **p, const uint8_t *end, tw__field *f);

#endif
