#include "connections_api.h"

#include "accounts.h"
#include "auth.h"
#include "credentials.h"
#include "dctx.h"
#include "events.h"
#include "json_bounded.h"
#include "lever_scopes.h"
#include "log.h"
#include "oauth.h"
#include "outbound.h"
#include "pg.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_NAME "Connection-OAuth-1"
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static int valid_name(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 100) return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == '/') return 0;
    return 1;
}

int connections_name_from_body(const http_request *req, http_response *resp, char *name, size_t len) {
    snprintf(name, len, "%s", DEFAULT_NAME);
    if (req->body_len == 0) return 0;
    json_object *o = NULL, *v;
    if (http_body_object(req, resp, &o)) return -1;
    int rc = 0;
    if (json_object_object_get_ex(o, "name", &v) && v) {
        if (!json_object_is_type(v, json_type_string) || !valid_name(json_object_get_string(v))) {
            json_object *d = json_object_new_array();
            http_detail_add(d, "name", "invalid", "1-100 characters, no '/'");
            http_error_details(resp, 422, "invalid_connection", "The connection name is invalid.", d);
            rc = -1;
        } else {
            snprintf(name, len, "%s", json_object_get_string(v));
        }
    }
    json_object_put(o);
    return rc;
}

static PGconn *db(dctx *x, http_response *resp) {
    PGconn *c = pg_pool_acquire(x->svc.db);
    if (!c) http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
    return c;
}

static const char *body_str(json_object *o, const char *key) {
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) &&
                   json_object_get_string_len(v) > 0
               ? json_object_get_string(v)
               : NULL;
}

static void missing(json_object *details, const char *field) {
    http_detail_add(details, field, "required", "required, a non-empty string");
}

void connections_eploy(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    if (auth_admin(req, resp)) return;
    char name[128];
    if (connections_name_from_body(req, resp, name, sizeof name)) return;
    json_object *o = NULL;
    if (req->body_len && http_body_object(req, resp, &o)) return;
    const char *site = body_str(o, "site_url"), *cid = body_str(o, "client_id"), *secret = body_str(o, "client_secret");
    if (!site || !cid || !secret || (strncmp(site, "https://", 8) && strncmp(site, "http://", 7))) {
        json_object *d = json_object_new_array();
        if (!site || (strncmp(site, "https://", 8) && strncmp(site, "http://", 7))) missing(d, "site_url");
        if (!cid) missing(d, "client_id");
        if (!secret) missing(d, "client_secret");
        http_error_details(resp, 422, "invalid_connection", "site_url (http/https), client_id and client_secret are required.", d);
        json_object_put(o);
        return;
    }
    char site_url[512];
    snprintf(site_url, sizeof site_url, "%s", site);
    size_t sl = strlen(site_url);
    while (sl && site_url[sl - 1] == '/') site_url[--sl] = '\0';
    /* Before anything is sent to it: https, a public (or allow-listed) host. */
    char why[300];
    if (outbound_url_check(site_url, outbound_policy(), why, sizeof why) != OUTBOUND_URL_OK) {
        json_object *d = json_object_new_array();
        http_detail_add(d, "site_url", "url_not_allowed", why);
        http_error_details(resp, 422, "invalid_connection", "The site_url is not allowed.", d);
        log_warn("eploy site_url refused", "account", req->params[0], "reason", why);
        json_object_put(o);
        return;
    }
    PGconn *c = db(x, resp);
    if (!c) {
        json_object_put(o);
        return;
    }
    account a;
    int found = accounts_load(c, req->params[0], &a);
    if (found != 0) {
        if (found < 0) http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
        else http_error(resp, 404, "account_not_found", "No such account.");
        goto out;
    }
    int is_eploy = !strcmp(a.ats, "eploy");
    account_free(&a);
    if (!is_eploy) {
        http_error(resp, 409, "wrong_ats", "This account is not an Eploy account.");
        goto out;
    }
    char token_url[600], access[2048];
    int expires_in = 3600;
    snprintf(token_url, sizeof token_url, "%s/api/token", site_url);
    int g = credentials_client_grant(token_url, cid, secret, access, sizeof access, &expires_in);
    if (g == -1) {
        http_error(resp, 422, "invalid_credentials", "Eploy refused the client id and secret.");
        goto out;
    }
    if (g < 0) {
        http_unavailable(resp, 5, "ats_unavailable", "The Eploy site did not answer.");
        goto out;
    }
    json_object *sec = json_object_new_object();
    json_object_object_add(sec, "client_secret", json_object_new_string(secret));
    json_object_object_add(sec, "access_token", json_object_new_string(access));
    explicit_bzero(access, sizeof access);
    int saved = credentials_save(c, req->params[0], name, "eploy", site_url, cid, NULL, NULL,
                                 json_object_to_json_string(sec),
                                 events_now_ms() + (int64_t)expires_in * 1000);
    json_object_put(sec);
    if (saved) {
        http_unavailable(resp, 1, "database_unavailable", "The connection could not be stored.");
        goto out;
    }
    if (events_emit_admin(x->svc.producer, "delivery", "connection_linked", req->params[0], name, "eploy", NULL,
                          auth_actor(req))) {
        http_unavailable(resp, 1, "broker_unavailable",
                   "The connection is stored but its audit event was not recorded; repeat the request.");
        goto out;
    }
    json_object *r = json_object_new_object();
    json_object_object_add(r, "account_id", json_object_new_string(req->params[0]));
    json_object_object_add(r, "connection", json_object_new_string(name));
    json_object_object_add(r, "status", json_object_new_string("connected"));
    http_json(resp, 201, r);
    log_info("eploy connection saved", "account", req->params[0], "connection", name);
out:
    json_object_put(o);
    pg_pool_release(x->svc.db, c);
}

