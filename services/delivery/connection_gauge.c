#include "connection_gauge.h"

#include "log.h"
#include "metrics.h"
#include "shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFRESH_MS 15000

static const char *const ats_names[] = {"lever", "eploy"};
static const char *const states[] = {"connected", "broken", "reauthorization_required", "revoked"};

/* The state as connections_api.c's LIST_SQL shows it. */
static const char SQL_COUNT[] =
    "SELECT ats, CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN last_error = 'invalid_grant' THEN 'broken'"
    " WHEN last_error = 'token_rotation_unsaved' THEN 'reauthorization_required' ELSE 'connected' END,"
    " count(*) FROM delivery.connections GROUP BY 1, 2";

int connection_gauge_refresh(pg_pool *db) {
    int rc = -1;
    PGresult *r = NULL;
    PGconn *c = pg_pool_acquire(db);
    if (!c) goto done;
    r = pg_exec(c, SQL_COUNT, 0, NULL);
    if (!pg_ok(r)) goto done;
    for (size_t a = 0; a < sizeof ats_names / sizeof ats_names[0]; a++)
        for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
            double n = 0;
            for (int i = 0; i < PQntuples(r); i++)
                if (!strcmp(PQgetvalue(r, i, 0), ats_names[a]) && !strcmp(PQgetvalue(r, i, 1), states[s]))
                    n = strtod(PQgetvalue(r, i, 2), NULL);
            char labels[96];
            snprintf(labels, sizeof labels, "ats=\"%s\",state=\"%s\"", ats_names[a], states[s]);
            metrics_gauge_set("atsb_delivery_connections", labels, n);
        }
    rc = 0;
done:
    PQclear(r);
    if (c) pg_pool_release(db, c);
    return rc;
}

static void *run(void *arg) {
    pg_pool *db = arg;
    while (!shutdown_requested()) {
        if (connection_gauge_refresh(db)) log_warn("connection gauge not refreshed; retrying");
        shutdown_sleep_ms(REFRESH_MS);
    }
    return NULL;
}

int connection_gauge_start(pg_pool *db, pthread_t *thread) {
    metrics_declare("atsb_delivery_connections", METRICS_GAUGE);
    return pthread_create(thread, NULL, run, db) == 0 ? 0 : -1;
}
