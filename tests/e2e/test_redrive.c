/* Re-drive: an application Lever refused (400) is failed and dead-lettered;
 * once the cause is fixed, `trail dlq replay` sends it back with a fresh
 * attempt budget: delivery records `redriven` (who and why), searches Lever
 * first and delivers it exactly once. Replaying it again changes nothing. */
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
TestSuite(redrive, .init = setup, .fini = teardown, .timeout = 240);

Test(redrive, a_dead_letter_replayed_is_delivered_once) {
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "{\"target\":\"lever.apply\",\"mode\":\"status\",\"status\":400,\"count\":1}", NULL));
    char body[4096], app_id[128];
    stack_lever_app_json(body, sizeof body, "SS-REDRIVE-1", "redrive@example.org", "demo-lever-posting");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    json_object_put(stack_wait_app(&s, app_id, "failed", 60000));
    cr_assert_eq(stack_sim_opportunities(&s, "redrive@example.org"), 0);

    /* The cause is gone (the fault was used up): re-drive. */
    int st = -1;
    char *out = stack_trail(&s, "dlq replay --all --by alice --reason 'posting reopened'", &st);
    cr_assert_eq(st, 0, "trail dlq replay: %s", out);
    cr_expect(strstr(out, "\"replayed\""), "%s", out);
    free(out);
    json_object *a = stack_wait_app(&s, app_id, "delivered", 60000);
    int redriven = 0;
    json_object *evs = jo(a, "events");
    for (size_t i = 0; evs && i < json_object_array_length(evs); i++) {
        json_object *e = json_object_array_get_idx(evs, i);
        if (strcmp(js(e, "type"), "redriven") != 0) continue;
        redriven++;
        cr_expect(strstr(js(e, "detail"), "by alice: posting reopened"), "%s", js(e, "detail"));
    }
    cr_expect_eq(redriven, 1, "one redriven event");
    json_object_put(a);
    cr_expect_eq(stack_sim_opportunities(&s, "redrive@example.org"), 1, "delivered once");

    /* Replayed again: delivered already, nothing more reaches Lever. */
    out = stack_trail(&s, "dlq replay --all --by alice", &st);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    sleep(3);
    cr_expect_eq(stack_sim_opportunities(&s, "redrive@example.org"), 1, "still once");
}

static int has_entries(json_object *o, void *arg) {
    (void)arg;
    json_object *d = jo(o, "deadletters");
    return d && json_object_array_length(d) > 0;
}

/* Seed 001's failure an operator can fix: the account's Source label is not
 * a value of the site's drop-down, so Eploy refuses the application (400)
 * and it is dead-lettered. An Eploy admin adds the value; the dead letters
 * of that account and error are re-driven through delivery's API and the
 * application is delivered exactly once. */
