/* The questions service as a process against the ATS simulator (atssim
 * with its seed), the test PostgreSQL and broker: every question type of
 * Lever and Eploy served with unicode labels and the privacy block; 404,
 * 410; the cache (miss, hit, stale while the ATS is down, 503 past the
 * maximum age, revalidated when it is back); applications rejected with
 * per-question reasons, resolved with mapped answers, held in test mode and
 * released by go_live; sealed applications opened and resolved sealed,
 * erased ones skipped, undecryptable ones dead-lettered. */
#include "atsbridge/v1/applications.pb-c.h"
#include "atsbridge/v1/events.pb-c.h"
#include "credentials.h"
#include "lever_scopes.h"
#include "crypto.h"
#include "events.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"
#include "personal.h"
#include "pg.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ATSSIM_BIN
#define ATSSIM_BIN ATSB_BIN_DIR "/tools/atssim/atssim"
#endif
#ifndef ATSSIM_SEED
#define ATSSIM_SEED ATSB_SOURCE_DIR "/tools/atssim/seed.json"
#endif

static char dsn[512], sim[64], qs[64], prefix[96], group[64];
static pid_t sim_pid, qs_pid;
static kafka_producer *producer;

static void run(PGconn *c, const char *sql, int n, const char *const *p) {
    PGresult *r = pg_exec(c, sql, n, p);
    cr_assert(pg_ok(r), "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

static json_object *http_json_req(const char *method, const char *url, const char *body, long *status) {
    char *resp = NULL;
    *status = harness_http(method, url, body, NULL, &resp);
    json_object *o = resp ? json_tokener_parse(resp) : NULL;
    free(resp);
    return o;
}

static void start_sim(void) {
    int port = harness_free_port();
    char addr[64], log[512], url[128];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    snprintf(sim, sizeof sim, "http://127.0.0.1:%d", port);
    snprintf(log, sizeof log, "%s/testenv/questions-atssim.log", ATSB_BIN_DIR);
    char *argv[] = {ATSSIM_BIN, "--addr", addr, "--seed", ATSSIM_SEED, NULL};
    sim_pid = harness_spawn(argv, NULL, log);
    snprintf(url, sizeof url, "%s/_sim/faults", sim);
    cr_assert_eq(harness_wait_http(url, 30000), 0, "atssim did not start (see %s)", log);
}

static void connect_accounts(PGconn *c) {
    char url[160], secret[4096];
    long st;
    snprintf(url, sizeof url, "%s/_sim/lever/tokens", sim);
    json_object *t = http_json_req("POST", url, "{\"site\":\"demo-lever-site\"}", &st);
    cr_assert(st == 200 && t, "minting a Lever token: %ld", st);
    json_object *at, *rt;
    cr_assert(json_object_object_get_ex(t, "access_token", &at) && json_object_object_get_ex(t, "refresh_token", &rt));
    snprintf(secret, sizeof secret, "{\"access_token\":\"%s\",\"refresh_token\":\"%s\"}", json_object_get_string(at),
             json_object_get_string(rt));
    json_object_put(t);
    cr_assert_eq(credentials_save(c, "demo-lever", "Connection-OAuth-1", "lever", "", "", "production", LEVER_SCOPES_APPLY, secret,
                                  (int64_t)(time(NULL) + 3000) * 1000),
                 0);
    char site[160];
    snprintf(site, sizeof site, "%s/eploy/demo-eploy-site", sim);
    cr_assert_eq(credentials_save(c, "demo-eploy", "Connection-OAuth-1", "eploy", site, "demo-eploy-client", NULL, NULL,
                                  "{\"client_secret\":\"demo-eploy-secret\"}", 0),
                 0);
    run(c,
        "INSERT INTO status.accounts (account_id, ats, run_mode, company_name, privacy_policy_url)"
        " VALUES ('demo-lever', 'lever', 'test', 'Demo Logistik GmbH', 'https://example.org/privacy'),"
        " ('demo-eploy', 'eploy', 'test', NULL, NULL)",
        0, NULL);
}

static void start_questions(const char *ttl) {
    int port = harness_free_port();
    static char e[12][640];
    snprintf(qs, sizeof qs, "http://127.0.0.1:%d", port);
    snprintf(e[0], sizeof e[0], "ATSB_QUESTIONS_ADDR=127.0.0.1:%d", port);
    snprintf(e[1], sizeof e[1], "ATSB_PG_DSN=%s", dsn);
    snprintf(e[2], sizeof e[2], "ATSB_TOPIC_PREFIX=%s", prefix);
    snprintf(e[3], sizeof e[3], "ATSB_LEVER_API_URL=%s/lever/v1", sim);
    snprintf(e[4], sizeof e[4], "ATSB_LEVER_TOKEN_URL=%s/lever/auth/oauth/token", sim);
    snprintf(e[5], sizeof e[5], "ATSB_LEVER_CLIENT_ID=atsbridge-dev-client");
    snprintf(e[6], sizeof e[6], "ATSB_LEVER_CLIENT_SECRET=atsbridge-dev-secret");
    snprintf(e[7], sizeof e[7], "ATSB_QUESTIONS_GROUP=%s", group);
    snprintf(e[8], sizeof e[8], "ATSB_QUESTIONS_HELD_SWEEP_S=3600");
    snprintf(e[9], sizeof e[9], "ATSB_QUESTIONS_TTL_S=%s", ttl);
    snprintf(e[10], sizeof e[10], "ATSB_QUESTIONS_FETCH_TIMEOUT_MS=5000");
    char *env[] = {e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8], e[9], e[10], NULL};
    char bin[512], log[512], url[128];
    snprintf(bin, sizeof bin, "%s/services/questions/atsb-questions", ATSB_BIN_DIR);
    snprintf(log, sizeof log, "%s/testenv/questions-service.log", ATSB_BIN_DIR);
    char *argv[] = {bin, NULL};
    qs_pid = harness_spawn(argv, env, log);
    snprintf(url, sizeof url, "%s/readyz", qs);
    cr_assert_eq(harness_wait_http(url, 60000), 0, "atsb-questions not ready (see %s)", log);
}

static void setup_with_ttl(const char *ttl) {
    harness_env_load();
    cr_assert_eq(crypto_init(), 0);
    char u[64];
    snprintf(prefix, sizeof prefix, "%s.", harness_unique("qs", u, sizeof u));
    harness_unique("qg", group, sizeof group);
    setenv("ATSB_TOPIC_PREFIX", prefix, 1);
    const char *topics[] = {TOPIC_APPLICATIONS_RECEIVED, TOPIC_APPLICATIONS_RESOLVED, TOPIC_APPLICATION_EVENTS,
                            TOPIC_APPLICATIONS_DEADLETTER};
    for (size_t i = 0; i < 4; i++) {
        char t[256];
        harness_create_topic(kafka_topic(topics[i], t, sizeof t), 2);
    }
    harness_create_db(dsn, sizeof dsn);
    PGconn *c = harness_connect(dsn);
    harness_exec_dir(c, ATSB_SOURCE_DIR "/services/status/migrations");
    harness_exec_dir(c, ATSB_SOURCE_DIR "/services/delivery/migrations");
    start_sim();
    connect_accounts(c);
    PQfinish(c);
    start_questions(ttl);
    char err[256];
    cr_assert_eq(kafka_producer_new("test", &producer, err, sizeof err), 0, "%s", err);
}

static void setup(void) { setup_with_ttl("900"); }
static void setup_short_ttl(void) { setup_with_ttl("1"); }

static void stop(pid_t pid, const char *what) {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s did not exit cleanly", what);
}

static void forget_all(void);

static void teardown(void) {
    forget_all();
    kafka_producer_destroy(producer, 5000);
    stop(qs_pid, "atsb-questions");
    stop(sim_pid, "atssim");
}

static json_object *get_questions(const char *account, const char *posting, long *status) {
    char url[256];
    snprintf(url, sizeof url, "%s/v1/accounts/%s/postings/%s/questions", qs, account, posting);
    return http_json_req("GET", url, NULL, status);
}

static json_object *find_q(json_object *set, const char *id) {
    json_object *arr;
    cr_assert(json_object_object_get_ex(set, "questions", &arr));
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *q = json_object_array_get_idx(arr, i), *v;
        if (json_object_object_get_ex(q, "id", &v) && !strcmp(json_object_get_string(v), id)) return q;
    }
    cr_assert_fail("question %s not served", id);
    return NULL;
}

