#include "dtest.h"

#include "crypto.h"
#include "credentials.h"
#include "lever_env.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"
#include "personal.h"
#include "pg.h"
#include "atsbridge/v1/ats.pb-c.h"
#include "atsbridge/v1/events.pb-c.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const topics[] = {TOPIC_APPLICATIONS_RESOLVED, TOPIC_APPLICATIONS_RETRY,
                                     TOPIC_APPLICATIONS_DEADLETTER, TOPIC_ATS_COMMANDS,
                                     TOPIC_BGCHECK_UPDATES, TOPIC_APPLICATION_EVENTS,
                                     TOPIC_APPLICATIONS_RETRY_TIERS};

static const char *sim_bin(void) {
    const char *b = getenv("ATSB_ATSSIM_BIN");
    return b && *b ? b : ATSB_BIN_DIR "/tools/atssim/atssim";
}

PGconn *dtest_db(dtest *t) {
    PGconn *c = PQconnectdb(t->dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    return c;
}

void dtest_sql(dtest *t, const char *sql) {
    PGconn *c = dtest_db(t);
    PGresult *r = PQexec(c, sql);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "sql: %s",
              PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

char *dtest_query1(dtest *t, const char *sql, int n, const char *const *params) {
    PGconn *c = dtest_db(t);
    PGresult *r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "sql: %s", PQerrorMessage(c));
    char *v = strdup(PQntuples(r) && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return v;
}

void dtest_setup(dtest *t) {
    memset(t, 0, sizeof *t);
    harness_env_load();
    cr_assert_eq(crypto_init(), 0);
    char unique[64];
    harness_unique("dl", unique, sizeof unique);
    snprintf(t->prefix, sizeof t->prefix, "%s.", unique);
    snprintf(t->group, sizeof t->group, "%s-delivery", unique);
    setenv("ATSB_TOPIC_PREFIX", t->prefix, 1);
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
        char name[256];
        harness_create_topic(kafka_topic(topics[i], name, sizeof name), 3);
    }
    harness_create_db(t->dsn, sizeof t->dsn);
    PGconn *mc = dtest_db(t);
    harness_exec_dir(mc, ATSB_SOURCE_DIR "/services/status/migrations");
    harness_exec_dir(mc, ATSB_SOURCE_DIR "/services/ingest/migrations");
    PQfinish(mc);
    snprintf(t->dir, sizeof t->dir, "/tmp/%s", unique);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "%s", t->dir);
    mkdir(cmd, 0755);
    char port_file[300], log[300], seed[300], parent[64];
    snprintf(port_file, sizeof port_file, "%s/sim.port", t->dir);
    snprintf(log, sizeof log, "%s/atssim.log", t->dir);
    snprintf(seed, sizeof seed, "%s/tools/atssim/seed.json", ATSB_SOURCE_DIR);
    if (getenv("ATSB_ATSSIM_SEED")) snprintf(seed, sizeof seed, "%s", getenv("ATSB_ATSSIM_SEED"));
    snprintf(parent, sizeof parent, "ATSB_SIM_PARENT_PID=%d", (int)getpid());
    char *argv[] = {(char *)sim_bin(), "--addr", "127.0.0.1:0", "--seed", seed, "--port-file", port_file, NULL};
    char *env[] = {parent, NULL};
    t->sim_pid = harness_spawn(argv, env, log);
    char *port = NULL;
    for (int i = 0; i < 200 && !(port = harness_read_file(port_file)); i++) usleep(50 * 1000);
    cr_assert_not_null(port, "atssim did not start (see %s)", log);
    snprintf(t->sim, sizeof t->sim, "http://127.0.0.1:%d", atoi(port) /* test code: trusted file */);
    free(port);
    char url[200];
    snprintf(url, sizeof url, "%s/_sim/faults", t->sim);
    cr_assert_eq(harness_wait_http(url, 10000), 0, "atssim not answering");
}

