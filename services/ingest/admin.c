#include "admin.h"

#include "application_parse.h"
#include "auth.h"
#include "board_keys.h"
#include "boards.h"
#include "events.h"
#include "ingest.h"
#include "log.h"
#include "pg.h"
#include "secrets.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_KEY 12
#define MAX_KEY 200

/* Parses the admin body as a JSON object; answers 415/400 and returns NULL. */
static json_object *admin_body(const http_request *req, http_response *resp) {
    errlist errs = {0};
    if (!ingest_is_json(http_header(req, "Content-Type"))) {
        http_error(resp, 415, "unsupported_media_type", "Send application/json.");
        return NULL;
    }
    json_object *o = app_json_parse(req->body, req->body_len, &JSON_LIMITS_DEFAULT, &errs);
    if (!o) ingest_respond_errors(resp, &errs);
    errlist_free(&errs);
    return o;
}

/* Reads one required string of MIN_KEY..MAX_KEY bytes; answers 422 and
 * returns NULL otherwise. The result is a malloc'd copy. */
static char *secret_field(json_object *o, const char *name, http_response *resp) {
    errlist errs = {0};
    char *v = NULL;
    if (app_get_string(o, "", name, 1, MAX_KEY, &errs, &v) == 0 && strlen(v) < MIN_KEY) {
        errlist_add(&errs, 422, name, "too_short", "At least %d characters.", MIN_KEY);
        free(v);
        v = NULL;
    }
    if (!v) ingest_respond_errors(resp, &errs);
    errlist_free(&errs);
    return v;
}

/* The change is stored but its audit event was not taken: 503, and a
 * repeat of the request (idempotent) records it. */
static void audit_down(const ingest_ctx *ctx, http_response *resp) {
    http_unavailable(resp, ctx->cfg.retry_after_s, "broker_unavailable",
               "The change is stored but its audit event was not recorded; repeat the request.");
}

static void put_key(const http_request *req, http_response *resp, const ingest_ctx *ctx, const char *kind) {
    const char *owner = req->params[0];
    json_object *body = NULL;
    char *key = NULL;
    PGconn *c = NULL;
    if (auth_admin(req, resp)) return;
    if (!strcmp(kind, KEY_KIND_BOARD) ? !boards_default_label(owner) : !text_is_ident(owner, 64)) {
        http_error(resp, 404, "not_found", !strcmp(kind, KEY_KIND_BOARD) ? "Unknown job board." : "Invalid tool id.");
        return;
    }
    if (!(body = admin_body(req, resp)) || !(key = secret_field(body, "key", resp))) goto cleanup;
    c = pg_pool_acquire(ctx->svc->db);
    int rc = c ? board_keys_register(c, kind, owner, key) : -1;
    if (rc < 0) {
        ingest_unavailable(ctx, resp, "database");
    } else if (rc == 1) {
        http_error(resp, 409, "conflict", "This key is already registered for another owner.");
    } else {
        char hash[CRYPTO_SHA256_HEX], id[16];
        crypto_sha256_hex(key, strlen(key), hash);
        snprintf(id, sizeof id, "%.12s", hash);
        log_info("api key registered", "kind", kind, "owner", owner, "key_id", id);
        if (events_emit_admin(ctx->svc->producer, "ingest", "key_registered", NULL, owner, kind, id, auth_actor(req))) {
            audit_down(ctx, resp);
            goto cleanup;
        }
        json_object *o = json_object_new_object();
        json_object_object_add(o, !strcmp(kind, KEY_KIND_BOARD) ? "board" : "tool", json_object_new_string(owner));
        json_object_object_add(o, "key_id", json_object_new_string(id));
        http_json(resp, 200, o);
    }
cleanup:
    pg_pool_release(ctx->svc->db, c);
    json_object_put(body);
    free(key);
}

void admin_put_board_key(const http_request *req, http_response *resp, void *ctx) {
    put_key(req, resp, ctx, KEY_KIND_BOARD);
}

void admin_put_tool_key(const http_request *req, http_response *resp, void *ctx) {
    put_key(req, resp, ctx, KEY_KIND_SOURCE_TOOL);
}

void admin_put_lever_tokens(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    const char *account_id = req->params[0];
    json_object *body = NULL, *events = NULL;
    errlist errs = {0};
    PGconn *c = NULL;
    if (auth_admin(req, resp)) return;
    if (!(body = admin_body(req, resp))) goto cleanup;
    if (json_object_object_length(body) == 0)
        errlist_add(&errs, 422, "", "required", "Give at least one event: token pair.");
    json_object_object_foreach(body, event, val) {
        char *tok = NULL;
        if (!text_is_ident(event, 64)) {
            errlist_add(&errs, 422, event, "invalid", "Event names are letters, digits, '_', '-' or '.'.");
        } else if (app_get_string(body, "", event, 1, MAX_KEY, &errs, &tok) == 0 && strlen(tok) < 8) {
            errlist_add(&errs, 422, event, "too_short", "At least 8 characters.");
        }
        free(tok);
        (void)val;
    }
    if (errlist_status(&errs)) {
        ingest_respond_errors(resp, &errs);
        goto cleanup;
    }
    c = pg_pool_acquire(ctx->svc->db);
    if (!c || pg_run(c, "BEGIN", 0, NULL)) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    events = json_object_new_array();
    json_object_object_foreach(body, ev, v) {
        if (secrets_put(c, SECRET_LEVER_WEBHOOK, account_id, ev, json_object_get_string(v))) {
            ingest_unavailable(ctx, resp, "database");
            goto cleanup;
        }
        json_object_array_add(events, json_object_new_string(ev));
    }
    if (pg_run(c, "COMMIT", 0, NULL)) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    log_info("lever webhook tokens set", "account_id", account_id);
    if (events_emit_admin(ctx->svc->producer, "ingest", "webhook_tokens_set", account_id, account_id, "lever",
                          json_object_to_json_string_ext(events, JSON_C_TO_STRING_PLAIN), auth_actor(req))) {
        audit_down(ctx, resp);
        goto cleanup;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", json_object_new_string(account_id));
    json_object_object_add(o, "events", events);
    events = NULL;
    http_json(resp, 200, o);
cleanup:
    pg_pool_release(ctx->svc->db, c);
    json_object_put(events);
    json_object_put(body);
    errlist_free(&errs);
}

void admin_put_provider_secret(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    const char *provider = req->params[0];
    json_object *body = NULL;
    char *secret = NULL;
    PGconn *c = NULL;
    if (auth_admin(req, resp)) return;
    if (!text_is_ident(provider, 64)) {
        http_error(resp, 404, "not_found", "Invalid provider id.");
        return;
    }
    if (!(body = admin_body(req, resp)) || !(secret = secret_field(body, "secret", resp))) goto cleanup;
    c = pg_pool_acquire(ctx->svc->db);
    if (!c || secrets_put(c, SECRET_PROVIDER_CALLBACK, provider, "", secret)) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    log_info("provider callback secret set", "provider", provider);
    if (events_emit_admin(ctx->svc->producer, "ingest", "callback_secret_set", NULL, provider, provider, NULL,
                          auth_actor(req))) {
        audit_down(ctx, resp);
        goto cleanup;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "provider", json_object_new_string(provider));
    http_json(resp, 200, o);
cleanup:
    pg_pool_release(ctx->svc->db, c);
    json_object_put(body);
    free(secret);
}
