#include "notify_secret.h"

#include "crypto.h"
#include "log.h"
#include "pg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void notify_secret_new(char out[NOTIFY_SECRET_LEN]) {
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "nsec_", 5);
    sodium_bin2hex(out + 5, NOTIFY_SECRET_LEN - 5, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

int notify_secret_store(PGconn *c, const char *account, const char *secret, int only_if_missing) {
    char *box = crypto_seal_hex(secret);
    if (!box) return -1;
    const char *p[] = {account, box};
    PGresult *r = pg_exec(c,
                          only_if_missing
                              ? "UPDATE status.accounts SET notification_secret = decode($2, 'hex')"
                                " WHERE account_id = $1 AND notification_secret IS NULL"
                                " AND notification_url IS NOT NULL"
                              : "UPDATE status.accounts SET notification_secret = decode($2, 'hex')"
                                " WHERE account_id = $1",
                          2, p);
    int rc = pg_ok(r) ? (int)strtol(PQcmdTuples(r), NULL, 10) > 0 : -1;
    PQclear(r);
    free(box);
    return rc;
}

int notify_secret_load(PGconn *c, const char *account, char **out) {
    *out = NULL;
    const char *p[] = {account};
    PGresult *r = pg_exec(c,
                          "SELECT encode(notification_secret, 'hex') FROM status.accounts"
                          " WHERE account_id = $1 AND notification_secret IS NOT NULL",
                          1, p);
    int rc = -1;
    if (!pg_ok(r)) goto cleanup;
    rc = 1;
    if (PQntuples(r) == 0) goto cleanup;
    *out = crypto_open_hex(PQgetvalue(r, 0, 0));
    if (*out) rc = 0;
    else log_error("notification secret does not open (ATSB_SECRET_KEY changed?)", "account_id", account);
cleanup:
    PQclear(r);
    return rc;
}
