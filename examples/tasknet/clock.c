/* SPDX-License-Identifier: Apache-2.0 */
/* clock.c - wall and monotonic clocks, RFC 3339 timestamps, sleeping. */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t clock_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void clock_rfc3339_ms(char out[CLOCK_RFC3339_LEN + 1], uint64_t unix_ns)
{
    time_t secs = (time_t)(unix_ns / 1000000000u);
    unsigned ms = (unsigned)((unix_ns / 1000000u) % 1000u);
    struct tm tm;
    char buf[64];
    gmtime_r(&secs, &tm);
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    memcpy(out, buf, CLOCK_RFC3339_LEN);
    out[CLOCK_RFC3339_LEN] = '\0';
}

int clock_parse_rfc3339_ms(const char *s, uint64_t *unix_ns)
{
    struct tm tm;
    unsigned y, mo, d, h, mi, se, ms;
    int used = 0;
    if (strlen(s) != CLOCK_RFC3339_LEN) return -1;
    if (sscanf(s, "%4u-%2u-%2uT%2u:%2u:%2u.%3uZ%n", &y, &mo, &d, &h, &mi, &se, &ms, &used) != 7 ||
        used != CLOCK_RFC3339_LEN)
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = (int)y - 1900;
    tm.tm_mon = (int)mo - 1;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)h;
    tm.tm_min = (int)mi;
    tm.tm_sec = (int)se;
    *unix_ns = (uint64_t)timegm(&tm) * 1000000000u + (uint64_t)ms * 1000000u;
    return 0;
}

void clock_sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
