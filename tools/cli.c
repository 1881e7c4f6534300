/* SPDX-License-Identifier: Apache-2.0 */
/* cli.c - the `tracewire` command: decode, encode and generate headers; conformance adapter. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ops.h"
#include "tracewire.h"

#define MAX_INPUT (TW_BLOCK_MAX_LEN + 1024)

static const char USAGE[] =
    "usage: tracewire COMMAND [options]\n"
    "\n"
    "  decode [--block] [--json] HEX | -f FILE | -\n"
    "        Show the fields of a header message (or, with --block, a prefix\n"
    "        block). HEX may contain spaces; FILE and - (stdin) are raw bytes.\n"
    "  encode [--block] [--json] [-o FILE] [--new] [--trace-id HEX] [--span-id HEX]\n"
    "         [--flags N] [--sampled] [--random] [--correlation-id UUID]\n"
    "         [--tracestate TEXT] [--baggage TEXT]\n"
    "        Build a header from fields and print its canonical bytes as hex\n"
    "        (or write them raw with -o). --new fills in fresh ids: trace-id and\n"
    "        span-id with the random flag, and a UUIDv7 correlation-id.\n"
    "  gateway [--new-span-id HEX] [FILE | -]\n"
    "        Read incoming headers as a JSON array of [name, value] pairs (order\n"
    "        and repetition matter) and print, as JSON, what a receiver extracts\n"
    "        (the context, or why there is none) and the headers it sends on.\n"
    "  new [trace-id | span-id | uuid7 | uuid4]\n"
    "        Print a fresh identifier (default: uuid7).\n"
    "  adapter\n"
    "        Conformance adapter: JSON requests on stdin, one per line, JSON\n"
    "        responses on stdout (conformance/README.md).\n"
    "  version\n";

static int die(const char *msg, int status)
{
    fprintf(stderr, "tracewire: %s", msg);
    if (status < 0) fprintf(stderr, ": %s (%s)", tw_strerror(status), tw_status_name(status));
    fputc('\n', stderr);
    return status < 0 ? 1 : 2;
}

/* Hex from the command line: spaces and either case accepted. */
static long parse_hex_arg(const char *s, uint8_t *out, size_t cap)
{
    char buf[2 * 64 + 2];
    size_t n = 0, bytes = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) continue;
        if (!isxdigit((unsigned char)*s)) return -1;
        buf[n++] = (char)tolower((unsigned char)*s);
        if (n == 2) {
            if (bytes == cap || tw_hex_decode(out + bytes, buf, 1) != TW_OK) return -1;
            bytes++;
            n = 0;
        }
    }
    return n == 0 ? (long)bytes : -1;
}

static long read_all(FILE *f, uint8_t *buf, size_t cap)
{
    size_t n = fread(buf, 1, cap, f);
    if (ferror(f) || (n == cap && fgetc(f) != EOF)) return -1;
    return (long)n;
}

static void print_flags(uint8_t f)
{
    printf("%02x (", f);
    printf("%s", f & TW_FLAG_SAMPLED ? "sampled" : "not sampled");
    if (f & TW_FLAG_RANDOM) printf(", random");
    if (f & TW_FLAGS_RESERVED) printf(", reserved bits %02x", f & TW_FLAGS_RESERVED);
    printf(")\n");
}

static void print_uuid(const uint8_t u[16])
{
    char t[TW_UUID_TEXT_LEN + 1];
    tw_uuid_format(t, u);
    t[TW_UUID_TEXT_LEN] = 0;
    printf("%s (UUIDv%d", t, u[6] >> 4);
    if ((u[6] >> 4) == 7) {
        uint64_t ms = 0;
        int i;
        time_t secs;
        struct tm tm;
        char when[32];
        for (i = 0; i < 6; i++) ms = ms << 8 | u[i];
        secs = (time_t)(ms / 1000);
        if (gmtime_r(&secs, &tm) && strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm))
            printf(", created %s.%03uZ", when, (unsigned)(ms % 1000));
    }
    printf(")\n");
}