static void stop_pid(pid_t *pid, int sig) {
    if (*pid <= 0) return;
    kill(*pid, sig);
    for (int i = 0; i < 300; i++) {
        if (waitpid(*pid, NULL, WNOHANG) == *pid) {
            *pid = 0;
            return;
        }
        usleep(50 * 1000);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

void dtest_teardown(dtest *t) {
    stop_pid(&t->delivery2_pid, SIGTERM);
    stop_pid(&t->delivery_pid, SIGTERM);
    stop_pid(&t->sim_pid, SIGTERM);
}

/* Starts one atsb-delivery on *port (chosen when 0); its base URL into url. */
static pid_t start_delivery(dtest *t, int *port, const char *log_name, char *url, size_t urllen) {
    static char env[40][768];
    size_t n = 0;
    if (!*port) *port = harness_free_port();
    snprintf(env[n++], 768, "ATSB_PG_DSN=%s", t->dsn);
    snprintf(env[n++], 768, "ATSB_DELIVERY_ADDR=127.0.0.1:%d", *port);
    snprintf(env[n++], 768, "ATSB_DELIVERY_GROUP=%s", t->group);
    snprintf(env[n++], 768, "ATSB_LEVER_API_URL=%s/lever/v1", t->sim);
    snprintf(env[n++], 768, "ATSB_LEVER_TOKEN_URL=%s/lever/auth/oauth/token", t->sim);
    snprintf(env[n++], 768, "ATSB_LEVER_AUTHORIZE_URL=%s/lever/auth/authorize", t->sim);
    snprintf(env[n++], 768, "ATSB_LEVER_REDIRECT_URI=http://127.0.0.1:%d/oauth/lever/callback", *port);
    snprintf(env[n++], 768, "ATSB_PROVIDER_URL=%s/provider/v1", t->sim);
    snprintf(env[n++], 768, "ATSB_DELIVERY_WORKERS=8");
    snprintf(env[n++], 768, "ATSB_DELIVERY_BACKOFF_BASE_MS=200");
    snprintf(env[n++], 768, "ATSB_DELIVERY_BACKOFF_CAP_MS=1500");
    snprintf(env[n++], 768, "ATSB_DELIVERY_BUSY_RETRY_MS=300");
    snprintf(env[n++], 768, "ATSB_DELIVERY_HTTP_TIMEOUT_MS=4000");
    snprintf(env[n++], 768, "ATSB_LOG_LEVEL=info");
    for (size_t i = 0; i < t->nextra && n < 39; i++) snprintf(env[n++], 768, "%s", t->extra_env[i]);
    char *envp[41];
    for (size_t i = 0; i < n; i++) envp[i] = env[i];
    envp[n] = NULL;
    char log[300];
    snprintf(log, sizeof log, "%s/%s", t->dir, log_name);
    char *argv[] = {ATSB_BIN_DIR "/services/delivery/atsb-delivery", NULL};
    pid_t pid = harness_spawn(argv, envp, log);
    snprintf(url, urllen, "http://127.0.0.1:%d", *port);
    char ready[200];
    snprintf(ready, sizeof ready, "%s/readyz", url);
    cr_assert_eq(harness_wait_http(ready, 30000), 0, "atsb-delivery not ready (see %s)", log);
    return pid;
}

void dtest_start_delivery(dtest *t) {
    t->delivery_pid = start_delivery(t, &t->delivery_port, "delivery.log", t->delivery, sizeof t->delivery);
}

void dtest_start_second_delivery(dtest *t) {
    char url[128];
    t->delivery2_pid = start_delivery(t, &t->delivery2_port, "delivery2.log", url, sizeof url);
}

void dtest_stop_delivery(dtest *t, int kill9) { stop_pid(&t->delivery_pid, kill9 ? SIGKILL : SIGTERM); }

void dtest_account(dtest *t, const char *id, const char *ats, const char *run_mode, const char *notification_url) {
    PGconn *c = dtest_db(t);
    const char *p[] = {id, ats, run_mode, notification_url};
    PGresult *r = PQexecParams(c,
                               "INSERT INTO status.accounts (account_id, ats, run_mode, notification_url, source_labels,"
                               " features, provider_client_id)"
                               " VALUES ($1,$2,$3,$4,'{\"totaljobs\":\"stepstone\"}',"
                               " '[\"background_checks\",\"exports\"]', 'demo-asurint-client')",
                               4, NULL, p, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK, "account: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

json_object *dtest_sim(dtest *t, const char *method, const char *path, const char *body) {
    char url[512], *resp = NULL;
    snprintf(url, sizeof url, "%s%s", t->sim, path);
    long st = harness_http(method, url, body, NULL, &resp);
    cr_assert(st >= 200 && st < 300, "sim %s %s: %ld %s", method, path, st, resp ? resp : "");
    json_object *o = json_tokener_parse(resp ? resp : "null");
    free(resp);
    return o;
}

const char *dtest_jstr(json_object *o, const char *k) {
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) && v ? json_object_get_string(v) : NULL;
}

int64_t dtest_jint(json_object *o, const char *k) {
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : -1;
}

/* The code flow with atsbridge's development client, as an activation would
 * do it (tokens minted by the control API belong to another client and
 * could not be refreshed). */
void dtest_lever_connection(dtest *t, const char *account) {
    char url[1024], *html = NULL, token_url[256];
    snprintf(url, sizeof url,
             "%s/lever/auth/authorize?client_id=atsbridge-dev-client&redirect_uri=http://127.0.0.1:9/cb&state=s"
             "&scope=offline_access%%20postings:read:admin%%20postings:write:admin%%20uploads:write:admin"
             "%%20opportunities:write:admin%%20notes:write:admin%%20stages:read:admin%%20tags:read:admin"
             "%%20webhooks:write:admin"
             "&response_type=code&prompt=consent&audience=https://api.lever.co/v1/",
             t->sim);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &html), 302, "%s", html ? html : "");
    const char *c0 = strstr(html, "code=");
    cr_assert_not_null(c0, "%s", html);
    c0 += 5;
    char code[128];
    size_t n = strcspn(c0, "&\"");
    cr_assert_lt(n, sizeof code);
    memcpy(code, c0, n);
    code[n] = '\0';
    free(html);
    snprintf(token_url, sizeof token_url, "%s/lever/auth/oauth/token", t->sim);
    setenv("ATSB_LEVER_TOKEN_URL", token_url, 1);
    char access[2048], refresh[2048], scope[1024], secret[4200];
    int expires_in = 0;
    cr_assert_eq(credentials_code_grant(lever_env_get(NULL), code, "http://127.0.0.1:9/cb", access, sizeof access,
                                        refresh, sizeof refresh, scope, sizeof scope,
                                        &expires_in), 0);
    snprintf(secret, sizeof secret, "{\"access_token\":\"%s\",\"refresh_token\":\"%s\"}", access, refresh);
    PGconn *c = dtest_db(t);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t exp = (int64_t)ts.tv_sec * 1000 + (int64_t)expires_in * 1000;
    cr_assert_eq(credentials_save(c, account, "Connection-OAuth-1", "lever", "", "", "production", scope, secret, exp),
                 0);
    PQfinish(c);
}

long dtest_eploy_connection(dtest *t, const char *account, const char *client_id, const char *secret) {
    char url[256], body[512], *resp = NULL;
    snprintf(url, sizeof url, "%s/v1/accounts/%s/connections/eploy", t->delivery, account);
    snprintf(body, sizeof body, "{\"site_url\":\"%s/eploy/demo-eploy-site\",\"client_id\":\"%s\",\"client_secret\":\"%s\"}",
             t->sim, client_id, secret);
    long st = harness_http("POST", url, body, "Authorization: Bearer dev-admin-token", &resp);
    free(resp);
    return st;
}

void dtest_document(dtest *t, const void *data, size_t len, const char *content_type, char *sha) {
    crypto_sha256_hex(data, len, sha);
    char size[32];
    snprintf(size, sizeof size, "%zu", len);
    const char *p[] = {sha, content_type, size, data};
    const int lens[] = {0, 0, 0, (int)len};
    const int fmts[] = {0, 0, 0, 1};
    PGconn *c = dtest_db(t);
    PGresult *r = PQexecParams(c,
                               "INSERT INTO ingest.documents (sha256, content_type, size_bytes, content)"
                               " VALUES ($1,$2,$3::bigint,$4) ON CONFLICT DO NOTHING",
                               4, NULL, p, lens, fmts, 0);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK, "document: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

static Atsbridge__V1__MappedAnswer *answer(const char *id, const char *type, const char *v1, const char *v2) {
    Atsbridge__V1__MappedAnswer *a = calloc(1, sizeof *a);
    atsbridge__v1__mapped_answer__init(a);
    a->ats_field_id = (char *)id;
    a->type = (char *)type;
    a->values = calloc(2, sizeof(char *));
    a->values[a->n_values++] = (char *)v1;
    if (v2) a->values[a->n_values++] = (char *)v2;
    return a;
}

void dtest_produce(dtest *t, const char *account, const char *ats, const char *posting, int posting_is_test,
                   int with_cv, dtest_app *out) {
    char unique[64];
    harness_unique("app", unique, sizeof unique);
    snprintf(out->app_id, sizeof out->app_id, "%s", unique);
    snprintf(out->email, sizeof out->email, "%s@example.org", unique);
    out->cv_sha[0] = '\0';
    Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
    cand.first_name = "Zoë";
    cand.last_name = "Müller";
    cand.email = out->email;
    cand.phone = "+49 30 1234567";
    cand.location = "Berlin";
    Atsbridge__V1__ApplicationReceived rcv = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
    rcv.application_id = out->app_id;
    rcv.board = "totaljobs";
    rcv.board_application_id = unique;
    rcv.account_id = (char *)account;
    rcv.posting_id = (char *)posting;
    rcv.candidate = &cand;
    Atsbridge__V1__Consent consent = ATSBRIDGE__V1__CONSENT__INIT;
    consent.privacy_policy_accepted = 1;
    rcv.consent = &consent;
    Atsbridge__V1__DocumentRef doc = ATSBRIDGE__V1__DOCUMENT_REF__INIT, *docs[1] = {&doc};
    if (with_cv) {
        char pdf[128];
        int n = snprintf(pdf, sizeof pdf, "%%PDF-1.4 cv of %s\n%%%%EOF\n", unique);
        dtest_document(t, pdf, (size_t)n, "application/pdf", out->cv_sha);
        doc.kind = "cv";
        doc.filename = "cv.pdf";
        doc.content_type = "application/pdf";
        doc.sha256 = out->cv_sha;
        doc.size_bytes = (uint64_t)n;
        rcv.documents = docs;
        rcv.n_documents = 1;
    }
    Atsbridge__V1__MappedAnswer *ans[16];
    size_t na = 0;
    if (!strcmp(ats, "lever") && !strcmp(posting, "demo-lever-posting")) {
        ans[na++] = answer("cq-demo-screening/q-motivation", "TEXTAREA", "Ich liebe Logistik 🚚", NULL);
        ans[na++] = answer("cq-demo-screening/q-years", "NUMBER", "7", NULL);
        ans[na++] = answer("cq-demo-screening/q-forklift", "BOOLEAN", "yes", NULL);
        ans[na++] = answer("cq-demo-screening/q-start", "DATE", "2026-12-01", NULL);
        ans[na++] = answer("cq-demo-screening/q-shift", "SINGLE_SELECT", "early", NULL);
        ans[na++] = answer("cq-demo-screening/q-langs", "MULTI_SELECT", "de", "en");
    } else if (!strcmp(ats, "lever")) {
        ans[na++] = answer("cq-short/q-years", "NUMBER", "3", NULL);
        ans[na++] = answer("cq-short/q-right-to-work", "BOOLEAN", "yes", NULL);
    } else if (!strcmp(posting, "demo-eploy-posting")) {
        /* The ids as the questions service maps them (Questions/<id>,
         * Candidate/<field> for the personal block). */
        ans[na++] = answer("Candidate/FirstName", "TEXT", "Zoë", NULL);
        ans[na++] = answer("Questions/q-motivation", "TEXTAREA", "Ich koche gern", NULL);
        ans[na++] = answer("Questions/q-years", "NUMBER", "4", NULL);
        ans[na++] = answer("Questions/q-hygiene", "BOOLEAN", "true", NULL);
        ans[na++] = answer("Questions/q-start", "DATE", "2026-12-01", NULL);
        ans[na++] = answer("Questions/q-shift", "SINGLE_SELECT", "early", NULL);
        ans[na++] = answer("Questions/q-langs", "MULTI_SELECT", "de", "en");
    } else {
        ans[na++] = answer("q-years", "NUMBER", "3", NULL);
        ans[na++] = answer("q-right-to-work", "BOOLEAN", "yes", NULL);
    }
    Atsbridge__V1__ApplicationResolved r = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
    r.application = &rcv;
    r.ats = (char *)ats;
    r.source_label = !strcmp(ats, "eploy") ? "stepstone" : "Totaljobs";
    r.mapped_answers = ans;
    r.n_mapped_answers = na;
    r.run_mode = "live";
    r.posting_is_test = posting_is_test;
    const Atsbridge__V1__ApplicationResolved *msg = &r;
    Atsbridge__V1__ApplicationResolved sealed;
    Atsbridge__V1__ApplicationReceived sealed_app;
    uint8_t *blobs[2] = {NULL, NULL};
    if (t->seal) {
        uint8_t key[DATA_KEY_BYTES];
        PGconn *c = dtest_db(t);
        cr_assert_eq(data_key_get(c, out->app_id, 1, key), DATA_KEY_OK);
        if (t->seal == DTEST_SEAL_ERASED) {
            const char *id = out->app_id;
            cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
            cr_assert_eq(data_keys_destroy(c, 1, &id), 0);
            cr_assert_eq(pg_run(c, "COMMIT", 0, NULL), 0);
        }
        if (t->seal == DTEST_SEAL_WRONG_KEY) key[0] ^= 1;
        PQfinish(c);
        cr_assert_eq(personal_seal_resolved(&r, key, &sealed, &sealed_app, blobs), 0);
        msg = &sealed;
    }
    size_t len = atsbridge__v1__application_resolved__get_packed_size(msg);
    uint8_t *buf = malloc(len);
    atsbridge__v1__application_resolved__pack(msg, buf);
    free(blobs[0]);
    free(blobs[1]);
    for (size_t i = 0; i < na; i++) {
        free(ans[i]->values);
        free(ans[i]);
    }
    char err[256], topic[256];
    kafka_producer *p;
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0, "%s", err);
    kafka_msg m = {.topic = kafka_topic(t->produce_topic ? t->produce_topic : TOPIC_APPLICATIONS_RESOLVED, topic,
                                        sizeof topic),
                   .key = out->app_id,
                   .payload = buf,
                   .len = len,
                   .schema = SCHEMA_RESOLVED,
                   .extra = t->produce_hdrs,
                   .nextra = t->produce_nhdrs};
    cr_assert_eq(kafka_producer_send(p, &m), 0);
    kafka_producer_destroy(p, 5000);
    free(buf);
}

char *dtest_ledger_state(dtest *t, const char *app_id) {
    const char *p[] = {app_id};
    return dtest_query1(t, "SELECT state FROM delivery.ledger WHERE application_id=$1", 1, p);
}

int dtest_wait_state(dtest *t, const char *app_id, const char *want, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 200) {
        char *s = dtest_ledger_state(t, app_id);
        int ok = !strcmp(s, want);
        free(s);
        if (ok) return 0;
        usleep(200 * 1000);
    }
    return -1;
}

