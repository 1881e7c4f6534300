/* SPDX-License-Identifier: Apache-2.0 */
/* floor.c - the cost floor: copy the ids and flags of a minimal header out of fixed offsets. */
#include <string.h>

#include "bench.h"

/* Kept in its own translation unit so that, like the codec, it is a real
 * call from the harness. Returns len, or -1 if an id is all zero. */
int bench_floor_decode(bench_floor_ctx_t *out, const uint8_t *msg, size_t len)
{
    uint64_t t0, t1, s;
    memcpy(&t0, msg + 2, 8);
    memcpy(&t1, msg + 10, 8);
    memcpy(&s, msg + 20, 8);
    if ((t0 | t1) == 0 || s == 0) return -1;
    memcpy(out->trace_id, msg + 2, sizeof out->trace_id);
    memcpy(out->span_id, msg + 20, sizeof out->span_id);
    out->trace_flags = msg[29];
    return (int)len;
}
