#include "retention.h"

#include "application_states.h"
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

int retention_documents(service *svc, int days) {
    expired_documents e = {0};
    int rc = -1;
    PGconn *c = pg_pool_acquire(svc->db);
    if (!c || pg_run(c, "BEGIN", 0, NULL)) goto out;
    int x = application_states_expire_documents(c, days, &e);
    if (x) {
        if (x == 1) rc = 0; /* no status schema here: nothing is final */
        goto out;
    }
    if (produce_batch_app_events_ids(svc->producer, "ingest", "documents_expired", "retention", e.application_ids,
                                     e.account_ids, e.n) ||
        pg_run(c, "COMMIT", 0, NULL))
        goto out;
    rc = (int)e.n;
    if (rc > 0) {
        char n[16], docs[24];
        snprintf(n, sizeof n, "%d", rc);
        snprintf(docs, sizeof docs, "%ld", e.documents);
        log_info("documents expired", "applications", n, "documents", docs);
    }
out:
    expired_documents_free(&e);
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
