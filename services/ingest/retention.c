#include "retention.h"

#include "config.h"
#include "log.h"
#include "pg.h"
#include "produce_batch.h"
#include "shutdown.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct retention {
    service *svc;
    int days, interval_s;
    pthread_t thread;
};

/* A document without a final application behind every ref (or with a ref
 * status does not know) is kept: the LEFT JOIN makes those NULL, and NULL
 * counts as not expired. Refs go with their documents in the same statement
 * (the foreign key is checked at its end). */
static const char SQL_EXPIRE[] =
    "WITH expired AS ("
    " SELECT r.sha256 FROM ingest.document_refs r"
    " LEFT JOIN status.applications a ON a.application_id = r.application_id"
    " GROUP BY r.sha256"
    " HAVING bool_and(coalesce(a.state IN ('delivered', 'failed', 'rejected')"
    "  AND a.updated_at < now() - $1::int * interval '1 day', false))"
    " LIMIT 500"
    "), refs AS ("
    " DELETE FROM ingest.document_refs r USING expired e WHERE r.sha256 = e.sha256 RETURNING r.application_id"
    "), docs AS ("
    " DELETE FROM ingest.documents d USING expired e WHERE d.sha256 = e.sha256 RETURNING 1"
    ")"
    " SELECT DISTINCT refs.application_id, a.account_id, (SELECT count(*) FROM docs)"
    " FROM refs JOIN status.applications a ON a.application_id = refs.application_id";

int retention_documents(service *svc, int days) {
    char d[16];
    snprintf(d, sizeof d, "%d", days);
    const char *p[] = {d};
    PGresult *r = NULL;
    int rc = -1;
    PGconn *c = pg_pool_acquire(svc->db);
    if (!c || pg_run(c, "BEGIN", 0, NULL)) goto out;
    r = pg_exec(c, SQL_EXPIRE, 1, p);
    if (!pg_ok(r)) {
        if (pg_is_undefined_table(r)) rc = 0; /* no status schema here: nothing is final */
        goto out;
    }
    if (produce_batch_app_events(svc->producer, "ingest", "documents_expired", "retention", r) ||
        pg_run(c, "COMMIT", 0, NULL))
        goto out;
    rc = PQntuples(r);
    if (rc > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", rc);
        log_info("documents expired", "applications", n, "documents", PQgetvalue(r, 0, 2));
    }
out:
    PQclear(r);
    if (c) pg_pool_release(svc->db, c); /* rolls back an open transaction */
    return rc;
}

static void *run(void *arg) {
    retention *t = arg;
    for (int waited = 0; !shutdown_requested(); usleep(200 * 1000)) {
        if (++waited < t->interval_s * 5) continue;
        waited = 0;
        retention_documents(t->svc, t->days); /* what is left waits for the next pass */
    }
    return NULL;
}

retention *retention_start(service *svc) {
    int days = (int)config_int("ATSB_DOCUMENT_RETENTION_DAYS", 30, 0, 36500);
    int interval = (int)config_int("ATSB_RETENTION_CHECK_INTERVAL_S", 3600, 1, 86400);
    if (days == 0) return NULL;
    retention *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->svc = svc;
    t->days = days;
    t->interval_s = interval;
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        log_error("cannot start the retention thread");
        free(t);
        return NULL;
    }
    return t;
}

void retention_join(retention *t) {
    if (!t) return;
    pthread_join(t->thread, NULL);
    free(t);
}
