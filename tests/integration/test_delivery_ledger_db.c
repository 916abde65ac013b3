/* delivery's one-round-trip statements against a real PostgreSQL: the
 * per-account token buckets (all or none, wait times, accounts apart), the
 * attempt a take starts in the ledger, and ledger_begin (lock, ledger row
 * read after the lock, account). */
#include "credentials.h"
#include "lever_scopes.h"
#include "crypto.h"
#include "harness.h"
#include "ledger.h"
#include "pg.h"
#include "ratelimit.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char dsn[512];

static void setup(void) {
    harness_env_load();
    cr_assert_eq(crypto_init(), 0);
    harness_create_db(dsn, sizeof dsn);
    PGconn *c = harness_connect(dsn);
    harness_exec_dir(c, ATSB_SOURCE_DIR "/services/status/migrations");
    harness_exec_dir(c, ATSB_SOURCE_DIR "/services/delivery/migrations");
    PQfinish(c);
}

TestSuite(delivery_db, .init = setup);

static double tokens(PGconn *c, const char *account, const char *bucket) {
    const char *p[] = {account, bucket};
    PGresult *r = pg_exec(c, "SELECT tokens FROM delivery.rate_buckets WHERE account_id=$1 AND bucket=$2", 2, p);
    cr_assert(pg_ok(r) && PQntuples(r) == 1);
    double v = strtod(PQgetvalue(r, 0, 0), NULL);
    PQclear(r);
    return v;
}

Test(delivery_db, bucket_takes_its_burst_then_says_how_long_to_wait) {
    PGconn *c = harness_connect(dsn);
    rl_bucket b = {"lever", 1.0, 3.0, 1};
    for (int i = 0; i < 3; i++) cr_assert_eq(ratelimit_take(c, "a1", &b, 1, NULL), 0, "take %d", i);
    int64_t w = ratelimit_take(c, "a1", &b, 1, NULL);
    cr_assert(w > 0 && w <= 1000, "wait %lld", (long long)w);
    /* Another account has its own bucket. */
    cr_assert_eq(ratelimit_take(c, "a2", &b, 1, NULL), 0);
    /* More than the burst is capped at the burst. */
    rl_bucket big = {"big", 1.0, 2.0, 50};
    cr_assert_eq(ratelimit_take(c, "a1", &big, 1, NULL), 0);
    cr_assert(tokens(c, "a1", "big") < 0.5);
    PQfinish(c);
}

Test(delivery_db, several_buckets_are_taken_all_or_none) {
    PGconn *c = harness_connect(dsn);
    rl_bucket lever = {"lever", 10.0, 20.0, 20};
    cr_assert_eq(ratelimit_take(c, "b1", &lever, 1, NULL), 0); /* the lever bucket is now empty */
    rl_bucket both[] = {{"lever.apply", 0.5, 1.0, 1}, {"lever", 10.0, 20.0, 3}};
    int64_t w = ratelimit_take(c, "b1", both, 2, NULL);
    cr_assert(w > 200 && w <= 300, "wait %lld (3 tokens at 10/s)", (long long)w);
    /* The refused take gave the apply token back. */
    cr_assert(tokens(c, "b1", "lever.apply") > 0.99, "apply bucket %f", tokens(c, "b1", "lever.apply"));
    rl_bucket none = {"lever", 10.0, 20.0, 0};
    cr_assert_eq(ratelimit_take(c, "b1", &none, 1, NULL), 0, "taking nothing never waits");
    PQfinish(c);
}

static char *ledger_state_of(PGconn *c, const char *app) {
    const char *p[] = {app};
    PGresult *r = pg_exec(c, "SELECT state || '/' || attempt FROM delivery.ledger WHERE application_id=$1", 1, p);
    cr_assert(pg_ok(r));
    char *v = PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : strdup("none");
    PQclear(r);
    return v;
}

