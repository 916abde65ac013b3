/* delivery under the simulator's faults: commit-then-fail, 5xx, 429 storms,
 * permanent 4xx to the dead-letter topic, 401 with refresh rotation,
 * invalid_grant (broken connection on the audit trail), Eploy's daily
 * quota (deferred, not failed), dry-run and test mode. */
#include "credentials.h"
#include "lever_scopes.h"
#include "dtest.h"
#include "harness.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }
TestSuite(delivery_faults, .init = setup, .fini = teardown, .timeout = 240);

static void fault(const char *json) { json_object_put(dtest_sim(&t, "POST", "/_sim/faults", json)); }

static void lever_account(const char *mode) {
    dtest_account(&t, "acc", "lever", mode, NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");
}

/* Exactly one opportunity for email, created by one request. */
static void one_opportunity(const char *email) {
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_assert_eq(dtest_lever_opps(ledger, email, &opp), 1, "one opportunity");
    cr_assert_eq(dtest_jint(opp, "create_requests"), 1, "created by exactly one request");
    json_object_put(ledger);
}

static int count_events(json_object *events, const char *app, const char *type, const char *code) {
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        if (!strcmp(dtest_jstr(e, "application_id"), app) && !strcmp(dtest_jstr(e, "type"), type) &&
            (!code || !strcmp(dtest_jstr(e, "error_code"), code)))
            n++;
    }
    return n;
}

Test(delivery_faults, commit_then_fail_adopts_instead_of_duplicating) {
    lever_account("live");
    fault("{\"target\":\"lever.apply\",\"mode\":\"commit_then_fail\",\"status\":500,\"count\":1}");
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 1, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
    one_opportunity(a.email);
    const char *p[] = {a.app_id};
    char *adopted = dtest_query1(&t, "SELECT adopted FROM delivery.ledger WHERE application_id=$1", 1, p);
    cr_assert_str_eq(adopted, "t", "the existing candidate was adopted");
    free(adopted);
    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 2000);
    cr_assert_geq(count_events(events, a.app_id, "retrying", NULL), 1);
    cr_assert_eq(count_events(events, a.app_id, "delivered", NULL), 1);
    json_object_put(events);
}

Test(delivery_faults, server_errors_then_success_and_429_storm) {
    lever_account("live");
    fault("{\"target\":\"lever.apply\",\"mode\":\"status\",\"status\":503,\"count\":2}");
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
    one_opportunity(a.email);
    const char *p[] = {a.app_id};
    char *attempt = dtest_query1(&t, "SELECT attempt FROM delivery.ledger WHERE application_id=$1", 1, p);
    cr_assert_str_eq(attempt, "3", "two 503s, delivered on the third attempt");
    free(attempt);

    fault("{\"target\":\"lever.*\",\"mode\":\"status\",\"status\":429,\"retry_after_s\":1,\"count\":6}");
    dtest_app b;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &b);
    cr_assert_eq(dtest_wait_state(&t, b.app_id, "DELIVERED", 90000), 0, "see %s", t.dir);
    one_opportunity(b.email);
    const char *q[] = {b.app_id};
    attempt = dtest_query1(&t, "SELECT attempt FROM delivery.ledger WHERE application_id=$1", 1, q);
    cr_assert_str_eq(attempt, "1", "429s are not attempts");
    free(attempt);
    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 2000);
    cr_assert_geq(count_events(events, b.app_id, "retrying", "rate_limited"), 1);
    cr_assert_eq(count_events(events, b.app_id, "failed", NULL), 0);
    json_object_put(events);
}

/* The opportunity lookup after a successful apply meets 429s (seen in
 * test_chaos_pipeline's 429 storm): it is tried again, so the ledger (and
 * status) still learn the opportunity id. */
