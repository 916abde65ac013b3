/* Lever scopes follow the account's features, through the whole stack: the
 * activation link of each feature set (and of the sandbox environment), and
 * a feature enabled after activation: the connection reports
 * reauthorization_required with a new link, nothing is sent that Lever
 * would refuse (the simulator answers every call outside a token's scopes
 * with 403, and none is ever met), then re-activation and delivery. */
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static stack s;
/* Retries keep going until the operator has activated again. */
static char *const env[] = {"ATSB_DELIVERY_MAX_ATTEMPTS=1000", NULL};
static void setup(void) {
    stack_start(&s, env);
    stack_seed(&s);
}
static void teardown(void) { stack_stop(&s); }
TestSuite(lever_scopes, .init = setup, .fini = teardown, .timeout = 180);

#define APPLY_SCOPES "offline_access postings:read:admin postings:write:admin uploads:write:admin"
#define BGCHECK_SCOPES \
    "opportunities:write:admin notes:write:admin stages:read:admin tags:read:admin webhooks:write:admin"

/* Creates or updates account id with body. */
static void put_account(const char *id, const char *body) {
    char path[160];
    snprintf(path, sizeof path, "/v1/accounts/%s", id);
    json_object_put(stack_ok(&s, STACK_STATUS, "PUT", path, body, STACK_ADMIN));
}

/* A new activation link for account id (caller puts). */
static json_object *link_for(const char *id) {
    char path[200];
    snprintf(path, sizeof path, "/v1/accounts/%s/connections/lever", id);
    return stack_ok(&s, STACK_DELIVERY, "POST", path, "{}", STACK_ADMIN);
}

/* Follows an activation link through the simulator's consent to delivery's callback. */
static void activate(const char *url) {
    char final[1024], *body = NULL;
    long st = stack_follow(url, final, sizeof final, &body);
    cr_assert_eq(st, 200, "activation: %ld at %s: %s (logs in %s)", st, final, body ? body : "", s.dir);
    free(body);
}

static json_object *connection(const char *id) {
    char path[200];
    snprintf(path, sizeof path, "/v1/accounts/%s/connections/Connection-OAuth-1", id);
    return stack_ok(&s, STACK_DELIVERY, "GET", path, NULL, STACK_ADMIN);
}

/* Every 403 the simulator answered (0 when Lever never refused a call). */
static long refused_calls(void) {
    json_object *r = stack_ok(&s, STACK_SIM, "GET", "/_sim/requests", NULL, NULL);
    long n = 0;
    json_object_object_foreach(jo(r, "targets"), name, t) {
        (void)name;
        long c = ji(t, "responses.403");
        if (c > 0) n += c;
    }
    json_object_put(r);
    return n;
}

Test(lever_scopes, activation_link_follows_the_features) {
    static const struct {
        const char *id, *body, *scope;
    } cases[] = {
        {"scopes-apply", "{\"ats\":\"lever\"}", APPLY_SCOPES},
        {"scopes-bgchecks",
         "{\"ats\":\"lever\",\"features\":[\"background_checks\"],\"provider_client_id\":\"demo-asurint-client\"}",
         APPLY_SCOPES " " BGCHECK_SCOPES},
        {"scopes-exports", "{\"ats\":\"lever\",\"features\":[\"exports\"]}", APPLY_SCOPES " opportunities:write:admin"},
        {"scopes-both",
         "{\"ats\":\"lever\",\"features\":[\"exports\",\"background_checks\"],"
         "\"provider_client_id\":\"demo-asurint-client\"}",
         APPLY_SCOPES " " BGCHECK_SCOPES},
    };
    printf("%-16s %s\n", "account", "scope of its activation link");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put_account(cases[i].id, cases[i].body);
        json_object *l = link_for(cases[i].id);
        json_object *p = stack_query_params(js(l, "activation_url"));
        printf("%-16s %s\n", cases[i].id, js(p, "scope"));
        cr_expect_str_eq(js(p, "scope"), cases[i].scope, "%s", cases[i].id);
        cr_expect_str_eq(js(p, "audience"), "https://api.lever.co/v1/");
        json_object_put(p);
        json_object_put(l);
    }

    /* The sandbox: its own authorization server and audience; the
     * connection remembers the environment and what Lever granted. */
    put_account("scopes-sandbox", "{\"ats\":\"lever\",\"lever_environment\":\"sandbox\"}");
    json_object *l = link_for("scopes-sandbox");
    const char *url = js(l, "activation_url");
    cr_expect(strstr(url, "/lever-sandbox/auth/authorize?") != NULL, "%s", url);
    json_object *p = stack_query_params(url);
    cr_expect_str_eq(js(p, "audience"), "https://api.sandbox.lever.co/v1/");
    json_object_put(p);
    activate(url);
    json_object_put(l);
    json_object *c = connection("scopes-sandbox");
    cr_expect_str_eq(js(c, "status"), "connected");
    cr_expect_str_eq(js(c, "environment"), "sandbox");
    cr_expect_eq(json_object_array_length(jo(c, "scopes")), 4, "%s", json_object_to_json_string(c));
    json_object_put(c);

    /* Moving the account to production needs a new activation there. */
    put_account("scopes-sandbox", "{\"lever_environment\":\"production\"}");
    c = connection("scopes-sandbox");
    cr_expect_str_eq(js(c, "status"), "reauthorization_required");
    cr_expect(strstr(js(c, "reauthorization_reason"), "production") != NULL, "%s", js(c, "reauthorization_reason"));
    cr_expect(strstr(js(c, "activation_url"), "/lever/auth/authorize?") != NULL, "%s", js(c, "activation_url"));
    json_object_put(c);
}