static const char *jstr(json_object *o, const char *k) {
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

static const char *cache_status(json_object *set) {
    json_object *c;
    cr_assert(json_object_object_get_ex(set, "cache", &c));
    return jstr(c, "status");
}

static void expect_type(json_object *set, const char *id, const char *type, int required) {
    json_object *q = find_q(set, id), *r;
    cr_assert_str_eq(jstr(q, "type"), type, "%s", id);
    cr_assert(json_object_object_get_ex(q, "required", &r));
    cr_assert_eq(json_object_get_boolean(r), required, "%s required", id);
}

TestSuite(questions_service, .init = setup, .fini = teardown, .timeout = 240);

Test(questions_service, lever_every_type_served_then_cached) {
    long st;
    json_object *s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 200, "%s", s ? json_object_to_json_string(s) : "");
    expect_type(s, "personal.fullName", "TEXT", 1);
    expect_type(s, "personal.resume", "FILE", 0);
    expect_type(s, "url.LinkedIn", "TEXT", 0);
    expect_type(s, "q-motivation", "TEXTAREA", 1);
    expect_type(s, "q-years", "NUMBER", 1);
    expect_type(s, "q-forklift", "BOOLEAN", 1);
    expect_type(s, "q-start", "DATE", 1);
    expect_type(s, "q-shift", "SINGLE_SELECT", 1);
    expect_type(s, "q-langs", "MULTI_SELECT", 1);
    expect_type(s, "q-certificate", "FILE", 0);
    expect_type(s, "q-info", "INFORMATION", 0);
    expect_type(s, "eeo.gender", "SINGLE_SELECT", 0);
    expect_type(s, "consent.privacy_policy", "BOOLEAN", 1);
    cr_assert_str_eq(jstr(find_q(s, "q-motivation"), "label"), "Warum möchten Sie bei uns arbeiten? 🚚");
    cr_assert_str_eq(jstr(find_q(s, "q-years"), "ats_field_id"), "customQuestions/cq-demo-screening/q-years");
    json_object *pp;
    cr_assert(json_object_object_get_ex(s, "privacy_policy", &pp));
    cr_assert_str_eq(jstr(pp, "url"), "https://example.org/privacy");
    cr_assert_str_eq(jstr(pp, "company_name"), "Demo Logistik GmbH");
    cr_assert_str_eq(cache_status(s), "miss");
    json_object_put(s);
    s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 200);
    cr_assert_str_eq(cache_status(s), "hit");
    json_object_put(s);

    s = get_questions("demo-lever", "lever-posting-closed", &st);
    cr_assert_eq(st, 410);
    json_object *err;
    cr_assert(json_object_object_get_ex(s, "error", &err));
    cr_assert_str_eq(jstr(err, "code"), "posting_closed");
    json_object_put(s);
    s = get_questions("demo-lever", "no-such-posting", &st);
    cr_assert_eq(st, 404);
    json_object_put(s);
    s = get_questions("no-such-account", "demo-lever-posting", &st);
    cr_assert_eq(st, 404);
    json_object_put(s);
}

