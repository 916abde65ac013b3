/* The data-key store (common/data_keys.h) against real PostgreSQL: create
 * and read back, wrapped at rest, concurrent creators make one key,
 * destruction leaves a tombstone that no create revives, batches of 500,
 * and personal_open_* through the store. */
#include "crypto.h"
#include "data_keys.h"
#include "harness.h"
#include "personal.h"
#include "pg.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dsn[512];

static void setup(void) {
    harness_env_load();
    cr_assert_eq(crypto_init(), 0);
    harness_create_db(dsn, sizeof dsn);
    PGconn *c = harness_connect(dsn);
    harness_exec_dir(c, ATSB_SOURCE_DIR "/common/migrations/keys");
    PQfinish(c);
}

TestSuite(data_keys, .init = setup);

static long scalar(PGconn *c, const char *sql, const char *param) {
    const char *p[] = {param};
    PGresult *r = pg_exec(c, sql, param ? 1 : 0, p);
    cr_assert(pg_ok(r) && PQntuples(r) == 1, "%s", PQerrorMessage(c));
    long v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

static int destroy_one(PGconn *c, const char *subject) {
    cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
    int rc = data_keys_destroy(c, 1, &subject);
    cr_assert_eq(pg_run(c, "COMMIT", 0, NULL), 0);
    return rc;
}

Test(data_keys, create_then_read_back_the_same_key) {
    PGconn *c = harness_connect(dsn);
    uint8_t k1[DATA_KEY_BYTES], k2[DATA_KEY_BYTES], zero[DATA_KEY_BYTES] = {0};
    cr_assert_eq(data_key_get(c, "app_a", 0, k1), DATA_KEY_ERASED, "no row and no create: unreadable");
    cr_assert_eq(scalar(c, "SELECT count(*) FROM keys.data_keys", NULL), 0);
    cr_assert_eq(data_key_get(c, "app_a", 1, k1), DATA_KEY_OK);
    cr_assert_neq(memcmp(k1, zero, sizeof k1), 0);
    cr_assert_eq(data_key_get(c, "app_a", 0, k2), DATA_KEY_OK);
    cr_assert_eq(memcmp(k1, k2, sizeof k1), 0);
    cr_assert_eq(data_key_get(c, "app_a", 1, k2), DATA_KEY_OK, "create again: the same key");
    cr_assert_eq(memcmp(k1, k2, sizeof k1), 0);
    cr_assert_eq(data_key_get(c, "app_b", 1, k2), DATA_KEY_OK);
    cr_assert_neq(memcmp(k1, k2, sizeof k1), 0);
    /* Committed at once: another connection sees it. */
    PGconn *c2 = harness_connect(dsn);
    cr_assert_eq(data_key_get(c2, "app_a", 0, k2), DATA_KEY_OK);
    cr_assert_eq(memcmp(k1, k2, sizeof k1), 0);
    PQfinish(c2);
    PQfinish(c);
}

Test(data_keys, wrapped_at_rest) {
    PGconn *c = harness_connect(dsn);
    uint8_t k[DATA_KEY_BYTES];
    char hex[2 * DATA_KEY_BYTES + 1];
    cr_assert_eq(data_key_get(c, "app_w", 1, k), DATA_KEY_OK);
    sodium_bin2hex(hex, sizeof hex, k, sizeof k);
    const char *p[] = {"app_w"};
    PGresult *r = pg_exec_params(c, "SELECT wrapped FROM keys.data_keys WHERE subject_id = $1", 1, p, NULL, NULL, 1);
    cr_assert(pg_ok(r) && PQntuples(r) == 1);
    const char *w = PQgetvalue(r, 0, 0);
    size_t wl = (size_t)PQgetlength(r, 0, 0);
    cr_assert_gt(wl, 2 * DATA_KEY_BYTES);
    cr_assert_null(memmem(w, wl, k, sizeof k));
    cr_assert_null(memmem(w, wl, hex, strlen(hex)));
    PQclear(r);
    PQfinish(c);
}

typedef struct {
    pthread_barrier_t *go;
    const char *subject;
    uint8_t key[DATA_KEY_BYTES];
    data_key_status st;
} racer;

static void *race(void *arg) {
    racer *x = arg;
    PGconn *c = PQconnectdb(dsn);
    pthread_barrier_wait(x->go);
    x->st = PQstatus(c) == CONNECTION_OK ? data_key_get(c, x->subject, 1, x->key) : DATA_KEY_UNAVAILABLE;
    PQfinish(c);
    return NULL;
}

Test(data_keys, concurrent_creators_make_one_key) {
    PGconn *c = harness_connect(dsn);
    for (int round = 0; round < 20; round++) {
        char subject[32];
        snprintf(subject, sizeof subject, "app_race_%d", round);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        racer a = {.go = &go, .subject = subject}, b = {.go = &go, .subject = subject};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race, &a);
        pthread_create(&tb, NULL, race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        pthread_barrier_destroy(&go);
        cr_assert_eq(a.st, DATA_KEY_OK);
        cr_assert_eq(b.st, DATA_KEY_OK);
        cr_assert_eq(memcmp(a.key, b.key, sizeof a.key), 0, "round %d: two keys", round);
        cr_assert_eq(scalar(c, "SELECT count(*) FROM keys.data_keys WHERE subject_id = $1", subject), 1);
    }
    PQfinish(c);
}

Test(data_keys, destroyed_is_erased_for_get_and_create) {
    PGconn *c = harness_connect(dsn);
    uint8_t k[DATA_KEY_BYTES];
    cr_assert_eq(data_key_get(c, "app_d", 1, k), DATA_KEY_OK);
    cr_assert_eq(destroy_one(c, "app_d"), 0);
    cr_assert_eq(data_key_get(c, "app_d", 0, k), DATA_KEY_ERASED);
    cr_assert_eq(data_key_get(c, "app_d", 1, k), DATA_KEY_ERASED, "a tombstone stays a tombstone");
    cr_assert_eq(scalar(c,
                        "SELECT count(*) FROM keys.data_keys WHERE subject_id = $1 AND wrapped IS NULL"
                        " AND destroyed_at IS NOT NULL",
                        "app_d"),
                 1);
    /* Idempotent: the first destruction's time stays. */
    long first = scalar(c, "SELECT extract(epoch FROM destroyed_at) * 1000000 FROM keys.data_keys WHERE subject_id = $1",
                        "app_d");
    cr_assert_eq(destroy_one(c, "app_d"), 0);
    cr_assert_eq(scalar(c, "SELECT extract(epoch FROM destroyed_at) * 1000000 FROM keys.data_keys WHERE subject_id = $1",
                        "app_d"),
                 first);
    /* A subject that never had a key gets a tombstone: no key later either. */
    cr_assert_eq(destroy_one(c, "app_never"), 0);
    cr_assert_eq(data_key_get(c, "app_never", 1, k), DATA_KEY_ERASED);
    PQfinish(c);
}

Test(data_keys, destroy_belongs_to_the_callers_transaction) {
    PGconn *c = harness_connect(dsn);
    uint8_t k[DATA_KEY_BYTES];
    const char *s = "app_tx";
    cr_assert_eq(data_key_get(c, s, 1, k), DATA_KEY_OK);
    cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
    cr_assert_eq(data_keys_destroy(c, 1, &s), 0);
    /* Creating inside a transaction is refused (the key would not be committed). */
    cr_assert_eq(data_key_get(c, "app_tx_new", 1, k), DATA_KEY_UNAVAILABLE);
    cr_assert_eq(pg_run(c, "ROLLBACK", 0, NULL), 0);
    cr_assert_eq(data_key_get(c, s, 0, k), DATA_KEY_OK, "rolled back: the key lives");
    PQfinish(c);
}

Test(data_keys, batch_of_500) {
    enum { N = 500 };
    PGconn *c = harness_connect(dsn);
    char (*names)[32] = calloc(N, sizeof *names);
    const char **subjects = calloc(N, sizeof *subjects);
    uint8_t *keys = calloc(N, DATA_KEY_BYTES), *again = calloc(N, DATA_KEY_BYTES);
    data_key_status st[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "app_batch_%03d", i);
        subjects[i] = names[i];
    }
    /* 7 exist already, 3 were erased. */
    uint8_t k[DATA_KEY_BYTES];
    for (int i = 0; i < 7; i++) cr_assert_eq(data_key_get(c, subjects[i * 70], 1, k), DATA_KEY_OK);
    cr_assert_eq(destroy_one(c, subjects[13]), 0);
    cr_assert_eq(destroy_one(c, subjects[140]), 0); /* had a key */
    cr_assert_eq(destroy_one(c, subjects[499]), 0);
    cr_assert_eq(data_key_get(c, subjects[70], 0, k), DATA_KEY_OK);

    cr_assert_eq(data_keys_get(c, N, subjects, 1, keys, st), 0);
    for (int i = 0; i < N; i++) {
        int erased = i == 13 || i == 140 || i == 499;
        cr_assert_eq(st[i], erased ? DATA_KEY_ERASED : DATA_KEY_OK, "subject %d", i);
    }
    cr_assert_eq(memcmp(keys + 70 * DATA_KEY_BYTES, k, DATA_KEY_BYTES), 0, "an existing key is kept");
    cr_assert_neq(memcmp(keys, keys + DATA_KEY_BYTES, DATA_KEY_BYTES), 0);
    cr_assert_eq(scalar(c, "SELECT count(*) FROM keys.data_keys", NULL), N);
    cr_assert_eq(data_keys_get(c, N, subjects, 0, again, st), 0);
    for (int i = 0; i < N; i++) {
        if (st[i] != DATA_KEY_OK) continue;
        cr_assert_eq(memcmp(keys + i * DATA_KEY_BYTES, again + i * DATA_KEY_BYTES, DATA_KEY_BYTES), 0, "%d", i);
    }
    /* The same subject twice in one batch: one key, in both places. */
    const char *dup[] = {"app_dup", "app_x", "app_dup"};
    data_key_status st3[3];
    cr_assert_eq(data_keys_get(c, 3, dup, 1, keys, st3), 0);
    cr_assert(st3[0] == DATA_KEY_OK && st3[2] == DATA_KEY_OK);
    cr_assert_eq(memcmp(keys, keys + 2 * DATA_KEY_BYTES, DATA_KEY_BYTES), 0);
    /* Batch destruction, duplicates included. */
    cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
    cr_assert_eq(data_keys_destroy(c, 3, dup), 0);
    cr_assert_eq(data_keys_destroy(c, N, subjects), 0);
    cr_assert_eq(pg_run(c, "COMMIT", 0, NULL), 0);
    cr_assert_eq(data_keys_get(c, N, subjects, 1, keys, st), 0);
    for (int i = 0; i < N; i++) cr_assert_eq(st[i], DATA_KEY_ERASED, "%d", i);
    free(names);
    free(subjects);
    free(keys);
    free(again);
    PQfinish(c);
}

