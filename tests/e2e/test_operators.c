/* Named operators: the bootstrap admin token registers alice; alice's own
 * token then does a scripted admin session on status, ingest and delivery,
 * and the audit trail (`trail tail application.events`) names her on every
 * action. Only the bootstrap token registers operators; a removed operator's
 * token stops working. */
#include "harness.h"
#include "kafka_conf.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALICE_TOKEN "alice-operator-token-0123456789"
#define ALICE "Authorization: Bearer " ALICE_TOKEN

static stack S;

static void setup(void) {
    stack_start(&S, NULL);
    stack_seed(&S);
}

static void teardown(void) { stack_stop(&S); }

TestSuite(operators, .init = setup, .fini = teardown, .timeout = 240);

/* The line of trail's output with event type and actor, or NULL. */
static const char *find_event(const char *out, const char *type, const char *actor) {
    char t[96], a[96];
    snprintf(t, sizeof t, "\"type\":\"%s\"", type);
    snprintf(a, sizeof a, "\"actor\":\"%s\"", actor);
    for (const char *line = out; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, n);
        int hit = strstr(copy, t) && strstr(copy, a);
        free(copy);
        if (hit) return line;
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

Test(operators, every_admin_action_names_its_operator) {
    json_object *o = NULL;
    cr_assert_eq(stack_http(&S, STACK_STATUS, "PUT", "/v1/admin/operators/alice", "{\"token\":\"" ALICE_TOKEN "\"}",
                            STACK_ADMIN, &o),
                 201);
    json_object_put(o);
    /* Only the bootstrap token registers operators; short tokens are refused. */
    cr_assert_eq(stack_http(&S, STACK_STATUS, "PUT", "/v1/admin/operators/bob", "{\"token\":\"bob-operator-token-0123456789\"}",
                            ALICE, NULL),
                 401);
    cr_assert_eq(stack_http(&S, STACK_STATUS, "PUT", "/v1/admin/operators/bob", "{\"token\":\"short\"}", STACK_ADMIN, NULL),
                 422);
    cr_assert_eq(stack_http(&S, STACK_STATUS, "PUT", "/v1/admin/operators/bob", "{\"token\":\"" ALICE_TOKEN "\"}",
                            STACK_ADMIN, NULL),
                 409);

    /* alice's session, on every service with admin endpoints. */
    json_object_put(stack_ok(&S, STACK_STATUS, "PUT", "/v1/accounts/demo-eploy",
                             "{\"grants\":{\"boards\":[\"stepstone_de\",\"totaljobs\"],\"source_tools\":[\"provenbase\"]}}",
                             ALICE));
    json_object_put(stack_ok(&S, STACK_INGEST, "PUT", "/v1/admin/boards/totaljobs/keys",
                             "{\"key\":\"operators-totaljobs-key\"}", ALICE));
    json_object_put(stack_ok(&S, STACK_INGEST, "PUT", "/v1/admin/providers/asurint/callback-secret",
                             "{\"secret\":\"operators-provider-secret\"}", ALICE));
    char req[512];
    snprintf(req, sizeof req,
             "{\"name\":\"Eploy-2\",\"site_url\":\"%s/eploy/demo-eploy-site\",\"client_id\":\"demo-eploy-client\","
             "\"client_secret\":\"demo-eploy-secret\"}",
             S.url[STACK_SIM]);
    json_object_put(stack_ok(&S, STACK_DELIVERY, "POST", "/v1/accounts/demo-eploy/connections/eploy", req, ALICE));
    json_object_put(stack_ok(&S, STACK_DELIVERY, "DELETE", "/v1/accounts/demo-eploy/connections/Eploy-2", NULL, ALICE));
    json_object_put(stack_ok(&S, STACK_DELIVERY, "POST", "/v1/accounts/demo-lever/connections/lever",
                             "{\"name\":\"Lever-2\"}", ALICE));
    json_object_put(stack_ok(&S, STACK_STATUS, "POST", "/v1/accounts/demo-eploy/go-live", NULL, ALICE));
    /* A token nobody registered is refused everywhere. */
    cr_assert_eq(stack_http(&S, STACK_STATUS, "GET", "/v1/accounts/demo-eploy", NULL,
                            "Authorization: Bearer nobody-token-0123456789abc", NULL),
                 401);
    cr_assert_eq(stack_http(&S, STACK_INGEST, "PUT", "/v1/admin/boards/caterer/keys", "{\"key\":\"caterer-key-12345\"}",
                            "Authorization: Bearer nobody-token-0123456789abc", NULL),
                 401);

    /* The trail names alice on each of her actions, and the bootstrap admin on hers. */
    static const char *const actions[] = {"account_updated", "key_registered", "callback_secret_set", "connection_linked",
                                          "connection_revoked", "connection_activation_started", "go_live"};
    char *out = NULL, topic[256], args[320];
    const char *missing = NULL;
    snprintf(args, sizeof args, "--from-beginning tail %s", kafka_topic(TOPIC_APPLICATION_EVENTS, topic, sizeof topic));
    for (int attempt = 0; attempt < 50; attempt++) {
        free(out);
        int st = 0;
        out = stack_trail(&S, args, &st);
        missing = find_event(out, "operator_registered", "admin") ? NULL : "operator_registered";
        for (size_t i = 0; !missing && i < sizeof actions / sizeof actions[0]; i++)
            if (!find_event(out, actions[i], "alice")) missing = actions[i];
        if (!missing) break;
        usleep(200 * 1000);
    }
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        const char *line = find_event(out, actions[i], "alice");
        printf("operators trail: %-30s %s\n", actions[i], line ? "actor alice" : "MISSING");
    }
    fflush(stdout);
    cr_assert_null(missing, "no %s event with its actor on the trail:\n%.3000s", missing, out ? out : "");
    free(out);

    /* Removed: her token stops working once the 5 s cache has passed. */
    json_object_put(stack_ok(&S, STACK_STATUS, "DELETE", "/v1/admin/operators/alice", NULL, STACK_ADMIN));
    sleep(6);
    cr_assert_eq(stack_http(&S, STACK_STATUS, "GET", "/v1/accounts/demo-eploy", NULL, ALICE, NULL), 401);
}
