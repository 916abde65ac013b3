#include "oauth.h"

#include "accounts.h"
#include "auth.h"
#include "config.h"
#include "connections_api.h"
#include "credentials.h"
#include "crypto.h"
#include "dctx.h"
#include "events.h"
#include "log.h"
#include "pg.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define STATE_TTL_S "600"

/* Appends "&name=value" (value encoded) to out at *pos. 0 or -1. */
static int add_param(char *out, size_t outlen, size_t *pos, const char *name, const char *value) {
    static const char hex[] = "0123456789ABCDEF";
    int n = snprintf(out + *pos, outlen - *pos, "%s%s=", *pos && out[*pos - 1] != '?' ? "&" : "", name);
    if (n < 0 || (size_t)n >= outlen - *pos) return -1;
    *pos += (size_t)n;
    for (const unsigned char *v = (const unsigned char *)value; *v; v++) {
        int plain = (*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9') ||
                    *v == '-' || *v == '_' || *v == '.' || *v == '~' || *v == ':' || *v == '/';
        if (*pos + (plain ? 1 : 3) >= outlen) return -1;
        if (plain) {
            out[(*pos)++] = (char)*v;
        } else {
            out[(*pos)++] = '%';
            out[(*pos)++] = hex[*v >> 4];
            out[(*pos)++] = hex[*v & 15];
        }
    }
    out[*pos] = '\0';
    return 0;
}

int oauth_activation_url(const char *authorize_url, const char *client_id, const char *redirect_uri,
                         const char *state, const char *audience, char *out, size_t outlen) {
    int n = snprintf(out, outlen, "%s%c", authorize_url, strchr(authorize_url, '?') ? '&' : '?');
    if (n < 0 || (size_t)n >= outlen) return -1;
    size_t pos = (size_t)n;
    if (add_param(out, outlen, &pos, "client_id", client_id) ||
        add_param(out, outlen, &pos, "redirect_uri", redirect_uri) ||
        add_param(out, outlen, &pos, "state", state) || add_param(out, outlen, &pos, "scope", OAUTH_LEVER_SCOPE) ||
        add_param(out, outlen, &pos, "response_type", "code") ||
        add_param(out, outlen, &pos, "prompt", "consent") || add_param(out, outlen, &pos, "audience", audience))
        return -1;
    return 0;
}

void oauth_lever_start(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    if (auth_admin(req, resp)) return;
    char name[128];
    if (connections_name_from_body(req, resp, name, sizeof name)) return;
    PGconn *c = pg_pool_acquire(x->svc.db);
    if (!c) {
        http_set_header(resp, "Retry-After", "1");
        http_error(resp, 503, "database_unavailable", "The database is unavailable.");
        return;
    }
    account a;
    int found = accounts_load(c, req->params[0], &a);
    if (found < 0) {
        http_error(resp, 503, "database_unavailable", "The database is unavailable.");
        goto out;
    }
    if (found > 0) {
        http_error(resp, 404, "account_not_found", "No such account.");
        goto out;
    }
    int is_lever = !strcmp(a.ats, "lever");
    account_free(&a);
    if (!is_lever) {
        http_error(resp, 409, "wrong_ats", "This account is not a Lever account.");
        goto out;
    }
    char state[48], url[2048];
    crypto_random_id("", state, sizeof state);
    const char *p[] = {state, req->params[0], name, auth_actor(req)};
    PGresult *r = pg_exec(c,
                          "INSERT INTO delivery.oauth_states (state, account_id, name, actor, expires_at)"
                          " VALUES ($1, $2, $3, $4, now() + interval '" STATE_TTL_S " seconds')"
                          " RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                          4, p);
    if (!pg_ok(r) || PQntuples(r) != 1) {
        PQclear(r);
        http_error(resp, 503, "database_unavailable", "The database is unavailable.");
        goto out;
    }
    if (events_emit_admin(x->svc.producer, "delivery", "connection_activation_started", req->params[0], name, "lever",
                          NULL, auth_actor(req))) {
        PQclear(r);
        http_set_header(resp, "Retry-After", "1");
        http_error(resp, 503, "broker_unavailable", "The audit event could not be recorded; request the link again.");
        goto out;
    }
    if (oauth_activation_url(x->cfg.lever_authorize_url, x->cfg.lever_client_id, x->cfg.lever_redirect_uri, state,
                             config_str("ATSB_LEVER_AUDIENCE", "https://api.lever.co/v1/"), url, sizeof url)) {
        PQclear(r);
        http_error(resp, 500, "url_too_long", "The activation link does not fit.");
        goto out;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", json_object_new_string(req->params[0]));
    json_object_object_add(o, "connection", json_object_new_string(name));
    json_object_object_add(o, "activation_url", json_object_new_string(url));
    json_object_object_add(o, "expires_at", json_object_new_string(PQgetvalue(r, 0, 0)));
    PQclear(r);
    http_json(resp, 201, o);
    log_info("lever activation link issued", "account", req->params[0], "connection", name);
out:
    pg_pool_release(x->svc.db, c);
}

void oauth_lever_callback(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    const char *state = http_query(req, "state"), *code = http_query(req, "code"), *error = http_query(req, "error");
    if (!state || !*state) {
        http_error(resp, 400, "invalid_state", "The state parameter is missing.");
        return;
    }
    PGconn *c = pg_pool_acquire(x->svc.db);
    if (!c) {
        http_set_header(resp, "Retry-After", "1");
        http_error(resp, 503, "database_unavailable", "The database is unavailable.");
        return;
    }
    const char *p[] = {state};
    /* Single use: the UPDATE consumes it whether or not it is still valid. */
    PGresult *r = pg_exec(c,
                          "UPDATE delivery.oauth_states SET used_at = now() WHERE state = $1 AND used_at IS NULL"
                          " RETURNING account_id, name, expires_at > now(), actor",
                          1, p);
    char account[128], name[128], actor[160];
    if (!pg_ok(r)) {
        PQclear(r);
        http_error(resp, 503, "database_unavailable", "The database is unavailable.");
        goto out;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        http_error(resp, 400, "invalid_state", "Unknown or already used state: request a new activation link.");
        goto out;
    }
    snprintf(account, sizeof account, "%s", PQgetvalue(r, 0, 0));
    snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 1));
    int valid = PQgetvalue(r, 0, 2)[0] == 't';
    snprintf(actor, sizeof actor, "%s", PQgetvalue(r, 0, 3));
    PQclear(r);
    if (!valid) {
        http_error(resp, 400, "state_expired", "The activation link expired: request a new one.");
        goto out;
    }
    if (error) {
        http_error(resp, 400, "access_denied", "Lever did not grant access.");
        log_warn("lever activation denied", "account", account, "connection", name);
        goto out;
    }
    if (!code || !*code) {
        http_error(resp, 400, "invalid_request", "The code parameter is missing.");
        goto out;
    }
    char access[2048], refresh[2048];
    int expires_in = 3600;
    int g = credentials_code_grant(code, x->cfg.lever_redirect_uri, access, sizeof access, refresh, sizeof refresh,
                                   &expires_in);
    if (g == -1) {
        http_error(resp, 400, "invalid_grant", "Lever refused the authorization code.");
        goto out;
    }
    if (g < 0) {
        http_set_header(resp, "Retry-After", "5");
        http_error(resp, 503, "token_endpoint_unavailable", "Lever's token endpoint is unreachable.");
        goto out;
    }
    json_object *secret = json_object_new_object();
    json_object_object_add(secret, "access_token", json_object_new_string(access));
    if (refresh[0]) json_object_object_add(secret, "refresh_token", json_object_new_string(refresh));
    explicit_bzero(access, sizeof access);
    explicit_bzero(refresh, sizeof refresh);
    int64_t expires_ms = events_now_ms() + (int64_t)expires_in * 1000;
    const char *sj = json_object_to_json_string(secret);
    int saved = credentials_save(c, account, name, "lever", "", x->cfg.lever_client_id, sj, expires_ms);
    explicit_bzero((char *)sj, strlen(sj));
    json_object_put(secret);
    if (saved) {
        http_error(resp, 503, "database_unavailable", "The tokens could not be stored.");
        goto out;
    }
    /* Linked; should the broker not take the event, the connection works all the same. */
    if (events_emit_admin(x->svc.producer, "delivery", "connection_linked", account, name, "lever", NULL, actor))
        log_warn("connection_linked event not recorded", "account", account, "connection", name);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "connected", json_object_new_boolean(1));
    json_object_object_add(o, "account_id", json_object_new_string(account));
    json_object_object_add(o, "connection", json_object_new_string(name));
    http_json(resp, 200, o);
    log_info("lever connection activated", "account", account, "connection", name);
out:
    pg_pool_release(x->svc.db, c);
}
