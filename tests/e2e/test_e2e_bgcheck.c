/* Seed 004 (Asurint background check via a Lever stage change) through the
 * whole stack: simulator stage move → signed webhook → ingest → status
 * creates the check → ORDER_CHECK → delivery orders with the provider →
 * provider callbacks → ingest → status → tags and notes on the opportunity,
 * each exactly once. Also: a posting without a package tag, a provider 503
 * before success (opportunity unknown to atsbridge: ORDER_CHECK without a
 * posting), and a revoked connection. */
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
TestSuite(e2e_bgcheck, .init = setup, .fini = teardown, .timeout = 180);

static void move_to_check_stage(const char *opp) {
    char path[256];
    snprintf(path, sizeof path, "/_sim/lever/opportunities/%s/stage", opp);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", path, "{\"stage\":\"Asurint Background Check\"}", NULL));
}

/* The opportunity's only check reaches one of the statuses in want ("a|b"). */
static int check_in(json_object *o, void *want) {
    json_object *list = jo(o, "background_checks");
    if (!list || json_object_array_length(list) != 1) return 0;
    const char *st = js(json_object_array_get_idx(list, 0), "status");
    char w[128];
    snprintf(w, sizeof w, "|%s|", (const char *)want);
    char needle[64];
    snprintf(needle, sizeof needle, "|%s|", st);
    return *st && strstr(w, needle) != NULL;
}

/* Polls the opportunity's check until its status is in want; returns a copy
 * of the check (caller puts). */
static json_object *wait_check(const char *opp, const char *want, int timeout_ms) {
    char path[256];
    snprintf(path, sizeof path, "/v1/background-checks?opportunity=%s", opp);
    json_object *o = stack_poll(&s, STACK_STATUS, path, check_in, (void *)want, timeout_ms);
    cr_assert(o && check_in(o, (void *)want), "check of %s not %s (logs in %s): %s", opp, want, s.dir,
              o ? json_object_to_json_string(o) : "(none)");
    json_object *c = json_object_get(json_object_array_get_idx(jo(o, "background_checks"), 0));
    json_object_put(o);
    return c;
}

static void advance(const char *order) {
    char path[256];
    snprintf(path, sizeof path, "/_sim/provider/orders/%s/advance", order);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", path, "{}", NULL));
}

/* Notes on opp containing text; *max_requests gets the highest create_requests. */
static int notes_with(json_object *ledger, const char *opp, const char *text, long long *max_requests) {
    json_object *notes = jo(ledger, "lever.notes");
    int n = 0;
    if (max_requests) *max_requests = 0;
    for (size_t i = 0; notes && i < json_object_array_length(notes); i++) {
        json_object *x = json_object_array_get_idx(notes, i);
        if (strcmp(js(x, "opportunity_id"), opp) || !strstr(js(x, "value"), text)) continue;
        n++;
        if (max_requests && ji(x, "create_requests") > *max_requests) *max_requests = ji(x, "create_requests");
    }
    return n;
}

static json_object *opp_of(json_object *ledger, const char *id) {
    json_object *opps = jo(ledger, "lever.opportunities");
    for (size_t i = 0; opps && i < json_object_array_length(opps); i++)
        if (!strcmp(js(json_object_array_get_idx(opps, i), "id"), id)) return json_object_array_get_idx(opps, i);
    return NULL;
}

static int orders_for(json_object *ledger, const char *check_id) {
    json_object *orders = jo(ledger, "provider.orders");
    int n = 0;
    for (size_t i = 0; orders && i < json_object_array_length(orders); i++)
        n += !strcmp(js(json_object_array_get_idx(orders, i), "reference"), check_id);
    return n;
}