Test(questions_service, eploy_every_type_served_with_generic_privacy_message) {
    long st;
    json_object *s = get_questions("demo-eploy", "demo-eploy-posting", &st);
    cr_assert_eq(st, 200, "%s", s ? json_object_to_json_string(s) : "");
    expect_type(s, "personal.email", "TEXT", 1);
    expect_type(s, "q-name-pref", "TEXT", 0);
    expect_type(s, "q-motivation", "TEXTAREA", 1);
    expect_type(s, "q-years", "NUMBER", 1);
    expect_type(s, "q-hygiene", "BOOLEAN", 1);
    expect_type(s, "q-start", "DATE", 1);
    expect_type(s, "q-shift", "SINGLE_SELECT", 1);
    expect_type(s, "q-contract", "SINGLE_SELECT", 0);
    expect_type(s, "q-langs", "MULTI_SELECT", 1);
    expect_type(s, "q-certificate", "FILE", 0);
    expect_type(s, "q-info", "INFORMATION", 0);
    cr_assert_str_eq(jstr(find_q(s, "q-info"), "label"), "ℹ️ We process your data under GDPR.");
    json_object *opts = NULL;
    cr_assert(json_object_object_get_ex(find_q(s, "q-shift"), "options", &opts));
    cr_assert_str_eq(jstr(json_object_array_get_idx(opts, 0), "id"), "early");
    cr_assert_str_eq(jstr(json_object_array_get_idx(opts, 0), "label"), "Früh / Early");
    json_object *pp, *g;
    cr_assert(json_object_object_get_ex(s, "privacy_policy", &pp));
    cr_assert_null(jstr(pp, "url"));
    cr_assert(json_object_object_get_ex(pp, "generic", &g) && json_object_get_boolean(g));
    cr_assert_not_null(jstr(pp, "message"));
    json_object_put(s);
    s = get_questions("demo-eploy", "eploy-vacancy-closed", &st);
    cr_assert_eq(st, 410);
    json_object_put(s);
}

/* ---- the consumer ---- */

typedef struct {
    const char *app_id, *account, *posting;
    const char *answers[16][3]; /* id, value, second value (multi) */
} app_spec;

/* Produces sp's application, sealed with key (personal.h) unless key is NULL. */
static void produce_app_sealed(const app_spec *sp, const uint8_t *key) {
    Atsbridge__V1__ApplicationReceived app = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
    Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
    Atsbridge__V1__Consent consent = ATSBRIDGE__V1__CONSENT__INIT;
    Atsbridge__V1__Answer ans[16];
    Atsbridge__V1__Answer *ansp[16];
    char *vals[16][2];
    app.application_id = (char *)sp->app_id;
    app.account_id = (char *)sp->account;
    app.posting_id = (char *)sp->posting;
    app.board = "stepstone_de";
    app.board_application_id = (char *)sp->app_id;
    cand.first_name = "Zoë";
    cand.last_name = "Müller";
    cand.email = "zoe@example.org";
    app.candidate = &cand;
    consent.privacy_policy_accepted = 1;
    app.consent = &consent;
    size_t n = 0;
    for (; n < 16 && sp->answers[n][0]; n++) {
        atsbridge__v1__answer__init(&ans[n]);
        ans[n].question_id = (char *)sp->answers[n][0];
        if (sp->answers[n][2]) {
            vals[n][0] = (char *)sp->answers[n][1];
            vals[n][1] = (char *)sp->answers[n][2];
            ans[n].values = vals[n];
            ans[n].n_values = 2;
        } else {
            ans[n].value = (char *)sp->answers[n][1];
        }
        ansp[n] = &ans[n];
    }
    app.answers = ansp;
    app.n_answers = n;
    Atsbridge__V1__ApplicationReceived sealed;
    uint8_t *blob = NULL;
    if (key) cr_assert_eq(personal_seal_received(&app, key, &sealed, &blob), 0);
    const Atsbridge__V1__ApplicationReceived *out = key ? &sealed : &app;
    size_t len = atsbridge__v1__application_received__get_packed_size(out);
    uint8_t *buf = malloc(len);
    atsbridge__v1__application_received__pack(out, buf);
    free(blob);
    char topic[256];
    kafka_msg m = {.topic = kafka_topic(TOPIC_APPLICATIONS_RECEIVED, topic, sizeof topic),
                   .key = sp->app_id, .payload = buf, .len = len,
                   .schema = "atsbridge.v1.ApplicationReceived", .trace_id = "trace-questions-test"};
    cr_assert_eq(kafka_producer_send(producer, &m), 0);
    free(buf);
}

