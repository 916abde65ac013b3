#ifndef ATSB_DELIVERY_LEDGER_H
#define ATSB_DELIVERY_LEDGER_H

#include "accounts.h"

#include <libpq-fe.h>

/* The delivery ledger (delivery.ledger): one row per application,
 * PENDING -> IN_FLIGHT(attempt) -> DELIVERED(ats ids) | FAILED. IN_FLIGHT is
 * committed before any ATS call; an attempt that finds IN_FLIGHT does not
 * know whether the previous call created something and searches the ATS
 * first. Each statement runs in autocommit, so a return of 0 means durable.
 *
 * Exclusion: ledger_lock takes a session-level advisory lock on the
 * application on the caller's connection; PostgreSQL releases it when the
 * connection closes, so a worker killed with SIGKILL never leaves a stale
 * lock (unlike a lease with a timeout). The same lock guards commands. */

typedef enum {
    LEDGER_NONE = 0,
    LEDGER_PENDING,
    LEDGER_IN_FLIGHT,
    LEDGER_DELIVERED,
    LEDGER_FAILED,
} ledger_state;

typedef struct {
    ledger_state state;
    int attempt;
    int adopted;
    char candidate_id[128];
    char application_id[128];
} ledger_row;

/* Tries to lock key ("app:<id>" or "cmd:<id>"). 1 locked, 0 held by someone
 * else, -1 database error. */
int ledger_lock(PGconn *c, const char *key);
/* Releases the lock (errors ignored: a broken connection released it). */
void ledger_unlock(PGconn *c, const char *key);

/* Starts a delivery in one round trip: reads the account with its
 * connection (accounts_connection_stmt) and tries the lock on key and, only
 * when it is taken, reads the ledger row (LEDGER_NONE when absent) after the
 * lock; when the account cannot be read the lock is not tried. 1 locked, 0
 * held by someone else, -1 database error. When locked: *have_account 0
 * when there is no such account, else acc is filled (free it with
 * account_free); conn, unless NULL, is the account's connection for
 * credentials_token_from (free it with credentials_connection_free; zeroed
 * when not locked). */
int ledger_begin(PGconn *c, const char *key, const char *application_id, const char *account_id,
                 ledger_row *row, account *acc, int *have_account, cred_connection *conn);
/* Records the application as PENDING when it has no row. 0 or -1. */
int ledger_pending(PGconn *c, const char *application_id, const char *account_id);
/* Sets IN_FLIGHT(attempt). 0 or -1. */
int ledger_in_flight(PGconn *c, const char *application_id, const char *account_id, int attempt);
/* Back to PENDING after an attempt known to have created nothing. 0 or -1. */
int ledger_back_to_pending(PGconn *c, const char *application_id, const char *error);
/* Records the last error (state unchanged). 0 or -1. */
int ledger_error(PGconn *c, const char *application_id, const char *error);
/* Terminal states. 0 or -1. ledger_delivered also releases unlock_key's
 * lock (unless NULL) in the same round trip, after the update's commit; on
 * -1 the lock may still be held. */
int ledger_delivered(PGconn *c, const char *application_id, const char *candidate_id,
                     const char *ats_application_id, int adopted, const char *unlock_key);
int ledger_failed(PGconn *c, const char *application_id, const char *account_id, const char *error);

/* Re-drive (an operator replayed the dead letter): FAILED becomes IN_FLIGHT
 * with no attempt counted, so the next attempt searches the ATS first (an
 * earlier attempt may have created the candidate) and then creates at most
 * once. 0 or -1. */
int ledger_redrive(PGconn *c, const char *application_id);

/* delivery's part of erasure (an erasure_fn of common/erasure_listener.h,
 * inside the listener's transaction; ctx unused): the row keeps ids and
 * states only, and stays, since it is what stops a redelivered message from
 * creating the candidate again; last_error (an error code) is cleared.
 * 0 or -1. */
int ledger_erase(void *ctx, PGconn *c, const char *application_id, const char *account_id);

#endif