Test(delivery_db, a_take_starts_the_attempt_in_the_ledger) {
    PGconn *c = harness_connect(dsn);
    rl_bucket b = {"lever", 1.0, 1.0, 1};
    rl_ledger led = {"app-t1", 2, 1};
    cr_assert_eq(ratelimit_take(c, "t1", &b, 1, &led), 0);
    char *s = ledger_state_of(c, "app-t1");
    cr_assert_str_eq(s, "IN_FLIGHT/2");
    free(s);
    /* The bucket is empty: the next application waits, recorded PENDING. */
    rl_ledger led2 = {"app-t2", 1, 1};
    cr_assert_gt(ratelimit_take(c, "t1", &b, 1, &led2), 0);
    s = ledger_state_of(c, "app-t2");
    cr_assert_str_eq(s, "PENDING/0");
    free(s);
    /* A wait never moves a row that is further along. */
    cr_assert_gt(ratelimit_take(c, "t1", &b, 1, &led), 0);
    s = ledger_state_of(c, "app-t1");
    cr_assert_str_eq(s, "IN_FLIGHT/2");
    free(s);
    /* Without mark_in_flight (a quota follows) the take leaves the row alone. */
    rl_bucket none = {"lever", 1.0, 1.0, 0};
    rl_ledger led3 = {"app-t3", 1, 0};
    cr_assert_eq(ratelimit_take(c, "t1", &none, 1, &led3), 0);
    s = ledger_state_of(c, "app-t3");
    cr_assert_str_eq(s, "none");
    free(s);
    /* Delivered stays delivered. */
    cr_assert_eq(pg_run(c, "UPDATE delivery.ledger SET state='DELIVERED' WHERE application_id='app-t1'", 0, NULL), 0);
    rl_ledger again = {"app-t1", 3, 1};
    cr_assert_eq(ratelimit_take(c, "t1", &none, 1, &again), 0);
    s = ledger_state_of(c, "app-t1");
    cr_assert_str_eq(s, "DELIVERED/2");
    free(s);
    PQfinish(c);
}

Test(delivery_db, begin_locks_then_reads_ledger_account_and_connection) {
    PGconn *c = harness_connect(dsn), *other = harness_connect(dsn);
    cr_assert_eq(pg_run(c,
                        "INSERT INTO status.accounts (account_id, ats, run_mode, connection_name)"
                        " VALUES ('acc-1', 'lever', 'live', 'Conn-A')",
                        0, NULL),
                 0);
    cr_assert_eq(credentials_save(c, "acc-1", "Conn-B", "lever", "", "", "production", LEVER_SCOPES_APPLY, "{\"access_token\":\"at-b\"}",
                                  (int64_t)time(NULL) * 1000 + 3600000),
                 0);
    cr_assert_eq(credentials_save(c, "acc-1", "Conn-A", "lever", "", "", "production", LEVER_SCOPES_APPLY, "{\"access_token\":\"at-a\"}",
                                  (int64_t)time(NULL) * 1000 + 3600000),
                 0);
    cr_assert_eq(pg_run(c,
                        "INSERT INTO delivery.ledger (application_id, account_id, state, attempt, ats_candidate_id)"
                        " VALUES ('app-1', 'acc-1', 'DELIVERED', 2, 'opp-9')",
                        0, NULL),
                 0);
    ledger_row row;
    account acc;
    int have = -1;
    cred_connection conn;
    cr_assert_eq(ledger_begin(c, "app:app-1", "app-1", "acc-1", &row, &acc, &have, &conn), 1);
    cr_assert_eq(have, 1);
    cr_assert_str_eq(acc.account_id, "acc-1");
    /* The account's own connection, usable without reading it again. */
    cred_token tok;
    cr_assert(conn.found);
    cr_assert_str_eq(conn.ats, "lever");
    cr_assert_eq(credentials_token_from(c, &conn, "acc-1", "Conn-A", &tok), CRED_OK);
    cr_assert_str_eq(tok.access_token, "at-a");
    credentials_connection_free(&conn);
    cr_assert_str_eq(acc.run_mode, "live");
    cr_assert_eq(row.state, LEDGER_DELIVERED);
    cr_assert_eq(row.attempt, 2);
    cr_assert_str_eq(row.candidate_id, "opp-9");
    account_free(&acc);
    /* Held: the other session neither gets it nor reads anything. */
    cr_assert_eq(ledger_begin(other, "app:app-1", "app-1", "acc-1", &row, &acc, &have, NULL), 0);
    ledger_unlock(c, "app:app-1");
    /* No ledger row, no account. */
    have = -1;
    cr_assert_eq(ledger_begin(other, "app:app-2", "app-2", "nobody", &row, &acc, &have, &conn), 1);
    cr_assert_eq(have, 0);
    cr_assert(!conn.found);
    cr_assert_eq(credentials_token_from(other, &conn, "nobody", "Conn-A", &tok), CRED_NOT_FOUND);
    credentials_connection_free(&conn);
    cr_assert_eq(row.state, LEDGER_NONE);
    ledger_unlock(other, "app:app-2");
    PQfinish(c);
    PQfinish(other);
}

Test(delivery_db, delivered_then_unlocked_in_one_round_trip) {
    PGconn *c = harness_connect(dsn), *other = harness_connect(dsn);
    cr_assert_eq(ledger_in_flight(c, "app-3", "acc-3", 1), 0);
    cr_assert_eq(ledger_lock(c, "app:app-3"), 1);
    cr_assert_eq(ledger_lock(other, "app:app-3"), 0);
    cr_assert_eq(ledger_delivered(c, "app-3", "opp-3", "", 0, "app:app-3"), 0);
    /* The next holder sees the committed outcome. */
    ledger_row row;
    account acc;
    int have = -1;
    cr_assert_eq(ledger_begin(other, "app:app-3", "app-3", "acc-3", &row, &acc, &have, NULL), 1);
    cr_assert_eq(row.state, LEDGER_DELIVERED);
    cr_assert_str_eq(row.candidate_id, "opp-3");
    ledger_unlock(other, "app:app-3");
    PQfinish(c);
    PQfinish(other);
}

