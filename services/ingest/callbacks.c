#include "callbacks.h"

#include "application_parse.h"
#include "atsbridge/v1/ats.pb-c.h"
#include "config.h"
#include "events.h"
#include "ingest.h"
#include "kafka_conf.h"
#include "log.h"
#include "pg.h"
#include "rfc3339.h"
#include "secrets.h"
#include "text.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *text;
    int status;
} statuses[] = {
    {"Pending Candidate", ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_PENDING_CANDIDATE},
    {"In Progress", ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_IN_PROGRESS},
    {"Completed", ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_COMPLETED},
};

int bgcheck_callback_parse(const char *body, size_t len, bgcheck_callback *cb, errlist *errs) {
    memset(cb, 0, sizeof *cb);
    size_t before = errs->n + errs->dropped;
    json_object *root = app_json_parse(body, len, &JSON_LIMITS_DEFAULT, errs);
    if (!root) return -1;
    app_get_string(root, "", "order_id", 1, 256, errs, &cb->order_id);
    if (app_get_string(root, "", "status", 1, 64, errs, &cb->status_text) == 0 && cb->status_text) {
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            if (!strcmp(statuses[i].text, cb->status_text)) cb->status = statuses[i].status;
        if (!cb->status)
            errlist_add(errs, 422, "status", "invalid", "One of Pending Candidate, In Progress, Completed.");
    }
    app_get_string(root, "", "score", 0, 128, errs, &cb->score);
    app_get_string(root, "", "report_url", 0, 2048, errs, &cb->report_url);
    app_get_string(root, "", "reference", 0, 256, errs, &cb->reference);
    json_object *at;
    if (json_object_object_get_ex(root, "occurred_at", &at) && at) {
        if (json_object_is_type(at, json_type_int)) {
            cb->occurred_at_ms = json_object_get_int64(at);
            if (cb->occurred_at_ms < 0) errlist_add(errs, 422, "occurred_at", "invalid", "Must not be negative.");
        } else if (!json_object_is_type(at, json_type_string) ||
                   rfc3339_parse(json_object_get_string(at), &cb->occurred_at_ms) != 0) {
            errlist_add(errs, 422, "occurred_at", "invalid", "An RFC 3339 date-time or Unix milliseconds.");
        }
    }
    json_object_put(root);
    return errs->n + errs->dropped > before ? -1 : 0;
}

void bgcheck_callback_free(bgcheck_callback *cb) {
    free(cb->order_id);
    free(cb->status_text);
    free(cb->score);
    free(cb->report_url);
    free(cb->reference);
    memset(cb, 0, sizeof *cb);
}

void bgcheck_callback_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                           char out[CRYPTO_SHA256_HEX]) {
    crypto_sign_timestamped(secret, timestamp, body, len, out);
}

int bgcheck_callback_verify(const char *secret, const char *timestamp, const char *signature, const char *body,
                            size_t len, int64_t now_s, int64_t max_age_s, const char **code,
                            const char **message) {
    int64_t ts_s = 0;
    if (!timestamp || !signature) {
        *code = "signature_missing";
        *message = "X-Provider-Timestamp and X-Provider-Signature are required.";
        return -1;
    }
    if (!*timestamp || strspn(timestamp, "0123456789") != strlen(timestamp) ||
        config_parse_int(timestamp, 0, INT64_MAX / 1000, &ts_s) != 0) {
        *code = "signature_invalid";
        *message = "X-Provider-Timestamp must be Unix seconds.";
        return -1;
    }
    char expected[CRYPTO_SHA256_HEX], given[CRYPTO_SHA256_HEX];
    size_t n = strlen(signature);
    *code = "signature_invalid";
    *message = "The callback signature does not verify.";
    if (n != CRYPTO_SHA256_HEX - 1) return -1;
    for (size_t i = 0; i <= n; i++) given[i] = (char)tolower((unsigned char)signature[i]);
    bgcheck_callback_sign(secret, timestamp, body, len, expected);
    if (!crypto_str_equal(expected, given)) return -1;
    if (ts_s > now_s + max_age_s || now_s - ts_s > max_age_s) {
        *code = "stale";
        *message = "The callback is too old (or from the future).";
        return -1;
    }
    return 0;
}

void callbacks_bgcheck_post(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    const char *provider = req->params[0];
    bgcheck_callback cb = {0};
    errlist errs = {0};
    char *secret = NULL;
    char trace[80];
    ingest_trace_id(req, trace, sizeof trace);
    PGconn *c = NULL;
    if (!text_is_ident(provider, 64)) {
        http_error(resp, 404, "not_found", "Unknown provider.");
        goto cleanup;
    }
    c = pg_pool_acquire(ctx->svc->db);
    if (!c) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    int rc = secrets_get(c, SECRET_PROVIDER_CALLBACK, provider, "", &secret);
    if (rc < 0) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    if (rc == 1) {
        http_error(resp, 404, "not_found", "Unknown provider.");
        goto cleanup;
    }
    const char *ts = http_header(req, "X-Provider-Timestamp");
    const char *sig = http_header(req, "X-Provider-Signature");
    const char *code = NULL, *message = NULL;
    if (bgcheck_callback_verify(secret, ts, sig, req->body, req->body_len, events_now_ms() / 1000,
                                ctx->cfg.signature_max_age_s, &code, &message)) {
        if (!strcmp(code, "signature_invalid"))
            log_event(LOG_WARN, trace, "callback signature mismatch", "provider", provider, (const char *)NULL);
        http_error(resp, 401, code, message);
        goto cleanup;
    }
    /* Verified, so sig is 64 hex digits: its lowercase form is the replay id. */
    char given[CRYPTO_SHA256_HEX];
    for (size_t i = 0; i < CRYPTO_SHA256_HEX; i++) given[i] = (char)tolower((unsigned char)sig[i]);
    if (bgcheck_callback_parse(req->body, req->body_len, &cb, &errs)) {
        ingest_respond_errors(resp, &errs);
        goto cleanup;
    }
    char update_id[64], occurred[24], source[128];
    snprintf(occurred, sizeof occurred, "%" PRId64, cb.occurred_at_ms);
    crypto_derive_id(update_id, sizeof update_id, "bcu_", provider, cb.order_id, cb.status_text, occurred,
                     cb.score ? cb.score : "", (const char *)NULL);
    snprintf(source, sizeof source, "bgcheck:%s", provider);
    if (ingest_begin_claim(ctx, c, source, given, "This callback was already received.", resp)) goto cleanup;
    Atsbridge__V1__BackgroundCheckUpdate m = ATSBRIDGE__V1__BACKGROUND_CHECK_UPDATE__INIT;
    m.update_id = update_id;
    m.check_id = cb.reference ? cb.reference : "";
    m.order_id = cb.order_id;
    m.status = (Atsbridge__V1__CheckStatus)cb.status;
    m.score = cb.score ? cb.score : "";
    m.report_url = cb.report_url ? cb.report_url : "";
    m.occurred_at_ms = cb.occurred_at_ms ? cb.occurred_at_ms : events_now_ms();
    log_event(LOG_INFO, trace, "bgcheck callback received", "provider", provider, "update_id", update_id,
              (const char *)NULL);
    if (!ingest_produce_finish(ctx, req, c, ctx->topic_bgcheck, cb.order_id, SCHEMA_CHECK_UPDATE, &m.base,
                               "bgcheck", trace, "update_id", update_id, resp))
        c = NULL; /* the finisher commits, answers and gives it back */
cleanup:
    pg_pool_release(ctx->svc->db, c);
    secrets_free(secret);
    bgcheck_callback_free(&cb);
    errlist_free(&errs);
}
