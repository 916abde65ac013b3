#include "feed_monitor.h"

#include "events.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Any constant: one feed checker at a time across replicas. */
#define FEED_LOCK_KEY "847300801"

static const char SQL_ACCOUNTS[] =
    "SELECT a.account_id, coalesce(a.feed_interval_s, 0), coalesce(s.alert_state, 'ok'),"
    " (extract(epoch FROM greatest(s.last_received_at, a.feed_monitor_since)) * 1000)::bigint,"
    " coalesce((extract(epoch FROM s.alert_changed_at) * 1000)::bigint, 0),"
    " coalesce(a.feed_interval_s, 0) > 0 AND now() > greatest(s.last_received_at, a.feed_monitor_since)"
    "   + a.feed_interval_s * interval '1 second'"
    " FROM status.accounts a LEFT JOIN status.account_sync s USING (account_id)"
    " WHERE coalesce(a.feed_interval_s, 0) > 0 OR s.alert_state = 'raised'"
    " ORDER BY a.account_id";

static const char SQL_SET_STATE[] =
    "INSERT INTO status.account_sync (account_id, alert_state, alert_changed_at) VALUES ($1, $2, now())"
    " ON CONFLICT (account_id) DO UPDATE SET alert_state = EXCLUDED.alert_state,"
    "  alert_changed_at = EXCLUDED.alert_changed_at";

static void gauge(const char *account, int raised) {
    char labels[300];
    snprintf(labels, sizeof labels, "account=\"%s\"", account); /* ids are [A-Za-z0-9._:@-] */
    metrics_gauge_set("atsb_feed_alert", labels, raised);
}

/* Records the change and updates the row; 0, or -1 (state unchanged). */
static int change(status_app *app, PGconn *c, const char *account, int raise, const char *detail,
                  const char *discriminator) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    ev.account_id = (char *)account;
    ev.subject_id = (char *)account;
    ev.type = raise ? "feed_alert_raised" : "feed_alert_cleared";
    ev.detail = (char *)detail;
    events_prepare(&ev, "status", discriminator, id, sizeof id);
    if (events_emit(app->svc.producer, &ev, NULL)) {
        log_warn("feed alert event not produced; retrying next tick", "account_id", account);
        return -1;
    }
    const char *p[] = {account, raise ? "raised" : "ok"};
    if (pg_run(c, SQL_SET_STATE, 2, p)) return -1;
    log_info(raise ? "feed alert raised" : "feed alert cleared", "account_id", account);
    return 0;
}

int feed_monitor_tick(status_app *app) {
    int changed = 0;
    PGresult *r = NULL, *lock = NULL;
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) return -1;
    if (pg_run(c, "BEGIN", 0, NULL)) goto fail;
    lock = pg_exec(c, "SELECT pg_try_advisory_xact_lock(" FEED_LOCK_KEY ")", 0, NULL);
    if (!pg_ok(lock)) goto fail;
    if (strcmp(PQgetvalue(lock, 0, 0), "t") != 0) goto done; /* another replica is checking */
    r = pg_exec(c, SQL_ACCOUNTS, 0, NULL);
    if (!pg_ok(r)) goto fail;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *account = PQgetvalue(r, i, 0);
        int interval = (int)strtol(PQgetvalue(r, i, 1), NULL, 10);
        int raised = !strcmp(PQgetvalue(r, i, 2), "raised");
        int silent = !strcmp(PQgetvalue(r, i, 5), "t");
        char detail[128], disc[64];
        if (!raised && silent) {
            snprintf(detail, sizeof detail, "no received event for more than %d s", interval);
            snprintf(disc, sizeof disc, "since:%s", PQgetvalue(r, i, 3));
            if (change(app, c, account, 1, detail, disc) == 0) raised = 1, changed++;
        } else if (raised && !silent) {
            snprintf(detail, sizeof detail, "%s",
                     interval ? "traffic resumed" : "feed monitoring switched off");
            snprintf(disc, sizeof disc, "raised:%s", PQgetvalue(r, i, 4));
            if (change(app, c, account, 0, detail, disc) == 0) raised = 0, changed++;
        }
        gauge(account, raised);
    }
done:
    if (pg_run(c, "COMMIT", 0, NULL)) goto fail;
    PQclear(r);
    PQclear(lock);
    pg_pool_release(app->svc.db, c);
    return changed;
fail:
    PQclear(r);
    PQclear(lock);
    pg_pool_release(app->svc.db, c);
    return -1;
}
