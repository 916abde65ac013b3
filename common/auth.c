#include "auth.h"

#include "config.h"
#include "crypto.h"
#include "operators.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int auth_bearer(const http_request *req, char *out, size_t len) {
    const char *h = http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return -1;
    h += 7;
    while (*h == ' ') h++;
    if (!*h || strlen(h) >= len) return -1;
    snprintf(out, len, "%s", h);
    return 0;
}

#define OPERATOR_CACHE_MS 5000

static pg_pool *operators_db;

void auth_init(pg_pool *db) { operators_db = db; }

static void unauthorized(http_response *resp) {
    http_set_header(resp, "WWW-Authenticate", "Bearer");
    http_error(resp, 401, "unauthorized", "A valid admin token is required.");
}

int auth_admin_actor(const http_request *req, http_response *resp, char *actor, size_t len) {
    char token[256], name[128];
    if (auth_bearer(req, token, sizeof token) != 0) {
        unauthorized(resp);
        return -1;
    }
    if (crypto_str_equal(token, config_secret("ATSB_ADMIN_TOKEN"))) {
        if (actor) snprintf(actor, len, "admin");
        return 0;
    }
    int rc = operators_db ? operators_lookup(operators_db, token, OPERATOR_CACHE_MS, name, sizeof name) : 0;
    if (rc == 1) {
        if (actor) snprintf(actor, len, "%s", name);
        return 0;
    }
    if (rc < 0) {
        http_unavailable(resp, 1, "database_unavailable", "The admin token cannot be checked now; try again.");
        return -1;
    }
    unauthorized(resp);
    return -1;
}

int auth_admin(const http_request *req, http_response *resp) { return auth_admin_actor(req, resp, NULL, 0); }

int auth_admin_route(http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    return auth_admin_actor(req, resp, req->principal, sizeof req->principal);
}

int auth_bootstrap_route(http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    char token[256];
    if (auth_bearer(req, token, sizeof token) == 0 && crypto_str_equal(token, config_secret("ATSB_ADMIN_TOKEN"))) {
        snprintf(req->principal, sizeof req->principal, "admin");
        return 0;
    }
    http_set_header(resp, "WWW-Authenticate", "Bearer");
    http_error(resp, 401, "unauthorized", "The bootstrap admin token (ATSB_ADMIN_TOKEN) is required.");
    return -1;
}

const char *auth_actor(const http_request *req) { return req->principal[0] ? req->principal : "admin"; }