static void produce_app(const app_spec *sp) { produce_app_sealed(sp, NULL); }

static kafka_consumer *reader(const char *base) {
    char topic[256], g[64], err[256];
    const char *t[] = {kafka_topic(base, topic, sizeof topic)};
    kafka_consumer *c;
    cr_assert_eq(kafka_consumer_new("test", harness_unique("rd", g, sizeof g), t, 1, &c, err, sizeof err), 0);
    return c;
}

/* Everything read so far, so a wait for one message never loses another. */
static Atsbridge__V1__ApplicationEvent *seen_ev[256];
static size_t nseen_ev;
static Atsbridge__V1__ApplicationResolved *seen_res[64];
static size_t nseen_res;

static void drain(kafka_consumer *c, int resolved) {
    rd_kafka_message_t *m = kafka_consumer_poll(c, 100);
    if (!m) return;
    char schema[128];
    const char *sc = kafka_header(m, HDR_SCHEMA, schema, sizeof schema);
    if (resolved && sc && !strcmp(sc, "atsbridge.v1.ApplicationResolved") && nseen_res < 64) {
        Atsbridge__V1__ApplicationResolved *r = atsbridge__v1__application_resolved__unpack(NULL, m->len, m->payload);
        if (r) seen_res[nseen_res++] = r;
    } else if (!resolved && sc && !strcmp(sc, EVENT_SCHEMA) && nseen_ev < 256) {
        Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
        if (ev) seen_ev[nseen_ev++] = ev;
    }
    rd_kafka_message_destroy(m);
}

/* Waits (up to 90 s) for the event of type for app_id (owned by the store). */
static const Atsbridge__V1__ApplicationEvent *wait_event(kafka_consumer *c, const char *app_id, const char *type) {
    for (int i = 0; i < 900; i++) {
        for (size_t k = 0; k < nseen_ev; k++)
            if (!strcmp(seen_ev[k]->application_id, app_id) && !strcmp(seen_ev[k]->type, type)) return seen_ev[k];
        drain(c, 0);
    }
    cr_assert_fail("no %s event for %s", type, app_id);
    return NULL;
}

static const Atsbridge__V1__ApplicationResolved *wait_resolved(kafka_consumer *c, const char *app_id) {
    for (int i = 0; i < 900; i++) {
        for (size_t k = 0; k < nseen_res; k++)
            if (seen_res[k]->application && !strcmp(seen_res[k]->application->application_id, app_id))
                return seen_res[k];
        drain(c, 1);
    }
    cr_assert_fail("no resolved message for %s", app_id);
    return NULL;
}

static void forget_all(void) {
    for (size_t k = 0; k < nseen_ev; k++) atsbridge__v1__application_event__free_unpacked(seen_ev[k], NULL);
    for (size_t k = 0; k < nseen_res; k++) atsbridge__v1__application_resolved__free_unpacked(seen_res[k], NULL);
    nseen_ev = nseen_res = 0;
}

static const Atsbridge__V1__MappedAnswer *mapped(const Atsbridge__V1__ApplicationResolved *r, const char *field) {
    for (size_t i = 0; i < r->n_mapped_answers; i++)
        if (!strcmp(r->mapped_answers[i]->ats_field_id, field)) return r->mapped_answers[i];
    return NULL;
}

