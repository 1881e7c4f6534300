/* SPDX-License-Identifier: Apache-2.0 */
/* net.h - TCP sockets on 127.0.0.1 only: listen on port 0, connect with a timeout. */
#ifndef TASKNET_NET_H
#define TASKNET_NET_H

#include <stdint.h>

/* A listening socket bound to 127.0.0.1 port 0; *port gets the port the
 * kernel chose. Returns the descriptor or -1. */
int net_listen_loopback(uint16_t *port);
/* Connect to 127.0.0.1:port within timeout_ms. Returns a blocking
 * descriptor or -1. */
int net_connect_loopback(uint16_t port, int timeout_ms);
/* Accept one connection (blocking descriptor) or -1. */
int net_accept(int listen_fd);

#endif