Test(delivery_db, pipelined_statements_each_run_in_their_own_transaction) {
    PGconn *c = harness_connect(dsn);
    cr_assert_eq(pg_run(c, "CREATE TABLE pipelined (x int PRIMARY KEY)", 0, NULL), 0);
    const char *one[] = {"1"}, *two[] = {"2"};
    const pg_stmt s[] = {{"INSERT INTO pipelined VALUES ($1::int)", 1, one},
                         {"INSERT INTO pipelined VALUES ($1::int)", 1, one}, /* duplicate: fails alone */
                         {"INSERT INTO pipelined VALUES ($1::int)", 1, two}};
    cr_assert_eq(pg_run_pipelined(c, s, 3), -1);
    PGresult *r = pg_exec(c, "SELECT string_agg(x::text, ',' ORDER BY x) FROM pipelined", 0, NULL);
    cr_assert(pg_ok(r));
    cr_assert_str_eq(PQgetvalue(r, 0, 0), "1,2");
    PQclear(r);
    cr_assert_eq(pg_run_pipelined(c, s + 2, 1), -1); /* already there */
    cr_assert_eq(pg_run(c, "SELECT 1", 0, NULL), 0);   /* the connection is fine afterwards */
    PQfinish(c);
}

Test(delivery_db, pipelined_statements_with_results_run_as_one_transaction) {
    PGconn *c = harness_connect(dsn);
    cr_assert_eq(pg_run(c, "CREATE TABLE pipelined_one (x int PRIMARY KEY)", 0, NULL), 0);
    const char *one[] = {"1"}, *two[] = {"2"}, *three[] = {"3"};
    const pg_stmt ok[] = {{"INSERT INTO pipelined_one VALUES ($1::int) RETURNING x", 1, one},
                          {"SELECT count(*) FROM pipelined_one", 0, NULL}};
    PGresult *r[3];
    cr_assert_eq(pg_exec_pipelined(c, ok, 2, r), 0);
    cr_assert_str_eq(PQgetvalue(r[0], 0, 0), "1");
    cr_assert_str_eq(PQgetvalue(r[1], 0, 0), "1"); /* sees the first statement's row */
    PQclear(r[0]);
    PQclear(r[1]);
    const pg_stmt bad[] = {{"INSERT INTO pipelined_one VALUES ($1::int)", 1, two},
                           {"INSERT INTO pipelined_one VALUES ($1::int)", 1, one}, /* duplicate */
                           {"INSERT INTO pipelined_one VALUES ($1::int)", 1, three}};
    cr_assert_eq(pg_exec_pipelined(c, bad, 3, r), -1);
    cr_assert(pg_ok(r[0]));
    cr_assert(!pg_ok(r[1]));
    cr_assert(!pg_ok(r[2])); /* not run */
    for (int i = 0; i < 3; i++) PQclear(r[i]);
    PGresult *q = pg_exec(c, "SELECT string_agg(x::text, ',' ORDER BY x) FROM pipelined_one", 0, NULL);
    cr_assert(pg_ok(q));
    cr_assert_str_eq(PQgetvalue(q, 0, 0), "1"); /* the failed transaction left nothing */
    PQclear(q);
    cr_assert_eq(pg_run(c, "SELECT 1", 0, NULL), 0);
    PQfinish(c);
}

Test(delivery_db, begin_takes_no_lock_when_the_account_cannot_be_read) {
    PGconn *c = harness_connect(dsn), *other = harness_connect(dsn);
    cr_assert_eq(pg_run(c, "ALTER TABLE status.accounts RENAME TO accounts_away", 0, NULL), 0);
    ledger_row row;
    account acc;
    int have = -1;
    cred_connection conn;
    cr_assert_eq(ledger_begin(c, "app:app-4", "app-4", "acc-4", &row, &acc, &have, &conn), -1);
    cr_assert_eq(have, -1);
    cr_assert_eq(ledger_lock(other, "app:app-4"), 1); /* nobody holds it */
    ledger_unlock(other, "app:app-4");
    cr_assert_eq(pg_run(c, "ALTER TABLE status.accounts_away RENAME TO accounts", 0, NULL), 0);
    cr_assert_eq(ledger_begin(c, "app:app-4", "app-4", "acc-4", &row, &acc, &have, &conn), 1);
    cr_assert_eq(have, 0);
    ledger_unlock(c, "app:app-4");
    PQfinish(c);
    PQfinish(other);
}
