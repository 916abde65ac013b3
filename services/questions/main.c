/* atsb-questions: fetches, caches and serves screening questions; validates
 * and maps answers (DESIGN.md "Screening questions" and the questions
 * implementation notes).
 *
 * Start the common service (database, migrations, producer, HTTP with the
 * questions route), then three threads: the applications.received
 * consumer, the application.events consumer that releases held
 * applications on go_live, and a periodic sweep of held applications; and
 * the erasure listener (held rows of erased applications, held_erase). On
 * SIGTERM the loops finish their batch and the service stops. */
#include "api.h"
#include "cache.h"
#include "config.h"
#include "consume.h"
#include "erasure_listener.h"
#include "fetch.h"
#include "held.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"
#include "migrate.h"
#include "routes.h"
#include "service.h"
#include "shutdown.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern const migrate_file questions_migrations[];

static service svc;
static qr_ctx rctx;
static char group[160];
static char events_group[200];
static int sweep_s, held_days, consumers;
static size_t batch_max;

/* Most threads questions runs: ATSB_QUESTIONS_CONSUMERS + events + sweep. */
#define MAX_CONSUMERS 16

static void *received_thread(void *arg) {
    (void)arg;
    static const char *const topics[] = {TOPIC_APPLICATIONS_RECEIVED};
    qconsume_ctx cctx = {.rc = &rctx};
    loop_spec spec = {.service = "questions", .group = group, .topics = topics, .ntopics = 1,
                      .max_batch = batch_max,
                      .handle = questions_consume_batch, .ctx = &cctx};
    if (consume_loop_run(&spec) != 0) shutdown_request();
    qconsume_ctx_free(&cctx);
    return NULL;
}

static void *events_thread(void *arg) {
    (void)arg;
    static const char *const topics[] = {TOPIC_APPLICATION_EVENTS};
    loop_spec spec = {.service = "questions", .group = events_group, .topics = topics, .ntopics = 1,
                      .handle = held_events_batch, .ctx = &rctx};
    if (consume_loop_run(&spec) != 0) shutdown_request();
    return NULL;
}

static void *sweep_thread(void *arg) {
    (void)arg;
    int waited = 0;
    while (!shutdown_requested()) {
        usleep(200 * 1000);
        if (++waited < sweep_s * 5) continue;
        waited = 0;
        while (!shutdown_requested() && held_release(&rctx, NULL) > 0) {
        }
        if (held_days > 0 && held_expire(&rctx, held_days) < 0) log_warn("held retention failed; retrying next sweep");
        long n = held_count(&rctx);
        if (n >= 0) metrics_gauge_set("atsb_questions_held", "", (double)n);
    }
    return NULL;
}

int main(void) {
#define ROUTE(method, pattern, fn) {method, pattern, fn, &svc, 0, NULL, 0},
    static const http_route routes[] = {QUESTIONS_ROUTES(ROUTE)};
#undef ROUTE
    /* Connections' sealed credentials; Lever token refresh with atsbridge's app. */
    static const char *const secrets[] = {"ATSB_SECRET_KEY", "ATSB_LEVER_CLIENT_SECRET", NULL};
    static const service_spec spec = {
        .name = "questions",
        .addr_env = "ATSB_QUESTIONS_ADDR",
        .addr_default = "127.0.0.1:8082",
        .migrations = questions_migrations,
        .routes = routes,
        .nroutes = sizeof routes / sizeof routes[0],
        .secrets = secrets,
    };
    /* Configuration first: a bad value exits 2 before anything starts. */
    questions_fetch_configure();
    questions_cache_configure();
    kafka_group("ATSB_QUESTIONS_GROUP", "questions", group, sizeof group);
    snprintf(events_group, sizeof events_group, "%s-golive", group);
    sweep_s = (int)config_int("ATSB_QUESTIONS_HELD_SWEEP_S", 60, 1, 86400);
    held_days = (int)config_int("ATSB_HELD_RETENTION_DAYS", 30, 0, 36500);
    batch_max = (size_t)config_int("ATSB_QUESTIONS_BATCH_MAX", 500, 1, 10000);
    /* Consumers of applications.received in one group: while one waits for
     * its batch's acknowledgements (or its data keys), another resolves. */
    consumers = (int)config_int("ATSB_QUESTIONS_CONSUMERS", 2, 1, MAX_CONSUMERS);

    if (service_start(&spec, &svc) != 0) return EXIT_FAILURE;
    rctx.db = svc.db;
    rctx.producer = svc.producer;
    pthread_t th[MAX_CONSUMERS + 2];
    int nth = consumers + 2, started = 0, rc = EXIT_SUCCESS;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL,
                           started == 0 ? events_thread : started == 1 ? sweep_thread : received_thread,
                           NULL) != 0) {
            fprintf(stderr, "questions: cannot start threads\n");
            shutdown_request();
            rc = EXIT_FAILURE;
            break;
        }
    erasure_listener *erasure = erasure_listener_start(&svc, "questions", held_erase, NULL);
    if (!erasure) {
        shutdown_request();
        rc = EXIT_FAILURE;
    }
    service_wait(&svc);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    if (erasure_listener_join(erasure)) rc = EXIT_FAILURE;
    service_stop(&svc);
    return rc;
}
