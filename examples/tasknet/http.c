/* SPDX-License-Identifier: Apache-2.0 */
/* http.c - a minimal HTTP/1.1 POST client for OTLP/HTTP export to 127.0.0.1. */
#include "http.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "net.h"

static int parse_base(const char *base, unsigned *port, const char **prefix, size_t *prefix_len)
{
    const char *p;
    char *end;
    unsigned long v;
    if (strncmp(base, "http://", 7) != 0) return -1;
    p = base + 7;
    if (strncmp(p, "127.0.0.1:", 10) == 0) p += 10;
    else if (strncmp(p, "localhost:", 10) == 0) p += 10;
    else return -1;
    v = strtoul(p, &end, 10);
    if (end == p || v == 0 || v > 65535) return -1;
    *port = (unsigned)v;
    *prefix = end;
    *prefix_len = strlen(end);
    while (*prefix_len > 0 && (*prefix)[*prefix_len - 1] == '/') (*prefix_len)--;
    if (**prefix != '\0' && **prefix != '/') return -1;
    return 0;
}

static int read_status(int fd, int timeout_ms)
{
    char buf[512];
    size_t n = 0;
    int status;
    while (n < sizeof buf - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t got;
        if (poll(&p, 1, timeout_ms) != 1) return -1;
        got = read(fd, buf + n, sizeof buf - 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
        buf[n] = '\0';
        if (strstr(buf, "\r\n")) break;
    }
    buf[n] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) return -1;
    return status;
}

int http_post(const char *base, const char *path, const char *content_type, const char *body,
              size_t len, int timeout_ms, char *err, size_t err_cap)
{
    unsigned port;
    const char *prefix;
    size_t prefix_len;
    char head[512];
    int fd, n, status;
    if (parse_base(base, &port, &prefix, &prefix_len) != 0) {
        snprintf(err, err_cap, "endpoint %s is not http://127.0.0.1:PORT or http://localhost:PORT", base);
        return -1;
    }
    fd = net_connect_loopback((unsigned short)port, timeout_ms);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot connect to 127.0.0.1:%u", port);
        return -1;
    }
    n = snprintf(head, sizeof head,
                 "POST %.*s%s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: %s\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 (int)prefix_len, prefix, path, port, content_type, len);
    if (n <= 0 || (size_t)n >= sizeof head || io_write_all(fd, head, (size_t)n) != 0 ||
        io_write_all(fd, body, len) != 0) {
        snprintf(err, err_cap, "write to 127.0.0.1:%u failed", port);
        close(fd);
        return -1;
    }
    status = read_status(fd, timeout_ms);
    close(fd);
    if (status < 0) snprintf(err, err_cap, "no HTTP status line from 127.0.0.1:%u", port);
    return status;
}