Test(e2e_bgcheck, seed_004_acceptance) {
    /* 1. A delivered application's opportunity enters the check stage. */
    char opp[128];
    stack_lever_deliver(&s, "SS-E2E-BG-1", "ada.bg@example.org", "demo-lever-posting", opp, sizeof opp);
    move_to_check_stage(opp);
    json_object *c = wait_check(opp, "ordered|pending_candidate", 60000);
    char order[128], check_id[128];
    snprintf(order, sizeof order, "%s", js(c, "order_id"));
    snprintf(check_id, sizeof check_id, "%s", js(c, "check_id"));
    cr_assert(*order, "order id known: %s", json_object_to_json_string(c));
    cr_expect(strstr(js(c, "report_url"), "/provider/reports/"), "report link from the order: %s",
              json_object_to_json_string(c));
    json_object_put(c);
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_expect_eq(orders_for(ledger, check_id), 1, "one order, reference = check id");
    json_object *orders = jo(ledger, "provider.orders");
    for (size_t i = 0; orders && i < json_object_array_length(orders); i++) {
        json_object *o = json_object_array_get_idx(orders, i);
        if (!strcmp(js(o, "reference"), check_id)) {
            cr_expect_str_eq(js(o, "package"), "Basic Search + Employment + Education", "the posting's package tag");
            cr_expect_str_eq(js(o, "client_id"), "demo-asurint-client", "the account's provider client id");
        }
    }
    json_object_put(ledger);

    /* 2. Provider callbacks (the order starts in Pending Candidate, which the
     * ORDERED update already tagged): In Progress → Completed. */
    advance(order);
    json_object_put(wait_check(opp, "in_progress", 30000));
    advance(order);
    c = wait_check(opp, "completed", 30000);
    cr_expect_str_eq(js(c, "score"), "Eligible for Hire");
    json_object_put(c);

    /* 3. Tags and notes in the simulator, each exactly once; only the last status tag stays. */
    static const char *const steps[] = {"Pending Candidate", "In Progress", "Completed"};
    json_object *done = NULL;
    for (int waited = 0; waited < 30000; waited += 300) {
        json_object_put(done);
        done = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
        int all = 1;
        for (size_t i = 0; i < 3; i++) {
            char text[128];
            snprintf(text, sizeof text, "Status: %s", steps[i]);
            all &= notes_with(done, opp, text, NULL) >= 1;
        }
        json_object *o = opp_of(done, opp);
        const char *tags = o ? json_object_to_json_string(jo(o, "tags")) : "";
        if (all && strstr(tags, "Asurint: Completed") && !strstr(tags, "Asurint: In Progress")) break;
        usleep(300 * 1000);
    }
    for (size_t i = 0; i < 3; i++) {
        char text[128];
        long long req = 0;
        snprintf(text, sizeof text, "Status: %s", steps[i]);
        cr_expect_eq(notes_with(done, opp, text, &req), 1, "one note for %s", steps[i]);
        cr_expect_eq(req, 1, "the note for %s was sent once", steps[i]);
    }
    cr_expect_eq(notes_with(done, opp, "Score: Eligible for Hire", NULL), 1, "the score in the completion note");
    json_object *o = opp_of(done, opp);
    cr_assert_not_null(o);
    json_object *tags = jo(o, "tags");
    int status_tags = 0;
    for (size_t i = 0; tags && i < json_object_array_length(tags); i++)
        status_tags += !strncmp(json_object_get_string(json_object_array_get_idx(tags, i)), "Asurint: ", 9);
    cr_expect_eq(status_tags, 1, "one status tag left: %s", json_object_to_json_string(tags));
    cr_expect(strstr(json_object_to_json_string(tags), "Asurint: Completed"), "%s", json_object_to_json_string(tags));
    json_object *tl = jo(done, "lever.tags");
    for (size_t i = 0; tl && i < json_object_array_length(tl); i++) {
        json_object *t = json_object_array_get_idx(tl, i);
        if (!strcmp(js(t, "opportunity_id"), opp))
            cr_expect_eq(ji(t, "create_requests"), 1, "tag %s added once", js(t, "tag"));
    }
    cr_expect_eq(orders_for(done, check_id), 1);
    json_object_put(done);

    /* 4. A posting without a package tag: a note says what to fix, FAILED "no package tag". */
    json_object_put(stack_ok(&s, STACK_STATUS, "POST", "/v1/accounts/demo-lever/go-live", NULL, STACK_ADMIN));
    char opp2[128];
    stack_lever_deliver(&s, "SS-E2E-BG-2", "ada.untagged@example.org", "lever-posting-unlisted-office", opp2,
                        sizeof opp2);
    move_to_check_stage(opp2);
    c = wait_check(opp2, "failed", 60000);
    cr_expect_str_eq(js(c, "reason"), "no package tag");
    cr_expect_str_eq(js(c, "order_id"), "");
    json_object_put(c);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_expect_eq(notes_with(ledger, opp2, "Asurint Package:", NULL), 1, "a note says what to fix");
    json_object_put(ledger);

    /* 4b. The same posting once the account names a default package. */
    json_object_put(stack_ok(&s, STACK_STATUS, "PUT", "/v1/accounts/demo-lever",
                             "{\"bgcheck_package\":\"Criminal + Employment\"}", STACK_ADMIN));
    char opp5[128];
    stack_sim_opportunity(&s, "default.package@example.org", "lever-posting-unlisted-office", opp5, sizeof opp5);
    move_to_check_stage(opp5);
    c = wait_check(opp5, "ordered|pending_candidate", 60000);
    snprintf(check_id, sizeof check_id, "%s", js(c, "check_id"));
    json_object_put(c);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    orders = jo(ledger, "provider.orders");
    for (size_t i = 0; orders && i < json_object_array_length(orders); i++) {
        json_object *x = json_object_array_get_idx(orders, i);
        if (!strcmp(js(x, "reference"), check_id)) cr_expect_str_eq(js(x, "package"), "Criminal + Employment");
    }
    cr_expect_eq(orders_for(ledger, check_id), 1, "ordered with the account's default package");
    json_object_put(ledger);
    json_object_put(stack_ok(&s, STACK_STATUS, "PUT", "/v1/accounts/demo-lever", "{\"bgcheck_package\":null}",
                             STACK_ADMIN));

    /* 5. Provider 503 once, then success; the opportunity was created in Lever
     * directly, so ORDER_CHECK carries no posting and delivery reads it. */
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults",
                             "{\"target\":\"provider.create_order\",\"mode\":\"status\",\"status\":503,\"count\":1}", NULL));
    char opp3[128];
    stack_sim_opportunity(&s, "grace.bg@example.org", "lever-posting-driver-hamburg", opp3, sizeof opp3);
    move_to_check_stage(opp3);
    c = wait_check(opp3, "ordered|pending_candidate", 60000);
    snprintf(check_id, sizeof check_id, "%s", js(c, "check_id"));
    json_object_put(c);
    json_object *req = stack_ok(&s, STACK_SIM, "GET", "/_sim/requests", NULL, NULL);
    json_object *target = NULL;
    json_object_object_get_ex(jo(req, "targets"), "provider.create_order", &target);
    cr_expect_eq(ji(target, "responses.503"), 1, "the 503 was met: %s", json_object_to_json_string(target));
    json_object_put(req);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_expect_eq(orders_for(ledger, check_id), 1, "ordered once after the 503");
    orders = jo(ledger, "provider.orders");
    for (size_t i = 0; orders && i < json_object_array_length(orders); i++) {
        json_object *x = json_object_array_get_idx(orders, i);
        if (!strcmp(js(x, "reference"), check_id)) cr_expect_str_eq(js(x, "package"), "Basic Search");
    }
    json_object_put(ledger);

    /* 6. A revoked connection: FAILED "connection revoked", nothing ordered. */
    char opp4[128];
    stack_sim_opportunity(&s, "revoked.bg@example.org", "demo-lever-posting", opp4, sizeof opp4);
    long st = stack_http(&s, STACK_DELIVERY, "DELETE", "/v1/accounts/demo-lever/connections/Connection-OAuth-1", NULL,
                         STACK_ADMIN, NULL);
    cr_assert(st >= 200 && st < 300, "revoke: %ld", st);
    move_to_check_stage(opp4);
    c = wait_check(opp4, "failed", 60000);
    cr_expect_str_eq(js(c, "reason"), "connection revoked");
    snprintf(check_id, sizeof check_id, "%s", js(c, "check_id"));
    json_object_put(c);
    ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    cr_expect_eq(orders_for(ledger, check_id), 0, "no order without a connection");
    cr_expect_eq(notes_with(ledger, opp4, "", NULL), 0, "no ATS writes");
    json_object_put(ledger);
}
