#include "erasure.h"

#include "data_keys.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "produce_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_ERASE[] =
    "WITH ids AS ("
    " SELECT DISTINCT ON (application_id) * FROM unnest($1::text[], $2::text[], $3::text[])"
    "  AS t(application_id, account_id, reason) ORDER BY application_id"
    "), tomb AS ("
    " INSERT INTO status.erasures (application_id, account_id, reason)"
    " SELECT application_id, account_id, reason FROM ids"
    " ON CONFLICT (application_id) DO NOTHING RETURNING 1"
    "), gone AS ("
    " DELETE FROM status.applications a USING ids WHERE a.application_id = ids.application_id"
    " RETURNING a.ats_candidate_id"
    "), wh AS ("
    " DELETE FROM status.webhooks w USING gone WHERE w.opportunity_id = gone.ats_candidate_id"
    " RETURNING 1"
    "), ck AS ("
    " DELETE FROM status.background_checks c USING gone WHERE c.opportunity_id = gone.ats_candidate_id"
    " RETURNING c.check_id"
    "), cu AS ("
    " DELETE FROM status.check_updates u USING ck WHERE u.check_id = ck.check_id RETURNING 1"
    "), ev AS ("
    " DELETE FROM status.events e"
    " WHERE (e.application_id IN (SELECT application_id FROM ids)"
    "        AND e.type NOT IN ('erasure_requested', 'erasure_done'))"
    "    OR e.subject_id IN (SELECT check_id FROM ck)"
    " RETURNING 1"
    ")"
    /* Every CTE above runs to completion whether read here or not. */
    " SELECT application_id, coalesce(account_id, ''), (SELECT count(*) FROM tomb) FROM ids";

proj_result erasure_delete(PGconn *c, pgarr er[PX_NCOLS], PGresult **erased) {
    const char *params[PX_NCOLS];
    const char **ids = NULL;
    PGresult *r = NULL;
    proj_result res = PROJ_TRANSIENT;
    *erased = NULL;
    for (int i = 0; i < PX_NCOLS; i++)
        if (!(params[i] = pgarr_text(&er[i]))) goto cleanup;
    r = pg_exec(c, SQL_ERASE, PX_NCOLS, params);
    if (!pg_ok(r)) {
        res = proj_classify(c, r);
        goto cleanup;
    }
    size_t n = (size_t)PQntuples(r);
    if (n > 0 && !(ids = malloc(n * sizeof *ids))) goto cleanup;
    for (size_t i = 0; i < n; i++) ids[i] = PQgetvalue(r, (int)i, 0);
    /* Crypto-shredding: every copy of the personal fields, on any topic or
     * table, becomes unreadable with the commit. */
    if (data_keys_destroy(c, n, ids)) {
        res = PROJ_TRANSIENT;
        goto cleanup;
    }
    if (n > 0 && strcmp(PQgetvalue(r, 0, 2), "0") != 0)
        metrics_counter_add("atsb_status_erasures_total", "", strtod(PQgetvalue(r, 0, 2), NULL));
    *erased = r;
    r = NULL;
    res = PROJ_OK;
cleanup:
    free(ids);
    PQclear(r);
    return res;
}

