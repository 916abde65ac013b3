/* Signed inbound deliveries: Lever webhooks (HMAC-SHA256 of token +
 * triggeredAt with the account's per-event signature token) and provider
 * callbacks (HMAC-SHA256 of timestamp + "." + body). Wrong, missing, stale
 * or replayed signatures are 401 and produce nothing. */
#include "atsbridge/v1/ats.pb-c.h"
#include "callbacks.h"
#include "crypto.h"
#include "harness.h"
#include "ingest_support.h"
#include "webhooks.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static ingest_proc P;
static char webhooks[256], bgcheck[256];
static const char *TOKEN_KEY = "lever-signature-token-1";
static const char *SECRET = "provider-callback-secret-1";

static void setup(void) {
    crypto_init();
    ingest_start(&P, 0);
    ingest_topic(&P, "ats.webhooks", webhooks, sizeof webhooks);
    ingest_topic(&P, "bgcheck.updates", bgcheck, sizeof bgcheck);
    char body[256];
    snprintf(body, sizeof body, "{\"candidateStageChange\":\"%s\",\"applicationCreated\":\"other-token-22\"}", TOKEN_KEY);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/accounts/demo-lever/lever-webhook-tokens", body), 200);
    snprintf(body, sizeof body, "{\"secret\":\"%s\"}", SECRET);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/providers/asurint/callback-secret", body), 200);
}
static void teardown(void) { ingest_stop(&P); }

TestSuite(ingest_webhooks, .init = setup, .fini = teardown, .timeout = 120);

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A Lever delivery; sig_key NULL means no signature field. */
static char *lever_body(const char *token, int64_t at, const char *sig_key, const char *opp) {
    char at_s[24], sig[CRYPTO_SHA256_HEX] = "";
    snprintf(at_s, sizeof at_s, "%" PRId64, at);
    if (sig_key) lever_webhook_sign(sig_key, token, at_s, sig);
    char *b = malloc(1024);
    char data[256] = "{}";
    if (opp)
        snprintf(data, sizeof data,
                 "{\"opportunityId\":\"%s\",\"contactId\":\"c-1\",\"fromStageId\":\"lead-new\",\"toStageId\":\"bg-check\"}",
                 opp);
    snprintf(b, 1024, "{\"triggeredAt\":%s,\"event\":\"candidateStageChange\",%s%s%s\"token\":\"%s\",\"data\":%s}", at_s,
             sig_key ? "\"signature\":\"" : "", sig_key ? sig : "", sig_key ? "\"," : "", token, data);
    return b;
}

static long post_lever(const char *account, const char *body, char **resp) {
    char url[256];
    snprintf(url, sizeof url, "%s/v1/webhooks/lever/%s", P.base, account);
    ingest_resp r;
    ingest_http("POST", url, "application/json", body, strlen(body), NULL, &r);
    if (resp) *resp = r.body;
    else ingest_resp_free(&r);
    return r.status;
}

Test(ingest_webhooks, lever_signed_delivery_is_produced_once) {
    int64_t before = topic_count(webhooks);
    char *body = lever_body("tok-1", now_ms(), TOKEN_KEY, "opp-1");
    char *resp = NULL;
    cr_assert_eq(post_lever("demo-lever", body, &resp), 200, "%s", resp);
    free(resp);
    cr_assert_eq(topic_count(webhooks), before + 1);
    rd_kafka_message_t *m = topic_read(webhooks, before);
    cr_assert(m);
    cr_assert_eq(m->key_len, strlen("demo-lever"));
    char hv[64];
    cr_assert_str_eq(msg_header(m, "schema", hv, sizeof hv), "atsbridge.v1.AtsWebhook");
    Atsbridge__V1__AtsWebhook *w = atsbridge__v1__ats_webhook__unpack(NULL, m->len, m->payload);
    cr_assert_str_eq(w->account_id, "demo-lever");
    cr_assert_str_eq(w->event, "candidateStageChange");
    cr_assert_str_eq(w->opportunity_id, "opp-1");
    cr_assert_str_eq(w->to_stage_id, "bg-check");
    cr_assert_str_eq(w->ats, "lever");
    atsbridge__v1__ats_webhook__free_unpacked(w, NULL);
    rd_kafka_message_destroy(m);

    /* The same delivery again: replay. */
    cr_assert_eq(post_lever("demo-lever", body, &resp), 401);
    cr_assert(strstr(resp, "replayed"), "%s", resp);
    free(resp);
    cr_assert_eq(topic_count(webhooks), before + 1);
    free(body);
}

Test(ingest_webhooks, lever_bad_signatures_are_401) {
    int64_t before = topic_count(webhooks);
    char *resp = NULL;
    char *b = lever_body("tok-wrong", now_ms(), "not-the-token", "opp-2");
    cr_assert_eq(post_lever("demo-lever", b, &resp), 401);
    cr_assert(strstr(resp, "signature_invalid"), "%s", resp);
    free(resp);
    free(b);
    b = lever_body("tok-missing", now_ms(), NULL, "opp-2");
    cr_assert_eq(post_lever("demo-lever", b, &resp), 401);
    cr_assert(strstr(resp, "signature_missing"), "%s", resp);
    free(resp);
    free(b);
    b = lever_body("tok-stale", now_ms() - 6 * 60 * 1000, TOKEN_KEY, "opp-2");
    cr_assert_eq(post_lever("demo-lever", b, &resp), 401);
    cr_assert(strstr(resp, "stale"), "%s", resp);
    free(resp);
    /* Unknown accounts, and accounts of another ATS, are 404. */
    cr_assert_eq(post_lever("demo-eploy", b, NULL), 404, "an Eploy account takes no Lever webhooks");
    cr_assert_eq(post_lever("nobody", b, NULL), 404);
    free(b);
    cr_assert_eq(post_lever("demo-lever", "{not json", NULL), 400);
    cr_assert_eq(topic_count(webhooks), before);
}

