/* atssim: Lever OAuth, API shapes, validation, rate limits and the ledger. */
#include "simtest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(atssim_lever, .init = simtest_start, .fini = simtest_stop, .timeout = 60);

#define PROD "/lever"
#define SANDBOX "/lever-sandbox"
#define AUTHORIZE_Q                                                                            \
    "/auth/authorize?client_id=atsbridge-dev-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb" \
    "&response_type=code&state=st-42&prompt=consent"
#define AUDIENCE "&audience=https%3A%2F%2Fapi.lever.co%2Fv1%2F"
#define SANDBOX_AUDIENCE "&audience=https%3A%2F%2Fapi.sandbox.lever.co%2Fv1%2F"
#define AUTHORIZE PROD AUTHORIZE_Q AUDIENCE
#define SANDBOX_AUTHORIZE SANDBOX AUTHORIZE_Q SANDBOX_AUDIENCE

/* Runs the consent step at authorize and returns the code from the redirect. */
static void get_code(const char *authorize, const char *scope_q, char *code, size_t len) {
    simtest_resp r;
    char path[1024], loc[512];
    snprintf(path, sizeof path, "%s&scope=%s", authorize, scope_q);
    simtest_req(&r, "GET", path, NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 302, "%s", r.body);
    cr_assert(simtest_header(&r, "Location", loc, sizeof loc));
    cr_assert(!strncmp(loc, "http://127.0.0.1:9/cb?code=", 27), "%s", loc);
    cr_assert(strstr(loc, "&state=st-42"), "%s", loc);
    snprintf(code, len, "%.*s", (int)strcspn(loc + 27, "&"), loc + 27);
    simtest_resp_free(&r);
}

/* POST form to the token endpoint of the environment (PROD or SANDBOX). */
static void token_req(simtest_resp *r, const char *env, const char *form) {
    char path[64];
    snprintf(path, sizeof path, "%s/auth/oauth/token", env);
    simtest_req(r, "POST", path, "application/x-www-form-urlencoded", form, 0, NULL, 0);
}

/* The token request body exchanging code (or refresh token rt when code is NULL). */
static void grant_form(char *form, size_t len, const char *code, const char *rt) {
    if (code)
        snprintf(form, len,
                 "grant_type=authorization_code&client_id=atsbridge-dev-client&client_secret=atsbridge-dev-secret"
                 "&code=%s&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb", code);
    else
        snprintf(form, len,
                 "grant_type=refresh_token&client_id=atsbridge-dev-client&client_secret=atsbridge-dev-secret"
                 "&refresh_token=%s", rt);
}

Test(atssim_lever, oauth_code_exchange_and_refresh_rotation) {
    char code[128], form[512], at[128], rt[128], rt2[128];
    get_code(AUTHORIZE, "offline_access%20postings%3Aread%3Aadmin%20opportunities%3Awrite%3Aadmin%20stages%3Aread%3Aadmin",
             code, sizeof code);
    simtest_resp r;
    grant_form(form, sizeof form, code, NULL);
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "token_type"), "Bearer");
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "expires_in")), 3600);
    snprintf(at, sizeof at, "%s", simtest_str(r.json, "access_token"));
    snprintf(rt, sizeof rt, "%s", simtest_str(r.json, "refresh_token"));
    simtest_resp_free(&r);

    /* A code is single use. */
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 403);
    cr_assert_str_eq(simtest_str(r.json, "error"), "invalid_grant");
    simtest_resp_free(&r);

    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);

    /* Refresh rotates: the new pair works, the old refresh token is dead. */
    grant_form(form, sizeof form, NULL, rt);
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 200, "%s", r.body);
    snprintf(rt2, sizeof rt2, "%s", simtest_str(r.json, "refresh_token"));
    cr_assert_str_neq(rt2, rt);
    char at2[128];
    snprintf(at2, sizeof at2, "%s", simtest_str(r.json, "access_token"));
    simtest_resp_free(&r);
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "error"), "invalid_grant");
    cr_assert(simtest_str(r.json, "error_description"));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at2);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);

    /* Wrong secret: 401 access_denied. */
    token_req(&r, PROD, "grant_type=refresh_token&client_id=atsbridge-dev-client&client_secret=nope&refresh_token=x");
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(simtest_str(r.json, "error"), "access_denied");
    simtest_resp_free(&r);
}

