#include "api_keys.h"

#include "crypto.h"
#include "lookup_cache.h"

#include <stdio.h>
#include <string.h>

int api_keys_lookup(pg_pool *db, const char *key, int ttl_ms, api_key_owner *out) {
    char hash[CRYPTO_SHA256_HEX], ck[80], cached[160]; /* cached: "<kind> <owner>" */
    crypto_sha256_hex(key, strlen(key), hash);
    snprintf(ck, sizeof ck, "key:%s", hash);
    if (ttl_ms > 0 && lookup_cache_get(ck, ttl_ms, cached, sizeof cached)) {
        char *sp = strchr(cached, ' ');
        if (sp && (size_t)(sp - cached) < sizeof out->kind) {
            memcpy(out->kind, cached, (size_t)(sp - cached));
            out->kind[sp - cached] = '\0';
            snprintf(out->owner, sizeof out->owner, "%.127s", sp + 1);
            return 1;
        }
    }
    const char *p[] = {hash};
    PGconn *c = pg_pool_acquire(db);
    PGresult *r = c ? pg_exec(c, "SELECT kind, board FROM ingest.board_keys WHERE key_sha256 = $1", 1, p) : NULL;
    pg_pool_release(db, c);
    int rc = -1;
    if (!pg_ok(r)) {
        if (pg_is_undefined_table(r)) rc = 0; /* no ingest schema (yet): no keys */
        goto cleanup;
    }
    rc = PQntuples(r) == 1;
    if (!rc) goto cleanup;
    snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 0));
    snprintf(out->owner, sizeof out->owner, "%s", PQgetvalue(r, 0, 1));
    snprintf(cached, sizeof cached, "%s %s", out->kind, out->owner);
    lookup_cache_put(ck, cached);
cleanup:
    PQclear(r);
    return rc;
}
