#include "pg.h"

#include "cond_clock.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

#include <libpq-events.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pg_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int acquire_timeout_ms;
    int size;
    int nfree;
    PGconn **all;
    PGconn **free_list;
};

static PGconn *open_conn(const char *dsn, char *err, size_t errlen) {
    PGconn *c = PQconnectdb(dsn);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        snprintf(err, errlen, "postgres: %s", c ? PQerrorMessage(c) : "out of memory");
        /* libpq messages end with a newline; keep the one-line promise. */
        char *nl = strchr(err, '\n');
        if (nl) *nl = '\0';
        PQfinish(c);
        return NULL;
    }
    return c;
}

int pg_pool_new(const char *dsn, int size, pg_pool **out, char *err, size_t errlen) {
    pg_pool *p = calloc(1, sizeof *p);
    if (!p) goto oom;
    p->all = calloc((size_t)size, sizeof *p->all);
    p->free_list = calloc((size_t)size, sizeof *p->free_list);
    if (!p->all || !p->free_list) goto oom;
    pthread_mutex_init(&p->mu, NULL);
    cond_init_monotonic(&p->cv);
    p->acquire_timeout_ms = (int)config_int("ATSB_PG_ACQUIRE_TIMEOUT_MS", 5000, 1, 600000);
    for (int i = 0; i < size; i++) {
        p->all[i] = open_conn(dsn, err, errlen);
        if (!p->all[i]) goto fail;
        p->size++;
        p->free_list[p->nfree++] = p->all[i];
    }
    *out = p;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    if (p) pg_pool_destroy(p);
    return -1;
}

PGconn *pg_pool_acquire(pg_pool *p) {
    struct timespec deadline = cond_deadline_ms(p->acquire_timeout_ms);
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &deadline) == ETIMEDOUT && p->nfree == 0) {
            pthread_mutex_unlock(&p->mu);
            metrics_counter_add("atsb_pg_pool_timeouts_total", "", 1);
            log_warn("no PostgreSQL connection free within ATSB_PG_ACQUIRE_TIMEOUT_MS");
            return NULL;
        }
    }
    PGconn *c = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    if (PQstatus(c) != CONNECTION_OK) {
        PQreset(c);
        if (PQstatus(c) != CONNECTION_OK) {
            log_warn("postgres unavailable");
            pg_pool_release(p, c);
            return NULL;
        }
        log_info("postgres connection re-established");
    }
    return c;
}