static void print_header(const tw_header_t *h, size_t size, int block_total)
{
    char hex[64];
    size_t i;
    printf("tracewire v1 header, %zu bytes%s%s\n", size, h->canonical ? ", canonical" : ", not canonical",
           h->present ? "" : ", no trace context");
    if (block_total >= 0) printf("  block           %d bytes (version 1, then the %zu-byte message)\n", block_total, size);
    if (h->present & TW_HAS_CONTEXT) {
        tw_hex_encode(hex, h->trace_id, 16);
        printf("  trace-id        %.32s\n", hex);
        tw_hex_encode(hex, h->span_id, 8);
        printf("  span-id         %.16s\n", hex);
        printf("  trace-flags     ");
        print_flags(h->trace_flags);
        tw_hex_encode(hex, h->trace_id, 16);
        tw_hex_encode(hex + 32, h->span_id, 8);
        printf("  traceparent     00-%.32s-%.16s-%02x\n", hex, hex + 32, h->trace_flags);
    }
    if (h->present & TW_HAS_CORRELATION_ID) {
        printf("  correlation-id  ");
        print_uuid(h->correlation_id);
    }
    if (h->tracestate.len) printf("  tracestate      %.*s\n", (int)h->tracestate.len, h->tracestate.ptr);
    if (h->baggage.len) printf("  baggage         %.*s\n", (int)h->baggage.len, h->baggage.ptr);
    if (h->discarded & TW_DISCARDED_TRACESTATE) printf("  tracestate      (invalid: dropped)\n");
    if (h->discarded & TW_DISCARDED_BAGGAGE) printf("  baggage         (invalid: dropped)\n");
    for (i = 0; i < h->n_unknown; i++) {
        size_t k;
        printf("  unknown field   %zu bytes:", h->unknown[i].len);
        for (k = 0; k < h->unknown[i].len && k < 32; k++) printf(" %02x", h->unknown[i].ptr[k]);
        printf("%s\n", h->unknown[i].len > 32 ? " ..." : "");
    }
}

