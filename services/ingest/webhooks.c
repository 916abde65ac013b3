#include "webhooks.h"

#include "accounts.h"
#include "application_parse.h"
#include "atsbridge/v1/ats.pb-c.h"
#include "events.h"
#include "ingest.h"
#include "kafka_conf.h"
#include "log.h"
#include "pg.h"
#include "secrets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string member or NULL; non-strings are a 400. */
static const char *member(json_object *o, const char *name, const char *field, errlist *errs) {
    json_object *v;
    if (!o || !json_object_object_get_ex(o, name, &v) || !v) return NULL;
    if (!json_object_is_type(v, json_type_string) ||
        strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
        errlist_add(errs, 400, field, "type", "Must be a string.");
        return NULL;
    }
    return json_object_get_string(v);
}

int lever_webhook_parse(const char *body, size_t len, lever_webhook *w, errlist *errs) {
    memset(w, 0, sizeof *w);
    size_t before = errs->n;
    w->root = app_json_parse(body, len, &JSON_LIMITS_DEFAULT, errs);
    if (!w->root) return -1;
    w->event = member(w->root, "event", "event", errs);
    w->signature = member(w->root, "signature", "signature", errs);
    w->token = member(w->root, "token", "token", errs);
    json_object *t;
    if (json_object_object_get_ex(w->root, "triggeredAt", &t) && t) {
        /* Lever sends milliseconds as a number; the signed text is its decimal form. */
        if (json_object_is_type(t, json_type_int)) {
            w->triggered_at_ms = json_object_get_int64(t);
            snprintf(w->triggered_at, sizeof w->triggered_at, "%" PRId64, w->triggered_at_ms);
        } else if (json_object_is_type(t, json_type_string) && json_object_get_string_len(t) > 0 &&
                   json_object_get_string_len(t) < 20 &&
                   strspn(json_object_get_string(t), "0123456789") == (size_t)json_object_get_string_len(t)) {
            snprintf(w->triggered_at, sizeof w->triggered_at, "%s", json_object_get_string(t));
            w->triggered_at_ms = strtoll(w->triggered_at, NULL, 10);
        } else {
            errlist_add(errs, 400, "triggeredAt", "type", "Must be Unix milliseconds.");
        }
    }
    json_object *data = NULL;
    if (json_object_object_get_ex(w->root, "data", &data) && data &&
        !json_object_is_type(data, json_type_object)) {
        errlist_add(errs, 400, "data", "type", "Must be an object.");
        data = NULL;
    }
    w->opportunity_id = member(data, "opportunityId", "data.opportunityId", errs);
    w->contact_id = member(data, "contactId", "data.contactId", errs);
    if (!w->contact_id) w->contact_id = member(data, "candidateId", "data.candidateId", errs);
    w->from_stage_id = member(data, "fromStageId", "data.fromStageId", errs);
    w->to_stage_id = member(data, "toStageId", "data.toStageId", errs);
    if (w->opportunity_id && !*w->opportunity_id) w->opportunity_id = NULL;
    return errs->n > before ? -1 : 0;
}

void lever_webhook_free(lever_webhook *w) {
    json_object_put(w->root);
    memset(w, 0, sizeof *w);
}

void lever_webhook_sign(const char *signature_token, const char *token, const char *triggered_at,
                        char out[CRYPTO_SHA256_HEX]) {
    size_t tl = strlen(token), al = strlen(triggered_at);
    char *msg = malloc(tl + al + 1);
    if (!msg) {
        out[0] = '\0'; /* matches no signature */
        return;
    }
    memcpy(msg, token, tl);
    memcpy(msg + tl, triggered_at, al + 1);
    crypto_hmac_sha256_hex(signature_token, strlen(signature_token), msg, tl + al, out);
    free(msg);
}

int lever_webhook_verify(const lever_webhook *w, const char *signature_token, int64_t now_ms, int64_t max_age_ms,
                         const char **code, const char **message) {
    if (!w->signature || !w->token || !w->triggered_at[0]) {
        *code = "signature_missing";
        *message = "signature, token and triggeredAt are required.";
        return -1;
    }
    char expected[CRYPTO_SHA256_HEX];
    lever_webhook_sign(signature_token, w->token, w->triggered_at, expected);
    if (!crypto_str_equal(expected, w->signature)) {
        *code = "signature_invalid";
        *message = "The webhook signature does not verify.";
        return -1;
    }
    if (w->triggered_at_ms < 0 || w->triggered_at_ms > now_ms + max_age_ms || now_ms - w->triggered_at_ms > max_age_ms) {
        *code = "stale";
        *message = "The webhook is too old (or from the future).";
        return -1;
    }
    return 0;
}

