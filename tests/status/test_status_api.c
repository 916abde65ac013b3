/* status HTTP API: admin token required, account validation lists every bad
 * field, go-live once, and an application's projection and timeline in the
 * shape of docs/status.md "Query endpoints" (plus exports, checks and webhooks). */
#include "status_support.h"

#include "crypto.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int has_detail(json_object *err, const char *field, const char *code) {
    json_object *e, *details;
    if (!json_object_object_get_ex(err, "error", &e) || !json_object_object_get_ex(e, "details", &details))
        return 0;
    for (size_t i = 0; i < json_object_array_length(details); i++) {
        json_object *d = json_object_array_get_idx(details, i);
        if (!strcmp(st_str(d, "field"), field) && (!code || !strcmp(st_str(d, "code"), code))) return 1;
    }
    return 0;
}

static const char *error_code(json_object *o) {
    json_object *e;
    return json_object_object_get_ex(o, "error", &e) ? st_str(e, "code") : "";
}

Test(status_api, admin_and_query_endpoints_require_the_token) {
    status_proc s;
    st_start(&s, NULL);
    static const struct {
        const char *method, *path, *body;
    } calls[] = {
        {"PUT", "/v1/accounts/a1", "{\"ats\":\"lever\"}"},
        {"GET", "/v1/accounts/a1", NULL},
        {"GET", "/v1/accounts", NULL},
        {"POST", "/v1/accounts/a1/go-live", NULL},
        {"DELETE", "/v1/applications/x", NULL},
        {"GET", "/v1/erasures/x", NULL},
        {"GET", "/v1/applications/x", NULL},
        {"GET", "/v1/applications", NULL},
        {"GET", "/v1/exports/x", NULL},
        {"GET", "/v1/accounts/a1/sync", NULL},
        {"GET", "/v1/background-checks/x", NULL},
        {"GET", "/v1/background-checks?opportunity=o", NULL},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        json_object *o = NULL;
        cr_expect_eq(st_http(&s, calls[i].method, calls[i].path, calls[i].body, NULL, &o), 401,
                     "%s %s without a token", calls[i].method, calls[i].path);
        cr_expect_str_eq(error_code(o), "unauthorized");
        json_object_put(o);
        cr_expect_eq(st_http(&s, calls[i].method, calls[i].path, calls[i].body,
                             "Authorization: Bearer wrong-token", NULL),
                     401, "%s %s with a wrong token", calls[i].method, calls[i].path);
    }
    /* Nothing was created by the refused PUT. */
    cr_expect_eq(st_get(&s, "/v1/accounts/a1", NULL), 404);
    /* Unknown ids: 404 in the error shape. */
    json_object *o = NULL;
    cr_expect_eq(st_get(&s, "/v1/applications/nope", &o), 404);
    cr_expect_str_eq(error_code(o), "not_found");
    json_object_put(o);
    cr_expect_eq(st_get(&s, "/v1/exports/nope", NULL), 404);
    cr_expect_eq(st_get(&s, "/v1/background-checks/nope", NULL), 404);
    cr_expect_eq(st_get(&s, "/v1/accounts/nope/sync", NULL), 404);
    st_stop(&s);
}