static int count_email(json_object *arr, const char *member_list, const char *member_str, const char *email,
                       json_object **first) {
    int n = 0;
    *first = NULL;
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        json_object *o = json_object_array_get_idx(arr, i), *v;
        int match = 0;
        if (member_list && json_object_object_get_ex(o, member_list, &v) && json_object_is_type(v, json_type_array)) {
            for (size_t k = 0; k < json_object_array_length(v); k++)
                match |= !strcasecmp(json_object_get_string(json_object_array_get_idx(v, k)), email);
        }
        if (member_str && dtest_jstr(o, member_str)) match |= !strcasecmp(dtest_jstr(o, member_str), email);
        if (match) {
            if (!n) *first = o;
            n++;
        }
    }
    return n;
}

int dtest_lever_opps(json_object *ledger, const char *email, json_object **first) {
    json_object *lever, *opps;
    json_object_object_get_ex(ledger, "lever", &lever);
    json_object_object_get_ex(lever, "opportunities", &opps);
    return count_email(opps, "emails", NULL, email, first);
}

int dtest_eploy_candidates(json_object *ledger, const char *email, json_object **first) {
    json_object *e, *c;
    json_object_object_get_ex(ledger, "eploy", &e);
    json_object_object_get_ex(e, "candidates", &c);
    return count_email(c, NULL, "EmailAddress", email, first);
}

