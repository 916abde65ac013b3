/* Events persisted per second by status's batch path (projections.c: events
 * table + application/sync/export projections, one transaction per batch of
 * 500) against raw libpq inserts of the same rows into a bare copy of the
 * events table, in the same run on the same database:
 *   - raw unnest: one multi-row INSERT ... SELECT FROM unnest($1::text[], ...) per batch
 *   - raw prepared: a prepared INSERT executed per row, one transaction per batch
 *
 * Usage: ATSB_PG_DSN='host=... dbname=...' bench_status_persist [events] [events_per_app]
 * The database gets the status schema (migrations) plus bench tables; use a
 * scratch database. */
#include "migrate.h"
#include "pg.h"
#include "pgarr.h"
#include "projections.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const migrate_file status_migrations[];

#define BATCH 500

static const char *const flow[] = {"received", "resolved", "delivering", "delivered"};

typedef struct {
    char id[48], app[32], type[16], state[16];
    int attempt;
    long long at;
} row;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int must(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) fprintf(stderr, "bench: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    return ok ? 0 : -1;
}

static const char *run_tag;

static void fill(row *rows, size_t n, size_t per_app) {
    for (size_t i = 0; i < n; i++) {
        size_t app = i / per_app, step = i % per_app;
        const char *t = flow[step < 4 ? step : 3];
        snprintf(rows[i].app, sizeof rows[i].app, "bench-%s-%zu", run_tag, app);
        snprintf(rows[i].id, sizeof rows[i].id, "ev-%s-%zu", run_tag, i);
        snprintf(rows[i].type, sizeof rows[i].type, "%s", t);
        snprintf(rows[i].state, sizeof rows[i].state, "%s", t);
        rows[i].attempt = step >= 2 ? 1 : 0;
        rows[i].at = 1795000000000LL + (long long)i;
    }
}

static double bench_status(PGconn *c, const row *rows, size_t n) {
    proj_batch b;
    proj_batch_init(&b);
    double t0 = now_s();
    for (size_t off = 0; off < n; off += BATCH) {
        proj_batch_reset(&b);
        for (size_t i = off; i < n && i < off + BATCH; i++) {
            Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
            ev.event_id = (char *)rows[i].id;
            ev.application_id = (char *)rows[i].app;
            ev.account_id = "bench";
            ev.type = (char *)rows[i].type;
            ev.state = (char *)rows[i].state;
            ev.service = "bench";
            ev.attempt = rows[i].attempt;
            ev.at_ms = rows[i].at;
            proj_add_event(&b, &ev);
        }
        if (proj_apply(c, &b) != PROJ_OK) {
            fprintf(stderr, "bench: proj_apply failed: %s", PQerrorMessage(c));
            exit(1);
        }
    }
    double dt = now_s() - t0;
    proj_batch_free(&b);
    return dt;
}

static double bench_unnest(PGconn *c, const row *rows, size_t n) {
    pgarr cols[7];
    for (int k = 0; k < 7; k++) pgarr_init(&cols[k]);
    double t0 = now_s();
    for (size_t off = 0; off < n; off += BATCH) {
        for (int k = 0; k < 7; k++) pgarr_reset(&cols[k]);
        for (size_t i = off; i < n && i < off + BATCH; i++) {
            pgarr_add(&cols[0], rows[i].id, 0);
            pgarr_add(&cols[1], rows[i].app, 0);
            pgarr_add(&cols[2], "bench", 0);
            pgarr_add(&cols[3], rows[i].type, 0);
            pgarr_add(&cols[4], rows[i].state, 0);
            pgarr_add_int(&cols[5], rows[i].attempt);
            pgarr_add_int(&cols[6], rows[i].at);
        }
        const char *p[7];
        for (int k = 0; k < 7; k++) p[k] = pgarr_text(&cols[k]);
        PGresult *r = pg_exec(c,
                              "INSERT INTO bench_raw_unnest (event_id, application_id, account_id, type,"
                              " service, at, state, attempt)"
                              " SELECT e, a, acc, t, 'bench', timestamptz 'epoch' + ms * interval '1 millisecond', s, att"
                              " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
                              "  $6::int[], $7::bigint[]) AS u(e, a, acc, t, s, att, ms)"
                              " ON CONFLICT (event_id) DO NOTHING",
                              7, p);
        if (!pg_ok(r)) {
            fprintf(stderr, "bench: unnest insert: %s", PQerrorMessage(c));
            exit(1);
        }
        PQclear(r);
    }
    double dt = now_s() - t0;
    for (int k = 0; k < 7; k++) pgarr_free(&cols[k]);
    return dt;
}

