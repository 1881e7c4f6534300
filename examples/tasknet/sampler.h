/* SPDX-License-Identifier: Apache-2.0 */
/* sampler.h - the root sampling decision from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. */
#ifndef TASKNET_SAMPLER_H
#define TASKNET_SAMPLER_H

#include <stdint.h>

#include "tracewire.h"

/*
 * Whether a new trace with this trace-id is sampled. Understood values:
 * always_on, always_off, traceidratio, parentbased_always_on (the default),
 * parentbased_always_off, parentbased_traceidratio; the ratio comes from
 * OTEL_TRACES_SAMPLER_ARG (default 1.0). Spans with a parent always follow
 * the parent's sampled flag here (parent-based, spec 10 §10.8.1).
 */
int sampler_root_decision(const uint8_t trace_id[TW_TRACE_ID_LEN]);
/* The sampler's name as configured (for logs). */
const char *sampler_name(void);

#endif