void dtest_assert_delivered_once(dtest *t, const dtest_app *apps, int n) {
    for (int i = 0; i < n; i++)
        cr_assert_eq(dtest_wait_state(t, apps[i].app_id, "DELIVERED", 120000), 0, "app %d (see %s)", i, t->dir);
    json_object *ledger = dtest_sim(t, "GET", "/_sim/ledger", NULL), *opp;
    for (int i = 0; i < n; i++) {
        cr_assert_eq(dtest_lever_opps(ledger, apps[i].email, &opp), 1, "app %d: one opportunity", i);
        cr_assert_eq(dtest_jint(opp, "create_requests"), 1, "app %d: created once", i);
    }
    json_object_put(ledger);
}

json_object *dtest_read_topic(dtest *t, const char *base, int wait_ms) {
    return dtest_read_topics(t, &base, 1, wait_ms);
}

json_object *dtest_read_topics(dtest *t, const char *const *bases, size_t n, int wait_ms) {
    (void)t;
    char topics[8][256], events[256], updates[256], err[256], group[64];
    const char *names[8];
    cr_assert(n >= 1 && n <= 8, "1 to 8 topics");
    for (size_t i = 0; i < n; i++) names[i] = kafka_topic(bases[i], topics[i], sizeof topics[i]);
    kafka_topic(TOPIC_APPLICATION_EVENTS, events, sizeof events);
    kafka_topic(TOPIC_BGCHECK_UPDATES, updates, sizeof updates);
    kafka_consumer *c;
    cr_assert_eq(kafka_consumer_new("test", harness_unique("rd", group, sizeof group), names, n, &c, err, sizeof err),
                 0, "%s", err);
    json_object *out = json_object_new_array();
    int idle = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        /* A topic written to faster than wait_ms (a delivery retrying every
         * half second) never goes idle: read at most 10 s past the join. */
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >= wait_ms + 30000) break;
        rd_kafka_message_t *m = kafka_consumer_poll(c, 200);
        if (!m) {
            idle += 200;
            /* The first message waits for the group join too. */
            if (idle >= (json_object_array_length(out) ? wait_ms : wait_ms + 20000)) break;
            continue;
        }
        idle = 0;
        json_object *o = json_object_new_object();
        const char *topic = rd_kafka_topic_name(m->rkt);
        int is_events = !strcmp(topic, events), is_updates = !strcmp(topic, updates);
        json_object_object_add(o, "topic", json_object_new_string(topic));
        if (is_events) {
            Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
            if (ev) {
                json_object_object_add(o, "type", json_object_new_string(ev->type));
                json_object_object_add(o, "application_id", json_object_new_string(ev->application_id));
                json_object_object_add(o, "attempt", json_object_new_int(ev->attempt));
                json_object_object_add(o, "error_code", json_object_new_string(ev->error_code));
                json_object_object_add(o, "detail", json_object_new_string(ev->detail));
                json_object_object_add(o, "ats_candidate_id", json_object_new_string(ev->ats_candidate_id));
                json_object_object_add(o, "state", json_object_new_string(ev->state));
                json_object_object_add(o, "subject_id", json_object_new_string(ev->subject_id));
                atsbridge__v1__application_event__free_unpacked(ev, NULL);
            }
        } else {
            json_object *h = json_object_new_object();
            static const char *const hdrs[] = {"error-code", "error-message", "attempt", "original-topic",
                                               "original-partition", "original-offset", "first-failure-ms",
                                               "due-at-ms", "tier-due-ms", "deferrals", "schema", NULL};
            char buf[512];
            for (const char *const *k = hdrs; *k; k++)
                if (kafka_header(m, *k, buf, sizeof buf)) json_object_object_add(h, *k, json_object_new_string(buf));
            json_object_object_add(o, "headers", h);
            json_object_object_add(o, "key", json_object_new_string_len(m->key ? m->key : "", m->key ? (int)m->key_len : 0));
            json_object_object_add(o, "payload_len", json_object_new_int((int)m->len));
            Atsbridge__V1__BackgroundCheckUpdate *u =
                is_updates ? atsbridge__v1__background_check_update__unpack(NULL, m->len, m->payload) : NULL;
            if (u) {
                json_object_object_add(o, "check_id", json_object_new_string(u->check_id));
                json_object_object_add(o, "status", json_object_new_int(u->status));
                json_object_object_add(o, "order_id", json_object_new_string(u->order_id));
                json_object_object_add(o, "reason", json_object_new_string(u->reason));
                json_object_object_add(o, "report_url", json_object_new_string(u->report_url));
                atsbridge__v1__background_check_update__free_unpacked(u, NULL);
            }
        }
        json_object_array_add(out, o);
        rd_kafka_message_destroy(m);
    }
    kafka_consumer_destroy(c, 5000);
    return out;
}
