/* atssim: signed Lever webhooks and provider orders with signed callbacks,
 * checked by a receiver started in the test with common/http_server. */
#include "crypto.h"
#include "http_server.h"
#include "simtest.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_HITS 32

typedef struct {
    char *body;
    char signature[80];
    char timestamp[32];
} hit;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static hit hits[MAX_HITS];
static int nhits;
static int fail_first; /* answer 500 to this many deliveries first */
static http_server *receiver;
static char hook_url[128];

static void on_hook(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    pthread_mutex_lock(&mu);
    int fail = fail_first > 0;
    if (fail) fail_first--;
    if (!fail && nhits < MAX_HITS) {
        hit *h = &hits[nhits++];
        h->body = strdup(req->body);
        const char *s = http_header(req, "X-Provider-Signature"), *t = http_header(req, "X-Provider-Timestamp");
        snprintf(h->signature, sizeof h->signature, "%s", s ? s : "");
        snprintf(h->timestamp, sizeof h->timestamp, "%s", t ? t : "");
    }
    pthread_mutex_unlock(&mu);
    if (fail) {
        http_error(resp, 500, "receiver_down", "Not now.");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    http_json(resp, 200, o);
}

static const http_route routes[] = {{"POST", "/hook", on_hook, NULL, 0, NULL, 0}};

static void setup(void) {
    char err[256];
    crypto_init();
    cr_assert_eq(http_server_start("127.0.0.1", 0, routes, 1, NULL, NULL, &receiver, err, sizeof err), 0, "%s", err);
    snprintf(hook_url, sizeof hook_url, "http://127.0.0.1:%d/hook", http_server_port(receiver));
    simtest_start();
}

static void teardown(void) {
    simtest_stop();
    http_server_stop(receiver);
    for (int i = 0; i < nhits; i++) free(hits[i].body);
    nhits = 0;
}

TestSuite(atssim_webhooks, .init = setup, .fini = teardown, .timeout = 60);

/* Waits until at least n deliveries arrived; returns how many did. */
static int wait_hits(int n, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        pthread_mutex_lock(&mu);
        int have = nhits;
        pthread_mutex_unlock(&mu);
        if (have >= n) return have;
        usleep(20 * 1000);
    }
    return nhits;
}

Test(atssim_webhooks, stage_change_webhook_is_signed) {
    char at[128], body[256];
    simtest_resp r;
    snprintf(body, sizeof body, "{\"url\":\"%s\",\"events\":[\"candidateStageChange\"]}", hook_url);
    simtest_json(&r, "POST", "/_sim/lever/webhooks", body, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_lever_token("demo-lever-site", at, sizeof at);
    simtest_json(&r, "POST", "/lever/v1/opportunities?perform_as=user-recruiter",
                 "{\"name\":\"Stage Test\",\"emails\":[\"stage@example.org\"],\"postings\":[\"demo-lever-posting\"]}", at);
    cr_assert_eq(r.status, 201, "%s", r.body);
    char id[64], path[160];
    snprintf(id, sizeof id, "%s", simtest_str(r.json, "data.id"));
    simtest_resp_free(&r);
    snprintf(path, sizeof path, "/_sim/lever/opportunities/%s/stage", id);
    simtest_json(&r, "POST", path, "{\"stage\":\"Asurint Background Check\"}", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "POST", "/_sim/lever/opportunities/nope/stage", "{\"stage\":\"Offer\"}", NULL);
    cr_assert_eq(r.status, 404);
    simtest_resp_free(&r);
    cr_assert_geq(wait_hits(1, 5000), 1, "no webhook arrived");

    json_object *w = json_tokener_parse(hits[0].body);
    cr_assert(w, "%s", hits[0].body);
    cr_assert_str_eq(simtest_str(w, "event"), "candidateStageChange");
    cr_assert_str_eq(simtest_str(w, "data.opportunityId"), id);
    cr_assert_str_eq(simtest_str(w, "data.fromStageId"), "lead-new");
    cr_assert_str_eq(simtest_str(w, "data.toStageId"), "asurint-background-check");
    cr_assert(simtest_str(w, "data.contactId"));
    /* signature = hex HMAC-SHA256(signature token, token + triggeredAt) */
    char msg[128], sig[CRYPTO_SHA256_HEX];
    snprintf(msg, sizeof msg, "%s%lld", simtest_str(w, "token"), (long long)json_object_get_int64(simtest_get(w, "triggeredAt")));
    const char *key = "whsec-demo-lever-stage-change";
    crypto_hmac_sha256_hex(key, strlen(key), msg, strlen(msg), sig);
    cr_assert_str_eq(simtest_str(w, "signature"), sig);
    json_object_put(w);

    /* The sender marks the delivery after our receiver answered: poll. */
    for (int i = 0; i < 50; i++) {
        simtest_json(&r, "GET", "/_sim/webhooks", NULL, NULL);
        const char *st = simtest_str(r.json, "deliveries.0.state");
        if ((st && !strcmp(st, "delivered")) || i == 49) break;
        simtest_resp_free(&r);
        usleep(100 * 1000);
    }
    cr_assert_str_eq(simtest_str(r.json, "deliveries.0.state"), "delivered", "%s", r.body);
    simtest_resp_free(&r);
}

Test(atssim_webhooks, failed_deliveries_are_retried) {
    char at[128], body[256];
    simtest_resp r;
    fail_first = 2;
    snprintf(body, sizeof body, "{\"url\":\"%s\"}", hook_url);
    simtest_json(&r, "POST", "/_sim/lever/webhooks", body, NULL);
    cr_assert_eq(r.status, 200);
    simtest_resp_free(&r);
    simtest_lever_token("demo-lever-site", at, sizeof at);
    simtest_json(&r, "POST", "/lever/v1/postings/lever-posting-driver-hamburg/apply",
                 "{\"personalInformation\":[{\"name\":\"fullName\",\"value\":\"Ola\"},{\"name\":\"email\",\"value\":\"ola@example.org\"}],"
                 "\"customQuestions\":[{\"id\":\"cq-short\",\"fields\":[{\"value\":3},{\"value\":\"yes\"}]}]}",
                 at);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    cr_assert_geq(wait_hits(1, 8000), 1, "retries never delivered");
    json_object *w = json_tokener_parse(hits[0].body);
    cr_assert_str_eq(simtest_str(w, "event"), "applicationCreated");
    json_object_put(w);
    simtest_json(&r, "GET", "/_sim/webhooks", NULL, NULL);
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "deliveries.0.attempts")), 3, "%s", r.body);
    simtest_resp_free(&r);
}

