#ifndef ATSB_PG_H
#define ATSB_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* PostgreSQL access: parameterized queries only (there is no helper that
 * takes SQL built from values). A pg_pool holds a fixed number of
 * connections for the threads of one process; a connection found broken is
 * reset on the next acquire. DSN from ATSB_PG_DSN. */

typedef struct pg_pool pg_pool;

/* Opens size connections. Returns 0, or -1 with err filled; nothing is left
 * open on failure. */
int pg_pool_new(const char *dsn, int size, pg_pool **out, char *err, size_t errlen);

/* Borrows a connection, waiting while all are in use, at most
 * ATSB_PG_ACQUIRE_TIMEOUT_MS (5000). The connection is usable (reset when
 * it was broken), or NULL when none came free in time or the reset failed:
 * the database is unavailable and the caller should answer 503. */
PGconn *pg_pool_acquire(pg_pool *p);
/* Returns c to the pool. A connection left inside a transaction is rolled back. */
void pg_pool_release(pg_pool *p, PGconn *c);
void pg_pool_destroy(pg_pool *p);

/* One statement with text parameters. Returns the result (caller PQclear()s
 * it), which may report an error; NULL only when out of memory. */
PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params);

/* pg_exec with PQexecParams's lengths and formats of the parameters (NULL:
 * all text) and the result's format (1 binary), for bytea in and out. */
PGresult *pg_exec_params(PGconn *c, const char *sql, int nparams, const char *const *params, const int *lengths,
                         const int *formats, int result_format);

/* Runs sql and returns 0 when its status is COMMAND_OK or TUPLES_OK, else -1
 * (the server's message is in PQerrorMessage(c)). */
int pg_run(PGconn *c, const char *sql, int nparams, const char *const *params);

/* One statement of pg_run_pipelined or pg_exec_pipelined. */
typedef struct {
    const char *sql;
    int nparams;
    const char *const *params;
} pg_stmt;
#define PG_PIPELINE_MAX 4

/* Runs n (<= PG_PIPELINE_MAX) statements in order in one round trip
 * (libpq pipeline mode), each in its own transaction, as n pg_run calls
 * would: one failing does not stop the next. 0 when all succeeded, else -1. */
int pg_run_pipelined(PGconn *c, const pg_stmt *s, int n);

/* Runs n (<= PG_PIPELINE_MAX) statements in order in one round trip, as ONE
 * transaction (the caller's, when one is open): a statement after a failing
 * one does not run. out[i] is statement i's result (PQclear each; an error
 * result or NULL for one that did not run). 0 when all succeeded, else -1.
 * For a caller that combines its own statement with a shared store's
 * (accounts_connection_stmt) without a second round trip. */
int pg_exec_pipelined(PGconn *c, const pg_stmt *s, int n, PGresult **out);

/* True when the result succeeded. */
bool pg_ok(const PGresult *r);

/* True for a unique violation (SQLSTATE 23505). */
bool pg_is_unique_violation(const PGresult *r);

/* True when the statement named a schema or table that does not exist (yet:
 * another service's store before its migrations ran). */
bool pg_is_undefined_table(const PGresult *r);

/* SELECT 1 round trip for /readyz. */
bool pg_ping(PGconn *c);

#endif
