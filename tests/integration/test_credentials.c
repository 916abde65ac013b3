/* The shared credential store: sealed at rest, refresh with rotation claimed
 * under the row lock (concurrent refreshers make one grant; a rotated token
 * that cannot be stored needs re-authorization, never a second try), 401 handling,
 * invalid_grant marks the connection broken, revoke. The token endpoint is a
 * small Lever-like server in this test. */
#include "credentials.h"
#include "lever_scopes.h"
#include "crypto.h"
#include "harness.h"
#include "http_server.h"
#include "pg.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int grants;
static int generation = 1; /* the live refresh token is "rt-<generation>" */

static void token(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    pthread_mutex_lock(&mu);
    char expect[64];
    snprintf(expect, sizeof expect, "refresh_token=rt-%d", generation);
    int ok = strstr(req->body, "grant_type=refresh_token") && strstr(req->body, expect);
    if (ok) {
        grants++;
        generation++;
    }
    int gen = generation;
    pthread_mutex_unlock(&mu);
    usleep(200 * 1000); /* a slow endpoint widens the race window */
    if (!ok) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string("invalid_grant"));
        http_json(resp, 403, o);
        return;
    }
    char at[32], rt[32];
    snprintf(at, sizeof at, "at-%d", gen);
    snprintf(rt, sizeof rt, "rt-%d", gen);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "access_token", json_object_new_string(at));
    json_object_object_add(o, "refresh_token", json_object_new_string(rt));
    json_object_object_add(o, "expires_in", json_object_new_int(3600));
    http_json(resp, 200, o);
}

static const http_route routes[] = {{"POST", "/oauth/token", token, NULL, 0, NULL, 0}};
static http_server *srv;
static char dsn[512];

static void setup(void) {
    harness_env_load();
    cr_assert_eq(crypto_init(), 0);
    char err[256];
    cr_assert_eq(http_server_start("127.0.0.1", 0, routes, 1, NULL, NULL, &srv, err, sizeof err), 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/oauth/token", http_server_port(srv));
    setenv("ATSB_LEVER_TOKEN_URL", url, 1);
    harness_create_db(dsn, sizeof dsn);
    PGconn *c = harness_connect(dsn);
    harness_exec_dir(c, ATSB_SOURCE_DIR "/services/delivery/migrations");
    /* Expired access token, live refresh token rt-1. */
    cr_assert_eq(credentials_save(c, "acc", "Connection-OAuth-1", "lever", "", "", "production", LEVER_SCOPES_APPLY,
                                  "{\"access_token\":\"at-0\",\"refresh_token\":\"rt-1\"}", 1000),
                 0);
    PQfinish(c);
}

static void teardown(void) { http_server_stop(srv); }

TestSuite(credentials, .init = setup, .fini = teardown);

Test(credentials, sealed_at_rest) {
    PGconn *c = harness_connect(dsn);
    PGresult *r = pg_exec(c, "SELECT encode(secret_box, 'escape') FROM delivery.connections", 0, NULL);
    cr_assert(pg_ok(r) && PQntuples(r) == 1);
    cr_assert_null(strstr(PQgetvalue(r, 0, 0), "rt-1"), "refresh token stored in plaintext");
    PQclear(r);
    PQfinish(c);
}

static void *refresher(void *arg) {
    (void)arg;
    PGconn *c = harness_connect(dsn);
    cred_token t;
    cred_status st = credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t);
    PQfinish(c);
    return (void *)(intptr_t)(st == CRED_OK && !strcmp(t.access_token, "at-2"));
}

Test(credentials, concurrent_refresh_makes_one_grant) {
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, refresher, NULL);
    for (int i = 0; i < 4; i++) {
        void *ok;
        pthread_join(th[i], &ok);
        cr_assert(ok, "every worker gets the one new token");
    }
    cr_assert_eq(grants, 1);
}

Test(credentials, rejected_token_refreshes_once) {
    PGconn *c = harness_connect(dsn);
    cred_token t;
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_OK);
    cr_assert_str_eq(t.access_token, "at-2");
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_OK);
    cr_assert_eq(grants, 1, "a fresh token is reused");
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", "at-2", &t), CRED_OK);
    cr_assert_str_eq(t.access_token, "at-3");
    cr_assert_eq(grants, 2);
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", "at-2", &t), CRED_OK);
    cr_assert_str_eq(t.access_token, "at-3", "an already replaced token is not refreshed again");
    cr_assert_eq(grants, 2);
    PQfinish(c);
}

Test(credentials, invalid_grant_breaks_connection) {
    pthread_mutex_lock(&mu);
    generation = 7; /* our stored rt-1 is no longer live */
    pthread_mutex_unlock(&mu);
    PGconn *c = harness_connect(dsn);
    cred_token t;
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_BROKEN);
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_BROKEN);
    cr_assert_eq(grants, 0);
    PQfinish(c);
}