Test(delivery_faults, opportunity_lookup_after_apply_survives_429s) {
    lever_account("live");
    fault("{\"target\":\"lever.list_opportunities\",\"mode\":\"status\",\"status\":429,"
          "\"retry_after_s\":1,\"count\":2}");
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_assert_eq(dtest_lever_opps(ledger, a.email, &opp), 1, "one opportunity");
    cr_assert_eq(dtest_jint(opp, "create_requests"), 1, "created by exactly one request");
    const char *p[] = {a.app_id};
    char *cand = dtest_query1(&t, "SELECT coalesce(ats_candidate_id,'') FROM delivery.ledger WHERE application_id=$1",
                              1, p);
    cr_assert_str_eq(cand, dtest_jstr(opp, "id"), "the ledger names the opportunity");
    free(cand);
    json_object_put(ledger);
}

Test(delivery_faults, permanent_4xx_goes_to_dead_letter_with_reason) {
    lever_account("live");
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "lever-posting-closed", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "FAILED", 60000), 0, "see %s", t.dir);
    json_object *dl = dtest_read_topic(&t, TOPIC_APPLICATIONS_DEADLETTER, 1000);
    cr_assert_eq(json_object_array_length(dl), 1);
    json_object *h;
    json_object_object_get_ex(json_object_array_get_idx(dl, 0), "headers", &h);
    cr_assert_str_eq(dtest_jstr(h, "error-code"), "BadRequestError");
    cr_assert_not_null(strstr(dtest_jstr(h, "error-message"), "HTTP 400"));
    cr_assert_not_null(dtest_jstr(h, "original-topic"));
    cr_assert_not_null(dtest_jstr(h, "original-offset"));
    cr_assert_not_null(dtest_jstr(h, "first-failure-ms"));
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_assert_eq(dtest_lever_opps(ledger, a.email, &opp), 0);
    json_object_put(ledger);
    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 1000);
    cr_assert_eq(count_events(events, a.app_id, "failed", "BadRequestError"), 1);
    json_object_put(events);
    json_object_put(dl);
}

Test(delivery_faults, unauthorized_refreshes_with_rotation) {
    lever_account("live");
    char *before = dtest_query1(&t, "SELECT encode(secret_box,'hex') FROM delivery.connections", 0, NULL);
    json_object_put(dtest_sim(&t, "POST", "/_sim/lever/tokens/expire", "{}"));
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
    one_opportunity(a.email);
    char *after = dtest_query1(&t, "SELECT encode(secret_box,'hex') FROM delivery.connections", 0, NULL);
    cr_assert_str_neq(before, after, "new token pair stored");
    free(before);
    free(after);
    char url[256], *metrics = NULL;
    snprintf(url, sizeof url, "%s/metrics", t.delivery);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &metrics), 200);
    cr_assert_not_null(strstr(metrics, "atsb_token_refreshes_total{ats=\"lever\",outcome=\"ok\"} 1"), "%s", metrics);
    free(metrics);
    /* The old refresh token died with the rotation: a second expiry refreshes again with the new one. */
    json_object_put(dtest_sim(&t, "POST", "/_sim/lever/tokens/expire", "{}"));
    dtest_app b;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &b);
    cr_assert_eq(dtest_wait_state(&t, b.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
}

/* delivery no longer notifies anyone itself: it records the broken
 * connection (once per connection, code and hour) and each failure on the
 * audit trail, and status notifies the operator from those events. */
Test(delivery_faults, invalid_grant_breaks_connection_and_records_it) {
    dtest_account(&t, "acc", "lever", "live", NULL);
    t.extra_env[t.nextra++] = "ATSB_DELIVERY_MAX_ATTEMPTS=2";
    dtest_start_delivery(&t);
    /* An expired access token and a refresh token Lever does not know. */
    PGconn *c = dtest_db(&t);
    cr_assert_eq(credentials_save(c, "acc", "Connection-OAuth-1", "lever", "", "", "production", LEVER_SCOPES_APPLY,
                                  "{\"access_token\":\"dead\",\"refresh_token\":\"sim-rt-unknown\"}", 1000), 0);
    PQfinish(c);
    dtest_app a, b;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &b);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "FAILED", 60000), 0, "see %s", t.dir);
    cr_assert_eq(dtest_wait_state(&t, b.app_id, "FAILED", 60000), 0, "see %s", t.dir);
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "%s/v1/accounts/acc/connections", t.delivery);
    cr_assert_eq(harness_http("GET", url, NULL, "Authorization: Bearer dev-admin-token", &body), 200);
    cr_assert_not_null(strstr(body, "\"status\":\"broken\""), "%s", body);
    free(body);
    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 2000);
    cr_assert_eq(count_events(events, a.app_id, "failed", NULL), 1);
    cr_assert_eq(count_events(events, b.app_id, "failed", NULL), 1);
    cr_assert_geq(count_events(events, "", "connection_broken", NULL), 1, "the broken connection is recorded");
    const char *all = json_object_to_json_string(events);
    cr_assert_null(strstr(all, a.email), "no personal data on the audit trail");
    cr_assert_null(strstr(all, b.email));
    json_object_put(events);
}