static void unauthorized(http_response *resp, const char *code, const char *msg) {
    http_error(resp, 401, code, msg);
}

void webhooks_lever_post(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    const char *account_id = req->params[0];
    lever_webhook w = {0};
    errlist errs = {0};
    account acct = {0};
    char *secret = NULL;
    char trace[80];
    ingest_trace_id(req, trace, sizeof trace);
    PGconn *c = pg_pool_acquire(ctx->svc->db);
    if (!c) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    int found = ingest_account_lookup(c, account_id, &acct);
    if (found < 0) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    if (!found || strcmp(acct.ats, "lever") != 0) {
        http_error(resp, 404, "not_found", "No Lever account with this id.");
        goto cleanup;
    }
    if (lever_webhook_parse(req->body, req->body_len, &w, &errs)) {
        ingest_respond_errors(resp, &errs);
        goto cleanup;
    }
    if (!w.event || !*w.event) {
        errlist_add(&errs, 400, "event", "required", "The webhook event name is missing.");
        ingest_respond_errors(resp, &errs);
        goto cleanup;
    }
    if (!w.signature || !w.token || !w.triggered_at[0]) {
        unauthorized(resp, "signature_missing", "signature, token and triggeredAt are required.");
        goto cleanup;
    }
    int rc = secrets_get(c, SECRET_LEVER_WEBHOOK, account_id, w.event, &secret);
    if (rc < 0) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    if (rc == 1) {
        unauthorized(resp, "signature_invalid", "No signature token is configured for this event.");
        goto cleanup;
    }
    const char *code = NULL, *message = NULL;
    if (lever_webhook_verify(&w, secret, events_now_ms(), (int64_t)ctx->cfg.signature_max_age_s * 1000, &code,
                             &message)) {
        if (!strcmp(code, "signature_invalid"))
            log_event(LOG_WARN, trace, "webhook signature mismatch", "account_id", account_id, "event", w.event,
                      (const char *)NULL);
        unauthorized(resp, code, message);
        goto cleanup;
    }
    if (!w.opportunity_id) {
        /* Lever's test pings carry no opportunity: acknowledge, produce nothing. */
        json_object *o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_string("ignored"));
        http_json(resp, 200, o);
        goto cleanup;
    }

    char webhook_id[64], source[200];
    crypto_derive_id(webhook_id, sizeof webhook_id, "wh_", account_id, w.token, (const char *)NULL);
    snprintf(source, sizeof source, "lever:%s", account_id);
    if (ingest_begin_claim(ctx, c, source, w.token, "This webhook delivery was already received.", resp))
        goto cleanup;
    Atsbridge__V1__AtsWebhook m = ATSBRIDGE__V1__ATS_WEBHOOK__INIT;
    m.webhook_id = webhook_id;
    m.account_id = (char *)account_id;
    m.ats = "lever";
    m.event = (char *)w.event;
    m.triggered_at_ms = w.triggered_at_ms;
    m.opportunity_id = (char *)w.opportunity_id;
    m.contact_id = (char *)(w.contact_id ? w.contact_id : "");
    m.from_stage_id = (char *)(w.from_stage_id ? w.from_stage_id : "");
    m.to_stage_id = (char *)(w.to_stage_id ? w.to_stage_id : "");
    log_event(LOG_INFO, trace, "webhook received", "account_id", account_id, "event", w.event, "webhook_id",
              webhook_id, (const char *)NULL);
    if (!ingest_produce_finish(ctx, req, c, ctx->topic_webhooks, account_id, SCHEMA_WEBHOOK, &m.base, "webhook",
                               trace, "webhook_id", webhook_id, resp))
        c = NULL; /* the finisher commits, answers and gives it back */
cleanup:
    pg_pool_release(ctx->svc->db, c);
    secrets_free(secret);
    account_free(&acct);
    lever_webhook_free(&w);
    errlist_free(&errs);
}
