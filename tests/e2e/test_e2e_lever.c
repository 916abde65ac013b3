/* Seed 000 (Lever), its own acceptance process through the whole stack:
 * the activation link, the test posting's questions against the simulator's
 * apply page, an application with a CV through ingest landing in Lever once
 * with the board's source label, answers and CV, status `delivered`, the
 * trail timeline, and a live posting held until Go Live. */
#include "stack.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static stack s;
static void setup(void) {
    stack_start(&s, NULL);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(e2e_lever, .init = setup, .fini = teardown, .timeout = 180);

/* The question with this ats_field_id in a questions answer, or NULL. */
static json_object *question_by_field(json_object *qs, const char *field) {
    json_object *list = jo(qs, "questions");
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *q = json_object_array_get_idx(list, i);
        if (!strcmp(js(q, "ats_field_id"), field)) return q;
    }
    return NULL;
}

static const char *qid(json_object *qs, const char *field) {
    json_object *q = question_by_field(qs, field);
    cr_assert_not_null(q, "no question for %s", field);
    return js(q, "id");
}

/* One form field of the apply page against the served question. */
static void same_field(json_object *qs, const char *field, json_object *f, const char *label_key) {
    json_object *q = question_by_field(qs, field);
    cr_assert_not_null(q, "the apply page's %s is not served", field);
    if (*js(f, label_key)) cr_expect_str_eq(js(q, "label"), js(f, label_key), "label of %s", field);
    int req = jo(f, "required") && json_object_get_boolean(jo(f, "required"));
    cr_expect_eq(json_object_get_boolean(jo(q, "required")), req, "required of %s", field);
    json_object *opts = jo(f, "options");
    size_t nopt = opts ? json_object_array_length(opts) : 0;
    json_object *qopts = jo(q, "options");
    cr_expect_eq(qopts ? json_object_array_length(qopts) : 0, nopt, "options of %s", field);
    for (size_t i = 0; i < nopt && qopts && i < json_object_array_length(qopts); i++) {
        json_object *o = json_object_array_get_idx(opts, i), *qo = json_object_array_get_idx(qopts, i);
        cr_expect_str_eq(js(qo, "label"), js(o, "text"), "option %zu of %s", i, field);
        if (*js(o, "optionId")) cr_expect_str_eq(js(qo, "id"), js(o, "optionId"), "option id %zu of %s", i, field);
    }
}

static int count_opps(json_object *ledger, const char *email, json_object **first) {
    json_object *opps = jo(ledger, "lever.opportunities");
    int n = 0;
    for (size_t i = 0; opps && i < json_object_array_length(opps); i++) {
        json_object *o = json_object_array_get_idx(opps, i), *emails = jo(o, "emails");
        for (size_t k = 0; emails && k < json_object_array_length(emails); k++)
            if (!strcmp(json_object_get_string(json_object_array_get_idx(emails, k)), email)) {
                if (!n++ && first) *first = o;
                break;
            }
    }
    return n;
}

/* The answer value the simulator stored for a custom field (any of the
 * shapes: [{id, value}] per card, or flat). */
static const char *stored_answer(json_object *opp, const char *field_id) {
    json_object *answers = jo(opp, "answers");
    for (size_t i = 0; answers && i < json_object_array_length(answers); i++) {
        json_object *a = json_object_array_get_idx(answers, i);
        if (!strcmp(js(a, "id"), field_id) || !strcmp(js(a, "field_id"), field_id)) {
            json_object *v = jo(a, "value");
            return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "";
        }
        json_object *fields = jo(a, "fields");
        for (size_t k = 0; fields && k < json_object_array_length(fields); k++) {
            json_object *f = json_object_array_get_idx(fields, k);
            if (!strcmp(js(f, "id"), field_id)) {
                json_object *v = jo(f, "value");
                return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "";
            }
        }
    }
    return NULL;
}