Test(status_api, account_put_validates_every_field) {
    status_proc s;
    st_start(&s, NULL);
    json_object *o = NULL;
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme", "not json", ADMIN, &o), 400);
    json_object_put(o);
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme", "[1]", ADMIN, NULL), 400);

    long code = st_http(&s, "PUT", "/v1/accounts/acme",
                        "{\"ats\":\"workday\",\"run_mode\":\"prod\",\"connection_name\":\"\","
                        "\"privacy_policy_url\":\"javascript:alert(1)\",\"notification_url\":7,"
                        "\"source_labels\":{\"monster\":\"M\",\"totaljobs\":\"\"},"
                        "\"daily_api_budget\":-5,\"feed_interval_s\":\"often\",\"colour\":\"red\","
                        "\"grants\":{\"boards\":[\"ok\",\"bad id\"],\"source_tools\":\"x\",\"teams\":[]},"
                        "\"lever_perform_as\":\"not a user\",\"features\":[\"exports\",\"payroll\"],"
                        "\"lever_environment\":\"staging\",\"export_stage\":\"\",\"bgcheck_package\":5,"
                        "\"provider_client_id\":\"a b\"}",
                        ADMIN, &o);
    cr_assert_eq(code, 422);
    cr_expect_str_eq(error_code(o), "invalid_account");
    cr_expect(has_detail(o, "ats", "invalid_value"));
    cr_expect(has_detail(o, "run_mode", "invalid_value"));
    cr_expect(has_detail(o, "connection_name", "empty"));
    cr_expect(has_detail(o, "privacy_policy_url", "invalid_url"));
    cr_expect(has_detail(o, "notification_url", "invalid_type"));
    cr_expect(has_detail(o, "source_labels.monster", "unknown_board"));
    cr_expect(has_detail(o, "source_labels.totaljobs", "empty"));
    cr_expect(has_detail(o, "daily_api_budget", "out_of_range"));
    cr_expect(has_detail(o, "feed_interval_s", "invalid_type"));
    cr_expect(has_detail(o, "colour", "unknown_field"));
    cr_expect(has_detail(o, "grants.boards[1]", "invalid_value"));
    cr_expect(has_detail(o, "grants.source_tools", "invalid_type"));
    cr_expect(has_detail(o, "grants.teams", "unknown_field"));
    cr_expect(has_detail(o, "lever_perform_as", "invalid_value"));
    cr_expect(has_detail(o, "features[1]", "invalid_value"));
    cr_expect(has_detail(o, "lever_environment", "invalid_value"));
    cr_expect(has_detail(o, "export_stage", "empty"));
    cr_expect(has_detail(o, "bgcheck_package", "invalid_type"));
    cr_expect(has_detail(o, "provider_client_id", "invalid_value"));
    json_object_put(o);

    /* Cross-field rules on create: ats required, URL and company together. */
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme",
                         "{\"privacy_policy_url\":\"https://acme.example/privacy\"}", ADMIN, &o),
                 422);
    cr_expect(has_detail(o, "ats", "required"));
    cr_expect(has_detail(o, "company_name", "required_with"));
    json_object_put(o);
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/bad%20id", "{\"ats\":\"lever\"}", ADMIN, &o), 422);
    cr_expect(has_detail(o, "account_id", "invalid_value"));
    json_object_put(o);

    /* Create with defaults. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acme", "{\"ats\":\"eploy\"}", ADMIN, &o), 201);
    cr_expect_str_eq(st_str(o, "connection_name"), "Connection-OAuth-1");
    cr_expect_str_eq(st_str(o, "run_mode"), "test");
    cr_expect_str_eq(st_str(o, "bgcheck_stage"), "Asurint Background Check");
    cr_expect_str_eq(st_str(o, "bgcheck_tag_prefix"), "Asurint Package:");
    cr_expect_eq(st_int(o, "daily_api_budget"), 0);
    cr_expect_str_eq(json_object_to_json_string_ext(json_object_object_get(o, "grants"), JSON_C_TO_STRING_PLAIN),
                     "{\"boards\":[],\"source_tools\":[]}", "nothing is granted until an operator says so");
    cr_expect_str_eq(json_object_to_json_string_ext(json_object_object_get(o, "features"), JSON_C_TO_STRING_PLAIN),
                     "[]", "board applications only");
    cr_expect_str_eq(st_str(o, "lever_environment"), "production");
    json_object_put(o);

    /* Per-account settings. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acme",
                         "{\"lever_perform_as\":\"user-7f3a\",\"export_stage\":\"lead-new\","
                         "\"bgcheck_package\":\"Basic Search\",\"provider_client_id\":\"acme-asurint\"}",
                         ADMIN, &o),
                 200);
    cr_expect_str_eq(st_str(o, "lever_perform_as"), "user-7f3a");
    cr_expect_str_eq(st_str(o, "export_stage"), "lead-new");
    cr_expect_str_eq(st_str(o, "bgcheck_package"), "Basic Search");
    cr_expect_str_eq(st_str(o, "provider_client_id"), "acme-asurint");
    json_object_put(o);

    /* Features: sourcing tools write only into an account with exports;
     * background checks are Lever's and need the provider's client id. */
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme", "{\"grants\":{\"source_tools\":[\"provenbase\"]}}", ADMIN, &o),
                 422);
    cr_expect(has_detail(o, "features", "required_with"));
    json_object_put(o);
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme", "{\"features\":[\"background_checks\"]}", ADMIN, &o), 422);
    cr_expect(has_detail(o, "features", "invalid_value"), "an Eploy account");
    json_object_put(o);
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/lev",
                         "{\"ats\":\"lever\",\"features\":[\"background_checks\"]}", ADMIN, &o),
                 422);
    cr_expect(has_detail(o, "provider_client_id", "required_with"));
    json_object_put(o);
    /* The development stack has the simulator's sandbox (ATSB_DEV=1). */
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme", "{\"lever_environment\":\"sandbox\"}", ADMIN, &o), 200);
    cr_expect_str_eq(st_str(o, "lever_environment"), "sandbox");
    json_object_put(o);
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acme",
                         "{\"features\":[\"exports\",\"exports\"],\"grants\":{\"source_tools\":[\"provenbase\"]}}",
                         ADMIN, &o),
                 200);
    cr_expect_str_eq(json_object_to_json_string_ext(json_object_object_get(o, "features"), JSON_C_TO_STRING_PLAIN),
                     "[\"exports\"]");
    json_object_put(o);
    cr_expect_eq(st_http(&s, "PUT", "/v1/accounts/acme", "{\"features\":[]}", ADMIN, &o), 422,
                 "exports stay on while a sourcing tool is granted");
    json_object_put(o);
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acme", "{\"grants\":null,\"features\":null}", ADMIN, &o), 200);
    json_object_put(o);

    /* Grants: sorted, each id once; a list left out is empty. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acme",
                         "{\"grants\":{\"boards\":[\"totaljobs\",\"stepstone_de\",\"totaljobs\"]}}", ADMIN, &o),
                 200);
    cr_expect_str_eq(json_object_to_json_string_ext(json_object_object_get(o, "grants"), JSON_C_TO_STRING_PLAIN),
                     "{\"boards\":[\"stepstone_de\",\"totaljobs\"],\"source_tools\":[]}");
    json_object_put(o);

    /* Update merges: absent fields keep their values. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acme",
                         "{\"connection_name\":\"Acme Eploy\",\"company_name\":\"Acme Ltd\","
                         "\"privacy_policy_url\":\"https://acme.example/privacy\","
                         "\"source_labels\":{\"totaljobs\":\"TJ Board\"},\"daily_api_budget\":5000,"
                         "\"feed_interval_s\":3600,\"notification_url\":\"https://hooks.example/n\"}",
                         ADMIN, &o),
                 200);
    cr_expect_str_eq(st_str(o, "ats"), "eploy");
    cr_expect_str_eq(st_str(o, "connection_name"), "Acme Eploy");
    cr_expect_eq(st_int(o, "daily_api_budget"), 5000);
    cr_expect_eq(st_int(o, "feed_interval_s"), 3600);
    json_object *labels;
    cr_assert(json_object_object_get_ex(o, "source_labels", &labels));
    cr_expect_str_eq(st_str(labels, "totaljobs"), "TJ Board");
    json_object_put(o);

    /* Other services read it through common/accounts.c. */
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.accounts WHERE account_id = $1 AND"
                                " ats = 'eploy' AND source_labels->>'totaljobs' = 'TJ Board'",
                            "acme"),
                 1);
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.accounts WHERE account_id = $1 AND"
                                " grants -> 'boards' ? 'totaljobs' AND NOT grants -> 'source_tools' ? 'totaljobs'",
                            "acme"),
                 1);
    cr_expect_eq(st_get(&s, "/v1/accounts", &o), 200);
    json_object *list;
    cr_assert(json_object_object_get_ex(o, "accounts", &list));
    cr_expect_eq(json_object_array_length(list), 1);
    json_object_put(o);
    st_stop(&s);
}

