/* SPDX-License-Identifier: Apache-2.0 */
/* probe.h - a legacy client: submits one task whose hop context does not decode, to show the frame still gets through. */
#ifndef TASKNET_PROBE_H
#define TASKNET_PROBE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Connect to 127.0.0.1:port as peer `name`, send a SUBMIT frame whose
 * prefix block is well framed but holds an invalid header (a 3-byte
 * trace-id: TW_E_ID_LENGTH) and no origin context, and wait for the RESULT.
 * The correlation-id the receiver minted comes back in the result's hop
 * context (corr, 37 bytes with NUL). Returns 1 ok, 0 failed result, -1 no
 * result within timeout_ms.
 */
int probe_invalid_header(uint16_t port, const char *name, int timeout_ms, char corr[37]);

#endif