static json_object *str_or_null(PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? NULL : json_object_new_string(PQgetvalue(r, row, col));
}

/* A Lever connection that must be activated again reports
 * reauthorization_required, the reason, and a new activation link issued on
 * behalf of the caller: its grant no longer covers what account a uses (its
 * features need more scopes, or it moved to the other Lever environment), or
 * a rotated refresh token could not be stored. */
static void reauthorization(dctx *x, PGconn *c, const account *a, const http_request *req, PGresult *r, int i,
                            json_object *o) {
    char need[512], why[640], url[2048], expires[40];
    const char *name = PQgetvalue(r, i, 0), *status = PQgetvalue(r, i, 4), *environment = PQgetvalue(r, i, 11),
               *scopes = PQgetvalue(r, i, 12);
    if (strcmp(PQgetvalue(r, i, 1), "lever") != 0) return;
    if (!strcmp(status, "reauthorization_required")) {
        snprintf(why, sizeof why, "Lever issued a new refresh token that could not be stored; the old one is spent");
    } else if (strcmp(status, "connected") != 0 || lever_scopes_for(a->features, need, sizeof need) ||
               !lever_grant_gap(a, environment, scopes, need, why, sizeof why)) {
        return;
    }
    json_object_object_add(o, "status", json_object_new_string("reauthorization_required"));
    json_object_object_add(o, "reauthorization_reason", json_object_new_string(why));
    if (oauth_lever_link(x, c, a, name, auth_actor(req), NULL, url, sizeof url, expires, sizeof expires) == OAUTH_LINK_OK) {
        json_object_object_add(o, "activation_url", json_object_new_string(url));
        json_object_object_add(o, "activation_expires_at", json_object_new_string(expires));
    }
}