Test(e2e_lever, seed_000_acceptance) {
    /* 1. The activation link of an account that takes board applications
     * only carries exactly the parameters of the seed. (demo-lever also runs
     * background checks and exports, so its link asks for more.) */
    json_object_put(stack_ok(&s, STACK_STATUS, "PUT", "/v1/accounts/seed000-lever", "{\"ats\":\"lever\"}", STACK_ADMIN));
    json_object *link = stack_ok(&s, STACK_DELIVERY, "POST", "/v1/accounts/seed000-lever/connections/lever", "{}",
                                 STACK_ADMIN);
    json_object *p = stack_query_params(js(link, "activation_url"));
    cr_assert_eq(json_object_object_length(p), 7, "activation link parameters: %s", js(link, "activation_url"));
    json_object_put(link);
    cr_expect_str_eq(js(p, "client_id"), "atsbridge-dev-client");
    char redirect[128];
    snprintf(redirect, sizeof redirect, "%s/oauth/lever/callback", s.url[STACK_DELIVERY]);
    cr_expect_str_eq(js(p, "redirect_uri"), redirect);
    cr_expect_gt(strlen(js(p, "state")), 16, "a random state");
    cr_expect_str_eq(js(p, "scope"), "offline_access postings:read:admin postings:write:admin uploads:write:admin");
    cr_expect_str_eq(js(p, "response_type"), "code");
    cr_expect_str_eq(js(p, "prompt"), "consent");
    cr_expect_str_eq(js(p, "audience"), "https://api.lever.co/v1/");
    json_object_put(p);
    json_object *conn = stack_ok(&s, STACK_DELIVERY, "GET", "/v1/accounts/demo-lever/connections/Connection-OAuth-1",
                                 NULL, STACK_ADMIN);
    cr_assert_str_eq(js(conn, "status"), "connected");
    json_object_put(conn);

    /* 2. The questions served to the board match the simulator's apply page. */
    json_object *qs = stack_ok(&s, STACK_QUESTIONS, "GET", "/v1/accounts/demo-lever/postings/demo-lever-posting/questions",
                               NULL, NULL);
    cr_assert(json_object_get_boolean(jo(qs, "is_test")), "demo-lever-posting is a test posting");
    json_object *tok = stack_ok(&s, STACK_SIM, "POST", "/_sim/lever/tokens", "{\"site\":\"demo-lever-site\"}", NULL);
    char auth[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", js(tok, "access_token"));
    json_object *form = stack_ok(&s, STACK_SIM, "GET", "/lever/v1/postings/demo-lever-posting/apply", NULL, auth);
    json_object_put(tok);
    json_object *f = jo(form, "data") ? jo(form, "data") : form;
    size_t nfields = 0;
    char field[512];
    json_object *pi = jo(f, "personalInformation"), *urls = jo(f, "urls"), *cards = jo(f, "customQuestions"),
                *eeo = jo(f, "eeoQuestions");
    for (size_t i = 0; pi && i < json_object_array_length(pi); i++, nfields++) {
        json_object *x = json_object_array_get_idx(pi, i);
        snprintf(field, sizeof field, "personalInformation/%s", js(x, "name"));
        same_field(qs, field, x, "text");
    }
    for (size_t i = 0; urls && i < json_object_array_length(urls); i++, nfields++) {
        json_object *x = json_object_array_get_idx(urls, i);
        snprintf(field, sizeof field, "urls/%s", js(x, "name"));
        same_field(qs, field, x, "text");
    }
    for (size_t i = 0; cards && i < json_object_array_length(cards); i++) {
        json_object *card = json_object_array_get_idx(cards, i), *fields = jo(card, "fields");
        for (size_t k = 0; fields && k < json_object_array_length(fields); k++, nfields++) {
            json_object *x = json_object_array_get_idx(fields, k);
            snprintf(field, sizeof field, "customQuestions/%s/%s", js(card, "id"), js(x, "id"));
            same_field(qs, field, x, "text");
        }
    }
    if (eeo && json_object_is_type(eeo, json_type_object)) {
        json_object_object_foreach(eeo, key, x) {
            snprintf(field, sizeof field, "eeoQuestions/%s", key);
            same_field(qs, field, x, "text");
            nfields++;
        }
    }
    size_t nserved = 0;
    json_object *list = jo(qs, "questions");
    for (size_t i = 0; i < json_object_array_length(list); i++)
        nserved += strcmp(js(json_object_array_get_idx(list, i), "section"), "consent") != 0;
    cr_expect_eq(nserved, nfields, "every question of the apply page, nothing else (consent aside)");
    json_object_put(form);

    /* 3. Apply with a CV through ingest: required answers plus optional ones
     * of every id format (personalInformation/, urls/, eeoQuestions/, customQuestions/). */
    char *cv = stack_pdf_b64("lever-e2e");
    char body[8192], app_id[128];
    snprintf(body, sizeof body,
             "{\"board\":\"stepstone_de\",\"board_application_id\":\"SS-E2E-LEVER-1\",\"account_id\":\"demo-lever\","
             "\"posting_id\":\"demo-lever-posting\",\"candidate\":{\"first_name\":\"Zoë\",\"last_name\":\"Müller\","
             "\"email\":\"zoe.e2e@example.org\",\"phone\":\"+49 30 1234567\",\"location\":\"Berlin\"},"
             "\"answers\":["
             "{\"question_id\":\"%s\",\"value\":\"Ich liebe Logistik 🚚\"},"
             "{\"question_id\":\"%s\",\"value\":\"7\"},"
             "{\"question_id\":\"%s\",\"value\":\"yes\"},"
             "{\"question_id\":\"%s\",\"value\":\"2026-12-01\"},"
             "{\"question_id\":\"%s\",\"value\":\"early\"},"
             "{\"question_id\":\"%s\",\"values\":[\"de\",\"en\"]},"
             "{\"question_id\":\"%s\",\"value\":\"Spedition Nord\"},"
             "{\"question_id\":\"%s\",\"value\":\"https://www.linkedin.com/in/zoe-e2e\"},"
             "{\"question_id\":\"%s\",\"value\":\"Female\"}],"
             "\"consent\":{\"privacy_policy_accepted\":true,\"accepted_at\":\"2026-11-24T10:00:00Z\"},"
             "\"documents\":[{\"kind\":\"cv\",\"filename\":\"lebenslauf.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}]}",
             qid(qs, "customQuestions/cq-demo-screening/q-motivation"), qid(qs, "customQuestions/cq-demo-screening/q-years"),
             qid(qs, "customQuestions/cq-demo-screening/q-forklift"), qid(qs, "customQuestions/cq-demo-screening/q-start"),
             qid(qs, "customQuestions/cq-demo-screening/q-shift"), qid(qs, "customQuestions/cq-demo-screening/q-langs"),
             qid(qs, "personalInformation/currentCompany"), qid(qs, "urls/LinkedIn"), qid(qs, "eeoQuestions/gender"), cv);
    free(cv);
    json_object_put(qs);
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202, "application accepted");
    json_object *app = stack_wait_app(&s, app_id, "delivered", 60000);
    cr_expect_str_eq(js(app, "ats"), "lever");

    /* 4. The simulator holds exactly one candidate, with source, answers, CV. */
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL), *opp = NULL;
    cr_assert_eq(count_opps(ledger, "zoe.e2e@example.org", &opp), 1, "exactly one opportunity");
    cr_expect_eq(ji(opp, "create_requests"), 1);
    cr_expect_str_eq(js(app, "ats_candidate_id"), js(opp, "id"), "status knows the opportunity");
    const char *src = js(opp, "source");
    if (!*src) src = js(opp, "sources.0");
    cr_expect_str_eq(src, "StepStone.de", "the board's default source label");
    cr_expect_str_eq(js(opp, "origin"), "applied");
    cr_expect_eq(json_object_array_length(jo(opp, "files")), 1, "the CV: %s",
                 json_object_to_json_string(jo(opp, "files")));
    const char *a = stored_answer(opp, "q-years");
    cr_expect(a && strstr(a, "7"), "q-years answered: %s", json_object_to_json_string(opp));
    a = stored_answer(opp, "q-langs");
    cr_expect(a && strstr(a, "de") && strstr(a, "en"), "q-langs answered: %s", a ? a : "(none)");
    a = stored_answer(opp, "q-motivation");
    cr_expect(a && strstr(a, "Logistik"), "q-motivation answered");
    const char *opp_json = json_object_to_json_string_ext(opp, JSON_C_TO_STRING_NOSLASHESCAPE);
    cr_expect(strstr(opp_json, "Spedition Nord"), "personalInformation/currentCompany reached Lever: %s", opp_json);
    cr_expect(strstr(opp_json, "linkedin.com/in/zoe-e2e"), "urls/LinkedIn reached Lever");
    cr_expect(strstr(opp_json, "Female"), "eeoQuestions/gender reached Lever");
    json_object_put(ledger);
    json_object_put(app);

    /* 5. trail shows the timeline. */
    char args[256];
    int st = -1;
    snprintf(args, sizeof args, "app %s", app_id);
    char *out = stack_trail(&s, args, &st);
    cr_expect_eq(st, 0, "trail exit status");
    static const char *const steps[] = {"received", "resolved", "delivering", "delivered"};
    const char *at = out;
    for (size_t i = 0; i < 4; i++) {
        const char *hit = strstr(at, steps[i]);
        cr_expect_not_null(hit, "trail app: no %s after the previous step:\n%s", steps[i], out);
        if (hit) at = hit;
    }
    cr_expect_null(strstr(out, "zoe.e2e@example.org"), "no personal data in the trail");
    free(out);

    /* 6. A live posting is held in test mode and delivered after Go Live. */
    snprintf(body, sizeof body,
             "{\"board\":\"stepstone_de\",\"board_application_id\":\"SS-E2E-LEVER-2\",\"account_id\":\"demo-lever\","
             "\"posting_id\":\"lever-posting-driver-hamburg\",\"candidate\":{\"first_name\":\"Jan\",\"last_name\":\"Kowalski\","
             "\"email\":\"jan.e2e@example.org\"},"
             "\"answers\":[{\"question_id\":\"q-years\",\"value\":\"3\"},{\"question_id\":\"q-right-to-work\",\"value\":\"yes\"}],"
             "\"consent\":{\"privacy_policy_accepted\":true}}");
    char held_id[128];
    cr_assert_eq(stack_apply(&s, body, held_id, sizeof held_id), 202);
    json_object_put(stack_wait_app(&s, held_id, "held", 60000));
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(count_opps(ledger, "jan.e2e@example.org", NULL), 0, "nothing sent before Go Live");
    json_object_put(ledger);
    json_object_put(stack_ok(&s, STACK_STATUS, "POST", "/v1/accounts/demo-lever/go-live", NULL, STACK_ADMIN));
    json_object_put(stack_wait_app(&s, held_id, "delivered", 90000));
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(count_opps(ledger, "jan.e2e@example.org", &opp), 1, "delivered once after Go Live");
    json_object_put(ledger);
}
