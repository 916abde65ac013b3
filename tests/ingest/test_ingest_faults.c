/* Dependencies down: with the brokers down an application is answered 503
 * with Retry-After and nothing is stored; once they are back the same
 * request succeeds. Callbacks waiting for the brokers hold no HTTP worker,
 * are bounded, and leave no replay claim behind their 503. The same with
 * the database refusing connections. And without status.accounts (status
 * not migrated yet) the account is unknown. */
#include "callbacks.h"
#include "crypto.h"
#include "harness.h"
#include "ingest_support.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* A signed provider callback for order ord-N. */
typedef struct {
    char body[256], ts[24], sig[CRYPTO_SHA256_HEX];
    ingest_resp r;
    atomic_int answered;
} callback;

static void callback_make(callback *cb, int n) {
    snprintf(cb->body, sizeof cb->body,
             "{\"order_id\":\"ord-%d\",\"status\":\"Completed\",\"reference\":\"chk_%d\","
             "\"occurred_at\":\"2026-11-24T10:00:00Z\"}",
             n, n);
    snprintf(cb->ts, sizeof cb->ts, "%lld", (long long)time(NULL));
    bgcheck_callback_sign("provider-callback-secret-1", cb->ts, cb->body, strlen(cb->body), cb->sig);
    atomic_store(&cb->answered, 0);
}

static void callback_post(callback *cb) {
    char url[256], th[64], sh[128];
    snprintf(url, sizeof url, "%s/v1/callbacks/bgcheck/asurint", P.base);
    snprintf(th, sizeof th, "X-Provider-Timestamp: %s", cb->ts);
    snprintf(sh, sizeof sh, "X-Provider-Signature: %s", cb->sig);
    const char *h[] = {th, sh, NULL};
    ingest_http("POST", url, "application/json", cb->body, strlen(cb->body), h, &cb->r);
    atomic_store(&cb->answered, 1);
}

static void *callback_thread(void *arg) {
    callback_post(arg);
    return NULL;
}

/* ingest's atsb_ingest_pending gauge. */
static long pending(void) {
    char url[128];
    snprintf(url, sizeof url, "%s/metrics", P.base);
    ingest_resp r;
    ingest_http("GET", url, NULL, NULL, 0, NULL, &r);
    const char *m = r.body ? strstr(r.body, "\natsb_ingest_pending{}") : NULL;
    long v = m ? strtol(m + strlen("\natsb_ingest_pending{}"), NULL, 10) : -1;
    ingest_resp_free(&r);
    return v;
}

Test(ingest_faults, callbacks_waiting_for_the_broker_hold_no_worker_and_no_claim) {
    if (!getenv("ATSB_DEVBROKER_CONTROL") || !*getenv("ATSB_DEVBROKER_CONTROL")) {
        ingest_stop(&P);
        cr_skip_test("needs devbroker fault injection");
    }
    /* Two HTTP workers, two callbacks allowed to wait. */
    ingest_stop(&P);
    ingest_start_env(&P, 0, "ATSB_HTTP_WORKERS=2");
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/providers/asurint/callback-secret",
                                  "{\"secret\":\"provider-callback-secret-1\"}"),
                 200);
    char topic[256];
    ingest_topic(&P, "bgcheck.updates", topic, sizeof topic);
    int64_t before = topic_count(topic);
    callback cb[3];
    for (int i = 0; i < 3; i++) callback_make(&cb[i], 100 + i);
    brokers("down");
    pthread_t t[2];
    for (int i = 0; i < 2; i++) cr_assert_eq(pthread_create(&t[i], NULL, callback_thread, &cb[i]), 0);
    for (int i = 0; i < 200 && pending() < 2; i++) usleep(10000);
    cr_assert_eq(pending(), 2, "both callbacks waiting for Kafka");
    /* Both workers would be held if the callbacks waited on them. */
    char *bad = "{}";
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", "dev-stepstone-key", bad, &r);
    cr_expect(r.status == 400 || r.status == 422, "%ld %s", r.status, r.body);
    ingest_resp_free(&r);
    cr_expect(!atomic_load(&cb[0].answered) && !atomic_load(&cb[1].answered),
              "the application was answered only after the waiting callbacks");
    /* ATSB_INGEST_PENDING_MAX=2 in the test environment: a third waits for nothing. */
    callback_post(&cb[2]);
    cr_expect_eq(cb[2].r.status, 503, "%s", cb[2].r.body);
    cr_expect(cb[2].r.body && strstr(cb[2].r.body, "server_busy"), "%s", cb[2].r.body);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(cb[i].r.status, 503, "%s", cb[i].r.body); /* the message timed out */
        cr_expect(cb[i].r.body && strstr(cb[i].r.body, "dependency_unavailable"), "%s", cb[i].r.body);
    }
    brokers("up");
    /* Nothing was claimed: the provider's retries are taken, once each. */
    for (int i = 0; i < 3; i++) {
        ingest_resp_free(&cb[i].r);
        long status = 0;
        for (int k = 0; k < 15 && status != 200; k++) {
            callback_post(&cb[i]);
            status = cb[i].r.status;
            cr_assert(status == 200 || status == 503, "retry: %ld %s", status, cb[i].r.body);
            ingest_resp_free(&cb[i].r);
            if (status != 200) sleep(2);
        }
        cr_expect_eq(status, 200);
    }
    cr_expect_eq(pending(), 0);
    cr_expect_geq(topic_count(topic), before + 3);
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
