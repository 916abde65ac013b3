/* trail, the audit reader: tail decodes by schema and redacts personal data,
 * opens sealed personal fields with the keys of ATSB_PG_DSN ("[erased]"
 * once erased, "[sealed]" without a database), app prints one
 * application's timeline, dlq list/show/replay re-drive dead letters;
 * errors exit 1 with one line, bad usage exits 2. */
#include "atsbridge/v1/applications.pb-c.h"
#include "crypto.h"
#include "data_keys.h"
#include "events.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_producer.h"
#include "personal.h"
#include "pg.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char prefix[96];
static kafka_producer *prod;

static void setup(void) {
    harness_env_load();
    char u[64];
    snprintf(prefix, sizeof prefix, "%s.", harness_unique("trail", u, sizeof u));
    setenv("ATSB_TOPIC_PREFIX", prefix, 1);
    char t[256];
    harness_create_topic(kafka_topic(TOPIC_APPLICATION_EVENTS, t, sizeof t), 2);
    harness_create_topic(kafka_topic(TOPIC_APPLICATIONS_RECEIVED, t, sizeof t), 2);
    harness_create_topic(kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, t, sizeof t), 1);
    char err[256];
    cr_assert_eq(kafka_producer_new("test", &prod, err, sizeof err), 0, "%s", err);
}

static void teardown(void) { kafka_producer_destroy(prod, 5000); }

/* Runs trail with args (env: a prefix such as "ATSB_PG_DSN='...'" or
 * "env -u ATSB_PG_DSN"); returns its exit status and stdout (caller frees). */
static int run_env(const char *env, const char *args, char **out) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s/tools/trail/trail --brokers '%s' %s 2>&1", env, ATSB_BIN_DIR,
             getenv("ATSB_KAFKA_BROKERS"), args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t cap = 1 << 16, len = 0, n;
    char *buf = calloc(1, cap);
    while (len + 1 < cap && (n = fread(buf + len, 1, cap - 1 - len, p)) > 0) len += n;
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *args, char **out) { return run_env("", args, out); }

static void emit_at(const char *app, const char *type, const char *state, int64_t at_ms) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.at_ms = at_ms;
    char id[64];
    ev.application_id = (char *)app;
    ev.account_id = "acc";
    ev.type = (char *)type;
    ev.state = (char *)state;
    events_prepare(&ev, "test", NULL, id, sizeof id);
    cr_assert_eq(events_emit(prod, &ev, "tr-1"), 0);
}

static void emit(const char *app, const char *type, const char *state) { emit_at(app, type, state, 0); }

TestSuite(trail, .init = setup, .fini = teardown);

Test(trail, tail_decodes_and_redacts) {
    Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
    cand.first_name = "Zoë";
    cand.email = "zoe@example.org";
    Atsbridge__V1__ApplicationReceived ar = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
    ar.application_id = "app-1";
    ar.board = "stepstone_de";
    ar.candidate = &cand;
    uint8_t buf[512];
    size_t len = atsbridge__v1__application_received__pack(&ar, buf);
    char t[256];
    kafka_msg m = {.topic = kafka_topic(TOPIC_APPLICATIONS_RECEIVED, t, sizeof t), .key = "app-1",
                   .payload = buf, .len = len, .schema = "atsbridge.v1.ApplicationReceived"};
    cr_assert_eq(kafka_producer_send(prod, &m), 0);

    char args[512], *out;
    snprintf(args, sizeof args, "--from-beginning tail %s", t);
    cr_assert_eq(run(args, &out), 0, "%s", out);
    cr_assert(strstr(out, "\"board\":\"stepstone_de\""), "%s", out);
    cr_assert(strstr(out, "\"first_name\":\"[redacted]\""), "%s", out);
    cr_assert_null(strstr(out, "zoe@example.org"), "personal data printed: %s", out);
    cr_assert(strstr(out, "\"schema\":\"atsbridge.v1.ApplicationReceived\""));
    free(out);
    snprintf(args, sizeof args, "--from-beginning --show-personal tail %s", t);
    cr_assert_eq(run(args, &out), 0);
    cr_assert(strstr(out, "zoe@example.org"), "%s", out);
    free(out);
}

