/* Erasure reaches every copy: three applications with a unique e-mail, name
 * and CV marker (one delivered, one held, one dead-lettered) are erased;
 * then every topic is read raw from its beginning, every partition, and
 * every table of the database is dumped: neither the e-mail, the name nor
 * the CV marker appears in clear anywhere, and every service confirmed.
 * The test prints what it scanned. */
#include "stack.h"

#include "harness.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static stack s;
/* The default attempt budget: the application the retrying test holds
 * under 503s must still be retrying when status is first asked (with two
 * attempts it could fail before a slow status showed it retrying). */
static void setup(void) {
    stack_start(&s, NULL);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(crypto_shred, .init = setup, .fini = teardown, .timeout = 240);

/* Submits one application of the person named tag (e-mail, names and CV
 * carry the unique u); returns its id. */
static void submit(const char *tag, const char *u, const char *posting, char *app_id, size_t len) {
    char marker[128], body[16384];
    snprintf(marker, sizeof marker, "cv-%s-%s", tag, u);
    char *cv = stack_pdf_b64(marker);
    const char *answers = stack_lever_answers(posting);
    snprintf(body, sizeof body,
             "{\"board\":\"stepstone_de\",\"board_application_id\":\"shred-%s-%s\",\"account_id\":\"demo-lever\","
             "\"posting_id\":\"%s\",\"candidate\":{\"first_name\":\"Given%s%s\",\"last_name\":\"Family%s%s\","
             "\"email\":\"%s.%s@example.org\"},\"answers\":[%s],\"consent\":{\"privacy_policy_accepted\":true},"
             "\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv-%s-%s.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}]}",
             tag, u, posting, tag, u, tag, u, tag, u, answers, tag, u, cv);
    free(cv);
    cr_assert_eq(stack_apply(&s, body, app_id, len), 202, "application %s", tag);
}

Test(crypto_shred, erased_applications_leave_nothing_readable) {
    char u[64], delivered[128], held[128], dead[128];
    harness_unique("x", u, sizeof u);
    for (char *p = u; *p; p++)
        if (*p == '-' || *p == '_') *p = 'x';

    submit("delivered", u, "demo-lever-posting", delivered, sizeof delivered);
    json_object_put(stack_wait_app(&s, delivered, "delivered", 60000));
    /* Not a test posting while the account is in test mode: held. */
    submit("held", u, "lever-posting-driver-hamburg", held, sizeof held);
    json_object_put(stack_wait_app(&s, held, "held", 60000));
    /* Lever refuses it (400): failed, and a copy on the dead-letter topic. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "{\"target\":\"lever.apply\",\"mode\":\"status\",\"status\":400,\"count\":1}", NULL));
    submit("dead", u, "demo-lever-posting", dead, sizeof dead);
    json_object_put(stack_wait_app(&s, dead, "failed", 60000));

    char needles_buf[9][160];
    const char *needles[10];
    static const char *const tags[] = {"delivered", "held", "dead"};
    for (int i = 0; i < 3; i++) {
        snprintf(needles_buf[3 * i], sizeof needles_buf[0], "%s.%s@example.org", tags[i], u);
        snprintf(needles_buf[3 * i + 1], sizeof needles_buf[0], "Family%s%s", tags[i], u);
        snprintf(needles_buf[3 * i + 2], sizeof needles_buf[0], "cv-%s-%s", tags[i], u);
        for (int k = 0; k < 3; k++) needles[3 * i + k] = needles_buf[3 * i + k];
    }
    needles[9] = NULL;
    /* The scan finds what is there: the CVs are stored before erasure. */
    long tables = 0, rows = 0;
    cr_assert_gt(stack_db_scan(&s, needles, &tables, &rows), 0, "the CVs are in ingest.documents before erasure");

    const char *ids[] = {delivered, held, dead};
    for (int i = 0; i < 3; i++) {
        char path[200];
        snprintf(path, sizeof path, "/v1/applications/%s", ids[i]);
        json_object_put(stack_ok(&s, STACK_STATUS, "DELETE", path, NULL, STACK_ADMIN));
    }
    for (int i = 0; i < 3; i++) {
        char path[200];
        snprintf(path, sizeof path, "/v1/erasures/%s", ids[i]);
        json_object *o = stack_poll(&s, STACK_STATUS, path, stack_erasure_complete, NULL, 60000);
        cr_assert(o && stack_erasure_complete(o, NULL), "erasure of %s not confirmed by every service (logs in %s): %s",
                  tags[i], s.dir, o ? json_object_to_json_string(o) : "(none)");
        json_object_put(o);
    }

    static const char *const topics[] = {TOPIC_APPLICATIONS_RECEIVED, TOPIC_APPLICATIONS_RESOLVED,
                                         TOPIC_APPLICATIONS_RETRY,    TOPIC_APPLICATIONS_DEADLETTER,
                                         TOPIC_APPLICATION_EVENTS,    TOPIC_ATS_COMMANDS,
                                         TOPIC_ATS_WEBHOOKS,          TOPIC_BGCHECK_UPDATES,
                                         TOPIC_APPLICATIONS_RETRY_TIERS};
    long found = 0, messages = 0;
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++) {
        long n = 0, hit = stack_topic_scan(&s, topics[i], needles, &n);
        printf("topic %-26s %6ld messages, %ld with personal data in clear\n", topics[i], n, hit);
        found += hit;
        messages += n;
    }
    long hit = stack_db_scan(&s, needles, &tables, &rows);
    printf("database: %ld tables, %ld rows, %ld with personal data in clear\n", tables, rows, hit);
    printf("scanned %zu topics (%ld messages) and %ld tables (%ld rows) for %d needles\n",
           sizeof topics / sizeof topics[0], messages, tables, rows, 9);
    cr_expect_eq(found, 0, "no topic holds the e-mail, name or CV marker in clear");
    cr_expect_eq(hit, 0, "no table holds the e-mail, name or CV marker in clear");
    cr_expect_gt(messages, 0);
}

