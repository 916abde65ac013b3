#include "data_keys.h"

#include "crypto.h"
#include "log.h"
#include "pg.h"
#include "pgarr.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HEX_KEY (2 * DATA_KEY_BYTES + 1)

/* A new key, wrapped: crypto_seal over its hex form, returned as hex (the
 * wire form of the INSERT's array parameter) into *out (malloc'd). */
static int new_wrapped_hex(char **out) {
    uint8_t key[DATA_KEY_BYTES];
    char hex[HEX_KEY];
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    *out = crypto_seal_hex(hex);
    sodium_memzero(key, sizeof key);
    sodium_memzero(hex, sizeof hex);
    return *out ? 0 : -1;
}

/* Inserts a new key for each subject that has no row (a concurrent creator
 * wins, a tombstone stays one). Autocommitted: the caller is outside any
 * transaction. Returns 0 or -1. */
static int create_missing(PGconn *c, size_t n, const char *subjects_arr) {
    pgarr w;
    pgarr_init(&w);
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        char *hex = NULL;
        if (new_wrapped_hex(&hex)) goto cleanup;
        pgarr_add(&w, hex, 0);
        free(hex);
    }
    const char *wrapped_arr = pgarr_text(&w);
    if (!wrapped_arr) goto cleanup;
    const char *p[] = {subjects_arr, wrapped_arr};
    rc = pg_run(c,
                "INSERT INTO keys.data_keys (subject_id, wrapped)"
                " SELECT s, decode(w, 'hex') FROM unnest($1::text[], $2::text[]) AS u(s, w)"
                " ON CONFLICT (subject_id) DO NOTHING",
                2, p);
cleanup:
    pgarr_free(&w);
    return rc;
}

/* Unwraps one stored key (hex of the sealed box) into key. 0 or -1. */
static int unwrap(const char *box_hex, uint8_t key[DATA_KEY_BYTES]) {
    size_t klen = 0;
    int rc = -1;
    char *hex = crypto_open_hex(box_hex);
    if (!hex || strlen(hex) != 2 * DATA_KEY_BYTES) goto cleanup;
    if (sodium_hex2bin(key, DATA_KEY_BYTES, hex, strlen(hex), NULL, &klen, NULL) != 0 || klen != DATA_KEY_BYTES)
        goto cleanup;
    rc = 0;
cleanup:
    crypto_free_plain(hex);
    return rc;
}

int data_keys_get(PGconn *c, size_t n, const char *const *subjects, int create, uint8_t *keys,
                  data_key_status *st) {
    pgarr s;
    pgarr_init(&s);
    PGresult *r = NULL;
    int rc = -1;
    for (size_t i = 0; i < n; i++) st[i] = DATA_KEY_UNAVAILABLE;
    if (n == 0) return 0;
    if (!c) return -1;
    for (size_t i = 0; i < n; i++) pgarr_add(&s, subjects[i], 0);
    const char *arr = pgarr_text(&s);
    if (!arr) goto cleanup;
    if (create) {
        /* The new key must be committed before anything sealed with it
         * leaves: inside the caller's transaction it would not be. */
        PGTransactionStatusType ts = PQtransactionStatus(c);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            log_error("data_keys_get: create inside a transaction refused");
            goto cleanup;
        }
        if (create_missing(c, n, arr)) goto cleanup;
    }
    const char *p[] = {arr};
    r = pg_exec(c,
                /* A subquery per subject: one index probe each. As a join
                 * the planner hashes the whole table for a short array. */
                "SELECT u.i, (SELECT encode(k.wrapped, 'hex') FROM keys.data_keys k WHERE k.subject_id = u.s)"
                " FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i)",
                1, p);
    if (!pg_ok(r)) goto cleanup;
    rc = 0;
    for (int row = 0; row < PQntuples(r); row++) {
        long i = strtol(PQgetvalue(r, row, 0), NULL, 10) - 1;
        if (i < 0 || (size_t)i >= n) continue;
        if (PQgetisnull(r, row, 1)) { /* destroyed, or never created */
            st[i] = DATA_KEY_ERASED;
        } else if (unwrap(PQgetvalue(r, row, 1), keys + (size_t)i * DATA_KEY_BYTES) == 0) {
            st[i] = DATA_KEY_OK;
        } else {
            log_error("data key does not unwrap (ATSB_SECRET_KEY changed?)", "subject_id", subjects[i]);
            rc = -1;
        }
    }
cleanup:
    PQclear(r);
    pgarr_free(&s);
    return rc;
}

data_key_status data_key_get(PGconn *c, const char *subject, int create, uint8_t key[DATA_KEY_BYTES]) {
    data_key_status st;
    data_keys_get(c, 1, &subject, create, key, &st);
    return st;
}

int data_keys_destroy(PGconn *c, size_t n, const char *const *subjects) {
    if (n == 0) return 0;
    pgarr s;
    pgarr_init(&s);
    for (size_t i = 0; i < n; i++) pgarr_add(&s, subjects[i], 0);
    const char *arr = pgarr_text(&s);
    const char *p[] = {arr};
    /* One upsert rather than UPDATE then INSERT: a key created between the
     * two would survive. DISTINCT: DO UPDATE may touch a row once. The first
     * destruction's time is kept. */
    int rc = !arr ? -1
                  : pg_run(c,
                           "INSERT INTO keys.data_keys (subject_id, wrapped, destroyed_at)"
                           " SELECT DISTINCT s, NULL::bytea, now() FROM unnest($1::text[]) AS u(s)"
                           " ON CONFLICT (subject_id) DO UPDATE SET wrapped = NULL,"
                           " destroyed_at = coalesce(keys.data_keys.destroyed_at, excluded.destroyed_at)",
                           1, p);
    pgarr_free(&s);
    return rc;
}
