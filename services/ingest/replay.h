#ifndef INGEST_REPLAY_H
#define INGEST_REPLAY_H

#include <libpq-fe.h>

/* Replay protection for signed deliveries (ingest.webhook_deliveries): each
 * delivery id (Lever's per-delivery token, a provider signature) is accepted
 * once while it could still pass the freshness check. */

/* Records (source, id) with an expiry ttl_s seconds ahead, inside the
 * caller's transaction (so a failed produce rolls it back and the sender's
 * retry is accepted), and deletes expired rows of source. Returns 1 when the
 * delivery is new, 0 when it was seen before, -1 on a database error. */
int replay_claim(PGconn *c, const char *source, const char *id, int ttl_s);

#endif