static int cmd_decode(int argc, char **argv)
{
    static uint8_t buf[MAX_INPUT];
    int block = 0, json = 0, i, st;
    long n = -2;
    tw_header_t h;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--block") == 0) block = 1;
        else if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            FILE *f = fopen(argv[++i], "rb");
            if (f == NULL) return die("cannot open input file", 0);
            n = read_all(f, buf, sizeof buf);
            fclose(f);
        } else if (strcmp(argv[i], "-") == 0) {
            n = read_all(stdin, buf, sizeof buf);
        } else {
            n = parse_hex_arg(argv[i], buf, sizeof buf);
            if (n < 0) return die("not hex", 0);
        }
    }
    if (n == -2) return die("decode needs HEX, -f FILE or -", 0);
    if (n < 0) return die("input too large or unreadable", 0);
    st = block ? tw_block_decode(&h, buf, (size_t)n) : tw_header_decode(&h, buf, (size_t)n);
    if (json) {
        json_t *r;
        if (st < 0) {
            r = json_pack("{s:s, s:s, s:s}", "error", tw_status_class(st), "code", tw_status_name(st), "message",
                          tw_strerror(st));
        } else {
            r = json_pack("{s:o, s:b, s:i}", "header", tw_header_to_json(&h), "canonical", h.canonical, "size",
                          (int)n);
            if (block) json_object_set_new(r, "consumed", json_integer(st));
        }
        json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
        json_decref(r);
        return st < 0 ? 1 : 0;
    }
    if (st < 0) return die("cannot decode", st);
    if (block) {
        size_t off = 0, mlen = 0;
        if (tw_block_measure(buf, (size_t)n, NULL, &off, &mlen) < 0) return die("cannot measure block", 0);
        print_header(&h, mlen, st);
        if ((long)st < n) printf("  application     %ld bytes follow the block\n", n - st);
    } else {
        print_header(&h, (size_t)n, -1);
    }
    return 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int cmd_encode(int argc, char **argv)
{
    static uint8_t out[TW_BLOCK_MAX_LEN];
    tw_header_t h;
    int block = 0, json = 0, fresh = 0, i, n;
    const char *outfile = NULL;
    memset(&h, 0, sizeof h);
    for (i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--block") == 0) block = 1;
        else if (strcmp(a, "--json") == 0) json = 1;
        else if (strcmp(a, "--new") == 0) fresh = 1;
        else if (strcmp(a, "--sampled") == 0) h.trace_flags |= TW_FLAG_SAMPLED;
        else if (strcmp(a, "--random") == 0) h.trace_flags |= TW_FLAG_RANDOM;
        else if (v == NULL) return die("option needs a value (see tracewire help)", 0);
        else if (strcmp(a, "-o") == 0) outfile = v, i++;
        else if (strcmp(a, "--trace-id") == 0) {
            if (parse_hex_arg(v, h.trace_id, 16) != 16) return die("--trace-id needs 32 hex digits", 0);
            h.present |= TW_HAS_CONTEXT, i++;
        } else if (strcmp(a, "--span-id") == 0) {
            if (parse_hex_arg(v, h.span_id, 8) != 8) return die("--span-id needs 16 hex digits", 0);
            h.present |= TW_HAS_CONTEXT, i++;
        } else if (strcmp(a, "--flags") == 0) {
            char *end;
            unsigned long f = strtoul(v, &end, 0);
            if (*end || f > 255) return die("--flags needs 0..255", 0);
            h.trace_flags |= (uint8_t)f, i++;
        } else if (strcmp(a, "--correlation-id") == 0) {
            if (tw_uuid_parse(h.correlation_id, v, strlen(v)) != TW_OK) return die("--correlation-id needs a UUID", 0);
            h.present |= TW_HAS_CORRELATION_ID, i++;
        } else if (strcmp(a, "--tracestate") == 0) {
            h.tracestate.ptr = v, h.tracestate.len = strlen(v), i++;
        } else if (strcmp(a, "--baggage") == 0) {
            h.baggage.ptr = v, h.baggage.len = strlen(v), i++;
        } else {
            return die("unknown option (see tracewire help)", 0);
        }
    }
    if (fresh) {
        static const uint8_t zero[16];
        if (memcmp(h.trace_id, zero, 16) == 0 && tw_trace_id_generate(h.trace_id, NULL, NULL) == TW_OK)
            h.trace_flags |= TW_FLAG_RANDOM;
        if (memcmp(h.span_id, zero, 8) == 0 && tw_span_id_generate(h.span_id, NULL, NULL) != TW_OK)
            return die("no randomness", TW_E_RANDOM);
        if (!(h.present & TW_HAS_CORRELATION_ID) && tw_uuid7_generate(h.correlation_id, now_ms(), NULL, NULL) != TW_OK)
            return die("no randomness", TW_E_RANDOM);
        h.present |= TW_HAS_CONTEXT | TW_HAS_CORRELATION_ID;
    }
    n = block ? tw_block_encode(out, sizeof out, &h) : tw_header_encode(out, sizeof out, &h);
    if (n < 0) return die("cannot encode", n);
    if (outfile) {
        FILE *f = fopen(outfile, "wb");
        if (f == NULL || fwrite(out, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) return die("cannot write output", 0);
        return 0;
    }
    if (json) {
        char *hex = malloc(2 * (size_t)n + 1);
        json_t *r;
        tw_hex_encode(hex, out, (size_t)n);
        hex[2 * n] = 0;
        r = json_pack("{s:s, s:o, s:i}", block ? "block_hex" : "message_hex", hex, "header", tw_header_to_json(&h),
                      "size", n);
        json_dumpf(r, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
        json_decref(r);
        free(hex);
    } else {
        for (i = 0; i < n; i++) printf("%02x", out[i]);
        putchar('\n');
    }
    return 0;
}

static int cmd_new(int argc, char **argv)
{
    const char *kind = argc > 0 ? argv[0] : "uuid7";
    uint8_t id[16];
    char t[40];
    int st;
    if (strcmp(kind, "trace-id") == 0) {
        st = tw_trace_id_generate(id, NULL, NULL);
        tw_hex_encode(t, id, 16);
        t[32] = 0;
    } else if (strcmp(kind, "span-id") == 0) {
        st = tw_span_id_generate(id, NULL, NULL);
        tw_hex_encode(t, id, 8);
        t[16] = 0;
    } else if (strcmp(kind, "uuid7") == 0 || strcmp(kind, "uuid4") == 0) {
        st = kind[4] == '7' ? tw_uuid7_generate(id, now_ms(), NULL, NULL) : tw_uuid4_generate(id, NULL, NULL);
        tw_uuid_format(t, id);
        t[36] = 0;
    } else {
        return die("new takes trace-id, span-id, uuid7 or uuid4", 0);
    }
    if (st != TW_OK) return die("cannot generate", st);
    puts(t);
    return 0;
}

static int cmd_gateway(int argc, char **argv)
{
    const char *path = "-", *span = NULL;
    json_error_t err;
    json_t *headers, *in, *out;
    int i, rc;
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--new-span-id") == 0 && i + 1 < argc) span = argv[++i];
        else path = argv[i];
    }
    headers = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &err) : json_load_file(path, 0, &err);
    if (headers == NULL) {
        fprintf(stderr, "tracewire: %s:%d: %s\n", path, err.line, err.text);
        return 2;
    }
    if (!json_is_array(headers)) {
        json_decref(headers);
        return die("gateway input must be a JSON array of [name, value] pairs", 0);
    }
    in = json_pack("{s:o}", "headers", headers);
    if (span != NULL) json_object_set_new(in, "new_span_id", json_string(span));
    out = tw_op_run("gateway.extract", in);
    rc = json_object_get(out, "error") != NULL;
    json_dumpf(out, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    putchar('\n');
    json_decref(out);
    json_decref(in);
    return rc;
}

/* One JSON request per line: {"id": ..., "op": ..., "input": {...}};
 * one response per line: {"id": ..., "output": {...}}. */
static int cmd_adapter(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        json_error_t err;
        json_t *req = json_loadb(line, (size_t)len, 0, &err), *resp, *out;
        const char *op;
        if (req == NULL) {
            resp = json_pack("{s:n, s:{s:s, s:s}}", "id", "output", "error", "bad-request", "message", err.text);
        } else {
            op = json_string_value(json_object_get(req, "op"));
            if (op != NULL && strcmp(op, "hello") == 0) {
                out = json_pack("{s:s, s:s, s:o}", "implementation", "tracewire-c", "version", "0.1.0", "ops",
                                tw_op_list());
            } else {
                out = tw_op_run(op, json_object_get(req, "input"));
            }
            resp = json_pack("{s:O, s:o}", "id", json_object_get(req, "id") ? json_object_get(req, "id") : json_null(),
                             "output", out);
            json_decref(req);
        }
        json_dumpf(resp, stdout, JSON_COMPACT | JSON_SORT_KEYS);
        putchar('\n');
        fflush(stdout);
        json_decref(resp);
    }
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "help";
    if (strcmp(cmd, "decode") == 0) return cmd_decode(argc - 2, argv + 2);
    if (strcmp(cmd, "encode") == 0) return cmd_encode(argc - 2, argv + 2);
    if (strcmp(cmd, "new") == 0) return cmd_new(argc - 2, argv + 2);
    if (strcmp(cmd, "gateway") == 0) return cmd_gateway(argc - 2, argv + 2);
    if (strcmp(cmd, "adapter") == 0) return cmd_adapter();
    if (strcmp(cmd, "version") == 0) {
        printf("tracewire %d.%d.%d (wire version %d)\n", TW_VERSION_MAJOR, TW_VERSION_MINOR, TW_VERSION_PATCH,
               TW_WIRE_VERSION);
        return 0;
    }
    fputs(USAGE, strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ? stdout : stderr);
    return strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ? 0 : 2;
}
