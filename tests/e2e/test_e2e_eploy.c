/* Seed 001 (Eploy), its own acceptance process through the whole stack:
 * the client-credential connection, an application with source value
 * `stepstone` (the account's label for stepstone_de), the shared daily
 * quota spent → deferred and delivered once the quota is back, and a
 * client address off the allow-list → connection error in the connection
 * health and a notification to the account's notification_url. */
#include "harness.h"
#include "notify_sink.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static stack s;
static char *const env[] = {"ATSB_EPLOY_QUOTA_RECHECK_S=2", "ATSB_DELIVERY_MAX_ATTEMPTS=50", NULL};
static void setup(void) {
    stack_start(&s, env);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(e2e_eploy, .init = setup, .fini = teardown, .timeout = 180);

static int has_last_error(json_object *o, void *arg) {
    (void)arg;
    return *js(o, "last_error") != '\0';
}

Test(e2e_eploy, seed_001_acceptance) {
    /* 1. The client-credential connection is healthy and shows no secret. */
    char *raw = NULL, url[256];
    snprintf(url, sizeof url, "%s/v1/accounts/demo-eploy/connections/Connection-OAuth-1", s.url[STACK_DELIVERY]);
    cr_assert_eq(harness_http("GET", url, NULL, STACK_ADMIN, &raw), 200);
    json_object *h = json_tokener_parse(raw);
    cr_expect_str_eq(js(h, "status"), "connected");
    cr_expect_str_eq(js(h, "client_id"), "demo-eploy-client");
    cr_expect_null(strstr(raw, "demo-eploy-secret"), "no secret in the health answer");
    json_object_put(h);
    free(raw);

    /* 2. An application lands once with the source value `stepstone`. */
    char body[8192], app_id[128];
    stack_eploy_app_json(body, sizeof body, "SS-E2E-EPLOY-1", "siobhan.e2e@example.org");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    json_object_put(stack_wait_app(&s, app_id, "delivered", 60000));
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL), *app = NULL;
    cr_assert_eq(stack_eploy_apps(ledger, "siobhan.e2e@example.org", &app), 1, "one application");
    cr_expect_str_eq(js(app, "Source"), "stepstone");
    cr_expect_str_eq(js(app, "VacancyId"), "demo-eploy-posting");
    json_object *answers = jo(app, "Answers");
    int years = 0;
    for (size_t i = 0; answers && i < json_object_array_length(answers); i++) {
        json_object *x = json_object_array_get_idx(answers, i);
        cr_expect_null(strchr(js(x, "QuestionId"), '/'), "Eploy QuestionIds: %s", js(x, "QuestionId"));
        if (!strcmp(js(x, "QuestionId"), "q-years")) years = !strcmp(js(x, "Value"), "4");
    }
    cr_expect(years, "q-years answered: %s", json_object_to_json_string(app));
    json_object_put(ledger);

    /* 3. The daily quota is spent: deferred (retrying, quota_exhausted), then
     * delivered once the quota is back. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/eploy/demo-eploy-site/quota",
                             "{\"limit\":5000,\"used\":5000}", NULL));
    stack_eploy_app_json(body, sizeof body, "SS-E2E-EPLOY-2", "quota.e2e@example.org");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    json_object *a = stack_wait_app(&s, app_id, "retrying", 60000);
    cr_expect(strstr(js(a, "last_error"), "quota"), "deferred for the quota: %s", json_object_to_json_string(a));
    json_object_put(a);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(stack_eploy_apps(ledger, "quota.e2e@example.org", NULL), 0, "nothing created while the quota is spent");
    json_object_put(ledger);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/eploy/demo-eploy-site/quota", "{\"limit\":5000,\"used\":0}",
                             NULL));
    json_object_put(stack_wait_app(&s, app_id, "delivered", 60000));
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(stack_eploy_apps(ledger, "quota.e2e@example.org", NULL), 1, "delivered once after the reset");
    json_object_put(ledger);

    /* 4. Our address is not on the allow-list: the connection health shows the
     * error and the account's notification_url is told. */
    char notify[128];
    notify_sink *sink = notify_sink_start(0, notify, sizeof notify);
    char *secret = stack_notification_url(&s, "demo-eploy", notify);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/eploy/demo-eploy-site/client-ip", "{\"ip\":\"203.0.113.77\"}",
                             NULL));
    stack_eploy_app_json(body, sizeof body, "SS-E2E-EPLOY-3", "blocked.e2e@example.org");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    h = stack_poll(&s, STACK_DELIVERY, "/v1/accounts/demo-eploy/connections/Connection-OAuth-1", has_last_error, NULL,
                   60000);
    cr_assert(h && has_last_error(h, NULL), "connection error surfaced (logs in %s): %s", s.dir,
              h ? json_object_to_json_string(h) : "");
    cr_expect_neq(*js(h, "last_error_at"), '\0');
    json_object_put(h);
    int i = notify_sink_wait(sink, "connection_broken", 30000);
    cr_assert_geq(i, 0, "a notification was sent (logs in %s)", s.dir);
    cr_expect(notify_sink_verifies(sink, (size_t)i, secret), "signed with the account's secret");
    json_object *n = json_tokener_parse(notify_sink_get(sink, (size_t)i)->body);
    cr_expect_str_eq(js(n, "account_id"), "demo-eploy");
    cr_expect_neq(*js(n, "codes.0"), '\0');
    cr_expect_null(strstr(notify_sink_get(sink, (size_t)i)->body, "blocked.e2e@example.org"),
                   "no personal data in notifications");
    json_object_put(n);
    free(secret);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_expect_eq(stack_eploy_apps(ledger, "blocked.e2e@example.org", NULL), 0);
    json_object_put(ledger);
    notify_sink_stop(sink);

    /* The application waits for the connection instead of being dropped:
     * once the address is allowed again it is delivered. */
    json_object *w = stack_wait_app(&s, app_id, "retrying", 30000);
    json_object_put(w);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/eploy/demo-eploy-site/client-ip", "{\"ip\":\"\"}", NULL));
    json_object_put(stack_wait_app(&s, app_id, "delivered", 60000));
}

