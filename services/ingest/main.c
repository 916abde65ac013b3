/* atsb-ingest: all inbound HTTP (applications, export tasks, ATS webhooks,
 * provider callbacks) into Kafka, and on threads the erasures of
 * application.events (erasure.h) and document retention (retention.h). See DESIGN.md and docs/ingest.md. */
#include "accept_batch.h"
#include "erasure.h"
#include "erasure_listener.h"
#include "finish.h"
#include "ingest.h"
#include "migrate.h"
#include "retention.h"
#include "routes.h"
#include "service.h"
#include "shutdown.h"

#include <stdlib.h>

extern const migrate_file ingest_migrations[];

int main(void) {
    static service svc;
    static ingest_ctx ctx;
    static http_route routes[16];
    /* Admin endpoints; webhook tokens and callback secrets sealed at rest. */
    static const char *const secrets[] = {"ATSB_ADMIN_TOKEN", "ATSB_SECRET_KEY", NULL};
    static service_spec spec = {
        .name = "ingest",
        .addr_env = "ATSB_INGEST_ADDR",
        .addr_default = "127.0.0.1:8081",
        .migrations = ingest_migrations,
        /* Handlers hold a connection briefly (a grant not cached); each
         * committer holds one while its batch waits for Kafka. */
        .pg_pool_default = 40,
        /* Applications are parsed on a worker and wait on a committer, so
         * few workers suffice; fewer thread wake-ups per request make
         * ingest faster (measured in docs/benchmarks.md). Webhooks and
         * callbacks wait on the finisher; exports still wait for Kafka on
         * their worker. */
        .http_workers_default = 8,
        .secrets = secrets,
    };
    ingest_config cfg;
    ingest_config_load(&cfg);
    ingest_ctx_init(&ctx, &svc, &cfg);
    routes_build(&ctx, routes);
    spec.routes = routes;
    spec.nroutes = routes_count;
    /* Before the HTTP server: applications are queued to it from the start. */
    ctx.batcher = accept_batcher_start(&ctx);
    ctx.finisher = finisher_start(&ctx);
    if (!ctx.batcher || !ctx.finisher || service_start(&spec, &svc) != 0) {
        accept_batcher_stop(ctx.batcher);
        finisher_stop(ctx.finisher);
        return EXIT_FAILURE;
    }
    /* Erasure: documents, their refs and the idempotency body hash. */
    erasure_listener *erasure = erasure_listener_start(&svc, "ingest", ingest_erase, NULL);
    if (!erasure) shutdown_request();
    retention *docs = retention_start(&svc);
    service_wait(&svc);
    retention_join(docs);
    int rc = erasure && erasure_listener_join(erasure) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    /* Requests first (the deferred ones are answered by the committers and
     * the finisher), then those, then the producer and the pool they use. */
    http_server_stop(svc.http);
    svc.http = NULL;
    accept_batcher_stop(ctx.batcher);
    finisher_stop(ctx.finisher);
    service_stop(&svc);
    return rc;
}