Test(trail, app_timeline) {
    emit("app-7", "received", "received");
    emit("app-8", "received", "received");
    emit("app-7", "resolved", "resolved");
    char *out;
    cr_assert_eq(run("app app-7", &out), 0, "%s", out);
    cr_assert(strstr(out, "received"), "%s", out);
    char *r = strstr(out, "resolved");
    cr_assert(r && r > strstr(out, "received"), "timeline in order: %s", out);
    cr_assert_null(strstr(out, "app-8"));
    free(out);
}

/* The services' events for one application share a partition but are
 * stored in the order their producers got acks: questions' "resolved" can
 * land after delivery's "delivering". The timeline is in event time. */
Test(trail, app_timeline_sorted_by_event_time) {
    int64_t t0 = 1764000000000;
    emit_at("app-5", "received", "received", t0);
    emit_at("app-5", "delivering", "delivering", t0 + 2000);
    emit_at("app-5", "resolved", "resolved", t0 + 1000);
    char *out;
    cr_assert_eq(run("app app-5", &out), 0, "%s", out);
    char *a = strstr(out, "received"), *b = strstr(out, "resolved"), *c = strstr(out, "delivering");
    cr_assert(a && b && c && a < b && b < c, "timeline in event time: %s", out);
    free(out);
}

Test(trail, dlq_list_show_replay) {
    char t[256], dl[256];
    kafka_topic(TOPIC_APPLICATIONS_RECEIVED, t, sizeof t);
    kafka_hdr extra[] = {{"error-code", "permanent_4xx"}, {"error-message", "posting closed"},
                         {"original-topic", t}, {"original-partition", "0"}, {"original-offset", "5"}};
    kafka_msg m = {.topic = kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, dl, sizeof dl), .key = "app-9",
                   .payload = "x", .len = 1, .schema = "atsbridge.v1.ApplicationReceived",
                   .extra = extra, .nextra = 5};
    cr_assert_eq(kafka_producer_send(prod, &m), 0);
    char *out;
    cr_assert_eq(run("dlq list", &out), 0, "%s", out);
    cr_assert(strstr(out, "\"ref\":\"0:0\""), "%s", out);
    cr_assert(strstr(out, "\"error-code\":\"permanent_4xx\""), "%s", out);
    free(out);
    cr_assert_eq(run("dlq show 0:0", &out), 0, "%s", out);
    cr_assert(strstr(out, "posting closed"), "%s", out);
    free(out);
    cr_assert_eq(run("dlq show 0:99", &out), 1, "%s", out);
    free(out);
    cr_assert_eq(run("dlq replay 0:0", &out), 0, "%s", out);
    cr_assert(strstr(out, "\"replayed\":\"0:0\""), "%s", out);
    free(out);
    char args[512];
    snprintf(args, sizeof args, "--from-beginning tail %s", t);
    cr_assert_eq(run(args, &out), 0);
    cr_assert(strstr(out, "\"replayed-from\""), "%s", out);
    cr_assert_null(strstr(out, "error-code"), "dead-letter headers must not follow the replay: %s", out);
    free(out);
}

Test(trail, errors_and_usage) {
    char *out;
    /* devbroker creates any topic asked for, so "does not exist" is only seen on real Kafka. */
    if (!getenv("ATSB_DEVBROKER_CONTROL")) {
        cr_assert_eq(run("tail no.such.topic", &out), 1, "%s", out);
        cr_assert(strstr(out, "does not exist"), "%s", out);
        free(out);
    }
    cr_assert_eq(run("--brokers 127.0.0.1:1 tail x", &out), 1, "%s", out);
    cr_assert(strstr(out, "trail: cannot reach the brokers"), "%s", out);
    int lines = 0;
    for (const char *p = out; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, 1, "one line only: %s", out);
    free(out);
    cr_assert_eq(run("frobnicate", &out), 2);
    free(out);
    cr_assert_eq(run("--since yesterday tail x", &out), 2);
    free(out);
    cr_assert_eq(run("dlq replay", &out), 2);
    free(out);
}

/* Sealed personal fields: opened with the key in ATSB_PG_DSN's database,
 * "[sealed]" without a database, "[erased]" once the key is destroyed. */
