/* atssim: Eploy tokens, permissions, allow-list, quota, sources, ledger. */
#include "simtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(atssim_eploy, .init = simtest_start, .fini = simtest_stop, .timeout = 60);

#define API "/eploy/demo-eploy-site/api"

static void eploy_token(const char *client, const char *secret, char *out, size_t len) {
    char form[256];
    snprintf(form, sizeof form, "grant_type=client_credentials&client_id=%s&client_secret=%s", client, secret);
    simtest_resp r;
    simtest_req(&r, "POST", API "/token", "application/x-www-form-urlencoded", form, 0, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(json_object_get_int(simtest_get(r.json, "expires_in")) > 0);
    snprintf(out, len, "%s", simtest_str(r.json, "access_token"));
    simtest_resp_free(&r);
}

static void control(const char *path, const char *body) {
    simtest_resp r;
    simtest_json(&r, "POST", path, body, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
}

Test(atssim_eploy, token_vacancies_and_questions) {
    char tok[128];
    simtest_resp r;
    simtest_req(&r, "POST", API "/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_id=demo-eploy-client&client_secret=wrong", 0, NULL, 0);
    cr_assert_eq(r.status, 400);
    cr_assert_str_eq(simtest_str(r.json, "error"), "invalid_client");
    simtest_resp_free(&r);
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, "bogus");
    cr_assert_eq(r.status, 401);
    cr_assert(simtest_str(r.json, "Message"));
    simtest_resp_free(&r);
    eploy_token("demo-eploy-client", "demo-eploy-secret", tok, sizeof tok);
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, tok);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(json_object_get_boolean(simtest_get(r.json, "IsTest")));
    simtest_resp_free(&r);
    simtest_json(&r, "POST", API "/vacancies/search",
                 "{\"Paging\":{\"RecordsPerPage\":10,\"RequestedPage\":1},"
                 "\"Filters\":[{\"Route\":\"Vacancy.Status\",\"Value\":\"Open\",\"Operation\":\"Equals\"}]}", tok);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "TotalRecords")), 2);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting/questions", NULL, tok);
    cr_assert_eq(r.status, 200);
    static const char *const types[] = {"Text", "TextArea", "Number", "YesNo", "Date",
                                        "DropDown", "RadioButtons", "CheckBoxes", "FileUpload", "Information"};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        char needle[64];
        snprintf(needle, sizeof needle, "\"Type\":\"%s\"", types[t]);
        cr_assert(strstr(r.body, needle), "no %s question", types[t]);
    }
    simtest_resp_free(&r);
    /* The read-only key may not insert candidates. */
    char ro[128];
    eploy_token("demo-eploy-readonly", "demo-eploy-readonly-secret", ro, sizeof ro);
    simtest_json(&r, "POST", API "/candidates", "{\"FirstName\":\"A\",\"Surname\":\"B\",\"EmailAddress\":\"a@b.org\"}", ro);
    cr_assert_eq(r.status, 403);
    simtest_resp_free(&r);
}

