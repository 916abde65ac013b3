#include "ledger.h"

#include "accounts.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ledger_lock(PGconn *c, const char *key) {
    const char *p[] = {key};
    PGresult *r = pg_exec(c, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", 1, p);
    int rc = !pg_ok(r) || PQntuples(r) != 1 ? -1 : PQgetvalue(r, 0, 0)[0] == 't' ? 1 : 0;
    PQclear(r);
    return rc;
}

#define UNLOCK_SQL "SELECT pg_advisory_unlock(hashtextextended($1, 0))"

void ledger_unlock(PGconn *c, const char *key) {
    const char *p[] = {key};
    pg_run(c, UNLOCK_SQL, 1, p);
}

static ledger_state parse_state(const char *s) {
    if (!strcmp(s, "PENDING")) return LEDGER_PENDING;
    if (!strcmp(s, "IN_FLIGHT")) return LEDGER_IN_FLIGHT;
    if (!strcmp(s, "DELIVERED")) return LEDGER_DELIVERED;
    if (!strcmp(s, "FAILED")) return LEDGER_FAILED;
    return LEDGER_NONE;
}

/* The ledger columns at col.. of row: state (NULL: no row), attempt, adopted,
 * candidate id, application id. */
static void parse_row(const PGresult *r, int col, ledger_row *out) {
    memset(out, 0, sizeof *out);
    if (PQgetisnull(r, 0, col)) return;
    out->state = parse_state(PQgetvalue(r, 0, col));
    out->attempt = (int)strtol(PQgetvalue(r, 0, col + 1), NULL, 10);
    out->adopted = PQgetvalue(r, 0, col + 2)[0] == 't';
    snprintf(out->candidate_id, sizeof out->candidate_id, "%s", PQgetvalue(r, 0, col + 3));
    snprintf(out->application_id, sizeof out->application_id, "%s", PQgetvalue(r, 0, col + 4));
}

int ledger_begin(PGconn *c, const char *key, const char *application_id, const char *account_id,
                 ledger_row *row, account *acc, int *have_account, cred_connection *conn) {
    const char *p[] = {key, application_id}, *q[] = {account_id};
    /* One transaction: when the account's statement fails, begin_job (the
     * lock) does not run. */
    const pg_stmt s[] = {accounts_connection_stmt(q),
                         {"SELECT locked, state, attempt, adopted, ats_candidate_id, ats_application_id"
                          " FROM delivery.begin_job($1, $2)",
                          2, p}};
    PGresult *r[2];
    if (conn) memset(conn, 0, sizeof *conn);
    int rc = pg_exec_pipelined(c, s, 2, r) ? -1 : PQntuples(r[1]) == 1 ? PQgetvalue(r[1], 0, 0)[0] == 't' : -1;
    if (rc != 1) goto out;
    int found = accounts_connection_parse(r[0], acc, conn);
    if (found < 0) { /* cannot happen for a result that succeeded; never keep the lock */
        ledger_unlock(c, key);
        rc = -1;
        goto out;
    }
    parse_row(r[1], 1, row);
    *have_account = found == 0;
out:
    PQclear(r[0]);
    PQclear(r[1]);
    return rc;
}

int ledger_pending(PGconn *c, const char *application_id, const char *account_id) {
    const char *p[] = {application_id, account_id};
    return pg_run(c,
                  "INSERT INTO delivery.ledger (application_id, account_id, state) VALUES ($1,$2,'PENDING')"
                  " ON CONFLICT (application_id) DO NOTHING",
                  2, p);
}

int ledger_in_flight(PGconn *c, const char *application_id, const char *account_id, int attempt) {
    char a[16];
    snprintf(a, sizeof a, "%d", attempt);
    const char *p[] = {application_id, account_id, a};
    return pg_run(c,
                  "INSERT INTO delivery.ledger (application_id, account_id, state, attempt)"
                  " VALUES ($1,$2,'IN_FLIGHT',$3::int) ON CONFLICT (application_id) DO UPDATE"
                  " SET state='IN_FLIGHT', attempt=$3::int, updated_at=now()"
                  " WHERE delivery.ledger.state IN ('PENDING','IN_FLIGHT')",
                  3, p);
}

int ledger_back_to_pending(PGconn *c, const char *application_id, const char *error) {
    const char *p[] = {application_id, error};
    return pg_run(c,
                  "UPDATE delivery.ledger SET state='PENDING', last_error=$2, updated_at=now()"
                  " WHERE application_id=$1 AND state='IN_FLIGHT'",
                  2, p);
}

int ledger_error(PGconn *c, const char *application_id, const char *error) {
    const char *p[] = {application_id, error};
    return pg_run(c, "UPDATE delivery.ledger SET last_error=$2, updated_at=now() WHERE application_id=$1", 2, p);
}

int ledger_delivered(PGconn *c, const char *application_id, const char *candidate_id,
                     const char *ats_application_id, int adopted, const char *unlock_key) {
    const char *p[] = {application_id, candidate_id, ats_application_id, adopted ? "true" : "false"};
    const char *k[] = {unlock_key};
    const pg_stmt s[] = {{"UPDATE delivery.ledger SET state='DELIVERED', ats_candidate_id=NULLIF($2,''),"
                          " ats_application_id=NULLIF($3,''), adopted=$4::boolean, last_error=NULL, updated_at=now()"
                          " WHERE application_id=$1",
                          4, p},
                         {UNLOCK_SQL, 1, k}};
    return pg_run_pipelined(c, s, unlock_key ? 2 : 1);
}

int ledger_failed(PGconn *c, const char *application_id, const char *account_id, const char *error) {
    const char *p[] = {application_id, account_id, error};
    return pg_run(c,
                  "INSERT INTO delivery.ledger (application_id, account_id, state, last_error)"
                  " VALUES ($1,$2,'FAILED',$3) ON CONFLICT (application_id) DO UPDATE"
                  " SET state='FAILED', last_error=$3, updated_at=now()"
                  " WHERE delivery.ledger.state <> 'DELIVERED'",
                  3, p);
}

int ledger_redrive(PGconn *c, const char *application_id) {
    const char *p[] = {application_id};
    return pg_run(c,
                  "UPDATE delivery.ledger SET state='IN_FLIGHT', attempt=0, last_error=NULL, updated_at=now()"
                  " WHERE application_id=$1 AND state='FAILED'",
                  1, p);
}

int ledger_erase(void *ctx, PGconn *c, const char *application_id, const char *account_id) {
    (void)ctx;
    (void)account_id;
    const char *p[] = {application_id};
    return pg_run(c,
                  "UPDATE delivery.ledger SET last_error = NULL"
                  " WHERE application_id = $1 AND last_error IS NOT NULL",
                  1, p);
}
