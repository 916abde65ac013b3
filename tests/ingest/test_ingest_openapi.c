/* services/ingest/openapi.yaml lists exactly ingest's route table and the
 * HTTP server's built-ins (tests/support/openapi_routes.h); the route
 * kinds' body limits leave room for base64 documents. */
#include "harness.h"
#include "openapi_routes.h"
#include "routes.h"

#include <criterion/criterion.h>

Test(openapi, spec_lists_exactly_the_routes) {
    openapi_route r[64];
    cr_assert_leq(routes_count, 64);
    for (size_t i = 0; i < routes_count; i++) r[i] = (openapi_route){routes_table[i].method, routes_table[i].pattern};
    openapi_assert_routes("services/ingest/openapi.yaml", r, routes_count);
}

Test(openapi, body_limits_allow_base64_documents) {
    ingest_config cfg = {.limits = {10 << 20, 20 << 20}, .max_export_candidates = 1000};
    cr_assert_geq(routes_max_body(BODY_APPLICATION, &cfg), (size_t)(20 << 20) / 3 * 4 + (1 << 20));
    cr_assert_geq(routes_max_body(BODY_EXPORT, &cfg), routes_max_body(BODY_APPLICATION, &cfg));
}
