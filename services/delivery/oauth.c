#include "oauth.h"

#include "accounts.h"
#include "auth.h"
#include "config.h"
#include "connections_api.h"
#include "credentials.h"
#include "crypto.h"
#include "dctx.h"
#include "events.h"
#include "lever_env.h"
#include "lever_scopes.h"
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
                         const char *state, const char *scope, const char *audience, char *out, size_t outlen) {
    int n = snprintf(out, outlen, "%s%c", authorize_url, strchr(authorize_url, '?') ? '&' : '?');
    if (n < 0 || (size_t)n >= outlen) return -1;
    size_t pos = (size_t)n;
    if (add_param(out, outlen, &pos, "client_id", client_id) ||
        add_param(out, outlen, &pos, "redirect_uri", redirect_uri) ||
        add_param(out, outlen, &pos, "state", state) || add_param(out, outlen, &pos, "scope", scope) ||
        add_param(out, outlen, &pos, "response_type", "code") ||
        add_param(out, outlen, &pos, "prompt", "consent") || add_param(out, outlen, &pos, "audience", audience))
        return -1;
    return 0;
}

int oauth_return_allowed(const char *url, const char *list) {
    size_t n = url ? strlen(url) : 0;
    if (n == 0 || n > OAUTH_RETURN_MAX || !list) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f || url[i] == '#') return 0;
    const char *host;
    if (!strncmp(url, "https://", 8))
        host = url + 8;
    else if (!strncmp(url, "http://", 7))
        host = url + 7;
    else
        return 0;
    size_t olen = (size_t)(host - url) + strcspn(host, "/?");
    if (olen == (size_t)(host - url) || memchr(url, '@', olen)) return 0;
    for (const char *p = list; *p;) {
        p += strspn(p, ", ");
        size_t e = strcspn(p, ", ");
        if (e && e == olen && !strncmp(p, url, olen)) return 1;
        p += e;
    }
    return 0;
}

oauth_link_status oauth_lever_link(dctx *x, PGconn *c, const account *a, const char *name, const char *actor,
                                   const char *return_to, char *url, size_t urllen, char *expires, size_t explen) {
    const lever_env *env = lever_env_get(a->lever_environment);
    if (!env) return OAUTH_LINK_NO_ENVIRONMENT;
    char state[48], scopes[512];
    if (lever_scopes_for(a->features, scopes, sizeof scopes)) return OAUTH_LINK_TOO_LONG;
    crypto_random_id("", state, sizeof state);
    if (oauth_activation_url(env->authorize_url, env->client_id, x->cfg.lever_redirect_uri, state, scopes,
                             env->audience, url, urllen))
        return OAUTH_LINK_TOO_LONG;
    const char *p[] = {state, a->account_id, name, actor, env->name, scopes, return_to};
    PGresult *r = pg_exec(c,
                          "INSERT INTO delivery.oauth_states (state, account_id, name, actor, environment, scopes,"
                          " return_to, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                          " now() + interval '" STATE_TTL_S " seconds')"
                          " RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                          7, p);
    int ok = pg_ok(r) && PQntuples(r) == 1;
    if (ok) snprintf(expires, explen, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!ok) return OAUTH_LINK_DATABASE;
    if (events_emit_admin(x->svc.producer, "delivery", "connection_activation_started", a->account_id, name, "lever",
                          NULL, actor))
        return OAUTH_LINK_BROKER;
    return OAUTH_LINK_OK;
}

void oauth_lever_link_error(oauth_link_status st, http_response *resp) {
    switch (st) {
    case OAUTH_LINK_OK: return;
    case OAUTH_LINK_NO_ENVIRONMENT:
        http_error(resp, 409, "environment_not_configured", "This deployment does not configure the account's Lever environment.");
        return;
    case OAUTH_LINK_TOO_LONG: http_error(resp, 500, "url_too_long", "The activation link does not fit."); return;
    case OAUTH_LINK_DATABASE: http_unavailable(resp, 1, "database_unavailable", "The database is unavailable."); return;
    case OAUTH_LINK_BROKER:
        http_unavailable(resp, 1, "broker_unavailable", "The audit event could not be recorded; request the link again.");
        return;
    }
}

