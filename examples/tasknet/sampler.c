/* SPDX-License-Identifier: Apache-2.0 */
/* sampler.c - the root sampling decision from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. */
#include "sampler.h"

#include <stdlib.h>
#include <string.h>

const char *sampler_name(void)
{
    const char *v = getenv("OTEL_TRACES_SAMPLER");
    return v && *v ? v : "parentbased_always_on";
}

int sampler_root_decision(const uint8_t trace_id[TW_TRACE_ID_LEN])
{
    const char *name = sampler_name(), *arg = getenv("OTEL_TRACES_SAMPLER_ARG");
    double ratio = arg && *arg ? strtod(arg, NULL) : 1.0;
    uint64_t r = 0, threshold;
    if (strcmp(name, "always_off") == 0 || strcmp(name, "parentbased_always_off") == 0) return 0;
    if (strcmp(name, "traceidratio") != 0 && strcmp(name, "parentbased_traceidratio") != 0) return 1;
    if (!(ratio > 0.0)) return 0;
    if (ratio >= 1.0) return 1;
    /* The trace-id's right-most 7 bytes are random (the random flag): sample
     * when they fall below ratio * 2^56, the same decision on every peer. */
    for (int i = 9; i < TW_TRACE_ID_LEN; i++) r = r << 8 | trace_id[i];
    threshold = (uint64_t)(ratio * 72057594037927936.0);
    return r < threshold;
}