/* One connection's health from a row of the list query (a: its account, NULL when unknown). */
static json_object *health(dctx *x, PGconn *c, const account *a, const http_request *req, PGresult *r, int i) {
    static const char *const cols[] = {"name", "ats", "site_url", "client_id", "status", "last_success_at",
                                       "last_error", "last_error_at", "token_expires_at", "created_at", "updated_at",
                                       "environment"};
    json_object *o = json_object_new_object();
    for (int k = 0; k < 12; k++) json_object_object_add(o, cols[k], str_or_null(r, i, k));
    json_object *scopes = json_object_new_array();
    char *list = strdup(PQgetvalue(r, i, 12)), *save = NULL;
    for (char *w = list ? strtok_r(list, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save))
        json_object_array_add(scopes, json_object_new_string(w));
    free(list);
    json_object_object_add(o, "scopes", scopes);
    if (a) reauthorization(x, c, a, req, r, i, o);
    return o;
}

#define LIST_SQL                                                                                               \
    "SELECT name, ats, site_url, client_id,"                                                                   \
    " CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN last_error = 'invalid_grant' THEN 'broken'"         \
    " WHEN last_error = 'token_rotation_unsaved' THEN 'reauthorization_required'"                              \
    " ELSE 'connected' END, " TS("last_success_at") ", last_error, " TS("last_error_at") ", "                 \
    TS("access_expires_at") ", " TS("created_at") ", " TS("updated_at") ", environment, coalesce(scopes, '')" \
    " FROM delivery.connections"                                                                              \
    " WHERE account_id = $1"

void connections_list(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    if (auth_admin(req, resp)) return;
    PGconn *c = db(x, resp);
    if (!c) return;
    const char *p[] = {req->params[0]};
    PGresult *r = pg_exec(c, LIST_SQL " ORDER BY name", 1, p);
    account a;
    int have = pg_ok(r) && accounts_load(c, req->params[0], &a) == 0;
    if (!pg_ok(r)) {
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
    } else {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        for (int i = 0; i < PQntuples(r); i++) json_object_array_add(arr, health(x, c, have ? &a : NULL, req, r, i));
        json_object_object_add(o, "account_id", json_object_new_string(req->params[0]));
        json_object_object_add(o, "connections", arr);
        http_json(resp, 200, o);
    }
    if (have) account_free(&a);
    PQclear(r);
    pg_pool_release(x->svc.db, c);
}

void connections_get(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    if (auth_admin(req, resp)) return;
    PGconn *c = db(x, resp);
    if (!c) return;
    const char *p[] = {req->params[0], req->params[1]};
    PGresult *r = pg_exec(c, LIST_SQL " AND name = $2", 2, p);
    account a;
    int have = pg_ok(r) && PQntuples(r) == 1 && accounts_load(c, req->params[0], &a) == 0;
    if (!pg_ok(r)) http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
    else if (PQntuples(r) != 1) http_error(resp, 404, "connection_not_found", "No such connection.");
    else http_json(resp, 200, health(x, c, have ? &a : NULL, req, r, 0));
    if (have) account_free(&a);
    PQclear(r);
    pg_pool_release(x->svc.db, c);
}

void connections_delete(const http_request *req, http_response *resp, void *ctx) {
    dctx *x = ctx;
    if (auth_admin(req, resp)) return;
    PGconn *c = db(x, resp);
    if (!c) return;
    int rc = credentials_revoke(c, req->params[0], req->params[1]);
    if (rc < 0) {
        http_unavailable(resp, 1, "database_unavailable", "The database is unavailable.");
    } else if (rc > 0) {
        http_error(resp, 404, "connection_not_found", "No such connection.");
    } else if (events_emit_admin(x->svc.producer, "delivery", "connection_revoked", req->params[0], req->params[1],
                                 NULL, NULL, auth_actor(req))) {
        http_unavailable(resp, 1, "broker_unavailable",
                   "The connection is revoked but its audit event was not recorded; repeat the request.");
    } else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "connection", json_object_new_string(req->params[1]));
        json_object_object_add(o, "status", json_object_new_string("revoked"));
        http_json(resp, 200, o);
        log_info("connection revoked", "account", req->params[0], "connection", req->params[1]);
    }
    pg_pool_release(x->svc.db, c);
}
