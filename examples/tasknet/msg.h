/* SPDX-License-Identifier: Apache-2.0 */
/* msg.h - the tasknet.v1.Message payload (tasknet.proto), written and read as protobuf wire format. */
#ifndef TASKNET_MSG_H
#define TASKNET_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "tracewire.h"

enum msg_kind { MSG_HELLO = 1, MSG_SUBMIT, MSG_ASSIGN, MSG_RESULT, MSG_LOG, MSG_CONTROL };
enum msg_sampling { SAMPLING_SAMPLER = 0, SAMPLING_ON = 1, SAMPLING_OFF = 2 };

#define MSG_ORIGIN_FIELD 15
#define MSG_TEXT_MAX 256
#define MSG_ARG_MAX 16384

typedef struct msg {
    unsigned kind;
    char sender[64];
    char task_kind[64];
    uint8_t input[MSG_TEXT_MAX];
    size_t input_len;
    unsigned attempt;
    int ok;
    char detail[MSG_TEXT_MAX];
    uint8_t attempt_span_id[TW_SPAN_ID_LEN];
    int has_attempt_span_id;
    char topic[64];
    char control[32];
    char arg[MSG_ARG_MAX];
    unsigned sampling;
    int debug_hint;
    char baggage[TW_BAGGAGE_MAX_LEN + 1];
    /* The origin context: the exact bytes of field 15 (a TraceHeader), kept
     * as bytes so that forwarding never changes them. Occurrences are joined
     * (spec 05 §5.1 rule 6). */
    uint8_t origin[TW_HEADER_MAX_LEN];
    size_t origin_len;
    int has_origin;
    int origin_dropped; /* an origin context over TW_HEADER_MAX_LEN was ignored */
} msg_t;

void msg_init(msg_t *m, unsigned kind, const char *sender);
/* Encode; returns the length or -1 when it does not fit. */
int msg_encode(uint8_t *out, size_t cap, const msg_t *m);
/* Decode; unknown fields are skipped. 0, or -1 for malformed input. */
int msg_decode(msg_t *m, const uint8_t *in, size_t len);
const char *msg_kind_name(unsigned kind);

#endif
