/* Each HTTP API's openapi.yaml lists exactly its route table and the HTTP
 * server's built-ins (tests/support/openapi_routes.h). The tables are the
 * services' own X-macros, expanded here to method and pattern only, so no
 * handler is linked. ingest's table is checked by test_ingest_openapi. */
#include "openapi_routes.h"

#include "services/delivery/routes.h"
#include "services/questions/routes.h"
#include "services/status/routes.h"
#include "tools/atssim/control.h"

#include <criterion/criterion.h>

#define CHECK(spec, table)                                                                 \
    do {                                                                                   \
        static const openapi_route r[] = {table(OPENAPI_ROUTE)};                           \
        openapi_assert_routes(spec, r, sizeof r / sizeof r[0]);                            \
    } while (0)

Test(openapi_routes, questions) { CHECK("services/questions/openapi.yaml", QUESTIONS_ROUTES); }
Test(openapi_routes, delivery) { CHECK("services/delivery/openapi.yaml", DELIVERY_ROUTES); }
Test(openapi_routes, status) { CHECK("services/status/openapi.yaml", STATUS_ROUTES); }
/* The simulator's control API only: its Lever, Eploy and provider stand-ins
 * follow those systems' own APIs (docs/simulator.md). */
Test(openapi_routes, atssim_control) { CHECK("tools/atssim/openapi.yaml", ATSSIM_CONTROL_ROUTES); }