Test(status_api, go_live_switches_test_to_live_once) {
    status_proc s;
    st_start(&s, NULL);
    json_object *o = NULL;
    cr_expect_eq(st_http(&s, "POST", "/v1/accounts/nobody/go-live", NULL, ADMIN, NULL), 404);
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/golive", "{\"ats\":\"lever\"}", ADMIN, NULL), 201);
    cr_assert_eq(st_http(&s, "POST", "/v1/accounts/golive/go-live", NULL, ADMIN, &o), 200);
    cr_expect_str_eq(st_str(o, "run_mode"), "live");
    cr_expect_neq(st_str(o, "went_live_at")[0], '\0');
    json_object_put(o);
    cr_expect_eq(st_http(&s, "POST", "/v1/accounts/golive/go-live", NULL, ADMIN, &o), 409);
    cr_expect_str_eq(error_code(o), "not_in_test_mode");
    json_object_put(o);
    /* dry-run is not test either. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/dry", "{\"ats\":\"lever\",\"run_mode\":\"dry-run\"}",
                         ADMIN, NULL),
                 201);
    cr_expect_eq(st_http(&s, "POST", "/v1/accounts/dry/go-live", NULL, ADMIN, NULL), 409);

    /* The go_live event went through application.events and back into status. */
    long long n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        n = st_sql_num(&s, "SELECT count(*) FROM status.events WHERE account_id = $1 AND type = 'go_live'",
                       "golive");
        if (!n) usleep(100 * 1000);
    }
    cr_expect_eq(n, 1, "one go_live event recorded");
    st_stop(&s);
}

