#include "held_watch.h"

#include "pg.h"
#include "produce_batch.h"

#include <stdio.h>

static const char SQL_HELD[] =
    "SELECT a.application_id, a.account_id FROM status.applications a"
    " WHERE a.state = 'held' AND a.state_at < now() - $1::int * interval '1 second'"
    " AND NOT EXISTS (SELECT 1 FROM status.events e WHERE e.application_id = a.application_id"
    "  AND e.type = 'held_too_long')"
    " ORDER BY a.state_at LIMIT 200";

int held_watch_tick(status_app *app) {
    if (app->held_notify_after_s <= 0) return 0;
    char after[16], detail[64];
    snprintf(after, sizeof after, "%d", app->held_notify_after_s);
    snprintf(detail, sizeof detail, "held for more than %d s", app->held_notify_after_s);
    const char *p[] = {after};
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) return -1;
    PGresult *r = pg_exec(c, SQL_HELD, 1, p);
    pg_pool_release(app->svc.db, c);
    int rc = pg_ok(r) && !produce_batch_app_events(app->svc.producer, "status", "held_too_long", detail, r)
                 ? PQntuples(r)
                 : -1;
    PQclear(r);
    return rc;
}
