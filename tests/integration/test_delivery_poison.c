/* delivery: poison messages on the topics it consumes (malformed protobuf,
 * an unknown schema header, 900 KB of garbage under the right schema, an
 * undecodable command) each go to applications.deadletter with an
 * error-code header, and a valid application produced after them is
 * delivered. Sealed personal fields: opened and delivered; erased ones
 * skipped with nothing sent; ones that do not open dead-lettered. */
#include "dtest.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_producer.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }
TestSuite(delivery_poison, .init = setup, .fini = teardown, .timeout = 240);

static void produce_raw(kafka_producer *p, const char *base, const char *schema, const void *payload, size_t len,
                        const char *key) {
    char topic[256];
    kafka_msg m = {.topic = kafka_topic(base, topic, sizeof topic), .key = key, .payload = payload, .len = len,
                   .schema = schema, .trace_id = "trace-delivery-poison"};
    cr_assert_eq(kafka_producer_send(p, &m), 0);
}

static int count_code(json_object *dlq, const char *code) {
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(dlq); i++) {
        json_object *h = NULL;
        json_object_object_get_ex(json_object_array_get_idx(dlq, i), "headers", &h);
        const char *c = dtest_jstr(h, "error-code");
        n += c && !strcmp(c, code);
    }
    return n;
}

/* The dead-letter topic once it holds at least want messages (or after
 * 40 s); the caller puts it. */
static json_object *read_deadletters(size_t want) {
    json_object *dlq = NULL;
    for (int i = 0; i < 20; i++) {
        json_object_put(dlq);
        dlq = dtest_read_topic(&t, TOPIC_APPLICATIONS_DEADLETTER, 2000);
        if (json_object_array_length(dlq) >= want) break;
    }
    return dlq;
}

Test(delivery_poison, poison_messages_are_dead_lettered_and_consumption_continues) {
    dtest_account(&t, "acc-lever", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc-lever");
    kafka_producer *p;
    char err[256];
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0, "%s", err);

    static const uint8_t truncated[] = {0x0a, 0x10, 'a', 'b', 'c'};
    produce_raw(p, TOPIC_APPLICATIONS_RESOLVED, "atsbridge.v1.ApplicationResolved", truncated, sizeof truncated,
                "poison-1");
    produce_raw(p, TOPIC_APPLICATIONS_RESOLVED, "atsbridge.v1.Nonsense", "{}", 2, "poison-2");
    size_t big_len = 900 * 1024;
    uint8_t *big = malloc(big_len);
    cr_assert_not_null(big);
    memset(big, 0xff, big_len);
    produce_raw(p, TOPIC_APPLICATIONS_RESOLVED, "atsbridge.v1.ApplicationResolved", big, big_len, "poison-3");
    free(big);
    produce_raw(p, TOPIC_ATS_COMMANDS, "atsbridge.v1.AtsCommand", truncated, sizeof truncated, "poison-4");
    kafka_producer_destroy(p, 5000);

    dtest_app a;
    dtest_produce(&t, "acc-lever", "lever", "demo-lever-posting", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "not delivered after poison (see %s)",
                 t.dir);

    json_object *dlq = read_deadletters(4);
    cr_assert_eq(json_object_array_length(dlq), 4, "four poison messages dead-lettered: %s",
                 json_object_to_json_string(dlq));
    cr_assert_eq(count_code(dlq, "undecodable"), 3, "%s", json_object_to_json_string(dlq));
    cr_assert_eq(count_code(dlq, "unknown_schema"), 1, "%s", json_object_to_json_string(dlq));
    int big_seen = 0;
    for (size_t i = 0; i < json_object_array_length(dlq); i++) {
        json_object *m = json_object_array_get_idx(dlq, i), *len;
        if (json_object_object_get_ex(m, "payload_len", &len) && json_object_get_int64(len) == (int64_t)big_len)
            big_seen = 1;
    }
    cr_assert(big_seen, "the oversized message is dead-lettered unchanged");
    json_object_put(dlq);
}

static long erased_metric(dtest *d) {
    char url[192], *body = NULL;
    snprintf(url, sizeof url, "%s/metrics", d->delivery);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &body), 200);
    const char *p = body ? strstr(body, "atsb_erased_messages_total{service=\"delivery\"} ") : NULL;
    long v = p ? strtol(strchr(p, ' ') + 1, NULL, 10) : 0;
    free(body);
    return v;
}