Test(credentials, revoke_and_missing) {
    PGconn *c = harness_connect(dsn);
    cred_token t;
    cr_assert_eq(credentials_revoke(c, "acc", "Connection-OAuth-1"), 0);
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_REVOKED);
    cr_assert_eq(credentials_revoke(c, "acc", "nope"), 1);
    cr_assert_eq(credentials_token(c, "acc", "nope", NULL, &t), CRED_NOT_FOUND);
    PQfinish(c);
}

/* The next store of a new secret fails once (a sequence is not rolled back
 * with the failing statement). */
static void fail_next_secret_store(PGconn *c) {
    pg_run(c, "CREATE SEQUENCE fail_once", 0, NULL);
    cr_assert_eq(pg_run(c,
                        "CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        " IF nextval('fail_once') = 1 THEN RAISE EXCEPTION 'store fails once'; END IF;"
                        " RETURN NEW; END $$",
                        0, NULL),
                 0);
    cr_assert_eq(pg_run(c,
                        "CREATE TRIGGER fail_once BEFORE UPDATE ON delivery.connections FOR EACH ROW"
                        " WHEN (OLD.secret_box IS DISTINCT FROM NEW.secret_box) EXECUTE FUNCTION fail_once()",
                        0, NULL),
                 0);
}

static void assert_last_error(PGconn *c, const char *want) {
    PGresult *r = pg_exec(c, "SELECT coalesce(last_error, ''), rotation_started_at IS NULL FROM delivery.connections",
                          0, NULL);
    cr_assert(pg_ok(r) && PQntuples(r) == 1);
    cr_assert_str_eq(PQgetvalue(r, 0, 0), want);
    cr_assert_str_eq(PQgetvalue(r, 0, 1), "t", "the rotation mark is cleared");
    PQclear(r);
}

Test(credentials, rotated_token_not_stored_needs_reauthorization) {
    PGconn *c = harness_connect(dsn);
    fail_next_secret_store(c);
    cred_token t;
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_REAUTH);
    cr_assert_eq(grants, 1);
    assert_last_error(c, "token_rotation_unsaved");
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_REAUTH);
    cr_assert_eq(grants, 1, "the spent refresh token is never sent again");
    cr_assert_eq(credentials_record(c, "acc", "Connection-OAuth-1", "upstream_5xx"), 0);
    assert_last_error(c, "token_rotation_unsaved"); /* a later call's error does not hide it */
    /* Re-activation stores a new pair and the connection works again. */
    cr_assert_eq(credentials_save(c, "acc", "Connection-OAuth-1", "lever", "", "", "production", LEVER_SCOPES_APPLY,
                                  "{\"access_token\":\"at-9\",\"refresh_token\":\"rt-2\"}", 1000),
                 0);
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_OK);
    cr_assert_str_eq(t.access_token, "at-3");
    assert_last_error(c, "");
    PQfinish(c);
}

Test(credentials, abandoned_rotation_needs_reauthorization) {
    PGconn *c = harness_connect(dsn);
    cr_assert_eq(pg_run(c, "UPDATE delivery.connections SET rotation_started_at = now() - interval '3 minutes'", 0,
                        NULL),
                 0);
    cred_token t;
    cr_assert_eq(credentials_token(c, "acc", "Connection-OAuth-1", NULL, &t), CRED_REAUTH);
    cr_assert_eq(grants, 0, "a token that may be spent is not tried");
    assert_last_error(c, "token_rotation_unsaved");
    PQfinish(c);
}

static void *plain_refresher(void *arg) {
    cred_token *t = arg;
    PGconn *c = harness_connect(dsn);
    cred_status st = credentials_token(c, "acc", "Connection-OAuth-1", NULL, t);
    PQfinish(c);
    return (void *)(intptr_t)st;
}

Test(credentials, waits_for_another_replicas_rotation) {
    PGconn *c = harness_connect(dsn);
    cr_assert_eq(pg_run(c, "UPDATE delivery.connections SET rotation_started_at = now()", 0, NULL), 0);
    cred_token t;
    pthread_t th;
    pthread_create(&th, NULL, plain_refresher, &t);
    usleep(700 * 1000); /* the other replica stores its result */
    cr_assert_eq(credentials_save(c, "acc", "Connection-OAuth-1", "lever", "", "", "production", LEVER_SCOPES_APPLY,
                                  "{\"access_token\":\"at-other\",\"refresh_token\":\"rt-1\"}",
                                  (int64_t)time(NULL) * 1000 + 3600000),
                 0);
    void *st;
    pthread_join(th, &st);
    cr_assert_eq((intptr_t)st, CRED_OK);
    cr_assert_str_eq(t.access_token, "at-other");
    cr_assert_eq(grants, 0);
    PQfinish(c);
}
