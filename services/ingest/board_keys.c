#include "board_keys.h"

#include "auth.h"
#include "crypto.h"
#include "lookup_cache.h"
#include "pg.h"

#include <stdio.h>
#include <string.h>

int board_keys_register(PGconn *c, const char *kind, const char *owner, const char *key) {
    char hash[CRYPTO_SHA256_HEX];
    crypto_sha256_hex(key, strlen(key), hash);
    const char *p[] = {hash, owner, kind};
    PGresult *r = pg_exec(c,
                          "INSERT INTO ingest.board_keys (key_sha256, board, kind) VALUES ($1, $2, $3)"
                          " ON CONFLICT (key_sha256) DO NOTHING",
                          3, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    PQclear(r);
    r = pg_exec(c, "SELECT 1 FROM ingest.board_keys WHERE key_sha256 = $1 AND board = $2 AND kind = $3", 3, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    int rc = PQntuples(r) == 1 ? 0 : 1;
    PQclear(r);
    return rc;
}

/* 0 when the key's kind is the one wanted, else -1 with a 403. */
static int kind_check(http_response *resp, const char *key_kind, const char *kind) {
    if (!strcmp(key_kind, kind)) return 0;
    http_error(resp, 403, "forbidden", !strcmp(kind, KEY_KIND_BOARD)
                                           ? "This key belongs to a sourcing tool, not a job board."
                                           : "This key belongs to a job board, not a sourcing tool.");
    return -1;
}

static int authenticate(const ingest_ctx *ctx, http_request *req, http_response *resp, const char *kind) {
    char *owner = req->principal;
    size_t ownerlen = sizeof req->principal;
    char key[256], hash[CRYPTO_SHA256_HEX];
    if (auth_bearer(req, key, sizeof key) != 0) {
        http_set_header(resp, "WWW-Authenticate", "Bearer");
        http_error(resp, 401, "unauthorized", "An API key is required (Authorization: Bearer <key>).");
        return -1;
    }
    crypto_sha256_hex(key, strlen(key), hash);
    char ck[80], cached[128]; /* cached: "<kind> <owner>" */
    snprintf(ck, sizeof ck, "key:%s", hash);
    if (lookup_cache_get(ck, ctx->cfg.lookup_cache_ms, cached, sizeof cached)) {
        char *sp = strchr(cached, ' ');
        if (sp) {
            *sp = '\0';
            snprintf(owner, ownerlen, "%s", sp + 1);
            return kind_check(resp, cached, kind);
        }
    }
    const char *p[] = {hash};
    PGconn *c = pg_pool_acquire(ctx->svc->db);
    PGresult *r = c ? pg_exec(c, "SELECT board, kind FROM ingest.board_keys WHERE key_sha256 = $1", 1, p) : NULL;
    pg_pool_release(ctx->svc->db, c);
    if (!pg_ok(r)) {
        PQclear(r);
        ingest_unavailable(ctx, resp, "database");
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        http_set_header(resp, "WWW-Authenticate", "Bearer");
        http_error(resp, 401, "unauthorized", "Unknown API key.");
        return -1;
    }
    snprintf(owner, ownerlen, "%s", PQgetvalue(r, 0, 0));
    snprintf(cached, sizeof cached, "%s %s", PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 0));
    lookup_cache_put(ck, cached);
    int rc = kind_check(resp, PQgetvalue(r, 0, 1), kind);
    PQclear(r);
    return rc;
}

int board_keys_authorize_board(http_request *req, http_response *resp, void *ctx) {
    return authenticate(ctx, req, resp, KEY_KIND_BOARD);
}

int board_keys_authorize_tool(http_request *req, http_response *resp, void *ctx) {
    return authenticate(ctx, req, resp, KEY_KIND_SOURCE_TOOL);
}