Test(delivery_poison, sealed_delivered_erased_skipped_undecryptable_dead_lettered) {
    dtest_account(&t, "acc-lever", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc-lever");
    dtest_app erased, wrong, good;
    t.seal = DTEST_SEAL_ERASED;
    dtest_produce(&t, "acc-lever", "lever", "demo-lever-posting", 1, 1, &erased);
    t.seal = DTEST_SEAL_WRONG_KEY;
    dtest_produce(&t, "acc-lever", "lever", "demo-lever-posting", 1, 0, &wrong);
    t.seal = DTEST_SEAL_KEY;
    dtest_produce(&t, "acc-lever", "lever", "demo-lever-posting", 1, 1, &good);
    cr_assert_eq(dtest_wait_state(&t, good.app_id, "DELIVERED", 60000), 0, "sealed not delivered (see %s)", t.dir);

    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp = NULL;
    cr_assert_eq(dtest_lever_opps(ledger, good.email, &opp), 1, "opened and delivered");
    json_object *files, *answers;
    cr_assert(json_object_object_get_ex(opp, "files", &files) && json_object_array_length(files) == 1,
              "the sealed document reference was opened: CV attached");
    cr_assert(json_object_object_get_ex(opp, "answers", &answers) && json_object_array_length(answers) == 1,
              "the sealed mapped answers were opened");
    cr_assert_eq(dtest_lever_opps(ledger, erased.email, &opp), 0, "nothing of an erased application is sent");
    cr_assert_eq(dtest_lever_opps(ledger, wrong.email, &opp), 0);
    json_object_put(ledger);

    long n = 0;
    for (int i = 0; i < 100 && (n = erased_metric(&t)) < 1; i++) usleep(100 * 1000);
    cr_assert_eq(n, 1, "atsb_erased_messages_total{service=\"delivery\"}");
    char *st = dtest_ledger_state(&t, erased.app_id);
    cr_assert_str_eq(st, "", "no delivery attempt for an erased application");
    free(st);

    json_object *dlq = read_deadletters(1);
    cr_assert_eq(json_object_array_length(dlq), 1, "%s", json_object_to_json_string(dlq));
    cr_assert_eq(count_code(dlq, "sealed_invalid"), 1, "%s", json_object_to_json_string(dlq));
    cr_assert_str_eq(dtest_jstr(json_object_array_get_idx(dlq, 0), "key"), wrong.app_id);
    json_object_put(dlq);
}

/* An ApplicationResolved for acc-lever whose candidate carries first and last name as given. */
static void produce_resolved(kafka_producer *p, const char *app_id, const char *first, const char *last) {
    Atsbridge__V1__Candidate c = ATSBRIDGE__V1__CANDIDATE__INIT;
    c.first_name = (char *)first;
    c.last_name = (char *)last;
    c.email = "invalid.message@example.org";
    Atsbridge__V1__ApplicationReceived a = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
    a.application_id = (char *)app_id;
    a.account_id = "acc-lever";
    a.board = "stepstone_de";
    a.posting_id = "demo-lever-posting";
    a.candidate = &c;
    Atsbridge__V1__ApplicationResolved r = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
    r.application = &a;
    r.ats = "lever";
    r.run_mode = "live";
    size_t len = atsbridge__v1__application_resolved__get_packed_size(&r);
    uint8_t *buf = malloc(len);
    cr_assert_not_null(buf);
    atsbridge__v1__application_resolved__pack(&r, buf);
    produce_raw(p, TOPIC_APPLICATIONS_RESOLVED, "atsbridge.v1.ApplicationResolved", buf, len, app_id);
    free(buf);
}

Test(delivery_poison, invalid_text_and_oversized_fields_are_dead_lettered_with_the_reason) {
    dtest_account(&t, "acc-lever", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc-lever");
    kafka_producer *p;
    char err[256];
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0, "%s", err);
    produce_resolved(p, "app-bad-utf8", "Ad\xc3\x28", "Lovelace");
    size_t big_len = 900 * 1024;
    char *big = malloc(big_len + 1);
    cr_assert_not_null(big);
    memset(big, 'a', big_len);
    big[big_len] = '\0';
    produce_resolved(p, "app-huge-name", "Ada", big);
    free(big);
    kafka_producer_destroy(p, 5000);

    /* The next message on the partition is delivered. */
    dtest_app a;
    dtest_produce(&t, "acc-lever", "lever", "demo-lever-posting", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "not delivered after them (see %s)", t.dir);
    json_object *dlq = read_deadletters(2);
    cr_assert_eq(count_code(dlq, "invalid_message"), 2, "%s", json_object_to_json_string(dlq));
    int utf8 = 0, too_long = 0;
    for (size_t i = 0; i < json_object_array_length(dlq); i++) {
        json_object *h = NULL;
        json_object_object_get_ex(json_object_array_get_idx(dlq, i), "headers", &h);
        const char *why = dtest_jstr(h, "error-message");
        utf8 += why && !strcmp(why, "application.candidate.first_name: not valid UTF-8");
        too_long += why && !strcmp(why, "application.candidate.last_name: too long");
    }
    cr_expect_eq(utf8, 1, "%s", json_object_to_json_string(dlq));
    cr_expect_eq(too_long, 1, "%s", json_object_to_json_string(dlq));
    json_object_put(dlq);
}
