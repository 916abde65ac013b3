#include "api.h"

#include "api_keys.h"
#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "pg.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_KEY_CACHE_MS 5000

int api_authorize(http_request *req, http_response *resp, void *ctx) {
    const status_app *app = ctx;
    char token[256];
    if (auth_bearer(req, token, sizeof token) == 0) {
        if (crypto_str_equal(token, config_secret("ATSB_ADMIN_TOKEN")) ||
            (app->read_token && *app->read_token && crypto_str_equal(token, app->read_token))) {
            snprintf(req->principal, sizeof req->principal, "*");
            return 0;
        }
        api_key_owner who;
        switch (api_keys_lookup(app->svc.db, token, API_KEY_CACHE_MS, &who)) {
        case 1:
            snprintf(req->principal, sizeof req->principal, "%s:%s", who.kind, who.owner);
            return 0;
        case -1:
            api_db_error(resp);
            return -1;
        }
    }
    http_set_header(resp, "WWW-Authenticate", "Bearer");
    http_error(resp, 401, "unauthorized", "A valid token or API key is required.");
    return -1;
}

void api_reader_of(const http_request *req, api_reader *out) {
    memset(out, 0, sizeof *out);
    const char *colon = strchr(req->principal, ':');
    if (!colon || (size_t)(colon - req->principal) >= sizeof out->kind) {
        out->all = !strcmp(req->principal, "*");
        return;
    }
    memcpy(out->kind, req->principal, (size_t)(colon - req->principal));
    snprintf(out->owner, sizeof out->owner, "%s", colon + 1);
}

PGconn *api_db(status_app *app, http_response *resp) {
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) api_db_error(resp);
    return c;
}

PGconn *api_db_for_id(status_app *app, const char *id, const char *not_found_msg, http_response *resp) {
    if (!text_id_ok(id)) {
        http_error(resp, 404, "not_found", not_found_msg);
        return NULL;
    }
    return api_db(app, resp);
}

int api_snapshot(PGconn *c, http_response *resp) {
    if (!pg_run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0, NULL)) return 0;
    api_db_error(resp);
    return -1;
}

void api_db_error(http_response *resp) {
    http_unavailable(resp, 1, "database_unavailable", "The database is unavailable; try again.");
}

json_object *api_str(const PGresult *r, int row, int col, int empty_is_null) {
    if (PQgetisnull(r, row, col)) return NULL;
    const char *v = PQgetvalue(r, row, col);
    if (empty_is_null && !*v) return NULL;
    return json_object_new_string(v);
}

json_object *api_int(const PGresult *r, int row, int col) {
    if (PQgetisnull(r, row, col)) return json_object_new_int64(0);
    return json_object_new_int64(strtoll(PQgetvalue(r, row, col), NULL, 10));
}

int api_limit(const http_request *req, int def, int max, int *out, json_object *details) {
    const char *s = http_query(req, "limit");
    int64_t v = def;
    if (s && config_parse_int(s, 1, max, &v) != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "limit must be an integer from 1 to %d.", max);
        http_detail_add(details, "limit", "out_of_range", msg);
        return -1;
    }
    *out = (int)v;
    return 0;
}
