#include "secrets.h"

#include "crypto.h"
#include "log.h"
#include "pg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int secrets_put(PGconn *c, const char *kind, const char *owner, const char *name, const char *plaintext) {
    size_t boxlen = 0;
    uint8_t *box = crypto_seal(plaintext, &boxlen);
    if (!box) return -1;
    size_t b64len = sodium_base64_ENCODED_LEN(boxlen, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!b64) {
        free(box);
        return -1;
    }
    sodium_bin2base64(b64, b64len, box, boxlen, sodium_base64_VARIANT_ORIGINAL);
    free(box);
    const char *p[] = {kind, owner, name, b64};
    int rc = pg_run(c,
                    "INSERT INTO ingest.secrets (kind, owner, name, sealed) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (kind, owner, name) DO UPDATE SET sealed = excluded.sealed, updated_at = now()",
                    4, p);
    free(b64);
    return rc;
}

int secrets_get(PGconn *c, const char *kind, const char *owner, const char *name, char **out) {
    *out = NULL;
    const char *p[] = {kind, owner, name};
    PGresult *r = pg_exec(c, "SELECT sealed FROM ingest.secrets WHERE kind = $1 AND owner = $2 AND name = $3", 3, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    const char *b64 = PQgetvalue(r, 0, 0);
    size_t b64len = strlen(b64), boxlen = 0;
    uint8_t *box = malloc(b64len ? b64len : 1);
    int rc = 1;
    if (box && sodium_base642bin(box, b64len, b64, b64len, NULL, &boxlen, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
        *out = crypto_open(box, boxlen);
        if (*out) rc = 0;
    }
    free(box);
    PQclear(r);
    if (rc != 0) log_error("stored secret does not open (ATSB_SECRET_KEY changed?)", "kind", kind);
    return rc;
}

void secrets_free(char *plaintext) { crypto_free_plain(plaintext); }
