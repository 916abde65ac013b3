/* atsb-delivery: the only writer to an ATS or provider. See DESIGN.md
 * ("Delivery semantics", implementation notes "delivery"). */
#include "auth.h"
#include "connection_gauge.h"
#include "connections_api.h"
#include "dctx.h"
#include "deadletters_api.h"
#include "dispatcher.h"
#include "erasure_listener.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "oauth.h"
#include "routes.h"
#include "service.h"
#include "shutdown.h"

#include <stdio.h>
#include <stdlib.h>

extern const migrate_file delivery_migrations[];

int main(void) {
    static dctx x;
    /* Each worker holds its message for a whole ATS round trip, and a held
     * message keeps its fetch response (a sixteenth of this queue) alive:
     * with the services' 4 MiB, 64 workers draining a backlog peaked at
     * 85-97 MiB; with 1 MiB at 47 MiB. An operator's value is kept. */
    setenv("ATSB_KAFKA_CONSUMER_QUEUE_KB", "1024", 0);
    dconfig_load(&x.cfg);
#define ROUTE(method, pattern, fn, authorize, accept) {method, pattern, fn, &x, 0, authorize, accept},
    static http_route routes[] = {DELIVERY_ROUTES(ROUTE)};
#undef ROUTE
    /* Admin endpoints, sealed credentials, Lever OAuth, the provider. */
    static const char *const secrets[] = {"ATSB_ADMIN_TOKEN", "ATSB_SECRET_KEY", "ATSB_LEVER_CLIENT_SECRET",
                                          "ATSB_PROVIDER_API_KEY", NULL};
    static service_spec spec = {
        .name = "delivery",
        .addr_env = "ATSB_DELIVERY_ADDR",
        .addr_default = "127.0.0.1:8083",
        .migrations = delivery_migrations,
        .routes = routes,
        .nroutes = sizeof routes / sizeof routes[0],
        .secrets = secrets,
    };
    spec.pg_pool_default = x.cfg.workers + 8; /* each worker holds one for a delivery's advisory lock */
    doc_budget_init(&x.docs, x.cfg.document_budget);
    if (service_start(&spec, &x.svc) != 0) return EXIT_FAILURE;
    http_engine_config hc = {x.cfg.http_concurrency, x.cfg.connect_timeout_ms, x.cfg.timeout_ms};
    if (http_engine_start(&hc, &x.http) != 0) {
        fprintf(stderr, "delivery: cannot start the HTTP engine\n");
        service_stop(&x.svc);
        return EXIT_FAILURE;
    }
    /* Erasure on its own thread beside the dispatcher (ledger_erase). */
    erasure_listener *erasure = erasure_listener_start(&x.svc, "delivery", ledger_erase, NULL);
    /* Delivery's families for dashboards and alerts before their first series. */
    static const char *const counters[] = {"atsb_delivery_delivered_total", "atsb_delivery_retries_total",
                                           "atsb_delivery_rate_limit_waits_total",
                                           "atsb_delivery_http_requests_total", "atsb_delivery_commands_total",
                                           "atsb_deadletters_redriven_total"};
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) metrics_declare(counters[i], METRICS_COUNTER);
    metrics_declare("atsb_delivery_http_seconds", METRICS_HISTOGRAM);
    pthread_t gauge;
    int gauge_started = erasure && connection_gauge_start(x.svc.db, &gauge) == 0;
    if (erasure && !gauge_started) log_warn("connection gauge thread not started");
    int rc = erasure ? dispatcher_run(&x) : -1;
    shutdown_request(); /* the dispatcher may have stopped on its own: the listener too */
    if (erasure_listener_join(erasure)) rc = -1;
    if (gauge_started) pthread_join(gauge, NULL);
    http_engine_stop(x.http);
    service_stop(&x.svc);
    doc_budget_destroy(&x.docs);
    log_info("stopped");
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
