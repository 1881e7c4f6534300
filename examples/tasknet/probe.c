/* SPDX-License-Identifier: Apache-2.0 */
/* probe.c - a legacy client: submits one task whose hop context does not decode, to show the frame still gets through. */
#include "probe.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "msg.h"
#include "net.h"

/* Version 1, length 5, then field 1 (trace_id) with 3 bytes: framing valid,
 * header invalid, so a receiver skips it (spec 05 §5.2.4). */
static const uint8_t BAD_BLOCK[] = {0x01, 0x05, 0x0a, 0x03, 0xaa, 0xbb, 0xcc};
static const uint8_t EMPTY_BLOCK[] = {0x01, 0x00};

static int send_raw(int fd, const uint8_t *block, size_t blen, const msg_t *m)
{
    static uint8_t body[FRAME_MAX];
    int n = msg_encode(body + blen, sizeof body - blen, m);
    if (n < 0) return -1;
    memcpy(body, block, blen);
    return frame_write_body(fd, body, blen + (size_t)n);
}

int probe_invalid_header(uint16_t port, const char *name, int timeout_ms, char corr[37])
{
    static msg_t m;
    static frame_reader_t rd;
    uint64_t end = clock_mono_ms() + (uint64_t)timeout_ms;
    int fd = net_connect_loopback(port, timeout_ms), rc = -1;
    strcpy(corr, "?");
    if (fd < 0) return -1;
    msg_init(&m, MSG_HELLO, name);
    if (send_raw(fd, EMPTY_BLOCK, sizeof EMPTY_BLOCK, &m) != 0) goto out;
    msg_init(&m, MSG_SUBMIT, name);
    snprintf(m.task_kind, sizeof m.task_kind, "legacy");
    snprintf(m.topic, sizeof m.topic, "tasks");
    m.input_len = (size_t)snprintf((char *)m.input, sizeof m.input, "report-2026-11.csv");
    if (send_raw(fd, BAD_BLOCK, sizeof BAD_BLOCK, &m) != 0) goto out;
    rd.len = 0;
    while (rc < 0) {
        struct pollfd p = {fd, POLLIN, 0};
        uint64_t now = clock_mono_ms();
        frame_t f;
        int r;
        if (now >= end || poll(&p, 1, (int)(end - now)) != 1 || frame_read_some(fd, &rd) <= 0) break;
        while (rc < 0 && (r = frame_next(&rd, &f)) == 1) {
            if (msg_decode(&m, f.payload, f.payload_len) == 0 && m.kind == MSG_RESULT) {
                if (f.hop_status == TW_OK && (f.hop.present & TW_HAS_CORRELATION_ID)) {
                    tw_uuid_format(corr, f.hop.correlation_id);
                    corr[36] = '\0';
                }
                rc = m.ok ? 1 : 0;
            }
            frame_consume(&rd, &f);
        }
    }
out:
    close(fd);
    return rc;
}
