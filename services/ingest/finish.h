#ifndef INGEST_FINISH_H
#define INGEST_FINISH_H

#include "http_server.h"
#include "ingest.h"
#include "produce_batch.h"

#include <libpq-fe.h>

/* The end of a signed request (a Lever webhook, a provider callback) off
 * its HTTP worker: the handler claims the replay id in a transaction,
 * produces, and hands over; once Kafka has acknowledged every message (or
 * refused one), a finisher thread COMMITs and answers, so a slow broker
 * holds connections, not the workers that parse applications. Nothing of
 * the contract changes: the answer is ok only after the acknowledgement and
 * the COMMIT; a refused message or a failed COMMIT answers 503 and leaves
 * nothing claimed. */

typedef struct finisher finisher;

/* Starts the finisher threads; NULL when they cannot start. */
finisher *finisher_start(const ingest_ctx *ctx);

/* Stops them; call after http_server_stop (which waits for every deferred
 * answer, so nothing is left queued). NULL is ignored. */
void finisher_stop(finisher *f);

/* Takes one of the ATSB_INGEST_PENDING_MAX places of a request waiting
 * here, before it produces anything: 0, or -1 when all are taken (answer
 * 503: each waiting request holds a PostgreSQL connection, and the pool is
 * shared with the application committers). A place taken is given back
 * once finisher_submit's request is answered, or by finisher_release. */
int finisher_reserve(finisher *f);
void finisher_release(finisher *f);

/* Hands over the request, a place reserved: c in the transaction that
 * claimed its replay id (given up: it goes back to the pool), b from
 * produce_batch_new holding what it produced (given up), ok the answer once
 * all is durable (its body is taken; ok is cleared). The handler must not
 * touch req or its own response afterwards. */
void finisher_submit(finisher *f, const http_request *req, PGconn *c, produce_batch *b, const char *kind,
                     http_response *ok);

#endif