Test(atssim_lever, no_refresh_token_without_offline_access) {
    char code[128], form[512];
    get_code(AUTHORIZE, "postings%3Aread%3Aadmin", code, sizeof code);
    simtest_resp r;
    grant_form(form, sizeof form, code, NULL);
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_null(simtest_get(r.json, "refresh_token"));
    simtest_resp_free(&r);
}

Test(atssim_lever, authorize_checks_client_redirect_audience_scope) {
    simtest_resp r;
    char loc[512];
    simtest_req(&r, "GET", "/lever/auth/authorize?client_id=nope&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
                           "&response_type=code&scope=offline_access&audience=https%3A%2F%2Fapi.lever.co%2Fv1%2F",
                NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 400);
    cr_assert_str_eq(simtest_str(r.json, "error"), "invalid_client");
    simtest_resp_free(&r);
    simtest_req(&r, "GET", "/lever/auth/authorize?client_id=atsbridge-dev-client&redirect_uri=https%3A%2F%2Fevil.example%2F"
                           "&response_type=code&scope=offline_access&audience=https%3A%2F%2Fapi.lever.co%2Fv1%2F",
                NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);
    simtest_req(&r, "GET", AUTHORIZE "&scope=offline_access&audience=x", NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 302);
    simtest_resp_free(&r);
    simtest_req(&r, "GET",
                "/lever/auth/authorize?client_id=atsbridge-dev-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
                "&response_type=code&state=s&scope=offline_access&audience=https%3A%2F%2Fwrong%2F",
                NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 302);
    cr_assert(strstr(simtest_header(&r, "Location", loc, sizeof loc), "error=access_denied"), "%s", loc);
    simtest_resp_free(&r);
    simtest_req(&r, "GET", AUTHORIZE "&scope=offline_access%20everything%3Aadmin", NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 302);
    cr_assert(strstr(simtest_header(&r, "Location", loc, sizeof loc), "error=invalid_scope"), "%s", loc);
    simtest_resp_free(&r);
    /* Denied on the consent form. */
    simtest_req(&r, "POST", "/lever/auth/authorize", "application/x-www-form-urlencoded",
                "client_id=atsbridge-dev-client&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&response_type=code"
                "&state=s&scope=offline_access&audience=https%3A%2F%2Fapi.lever.co%2Fv1%2F&decision=deny",
                0, NULL, 0);
    cr_assert_eq(r.status, 302);
    cr_assert(strstr(simtest_header(&r, "Location", loc, sizeof loc), "error=access_denied"), "%s", loc);
    simtest_resp_free(&r);
}

Test(atssim_lever, bearer_required_and_expiry) {
    simtest_resp r;
    char at[128];
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, NULL);
    cr_assert_eq(r.status, 401);
    cr_assert_str_eq(simtest_str(r.json, "code"), "UnauthorizedError");
    cr_assert(simtest_str(r.json, "message"));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, "sim-at-bogus");
    cr_assert_eq(r.status, 401);
    simtest_resp_free(&r);
    simtest_lever_token("demo-lever-site", at, sizeof at);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"text\":\"Asurint Background Check\""), "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/_sim/lever/tokens/expire", "{}", NULL);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_eq(r.status, 401);
    simtest_resp_free(&r);
}

Test(atssim_lever, rate_limit_answers_429_with_retry_after) {
    char at[128], ra[32];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    int ok = 0, limited = 0;
    for (int i = 0; i < 30; i++) {
        simtest_resp r;
        simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
        if (r.status == 200) ok++;
        if (r.status == 429) {
            limited++;
            cr_assert(simtest_header(&r, "Retry-After", ra, sizeof ra));
            cr_assert_geq(strtol(ra, NULL, 10), 1);
            cr_assert_str_eq(simtest_str(r.json, "code"), "TooManyRequestsError");
        }
        simtest_resp_free(&r);
    }
    cr_assert_geq(ok, 20);
    cr_assert_geq(limited, 5, "ok=%d limited=%d", ok, limited);
    /* Limits are configurable at run time (benchmarks lift them). */
    simtest_resp r;
    simtest_json(&r, "POST", "/_sim/lever/rate-limit", "{\"rate\":0}", NULL);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/stages", NULL, at);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
}

