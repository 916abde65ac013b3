/* atssim: every fault mode, the global latency and the request counters. */
#include "simtest.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(atssim_faults, .init = simtest_start, .fini = simtest_stop, .timeout = 60);

static void fault(const char *spec) {
    simtest_resp r;
    simtest_json(&r, "POST", "/_sim/faults", spec, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
}

static void lift_limits(void) {
    simtest_resp r;
    simtest_json(&r, "POST", "/_sim/lever/rate-limit", "{\"rate\":0,\"apply_rate\":0}", NULL);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
}

#define OPP(email) "{\"name\":\"Fault Test\",\"emails\":[\"" email "\"],\"postings\":[\"demo-lever-posting\"]}"
#define CREATE "/lever/v1/opportunities?perform_as=user-recruiter"

/* requests.targets[target].<member path> (target names contain dots). */
static int count(json_object *requests, const char *target, const char *member) {
    json_object *t = NULL;
    json_object_object_get_ex(simtest_get(requests, "targets"), target, &t);
    return t ? json_object_get_int(simtest_get(t, member)) : -1;
}

static int ledger_opps(void) {
    simtest_resp r;
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    int n = (int)json_object_array_length(simtest_get(r.json, "lever.opportunities"));
    simtest_resp_free(&r);
    return n;
}

Test(atssim_faults, status_with_retry_after_and_count) {
    char at[128], ra[16];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    lift_limits();
    fault("{\"target\":\"lever.create_opportunity\",\"mode\":\"status\",\"status\":503,\"retry_after_s\":2,\"count\":2}");
    simtest_resp r;
    for (int i = 0; i < 2; i++) {
        simtest_json(&r, "POST", CREATE, OPP("a@example.org"), at);
        cr_assert_eq(r.status, 503);
        cr_assert_str_eq(simtest_str(r.json, "code"), "ServiceUnavailableError", "Lever's error shape");
        cr_assert_str_eq(simtest_header(&r, "Retry-After", ra, sizeof ra), "2");
        simtest_resp_free(&r);
    }
    cr_assert_eq(ledger_opps(), 0, "a status fault stores nothing");
    simtest_json(&r, "POST", CREATE, OPP("a@example.org"), at);
    cr_assert_eq(r.status, 201, "count exhausted: %s", r.body);
    simtest_resp_free(&r);
    /* Other targets are not affected; the Eploy shape differs. */
    fault("{\"target\":\"eploy.*\",\"mode\":\"status\",\"status\":500}");
    simtest_req(&r, "POST", "/eploy/demo-eploy-site/api/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_id=demo-eploy-client&client_secret=demo-eploy-secret", 0, NULL, 0);
    cr_assert_eq(r.status, 500);
    cr_assert(simtest_str(r.json, "Message"), "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/requests", NULL, NULL);
    cr_assert_eq(count(r.json, "lever.create_opportunity", "requests"), 3);
    cr_assert_eq(count(r.json, "lever.create_opportunity", "responses.503"), 2);
    cr_assert_eq(count(r.json, "lever.create_opportunity", "responses.201"), 1);
    simtest_resp_free(&r);
    /* A bad fault is refused with the reason. */
    simtest_json(&r, "POST", "/_sim/faults", "{\"target\":\"lever.nope\",\"mode\":\"status\"}", NULL);
    cr_assert_eq(r.status, 422);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/_sim/faults", "{\"target\":\"lever.apply\",\"mode\":\"sideways\"}", NULL);
    cr_assert_eq(r.status, 422);
    simtest_resp_free(&r);
}

Test(atssim_faults, latency_and_global_latency) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    lift_limits();
    fault("{\"target\":\"lever.list_stages\",\"mode\":\"latency\",\"latency_ms\":300,\"count\":1}");
    simtest_resp r;
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_eq(r.status, 200);
    cr_assert_geq(r.seconds, 0.29, "took %f s", r.seconds);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_lt(r.seconds, 0.25);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/_sim/latency", "{\"ms\":150}", NULL);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_geq(r.seconds, 0.14);
    simtest_resp_free(&r);
}

Test(atssim_faults, hang_never_answers) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    fault("{\"target\":\"lever.get_posting\",\"mode\":\"hang\"}");
    char auth[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", at);
    const char *h[] = {auth, NULL};
    simtest_resp r;
    simtest_req(&r, "GET", "/lever/v1/postings/demo-lever-posting", NULL, NULL, 0, h, 300);
    cr_assert_eq(r.curl_rc, CURLE_OPERATION_TIMEDOUT, "curl rc %d status %ld", r.curl_rc, r.status);
    simtest_resp_free(&r);
    /* Clearing the faults releases hanging requests and lets new ones through. */
    simtest_json(&r, "DELETE", "/_sim/faults", NULL, NULL);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_req(&r, "GET", "/lever/v1/postings/demo-lever-posting", NULL, NULL, 0, h, 2000);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
}

Test(atssim_faults, commit_then_fail_stores_but_answers_500) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    lift_limits();
    fault("{\"target\":\"lever.create_opportunity\",\"mode\":\"commit_then_fail\",\"count\":1}");
    simtest_resp r;
    simtest_json(&r, "POST", CREATE, OPP("c@example.org"), at);
    cr_assert_eq(r.status, 500, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "code"), "InternalServerError");
    simtest_resp_free(&r);
    cr_assert_eq(ledger_opps(), 1, "the entity was stored");
    /* A client that retries blindly creates a duplicate, visible in create_requests. */
    simtest_json(&r, "POST", CREATE, OPP("c@example.org"), at);
    cr_assert_eq(r.status, 201);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "lever.opportunities.0.create_requests")), 2);
    simtest_resp_free(&r);
}

Test(atssim_faults, drop_closes_the_connection) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    lift_limits();
    fault("{\"target\":\"lever.create_opportunity\",\"mode\":\"drop\",\"count\":1}");
    simtest_resp r;
    simtest_json(&r, "POST", CREATE, OPP("d@example.org"), at);
    cr_assert_eq(r.status, 0);
    cr_assert(r.curl_rc == CURLE_GOT_NOTHING || r.curl_rc == CURLE_RECV_ERROR || r.curl_rc == CURLE_SEND_ERROR,
              "curl rc %d", r.curl_rc);
    simtest_resp_free(&r);
    cr_assert_eq(ledger_opps(), 0, "a plain drop stores nothing");
    /* drop with commit: stored, then the connection is closed. */
    fault("{\"target\":\"lever.create_opportunity\",\"mode\":\"drop\",\"commit\":true,\"count\":1}");
    simtest_json(&r, "POST", CREATE, OPP("d@example.org"), at);
    cr_assert_eq(r.status, 0);
    simtest_resp_free(&r);
    cr_assert_eq(ledger_opps(), 1);
    simtest_json(&r, "GET", "/_sim/requests", NULL, NULL);
    cr_assert_eq(count(r.json, "lever.create_opportunity", "responses.dropped"), 2);
    simtest_resp_free(&r);
}

Test(atssim_faults, probability_zero_never_fires_and_targets_are_listed) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    fault("{\"target\":\"*\",\"mode\":\"status\",\"probability\":0}");
    simtest_resp r;
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/faults/targets", NULL, NULL);
    cr_assert(strstr(r.body, "\"provider.create_order\""));
    cr_assert(strstr(r.body, "\"eploy.create_application\""));
    simtest_resp_free(&r);
}
