/* Every service's /metrics on the whole stack (tests/e2e/stack.c plus
 * atsb-console), after three Lever deliveries through a limiter of one
 * apply a second (so the second and third wait for it): each answer saved
 * under <dir>/metrics/, then tests/observability/check_live_metrics.sh runs
 * `promtool check metrics` on each and checks every metric name of the
 * alert rules and the Grafana dashboard (deploy/observability) against the
 * families they show (tests/observability/promql_names.js). Also the
 * metrics added for the alerts: atsb_delivery_connections,
 * atsb_delivery_rate_limit_waits_total and atsb_service_info. */
#include "harness.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static stack s;
static char console_url[64];

static void start(void) {
    char *extra[] = {"ATSB_LEVER_APPLY_RATE=1", "ATSB_LEVER_APPLY_BURST=1", NULL};
    stack_start(&s, extra);
    stack_seed(&s);
    int port = harness_free_port();
    snprintf(console_url, sizeof console_url, "http://127.0.0.1:%d", port);
    stack_console_start(&s, port, console_url);
}

static void stop(void) { stack_stop(&s); }

/* GET base/metrics; the body (malloc'd), asserting 200. */
static char *metrics_of(const char *base) {
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/metrics", base);
    long st = harness_http("GET", url, NULL, NULL, &body);
    cr_assert_eq(st, 200, "GET %s: %ld", url, st);
    cr_assert_not_null(body);
    return body;
}

/* Polls base/metrics until it holds every needle; the last body (malloc'd). */
static char *metrics_with(const char *base, const char *const *needles, int timeout_ms) {
    for (int waited = 0;; waited += 250) {
        char *m = metrics_of(base);
        int all = 1;
        for (const char *const *n = needles; *n && all; n++) all = strstr(m, *n) != NULL;
        if (all) return m;
        if (waited >= timeout_ms) {
            for (const char *const *n = needles; *n; n++)
                cr_expect(strstr(m, *n), "%s/metrics lacks %s:\n%s", base, *n, m);
            return m;
        }
        free(m);
        usleep(250 * 1000);
    }
}

static void save(const char *dir, const char *name, const char *body) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.txt", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(body, f);
    cr_assert_eq(fclose(f), 0);
}

Test(metrics_live, every_service_passes_promtool_and_serves_what_alerts_and_dashboard_use, .init = start,
     .fini = stop, .timeout = 240) {
    /* Three applications at once: the limiter (1 a second, burst 1) defers two. */
    char ids[3][128];
    for (int i = 0; i < 3; i++) {
        char body[4096], board_id[32], email[64];
        snprintf(board_id, sizeof board_id, "SS-OBS-%d", i);
        snprintf(email, sizeof email, "obs.%d@example.org", i);
        stack_lever_app_json(body, sizeof body, board_id, email, "demo-lever-posting");
        cr_assert_eq(stack_apply(&s, body, ids[i], sizeof ids[i]), 202, "application %d not accepted", i);
    }
    for (int i = 0; i < 3; i++) json_object_put(stack_wait_app(&s, ids[i], "delivered", 90000));
    /* Requests the console answers itself and through status. */
    char url[128], *page = NULL;
    snprintf(url, sizeof url, "%s/sign-in", console_url);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &page), 200);
    free(page);

    /* The connections gauge (every 15 s) and the consumer lag (librdkafka statistics, every 5 s). */
    static const char *const delivery_needles[] = {
        "atsb_service_info{service=\"delivery\"} 1\n",
        "atsb_delivery_connections{ats=\"lever\",state=\"connected\"} 1\n",
        "atsb_delivery_connections{ats=\"lever\",state=\"broken\"} 0\n",
        "atsb_delivery_connections{ats=\"eploy\",state=\"connected\"} 1\n",
        "atsb_delivery_rate_limit_waits_total{ats=\"lever\",source=\"limiter\"} ",
        "atsb_delivery_delivered_total{",
        "atsb_kafka_consumer_lag{group=",
        NULL};
    static const char *const ingest_needles[] = {"atsb_service_info{service=\"ingest\"} 1\n",
                                                 "atsb_http_requests_total{route=\"/v1/applications\",code=\"202\"} 3\n",
                                                 NULL};
    static const char *const questions_needles[] = {"atsb_service_info{service=\"questions\"} 1\n",
                                                    "atsb_kafka_consumer_lag{group=", NULL};
    static const char *const status_needles[] = {"atsb_service_info{service=\"status\"} 1\n",
                                                 "atsb_kafka_consumer_lag{group=", NULL};
    static const char *const console_needles[] = {"atsb_service_info{service=\"console\"} 1\n",
                                                  "atsb_http_requests_total{route=\"/sign-in\",code=\"200\"} 1\n",
                                                  NULL};
    /* Families declared before their first series: HELP and TYPE, no sample. */
    static const char *const declared[] = {"# TYPE atsb_deadletters_total counter\n", NULL};
    struct {
        const char *name, *base;
        const char *const *needles;
    } svc[] = {
        {"ingest", s.url[STACK_INGEST], ingest_needles},
        {"questions", s.url[STACK_QUESTIONS], questions_needles},
        {"delivery", s.url[STACK_DELIVERY], delivery_needles},
        {"status", s.url[STACK_STATUS], status_needles},
        {"console", console_url, console_needles},
    };
    char dir[400];
    snprintf(dir, sizeof dir, "%s/metrics", s.dir);
    cr_assert(mkdir(dir, 0755) == 0 || access(dir, W_OK) == 0, "cannot create %s", dir);
    for (size_t i = 0; i < sizeof svc / sizeof svc[0]; i++) {
        char *m = metrics_with(svc[i].base, svc[i].needles, 30000);
        if (strcmp(svc[i].name, "console") != 0)
            for (const char *const *d = declared; *d; d++)
                cr_expect(strstr(m, *d), "%s/metrics lacks %s", svc[i].name, *d);
        save(dir, svc[i].name, m);
        free(m);
    }

    char *argv[] = {"/usr/bin/env", "bash", ATSB_SOURCE_DIR "/tests/observability/check_live_metrics.sh", dir,
                    ATSB_SOURCE_DIR, NULL};
    char log[500];
    snprintf(log, sizeof log, "%s/check_live_metrics.log", s.dir);
    int st = harness_run(argv, NULL, log);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77) cr_skip_test("promtool is not installed (Debian package prometheus)");
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check_live_metrics.sh failed (above; answers in %s)", dir);
}