Test(atssim_lever, postings_list_get_and_apply_form) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    simtest_resp r;
    simtest_json(&r, "GET", "/lever/v1/postings?limit=2", NULL, at);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "data")), 2);
    cr_assert(json_object_get_boolean(simtest_get(r.json, "hasNext")));
    char path[128];
    snprintf(path, sizeof path, "/lever/v1/postings?limit=2&offset=%s", simtest_str(r.json, "next"));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", path, NULL, at);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "data")), 2);
    cr_assert_not(json_object_get_boolean(simtest_get(r.json, "hasNext")));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/postings/demo-lever-posting", NULL, at);
    cr_assert_eq(r.status, 200);
    cr_assert(json_object_get_boolean(simtest_get(r.json, "data.test")));
    cr_assert_str_eq(simtest_str(r.json, "data.state"), "published");
    cr_assert_str_eq(simtest_str(r.json, "data.tags.0"), "Asurint Package: Basic Search + Employment + Education");
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/postings/nope", NULL, at);
    cr_assert_eq(r.status, 404);
    cr_assert_str_eq(simtest_str(r.json, "code"), "NotFoundError");
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/postings/demo-lever-posting/apply", NULL, at);
    cr_assert_eq(r.status, 200);
    json_object *fields = simtest_get(r.json, "data.customQuestions.0.fields");
    static const char *const types[] = {"text", "textarea", "number", "currency", "yes-no", "date", "dropdown",
                                        "multiple-choice", "multiple-select", "file-upload", "note"};
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        int found = 0;
        for (size_t i = 0; i < json_object_array_length(fields); i++)
            found |= !strcmp(simtest_str(json_object_array_get_idx(fields, i), "type"), types[t]);
        cr_assert(found, "no %s field", types[t]);
    }
    cr_assert(simtest_get(r.json, "data.personalInformation.0"));
    cr_assert(simtest_get(r.json, "data.eeoQuestions.gender"));
    simtest_resp_free(&r);
}

#define APPLY_OK                                                                                          \
    "{\"personalInformation\":[{\"name\":\"fullName\",\"value\":\"Zoë Müller\"},"                        \
    "{\"name\":\"email\",\"value\":\"zoe@example.org\"}],"                                                 \
    "\"urls\":[{\"name\":\"LinkedIn\",\"value\":\"https://example.org/zoe\"}],"                           \
    "\"customQuestions\":[{\"id\":\"cq-demo-screening\",\"fields\":["                                     \
    "{\"id\":\"q-motivation\",\"value\":\"Ich liebe Logistik.\"},{\"id\":\"q-years\",\"value\":\"7\"},"    \
    "{\"id\":\"q-forklift\",\"value\":\"yes\"},{\"id\":\"q-start\",\"value\":\"2027-01-15\"},"             \
    "{\"id\":\"q-shift\",\"value\":\"early\"},{\"id\":\"q-langs\",\"value\":[\"de\",\"en\"]}]}],"         \
    "\"source\":\"StepStone.de\",\"consent\":{\"store\":true}}"

Test(atssim_lever, apply_validates_and_ledger_counts) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    simtest_resp r;
    simtest_json(&r, "POST", "/lever/v1/postings/demo-lever-posting/apply", APPLY_OK, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char app[64];
    snprintf(app, sizeof app, "%s", simtest_str(r.json, "data.applicationId"));
    simtest_resp_free(&r);
    /* A missing required answer, an option that does not exist, a closed and an unknown posting. */
    simtest_json(&r, "POST", "/lever/v1/postings/demo-lever-posting/apply",
                 "{\"personalInformation\":[{\"name\":\"fullName\",\"value\":\"A\"},{\"name\":\"email\",\"value\":\"a@x.org\"}]}",
                 at);
    cr_assert_eq(r.status, 400);
    cr_assert_str_eq(simtest_str(r.json, "code"), "BadRequestError");
    simtest_resp_free(&r);
    usleep(600 * 1000); /* the application bucket: 2 per second */
    char bad[2048];
    snprintf(bad, sizeof bad, "%s", APPLY_OK);
    char *p = strstr(bad, "\"early\"");
    memcpy(p, "\"dawnn\"", 7);
    simtest_json(&r, "POST", "/lever/v1/postings/demo-lever-posting/apply", bad, at);
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(simtest_str(r.json, "message"), "q-shift"), "%s", r.body);
    simtest_resp_free(&r);
    usleep(600 * 1000);
    simtest_json(&r, "POST", "/lever/v1/postings/lever-posting-closed/apply", APPLY_OK, at);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);
    usleep(600 * 1000);
    simtest_json(&r, "POST", "/lever/v1/postings/nope/apply", APPLY_OK, at);
    cr_assert_eq(r.status, 404);
    simtest_resp_free(&r);
    usleep(1100 * 1000);
    /* The same application again: no second opportunity, create_requests 2. */
    simtest_json(&r, "POST", "/lever/v1/postings/demo-lever-posting/apply", APPLY_OK, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "data.applicationId"), app);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    json_object *opps = simtest_get(r.json, "lever.opportunities");
    cr_assert_eq(json_object_array_length(opps), 1, "%s", r.body);
    cr_assert_eq(json_object_get_int(simtest_get(opps, "0.create_requests")), 2);
    cr_assert_str_eq(simtest_str(opps, "0.emails.0"), "zoe@example.org");
    cr_assert_str_eq(simtest_str(opps, "0.sources.0"), "StepStone.de");
    cr_assert_str_eq(simtest_str(opps, "0.postings.0"), "demo-lever-posting");
    cr_assert_str_eq(simtest_str(opps, "0.name"), "Zoë Müller");
    cr_assert_str_eq(simtest_str(opps, "0.answers.0.fields.5.value.1"), "en");
    simtest_resp_free(&r);
}