void oauth_lever_start(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    if (auth_admin(req, resp)) return;
    char name[128], return_to[OAUTH_RETURN_MAX + 1] = "";
    if (connections_name_from_body(req, resp, name, sizeof name)) return;
    if (req->body_len) {
        json_object *o = NULL, *v;
        if (http_body_object(req, resp, &o)) return;
        int bad = 0;
        if (json_object_object_get_ex(o, "return_to", &v) && v) {
            bad = !json_object_is_type(v, json_type_string) ||
                  !oauth_return_allowed(json_object_get_string(v), x->cfg.return_origins);
            if (!bad) snprintf(return_to, sizeof return_to, "%s", json_object_get_string(v));
        }
        json_object_put(o);
        if (bad) {
            json_object *d = json_object_new_array();
            http_detail_add(d, "return_to", "url_not_allowed",
                            "must be an http(s) URL of at most 400 characters on an origin ATSB_DELIVERY_RETURN_ORIGINS lists");
            http_error_details(resp, 422, "invalid_connection", "return_to is not allowed.", d);
            return;
        }
    }
    PGconn *c = pg_pool_acquire(x->svc.db);
    if (!c) {
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
        return;
    }
    account a;
    int found = accounts_load(c, req->params[0], &a);
    if (found < 0) {
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
        goto out;
    }
    if (found > 0) {
        http_error(resp, 404, "account_not_found", "No such account.");
        goto out;
    }
    if (strcmp(a.ats, "lever") != 0) {
        account_free(&a);
        http_error(resp, 409, "wrong_ats", "This account is not a Lever account.");
        goto out;
    }
    char url[2048], expires[40];
    oauth_link_status st = oauth_lever_link(x, c, &a, name, auth_actor(req), return_to[0] ? return_to : NULL, url, sizeof url, expires, sizeof expires);
    account_free(&a);
    if (st != OAUTH_LINK_OK) {
        oauth_lever_link_error(st, resp);
        goto out;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", json_object_new_string(req->params[0]));
    json_object_object_add(o, "connection", json_object_new_string(name));
    json_object_object_add(o, "activation_url", json_object_new_string(url));
    json_object_object_add(o, "expires_at", json_object_new_string(expires));
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
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
        return;
    }
    const char *p[] = {state};
    /* Single use: the UPDATE consumes it whether or not it is still valid. */
    PGresult *r = pg_exec(c,
                          "UPDATE delivery.oauth_states SET used_at = now() WHERE state = $1 AND used_at IS NULL"
                          " RETURNING account_id, name, expires_at > now(), actor, environment, scopes,"
                          " coalesce(return_to, '')",
                          1, p);
    char account[128], name[128], actor[160], environment[16], requested[512], return_to[OAUTH_RETURN_MAX + 1] = "";
    const char *outcome = NULL; /* the code answered once the state was found; "linked" on success */
    if (!pg_ok(r)) {
        PQclear(r);
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
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
    snprintf(environment, sizeof environment, "%s", PQgetvalue(r, 0, 4));
    snprintf(requested, sizeof requested, "%s", PQgetvalue(r, 0, 5));
    snprintf(return_to, sizeof return_to, "%s", PQgetvalue(r, 0, 6));
    PQclear(r);
    const lever_env *env = lever_env_get(environment);
    if (!valid) {
        outcome = "state_expired";
        http_error(resp, 400, "state_expired", "The activation link expired: request a new one.");
        goto out;
    }
    if (error) {
        outcome = "access_denied";
        http_error(resp, 400, "access_denied", "Lever did not grant access.");
        log_warn("lever activation denied", "account", account, "connection", name);
        goto out;
    }
    if (!env) {
        outcome = "environment_not_configured";
        http_error(resp, 409, "environment_not_configured", "This deployment no longer configures that Lever environment.");
        goto out;
    }
    if (!code || !*code) {
        outcome = "invalid_request";
        http_error(resp, 400, "invalid_request", "The code parameter is missing.");
        goto out;
    }
    char access[2048], refresh[2048], granted[1024];
    int expires_in = 3600;
    int g = credentials_code_grant(env, code, x->cfg.lever_redirect_uri, access, sizeof access, refresh,
                                   sizeof refresh, granted, sizeof granted, &expires_in);
    if (g == -1) {
        outcome = "invalid_grant";
        http_error(resp, 400, "invalid_grant", "Lever refused the authorization code.");
        goto out;
    }
    if (g < 0) {
        outcome = "token_endpoint_unavailable";
        http_unavailable(resp, 5, "token_endpoint_unavailable", "Lever's token endpoint is unreachable.");
        goto out;
    }
    json_object *secret = json_object_new_object();
    json_object_object_add(secret, "access_token", json_object_new_string(access));
    if (refresh[0]) json_object_object_add(secret, "refresh_token", json_object_new_string(refresh));
    explicit_bzero(access, sizeof access);
    explicit_bzero(refresh, sizeof refresh);
    int64_t expires_ms = events_now_ms() + (int64_t)expires_in * 1000;
    const char *sj = json_object_to_json_string(secret);
    /* Lever answers with the scopes it granted; an answer without them
     * granted what the link asked for. */
    int saved = credentials_save(c, account, name, "lever", "", env->client_id, env->name,
                                 granted[0] ? granted : requested, sj, expires_ms);
    explicit_bzero((char *)sj, strlen(sj));
    json_object_put(secret);
    if (saved) {
        outcome = "database_unavailable";
        http_unavailable(resp, 1, "database_unavailable", "The tokens could not be stored.");
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
    outcome = "linked";
    log_info("lever connection activated", "account", account, "connection", name);
out:
    pg_pool_release(x->svc.db, c);
    if (return_to[0] && outcome) {
        /* Back to the page that asked for the link, with the outcome. */
        char loc[OAUTH_RETURN_MAX + 64];
        snprintf(loc, sizeof loc, "%s%c%s=%s", return_to, strchr(return_to, '?') ? '&' : '?',
                 strcmp(outcome, "linked") ? "link_error" : "notice", outcome);
        free(resp->body);
        resp->body = NULL;
        resp->body_len = 0;
        resp->status = 303;
        resp->content_type = "text/plain; charset=utf-8";
        resp->nheaders = 0;
        http_set_header(resp, "Location", loc);
        http_set_header(resp, "Cache-Control", "no-store");
    }
}
