/* trail, the audit reader: tail decodes by schema and redacts personal data,
 * app prints one application's timeline, dlq list/show/replay re-drive dead
 * letters; errors exit 1 with one line, bad usage exits 2. */
#include "atsbridge/v1/applications.pb-c.h"
#include "events.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_producer.h"

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

/* Runs trail with args; returns its exit status and stdout (caller frees). */
static int run(const char *args, char **out) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/tools/trail/trail --brokers '%s' %s 2>&1", ATSB_BIN_DIR,
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
