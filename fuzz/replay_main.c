/* SPDX-License-Identifier: Apache-2.0 */
/* replay_main.c - plain driver for a fuzz target: runs LLVMFuzzerTestOneInput on every file given (directories one level deep). */
#include <dirent.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Usage: replay NAME PATH...
 * NAME labels the output. Every regular file under each PATH (a file, or a
 * directory whose files are taken in name order; names starting with '.'
 * are skipped) is one input. Needs no fuzzing engine and builds with any
 * C99 compiler. A violated invariant aborts; a guard-page hit faults: the
 * handler below then names the input and the process dies of the signal.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *replay_name = "replay";
static const char *replay_current = "(none)";
static unsigned long replay_passed;

static void replay_write(const char *s)
{
    if (write(2, s, strlen(s)) < 0) { /* stderr is gone: nothing to do */ }
}

static void replay_on_signal(int sig)
{
    char line[64];
    replay_write("\nreplay ");
    replay_write(replay_name);
    replay_write(": FAILED on ");
    replay_write(replay_current);
    replay_write(sig == SIGSEGV || sig == SIGBUS
                     ? "\n  (fault: an access hit a guard page or unmapped memory: I1 read outside the input,"
                       " or I2 write outside the capacity)\n"
                     : "\n");
    snprintf(line, sizeof line, "%lu passed, 1 failed\n", replay_passed);
    replay_write(line);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    if (f == NULL) {
        fprintf(stderr, "replay %s: cannot open %s\n", replay_name, path);
        return -1;
    }
    do {
        if (len == cap) {
            uint8_t *nb;
            cap = cap ? 2 * cap : 4096;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    replay_current = path;
    LLVMFuzzerTestOneInput(buf, len);
    replay_passed++;
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (stat(path, &st) != 0) return 0; /* an absent corpus directory is empty */
    if (!S_ISDIR(st.st_mode)) return replay_file(path);
    d = opendir(path);
    if (d == NULL) return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn;
            cap = cap ? 2 * cap : 256;
            nn = realloc(names, cap * sizeof *names);
            if (nn == NULL) break;
            names = nn;
        }
        names[n] = malloc(strlen(path) + strlen(e->d_name) + 2);
        if (names[n] == NULL) break;
        sprintf(names[n], "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && replay_file(names[i]) != 0) rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int i, rc = 0;
    static const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    if (argc < 2) {
        fprintf(stderr, "usage: %s NAME PATH...\n", argv[0]);
        return 2;
    }
    replay_name = argv[1];
    for (i = 0; i < (int)(sizeof sigs / sizeof sigs[0]); i++) signal(sigs[i], replay_on_signal);
    for (i = 2; i < argc; i++)
        if (replay_path(argv[i]) != 0) rc = 1;
    printf("replay %s: %lu passed, %d failed\n", replay_name, replay_passed, rc);
    return rc;
}