/* A token rotation whose result was never stored (a stale rotation mark):
 * the spent refresh token is not sent again; the connection asks for
 * re-authorization and the audit trail says so (connection_broken, detail
 * reauthorization_required), from which status notifies the operator. */
Test(delivery_faults, unsaved_rotation_records_reauthorization_required) {
    lever_account("live");
    dtest_sql(&t, "UPDATE delivery.connections SET access_expires_at = now() - interval '1 minute',"
                  " rotation_started_at = now() - interval '5 minutes'");
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    json_object *events = NULL;
    int found = 0;
    for (int waited = 0; waited < 30000 && !found; waited += 1000) {
        json_object_put(events);
        events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 1000);
        for (size_t i = 0; i < json_object_array_length(events); i++) {
            json_object *e = json_object_array_get_idx(events, i);
            if (!strcmp(dtest_jstr(e, "type"), "connection_broken") &&
                !strcmp(dtest_jstr(e, "detail"), "reauthorization_required"))
                found++;
        }
    }
    cr_assert_geq(found, 1, "connection_broken (reauthorization_required) on the audit trail (see %s)", t.dir);
    cr_assert_null(strstr(json_object_to_json_string(events), a.email), "no personal data on the audit trail");
    json_object_put(events);
    char *last = dtest_query1(&t, "SELECT last_error FROM delivery.connections", 0, NULL);
    cr_expect_str_eq(last, "token_rotation_unsaved");
    free(last);
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_expect_eq(dtest_lever_opps(ledger, a.email, &opp), 0, "nothing sent with a spent token");
    json_object_put(ledger);
}

Test(delivery_faults, eploy_quota_defers_without_failing) {
    dtest_account(&t, "acc", "eploy", "live", NULL);
    dtest_start_delivery(&t);
    cr_assert_eq(dtest_eploy_connection(&t, "acc", "demo-eploy-client", "demo-eploy-secret"), 201);
    json_object_put(dtest_sim(&t, "POST", "/_sim/eploy/demo-eploy-site/quota", "{\"limit\":3,\"used\":3}"));
    dtest_app a;
    dtest_produce(&t, "acc", "eploy", "demo-eploy-posting", 1, 0, &a);
    static const char *const tiers[] = {TOPIC_APPLICATIONS_RETRY_TIERS};
    json_object *retry = NULL;
    for (int i = 0; i < 100; i++) {
        retry = dtest_read_topics(&t, tiers, sizeof tiers / sizeof tiers[0], 500);
        if (json_object_array_length(retry) > 0) break;
        json_object_put(retry);
        retry = NULL;
    }
    cr_assert_not_null(retry, "deferred through a retry tier topic");
    json_object *h;
    json_object_object_get_ex(json_object_array_get_idx(retry, 0), "headers", &h);
    cr_assert_str_eq(dtest_jstr(h, "error-code"), "quota_exhausted");
    cr_assert_str_eq(dtest_jstr(h, "attempt"), "1", "not counted as an attempt");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long due = strtoll(dtest_jstr(h, "due-at-ms"), NULL, 10);
    cr_assert_gt(due, (long long)ts.tv_sec * 1000 + 1000, "due in the next quota window");
    cr_assert_not_null(dtest_jstr(h, "tier-due-ms"));
    long long tier_due = strtoll(dtest_jstr(h, "tier-due-ms"), NULL, 10);
    cr_assert(tier_due > 0 && tier_due <= due, "leaves its tier by its due time: %lld, %lld", tier_due, due);
    char *state = dtest_ledger_state(&t, a.app_id);
    cr_assert_str_eq(state, "PENDING");
    free(state);
    json_object *dl = dtest_read_topic(&t, TOPIC_APPLICATIONS_DEADLETTER, 500);
    cr_assert_eq(json_object_array_length(dl), 0);
    json_object_put(dl);
    json_object_put(retry);
}

