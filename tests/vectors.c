/* SPDX-License-Identifier: Apache-2.0 */
/* vectors.c - runs every case of every conformance vector file against the C codec, one cmocka test per case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ops.h"
#include "test_util.h"
#include "tracewire.h"
#include "vector_loader.h"

static void report(const vcase *c, const json_t *actual)
{
    char *e = json_dumps(c->expect, JSON_SORT_KEYS | JSON_COMPACT);
    char *a = json_dumps(actual, JSON_SORT_KEYS | JSON_COMPACT);
    print_error("op %s\n  expected: %s\n  actual:   %s\n", c->op, e, a);
    free(e);
    free(a);
}

/* Derived rule (conformance/README.md): every proper prefix of a valid
 * block is truncated, read with the prefix ending at a guard page. */
static void check_block_prefixes(const vcase *c)
{
    const char *hex = json_string_value(json_object_get(c->input, "block_hex"));
    static uint8_t blk[TW_BLOCK_MAX_LEN + 64];
    int n = tu_unhex(blk, sizeof blk, hex);
    long consumed = (long)json_integer_value(json_object_get(c->expect, "consumed"));
    long k;
    assert_true(n >= 0);
    for (k = 0; k < consumed; k++) {
        tu_guarded g;
        tw_header_t h;
        int st;
        assert_int_equal(tu_guard_alloc(&g, blk, (size_t)k), 0);
        st = tw_block_decode(&h, g.data, (size_t)k);
        tu_guard_free(&g);
        if (st != TW_E_TRUNCATED) {
            print_error("prefix of %ld bytes gave %s, not TW_E_TRUNCATED\n", k, tw_status_name(st));
            fail();
        }
    }
}

/* Derived rule: canonical <=> encode(decode(x)) == x (spec 04 §4.3). */
static void check_canonical_round_trip(const vcase *c)
{
    const char *hex = json_string_value(json_object_get(c->input, "message_hex"));
    static uint8_t msg[TW_HEADER_MAX_LEN + 64], out[TW_HEADER_MAX_LEN + 64];
    int n = tu_unhex(msg, sizeof msg, hex), m;
    tw_header_t h;
    int canonical = json_is_true(json_object_get(c->expect, "canonical"));
    assert_true(n >= 0);
    assert_int_equal(tw_header_decode(&h, msg, (size_t)n), n);
    m = tw_header_encode(out, sizeof out, &h);
    assert_true(m >= 0);
    if (canonical != (m == n && memcmp(msg, out, (size_t)n) == 0)) {
        print_error("canonical=%d but re-encoding %s the input\n", canonical,
                    canonical ? "does not reproduce" : "reproduces");
        fail();
    }
}

static void run_case(void **state)
{
    const vcase *c = *state;
    json_t *actual = tw_op_run(c->op, c->input);
    assert_non_null(actual);
    if (!tw_op_matches(c->expect, actual)) {
        report(c, actual);
        json_decref(actual);
        fail();
    }
    json_decref(actual);
    if (json_object_get(c->expect, "error") == NULL) {
        if (strcmp(c->op, "block.decode") == 0) check_block_prefixes(c);
        if (strcmp(c->op, "header.decode") == 0) check_canonical_round_trip(c);
    }
}

int main(int argc, char **argv)
{
    struct CMUnitTest *tests;
    long n = vl_load(argc > 1 ? argv[1] : "conformance/vectors", NULL, run_case, &tests);
    if (n < 0) return 1;
    {
        int failed = _cmocka_run_group_tests("vectors", tests, (size_t)n, NULL, NULL);
        vl_free(tests);
        return failed;
    }
}