Test(ingest_webhooks, lever_test_ping_is_acknowledged_without_producing) {
    int64_t before = topic_count(webhooks);
    char *b = lever_body("tok-ping", now_ms(), TOKEN_KEY, NULL);
    char *resp = NULL;
    cr_assert_eq(post_lever("demo-lever", b, &resp), 200, "%s", resp);
    cr_assert(strstr(resp, "ignored"), "%s", resp);
    free(resp);
    free(b);
    cr_assert_eq(topic_count(webhooks), before);
}

static long post_callback(const char *provider, const char *body, const char *ts, const char *sig, char **resp) {
    char url[256], th[64], sh[128];
    snprintf(url, sizeof url, "%s/v1/callbacks/bgcheck/%s", P.base, provider);
    const char *h[3] = {NULL, NULL, NULL};
    int n = 0;
    if (ts) {
        snprintf(th, sizeof th, "X-Provider-Timestamp: %s", ts);
        h[n++] = th;
    }
    if (sig) {
        snprintf(sh, sizeof sh, "X-Provider-Signature: %s", sig);
        h[n++] = sh;
    }
    ingest_resp r;
    ingest_http("POST", url, "application/json", body, strlen(body), h, &r);
    if (resp) *resp = r.body;
    else ingest_resp_free(&r);
    return r.status;
}

static const char *CB =
    "{\"order_id\":\"ord-77\",\"status\":\"Completed\",\"score\":\"Eligible for Hire\","
    "\"report_url\":\"https://provider.example/r/77\",\"reference\":\"chk_1\",\"occurred_at\":\"2026-11-24T10:00:00Z\"}";

Test(ingest_webhooks, provider_callback_signed_and_replay_protected) {
    int64_t before = topic_count(bgcheck);
    char ts[24], sig[CRYPTO_SHA256_HEX];
    snprintf(ts, sizeof ts, "%lld", (long long)(now_ms() / 1000));
    bgcheck_callback_sign(SECRET, ts, CB, strlen(CB), sig);
    char *resp = NULL;
    cr_assert_eq(post_callback("asurint", CB, ts, sig, &resp), 200, "%s", resp);
    free(resp);
    cr_assert_eq(topic_count(bgcheck), before + 1);
    rd_kafka_message_t *m = topic_read(bgcheck, before);
    cr_assert(m);
    cr_assert_eq(m->key_len, 6);
    cr_assert(!memcmp(m->key, "ord-77", 6));
    Atsbridge__V1__BackgroundCheckUpdate *u = atsbridge__v1__background_check_update__unpack(NULL, m->len, m->payload);
    cr_assert_eq(u->status, ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_COMPLETED);
    cr_assert_str_eq(u->score, "Eligible for Hire");
    cr_assert_str_eq(u->check_id, "chk_1");
    cr_assert_eq(u->occurred_at_ms, 1795514400000LL);
    atsbridge__v1__background_check_update__free_unpacked(u, NULL);
    rd_kafka_message_destroy(m);

    cr_assert_eq(post_callback("asurint", CB, ts, sig, &resp), 401);
    cr_assert(strstr(resp, "replayed"), "%s", resp);
    free(resp);
    cr_assert_eq(topic_count(bgcheck), before + 1);
}

Test(ingest_webhooks, provider_callback_errors) {
    int64_t before = topic_count(bgcheck);
    char ts[24], old[24], sig[CRYPTO_SHA256_HEX], oldsig[CRYPTO_SHA256_HEX], wrong[CRYPTO_SHA256_HEX];
    snprintf(ts, sizeof ts, "%lld", (long long)(now_ms() / 1000));
    snprintf(old, sizeof old, "%lld", (long long)(now_ms() / 1000 - 301));
    bgcheck_callback_sign(SECRET, ts, CB, strlen(CB), sig);
    bgcheck_callback_sign(SECRET, old, CB, strlen(CB), oldsig);
    bgcheck_callback_sign("another-secret-123", ts, CB, strlen(CB), wrong);
    char *resp = NULL;
    cr_assert_eq(post_callback("asurint", CB, NULL, NULL, &resp), 401);
    cr_assert(strstr(resp, "signature_missing"), "%s", resp);
    free(resp);
    cr_assert_eq(post_callback("asurint", CB, ts, wrong, &resp), 401);
    cr_assert(strstr(resp, "signature_invalid"), "%s", resp);
    free(resp);
    cr_assert_eq(post_callback("asurint", CB, old, oldsig, &resp), 401);
    cr_assert(strstr(resp, "stale"), "%s", resp);
    free(resp);
    cr_assert_eq(post_callback("nosuchprovider", CB, ts, sig, NULL), 404);
    /* Signed but invalid: 422 listing fields. */
    const char *bad = "{\"status\":\"Done\"}";
    bgcheck_callback_sign(SECRET, ts, bad, strlen(bad), sig);
    cr_assert_eq(post_callback("asurint", bad, ts, sig, &resp), 422);
    cr_assert(strstr(resp, "\"field\":\"order_id\"") && strstr(resp, "\"field\":\"status\""), "%s", resp);
    free(resp);
    cr_assert_eq(topic_count(bgcheck), before);
}