Test(atssim_lever, opportunity_multipart_upload_search_tags_notes) {
    char at[128];
    simtest_lever_token("demo-lever-site", at, sizeof at);
    char auth[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", at);
    const char *hdrs[] = {auth, NULL};
    /* The resume bytes contain a NUL: the length comes from sizeof. */
#define MP                                                                                              \
    "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nJan Nowak\r\n"                          \
    "--XyZ\r\nContent-Disposition: form-data; name=\"emails[]\"\r\n\r\njan@example.org\r\n"                \
    "--XyZ\r\nContent-Disposition: form-data; name=\"postings[]\"\r\n\r\ndemo-lever-posting\r\n"           \
    "--XyZ\r\nContent-Disposition: form-data; name=\"sources[]\"\r\n\r\nTotaljobs\r\n"                      \
    "--XyZ\r\nContent-Disposition: form-data; name=\"resumeFile\"; filename=\"cv \xc5\x81\xc3\xb3" "d\xc5\xba.pdf\"\r\n" \
    "Content-Type: application/pdf\r\n\r\n%PDF-1.4 fake\x00\x01 bytes\r\n--XyZ--\r\n"
    const char *mp = MP;
    size_t mplen = sizeof(MP) - 1;
    simtest_resp r;
    simtest_req(&r, "POST", "/lever/v1/opportunities?perform_as=user-recruiter", "multipart/form-data; boundary=XyZ",
                mp, mplen, hdrs, 0);
    cr_assert_eq(r.status, 201, "%s", r.body);
    char id[64];
    snprintf(id, sizeof id, "%s", simtest_str(r.json, "data.id"));
    cr_assert_str_eq(simtest_str(r.json, "data.stage"), "lead-new");
    cr_assert_null(simtest_get(r.json, "data.create_requests"), "ledger fields stay out of API answers");
    simtest_resp_free(&r);

    /* perform_as is required; JSON create with a bad stage is a 400. */
    usleep(1100 * 1000);
    simtest_json(&r, "POST", "/lever/v1/opportunities", "{\"name\":\"X\"}", at);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/lever/v1/opportunities?perform_as=user-recruiter", "{\"name\":\"X\",\"stage\":\"nope\"}", at);
    cr_assert_eq(r.status, 400);
    simtest_resp_free(&r);

    const char *up = "--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cert.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n%PDF-1.4 cert\r\n--b1--\r\n";
    simtest_req(&r, "POST", "/lever/v1/uploads", "multipart/form-data; boundary=b1", up, 0, hdrs, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(simtest_str(r.json, "data.uri"));
    simtest_resp_free(&r);

    simtest_json(&r, "GET", "/lever/v1/opportunities?email=jan@example.org&posting_id=demo-lever-posting", NULL, at);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(simtest_str(r.json, "data.0.id"), id);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/opportunities?email=nobody@example.org", NULL, at);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "data")), 0);
    simtest_resp_free(&r);

    char path[160];
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/addTags", id);
    simtest_json(&r, "POST", path, "{\"tags\":[\"Background check: Pending Candidate\"]}", at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "data.tags.0"), "Background check: Pending Candidate");
    simtest_resp_free(&r);
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/removeTags", id);
    simtest_json(&r, "POST", path, "{\"tags\":[\"Background check: Pending Candidate\"]}", at);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "data.tags")), 0);
    simtest_resp_free(&r);
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/notes?perform_as=user-recruiter", id);
    simtest_json(&r, "POST", path, "{\"value\":\"Order ord_1: Pending Candidate\",\"secret\":false}", at);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cr_assert(simtest_str(r.json, "data.noteId"));
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/lever/v1/opportunities/nope/notes", "{\"value\":\"x\"}", at);
    cr_assert_eq(r.status, 404);
    simtest_resp_free(&r);

    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_str_eq(simtest_str(r.json, "lever.opportunities.0.files.0.filename"), "cv Łódź.pdf");
    cr_assert_str_eq(simtest_str(r.json, "lever.opportunities.0.perform_as"), "user-recruiter");
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "lever.uploads")), 1);
    cr_assert(json_object_get_boolean(simtest_get(r.json, "lever.tags.0.removed")));
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "lever.notes.0.create_requests")), 1);
    simtest_resp_free(&r);

    /* Reset goes back to the seed. */
    simtest_json(&r, "POST", "/_sim/reset", "{}", NULL);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "lever.opportunities")), 0);
    simtest_resp_free(&r);
}

