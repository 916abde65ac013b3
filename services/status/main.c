/* atsb-status: the system of record in PostgreSQL and its query and admin API.
 * See DESIGN.md ("status") and docs/status.md.
 *
 * Read the configuration; start the common service (database, migrations,
 * producer, HTTP with the routes below); consume application.events,
 * ats.webhooks and bgcheck.updates on a thread, one PostgreSQL transaction
 * per batch; run the feed monitor, the held-too-long watch, retention and
 * gauges on another; send operator notifications on their own threads; on
 * SIGTERM stop consuming, join every thread, then stop HTTP, producer and
 * database. */
#include "auth.h"
#include "admin_api.h"
#include "api.h"
#include "app.h"
#include "config.h"
#include "consume.h"
#include "kafka_conf.h"
#include "maintenance.h"
#include "metrics.h"
#include "migrate.h"
#include "notifier.h"
#include "query_api.h"
#include "routes.h"
#include "service.h"
#include "shutdown.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

extern const migrate_file status_migrations[];

static status_app app;

#define ROUTE(method, pattern, fn, max_body, authorize, accept) {method, pattern, fn, &app, max_body, authorize, accept},
static const http_route routes[] = {STATUS_ROUTES(ROUTE)};
#undef ROUTE

typedef struct {
    consume_ctx ctx;
    char group[256];
    int rc;
} consumer_thread;

static void *consume_main(void *arg) {
    consumer_thread *t = arg;
    static const char *const topics[] = {TOPIC_APPLICATION_EVENTS, TOPIC_ATS_WEBHOOKS,
                                         TOPIC_BGCHECK_UPDATES};
    loop_spec spec = {
        .service = "status",
        .group = t->group,
        .topics = topics,
        .ntopics = 3,
        .max_batch = (size_t)config_int("ATSB_STATUS_BATCH_MAX", 500, 1, 10000),
        .max_wait_ms = (int)config_int("ATSB_STATUS_BATCH_WAIT_MS", 50, 1, 10000),
        .handle = consume_batch,
        .ctx = &t->ctx,
    };
    t->rc = consume_loop_run(&spec);
    if (t->rc) shutdown_request(); /* no consumer: the service is useless */
    return NULL;
}

int main(void) {
    /* Admin endpoints (ATSB_STATUS_READ_TOKEN is optional: empty disables it). */
    static const char *const secrets[] = {"ATSB_ADMIN_TOKEN", NULL};
    static const service_spec spec = {
        .name = "status",
        .addr_env = "ATSB_STATUS_ADDR",
        .addr_default = "127.0.0.1:8084",
        .migrations = status_migrations,
        .routes = routes,
        .nroutes = sizeof routes / sizeof routes[0],
        .secrets = secrets,
    };
    static consumer_thread consumer;
    maintenance maint = {0};
    static notifier notif;
    pthread_t consumer_tid;
    int rc = EXIT_FAILURE;

    /* Configuration first: a bad value exits 2 before anything starts. */
    app.read_token = config_str("ATSB_STATUS_READ_TOKEN", "");
    app.feed_check_interval_s = (int)config_int("ATSB_FEED_CHECK_INTERVAL_S", 10, 1, 86400);
    app.retention_days = (int)config_int("ATSB_RETENTION_DAYS", 0, 0, 36500);
    app.retention_interval_s = (int)config_int("ATSB_RETENTION_CHECK_INTERVAL_S", 3600, 1, 86400);
    app.gauge_interval_s = (int)config_int("ATSB_STATUS_GAUGE_INTERVAL_S", 15, 1, 3600);
    app.notify_window_s = (int)config_int("ATSB_NOTIFY_WINDOW_S", 3600, 0, 86400);
    app.notify_timeout_ms = (int)config_int("ATSB_NOTIFY_TIMEOUT_MS", 5000, 100, 60000);
    app.notify_max_attempts = (int)config_int("ATSB_NOTIFY_MAX_ATTEMPTS", 10, 1, 100);
    app.notify_max_age_s = (int)config_int("ATSB_NOTIFY_MAX_AGE_S", 86400, 60, 7 * 86400);
    app.notify_backoff_base_ms = (int)config_int("ATSB_NOTIFY_BACKOFF_BASE_MS", 2000, 10, 3600000);
    app.notify_backoff_cap_ms = (int)config_int("ATSB_NOTIFY_BACKOFF_CAP_MS", 900000, 10, 86400000);
    app.notify_senders = (int)config_int("ATSB_NOTIFY_SENDERS", 2, 1, NOTIFIER_MAX_THREADS);
    app.notify_poll_ms = (int)config_int("ATSB_NOTIFY_POLL_MS", 1000, 100, 60000);
    app.held_notify_after_s = (int)config_int("ATSB_HELD_NOTIFY_AFTER_S", 86400, 0, 365 * 86400);
    kafka_group("ATSB_STATUS_GROUP", "status", consumer.group, sizeof consumer.group);
    config_int("ATSB_STATUS_BATCH_MAX", 500, 1, 10000);
    config_int("ATSB_STATUS_BATCH_WAIT_MS", 50, 1, 10000);

    if (service_start(&spec, &app.svc) != 0) return EXIT_FAILURE;
    /* For dashboards and alerts before the first feed alert or notification. */
    metrics_declare("atsb_feed_alert", METRICS_GAUGE);
    metrics_declare("atsb_status_notifications_total", METRICS_COUNTER);
    consume_ctx_init(&consumer.ctx, &app);
    if (pthread_create(&consumer_tid, NULL, consume_main, &consumer) != 0) {
        fprintf(stderr, "status: cannot start the consumer thread\n");
        goto stop;
    }
    int maint_ok = maintenance_start(&maint, &app) == 0;
    if (!maint_ok) {
        fprintf(stderr, "status: cannot start the maintenance thread\n");
        shutdown_request();
    }
    int notif_ok = notifier_start(&notif, &app) == 0;
    if (!notif_ok) {
        fprintf(stderr, "status: cannot start the notifier threads\n");
        shutdown_request();
    }
    service_wait(&app.svc);
    pthread_join(consumer_tid, NULL);
    maintenance_join(&maint);
    notifier_join(&notif);
    rc = consumer.rc == 0 && maint_ok && notif_ok ? EXIT_SUCCESS : EXIT_FAILURE;
stop:
    service_stop(&app.svc);
    consume_ctx_free(&consumer.ctx);
    return rc;
}
