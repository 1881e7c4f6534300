/* SPDX-License-Identifier: Apache-2.0 */
/* zipkin.h - spans as Zipkin v2 JSON (the body of POST /api/v2/spans). */
#ifndef TASKNET_ZIPKIN_H
#define TASKNET_ZIPKIN_H

#include <jansson.h>

#include "span.h"

/* One Zipkin v2 span object: ids in hex, timestamp and duration in
 * microseconds, kind for non-internal spans, attributes as string tags,
 * links as tags tracewire.link.N = "<relation> <trace-id>/<span-id>".
 * Returns a new reference. */
json_t *zipkin_span(const span_data_t *d, const char *service_name);

#endif