Test(questions_service, rejected_resolved_held_and_released_on_go_live) {
    kafka_consumer *events = reader(TOPIC_APPLICATION_EVENTS);
    kafka_consumer *resolved = reader(TOPIC_APPLICATIONS_RESOLVED);
    app_spec missing = {"app-missing", "demo-lever", "demo-lever-posting", {{"q-years", "7", NULL}}};
    app_spec bad_option = {"app-bad-option", "demo-lever", "demo-lever-posting",
                           {{"q-motivation", "Spaß 🚚", NULL}, {"q-years", "7", NULL}, {"q-forklift", "yes", NULL},
                            {"q-start", "2026-12-01", NULL}, {"q-shift", "weekend", NULL},
                            {"q-langs", "de", "en"}}};
    app_spec good = {"app-good", "demo-lever", "demo-lever-posting",
                     {{"q-motivation", "Spaß 🚚", NULL}, {"q-years", "7", NULL}, {"q-forklift", "Yes", NULL},
                      {"q-start", "2026-12-01", NULL}, {"q-shift", "Spätschicht", NULL},
                      {"q-langs", "de", "en"}}};
    app_spec live_posting = {"app-held", "demo-lever", "lever-posting-driver-hamburg",
                             {{"q-years", "12", NULL}, {"q-right-to-work", "no", NULL}}};
    app_spec eploy = {"app-eploy", "demo-eploy", "demo-eploy-posting",
                      {{"q-motivation", "Kochen", NULL}, {"q-years", "3", NULL}, {"q-hygiene", "true", NULL},
                       {"q-start", "2026-12-01", NULL}, {"q-shift", "late", NULL}, {"q-langs", "ga", "pl"}}};
    produce_app(&missing);
    produce_app(&bad_option);
    produce_app(&good);
    produce_app(&live_posting);
    produce_app(&eploy);

    const Atsbridge__V1__ApplicationEvent *ev = wait_event(events, "app-missing", "rejected");
    cr_assert_str_eq(ev->state, "rejected");
    cr_assert_str_eq(ev->error_code, "invalid_answers");
    cr_assert_not_null(strstr(ev->detail, "q-motivation:required"), "%s", ev->detail);
    cr_assert_not_null(strstr(ev->detail, "q-langs:required"), "%s", ev->detail);
    cr_assert_null(strstr(ev->detail, "q-years"), "%s", ev->detail);

    ev = wait_event(events, "app-bad-option", "rejected");
    cr_assert_str_eq(ev->detail, "q-shift:not_an_option");

    const Atsbridge__V1__ApplicationResolved *r = wait_resolved(resolved, "app-good");
    cr_assert_str_eq(r->ats, "lever");
    cr_assert_str_eq(r->source_label, "StepStone.de");
    cr_assert_str_eq(r->run_mode, "test");
    cr_assert(r->posting_is_test);
    cr_assert_str_eq(mapped(r, "customQuestions/cq-demo-screening/q-shift")->values[0], "late");
    cr_assert_str_eq(mapped(r, "customQuestions/cq-demo-screening/q-forklift")->values[0], "yes");
    cr_assert_str_eq(mapped(r, "personalInformation/fullName")->values[0], "Zoë Müller");
    ev = wait_event(events, "app-good", "resolved");
    cr_assert_str_eq(ev->state, "resolved");
    cr_assert_str_eq(ev->ats, "lever");

    r = wait_resolved(resolved, "app-eploy");
    cr_assert_str_eq(r->ats, "eploy");
    cr_assert_str_eq(mapped(r, "Questions/q-hygiene")->values[0], "true");

    /* Test mode, posting not marked test: held, kept in questions.held. */
    ev = wait_event(events, "app-held", "held");
    cr_assert_str_eq(ev->state, "held");
    cr_assert_str_eq(ev->error_code, "test_mode");
    PGconn *c = harness_connect(dsn);
    PGresult *res = pg_exec(c, "SELECT reason FROM questions.held WHERE application_id = 'app-held'", 0, NULL);
    cr_assert(pg_ok(res) && PQntuples(res) == 1);
    cr_assert_str_eq(PQgetvalue(res, 0, 0), "test_mode");
    PQclear(res);

    /* Go live as status does it: the account-level event is produced first,
     * the new run mode committed after it (here a second later); questions
     * must not judge the held application by the old mode. */
    Atsbridge__V1__ApplicationEvent gl = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    gl.account_id = "demo-lever";
    gl.subject_id = "demo-lever";
    gl.type = "go_live";
    events_prepare(&gl, "status", "test", id, sizeof id);
    cr_assert_eq(events_emit(producer, &gl, NULL), 0);
    sleep(1); /* the gap between status's produce and its COMMIT */
    run(c, "UPDATE status.accounts SET run_mode = 'live' WHERE account_id = 'demo-lever'", 0, NULL);
    r = wait_resolved(resolved, "app-held");
    cr_assert_str_eq(r->run_mode, "live");
    cr_assert(!r->posting_is_test);
    cr_assert_str_eq(mapped(r, "customQuestions/cq-short/q-right-to-work")->values[0], "no");
    ev = wait_event(events, "app-held", "resolved");
    int gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        res = pg_exec(c, "SELECT 1 FROM questions.held WHERE application_id = 'app-held'", 0, NULL);
        gone = pg_ok(res) && PQntuples(res) == 0;
        PQclear(res);
        if (!gone) usleep(100 * 1000);
    }
    cr_assert(gone, "released application left questions.held");
    PQfinish(c);
    kafka_consumer_destroy(events, 5000);
    kafka_consumer_destroy(resolved, 5000);
}

/* Poison messages on applications.received: each goes to the dead-letter
 * topic with its error-code and the consumer goes on with the next one. */