Test(atssim_eploy, candidate_application_source_and_ledger) {
    char tok[128];
    eploy_token("demo-eploy-client", "demo-eploy-secret", tok, sizeof tok);
    simtest_resp r;
    simtest_json(&r, "POST", API "/candidates",
                 "{\"FirstName\":\"Zoë\",\"Surname\":\"Müller\",\"EmailAddress\":\"zoe@example.org\"}", tok);
    cr_assert_eq(r.status, 201, "%s", r.body);
    int64_t cid = json_object_get_int64(simtest_get(r.json, "CandidateId"));
    simtest_resp_free(&r);
    simtest_json(&r, "POST", API "/candidates", "{\"FirstName\":\"Zoë\"}", tok);
    cr_assert_eq(r.status, 400);
    cr_assert(simtest_get(r.json, "ModelState"), "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", API "/candidates/search",
                 "{\"Filters\":[{\"Route\":\"Candidate.EmailAddress\",\"Value\":\"ZOE@example.org\",\"Operation\":\"Equals\"}]}", tok);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(json_object_get_int64(simtest_get(r.json, "Records.0.CandidateId")), cid);
    simtest_resp_free(&r);
    char path[128], body[2048];
    snprintf(path, sizeof path, API "/candidates/%lld/documents", (long long)cid);
    simtest_json(&r, "POST", path, "{\"FileName\":\"cv.pdf\",\"ContentType\":\"application/pdf\",\"Content\":\"JVBERi0xLjQ=\"}", tok);
    cr_assert_eq(r.status, 201, "%s", r.body);
    simtest_resp_free(&r);
    const char *answers =
        "[{\"QuestionId\":\"q-motivation\",\"Value\":\"Kochen ist Leidenschaft\"},{\"QuestionId\":\"q-years\",\"Value\":7},"
        "{\"QuestionId\":\"q-hygiene\",\"Value\":true},{\"QuestionId\":\"q-start\",\"Value\":\"2027-02-01\"},"
        "{\"QuestionId\":\"q-shift\",\"Value\":\"early\"},{\"QuestionId\":\"q-langs\",\"Values\":[\"de\",\"en\"]}]";
    snprintf(body, sizeof body, "{\"CandidateId\":%lld,\"VacancyId\":\"demo-eploy-posting\",\"Source\":\"monster\",\"Answers\":%s}",
             (long long)cid, answers);
    simtest_json(&r, "POST", API "/applications", body, tok);
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(r.body, "\"application.Source\""), "%s", r.body);
    simtest_resp_free(&r);
    snprintf(body, sizeof body, "{\"CandidateId\":%lld,\"VacancyId\":\"eploy-vacancy-closed\",\"Source\":\"stepstone\"}",
             (long long)cid);
    simtest_json(&r, "POST", API "/applications", body, tok);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);
    snprintf(body, sizeof body, "{\"CandidateId\":%lld,\"VacancyId\":\"demo-eploy-posting\",\"Source\":\"stepstone\",\"Answers\":[]}",
             (long long)cid);
    simtest_json(&r, "POST", API "/applications", body, tok);
    cr_assert_eq(r.status, 400, "required answers missing: %s", r.body);
    simtest_resp_free(&r);
    snprintf(body, sizeof body, "{\"CandidateId\":%lld,\"VacancyId\":\"demo-eploy-posting\",\"Source\":\"stepstone\",\"Answers\":%s}",
             (long long)cid, answers);
    simtest_json(&r, "POST", API "/applications", body, tok);
    cr_assert_eq(r.status, 201, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_str_eq(simtest_str(r.json, "eploy.candidates.0.EmailAddress"), "zoe@example.org");
    cr_assert_str_eq(simtest_str(r.json, "eploy.applications.0.Source"), "stepstone");
    cr_assert_str_eq(simtest_str(r.json, "eploy.applications.0.Answers.5.Values.1"), "en");
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "eploy.applications.0.create_requests")), 1);
    cr_assert_str_eq(simtest_str(r.json, "eploy.documents.0.FileName"), "cv.pdf");
    simtest_resp_free(&r);
}

Test(atssim_eploy, ip_allowlist) {
    char tok[128];
    eploy_token("demo-eploy-client", "demo-eploy-secret", tok, sizeof tok);
    control("/_sim/eploy/demo-eploy-site/client-ip", "{\"ip\":\"203.0.113.7\"}");
    simtest_resp r;
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, tok);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert(strstr(simtest_str(r.json, "Message"), "IP"));
    simtest_resp_free(&r);
    control("/_sim/eploy/demo-eploy-site/client-ip", "{\"ip\":\"198.51.100.20\"}");
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, tok);
    cr_assert_eq(r.status, 200, "inside 198.51.100.0/24");
    simtest_resp_free(&r);
    control("/_sim/eploy/demo-eploy-site/client-ip", "{\"ip\":null}");
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, tok);
    cr_assert_eq(r.status, 200, "127.0.0.1 is allowed");
    simtest_resp_free(&r);
}

Test(atssim_eploy, daily_quota_is_shared_by_all_keys) {
    char a[128], b[128], ra[32];
    eploy_token("demo-eploy-client", "demo-eploy-secret", a, sizeof a);
    eploy_token("demo-eploy-second-key", "demo-eploy-second-secret", b, sizeof b);
    control("/_sim/eploy/demo-eploy-site/quota", "{\"limit\":5,\"used\":0}");
    simtest_resp r;
    for (int i = 0; i < 5; i++) {
        simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, i % 2 ? a : b);
        cr_assert_eq(r.status, 200, "request %d: %s", i, r.body);
        simtest_resp_free(&r);
    }
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, a);
    cr_assert_eq(r.status, 429);
    cr_assert(simtest_header(&r, "Retry-After", ra, sizeof ra));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", API "/vacancies/demo-eploy-posting", NULL, b);
    cr_assert_eq(r.status, 429);
    simtest_resp_free(&r);
    /* Another site has its own quota. */
    simtest_req(&r, "POST", "/eploy/load-eploy-site/api/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_id=load-eploy-client&client_secret=load-eploy-secret", 0, NULL, 0);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "eploy.quota.0.used")), 5);
    simtest_resp_free(&r);
}