static int export_done(json_object *o, void *arg) {
    (void)arg;
    return ji(o, "pending") == 0 && strcmp(js(o, "state"), "running") != 0;
}

static json_object *export_candidate(const char *name, const char *email) {
    char *cv = stack_pdf_b64(name);
    size_t len = strlen(cv) + 1024;
    char *body = malloc(len);
    snprintf(body, len,
             "{\"name\":\"%s\",\"account_id\":\"demo-eploy\",\"duplicate_policy\":\"skip\",\"candidates\":["
             "{\"id\":\"pb-eploy-1\",\"first_name\":\"Aoife\",\"last_name\":\"Byrne\",\"email\":\"%s\","
             "\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}]}]}",
             name, email, cv);
    free(cv);
    json_object *o = NULL;
    long st = stack_http(&s, STACK_INGEST, "POST", "/v1/exports", body, "Authorization: Bearer " STACK_TOOL_KEY, &o);
    free(body);
    cr_assert_eq(st, 202, "export: %ld %s", st, o ? json_object_to_json_string(o) : "");
    char path[256];
    snprintf(path, sizeof path, "/v1/exports/%s", js(o, "export_task_id"));
    json_object_put(o);
    json_object *t = stack_poll(&s, STACK_STATUS, path, export_done, NULL, 60000);
    cr_assert(t && export_done(t, NULL), "export not finished (logs in %s): %s", s.dir,
              t ? json_object_to_json_string(t) : "(none)");
    return t;
}

/* A sourcing-tool export into Eploy without a vacancy: the candidate and
 * the CV, no application; exported again with duplicate_policy skip, the
 * candidate is found, not created twice. */
Test(e2e_eploy, export_without_vacancy_creates_the_candidate_with_documents) {
    const char *email = "aoife.export.e2e@example.org";
    /* In test mode only test postings are delivered, and an export without one is held. */
    json_object_put(stack_ok(&s, STACK_STATUS, "POST", "/v1/accounts/demo-eploy/go-live", NULL, STACK_ADMIN));
    json_object *t = export_candidate("Talent pool", email);
    cr_expect_eq(ji(t, "delivered"), 1, "%s", json_object_to_json_string(t));
    json_object_put(t);
    t = export_candidate("Talent pool again", email);
    cr_expect_eq(ji(t, "duplicates"), 1, "found, not created again: %s", json_object_to_json_string(t));
    json_object_put(t);

    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    json_object *cands = jo(ledger, "eploy.candidates"), *docs = jo(ledger, "eploy.documents");
    long long cid = -1;
    int n = 0;
    for (size_t i = 0; cands && i < json_object_array_length(cands); i++) {
        json_object *c = json_object_array_get_idx(cands, i);
        if (!strcasecmp(js(c, "EmailAddress"), email)) {
            cid = ji(c, "CandidateId");
            n++;
        }
    }
    cr_assert_eq(n, 1, "exactly one candidate");
    int cvs = 0;
    for (size_t i = 0; docs && i < json_object_array_length(docs); i++) {
        json_object *d = json_object_array_get_idx(docs, i);
        if (ji(d, "CandidateId") == cid && !strcmp(js(d, "DocumentType"), "CV")) cvs++;
    }
    cr_expect_eq(cvs, 1, "the CV is on the candidate");
    cr_expect_eq(stack_eploy_apps(ledger, email, NULL), 0, "no application without a vacancy");
    json_object_put(ledger);
}