Test(trail, sealed_fields) {
    cr_assert_eq(crypto_init(), 0);
    char dsn[512];
    harness_create_db(dsn, sizeof dsn);
    PGconn *c = harness_connect(dsn);
    harness_exec_dir(c, ATSB_SOURCE_DIR "/common/migrations/keys");
    const char *id = "app-s1";
    uint8_t key[DATA_KEY_BYTES];
    cr_assert_eq(data_key_get(c, id, 1, key), DATA_KEY_OK);

    Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
    cand.first_name = "Zoë";
    cand.email = "zoe.sealed@example.org";
    Atsbridge__V1__ApplicationReceived ar = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT, sealed;
    ar.application_id = (char *)id;
    ar.board = "stepstone_de";
    ar.candidate = &cand;
    uint8_t *blob, *blobs[2];
    cr_assert_eq(personal_seal_received(&ar, key, &sealed, &blob), 0);
    char *vals[] = {"secret-answer"};
    Atsbridge__V1__MappedAnswer ma = ATSBRIDGE__V1__MAPPED_ANSWER__INIT, *ma_p[] = {&ma};
    ma.ats_field_id = "cf_1";
    ma.values = vals;
    ma.n_values = 1;
    Atsbridge__V1__ApplicationResolved res = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT, rsealed;
    Atsbridge__V1__ApplicationReceived app_out;
    res.application = &ar;
    res.ats = "lever";
    res.mapped_answers = ma_p;
    res.n_mapped_answers = 1;
    cr_assert_eq(personal_seal_resolved(&res, key, &rsealed, &app_out, blobs), 0);
    uint8_t buf[1024], rbuf[1024];
    size_t len = atsbridge__v1__application_received__pack(&sealed, buf);
    size_t rlen = atsbridge__v1__application_resolved__pack(&rsealed, rbuf);
    free(blob);
    free(blobs[0]);
    free(blobs[1]);
    char t[256];
    kafka_msg m = {.topic = kafka_topic(TOPIC_APPLICATIONS_RECEIVED, t, sizeof t), .key = id, .payload = buf,
                   .len = len, .schema = "atsbridge.v1.ApplicationReceived"};
    cr_assert_eq(kafka_producer_send(prod, &m), 0);
    m.payload = rbuf;
    m.len = rlen;
    m.schema = "atsbridge.v1.ApplicationResolved";
    cr_assert_eq(kafka_producer_send(prod, &m), 0);

    char env[700], args[512], *out;
    snprintf(env, sizeof env, "ATSB_PG_DSN='%s'", dsn);
    snprintf(args, sizeof args, "--from-beginning --show-personal tail %s", t);
    cr_assert_eq(run_env(env, args, &out), 0, "%s", out);
    cr_assert(strstr(out, "zoe.sealed@example.org"), "opened: %s", out);
    cr_assert(strstr(out, "secret-answer"), "mapped answers opened: %s", out);
    cr_assert_null(strstr(out, "[sealed]"), "%s", out);
    free(out);
    snprintf(args, sizeof args, "--from-beginning tail %s", t);
    cr_assert_eq(run_env(env, args, &out), 0, "%s", out);
    cr_assert(strstr(out, "\"first_name\":\"[redacted]\""), "opened, then redacted: %s", out);
    cr_assert_null(strstr(out, "zoe.sealed@example.org"), "%s", out);
    cr_assert_null(strstr(out, "secret-answer"), "%s", out);
    free(out);

    snprintf(args, sizeof args, "--from-beginning --show-personal tail %s", t);
    cr_assert_eq(run_env("env -u ATSB_PG_DSN", args, &out), 0, "%s", out);
    cr_assert(strstr(out, "\"candidate\":\"[sealed]\""), "%s", out);
    cr_assert(strstr(out, "\"mapped_answers\":\"[sealed]\""), "%s", out);
    cr_assert_null(strstr(out, "zoe.sealed@example.org"), "%s", out);
    free(out);

    cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
    cr_assert_eq(data_keys_destroy(c, 1, &id), 0);
    cr_assert_eq(pg_run(c, "COMMIT", 0, NULL), 0);
    cr_assert_eq(run_env(env, args, &out), 0, "%s", out);
    cr_assert(strstr(out, "\"candidate\":\"[erased]\""), "%s", out);
    cr_assert(strstr(out, "\"answers\":\"[erased]\""), "%s", out);
    cr_assert(strstr(out, "\"documents\":\"[erased]\""), "%s", out);
    cr_assert(strstr(out, "\"mapped_answers\":\"[erased]\""), "%s", out);
    cr_assert_null(strstr(out, "zoe.sealed@example.org"), "%s", out);
    free(out);
    PQfinish(c);
}
