/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - the benchmark driver: checks every row, then times, counts allocations or marks callgrind loops. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "bench.h"

/*
 * Modes (each prints one JSON document on stdout; bench/report.py reads it):
 *   --info             rows, inputs, allocations per call
 *   --time             per-round median ns of every row, rounds interleaved
 *   --count            under callgrind: one stats dump per row around K calls
 * Options: --rounds R --samples S --batch-us U (time), --k K (count),
 *          --only KEY[,KEY...] (rows whose operation key or impl is listed).
 */

static volatile int g_sink;

static int live(const bench_op_t *o) { return o->run != NULL; }

static int selected(const bench_op_t *o, const char *only)
{
    size_t n;
    const char *p = only;
    if (only == NULL || strcmp(o->impl, "harness") == 0) return 1;
    while (*p) {
        n = strcspn(p, ",");
        if ((strlen(o->op) == n && strncmp(o->op, p, n) == 0) ||
            (strlen(o->impl) == n && strncmp(o->impl, p, n) == 0))
            return 1;
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run every live row once and check its output. */
static int check_all(void)
{
    size_t i;
    int bad = 0;
    for (i = 0; i < bench_n_ops; i++) {
        const bench_op_t *o = &bench_ops[i];
        if (!live(o)) continue;
        g_sink ^= o->run();
        if (o->check != NULL && o->check() != 0) {
            fprintf(stderr, "bench: row %s/%s gives a wrong result; not measuring\n", o->op, o->impl);
            bad = 1;
        }
    }
    return bad;
}

static void print_hex(const uint8_t *p, size_t n)
{
    size_t i;
    putchar('"');
    for (i = 0; i < n; i++) printf("%02x", p[i]);
    putchar('"');
}

static void print_text(const char *s, size_t n)
{
    size_t i;
    putchar('"');
    for (i = 0; i < n; i++) putchar(s[i] == '"' || s[i] == '\\' ? '?' : s[i]);
    putchar('"');
}

static int mode_info(const char *only)
{
    const bench_inputs_t *in = &bench_in;
    size_t i;
    const unsigned long calls = 1000;
    printf("{\"inputs\": {\"minimal\": ");
    print_hex(in->minimal, in->minimal_len);
    printf(", \"with_cid\": ");
    print_hex(in->with_cid, in->with_cid_len);
    printf(", \"full\": ");
    print_hex(in->full, in->full_len);
    printf(", \"block_minimal\": ");
    print_hex(in->block_minimal, in->block_minimal_len);
    printf(", \"block_full\": ");
    print_hex(in->block_full, in->block_full_len);
    printf(", \"traceparent\": ");
    print_text(in->traceparent, in->traceparent_len);
    printf(", \"tracestate\": ");
    print_text(in->tracestate, in->tracestate_len);
    printf(", \"baggage\": ");
    print_text(in->baggage, in->baggage_len);
    printf(", \"correlation_id\": ");
    print_hex(in->correlation_id, sizeof in->correlation_id);
    printf("},\n \"rows\": [\n");
    for (i = 0; i < bench_n_ops; i++) {
        const bench_op_t *o = &bench_ops[i];
        unsigned long before, k;
        double allocs = -1;
        if (live(o) && selected(o, only)) {
            before = bench_alloc_calls();
            for (k = 0; k < calls; k++) g_sink ^= o->run();
            allocs = (double)(bench_alloc_calls() - before) / (double)calls;
        }
        printf("  {\"index\": %zu, \"op\": \"%s\", \"label\": \"%s\", \"impl\": \"%s\", \"pending\": %s, "
               "\"bytes\": %zu, \"allocs\": %.3f}%s\n",
               i, o->op, o->label, o->impl, live(o) ? "false" : "true", o->bytes ? *o->bytes : 0, allocs,
               i + 1 < bench_n_ops ? "," : "");
    }
    printf(" ]}\n");
    return 0;
}

/* Per-call ns of one batch of m calls. */
static double batch_ns(const bench_op_t *o, unsigned long m)
{
    unsigned long k;
    int (*run)(void) = o->run;
    double t0 = now_ns(), t1;
    for (k = 0; k < m; k++) g_sink ^= run();
    t1 = now_ns();
    return (t1 - t0) / (double)m;
}

/* Smallest power of two of calls whose batch lasts at least batch_us. */
static unsigned long calibrate(const bench_op_t *o, double batch_us)
{
    unsigned long m = 8;
    double t, u;
    int k;
    for (;;) {
        /* the shortest of three tries: one interrupt must not stop the doubling */
        for (t = batch_ns(o, m), k = 0; k < 2; k++)
            if ((u = batch_ns(o, m)) < t) t = u;
        if (m >= (1ul << 26) || t * (double)m >= batch_us * 1e3) break;
        m *= 2;
    }
    return m;
}

static int mode_time(const char *only, int rounds, int samples, double batch_us)
{
    size_t i, n = 0, j;
    size_t idx[256];
    unsigned long m[256];
    double *round_med, *s;
    int r, k;

    for (i = 0; i < bench_n_ops && n < 256; i++)
        if (live(&bench_ops[i]) && selected(&bench_ops[i], only)) idx[n++] = i;
    round_med = malloc(sizeof *round_med * n * (size_t)rounds);
    s = malloc(sizeof *s * (size_t)samples);
    if (round_med == NULL || s == NULL) return 1;
    for (j = 0; j < n; j++) m[j] = calibrate(&bench_ops[idx[j]], batch_us);

    /* Round r visits the rows starting at row r mod n, so each row is
     * measured in every position of the rotation over the run. */
    for (r = 0; r < rounds; r++) {
        for (j = 0; j < n; j++) {
            size_t row = (j + (size_t)r) % n;
            for (k = 0; k < samples; k++) s[k] = batch_ns(&bench_ops[idx[row]], m[row]);
            round_med[row * (size_t)rounds + (size_t)r] = median(s, (size_t)samples);
        }
    }
    printf("{\"rounds\": %d, \"samples\": %d, \"batch_us\": %.0f, \"rows\": [\n", rounds, samples, batch_us);
    for (j = 0; j < n; j++) {
        printf("  {\"index\": %zu, \"calls_per_batch\": %lu, \"round_medians_ns\": [", idx[j], m[j]);
        for (r = 0; r < rounds; r++) printf("%s%.3f", r ? ", " : "", round_med[j * (size_t)rounds + (size_t)r]);
        printf("]}%s\n", j + 1 < n ? "," : "");
    }
    printf("]}\n");
    free(round_med);
    free(s);
    return 0;
}

/* Under callgrind: the counters are zeroed before and dumped after K calls
 * of each row; the dump is named "row <index>". Outside callgrind the
 * client requests do nothing. */
static int mode_count(const char *only, unsigned long kcalls)
{
    size_t i;
    unsigned long k, w;
    char name[32];
    printf("{\"k\": %lu, \"rows\": [", kcalls);
    for (i = 0; i < bench_n_ops; i++) {
        const bench_op_t *o = &bench_ops[i];
        int (*run)(void) = o->run;
        if (!live(o) || !selected(o, only)) continue;
        for (w = 0; w < 16; w++) g_sink ^= run(); /* lazy binding, first touches */
        snprintf(name, sizeof name, "row %zu", i);
        CALLGRIND_ZERO_STATS;
        for (k = 0; k < kcalls; k++) g_sink ^= run();
        CALLGRIND_DUMP_STATS_AT(name);
        printf("%s%zu", i ? ", " : "", i);
    }
    printf("]}\n");
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench --info | --time [--rounds R] [--samples S] [--batch-us U] | --count [--k K]\n"
                    "             [--only KEY[,KEY...]]\n");
}

int main(int argc, char **argv)
{
    const char *mode = NULL, *only = NULL;
    int rounds = 31, samples = 9, i;
    double batch_us = 50;
    unsigned long kcalls = 1000;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--info") == 0 || strcmp(a, "--time") == 0 || strcmp(a, "--count") == 0) {
            mode = a + 2;
        } else if (v != NULL && strcmp(a, "--rounds") == 0) {
            rounds = atoi(v), i++;
        } else if (v != NULL && strcmp(a, "--samples") == 0) {
            samples = atoi(v), i++;
        } else if (v != NULL && strcmp(a, "--batch-us") == 0) {
            batch_us = atof(v), i++;
        } else if (v != NULL && strcmp(a, "--k") == 0) {
            kcalls = strtoul(v, NULL, 10), i++;
        } else if (v != NULL && strcmp(a, "--only") == 0) {
            only = v, i++;
        } else {
            usage();
            return 2;
        }
    }
    if (mode == NULL || rounds < 1 || samples < 1 || batch_us <= 0 || kcalls < 1) {
        usage();
        return 2;
    }
    if (bench_inputs_init() != 0 || bench_tracewire_init() != 0 || bench_nanopb_init() != 0 ||
        bench_protobufc_init() != 0) {
        fprintf(stderr, "bench: could not build the inputs\n");
        return 1;
    }
    if (check_all() != 0) return 1;
    if (strcmp(mode, "info") == 0) return mode_info(only);
    if (strcmp(mode, "time") == 0) return mode_time(only, rounds, samples, batch_us);
    return mode_count(only, kcalls);
}
