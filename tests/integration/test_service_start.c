/* Each service starts against the test PostgreSQL and broker, applies its
 * migrations, answers /healthz, /readyz and /metrics, and stops on SIGTERM;
 * a bad configuration value exits 2 naming the variable. */
#include "harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void start_and_probe(const char *svc, const char *addr_var) {
    harness_env_load();
    char dsn[512];
    harness_create_db(dsn, sizeof dsn);
    int port = harness_free_port();
    char bin[512], addr[128], dsn_env[640], log[512], url[256];
    snprintf(bin, sizeof bin, "%s/services/%s/atsb-%s", ATSB_BIN_DIR, svc, svc);
    snprintf(addr, sizeof addr, "%s=127.0.0.1:%d", addr_var, port);
    snprintf(dsn_env, sizeof dsn_env, "ATSB_PG_DSN=%s", dsn);
    snprintf(log, sizeof log, "%s/testenv/%s-start.log", ATSB_BIN_DIR, svc);
    char *argv[] = {bin, NULL};
    char *env[] = {addr, dsn_env, NULL};
    pid_t pid = harness_spawn(argv, env, log);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    cr_assert_eq(harness_wait_http(url, 30000), 0, "%s /healthz not up (see %s)", svc, log);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/readyz", port);
    cr_assert_eq(harness_wait_http(url, 30000), 0, "%s /readyz not 200", svc);
    char *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &body), 200);
    cr_assert(strstr(body, "atsb_http_requests_total"), "%s", body);
    free(body);

    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s did not exit cleanly on SIGTERM", svc);
}

Test(service_start, ingest) { start_and_probe("ingest", "ATSB_INGEST_ADDR"); }
Test(service_start, questions) { start_and_probe("questions", "ATSB_QUESTIONS_ADDR"); }
Test(service_start, delivery) { start_and_probe("delivery", "ATSB_DELIVERY_ADDR"); }
Test(service_start, status) { start_and_probe("status", "ATSB_STATUS_ADDR"); }

Test(service_start, bad_config_exits_2_naming_the_variable) {
    char bin[512], log[512];
    snprintf(bin, sizeof bin, "%s/services/ingest/atsb-ingest", ATSB_BIN_DIR);
    snprintf(log, sizeof log, "%s/testenv/badconfig.log", ATSB_BIN_DIR);
    unlink(log);
    char *argv[] = {bin, NULL};
    char *env[] = {"ATSB_PG_POOL=many", "ATSB_DEV=1", NULL}; /* no env file loaded: development secrets */
    pid_t pid = harness_spawn(argv, env, log);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "expected exit 2");
    char *out = harness_read_file(log);
    cr_assert(out && strstr(out, "ATSB_PG_POOL"), "message must name the variable: %s", out);
    free(out);
}