static void produce_raw(const char *schema, const void *payload, size_t len, const char *key) {
    char topic[256];
    kafka_msg m = {.topic = kafka_topic(TOPIC_APPLICATIONS_RECEIVED, topic, sizeof topic),
                   .key = key, .payload = payload, .len = len, .schema = schema,
                   .trace_id = "trace-questions-poison"};
    cr_assert_eq(kafka_producer_send(producer, &m), 0);
}

Test(questions_service, poison_messages_are_dead_lettered_and_consumption_continues) {
    kafka_consumer *resolved = reader(TOPIC_APPLICATIONS_RESOLVED);
    kafka_consumer *dlq = reader(TOPIC_APPLICATIONS_DEADLETTER);
    static const uint8_t truncated[] = {0x0a, 0x10, 'a', 'b', 'c'};
    produce_raw("atsbridge.v1.ApplicationReceived", truncated, sizeof truncated, "poison-1");
    produce_raw("atsbridge.v1.Nonsense", "{}", 2, "poison-2");
    size_t big_len = 900 * 1024;
    uint8_t *big = malloc(big_len);
    cr_assert_not_null(big);
    memset(big, 0xff, big_len);
    produce_raw("atsbridge.v1.ApplicationReceived", big, big_len, "poison-3");
    free(big);
    app_spec bad_text = {"app-bad-utf8", "demo-lever", "demo-lever-posting", {{"q-motivation", "Spa\xc3\x28", NULL}}};
    produce_app(&bad_text);
    app_spec good = {"app-after-poison", "demo-lever", "demo-lever-posting",
                     {{"q-motivation", "Spaß 🚚", NULL}, {"q-years", "7", NULL}, {"q-forklift", "Yes", NULL},
                      {"q-start", "2026-12-01", NULL}, {"q-shift", "Spätschicht", NULL},
                      {"q-langs", "de", "en"}}};
    produce_app(&good);
    wait_resolved(resolved, "app-after-poison");

    int undecodable = 0, unknown = 0, invalid = 0, n = 0;
    size_t biggest = 0;
    for (int i = 0; i < 300 && n < 4; i++) {
        rd_kafka_message_t *m = kafka_consumer_poll(dlq, 100);
        if (!m) continue;
        char code[64], topic[256], want[256];
        cr_assert_not_null(kafka_header(m, "error-code", code, sizeof code), "error-code header");
        cr_assert_not_null(kafka_header(m, "original-topic", topic, sizeof topic));
        cr_assert_str_eq(topic, kafka_topic(TOPIC_APPLICATIONS_RECEIVED, want, sizeof want));
        undecodable += !strcmp(code, "undecodable");
        unknown += !strcmp(code, "unknown_schema");
        if (!strcmp(code, "invalid_message")) {
            char why[300];
            cr_assert_not_null(kafka_header(m, "error-message", why, sizeof why));
            cr_expect_str_eq(why, "answers.value: not valid UTF-8");
            invalid++;
        }
        if (m->len > biggest) biggest = m->len;
        n++;
        rd_kafka_message_destroy(m);
    }
    cr_assert_eq(n, 4, "four poison messages dead-lettered, got %d", n);
    cr_assert_eq(invalid, 1, "invalid UTF-8 in an answer: invalid_message");
    cr_assert_eq(undecodable, 2, "truncated and oversized garbage: undecodable");
    cr_assert_eq(unknown, 1, "unknown schema");
    cr_assert_eq(biggest, big_len, "the oversized message is kept unchanged");
    kafka_consumer_destroy(dlq, 5000);
    kafka_consumer_destroy(resolved, 5000);
}

/* ---- cache staleness (own suite: short TTL) ---- */

TestSuite(questions_cache, .init = setup_short_ttl, .fini = teardown, .timeout = 240);

static void fault(const char *body) {
    char url[128];
    snprintf(url, sizeof url, "%s/_sim/faults", sim);
    long st = harness_http(body ? "POST" : "DELETE", url, body, NULL, NULL);
    cr_assert(st == 200 || st == 201 || st == 204, "fault API: %ld", st);
}

Test(questions_cache, stale_while_ats_down_never_past_max_age) {
    long st;
    json_object *s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 200);
    cr_assert_str_eq(cache_status(s), "miss");
    json_object_put(s);
    sleep(2); /* past the 1 s TTL */
    s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 200);
    cr_assert_str_eq(cache_status(s), "revalidated", "unchanged content only gets a new expiry");
    json_object_put(s);
    sleep(2);
    fault("{\"target\":\"lever.*\",\"mode\":\"status\",\"status\":503}");
    s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 200, "served stale while the ATS is down");
    cr_assert_str_eq(cache_status(s), "stale");
    find_q(s, "q-langs");
    json_object_put(s);
    /* Past the maximum age (24 h by default): 503, never older data. */
    PGconn *c = harness_connect(dsn);
    run(c, "UPDATE questions.question_sets SET validated_at = now() - interval '25 hours'", 0, NULL);
    s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 503);
    json_object *err;
    cr_assert(json_object_object_get_ex(s, "error", &err));
    cr_assert_str_eq(jstr(err, "code"), "ats_unavailable");
    json_object_put(s);
    /* Uncached posting while down: 503 as well. */
    s = get_questions("demo-eploy", "demo-eploy-posting", &st);
    cr_assert_eq(st, 200, "eploy is not faulted");
    json_object_put(s);
    fault(NULL);
    s = get_questions("demo-lever", "demo-lever-posting", &st);
    cr_assert_eq(st, 200);
    cr_assert_str_eq(cache_status(s), "revalidated");
    json_object_put(s);
    PGresult *r = pg_exec(c, "SELECT validated_at > now() - interval '1 minute' FROM questions.question_sets"
                             " WHERE posting_id = 'demo-lever-posting'", 0, NULL);
    cr_assert(pg_ok(r) && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't');
    PQclear(r);
    PQfinish(c);
}