static int events_at_least(json_object *o, void *arg) {
    json_object *ev;
    return json_object_object_get_ex(o, "events", &ev) &&
           json_object_array_length(ev) >= (size_t)(intptr_t)arg;
}

static int updates_at_least(json_object *o, void *arg) {
    json_object *u;
    return json_object_object_get_ex(o, "updates", &u) &&
           json_object_array_length(u) >= (size_t)(intptr_t)arg;
}

static int state_is(json_object *o, void *arg) { return !strcmp(st_str(o, "state"), arg); }

static int iso_utc(const char *s) {
    /* 2026-11-24T10:00:00.000Z */
    return strlen(s) == 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[23] == 'Z';
}

Test(status_api, application_projection_and_timeline) {
    status_proc s;
    st_start(&s, NULL);
    int64_t t = 1795000000000; /* 2026-11-18T11:06:40Z */
    st_event(&s, "app-1", "acme", "received", 0, t, NULL, NULL, NULL);
    st_event(&s, "app-1", "acme", "resolved", 0, t + 1000, NULL, NULL, NULL);
    st_event(&s, "app-1", "acme", "delivering", 1, t + 2000, NULL, NULL, NULL);
    st_event(&s, "app-1", "acme", "retrying", 1, t + 3000, "ats_503", NULL, "HTTP 503 from Lever");
    json_object *o = st_poll(&s, "/v1/applications/app-1", events_at_least, (void *)(intptr_t)4, 20000);
    cr_assert_not_null(o);
    /* Exactly the documented keys. */
    static const char *const keys[] = {"application_id", "account_id", "board", "posting_id", "state",
                                       "ats", "ats_candidate_id", "attempts", "last_error", "events"};
    cr_expect_eq(json_object_object_length(o), 10);
    for (size_t i = 0; i < 10; i++) cr_expect(json_object_object_get_ex(o, keys[i], NULL), "%s", keys[i]);
    cr_expect_str_eq(st_str(o, "application_id"), "app-1");
    cr_expect_str_eq(st_str(o, "account_id"), "acme");
    cr_expect_str_eq(st_str(o, "board"), "stepstone_de");
    cr_expect_str_eq(st_str(o, "posting_id"), "posting-1");
    cr_expect_str_eq(st_str(o, "state"), "retrying");
    cr_expect_str_eq(st_str(o, "ats"), "lever");
    cr_expect_eq(st_int(o, "attempts"), 1);
    cr_expect_str_eq(st_str(o, "last_error"), "ats_503");
    json_object *ev;
    json_object_object_get_ex(o, "events", &ev);
    static const char *const types[] = {"received", "resolved", "delivering", "retrying"};
    for (size_t i = 0; i < 4; i++) {
        json_object *e = json_object_array_get_idx(ev, i);
        cr_expect_str_eq(st_str(e, "type"), types[i]);
        cr_expect(iso_utc(st_str(e, "at")), "at: %s", st_str(e, "at"));
        cr_expect_neq(st_str(e, "event_id")[0], '\0');
        cr_expect(json_object_object_get_ex(e, "service", NULL));
        cr_expect(json_object_object_get_ex(e, "detail", NULL));
    }
    cr_expect_str_eq(st_str(json_object_array_get_idx(ev, 0), "at"), "2026-11-18T11:06:40.000Z");
    cr_expect_str_eq(st_str(json_object_array_get_idx(ev, 0), "service"), "ingest");
    cr_expect_str_eq(st_str(json_object_array_get_idx(ev, 3), "detail"), "HTTP 503 from Lever");
    json_object_put(o);

    /* An export task: 3 candidates, one delivered, one duplicate, one failed. */
    Atsbridge__V1__ApplicationEvent ex = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ex.type = "export_created";
    ex.subject_id = "exp-1";
    ex.account_id = "acme";
    ex.name = "Senior engineers Berlin";
    ex.count = 3;
    ex.service = "ingest";
    st_emit(&s, &ex);
    const char *apps[] = {"x-1", "x-2", "x-3"};
    for (int i = 0; i < 3; i++) {
        Atsbridge__V1__ApplicationEvent r = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
        r.application_id = (char *)apps[i];
        r.account_id = "acme";
        r.type = r.state = "received";
        r.export_task_id = "exp-1";
        r.service = "ingest";
        st_emit(&s, &r);
    }
    o = st_poll(&s, "/v1/exports/exp-1", NULL, NULL, 20000);
    cr_assert_not_null(o);
    cr_expect_str_eq(st_str(o, "state"), "running");
    json_object_put(o);
    st_event(&s, "x-1", "acme", "delivered", 1, 0, NULL, "opp-1", NULL);
    st_event(&s, "x-2", "acme", "delivered", 1, 0, NULL, "opp-2", "duplicate");
    st_event(&s, "x-3", "acme", "failed", 1, 0, "ats_422", NULL, NULL);
    o = st_poll(&s, "/v1/exports/exp-1", state_is, "completed_with_errors", 20000);
    cr_assert_not_null(o);
    cr_expect_str_eq(st_str(o, "state"), "completed_with_errors");
    cr_expect_str_eq(st_str(o, "name"), "Senior engineers Berlin");
    cr_expect_eq(st_int(o, "total"), 3);
    cr_expect_eq(st_int(o, "delivered"), 1);
    cr_expect_eq(st_int(o, "duplicates"), 1);
    cr_expect_eq(st_int(o, "failed"), 1);
    json_object_put(o);

    /* Sync status: last received / delivered, failures in the last 24 h. */
    o = st_poll(&s, "/v1/accounts/acme/sync", NULL, NULL, 5000);
    cr_assert_not_null(o);
    cr_expect(iso_utc(st_str(o, "last_received_at")));
    cr_expect(iso_utc(st_str(o, "last_delivered_at")));
    cr_expect_geq(st_int(o, "failures_24h"), 1);
    cr_expect_geq(st_int(o, "dead_letters_24h"), 1);
    json_object_put(o);

    /* Background check updates and webhooks are stored. */
    Atsbridge__V1__BackgroundCheckUpdate u1 = ATSBRIDGE__V1__BACKGROUND_CHECK_UPDATE__INIT;
    u1.update_id = "u-2";
    u1.check_id = "chk-1";
    u1.order_id = "ord-9";
    u1.status = ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_COMPLETED;
    u1.score = "Eligible for Hire";
    u1.report_url = "https://provider.example/r/9";
    u1.occurred_at_ms = t + 5000;
    u1.account_id = "acme";
    Atsbridge__V1__BackgroundCheckUpdate u0 = u1;
    u0.update_id = "u-1";
    u0.status = ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_IN_PROGRESS;
    u0.score = "";
    u0.report_url = "";
    u0.occurred_at_ms = t + 4000;
    /* Completed first, then the older in-progress: the status must not go back. */
    Atsbridge__V1__BackgroundCheckUpdate *us[] = {&u1, &u0};
    for (int i = 0; i < 2; i++) {
        uint8_t buf[512];
        size_t len = atsbridge__v1__background_check_update__pack(us[i], buf);
        st_raw(&s, "bgcheck.updates", "atsbridge.v1.BackgroundCheckUpdate", buf, len, "ord-9");
    }
    Atsbridge__V1__AtsWebhook wh = ATSBRIDGE__V1__ATS_WEBHOOK__INIT;
    wh.webhook_id = "wh-1";
    wh.account_id = "acme";
    wh.ats = "lever";
    wh.event = "candidateStageChange";
    wh.opportunity_id = "opp-77";
    wh.to_stage_name = "Asurint Background Check";
    wh.triggered_at_ms = t;
    uint8_t buf[512];
    size_t len = atsbridge__v1__ats_webhook__pack(&wh, buf);
    st_raw(&s, "ats.webhooks", "atsbridge.v1.AtsWebhook", buf, len, "acme");
    st_raw(&s, "ats.webhooks", "atsbridge.v1.AtsWebhook", buf, len, "acme"); /* redelivered */
    o = st_poll(&s, "/v1/background-checks/chk-1", updates_at_least, (void *)(intptr_t)2, 20000);
    cr_assert_not_null(o);
    cr_expect(updates_at_least(o, (void *)(intptr_t)2));
    cr_expect_str_eq(st_str(o, "status"), "completed");
    cr_expect_str_eq(st_str(o, "score"), "Eligible for Hire");
    cr_expect_str_eq(st_str(o, "order_id"), "ord-9");
    cr_expect_str_eq(st_str(o, "report_url"), "https://provider.example/r/9");
    json_object_put(o);
    long long n = 0;
    for (int i = 0; i < 100 && n == 0; i++) {
        n = st_sql_num(&s, "SELECT count(*) FROM status.webhooks WHERE webhook_id = $1", "wh-1");
        if (!n) usleep(100 * 1000);
    }
    cr_expect_eq(n, 1);
    cr_expect_eq(st_get(&s, "/v1/background-checks", NULL), 400, "opportunity is required");
    st_stop(&s);
}

