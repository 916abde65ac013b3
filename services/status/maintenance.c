#include "maintenance.h"

#include "erasure.h"
#include "feed_monitor.h"
#include "held_watch.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const states[] = {"received", "held",      "resolved", "delivering",
                                     "retrying", "delivered", "failed",   "rejected"};

int maintenance_refresh_gauges(status_app *app) {
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) return -1;
    PGresult *r = pg_exec(c, "SELECT state, count(*) FROM status.applications GROUP BY state", 0, NULL);
    pg_pool_release(app->svc.db, c);
    int rc = -1;
    if (pg_ok(r)) {
        for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
            double n = 0;
            for (int i = 0; i < PQntuples(r); i++)
                if (!strcmp(PQgetvalue(r, i, 0), states[s])) n = strtod(PQgetvalue(r, i, 1), NULL);
            char labels[64];
            snprintf(labels, sizeof labels, "state=\"%s\"", states[s]);
            metrics_gauge_set("atsb_status_applications", labels, n);
        }
        rc = 0;
    }
    PQclear(r);
    return rc;
}

static time_t now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static void *run(void *arg) {
    maintenance *m = arg;
    status_app *app = m->app;
    time_t next_feed = 0, next_retention = 0, next_gauge = 0;
    while (!shutdown_requested()) {
        time_t t = now_s();
        if (t >= next_feed) {
            if (feed_monitor_tick(app) < 0) log_warn("feed check failed; retrying next round");
            if (held_watch_tick(app) < 0) log_warn("held check failed; retrying next round");
            next_feed = t + app->feed_check_interval_s;
        }
        if (t >= next_retention) {
            int n = erasure_retention_tick(app);
            if (n < 0) log_warn("retention run failed; retrying next round");
            /* A full page means more is due: go again soon. */
            next_retention = n >= 200 ? t : t + app->retention_interval_s;
        }
        if (t >= next_gauge) {
            maintenance_refresh_gauges(app);
            next_gauge = t + app->gauge_interval_s;
        }
        for (int i = 0; i < 10 && !shutdown_requested(); i++) usleep(100 * 1000);
    }
    return NULL;
}

int maintenance_start(maintenance *m, status_app *app) {
    m->app = app;
    m->running = pthread_create(&m->thread, NULL, run, m) == 0;
    return m->running ? 0 : -1;
}

void maintenance_join(maintenance *m) {
    if (!m->running) return;
    pthread_join(m->thread, NULL);
    m->running = 0;
}
