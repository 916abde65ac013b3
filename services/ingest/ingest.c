#include "ingest.h"

#include "accounts.h"
#include "config.h"
#include "crypto.h"
#include "finish.h"
#include "kafka_conf.h"
#include "log.h"
#include "lookup_cache.h"
#include "pg.h"
#include "produce_batch.h"
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ingest_config_load(ingest_config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    cfg->limits.max_document_bytes =
        (size_t)config_int("ATSB_INGEST_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024, 1024, 512LL * 1024 * 1024);
    cfg->limits.max_total_bytes = (size_t)config_int("ATSB_INGEST_MAX_REQUEST_DOCUMENT_BYTES",
                                                     20 * 1024 * 1024, 1024, 1024LL * 1024 * 1024);
    cfg->max_export_candidates = (size_t)config_int("ATSB_INGEST_MAX_EXPORT_CANDIDATES", 1000, 1, 100000);
    cfg->signature_max_age_s = (int)config_int("ATSB_INGEST_SIGNATURE_MAX_AGE_S", 300, 1, 86400);
    cfg->retry_after_s = (int)config_int("ATSB_INGEST_RETRY_AFTER_S", 5, 1, 3600);
    cfg->lookup_cache_ms = (int)config_int("ATSB_INGEST_LOOKUP_CACHE_MS", 5000, 0, 600000);
    cfg->committers = (int)config_int("ATSB_INGEST_COMMITTERS", 4, 1, 64);
    cfg->pending_max = (int)config_int("ATSB_INGEST_PENDING_MAX", 16, 1, 1000);
    cfg->batch_max = (int)config_int("ATSB_INGEST_BATCH_MAX", 256, 1, 4096);
    cfg->batch_linger_ms = (int)config_int("ATSB_INGEST_BATCH_LINGER_MS", 0, 0, 1000);
    const char *base = config_str("ATSB_INGEST_STATUS_URL_BASE", "http://127.0.0.1:8084");
    if (strlen(base) >= sizeof cfg->status_url_base)
        config_fail("ATSB_INGEST_STATUS_URL_BASE", "longer than 255 characters");
    snprintf(cfg->status_url_base, sizeof cfg->status_url_base, "%s", base);
    size_t n = strlen(cfg->status_url_base);
    if (n > 0 && cfg->status_url_base[n - 1] == '/') cfg->status_url_base[n - 1] = '\0';
}

void ingest_ctx_init(ingest_ctx *ctx, service *svc, const ingest_config *cfg) {
    memset(ctx, 0, sizeof *ctx);
    ctx->svc = svc;
    ctx->cfg = *cfg;
    kafka_topic(TOPIC_APPLICATIONS_RECEIVED, ctx->topic_received, sizeof ctx->topic_received);
    kafka_topic(TOPIC_ATS_WEBHOOKS, ctx->topic_webhooks, sizeof ctx->topic_webhooks);
    kafka_topic(TOPIC_BGCHECK_UPDATES, ctx->topic_bgcheck, sizeof ctx->topic_bgcheck);
}

void ingest_unavailable(const ingest_ctx *ctx, http_response *resp, const char *what) {
    char msg[128];
    snprintf(msg, sizeof msg, "The %s is unavailable; nothing was stored. Retry later.", what);
    http_unavailable(resp, ctx->cfg.retry_after_s, "dependency_unavailable", msg);
}

void ingest_respond_errors(http_response *resp, const errlist *e) {
    int status = errlist_status(e);
    const char *code = "validation_failed", *msg = "The request has invalid fields.";
    if (status == 400) {
        code = "malformed_request";
        msg = "The request body could not be parsed.";
    } else if (status == 413) {
        code = "payload_too_large";
        msg = "The request's documents exceed the size limits.";
        for (size_t i = 0; i < e->n; i++) {
            if (e->items[i].status == 413 && !strcmp(e->items[i].code, "json_too_large")) {
                code = "json_too_large";
                msg = "The JSON body exceeds the parser's limits; nothing was stored.";
                break;
            }
        }
    }
    http_error_details(resp, status ? status : 422, code, msg, errlist_json(e, status ? status : 422));
}

/* 1 when account_id grants owner under kind, through the lookup cache; 0
 * when not (or status.accounts is not there yet); -1 when the database is
 * unreachable. */
static int account_granted(const ingest_ctx *ctx, PGconn *c, const char *account_id, const char *kind,
                           const char *owner) {
    char key[400], v[8];
    snprintf(key, sizeof key, "grant:%s:%s:%s", kind, owner, account_id);
    /* A key longer than a slot's is stored truncated and never matches. */
    if (lookup_cache_get(key, ctx->cfg.lookup_cache_ms, v, sizeof v)) return 1;
    PGconn *own = c ? NULL : pg_pool_acquire(ctx->svc->db);
    if (!c && !(c = own)) return -1;
    int rc = accounts_granted(c, account_id, kind, owner);
    if (rc == 1) lookup_cache_put(key, "1");
    if (rc < 0 && PQstatus(c) == CONNECTION_OK) {
        log_warn("status.accounts unreadable; treating the account as not granted", "account_id", account_id);
        rc = 0;
    }
    pg_pool_release(ctx->svc->db, own);
    return rc;
}

int ingest_check_grant(const ingest_ctx *ctx, PGconn *c, const char *account_id, const char *kind,
                       const char *owner, errlist *errs, http_response *resp) {
    if (account_id) {
        int granted = account_granted(ctx, c, account_id, kind, owner);
        if (granted < 0) {
            ingest_unavailable(ctx, resp, "database");
            return -1;
        }
        if (!granted) {
            http_error(resp, 403, "not_granted",
                       "This key may not submit into that account (the account does not exist or does not "
                       "grant it).");
            return -1;
        }
    }
    if (errlist_status(errs)) {
        ingest_respond_errors(resp, errs);
        return -1;
    }
    return 0;
}

int ingest_begin_claim(const ingest_ctx *ctx, PGconn *c, const char *source, const char *id,
                       const char *replayed_msg, http_response *resp) {
    if (pg_run(c, "BEGIN", 0, NULL)) {
        ingest_unavailable(ctx, resp, "database");
        return -1;
    }
    int fresh = replay_claim(c, source, id, 2 * ctx->cfg.signature_max_age_s);
    if (fresh < 0) {
        ingest_unavailable(ctx, resp, "database");
        return -1;
    }
    if (!fresh) {
        http_error(resp, 401, "replayed", replayed_msg);
        return -1;
    }
    return 0;
}

int ingest_produce_finish(const ingest_ctx *ctx, const http_request *req, PGconn *c, const char *topic,
                          const char *key, const char *schema, const ProtobufCMessage *msg, const char *kind,
                          const char *trace, const char *id_field, const char *id, http_response *resp) {
    if (finisher_reserve(ctx->finisher)) {
        http_unavailable(resp, ctx->cfg.retry_after_s, "server_busy",
                         "Too many requests are waiting for the message broker; nothing was stored. Retry later.");
        return -1;
    }
    produce_batch *b = produce_batch_new(ctx->svc->producer, "ingest");
    if (!b) {
        finisher_release(ctx->finisher);
        http_error(resp, 500, "internal", "Out of memory.");
        return -1;
    }
    produce_batch_proto(b, topic, key, schema, msg, trace);
    http_response ok;
    memset(&ok, 0, sizeof ok);
    json_object *o = json_object_new_object();
    json_object_object_add(o, id_field, json_object_new_string(id));
    http_json(&ok, 200, o);
    finisher_submit(ctx->finisher, req, c, b, kind, &ok);
    return 0;
}

void ingest_trace_id(const http_request *req, char *out, size_t len) {
    const char *t = http_header(req, "X-Trace-Id");
    if (t && strlen(t) <= 64) {
        int ok = *t != '\0';
        for (const char *p = t; *p && ok; p++)
            ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                 *p == '-' || *p == '_';
        if (ok) {
            snprintf(out, len, "%s", t);
            return;
        }
    }
    crypto_random_id("tr_", out, len);
}

int ingest_account_lookup(PGconn *c, const char *account_id, account *a) {
    account tmp;
    int rc = accounts_load(c, account_id, &tmp);
    if (rc == 0) {
        if (a) *a = tmp;
        else account_free(&tmp);
        return 1;
    }
    if (rc == 1) return 0;
    /* A query error on a live connection: status.accounts does not exist
     * (yet). The account is then unknown, not the database unavailable. */
    if (PQstatus(c) == CONNECTION_OK) {
        log_warn("status.accounts unreadable; treating account as unknown", "account_id", account_id);
        return 0;
    }
    return -1;
}

int ingest_is_json(const char *ct) {
    if (!ct) return 0;
    while (*ct == ' ') ct++;
    size_t n = strcspn(ct, "; \t");
    return n == 16 && !strncasecmp(ct, "application/json", 16);
}