Test(data_keys, unavailable_when_the_store_cannot_be_read) {
    uint8_t k[DATA_KEY_BYTES];
    PGconn *bad = PQconnectdb("host=127.0.0.1 port=1 dbname=none connect_timeout=2");
    cr_assert_neq(PQstatus(bad), CONNECTION_OK);
    const char *s[] = {"app_u1", "app_u2"};
    data_key_status st[2];
    cr_assert_eq(data_keys_get(bad, 2, s, 1, (uint8_t[2 * DATA_KEY_BYTES]){0}, st), -1);
    cr_assert(st[0] == DATA_KEY_UNAVAILABLE && st[1] == DATA_KEY_UNAVAILABLE);
    cr_assert_eq(data_key_get(bad, "app_u1", 0, k), DATA_KEY_UNAVAILABLE);
    PQfinish(bad);
    /* A key wrapped under another master key does not unwrap: retry later, never "erased". */
    PGconn *c = harness_connect(dsn);
    cr_assert_eq(data_key_get(c, "app_u3", 1, k), DATA_KEY_OK);
    setenv("ATSB_SECRET_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    cr_assert_eq(crypto_init(), 0);
    cr_assert_eq(data_key_get(c, "app_u3", 0, k), DATA_KEY_UNAVAILABLE);
    PQfinish(c);
}

/* personal_open_* read the key through the store. */
Test(data_keys, open_through_the_store) {
    PGconn *c = harness_connect(dsn);
    uint8_t k[DATA_KEY_BYTES];
    const char *id = "app_open";
    cr_assert_eq(data_key_get(c, id, 1, k), DATA_KEY_OK);
    Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
    cand.email = "ada@example.org";
    Atsbridge__V1__ApplicationReceived in = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT, out;
    in.application_id = (char *)id;
    in.account_id = "acc";
    in.candidate = &cand;
    uint8_t *blob;
    cr_assert_eq(personal_seal_received(&in, k, &out, &blob), 0);
    Atsbridge__V1__ApplicationResolved res = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT, rout;
    res.application = &out;
    Atsbridge__V1__ApplicationReceived app_out;
    uint8_t *blobs[2];
    cr_assert_eq(personal_seal_resolved(&res, k, &rout, &app_out, blobs), 0);
    size_t len = atsbridge__v1__application_received__get_packed_size(&out);
    size_t rlen = atsbridge__v1__application_resolved__get_packed_size(&rout);
    uint8_t *buf = malloc(len), *rbuf = malloc(rlen);
    atsbridge__v1__application_received__pack(&out, buf);
    atsbridge__v1__application_resolved__pack(&rout, rbuf);
    free(blob);
    free(blobs[0]);
    free(blobs[1]);

    Atsbridge__V1__ApplicationReceived *m = atsbridge__v1__application_received__unpack(NULL, len, buf);
    cr_assert_eq(personal_open_received(c, m), PERSONAL_OK);
    cr_assert_str_eq(m->candidate->email, "ada@example.org");
    atsbridge__v1__application_received__free_unpacked(m, NULL);
    Atsbridge__V1__ApplicationResolved *r = atsbridge__v1__application_resolved__unpack(NULL, rlen, rbuf);
    cr_assert_eq(personal_open_resolved(c, r), PERSONAL_OK);
    cr_assert_str_eq(r->application->candidate->email, "ada@example.org");
    atsbridge__v1__application_resolved__free_unpacked(r, NULL);

    cr_assert_eq(destroy_one(c, id), 0);
    m = atsbridge__v1__application_received__unpack(NULL, len, buf);
    cr_assert_eq(personal_open_received(c, m), PERSONAL_ERASED);
    cr_assert_null(m->candidate);
    atsbridge__v1__application_received__free_unpacked(m, NULL);
    r = atsbridge__v1__application_resolved__unpack(NULL, rlen, rbuf);
    cr_assert_eq(personal_open_resolved(c, r), PERSONAL_ERASED);
    atsbridge__v1__application_resolved__free_unpacked(r, NULL);
    free(buf);
    free(rbuf);
    PQfinish(c);
}
