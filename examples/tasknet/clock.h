/* SPDX-License-Identifier: Apache-2.0 */
/* clock.h - wall and monotonic clocks, RFC 3339 timestamps, sleeping. */
#ifndef TASKNET_CLOCK_H
#define TASKNET_CLOCK_H

#include <stdint.h>

#define CLOCK_RFC3339_LEN 24 /* 2026-11-21T07:32:43.123Z */

/* Nanoseconds since 1970-01-01T00:00:00Z (CLOCK_REALTIME). */
uint64_t clock_unix_ns(void);
/* Milliseconds of CLOCK_MONOTONIC, for deadlines and timeouts. */
uint64_t clock_mono_ms(void);
/* Write the RFC 3339 UTC form with milliseconds and a NUL. */
void clock_rfc3339_ms(char out[CLOCK_RFC3339_LEN + 1], uint64_t unix_ns);
/* Parse that form back (exactly 24 characters); 0 on success. */
int clock_parse_rfc3339_ms(const char *s, uint64_t *unix_ns);
/* Sleep, resuming after signals. */
void clock_sleep_ms(unsigned ms);

#endif
