#include "openapi_routes.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define MAX_OPS 128

typedef struct {
    char method[8];
    char path[200];
} op;

static const char *const builtin[] = {"/healthz", "/readyz", "/metrics"};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

/* The spec's operations (method upper-cased) into ops; returns how many. */
static size_t read_ops(const char *spec, op *ops) {
    static const char *const methods[] = {"get", "put", "post", "delete", "patch", "head", "options"};
    char file[512], line[512], path[200] = "";
    snprintf(file, sizeof file, "%s/%s", ATSB_SOURCE_DIR, spec);
    FILE *f = fopen(file, "r");
    cr_assert(f, "cannot open %s", file);
    int in_paths = 0;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strcmp(line, "paths:")) {
            in_paths = 1;
            continue;
        }
        if (!in_paths) continue;
        if (line[0] && line[0] != ' ' && line[0] != '#') break; /* the next top-level key */
        size_t len = strlen(line);
        if (!strncmp(line, "  /", 3) && line[len - 1] == ':') {
            snprintf(path, sizeof path, "%.*s", (int)len - 3, line + 2);
            continue;
        }
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
            char key[16];
            snprintf(key, sizeof key, "    %s:", methods[i]);
            if (strcmp(line, key) != 0) continue;
            cr_assert(path[0], "%s: %s outside a path", spec, methods[i]);
            cr_assert(n < MAX_OPS, "%s: more than %d operations", spec, MAX_OPS);
            size_t k = 0;
            for (; methods[i][k]; k++) ops[n].method[k] = (char)toupper((unsigned char)methods[i][k]);
            ops[n].method[k] = '\0';
            snprintf(ops[n].path, sizeof ops[n].path, "%s", path);
            n++;
        }
    }
    fclose(f);
    return n;
}

static int listed(const op *ops, size_t n, const char *method, const char *path) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(ops[i].method, method) && !strcmp(ops[i].path, path)) return 1;
    return 0;
}

void openapi_assert_routes(const char *spec, const openapi_route *routes, size_t nroutes) {
    static op ops[MAX_OPS];
    size_t n = read_ops(spec, ops);
    for (size_t i = 0; i < n; i++) {
        int routed = 0;
        for (size_t r = 0; r < nroutes && !routed; r++)
            routed = !strcmp(routes[r].method, ops[i].method) && !strcmp(routes[r].pattern, ops[i].path);
        for (size_t b = 0; b < NBUILTIN && !routed; b++)
            routed = !strcmp(ops[i].method, "GET") && !strcmp(ops[i].path, builtin[b]);
        cr_assert(routed, "%s: %s %s is documented but not routed", spec, ops[i].method, ops[i].path);
    }
    for (size_t r = 0; r < nroutes; r++)
        cr_assert(listed(ops, n, routes[r].method, routes[r].pattern), "%s: %s %s is routed but not documented",
                  spec, routes[r].method, routes[r].pattern);
    for (size_t b = 0; b < NBUILTIN; b++)
        cr_assert(listed(ops, n, "GET", builtin[b]), "%s: the built-in GET %s is not documented", spec, builtin[b]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            cr_assert(strcmp(ops[i].method, ops[j].method) || strcmp(ops[i].path, ops[j].path),
                      "%s: %s %s is listed twice", spec, ops[i].method, ops[i].path);
}