/* atsbridge's scopes (seed 000): postings, applications and uploads only. */
#define SEED000_SCOPE "offline_access postings:read:admin postings:write:admin uploads:write:admin"

/* method path with token answers 403 ForbiddenError naming scope. */
static void expect_forbidden(const char *method, const char *path, const char *body, const char *token,
                             const char *scope) {
    simtest_resp r;
    char msg[160];
    snprintf(msg, sizeof msg, "This request requires the %s scope.", scope);
    simtest_json(&r, method, path, body, token);
    cr_assert_eq(r.status, 403, "%s %s -> %ld %s", method, path, r.status, r.body);
    cr_assert_str_eq(simtest_str(r.json, "code"), "ForbiddenError");
    cr_assert_str_eq(simtest_str(r.json, "message"), msg);
    simtest_resp_free(&r);
}

Test(atssim_lever, scopes_are_enforced) {
    char at[128], auth[200], path[160], id[64];
    simtest_lever_mint("{\"site\":\"demo-lever-site\",\"scope\":\"" SEED000_SCOPE "\"}", at, sizeof at);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", at);
    const char *hdrs[] = {auth, NULL};
    simtest_resp r;
    simtest_json(&r, "GET", "/lever/v1/postings", NULL, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/postings/demo-lever-posting/apply", NULL, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/lever/v1/postings/demo-lever-posting/apply", APPLY_OK, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    /* A refused call takes nothing from the rate limits: the application
     * bucket (burst 2) still has room for the second application. */
    expect_forbidden("POST", "/lever/v1/opportunities?perform_as=user-recruiter",
                     "{\"name\":\"X\",\"emails\":[\"x@example.org\"]}", at, "opportunities:write:admin");
    simtest_json(&r, "POST", "/lever/v1/postings/demo-lever-posting/apply", APPLY_OK, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    const char *up = "--b1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n%PDF-1.4 cv\r\n--b1--\r\n";
    simtest_req(&r, "POST", "/lever/v1/uploads", "multipart/form-data; boundary=b1", up, 0, hdrs, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    snprintf(id, sizeof id, "%s", simtest_str(r.json, "lever.opportunities.0.id"));
    simtest_resp_free(&r);

    expect_forbidden("GET", "/lever/v1/opportunities?email=zoe@example.org", NULL, at, "opportunities:read:admin");
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s", id);
    expect_forbidden("GET", path, NULL, at, "opportunities:read:admin");
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/addTags", id);
    expect_forbidden("POST", path, "{\"tags\":[\"t\"]}", at, "opportunities:write:admin");
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/notes", id);
    expect_forbidden("POST", path, "{\"value\":\"n\"}", at, "notes:write:admin");
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/stage", id);
    expect_forbidden("PUT", path, "{\"stage\":\"phone-screen\"}", at, "opportunities:write:admin");
    expect_forbidden("GET", "/lever/v1/stages", NULL, at, "stages:read:admin");
    expect_forbidden("GET", "/lever/v1/users", NULL, at, "users:read:admin");
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "lever.opportunities")), 1, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "lever.opportunities.0.stage"), "applicant-new");
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "lever.opportunities.0.tags")), 0);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "lever.tags")), 0);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "lever.notes")), 0);
    simtest_resp_free(&r);

    /* opportunities:write:admin includes opportunities:read:admin, and nothing else. */
    simtest_lever_mint("{\"scope\":\"opportunities:write:admin\"}", at, sizeof at);
    simtest_json(&r, "GET", "/lever/v1/opportunities?email=zoe@example.org", NULL, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "data.0.id"), id);
    simtest_resp_free(&r);
    expect_forbidden("GET", "/lever/v1/postings", NULL, at, "postings:read:admin");
    snprintf(path, sizeof path, "/lever/v1/opportunities/%s/notes", id);
    expect_forbidden("POST", path, "{\"value\":\"n\"}", at, "notes:write:admin");

    /* Only known scopes are minted. */
    simtest_json(&r, "POST", "/_sim/lever/tokens", "{\"scope\":\"offline_access everything:admin\"}", NULL);
    cr_assert_eq(r.status, 422, "%s", r.body);
    simtest_resp_free(&r);
}