Test(questions_cache, ats_down_without_cache_retries_then_resolves) {
    /* The consumer does not reject while the ATS is down: it retries. */
    kafka_consumer *resolved = reader(TOPIC_APPLICATIONS_RESOLVED);
    fault("{\"target\":\"eploy.*\",\"mode\":\"status\",\"status\":503}");
    app_spec eploy = {"app-retry", "demo-eploy", "demo-eploy-posting",
                      {{"q-motivation", "Kochen", NULL}, {"q-years", "3", NULL}, {"q-hygiene", "no", NULL},
                       {"q-start", "2026-12-01", NULL}, {"q-shift", "early", NULL}, {"q-langs", "de", "en"}}};
    produce_app(&eploy);
    sleep(3);
    PGconn *c = harness_connect(dsn);
    PGresult *r = pg_exec(c, "SELECT count(*) FROM questions.question_sets", 0, NULL);
    cr_assert(pg_ok(r));
    cr_assert_str_eq(PQgetvalue(r, 0, 0), "0");
    PQclear(r);
    PQfinish(c);
    fault(NULL);
    const Atsbridge__V1__ApplicationResolved *res = wait_resolved(resolved, "app-retry");
    cr_assert_str_eq(res->ats, "eploy");
    kafka_consumer_destroy(resolved, 5000);
}

/* ---- sealed personal data (common/personal.h) ---- */

static long erased_metric(void) {
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "%s/metrics", qs);
    long st = harness_http("GET", url, NULL, NULL, &body);
    cr_assert_eq(st, 200);
    const char *p = body ? strstr(body, "atsb_erased_messages_total{service=\"questions\"} ") : NULL;
    long v = p ? strtol(strchr(p, ' ') + 1, NULL, 10) : 0;
    free(body);
    return v;
}

static void destroy_key(PGconn *c, const char *id) {
    cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
    cr_assert_eq(data_keys_destroy(c, 1, &id), 0);
    cr_assert_eq(pg_run(c, "COMMIT", 0, NULL), 0);
}