/* ---- the operator console's lists: board filter, checks by account, an export task's applications ---- */

static int list_len_at_least(json_object *o, void *arg) {
    const char **spec = arg; /* {member, count as text} */
    json_object *a;
    return json_object_object_get_ex(o, spec[0], &a) && (int)json_object_array_length(a) >= atoi(spec[1]);
}

static json_object *list_of(json_object *o, const char *name) {
    json_object *a = NULL;
    json_object_object_get_ex(o, name, &a);
    return a;
}

/* An API key as ingest registers it (ingest.board_keys, SHA-256 only); the
 * table is ingest's, created here as ingest's migration does. */
static void add_key(status_proc *s, const char *key, const char *owner, const char *kind) {
    PGresult *c = PQexec(s->db, "CREATE SCHEMA IF NOT EXISTS ingest;"
                                " CREATE TABLE IF NOT EXISTS ingest.board_keys (key_sha256 text PRIMARY KEY,"
                                " board text NOT NULL, kind text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
    cr_assert(PQresultStatus(c) == PGRES_COMMAND_OK, "%s", PQerrorMessage(s->db));
    PQclear(c);
    char hash[CRYPTO_SHA256_HEX];
    crypto_sha256_hex(key, strlen(key), hash);
    const char *p[] = {hash, owner, kind};
    PGresult *r = PQexecParams(s->db, "INSERT INTO ingest.board_keys (key_sha256, board, kind) VALUES ($1, $2, $3)",
                               3, NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(s->db));
    PQclear(r);
}

static void check_update(status_proc *s, const char *update, const char *check, const char *account,
                         Atsbridge__V1__CheckStatus st, const char *score, int64_t at) {
    Atsbridge__V1__BackgroundCheckUpdate u = ATSBRIDGE__V1__BACKGROUND_CHECK_UPDATE__INIT;
    u.update_id = (char *)update;
    u.check_id = (char *)check;
    u.order_id = "ord";
    u.status = st;
    u.score = (char *)(score ? score : "");
    u.occurred_at_ms = at;
    u.account_id = (char *)account;
    uint8_t buf[512];
    size_t len = atsbridge__v1__background_check_update__pack(&u, buf);
    st_raw(s, "bgcheck.updates", "atsbridge.v1.BackgroundCheckUpdate", buf, len, check);
    char path[128];
    snprintf(path, sizeof path, "/v1/background-checks/%s", check);
    json_object *o = st_poll(s, path, NULL, NULL, 20000);
    cr_assert_not_null(o, "check %s not stored", check);
    json_object_put(o);
}

Test(status_api, console_lists_board_checks_by_account_and_export_applications) {
    status_proc s;
    st_start(&s, NULL);
    int64_t t = st_now_ms();

    /* Applications of two boards: ?board= keeps one, exactly. */
    st_event(&s, "bd-1", "acct-a", "received", 0, t, NULL, NULL, NULL); /* stepstone_de */
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = "bd-2";
    ev.account_id = "acct-a";
    ev.type = ev.state = "received";
    ev.board = "totaljobs";
    ev.at_ms = t;
    ev.service = "ingest";
    st_emit(&s, &ev);
    const char *two[] = {"applications", "2"};
    json_object *o = st_poll(&s, "/v1/applications?account=acct-a", list_len_at_least, two, 20000);
    cr_assert_not_null(o);
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/applications?board=totaljobs", &o), 200);
    json_object *a = list_of(o, "applications");
    cr_assert_eq(json_object_array_length(a), 1);
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 0), "application_id"), "bd-2");
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/applications?board=totaljob", &o), 200, "exact match, not a prefix");
    cr_expect_eq(json_object_array_length(list_of(o, "applications")), 0);
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/applications?board=bad%20board&state=nope", &o), 400);
    cr_expect_str_eq(error_code(o), "bad_parameter");
    cr_expect(has_detail(o, "board", "invalid_value"));
    cr_expect(has_detail(o, "state", "invalid_value"));
    json_object_put(o);

    /* Background checks by account, newest first, paginated, narrowed by status and score. */
    check_update(&s, "cu-1", "chk-a1", "acct-a", ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_IN_PROGRESS, NULL, t);
    check_update(&s, "cu-2", "chk-b1", "acct-b", ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_IN_PROGRESS, NULL, t);
    check_update(&s, "cu-3", "chk-a2", "acct-a", ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_COMPLETED,
                 "Eligible for Hire", t);
    cr_assert_eq(st_get(&s, "/v1/background-checks?account=acct-a", &o), 200);
    a = list_of(o, "background_checks");
    cr_assert_eq(json_object_array_length(a), 2);
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 0), "check_id"), "chk-a2", "newest first");
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 1), "check_id"), "chk-a1");
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 0), "score"), "Eligible for Hire");
    cr_expect_str_eq(st_str(o, "next_cursor"), "");
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?account=acct-a&limit=1", &o), 200);
    cr_assert_eq(json_object_array_length(list_of(o, "background_checks")), 1);
    char path[512];
    snprintf(path, sizeof path, "/v1/background-checks?account=acct-a&limit=1&cursor=%s", st_str(o, "next_cursor"));
    cr_assert_neq(st_str(o, "next_cursor")[0], '\0');
    json_object_put(o);
    cr_assert_eq(st_get(&s, path, &o), 200);
    a = list_of(o, "background_checks");
    cr_assert_eq(json_object_array_length(a), 1);
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 0), "check_id"), "chk-a1");
    cr_expect_str_eq(st_str(o, "next_cursor"), "", "the last page");
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?account=acct-a&status=in_progress", &o), 200);
    a = list_of(o, "background_checks");
    cr_assert_eq(json_object_array_length(a), 1);
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 0), "check_id"), "chk-a1");
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?account=acct-a&score=Eligible%20for%20Hire", &o), 200);
    cr_expect_eq(json_object_array_length(list_of(o, "background_checks")), 1);
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?account=acct-b", &o), 200);
    a = list_of(o, "background_checks");
    cr_assert_eq(json_object_array_length(a), 1);
    cr_expect_str_eq(st_str(json_object_array_get_idx(a, 0), "account_id"), "acct-b");
    json_object_put(o);
    /* Bad parameters, each named. */
    cr_assert_eq(st_get(&s, "/v1/background-checks?status=done&account=a%20b&cursor=zz&limit=0", &o), 400);
    cr_expect(has_detail(o, "status", "invalid_value"));
    cr_expect(has_detail(o, "account", "invalid_value"));
    cr_expect(has_detail(o, "cursor", "invalid_value"));
    cr_expect(has_detail(o, "limit", "out_of_range"));
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?status=completed", &o), 400, "neither opportunity nor account");
    cr_expect(has_detail(o, "opportunity", "required"));
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?opportunity=opp-1&cursor=Y2hrOjE", &o), 400);
    cr_expect(has_detail(o, "cursor", "invalid_value"));
    json_object_put(o);
    cr_assert_eq(st_get(&s, "/v1/background-checks?account=acct-a&score=%01", &o), 400);
    cr_expect(has_detail(o, "score", "invalid_value"));
    json_object_put(o);

    /* Tenant scope, as before: a key whose board writes into account A (its
     * grant) lists neither B's checks nor A's: checks are 404 to every key. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acct-a", "{\"ats\":\"lever\",\"grants\":{\"boards\":[\"totaljobs\"]}}",
                         ADMIN, NULL),
                 201);
    add_key(&s, "key-of-totaljobs-in-acct-a", "totaljobs", "board");
    add_key(&s, "key-of-tool-a", "tool-a", "source_tool");
    add_key(&s, "key-of-tool-z", "tool-z", "source_tool");
    static const char *const scoped[] = {"/v1/background-checks?account=acct-b", "/v1/background-checks?account=acct-a",
                                         "/v1/background-checks?account=acct-b&status=in_progress",
                                         "/v1/background-checks?opportunity=opp-1&account=acct-b"};
    for (size_t i = 0; i < sizeof scoped / sizeof scoped[0]; i++) {
        const char *keys[] = {"Authorization: Bearer key-of-totaljobs-in-acct-a", "Authorization: Bearer key-of-tool-a"};
        for (int k = 0; k < 2; k++) {
            json_object *e = NULL;
            cr_expect_eq(st_http(&s, "GET", scoped[i], NULL, keys[k], &e), 404, "%s with %s", scoped[i], keys[k]);
            cr_expect_str_eq(error_code(e), "not_found");
            cr_expect_null(strstr(json_object_to_json_string(e), "chk-"), "a check id leaked");
            json_object_put(e);
        }
    }
    /* The key still lists its own board's applications, board filter or not, and never another's. */
    cr_assert_eq(st_http(&s, "GET", "/v1/applications?board=stepstone_de", NULL,
                         "Authorization: Bearer key-of-totaljobs-in-acct-a", &o),
                 200);
    cr_expect_eq(json_object_array_length(list_of(o, "applications")), 0);
    json_object_put(o);
    cr_assert_eq(st_http(&s, "GET", "/v1/applications?board=totaljobs", NULL,
                         "Authorization: Bearer key-of-totaljobs-in-acct-a", &o),
                 200);
    cr_expect_eq(json_object_array_length(list_of(o, "applications")), 1);
    json_object_put(o);

    /* An export task's candidates: ids and states, paginated, its tool's key and the admin token only. */
    Atsbridge__V1__ApplicationEvent ex = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ex.type = "export_created";
    ex.subject_id = "exp-9";
    ex.account_id = "acct-a";
    ex.name = "Platform engineers";
    ex.board = "tool-a";
    ex.count = 3;
    ex.service = "ingest";
    st_emit(&s, &ex);
    const char *xs[] = {"x9-1", "x9-2", "x9-3"};
    for (int i = 0; i < 3; i++) {
        Atsbridge__V1__ApplicationEvent r = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
        r.application_id = (char *)xs[i];
        r.account_id = "acct-a";
        r.type = r.state = "received";
        r.export_task_id = "exp-9";
        r.board = "tool-a";
        r.service = "ingest";
        r.at_ms = t;
        st_emit(&s, &r);
    }
    st_event(&s, "x9-2", "acct-a", "delivered", 1, t + 1000, NULL, "opp-92", "duplicate");
    const char *three[] = {"applications", "3"};
    o = st_poll(&s, "/v1/exports/exp-9/applications", list_len_at_least, three, 20000);
    cr_assert_not_null(o);
    json_object_put(o);
    o = st_poll(&s, "/v1/exports/exp-9/applications?state=delivered", list_len_at_least, (void *)(const char *[]){"applications", "1"}, 20000);
    cr_assert_not_null(o);
    a = list_of(o, "applications");
    cr_assert_eq(json_object_array_length(a), 1);
    json_object *x = json_object_array_get_idx(a, 0);
    cr_expect_str_eq(st_str(x, "application_id"), "x9-2");
    cr_expect_str_eq(st_str(x, "state"), "delivered");
    cr_expect(json_object_get_boolean(json_object_object_get(x, "duplicate")));
    cr_expect_str_eq(st_str(x, "ats_candidate_id"), "opp-92");
    cr_expect(iso_utc(st_str(x, "updated_at")));
    static const char *const fields[] = {"application_id", "state", "duplicate", "ats_candidate_id", "updated_at"};
    cr_expect_eq(json_object_object_length(x), 5, "ids and states only");
    for (size_t i = 0; i < 5; i++) cr_expect(json_object_object_get_ex(x, fields[i], NULL), "%s", fields[i]);
    json_object_put(o);
    /* Two pages of 2 and 1, every candidate once. */
    int seen[3] = {0};
    char cursor[256] = "";
    for (int page = 0; page < 2; page++) {
        snprintf(path, sizeof path, "/v1/exports/exp-9/applications?limit=2%s%s", *cursor ? "&cursor=" : "", cursor);
        cr_assert_eq(st_get(&s, path, &o), 200);
        a = list_of(o, "applications");
        cr_assert_eq((int)json_object_array_length(a), page == 0 ? 2 : 1);
        for (size_t i = 0; i < json_object_array_length(a); i++)
            for (int k = 0; k < 3; k++)
                if (!strcmp(st_str(json_object_array_get_idx(a, i), "application_id"), xs[k])) seen[k]++;
        snprintf(cursor, sizeof cursor, "%s", st_str(o, "next_cursor"));
        json_object_put(o);
    }
    cr_expect_str_eq(cursor, "", "no third page");
    cr_expect(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    cr_expect_eq(st_http(&s, "GET", "/v1/exports/exp-9/applications", NULL, "Authorization: Bearer key-of-tool-a", NULL),
                 200);
    cr_expect_eq(st_http(&s, "GET", "/v1/exports/exp-9/applications", NULL, "Authorization: Bearer key-of-tool-z", NULL),
                 404, "another tool's task");
    cr_expect_eq(st_http(&s, "GET", "/v1/exports/exp-9/applications", NULL,
                         "Authorization: Bearer key-of-totaljobs-in-acct-a", NULL),
                 404, "a board's key");
    cr_expect_eq(st_get(&s, "/v1/exports/nope/applications", NULL), 404);
    cr_expect_eq(st_http(&s, "GET", "/v1/exports/exp-9/applications", NULL, NULL, NULL), 401);
    cr_assert_eq(st_get(&s, "/v1/exports/exp-9/applications?state=gone&limit=501&cursor=x", &o), 400);
    cr_expect(has_detail(o, "state", "invalid_value"));
    cr_expect(has_detail(o, "limit", "out_of_range"));
    cr_expect(has_detail(o, "cursor", "invalid_value"));
    json_object_put(o);
    st_stop(&s);
}
