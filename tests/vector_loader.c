/* SPDX-License-Identifier: Apache-2.0 */
/* vector_loader.c - loads conformance vector files into cmocka test tables. */
#include "vector_loader.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The loaded documents and cases, released by vl_free (tests only). */
static json_t *vl_docs[64];
static size_t vl_ndocs;
static vcase *vl_cases;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long vl_load(const char *dir, const char *op, void (*fn)(void **), struct CMUnitTest **tests)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *files[64];
    size_t nfiles = 0, i, j, n = 0, cap = 0;
    vcase *cases = NULL;

    if (d == NULL) {
        fprintf(stderr, "vectors: cannot open %s\n", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL && nfiles < 64) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0) files[nfiles++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(files, nfiles, sizeof *files, cmp_str);

    for (i = 0; i < nfiles; i++) {
        char path[1024];
        json_error_t err;
        json_t *doc, *arr;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        doc = json_load_file(path, 0, &err);
        if (doc == NULL) {
            fprintf(stderr, "vectors: %s:%d: %s\n", path, err.line, err.text);
            return -1;
        }
        vl_docs[vl_ndocs++] = doc;
        arr = json_object_get(doc, "cases");
        for (j = 0; j < json_array_size(arr); j++) {
            json_t *c = json_array_get(arr, j);
            const char *cop = json_string_value(json_object_get(c, "op"));
            vcase *v;
            if (cop == NULL || (op != NULL && strcmp(op, cop) != 0)) continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                cases = realloc(cases, cap * sizeof *cases); /* pointers handed out only after loading */
            }
            v = &cases[n++];
            snprintf(v->name, sizeof v->name, "%.*s/%s", (int)(strlen(files[i]) - 5), files[i],
                     json_string_value(json_object_get(c, "name")));
            v->op = cop;
            v->input = json_object_get(c, "input");
            v->expect = json_object_get(c, "expect");
        }
        free(files[i]);
    }
    vl_cases = cases;
    if (n == 0) {
        fprintf(stderr, "vectors: no %s cases under %s\n", op ? op : "", dir);
        return -1;
    }
    *tests = calloc(n, sizeof **tests);
    for (i = 0; i < n; i++) {
        (*tests)[i].name = cases[i].name;
        (*tests)[i].test_func = fn;
        (*tests)[i].initial_state = &cases[i];
    }
    return (long)n;
}

void vl_free(struct CMUnitTest *tests)
{
    size_t i;
    for (i = 0; i < vl_ndocs; i++) json_decref(vl_docs[i]);
    vl_ndocs = 0;
    free(vl_cases);
    vl_cases = NULL;
    free(tests);
}