Test(redrive, eploy_source_value_created_then_redriven_by_api) {
    json_object_put(stack_ok(&s, STACK_STATUS, "PUT", "/v1/accounts/demo-eploy",
                             "{\"source_labels\":{\"stepstone_de\":\"StepStone DE 2027\"}}", STACK_ADMIN));
    char body[8192], app_id[128];
    stack_eploy_app_json(body, sizeof body, "SS-REDRIVE-EPLOY-1", "source.redrive@example.org");
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    json_object_put(stack_wait_app(&s, app_id, "failed", 60000));

    json_object *l = stack_poll(&s, STACK_DELIVERY, "/v1/deadletters?account=demo-eploy", has_entries, NULL, 30000);
    cr_assert(l && has_entries(l, NULL), "listed: %s", l ? json_object_to_json_string(l) : "");
    json_object *d = json_object_array_get_idx(jo(l, "deadletters"), 0);
    cr_expect_str_eq(js(d, "application_id"), app_id);
    cr_expect_str_eq(js(d, "account_id"), "demo-eploy");
    cr_expect_null(strstr(json_object_to_json_string(l), "source.redrive@example.org"), "no personal data listed");
    char code[64], ref[48];
    snprintf(code, sizeof code, "%s", js(d, "error_code"));
    snprintf(ref, sizeof ref, "%s", js(d, "id"));
    cr_assert(*code, "an error code: %s", json_object_to_json_string(d));
    json_object_put(l);

    /* Refused without a reason, or with both ids and an account. */
    cr_expect_eq(stack_http(&s, STACK_DELIVERY, "POST", "/v1/deadletters/replay", "{\"account\":\"demo-eploy\"}",
                            STACK_ADMIN, NULL),
                 422);
    cr_expect_eq(stack_http(&s, STACK_DELIVERY, "POST", "/v1/deadletters/replay",
                            "{\"ids\":[\"0:1\"],\"account\":\"demo-eploy\",\"reason\":\"x\"}", STACK_ADMIN, NULL),
                 422);
    cr_expect_eq(stack_http(&s, STACK_DELIVERY, "POST", "/v1/deadletters/replay",
                            "{\"account\":\"demo-eploy\",\"reason\":\"x\"}", NULL, NULL),
                 401);

    /* The value exists now: re-drive the account's dead letters of that error. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/eploy/demo-eploy-site/sources",
                             "{\"value\":\"StepStone DE 2027\"}", NULL));
    char req[256];
    snprintf(req, sizeof req, "{\"account\":\"demo-eploy\",\"error_code\":\"%s\",\"reason\":\"source value added\"}",
             code);
    json_object *r = stack_ok(&s, STACK_DELIVERY, "POST", "/v1/deadletters/replay", req, STACK_ADMIN);
    cr_expect(json_object_get_boolean(jo(r, "complete")), "%s", json_object_to_json_string(r));
    cr_assert_eq(json_object_array_length(jo(r, "redriven")), 1, "%s", json_object_to_json_string(r));
    cr_expect_str_eq(js(json_object_array_get_idx(jo(r, "redriven"), 0), "application_id"), app_id);
    json_object_put(r);

    json_object *a = stack_wait_app(&s, app_id, "delivered", 60000);
    json_object *evs = jo(a, "events");
    int redriven = 0;
    for (size_t i = 0; evs && i < json_object_array_length(evs); i++) {
        json_object *e = json_object_array_get_idx(evs, i);
        if (strcmp(js(e, "type"), "redriven")) continue;
        redriven++;
        cr_expect(strstr(js(e, "detail"), "by admin: source value added"), "%s", js(e, "detail"));
    }
    cr_expect_eq(redriven, 1, "one redriven event");
    json_object_put(a);
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL), *app = NULL;
    cr_expect_eq(stack_eploy_apps(ledger, "source.redrive@example.org", &app), 1, "delivered once");
    if (app) cr_expect_str_eq(js(app, "Source"), "StepStone DE 2027");
    json_object_put(ledger);

    /* trail shows the re-drive and the delivery. */
    int st = -1;
    char args[200];
    snprintf(args, sizeof args, "app %s", app_id);
    char *out = stack_trail(&s, args, &st);
    cr_expect_eq(st, 0, "%s", out);
    cr_expect(strstr(out, "redriven") && strstr(out, "delivered"), "%s", out);
    free(out);

    /* The same dead letter again: delivered already, nothing is re-produced. */
    snprintf(req, sizeof req, "{\"ids\":[\"%s\",\"9:999999\"],\"reason\":\"again\"}", ref);
    r = stack_ok(&s, STACK_DELIVERY, "POST", "/v1/deadletters/replay", req, STACK_ADMIN);
    cr_expect_eq(json_object_array_length(jo(r, "redriven")), 0, "%s", json_object_to_json_string(r));
    json_object *sk = jo(r, "skipped");
    cr_assert_eq(json_object_array_length(sk), 2, "%s", json_object_to_json_string(r));
    cr_expect_str_eq(js(json_object_array_get_idx(sk, 0), "reason"), "already_delivered");
    cr_expect_str_eq(js(json_object_array_get_idx(sk, 1), "reason"), "not_found");
    json_object_put(r);
    sleep(3);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_expect_eq(stack_eploy_apps(ledger, "source.redrive@example.org", NULL), 1, "still once");
    json_object_put(ledger);
}
