#include "ledger.h"

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

void ledger_unlock(PGconn *c, const char *key) {
    const char *p[] = {key};
    pg_run(c, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, p);
}

static ledger_state parse_state(const char *s) {
    if (!strcmp(s, "PENDING")) return LEDGER_PENDING;
    if (!strcmp(s, "IN_FLIGHT")) return LEDGER_IN_FLIGHT;
    if (!strcmp(s, "DELIVERED")) return LEDGER_DELIVERED;
    if (!strcmp(s, "FAILED")) return LEDGER_FAILED;
    return LEDGER_NONE;
}

int ledger_get(PGconn *c, const char *application_id, ledger_row *out) {
    const char *p[] = {application_id};
    PGresult *r = pg_exec(c,
                          "SELECT state, attempt, adopted, coalesce(ats_candidate_id,''),"
                          " coalesce(ats_application_id,'') FROM delivery.ledger WHERE application_id=$1",
                          1, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (PQntuples(r) == 1) {
        out->state = parse_state(PQgetvalue(r, 0, 0));
        out->attempt = (int)strtol(PQgetvalue(r, 0, 1), NULL, 10);
        out->adopted = PQgetvalue(r, 0, 2)[0] == 't';
        snprintf(out->candidate_id, sizeof out->candidate_id, "%s", PQgetvalue(r, 0, 3));
        snprintf(out->application_id, sizeof out->application_id, "%s", PQgetvalue(r, 0, 4));
    }
    PQclear(r);
    return 0;
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
                     const char *ats_application_id, int adopted) {
    const char *p[] = {application_id, candidate_id, ats_application_id, adopted ? "true" : "false"};
    return pg_run(c,
                  "UPDATE delivery.ledger SET state='DELIVERED', ats_candidate_id=NULLIF($2,''),"
                  " ats_application_id=NULLIF($3,''), adopted=$4::boolean, last_error=NULL, updated_at=now()"
                  " WHERE application_id=$1",
                  4, p);
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
