/* Operator notifications through the whole stack: a permanent delivery
 * failure (Lever answers 400) and a broken Lever connection (the refresh
 * token is refused) each reach the account's notification_url as a
 * notification signed with the account's secret; the receiver answers 503
 * twice and gets the first one on the third try; each notification sent is
 * on the audit topic. */
#include "harness.h"
#include "kafka_conf.h"
#include "notify_sink.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static stack s;
static void setup(void) {
    stack_start(&s, NULL);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(e2e_notify, .init = setup, .fini = teardown, .timeout = 220);

/* The notification_sent event of notification id is on application.events. */
static long audited(const char *id) {
    const char *const needles[] = {id, NULL};
    long hits = 0;
    for (int waited = 0; waited < 20000 && hits == 0; waited += 500) {
        hits = stack_topic_scan(&s, TOPIC_APPLICATION_EVENTS, needles, NULL);
        if (hits == 0) usleep(500 * 1000);
    }
    return hits;
}

Test(e2e_notify, failure_and_broken_connection_are_signed_retried_and_audited) {
    char url[128];
    notify_sink *sink = notify_sink_start(2, url, sizeof url);
    char *secret = stack_notification_url(&s, "demo-lever", url);

    /* 1. Lever refuses the application (400): failed, dead-lettered, and the
     * operator is told, on the third try after two 503s. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "{\"target\":\"lever.apply\",\"mode\":\"status\",\"status\":400,\"count\":1}", NULL));
    char body[4096], app_id[128];
    stack_lever_app_json(body, sizeof body, "SS-NOTIFY-1", "notify.failed@example.org", "demo-lever-posting");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    json_object_put(stack_wait_app(&s, app_id, "failed", 60000));
    int i = notify_sink_wait(sink, "application_failed", 60000);
    cr_assert_eq(i, 2, "503 twice, then accepted on the third try (logs in %s)", s.dir);
    for (size_t j = 0; j <= 2; j++) {
        const notify_post *p = notify_sink_get(sink, j);
        cr_expect_eq(p->status, j < 2 ? 503 : 200);
        cr_expect_str_eq(p->id, notify_sink_get(sink, 0)->id, "one notification, attempted three times");
        cr_expect(notify_sink_verifies(sink, j, secret), "attempt %zu signed with the account's secret", j + 1);
    }
    const notify_post *p = notify_sink_get(sink, (size_t)i);
    json_object *n = json_tokener_parse(p->body);
    cr_assert_not_null(n, "%s", p->body);
    cr_expect_str_eq(js(n, "account_id"), "demo-lever");
    cr_expect_eq(ji(n, "count"), 1);
    cr_expect_str_eq(js(n, "subjects.0"), app_id);
    cr_expect_neq(*js(n, "codes.0"), '\0');
    cr_expect_null(strstr(p->body, "notify.failed@example.org"), "no personal data in notifications");
    json_object_put(n);
    cr_expect_geq(audited(p->id), 1, "notification_sent of %s on application.events", p->id);
    cr_expect_eq(stack_sim_opportunities(&s, "notify.failed@example.org"), 0);

    /* 2. The connection breaks: the access token is no longer accepted and
     * Lever refuses the refresh token. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/lever/tokens/expire", "{}", NULL));
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "{\"target\":\"lever.token\",\"mode\":\"status\",\"status\":400,\"count\":1}", NULL));
    stack_lever_app_json(body, sizeof body, "SS-NOTIFY-2", "notify.broken@example.org", "demo-lever-posting");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    i = notify_sink_wait(sink, "connection_broken", 60000);
    cr_assert_geq(i, 0, "a connection_broken notification (logs in %s)", s.dir);
    p = notify_sink_get(sink, (size_t)i);
    cr_expect(notify_sink_verifies(sink, (size_t)i, secret), "signed with the account's secret");
    n = json_tokener_parse(p->body);
    cr_assert_not_null(n, "%s", p->body);
    cr_expect_str_eq(js(n, "subjects.0"), "demo-lever/Connection-OAuth-1");
    cr_expect_str_eq(js(n, "codes.0"), "connection_broken");
    cr_expect_null(strstr(p->body, "notify.broken@example.org"), "no personal data in notifications");
    json_object_put(n);
    cr_expect_geq(audited(p->id), 1, "notification_sent of %s on application.events", p->id);
    cr_expect_eq(stack_sim_opportunities(&s, "notify.broken@example.org"), 0);

    /* Nothing in the notifications or on the audit topic carries the secret. */
    const char *const secrets[] = {secret, NULL};
    cr_expect_eq(stack_topic_scan(&s, TOPIC_APPLICATION_EVENTS, secrets, NULL), 0);
    notify_sink_stop(sink);
    free(secret);
}
