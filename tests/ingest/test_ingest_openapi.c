/* services/ingest/openapi.yaml stays true: every path + method it lists is
 * in ingest's route table (or built into the HTTP server), and every route
 * is documented. Reads the `paths:` block line by line (two-space path keys,
 * four-space method keys), which is all the check needs. */
#include "harness.h"
#include "routes.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char method[8];
    char path[200];
} op;

static size_t read_ops(op *ops, size_t cap) {
    char file[512];
    snprintf(file, sizeof file, "%s/services/ingest/openapi.yaml", ATSB_SOURCE_DIR);
    FILE *f = fopen(file, "r");
    cr_assert(f, "cannot open %s", file);
    char line[512], path[200] = "";
    int in_paths = 0;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strcmp(line, "paths:")) {
            in_paths = 1;
            continue;
        }
        if (!in_paths) continue;
        if (line[0] && line[0] != ' ' && line[0] != '#') break; /* next top-level key */
        if (!strncmp(line, "  /", 3) && line[strlen(line) - 1] == ':') {
            snprintf(path, sizeof path, "%.*s", (int)strlen(line) - 3, line + 2);
            continue;
        }
        static const char *methods[] = {"get", "put", "post", "delete", "patch"};
        for (size_t i = 0; i < 5; i++) {
            char key[16];
            snprintf(key, sizeof key, "    %s:", methods[i]);
            if (!strcmp(line, key)) {
                cr_assert(path[0], "method outside a path");
                cr_assert(n < cap);
                for (size_t k = 0; methods[i][k]; k++) ops[n].method[k] = (char)toupper((unsigned char)methods[i][k]);
                ops[n].method[strlen(methods[i])] = '\0';
                snprintf(ops[n].path, sizeof ops[n].path, "%s", path);
                n++;
            }
        }
    }
    fclose(f);
    return n;
}

static int routed(const op *o) {
    for (size_t i = 0; i < routes_count; i++)
        if (!strcmp(routes_table[i].method, o->method) && !strcmp(routes_table[i].pattern, o->path)) return 1;
    for (size_t i = 0; i < routes_builtin_count; i++)
        if (!strcmp(o->method, "GET") && !strcmp(routes_builtin[i], o->path)) return 1;
    return 0;
}

Test(openapi, every_listed_operation_is_routed) {
    op ops[64];
    size_t n = read_ops(ops, 64);
    cr_assert_geq(n, routes_count, "openapi.yaml lists fewer operations than there are routes");
    for (size_t i = 0; i < n; i++) cr_assert(routed(&ops[i]), "%s %s is documented but not routed", ops[i].method, ops[i].path);
}

Test(openapi, every_route_is_listed) {
    op ops[64];
    size_t n = read_ops(ops, 64);
    for (size_t r = 0; r < routes_count; r++) {
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = !strcmp(routes_table[r].method, ops[i].method) && !strcmp(routes_table[r].pattern, ops[i].path);
        cr_assert(found, "%s %s is routed but missing from openapi.yaml", routes_table[r].method, routes_table[r].pattern);
    }
}

Test(openapi, body_limits_allow_base64_documents) {
    ingest_config cfg = {.limits = {10 << 20, 20 << 20}, .max_export_candidates = 1000};
    cr_assert_geq(routes_max_body(BODY_APPLICATION, &cfg), (size_t)(20 << 20) / 3 * 4 + (1 << 20));
    cr_assert_geq(routes_max_body(BODY_EXPORT, &cfg), routes_max_body(BODY_APPLICATION, &cfg));
}
