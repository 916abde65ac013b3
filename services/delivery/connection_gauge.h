#ifndef ATSB_DELIVERY_CONNECTION_GAUGE_H
#define ATSB_DELIVERY_CONNECTION_GAUGE_H

#include "pg.h"

#include <pthread.h>

/* atsb_delivery_connections{ats,state}: the connections of every account by
 * ATS and by the state GET /v1/accounts/{id}/connections shows (connected,
 * broken, reauthorization_required, revoked), counted from the database, so
 * every replica shows the same figures (alert on max). */

/* Counts once and sets the gauge (0 for a state with none). 0, or -1 when
 * the database did not answer (the gauge keeps its last figures). */
int connection_gauge_refresh(pg_pool *db);

/* A thread refreshing it every 15 s until shutdown_requested(). 0, or -1
 * when the thread could not start. */
int connection_gauge_start(pg_pool *db, pthread_t *thread);

#endif
