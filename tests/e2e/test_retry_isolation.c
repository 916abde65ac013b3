/* Retry isolation: one account's long wait does not hold back another
 * account's due retry. Every topic has one partition, so both retries below
 * share the retry partition a single retry topic would give them: account A
 * (demo-lever) is told `Retry-After: 3600` on every Lever delivery call and waits an
 * hour; account B (demo-eploy) gets one transient 503 afterwards and must be
 * delivered within its own back-off (seconds) while A is still waiting. */
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static stack s;
static void setup(void) {
    stack_start_partitions(&s, NULL, 1);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(retry_isolation, .init = setup, .fini = teardown, .timeout = 180);

static int has_event(json_object *a, const char *type) {
    json_object *evs = jo(a, "events");
    for (size_t i = 0; evs && i < json_object_array_length(evs); i++)
        if (!strcmp(js(json_object_array_get_idx(evs, i), "type"), type)) return 1;
    return 0;
}

Test(retry_isolation, a_long_wait_does_not_delay_another_accounts_retry) {
    /* Lever's delivery calls (not the posting reads of questions) for A. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "[{\"target\":\"lever.apply\",\"mode\":\"status\",\"status\":429,\"retry_after_s\":3600},"
                             "{\"target\":\"lever.create_opportunity\",\"mode\":\"status\",\"status\":429,"
                             "\"retry_after_s\":3600},"
                             "{\"target\":\"lever.list_opportunities\",\"mode\":\"status\",\"status\":429,"
                             "\"retry_after_s\":3600},"
                             "{\"target\":\"eploy.create_candidate\",\"mode\":\"status\",\"status\":503,\"count\":1}]",
                             NULL));

    /* A: deferred for an hour (its retry is in Kafka once `retrying` shows). */
    char body[8192], app_a[128], app_b[128];
    stack_lever_app_json(body, sizeof body, "SS-ISOLATION-A", "isolation.a@example.org", "demo-lever-posting");
    cr_assert_eq(stack_apply(&s, body, app_a, sizeof app_a), 202);
    json_object *a = stack_wait_app(&s, app_a, "retrying", 60000);
    cr_assert(strstr(js(a, "last_error"), "rate_limited"), "A deferred by the 429: %s", json_object_to_json_string(a));
    json_object_put(a);

    /* B: one 503, back-off of at most 2 s (the stack's cap), then delivered. */
    time_t t0 = time(NULL);
    stack_eploy_app_json(body, sizeof body, "SS-ISOLATION-B", "isolation.b@example.org");
    cr_assert_eq(stack_apply(&s, body, app_b, sizeof app_b), 202);
    json_object *b = stack_wait_app(&s, app_b, "delivered", 20000);
    printf("B delivered %lds after it was applied, while A waits for its Retry-After\n", (long)(time(NULL) - t0));
    cr_expect(has_event(b, "retrying"), "B went through a retry: %s", json_object_to_json_string(b));
    json_object_put(b);

    /* A is still waiting: not delivered, nothing in Lever. */
    char path[256];
    snprintf(path, sizeof path, "/v1/applications/%s", app_a);
    a = stack_ok(&s, STACK_STATUS, "GET", path, NULL, STACK_ADMIN);
    cr_expect_str_eq(js(a, "state"), "retrying", "A still waits: %s", json_object_to_json_string(a));
    json_object_put(a);
    cr_expect_eq(stack_sim_opportunities(&s, "isolation.a@example.org"), 0);
}