int erasure_confirm(kafka_producer *p, const PGresult *erased) {
    int n = erased ? PQntuples(erased) : 0;
    if (n == 0) return 0;
    if (!p) return -1;
    return produce_batch_app_events(p, "status", "erasure_done", "", erased) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

/* Looks the application up: 0 found (account copied), 1 unknown, 2 already
 * erased, -1 database error. */
static int lookup(PGconn *c, const char *id, char *account, size_t len) {
    const char *p[] = {id};
    PGresult *r = pg_exec(c,
                          "SELECT account_id, 0 FROM status.applications WHERE application_id = $1"
                          " UNION ALL"
                          " SELECT coalesce(account_id, ''), 2 FROM status.erasures WHERE application_id = $1",
                          1, p);
    int res = -1;
    if (!pg_ok(r)) goto cleanup;
    res = 1;
    if (PQntuples(r) == 0) goto cleanup;
    snprintf(account, len, "%s", PQgetvalue(r, 0, 0));
    res = strcmp(PQgetvalue(r, 0, 1), "0") == 0 ? 0 : 2;
cleanup:
    PQclear(r);
    return res;
}

erasure_result erasure_request(status_app *app, const char *application_id, const char *reason,
                               const char *actor) {
    erasure_result res = ERASURE_DB_DOWN;
    char account[256] = "";
    PGresult *erased = NULL;
    pgarr er[PX_NCOLS];
    for (int i = 0; i < PX_NCOLS; i++) pgarr_init(&er[i]);
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) goto cleanup;
    int found = lookup(c, application_id, account, sizeof account);
    if (found < 0) goto cleanup;
    if (found == 1) {
        res = ERASURE_NOT_FOUND;
        goto cleanup;
    }
    /* The event first: once it is durable, every service will act on it,
     * even if we crash before deleting (our consumer erases on it too). */
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    ev.application_id = (char *)application_id;
    ev.account_id = account;
    ev.type = "erasure_requested";
    ev.detail = (char *)reason;
    ev.actor = (char *)(actor ? actor : "");
    events_prepare(&ev, "status", "erasure", id, sizeof id);
    if (events_emit(app->svc.producer, &ev, NULL)) {
        res = ERASURE_BROKER_DOWN;
        goto cleanup;
    }
    pgarr_add(&er[PX_APP], application_id, 0);
    pgarr_add(&er[PX_ACCOUNT], account, 1);
    pgarr_add(&er[PX_REASON], reason, 0);
    if (pg_run(c, "BEGIN", 0, NULL) || erasure_delete(c, er, &erased) != PROJ_OK ||
        pg_run(c, "COMMIT", 0, NULL))
        goto cleanup; /* the release rolls back; the consumer will erase on the event */
    log_info("application erased", "application_id", application_id, "reason", reason);
    res = ERASURE_OK;
    /* Deleted whatever happens now: without the broker, the consumer
     * confirms when it applies the request (same event id). */
    if (erasure_confirm(app->svc.producer, erased))
        log_warn("erasure_done not produced; the consumer will confirm", "application_id", application_id);
cleanup:
    pg_pool_release(app->svc.db, c);
    PQclear(erased);
    for (int i = 0; i < PX_NCOLS; i++) pgarr_free(&er[i]);
    return res;
}

/* Erases (reason) the applications the query's first column names; the
 * query takes the one parameter param. Returns how many, or -1. */
static int erase_selected(status_app *app, const char *sql, const char *param, const char *reason) {
    const char *p[] = {param};
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) return -1;
    PGresult *r = pg_exec(c, sql, param ? 1 : 0, p);
    pg_pool_release(app->svc.db, c);
    int n = pg_ok(r) ? 0 : -1;
    for (int i = 0; n >= 0 && i < PQntuples(r); i++) {
        erasure_result e = erasure_request(app, PQgetvalue(r, i, 0), reason, NULL);
        if (e == ERASURE_OK) n++;
        else if (e != ERASURE_NOT_FOUND) n = -1;
    }
    PQclear(r);
    return n;
}

int erasure_retention_tick(status_app *app) {
    /* Held too long (questions reported held_expired): erased whatever the
     * application retention says. */
    int held = erase_selected(app,
                              "SELECT DISTINCT e.application_id FROM status.events e"
                              " WHERE e.type = 'held_expired' AND NOT EXISTS"
                              "  (SELECT 1 FROM status.erasures x WHERE x.application_id = e.application_id)"
                              " LIMIT 200",
                              NULL, "held_retention");
    if (held < 0 || app->retention_days <= 0) return held;
    char days[16];
    snprintf(days, sizeof days, "%d", app->retention_days);
    int old = erase_selected(app,
                             "SELECT application_id FROM status.applications"
                             " WHERE updated_at < now() - $1::int * interval '1 day'"
                             " ORDER BY updated_at LIMIT 200",
                             days, "retention");
    return old < 0 ? -1 : held + old;
}