void pg_pool_release(pg_pool *p, PGconn *c) {
    if (!c) return;
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
    pthread_mutex_lock(&p->mu);
    p->free_list[p->nfree++] = c;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void pg_pool_destroy(pg_pool *p) {
    if (!p) return;
    for (int i = 0; i < p->size; i++) PQfinish(p->all[i]);
    free(p->all);
    free(p->free_list);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

/* Prepared statements. Each distinct SQL text gets a process-wide id (the
 * catalogue) and is prepared on a connection the first time that connection
 * runs it, as "atsb_<id>"; later runs skip parsing and planning. What a
 * connection has prepared is a bit set kept with it as libpq instance data:
 * a reset (new server session) clears it, PQfinish frees it. Beyond
 * MAX_STMTS texts, statements run unprepared. */
#define MAX_STMTS 512

typedef struct {
    unsigned char prepared[MAX_STMTS / 8];
} conn_stmts;

static pthread_mutex_t catalogue_mu = PTHREAD_MUTEX_INITIALIZER;
static char *catalogue[MAX_STMTS];
static int catalogue_n;

static int stmt_events(PGEventId id, void *info, void *passthrough) {
    (void)passthrough;
    if (id == PGEVT_CONNRESET) {
        conn_stmts *cs = PQinstanceData(((PGEventConnReset *)info)->conn, stmt_events);
        if (cs) memset(cs, 0, sizeof *cs);
    } else if (id == PGEVT_CONNDESTROY) {
        free(PQinstanceData(((PGEventConnDestroy *)info)->conn, stmt_events));
    }
    return 1;
}

/* c's prepared set, created on first use; NULL when it cannot be. */
static conn_stmts *conn_state(PGconn *c) {
    conn_stmts *cs = PQinstanceData(c, stmt_events);
    if (cs) return cs;
    cs = calloc(1, sizeof *cs);
    if (!cs) return NULL;
    if (!PQregisterEventProc(c, stmt_events, "atsb-prepared", NULL) || !PQsetInstanceData(c, stmt_events, cs)) {
        free(cs);
        return NULL;
    }
    return cs;
}

/* sql's id, added when new; -1 when the catalogue is full. Linear search:
 * a service has a few dozen statements. */
static int catalogue_id(const char *sql) {
    pthread_mutex_lock(&catalogue_mu);
    int id = -1;
    for (int i = 0; i < catalogue_n; i++)
        if (!strcmp(catalogue[i], sql)) {
            id = i;
            break;
        }
    if (id < 0 && catalogue_n < MAX_STMTS && (catalogue[catalogue_n] = strdup(sql))) id = catalogue_n++;
    pthread_mutex_unlock(&catalogue_mu);
    return id;
}

/* Prepares sql on c unless it is already. 1 with name set, 0 when it runs
 * unprepared (catalogue full), or -1 with *err the failed PREPARE's result. */
static int prepared(PGconn *c, const char *sql, int nparams, char name[24], PGresult **err) {
    conn_stmts *cs = conn_state(c);
    int id = cs ? catalogue_id(sql) : -1;
    if (id < 0) return 0;
    snprintf(name, 24, "atsb_%d", id);
    unsigned char bit = (unsigned char)(1u << (id % 8));
    if (!(cs->prepared[id / 8] & bit)) {
        PGresult *r = PQprepare(c, name, sql, nparams, NULL);
        if (!pg_ok(r)) {
            *err = r;
            return -1;
        }
        PQclear(r);
        cs->prepared[id / 8] |= bit;
    }
    return 1;
}

PGresult *pg_exec_params(PGconn *c, const char *sql, int nparams, const char *const *params, const int *lengths,
                         const int *formats, int result_format) {
    char name[24];
    PGresult *err = NULL;
    switch (prepared(c, sql, nparams, name, &err)) {
    case 1: return PQexecPrepared(c, name, nparams, params, lengths, formats, result_format);
    case 0: return PQexecParams(c, sql, nparams, NULL, params, lengths, formats, result_format);
    default: return err; /* the error, as running it would have reported */
    }
}

/* pg_run_pipelined and pg_exec_pipelined: a Sync after each statement (each
 * its own transaction) or one after the last (one transaction, which a
 * failing statement ends). out (NULL: not wanted) gets each statement's
 * result. */
static int pipeline(PGconn *c, const pg_stmt *s, int n, int sync_each, PGresult **out) {
    char names[PG_PIPELINE_MAX][24];
    int kind[PG_PIPELINE_MAX], rc = 0, sent = 0, syncs = 0;
    for (int i = 0; out && i < n; i++) out[i] = NULL;
    for (int i = 0; i < n; i++) {
        PGresult *err = NULL;
        kind[i] = n <= PG_PIPELINE_MAX ? prepared(c, s[i].sql, s[i].nparams, names[i], &err) : -1;
        PQclear(err);
        if (kind[i] < 0) { /* one by one: each reports its own error */
            int txn = !sync_each && PQtransactionStatus(c) == PQTRANS_IDLE;
            if (txn && pg_run(c, "BEGIN", 0, NULL)) return -1;
            for (int k = 0; k < n && (sync_each || rc == 0); k++) {
                PGresult *r = pg_exec(c, s[k].sql, s[k].nparams, s[k].params);
                if (!pg_ok(r)) rc = -1;
                if (out) out[k] = r;
                else PQclear(r);
            }
            if (txn && pg_run(c, rc ? "ROLLBACK" : "COMMIT", 0, NULL)) rc = -1;
            return rc;
        }
    }
    if (!PQenterPipelineMode(c)) return -1;
    for (; sent < n; sent++) {
        int ok = kind[sent] ? PQsendQueryPrepared(c, names[sent], s[sent].nparams, s[sent].params, NULL, NULL, 0)
                            : PQsendQueryParams(c, s[sent].sql, s[sent].nparams, NULL, s[sent].params, NULL, NULL, 0);
        if (ok && (sync_each || sent == n - 1)) ok = PQpipelineSync(c) ? ++syncs : 0;
        if (!ok) {
            rc = -1;
            break;
        }
    }
    /* Each statement: its result (PGRES_PIPELINE_ABORTED for one skipped
     * after an error in its transaction), NULL; each Sync: PGRES_PIPELINE_SYNC. */
    for (int synced = 0, q = 0; synced < syncs;) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            if (PQstatus(c) != CONNECTION_OK) {
                rc = -1;
                break;
            }
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            synced++;
            PQclear(r);
            continue;
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) rc = -1;
        if (out && q < n) out[q] = r;
        else PQclear(r);
        q++;
    }
    if (!PQexitPipelineMode(c)) { /* results left behind: start the session afresh */
        rc = -1;
        PQreset(c);
    }
    return rc;
}

int pg_run_pipelined(PGconn *c, const pg_stmt *s, int n) { return pipeline(c, s, n, 1, NULL); }

int pg_exec_pipelined(PGconn *c, const pg_stmt *s, int n, PGresult **out) { return pipeline(c, s, n, 0, out); }

PGresult *pg_exec(PGconn *c, const char *sql, int nparams, const char *const *params) {
    return pg_exec_params(c, sql, nparams, params, NULL, NULL, 0);
}

bool pg_ok(const PGresult *r) {
    ExecStatusType s = PQresultStatus(r);
    return r && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
}

int pg_run(PGconn *c, const char *sql, int nparams, const char *const *params) {
    PGresult *r = pg_exec(c, sql, nparams, params);
    int rc = pg_ok(r) ? 0 : -1;
    PQclear(r);
    return rc;
}

bool pg_is_unique_violation(const PGresult *r) {
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && !strcmp(state, "23505");
}

bool pg_is_undefined_table(const PGresult *r) {
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && (!strcmp(state, "42P01") || !strcmp(state, "3F000"));
}

bool pg_ping(PGconn *c) { return c && pg_run(c, "SELECT 1", 0, NULL) == 0; }
