/* SPDX-License-Identifier: Apache-2.0 */
/* io.h - file and descriptor helpers: whole writes, whole reads, directories. */
#ifndef TASKNET_IO_H
#define TASKNET_IO_H

#include <stddef.h>

/* Write all of buf, retrying on EINTR and short writes. 0 or -1. */
int io_write_all(int fd, const void *buf, size_t len);
/* Create a directory and its parents (mode 0755). 0 or -1. */
int io_mkdir_p(const char *path);
/* Read a whole file into a new NUL-terminated buffer (free it); NULL on error. */
char *io_read_file(const char *path, size_t *len);
/* Append one line (a newline is added) to a file, creating it. 0 or -1. */
int io_append_line(const char *path, const char *line, size_t len);
/* Write a file atomically: a temporary beside it, then rename. 0 or -1. */
int io_write_file_atomic(const char *path, const char *data, size_t len);
/* Remove the regular files directly inside a directory (not recursive). */
void io_clear_dir(const char *path);

#endif