Test(questions_service, sealed_applications_resolved_sealed_erased_skipped) {
    kafka_consumer *events = reader(TOPIC_APPLICATION_EVENTS);
    kafka_consumer *resolved = reader(TOPIC_APPLICATIONS_RESOLVED);
    kafka_consumer *dlq = reader(TOPIC_APPLICATIONS_DEADLETTER);
    PGconn *c = harness_connect(dsn);
    /* atsb-questions applied the keys component at start. */
    uint8_t k_good[DATA_KEY_BYTES], k_held[DATA_KEY_BYTES], k_held_erased[DATA_KEY_BYTES],
        k_erased[DATA_KEY_BYTES], k[DATA_KEY_BYTES], wrong[DATA_KEY_BYTES] = {1};
    cr_assert_eq(data_key_get(c, "app-sealed", 1, k_good), DATA_KEY_OK);
    cr_assert_eq(data_key_get(c, "app-sealed-held", 1, k_held), DATA_KEY_OK);
    cr_assert_eq(data_key_get(c, "app-held-erased", 1, k_held_erased), DATA_KEY_OK);
    cr_assert_eq(data_key_get(c, "app-erased", 1, k_erased), DATA_KEY_OK);
    cr_assert_eq(data_key_get(c, "app-undecryptable", 1, k), DATA_KEY_OK);
    app_spec good = {"app-sealed", "demo-lever", "demo-lever-posting",
                     {{"q-motivation", "Spaß 🚚", NULL}, {"q-years", "7", NULL}, {"q-forklift", "Yes", NULL},
                      {"q-start", "2026-12-01", NULL}, {"q-shift", "Spätschicht", NULL},
                      {"q-langs", "de", "en"}}};
    app_spec erased = good, undecryptable = good;
    erased.app_id = "app-erased";
    undecryptable.app_id = "app-undecryptable";
    app_spec held = {"app-sealed-held", "demo-lever", "lever-posting-driver-hamburg",
                     {{"q-years", "12", NULL}, {"q-right-to-work", "no", NULL}}};
    app_spec held_erased = held;
    held_erased.app_id = "app-held-erased";

    /* Sealed with its own key, which is destroyed before questions can read
     * the message: erased while the message waits on the topic. */
    destroy_key(c, "app-erased");
    produce_app_sealed(&erased, k_erased);
    produce_app_sealed(&undecryptable, wrong);
    produce_app_sealed(&good, k_good);
    produce_app_sealed(&held, k_held);
    produce_app_sealed(&held_erased, k_held_erased);

    /* Resolved, sealed again: nothing personal in clear, and it opens. */
    const Atsbridge__V1__ApplicationResolved *r = wait_resolved(resolved, "app-sealed");
    cr_assert_gt(r->sealed.len, 0);
    cr_assert_gt(r->application->sealed.len, 0);
    cr_assert_null(r->application->candidate);
    cr_assert_eq(r->n_mapped_answers, 0);
    cr_assert_str_eq(r->ats, "lever");
    cr_assert_eq(personal_open_resolved(c, (Atsbridge__V1__ApplicationResolved *)r), PERSONAL_OK);
    cr_assert_str_eq(r->application->candidate->email, "zoe@example.org");
    cr_assert_str_eq(mapped(r, "customQuestions/cq-demo-screening/q-shift")->values[0], "late");
    cr_assert_str_eq(mapped(r, "personalInformation/fullName")->values[0], "Zoë Müller");
    wait_event(events, "app-sealed", "resolved");

    /* Held with its sealed payload; an erasure before the release ends it. */
    wait_event(events, "app-sealed-held", "held");
    wait_event(events, "app-held-erased", "held");
    PGresult *res = pg_exec(c,
                            "SELECT count(*) FROM questions.held WHERE application_id IN ('app-sealed-held', 'app-held-erased')"
                            " AND position(convert_to('zoe@example.org', 'UTF8') in payload) = 0",
                            0, NULL);
    cr_assert(pg_ok(res));
    cr_assert_str_eq(PQgetvalue(res, 0, 0), "2", "held payloads stay sealed");
    PQclear(res);
    destroy_key(c, "app-held-erased");

    /* The undecryptable one is dead-lettered as sealed_invalid. */
    int poisoned = 0;
    for (int i = 0; i < 300 && !poisoned; i++) {
        rd_kafka_message_t *m = kafka_consumer_poll(dlq, 100);
        if (!m) continue;
        char code[64];
        if (m->key_len == strlen("app-undecryptable") && !memcmp(m->key, "app-undecryptable", m->key_len)) {
            cr_assert_str_eq(kafka_header(m, "error-code", code, sizeof code), "sealed_invalid");
            poisoned = 1;
        }
        rd_kafka_message_destroy(m);
    }
    cr_assert(poisoned, "sealed_invalid dead letter");

    /* Go live releases the held ones: one resolved sealed, one skipped as erased. */
    Atsbridge__V1__ApplicationEvent gl = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    gl.account_id = "demo-lever";
    gl.subject_id = "demo-lever";
    gl.type = "go_live";
    events_prepare(&gl, "status", "test-sealed", id, sizeof id);
    run(c, "UPDATE status.accounts SET run_mode = 'live' WHERE account_id = 'demo-lever'", 0, NULL);
    cr_assert_eq(events_emit(producer, &gl, NULL), 0);
    r = wait_resolved(resolved, "app-sealed-held");
    cr_assert_eq(personal_open_resolved(c, (Atsbridge__V1__ApplicationResolved *)r), PERSONAL_OK);
    cr_assert_str_eq(mapped(r, "customQuestions/cq-short/q-right-to-work")->values[0], "no");
    int gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        res = pg_exec(c, "SELECT count(*) FROM questions.held", 0, NULL);
        gone = pg_ok(res) && !strcmp(PQgetvalue(res, 0, 0), "0");
        PQclear(res);
        if (!gone) usleep(100 * 1000);
    }
    cr_assert(gone, "both held rows are gone");
    /* Erased: counted twice (the received one, the held one), never decided. */
    long n = 0;
    for (int i = 0; i < 100 && (n = erased_metric()) < 2; i++) usleep(100 * 1000);
    cr_assert_eq(n, 2, "atsb_erased_messages_total");
    for (int i = 0; i < 20; i++) drain(events, 0);
    for (int i = 0; i < 20; i++) drain(resolved, 1);
    for (size_t i = 0; i < nseen_ev; i++) {
        cr_assert_str_neq(seen_ev[i]->application_id, "app-erased");
        cr_assert(strcmp(seen_ev[i]->application_id, "app-held-erased") || !strcmp(seen_ev[i]->type, "held"),
                  "no decision for an erased application: %s", seen_ev[i]->type);
    }
    for (size_t i = 0; i < nseen_res; i++) {
        const char *app = seen_res[i]->application ? seen_res[i]->application->application_id : "";
        cr_assert(strcmp(app, "app-erased") && strcmp(app, "app-held-erased"), "%s resolved", app);
    }
    PQfinish(c);
    kafka_consumer_destroy(dlq, 5000);
    kafka_consumer_destroy(events, 5000);
    kafka_consumer_destroy(resolved, 5000);
}
