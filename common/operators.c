#include "operators.h"

#include "crypto.h"
#include "lookup_cache.h"

#include <stdio.h>
#include <string.h>

int operators_put(PGconn *c, const char *name, const char *token) {
    char hash[CRYPTO_SHA256_HEX];
    crypto_sha256_hex(token, strlen(token), hash);
    const char *p[] = {name, hash};
    PGresult *r = pg_exec(c,
                          "INSERT INTO status.operators AS o (name, token_sha256) VALUES ($1, $2)"
                          " ON CONFLICT (name) DO UPDATE SET token_sha256 = EXCLUDED.token_sha256, updated_at = now()"
                          " RETURNING (xmax = 0)",
                          2, p);
    int rc = -1;
    if (pg_ok(r))
        rc = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t") ? 0 : 1;
    else if (pg_is_unique_violation(r))
        rc = 2;
    PQclear(r);
    return rc;
}

int operators_delete(PGconn *c, const char *name) {
    const char *p[] = {name};
    PGresult *r = pg_exec(c, "DELETE FROM status.operators WHERE name = $1", 1, p);
    int rc = pg_ok(r) ? (strcmp(PQcmdTuples(r), "0") == 0) : -1;
    PQclear(r);
    return rc;
}

int operators_lookup(pg_pool *db, const char *token, int ttl_ms, char *name, size_t len) {
    char hash[CRYPTO_SHA256_HEX], ck[80];
    crypto_sha256_hex(token, strlen(token), hash);
    snprintf(ck, sizeof ck, "op:%s", hash);
    if (ttl_ms > 0 && lookup_cache_get(ck, ttl_ms, name, len)) return 1;
    const char *p[] = {hash};
    PGconn *c = pg_pool_acquire(db);
    PGresult *r = c ? pg_exec(c, "SELECT name FROM status.operators WHERE token_sha256 = $1", 1, p) : NULL;
    pg_pool_release(db, c);
    int rc = -1;
    if (!pg_ok(r)) {
        if (pg_is_undefined_table(r)) rc = 0; /* status not migrated yet */
        goto cleanup;
    }
    rc = PQntuples(r) == 1;
    if (rc) {
        snprintf(name, len, "%s", PQgetvalue(r, 0, 0));
        lookup_cache_put(ck, name);
    }
cleanup:
    PQclear(r);
    return rc;
}