static long apply_calls(void) {
    json_object *r = stack_ok(&s, STACK_SIM, "GET", "/_sim/requests", NULL, NULL), *t = NULL;
    json_object_object_get_ex(jo(r, "targets"), "lever.apply", &t); /* a dotted name */
    long n = t ? ji(t, "requests") : 0;
    json_object_put(r);
    return n;
}

Test(crypto_shred, erasure_while_retrying_stops_the_delivery) {
    char u[64], app[128], email[160];
    harness_unique("r", u, sizeof u);
    for (char *p = u; *p; p++)
        if (*p == '-' || *p == '_') *p = 'x';
    /* Lever answers 503 until further notice: the delivery keeps retrying. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "{\"target\":\"lever.apply\",\"mode\":\"status\",\"status\":503,\"count\":1000}", NULL));
    submit("retrying", u, "demo-lever-posting", app, sizeof app);
    json_object_put(stack_wait_app(&s, app, "retrying", 60000));
    char path[200];
    snprintf(path, sizeof path, "/v1/applications/%s", app);
    json_object_put(stack_ok(&s, STACK_STATUS, "DELETE", path, NULL, STACK_ADMIN));
    snprintf(path, sizeof path, "/v1/erasures/%s", app);
    json_object *o = stack_poll(&s, STACK_STATUS, path, stack_erasure_complete, NULL, 60000);
    cr_assert(o && stack_erasure_complete(o, NULL), "erasure not confirmed (logs in %s)", s.dir);
    json_object_put(o);
    /* Lever is back; the retries already queued meet a destroyed key. */
    json_object_put(stack_ok(&s, STACK_SIM, "DELETE", "/_sim/faults", NULL, NULL));
    long calls = apply_calls();
    sleep(6); /* beyond the stack's 2 s backoff cap: every queued retry came due */
    snprintf(email, sizeof email, "retrying.%s@example.org", u);
    cr_expect_eq(stack_sim_opportunities(&s, email), 0, "nothing reached Lever after the erasure");
    cr_expect_eq(apply_calls(), calls, "no apply was attempted after the erasure");
}

Test(crypto_shred, key_store_outage_loses_nothing) {
    char u[64], apps[6][128];
    harness_unique("k", u, sizeof u);
    for (char *p = u; *p; p++)
        if (*p == '-' || *p == '_') *p = 'x';
    for (int i = 0; i < 6; i++) {
        char tag[32];
        snprintf(tag, sizeof tag, "outage%d", i);
        submit(tag, u, "demo-lever-posting", apps[i], sizeof apps[i]);
    }
    /* PostgreSQL (the key store) goes away while the six are in flight. */
    stack_pg_restart(&s, 4);
    for (int i = 0; i < 6; i++) json_object_put(stack_wait_app(&s, apps[i], "delivered", 120000));
}