/* ingest commits a document just after Kafka has the message: delivery
 * may see the reference first and must wait for it, not fail. */
Test(delivery_faults, document_not_yet_committed_is_retried) {
    dtest_account(&t, "acc", "lever", "live", NULL);
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 1, &a);
    dtest_sql(&t, "CREATE TABLE public.doc_hold AS SELECT * FROM ingest.documents; DELETE FROM ingest.documents");
    /* Enough attempts that a slow (sanitizer) run does not spend them all
     * before the document arrives. */
    t.extra_env[t.nextra++] = "ATSB_DELIVERY_MAX_ATTEMPTS=1000";
    t.extra_env[t.nextra++] = "ATSB_DELIVERY_BACKOFF_CAP_MS=500";
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");
    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 500);
    for (int i = 0; i < 60 && !count_events(events, a.app_id, "retrying", "document_missing"); i++) {
        json_object_put(events);
        events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 500);
    }
    cr_assert_geq(count_events(events, a.app_id, "retrying", "document_missing"), 1, "see %s", t.dir);
    cr_assert_eq(count_events(events, a.app_id, "failed", NULL), 0);
    json_object_put(events);
    dtest_sql(&t, "INSERT INTO ingest.documents SELECT * FROM public.doc_hold");
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
    one_opportunity(a.email);
}

Test(delivery_faults, dry_run_writes_nothing_and_test_mode_holds) {
    dtest_account(&t, "acc", "lever", "dry-run", NULL);
    dtest_account(&t, "acc-test", "lever", "test", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");
    dtest_lever_connection(&t, "acc-test");
    dtest_app a, b;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 1, &a);
    dtest_produce(&t, "acc-test", "lever", "lever-posting-driver-hamburg", 0, 0, &b);
    json_object *events = NULL;
    for (int i = 0; i < 60; i++) {
        json_object_put(events);
        events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 500);
        if (count_events(events, a.app_id, "dry_run", NULL) && count_events(events, b.app_id, "held", NULL)) break;
    }
    cr_assert_eq(count_events(events, a.app_id, "dry_run", NULL), 1);
    cr_assert_eq(count_events(events, b.app_id, "held", NULL), 1);
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        if (strcmp(dtest_jstr(e, "type"), "dry_run")) continue;
        const char *d = dtest_jstr(e, "detail");
        cr_assert_not_null(strstr(d, "/postings/demo-lever-posting/apply"), "%s", d);
        cr_assert_not_null(strstr(d, "[redacted]"));
        cr_assert_null(strstr(d, a.email), "redacted: %s", d);
        cr_assert_null(strstr(d, "Zo"), "redacted: %s", d);
    }
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_assert_eq(dtest_lever_opps(ledger, a.email, &opp), 0, "dry-run wrote nothing");
    cr_assert_eq(dtest_lever_opps(ledger, b.email, &opp), 0, "test mode held the live posting");
    json_object *req = dtest_sim(&t, "GET", "/_sim/requests", NULL);
    json_object *targets;
    json_object_object_get_ex(req, "targets", &targets);
    static const char *const writes[] = {"lever.apply", "lever.upload", "lever.create_opportunity",
                                         "lever.list_opportunities"};
    for (size_t i = 0; i < 4; i++)
        cr_assert(!json_object_object_get_ex(targets, writes[i], NULL), "no %s request reached the ATS", writes[i]);
    json_object_put(req);
    json_object_put(ledger);
    json_object_put(events);
}
