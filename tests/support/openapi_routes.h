#ifndef ATSB_TEST_OPENAPI_ROUTES_H
#define ATSB_TEST_OPENAPI_ROUTES_H

#include <stddef.h>

/* An HTTP API's openapi.yaml against its route table: every path + method
 * the spec lists is routed (or is one of the HTTP server's built-in GET
 * /healthz, /readyz, /metrics), and every route and built-in is listed.
 * The spec is read line by line: under `paths:`, two-space path keys and
 * four-space method keys (the layout of every spec here; redocly lint checks
 * the rest). */

typedef struct {
    const char *method; /* "GET", ... */
    const char *pattern; /* "/v1/applications/{id}" */
} openapi_route;

/* Fails the test (Criterion) on the first difference; spec is relative to
 * the source tree (e.g. "services/status/openapi.yaml"). */
void openapi_assert_routes(const char *spec, const openapi_route *routes, size_t n);

/* Route tables written as R(method, pattern, ...) X-macros
 * (services/<name>/routes.h) become openapi_route entries with this. */
#define OPENAPI_ROUTE(method, pattern, ...) {method, pattern},

#endif