static double bench_prepared(PGconn *c, const row *rows, size_t n) {
    PGresult *r = PQprepare(c, "ins",
                            "INSERT INTO bench_raw_prepared (event_id, application_id, account_id, type,"
                            " service, at, state, attempt)"
                            " VALUES ($1, $2, 'bench', $3, 'bench', timestamptz 'epoch' + $4::bigint * interval '1 millisecond', $5, $6::int)"
                            " ON CONFLICT (event_id) DO NOTHING",
                            6, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "bench: prepare: %s", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    double t0 = now_s();
    for (size_t off = 0; off < n; off += BATCH) {
        if (must(c, "BEGIN")) exit(1);
        for (size_t i = off; i < n && i < off + BATCH; i++) {
            char at[32], att[16];
            snprintf(at, sizeof at, "%lld", rows[i].at);
            snprintf(att, sizeof att, "%d", rows[i].attempt);
            const char *p[] = {rows[i].id, rows[i].app, rows[i].type, at, rows[i].state, att};
            r = PQexecPrepared(c, "ins", 6, p, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                fprintf(stderr, "bench: prepared insert: %s", PQerrorMessage(c));
                exit(1);
            }
            PQclear(r);
        }
        if (must(c, "COMMIT")) exit(1);
    }
    return now_s() - t0;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t per_app = argc > 2 ? strtoul(argv[2], NULL, 10) : 4;
    if (n == 0 || per_app == 0) {
        fprintf(stderr, "usage: bench_status_persist [events>0] [events_per_app>0]\n");
        return 2;
    }
    const char *dsn = getenv("ATSB_PG_DSN");
    if (!dsn) {
        fprintf(stderr, "bench: set ATSB_PG_DSN to a scratch database\n");
        return 2;
    }
    PGconn *c = PQconnectdb(dsn);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench: %s", PQerrorMessage(c));
        return 1;
    }
    char err[512], tag[32];
    if (migrate_apply(c, "status", status_migrations, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    snprintf(tag, sizeof tag, "%ld", (long)time(NULL));
    run_tag = tag;
    if (must(c, "CREATE TABLE IF NOT EXISTS bench_raw_unnest (LIKE status.events INCLUDING ALL)") ||
        must(c, "CREATE TABLE IF NOT EXISTS bench_raw_prepared (LIKE status.events INCLUDING ALL)"))
        return 1;
    row *rows = calloc(n, sizeof *rows);
    if (!rows) return 1;
    fill(rows, n, per_app);
    double ts = bench_status(c, rows, n);
    double tu = bench_unnest(c, rows, n);
    double tp = bench_prepared(c, rows, n);
    printf("events=%zu per_app=%zu batch=%d\n", n, per_app, BATCH);
    printf("status batch path (events + projections): %9.0f events/s (%.2f s)\n", (double)n / ts, ts);
    printf("raw libpq unnest INSERT (events only):    %9.0f events/s (%.2f s)\n", (double)n / tu, tu);
    printf("raw libpq prepared per row (events only): %9.0f events/s (%.2f s)\n", (double)n / tp, tp);
    free(rows);
    PQfinish(c);
    return 0;
}