static int export_done(json_object *o, void *arg) {
    (void)arg;
    return ji(o, "delivered") == 1;
}

static int reauthorization_met(json_object *o, void *arg) {
    (void)arg;
    return !strcmp(js(o, "last_error"), "reauthorization_required");
}

Test(lever_scopes, a_feature_enabled_after_activation_waits_for_reauthorization) {
    /* Board applications only: activated with the job-board link. */
    put_account("late-lever", "{\"ats\":\"lever\",\"lever_perform_as\":\"user-atsbridge\","
                              "\"grants\":{\"boards\":[\"stepstone_de\"]}}");
    json_object *l = link_for("late-lever");
    activate(js(l, "activation_url"));
    json_object_put(l);
    json_object *c = connection("late-lever");
    cr_assert_str_eq(js(c, "status"), "connected");
    json_object_put(c);

    /* An application is delivered with those scopes (Lever's answer names
     * no opportunity, and the grant may not look it up). */
    char body[4096], app_id[128];
    stack_lever_app_json(body, sizeof body, "late-1", "late.one@example.org", "demo-lever-posting");
    char *acc = strstr(body, "\"demo-lever\"");
    cr_assert_not_null(acc);
    memcpy(acc + 1, "late-lever", 10); /* as long as "demo-lever" */
    cr_assert_eq(stack_apply(&s, body, app_id, sizeof app_id), 202);
    json_object *a = stack_wait_app(&s, app_id, "delivered", 60000);
    cr_expect_str_eq(js(a, "ats_candidate_id"), "");
    json_object_put(a);

    /* Exports are enabled afterwards (into the account's export stage): the
     * connection needs more scopes. */
    put_account("late-lever", "{\"features\":[\"exports\"],\"export_stage\":\"lead-reached-out\","
                              "\"grants\":{\"boards\":[\"stepstone_de\"],\"source_tools\":[\"provenbase\"]}}");
    c = connection("late-lever");
    cr_expect_str_eq(js(c, "status"), "reauthorization_required");
    cr_expect(strstr(js(c, "reauthorization_reason"), "opportunities:write:admin") != NULL, "%s",
              js(c, "reauthorization_reason"));
    json_object *p = stack_query_params(js(c, "activation_url"));
    cr_expect_str_eq(js(p, "scope"), APPLY_SCOPES " opportunities:write:admin");
    json_object_put(p);
    json_object_put(c);

    json_object *o = NULL;
    long st = stack_http(&s, STACK_INGEST, "POST", "/v1/exports",
                         "{\"name\":\"late\",\"account_id\":\"late-lever\",\"source\":\"ProvenBase\","
                         "\"posting_id\":\"demo-lever-posting\","
                         "\"candidates\":[{\"id\":\"pb-late\",\"first_name\":\"Late\",\"last_name\":\"Export\","
                         "\"email\":\"late.export@example.org\"}]}",
                         "Authorization: Bearer " STACK_TOOL_KEY, &o);
    cr_assert_eq(st, 202, "export: %ld %s", st, o ? json_object_to_json_string(o) : "");
    char task[128], path[200];
    snprintf(task, sizeof task, "%s", js(o, "export_task_id"));
    json_object_put(o);

    /* Delivery holds it back (retrying) instead of calling Lever. */
    c = stack_poll(&s, STACK_DELIVERY, "/v1/accounts/late-lever/connections/Connection-OAuth-1", reauthorization_met,
                   NULL, 30000);
    cr_assert(c && reauthorization_met(c, NULL), "delivery did not report reauthorization_required (logs in %s)", s.dir);
    const char *relink = js(c, "activation_url");
    cr_assert(*relink);
    snprintf(path, sizeof path, "/v1/exports/%s", task);
    json_object *t = stack_ok(&s, STACK_STATUS, "GET", path, NULL, STACK_ADMIN);
    cr_expect_eq(ji(t, "delivered"), 0, "%s", json_object_to_json_string(t));
    json_object_put(t);

    /* Activated again: the export is delivered. */
    activate(relink);
    json_object_put(c);
    c = connection("late-lever");
    cr_expect_str_eq(js(c, "status"), "connected");
    json_object_put(c);
    t = stack_poll(&s, STACK_STATUS, path, export_done, NULL, 60000);
    cr_assert(t && export_done(t, NULL), "export not delivered after re-activation (logs in %s): %s", s.dir,
              t ? json_object_to_json_string(t) : "(none)");
    json_object_put(t);
    cr_expect_eq(refused_calls(), 0, "Lever refused no call");
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    json_object *opps = jo(ledger, "lever.opportunities");
    int found = 0;
    for (size_t i = 0; opps && i < json_object_array_length(opps); i++) {
        json_object *x = json_object_array_get_idx(opps, i);
        if (strcmp(js(x, "emails.0"), "late.export@example.org") != 0) continue;
        found++;
        cr_expect_str_eq(js(x, "stage"), "lead-reached-out", "the account's export stage");
    }
    cr_expect_eq(found, 1);
    json_object_put(ledger);
}
