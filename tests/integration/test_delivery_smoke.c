/* delivery end to end against atssim: Lever and Eploy happy paths with a CV,
 * answers and source labels, the audit events, connection health, and the
 * Eploy connection flow (validated by a token before it is saved). */
#include "dtest.h"
#include "harness.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }
TestSuite(delivery_smoke, .init = setup, .fini = teardown, .timeout = 240);

static int has_event(json_object *events, const char *app, const char *type, json_object **out) {
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        if (!strcmp(dtest_jstr(e, "application_id"), app) && !strcmp(dtest_jstr(e, "type"), type)) {
            if (out) *out = e;
            return 1;
        }
    }
    return 0;
}

Test(delivery_smoke, lever_application_with_cv_answers_and_source) {
    dtest_account(&t, "acc-lever", "lever", "live", NULL);
    dtest_start_delivery(&t); /* applies delivery's migrations */
    dtest_lever_connection(&t, "acc-lever");
    dtest_app a;
    dtest_produce(&t, "acc-lever", "lever", "demo-lever-posting", 1, 1, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "not delivered (see %s)", t.dir);

    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_assert_eq(dtest_lever_opps(ledger, a.email, &opp), 1, "exactly one opportunity");
    cr_assert_eq(dtest_jint(opp, "create_requests"), 1);
    cr_assert_str_eq(dtest_jstr(opp, "origin"), "applied");
    cr_assert_str_eq(dtest_jstr(opp, "source"), "Totaljobs", "source label from the resolved application");
    json_object *files, *answers;
    cr_assert(json_object_object_get_ex(opp, "files", &files) && json_object_array_length(files) == 1, "CV attached");
    cr_assert(json_object_object_get_ex(opp, "answers", &answers) && json_object_array_length(answers) == 1);
    json_object *lever, *uploads;
    json_object_object_get_ex(ledger, "lever", &lever);
    json_object_object_get_ex(lever, "uploads", &uploads);
    int found = 0;
    for (size_t i = 0; i < json_object_array_length(uploads); i++)
        found |= !strcmp(dtest_jstr(json_object_array_get_idx(uploads, i), "sha256"), a.cv_sha);
    cr_assert(found, "the CV bytes reached Lever unchanged");

    const char *p[] = {a.app_id};
    char *cand = dtest_query1(&t, "SELECT ats_candidate_id FROM delivery.ledger WHERE application_id=$1", 1, p);
    cr_assert_str_eq(cand, dtest_jstr(opp, "id"), "the ledger holds the opportunity id");
    free(cand);

    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 3000), *ev;
    cr_assert(has_event(events, a.app_id, "delivering", NULL));
    cr_assert(has_event(events, a.app_id, "delivered", &ev));
    cr_assert_str_eq(dtest_jstr(ev, "ats_candidate_id"), dtest_jstr(opp, "id"));
    cr_assert_eq(dtest_jint(ev, "attempt"), 1);
    for (size_t i = 0; i < json_object_array_length(events); i++)
        cr_assert_null(strstr(dtest_jstr(json_object_array_get_idx(events, i), "detail"), a.email), "no personal data");

    /* Connection health: last success recorded, no secret shown. */
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "%s/v1/accounts/acc-lever/connections/Connection-OAuth-1", t.delivery);
    cr_assert_eq(harness_http("GET", url, NULL, "Authorization: Bearer dev-admin-token", &body), 200);
    json_object *h = json_tokener_parse(body);
    cr_assert_str_eq(dtest_jstr(h, "status"), "connected");
    cr_assert_not_null(dtest_jstr(h, "last_success_at"));
    cr_assert_not_null(dtest_jstr(h, "token_expires_at"));
    cr_assert_null(strstr(body, "sim-at-"), "no token in the health answer");
    cr_assert_null(strstr(body, "sim-rt-"));
    free(body);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, NULL), 401, "admin token required");
    json_object_put(h);
    json_object_put(events);
    json_object_put(ledger);
}

Test(delivery_smoke, eploy_connection_and_application) {
    dtest_account(&t, "acc-eploy", "eploy", "live", NULL);
    dtest_start_delivery(&t);
    cr_assert_eq(dtest_eploy_connection(&t, "acc-eploy", "demo-eploy-client", "wrong-secret"), 422,
                 "refused credentials are not saved");
    char *n = dtest_query1(&t, "SELECT count(*) FROM delivery.connections", 0, NULL);
    cr_assert_str_eq(n, "0");
    free(n);
    cr_assert_eq(dtest_eploy_connection(&t, "acc-eploy", "demo-eploy-client", "demo-eploy-secret"), 201);

    dtest_app a;
    dtest_produce(&t, "acc-eploy", "eploy", "demo-eploy-posting", 1, 1, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "not delivered (see %s)", t.dir);
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *cand;
    cr_assert_eq(dtest_eploy_candidates(ledger, a.email, &cand), 1);
    cr_assert_eq(dtest_jint(cand, "create_requests"), 1);
    json_object *e, *apps, *docs;
    json_object_object_get_ex(ledger, "eploy", &e);
    json_object_object_get_ex(e, "applications", &apps);
    json_object_object_get_ex(e, "documents", &docs);
    int napps = 0, ndocs = 0;
    for (size_t i = 0; i < json_object_array_length(apps); i++) {
        json_object *ap = json_object_array_get_idx(apps, i);
        if (dtest_jint(ap, "CandidateId") != dtest_jint(cand, "CandidateId")) continue;
        napps++;
        cr_assert_str_eq(dtest_jstr(ap, "Source"), "stepstone");
        cr_assert_str_eq(dtest_jstr(ap, "VacancyId"), "demo-eploy-posting");
        json_object *answers;
        cr_assert(json_object_object_get_ex(ap, "Answers", &answers) && json_object_array_length(answers) == 6,
                  "the six question answers, not the candidate fields: %s", json_object_to_json_string(ap));
        for (size_t k = 0; k < json_object_array_length(answers); k++)
            cr_assert_null(strchr(dtest_jstr(json_object_array_get_idx(answers, k), "QuestionId"), '/'),
                           "bare Eploy QuestionIds");
    }
    for (size_t i = 0; i < json_object_array_length(docs); i++) {
        json_object *d = json_object_array_get_idx(docs, i);
        if (dtest_jint(d, "CandidateId") == dtest_jint(cand, "CandidateId")) {
            ndocs++;
            cr_assert_str_eq(dtest_jstr(d, "Sha256"), a.cv_sha);
        }
    }
    cr_assert_eq(napps, 1);
    cr_assert_eq(ndocs, 1);
    json_object_put(ledger);
}
