/* Dependencies down: with the brokers down an application is answered 503
 * with Retry-After and nothing is stored; once they are back the same
 * request succeeds. The same with the database refusing connections. And
 * without status.accounts (status not migrated yet) the account is unknown. */
#include "harness.h"
#include "ingest_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ingest_proc P;

static void brokers(const char *state) {
    const char *control = getenv("ATSB_DEVBROKER_CONTROL");
    for (int id = 1; id <= 3; id++) {
        char url[256];
        snprintf(url, sizeof url, "%s/brokers/%d/%s", control, id, state);
        cr_assert_eq(harness_http("POST", url, "{}", NULL, NULL), 200, "devbroker %s", url);
    }
}

static void setup(void) { ingest_start(&P, 0); }
static void teardown(void) {
    if (getenv("ATSB_DEVBROKER_CONTROL")) brokers("up");
    ingest_stop(&P);
}

TestSuite(ingest_faults, .init = setup, .fini = teardown, .timeout = 240);

static const char PDF[] = "%PDF-1.4\nfault test\n%%EOF\n";

Test(ingest_faults, broker_down_is_503_and_nothing_half_stored) {
    if (!getenv("ATSB_DEVBROKER_CONTROL") || !*getenv("ATSB_DEVBROKER_CONTROL")) {
        ingest_stop(&P); /* a skipped test gets no fini */
        cr_skip_test("needs devbroker fault injection");
    }
    char received[256];
    ingest_topic(&P, "applications.received", received, sizeof received);
    int64_t before = topic_count(received);
    char *doc = b64(PDF, sizeof PDF - 1);
    char *json = sample_application("SS-fault", "Zoe", doc);
    brokers("down");
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", "dev-stepstone-key", json, &r);
    cr_assert_eq(r.status, 503, "%s", r.body);
    cr_assert(strstr(r.body, "dependency_unavailable"), "%s", r.body);
    cr_assert_str_eq(r.retry_after, "2");
    ingest_resp_free(&r);
    cr_assert_eq(db_scalar(P.dsn, "SELECT count(*) FROM ingest.idempotency_keys", 0, NULL), 0);
    cr_assert_eq(db_scalar(P.dsn, "SELECT count(*) FROM ingest.documents", 0, NULL), 0);
    brokers("up");

    /* The board retries after Retry-After until the broker is reachable again. */
    long status = 0;
    for (int i = 0; i < 15 && status != 202; i++) {
        ingest_post_json(&P, "/v1/applications", "dev-stepstone-key", json, &r);
        status = r.status;
        cr_assert(status == 202 || status == 503, "retry: %ld %s", status, r.body);
        ingest_resp_free(&r);
        if (status != 202) sleep(2);
    }
    cr_assert_eq(status, 202);
    cr_assert_eq(db_scalar(P.dsn, "SELECT count(*) FROM ingest.idempotency_keys", 0, NULL), 1);
    cr_assert_eq(db_scalar(P.dsn, "SELECT count(*) FROM ingest.documents", 0, NULL), 1);
    cr_assert_geq(topic_count(received), before + 1);
    free(json);
    free(doc);
}

static void allow_connections(const char *allow) {
    /* A database name is an identifier, which cannot be a parameter: the
     * name harness_create_db made ([a-z0-9_]) is checked, then quoted. */
    cr_assert(strspn(P.dbname, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(P.dbname), "%s", P.dbname);
    cr_assert(!strcmp(allow, "true") || !strcmp(allow, "false"));
    char sql[512];
    snprintf(sql, sizeof sql, "ALTER DATABASE \"%s\" ALLOW_CONNECTIONS %s", P.dbname, allow);
    db_exec(getenv("ATSB_PG_DSN"), sql);
    if (!strcmp(allow, "false")) {
        const char *p[] = {P.dbname};
        db_scalar(getenv("ATSB_PG_DSN"),
                  "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1", 1, p);
    }
}

Test(ingest_faults, database_down_is_503_then_recovers) {
    char *json = sample_application("SS-pg", "Zoe", NULL);
    allow_connections("false");
    ingest_resp r;
    for (int i = 0; i < 3; i++) { /* the first finds its connection dead, the next cannot reconnect */
        ingest_post_json(&P, "/v1/applications", "dev-stepstone-key", json, &r);
        cr_assert_eq(r.status, 503, "%s", r.body);
        cr_assert_str_eq(r.retry_after, "2");
        cr_assert(strstr(r.body, "dependency_unavailable"), "%s", r.body);
        ingest_resp_free(&r);
    }
    char url[128];
    snprintf(url, sizeof url, "%s/readyz", P.base);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, NULL), 503);
    allow_connections("true");
    ingest_post_json(&P, "/v1/applications", "dev-stepstone-key", json, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    ingest_resp_free(&r);
    free(json);
}

Test(ingest_faults, missing_status_schema_means_not_granted) {
    ingest_proc q;
    ingest_start(&q, 1);
    char *json = sample_application("SS-nostatus", "Zoe", NULL);
    ingest_resp r;
    ingest_post_json(&q, "/v1/applications", "dev-stepstone-key", json, &r);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert(strstr(r.body, "not_granted"), "%s", r.body);
    ingest_resp_free(&r);
    free(json);
    ingest_stop(&q);
}