static void check_callback(int i, const char *status) {
    char msg[4096], sig[CRYPTO_SHA256_HEX];
    snprintf(msg, sizeof msg, "%s.%s", hits[i].timestamp, hits[i].body);
    const char *secret = "dev-provider-callback-secret";
    crypto_hmac_sha256_hex(secret, strlen(secret), msg, strlen(msg), sig);
    cr_assert_str_eq(hits[i].signature, sig, "callback %d signature", i);
    json_object *b = json_tokener_parse(hits[i].body);
    cr_assert_str_eq(simtest_str(b, "status"), status);
    json_object_put(b);
}

/* An order of reference opp-123 with the given client_id member ("" for none). */
#define ORDER_AS(client)                                                                                \
    "{\"reference\":\"opp-123\",\"package\":\"Basic Search + Employment + Education\"," client          \
    "\"candidate\":{\"first_name\":\"Zoë\",\"last_name\":\"Müller\",\"email\":\"zoe+review@example.org\"}}"
#define ORDER ORDER_AS("\"client_id\":\"demo-asurint-client\",")

Test(atssim_webhooks, provider_order_progression_and_signed_callbacks) {
    char body[256];
    const char *key[] = {"Authorization: Bearer dev-provider-key", NULL};
    simtest_resp r;
    snprintf(body, sizeof body, "{\"callback_url\":\"%s\"}", hook_url);
    simtest_json(&r, "POST", "/_sim/provider/config", body, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", ORDER, 0, NULL, 0);
    cr_assert_eq(r.status, 401);
    simtest_resp_free(&r);
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", "{\"reference\":\"x\",\"package\":\"Gold\"}", 0, key, 0);
    cr_assert_eq(r.status, 422);
    cr_assert(simtest_get(r.json, "error.details.0"), "%s", r.body);
    simtest_resp_free(&r);
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", ORDER, 0, key, 0);
    cr_assert_eq(r.status, 201, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "status"), "Pending Candidate");
    cr_assert_str_eq(simtest_str(r.json, "client_id"), "demo-asurint-client");
    cr_assert(simtest_str(r.json, "report_url"));
    char id[64], path[160];
    snprintf(id, sizeof id, "%s", simtest_str(r.json, "order_id"));
    simtest_resp_free(&r);
    /* The same order again is not a second order. */
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", ORDER, 0, key, 0);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(simtest_str(r.json, "order_id"), id);
    simtest_resp_free(&r);

    snprintf(path, sizeof path, "/_sim/provider/orders/%s/advance", id);
    simtest_json(&r, "POST", path, "{}", NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "status"), "In Progress");
    simtest_resp_free(&r);
    simtest_json(&r, "POST", path, "{}", NULL);
    cr_assert_str_eq(simtest_str(r.json, "status"), "Completed");
    cr_assert_str_eq(simtest_str(r.json, "score"), "Review", "+review in the e-mail");
    simtest_resp_free(&r);
    simtest_json(&r, "POST", path, "{}", NULL);
    cr_assert_eq(r.status, 409);
    simtest_resp_free(&r);

    cr_assert_geq(wait_hits(2, 5000), 2);
    check_callback(0, "In Progress");
    check_callback(1, "Completed");

    snprintf(path, sizeof path, "/provider/v1/orders/%s", id);
    simtest_req(&r, "GET", path, NULL, NULL, 0, key, 0);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "history")), 3);
    cr_assert_str_eq(simtest_str(r.json, "client_id"), "demo-asurint-client");
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "provider.orders.0.create_requests")), 2);
    simtest_resp_free(&r);
}

