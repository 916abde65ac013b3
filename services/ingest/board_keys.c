#include "board_keys.h"

#include "api_keys.h"
#include "auth.h"
#include "crypto.h"
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
    char key[256];
    if (auth_bearer(req, key, sizeof key) != 0) {
        http_set_header(resp, "WWW-Authenticate", "Bearer");
        http_error(resp, 401, "unauthorized", "An API key is required (Authorization: Bearer <key>).");
        return -1;
    }
    api_key_owner who;
    switch (api_keys_lookup(ctx->svc->db, key, ctx->cfg.lookup_cache_ms, &who)) {
    case 1:
        snprintf(req->principal, sizeof req->principal, "%s", who.owner);
        return kind_check(resp, who.kind, kind);
    case 0:
        http_set_header(resp, "WWW-Authenticate", "Bearer");
        http_error(resp, 401, "unauthorized", "Unknown API key.");
        return -1;
    default:
        ingest_unavailable(ctx, resp, "database");
        return -1;
    }
}

int board_keys_authorize_board(http_request *req, http_response *resp, void *ctx) {
    return authenticate(ctx, req, resp, KEY_KIND_BOARD);
}

int board_keys_authorize_tool(http_request *req, http_response *resp, void *ctx) {
    return authenticate(ctx, req, resp, KEY_KIND_SOURCE_TOOL);
}
