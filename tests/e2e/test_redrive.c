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
TestSuite(redrive, .init = setup, .fini = teardown, .timeout = 180);

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