Test(atssim_webhooks, provider_orders_advance_on_a_timer) {
    char body[256];
    const char *key[] = {"Authorization: Bearer dev-provider-key", NULL};
    simtest_resp r;
    snprintf(body, sizeof body, "{\"callback_url\":\"%s\",\"auto_advance_ms\":100}", hook_url);
    simtest_json(&r, "POST", "/_sim/provider/config", body, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    simtest_resp_free(&r);
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json",
                "{\"reference\":\"opp-9\",\"package\":\"basic\",\"client_id\":\"load-asurint-client\","
                "\"candidate\":{\"first_name\":\"A\",\"last_name\":\"B\",\"email\":\"a@b.org\"}}",
                0, key, 0);
    cr_assert_eq(r.status, 201, "%s", r.body);
    simtest_resp_free(&r);
    cr_assert_geq(wait_hits(2, 5000), 2);
    check_callback(0, "In Progress");
    check_callback(1, "Completed");
    json_object *b = json_tokener_parse(hits[1].body);
    cr_assert_str_eq(simtest_str(b, "score"), "Eligible for Hire");
    json_object_put(b);
}

/* The error detail code for field in a 422 answer, or "(none)". */
static const char *detail_code(json_object *err, const char *field) {
    json_object *details = simtest_get(err, "error.details");
    for (size_t i = 0; details && i < json_object_array_length(details); i++) {
        const char *f = simtest_str(json_object_array_get_idx(details, i), "field");
        if (f && !strcmp(f, field)) return simtest_str(json_object_array_get_idx(details, i), "code");
    }
    return "(none)";
}

Test(atssim_webhooks, provider_orders_need_a_known_client_id) {
    const char *key[] = {"Authorization: Bearer dev-provider-key", NULL};
    simtest_resp r;
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", ORDER_AS(""), 0, key, 0);
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "error.code"), "invalid_order");
    cr_assert_str_eq(detail_code(r.json, "client_id"), "required", "%s", r.body);
    simtest_resp_free(&r);
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", ORDER_AS("\"client_id\":\"acme-client\","), 0,
                key, 0);
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert_str_eq(detail_code(r.json, "client_id"), "unknown_client", "%s", r.body);
    simtest_resp_free(&r);

    simtest_req(&r, "POST", "/provider/v1/orders", "application/json", ORDER, 0, key, 0);
    cr_assert_eq(r.status, 201, "%s", r.body);
    simtest_resp_free(&r);
    /* The same reference and package under another employer's client id. */
    simtest_req(&r, "POST", "/provider/v1/orders", "application/json",
                ORDER_AS("\"client_id\":\"load-asurint-client\","), 0, key, 0);
    cr_assert_eq(r.status, 409, "%s", r.body);
    cr_assert_str_eq(simtest_str(r.json, "error.code"), "conflict");
    cr_assert(strstr(simtest_str(r.json, "error.message"), "client_id"), "%s", r.body);
    simtest_resp_free(&r);
    simtest_json(&r, "GET", "/_sim/ledger", NULL, NULL);
    cr_assert_eq(json_object_array_length(simtest_get(r.json, "provider.orders")), 1);
    cr_assert_eq(json_object_get_int(simtest_get(r.json, "provider.orders.0.create_requests")), 1,
                 "a refused repeat is not counted");
    cr_assert_str_eq(simtest_str(r.json, "provider.orders.0.client_id"), "demo-asurint-client");
    simtest_resp_free(&r);
}
