/* Upgrading to retry tiers strands nothing: messages still waiting in the
 * single applications.retry of earlier versions (no tier-due-ms) are
 * delivered when due, or hop into the tier for their time left with their
 * retry headers kept, no ATS call and no attempt consumed. */
#include "dtest.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }
TestSuite(delivery_retry_upgrade, .init = setup, .fini = teardown, .timeout = 180);

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Produces a resolved application to applications.retry as an earlier
 * version scheduled it: attempt 2 after a 503, due at due_ms. */
static void legacy_retry(long long due_ms, long long first_ms, dtest_app *out) {
    char due[32], first[32];
    snprintf(due, sizeof due, "%lld", due_ms);
    snprintf(first, sizeof first, "%lld", first_ms);
    kafka_hdr h[] = {{"attempt", "2"}, {"due-at-ms", due}, {"error-code", "http_503"},
                     {"first-failure-ms", first}, {"deferrals", "0"}};
    t.produce_topic = TOPIC_APPLICATIONS_RETRY;
    t.produce_hdrs = h;
    t.produce_nhdrs = sizeof h / sizeof h[0];
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 0, 0, out);
    t.produce_topic = NULL;
    t.produce_hdrs = NULL;
    t.produce_nhdrs = 0;
}

Test(delivery_retry_upgrade, the_single_retry_topic_drains_into_the_tiers) {
    dtest_account(&t, "acc", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");

    long long start = now_ms(), first = start - 60000, later = start + 2 * 3600 * 1000LL;
    dtest_app waiting, due;
    legacy_retry(later, first, &waiting); /* two hours to go */
    legacy_retry(start - 1000, first, &due);

    /* The due one is delivered (the topic is never gated). */
    cr_assert_eq(dtest_wait_state(&t, due.app_id, "DELIVERED", 30000), 0, "the due retry is delivered");

    /* The waiting one hopped into the 1 h tier, headers kept. */
    static const char *const tiers[] = {TOPIC_APPLICATIONS_RETRY_TIERS};
    json_object *msgs = dtest_read_topics(&t, tiers, sizeof tiers / sizeof tiers[0], 500), *hop = NULL;
    for (size_t i = 0; i < json_object_array_length(msgs); i++) {
        json_object *m = json_object_array_get_idx(msgs, i);
        cr_assert_str_neq(dtest_jstr(m, "key"), due.app_id, "the due retry did not hop");
        if (!strcmp(dtest_jstr(m, "key"), waiting.app_id)) {
            cr_assert_null(hop, "one hop: %s", json_object_to_json_string(msgs));
            hop = m;
        }
    }
    cr_assert_not_null(hop, "hopped into a tier: %s", json_object_to_json_string(msgs));
    char tier[256];
    cr_assert_str_eq(dtest_jstr(hop, "topic"), kafka_topic(TOPIC_APPLICATIONS_RETRY_1H, tier, sizeof tier));
    json_object *h;
    cr_assert(json_object_object_get_ex(hop, "headers", &h));
    char want[32];
    snprintf(want, sizeof want, "%lld", later);
    cr_assert_str_eq(dtest_jstr(h, "due-at-ms"), want);
    snprintf(want, sizeof want, "%lld", first);
    cr_assert_str_eq(dtest_jstr(h, "first-failure-ms"), want);
    cr_assert_str_eq(dtest_jstr(h, "attempt"), "2", "no attempt consumed");
    cr_assert_str_eq(dtest_jstr(h, "deferrals"), "0");
    cr_assert_str_eq(dtest_jstr(h, "error-code"), "http_503");
    cr_assert_not_null(dtest_jstr(h, "tier-due-ms"));
    long long tier_due = strtoll(dtest_jstr(h, "tier-due-ms"), NULL, 10);
    cr_assert(tier_due >= start + 3600 * 1000LL && tier_due <= now_ms() + 3600 * 1000LL,
              "leaves the 1 h tier an hour after the hop: %lld", tier_due);
    json_object_put(msgs);

    /* No ATS call for it: no ledger row, nothing in Lever. */
    char *state = dtest_ledger_state(&t, waiting.app_id);
    cr_assert_str_eq(state, "", "not attempted");
    free(state);
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *opp;
    cr_assert_eq(dtest_lever_opps(ledger, waiting.email, &opp), 0);
    json_object_put(ledger);
}