Test(atssim_lever, sandbox_has_its_own_oauth_and_tokens) {
    char code[128], prod_code[128], form[512], at[128], prod_at[128], rt[128], loc[512];
    simtest_resp r;
    /* The sandbox's authorize wants the sandbox audience. */
    simtest_req(&r, "GET", SANDBOX AUTHORIZE_Q AUDIENCE "&scope=offline_access", NULL, NULL, 0, NULL, 0);
    cr_assert_eq(r.status, 302, "%s", r.body);
    cr_assert(strstr(simtest_header(&r, "Location", loc, sizeof loc), "error=access_denied"), "%s", loc);
    simtest_resp_free(&r);
    get_code(SANDBOX_AUTHORIZE, "offline_access%20stages%3Aread%3Aadmin", code, sizeof code);
    get_code(AUTHORIZE, "offline_access%20stages%3Aread%3Aadmin", prod_code, sizeof prod_code);

    /* A production code is unknown to the sandbox's token endpoint (and stays usable). */
    grant_form(form, sizeof form, prod_code, NULL);
    token_req(&r, SANDBOX, form);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "error"), "invalid_grant");
    simtest_resp_free(&r);
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 200, "%s", r.body);
    snprintf(prod_at, sizeof prod_at, "%s", simtest_str(r.json, "access_token"));
    simtest_resp_free(&r);

    grant_form(form, sizeof form, code, NULL);
    token_req(&r, SANDBOX, form);
    cr_assert_eq(r.status, 200, "%s", r.body);
    snprintf(at, sizeof at, "%s", simtest_str(r.json, "access_token"));
    snprintf(rt, sizeof rt, "%s", simtest_str(r.json, "refresh_token"));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever-sandbox/v1/stages", NULL, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "\"text\":\"Asurint Background Check\""), "same data: %s", r.body);
    simtest_resp_free(&r);

    /* Tokens do not cross environments, either way. */
    const char *wrong[][2] = {{"/lever/v1/stages", at}, {"/lever-sandbox/v1/stages", prod_at}};
    for (size_t i = 0; i < 2; i++) {
        simtest_json(&r, "GET", wrong[i][0], NULL, wrong[i][1]);
        cr_assert_eq(r.status, 401, "%s: %s", wrong[i][0], r.body);
        cr_assert_str_eq(simtest_str(r.json, "code"), "UnauthorizedError");
        cr_assert_str_eq(simtest_str(r.json, "message"), "Invalid access token.");
        simtest_resp_free(&r);
    }
    grant_form(form, sizeof form, NULL, rt);
    token_req(&r, PROD, form);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "error"), "invalid_grant");
    simtest_resp_free(&r);
    token_req(&r, SANDBOX, form);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);

    /* Minted sandbox tokens; unknown environments are refused. */
    simtest_json(&r, "POST", "/_sim/lever/tokens", "{\"environment\":\"sandbox\"}", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "environment"), "sandbox");
    snprintf(at, sizeof at, "%s", simtest_str(r.json, "access_token"));
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever-sandbox/v1/postings/demo-lever-posting", NULL, at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever/v1/postings/demo-lever-posting", NULL, at);
    cr_assert_eq(r.status, 401, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/_sim/lever/tokens", "{\"environment\":\"staging\"}", NULL);
    cr_assert_eq(r.status, 422, "%s", r.body);
    simtest_resp_free(&r);

    /* A fault on lever.get_posting hits the sandbox route too. */
    simtest_json(&r, "POST", "/_sim/faults", "{\"target\":\"lever.get_posting\",\"mode\":\"status\",\"status\":503,\"count\":1}",
                 NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/lever-sandbox/v1/postings/demo-lever-posting", NULL, at);
    cr_assert_eq(r.status, 503, "%s", r.body);
    simtest_resp_free(&r);
}
