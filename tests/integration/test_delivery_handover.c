/* Rebalance hand-over in delivery: while one replica is in the middle of
 * slow deliveries (Lever apply answers after 2.5 s), a second replica joins
 * the consumer group. The revoke lets the work already started finish and
 * commits its offsets before the partitions move, so nothing is attempted a
 * second time: every application is delivered once (one opportunity,
 * created once), has exactly one `delivering` and one `delivered` event,
 * and no message goes through the retry topic (a second owner running a
 * message still in flight would find the application locked, `busy`).
 *
 * Real Kafka only (skipped on devbroker): delivery's consumer is eager
 * (range), so the revoke runs while the group is preparing the rebalance;
 * Kafka accepts the member's commit then, librdkafka's mock cluster
 * (devbroker) answers REBALANCE_IN_PROGRESS, so there the next owner starts
 * from the last auto-commit and repeats work (safely, through the ledger). */
#include "dtest.h"
#include "harness.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }
TestSuite(delivery_handover, .init = setup, .fini = teardown, .timeout = 280);

#define N_APPS 16

static long ledger_count(const char *state) {
    const char *params[] = {state};
    char *n = dtest_query1(&t, "SELECT count(*) FROM delivery.ledger WHERE state = $1", 1, params);
    long v = strtol(n, NULL, 10);
    free(n);
    return v;
}

/* How many events of type the application has. */
static int events_of(json_object *events, const char *app_id, const char *type) {
    int n = 0;
    for (size_t i = 0; i < json_object_array_length(events); i++) {
        json_object *e = json_object_array_get_idx(events, i);
        const char *a = dtest_jstr(e, "application_id"), *ty = dtest_jstr(e, "type");
        n += a && ty && !strcmp(a, app_id) && !strcmp(ty, type);
    }
    return n;
}

Test(delivery_handover, second_replica_joining_mid_delivery_runs_nothing_twice) {
    const char *broker = getenv("ATSB_BROKER");
    if (!broker || strcmp(broker, "kafka") != 0)
        cr_skip_test("needs a real Kafka broker (ATSB_BROKER=kafka): devbroker refuses commits during a rebalance");
    /* Delivery's own Lever buckets (and the simulator's, below) out of the
     * way: no rate-limit deferrals. */
    t.extra_env[t.nextra++] = "ATSB_DELIVERY_HANDOVER_MS=20000";
    t.extra_env[t.nextra++] = "ATSB_LEVER_RATE=100000";
    t.extra_env[t.nextra++] = "ATSB_LEVER_BURST=100000";
    t.extra_env[t.nextra++] = "ATSB_LEVER_APPLY_RATE=100000";
    t.extra_env[t.nextra++] = "ATSB_LEVER_APPLY_BURST=100000";
    dtest_account(&t, "acc", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");
    json_object_put(dtest_sim(&t, "POST", "/_sim/lever/rate-limit",
                              "{\"rate\":0,\"burst\":0,\"apply_rate\":0,\"apply_burst\":0}"));
    json_object_put(dtest_sim(&t, "POST", "/_sim/faults",
                              "{\"target\":\"lever.apply\",\"mode\":\"latency\",\"latency_ms\":2500}"));
    dtest_app apps[N_APPS];
    for (int i = 0; i < N_APPS; i++) dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &apps[i]);

    /* The first replica is in the middle of several deliveries. */
    long inflight = 0;
    for (int i = 0; i < 300 && inflight < 4; i++) {
        inflight = ledger_count("IN_FLIGHT");
        if (inflight < 4) usleep(100 * 1000);
    }
    cr_assert_geq(inflight, 4, "deliveries did not start (see %s)", t.dir);
    dtest_start_second_delivery(&t);
    cr_log_info("second replica joined with %ld deliveries in flight", inflight);

    dtest_assert_delivered_once(&t, apps, N_APPS);

    json_object *events = dtest_read_topic(&t, TOPIC_APPLICATION_EVENTS, 2000);
    for (int i = 0; i < N_APPS; i++) {
        cr_expect_eq(events_of(events, apps[i].app_id, "delivering"), 1, "app %d: attempted once (see %s)", i,
                     t.dir);
        cr_expect_eq(events_of(events, apps[i].app_id, "delivered"), 1, "app %d: delivered once", i);
        cr_expect_eq(events_of(events, apps[i].app_id, "retrying"), 0, "app %d: no retry", i);
    }
    json_object_put(events);
    json_object *retries = dtest_read_topic(&t, TOPIC_APPLICATIONS_RETRY, 1000);
    for (size_t i = 0; i < json_object_array_length(retries); i++)
        cr_log_warn("retry message: %s", json_object_to_json_string(json_object_array_get_idx(retries, i)));
    cr_expect_eq(json_object_array_length(retries), 0, "messages in the retry topic (see %s)", t.dir);
    json_object_put(retries);

    /* The first replica handed its partitions over (delivery.log). */
    char path[300];
    snprintf(path, sizeof path, "%s/delivery.log", t.dir);
    char *log = harness_read_file(path);
    cr_assert(log && strstr(log, "revoked partitions handed over"), "no hand-over in %s", path);
    free(log);
}
