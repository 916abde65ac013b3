#include "replay.h"

#include "pg.h"

#include <stdio.h>

int replay_claim(PGconn *c, const char *source, const char *id, int ttl_s) {
    char ttl[16];
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    const char *p[] = {source, id, ttl};
    PGresult *r = pg_exec(c,
                          "INSERT INTO ingest.webhook_deliveries (source, delivery_id, expires_at)"
                          " VALUES ($1, $2, now() + make_interval(secs => $3::int))"
                          " ON CONFLICT (source, delivery_id) DO NOTHING RETURNING 1",
                          3, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    int fresh = PQntuples(r) == 1;
    PQclear(r);
    /* An expired row of an earlier identical id would have blocked the
     * insert; ids older than the freshness window fail the age check anyway. */
    const char *q[] = {source};
    if (pg_run(c, "DELETE FROM ingest.webhook_deliveries WHERE source = $1 AND expires_at < now()", 1, q))
        return -1;
    return fresh;
}
