#ifndef INGEST_ACCEPT_BATCH_H
#define INGEST_ACCEPT_BATCH_H

#include "application_parse.h"
#include "crypto.h"
#include "http_server.h"
#include "ingest.h"

#include <stddef.h>

/* Group commit of accepted applications. A handler that has parsed,
 * authorised and validated an application defers its answer and submits
 * it here; committer threads (ATSB_INGEST_COMMITTERS) each take what is
 * queued (up to ATSB_INGEST_BATCH_MAX) and store the whole batch with one
 * data-key round trip, one transaction for the idempotency rows and the
 * documents, and one wait for Kafka's acknowledgement of every message,
 * then answer each request: 202 (new), 200 (the same body again), 409
 * (another body), 410 (erased), 413 (too large for the broker) or 503.
 * Waiting requests hold a suspended connection, not a thread.
 *
 * The durability contract is one request's: 202 only once Kafka has the
 * application and its `received` event and the transaction committed; a
 * request answered 503 left nothing stored (its messages, when Kafka took
 * them, are produced again by the retry and deduplicated downstream). */

typedef struct accept_job {
    struct accept_job *next; /* queue link */
    app_application app; /* owned: freed once answered */
    char app_id[64];
    char body_hash[CRYPTO_SHA256_HEX];
    char trace[80];
    size_t body_len;      /* for atsb_ingest_bytes_total */
    http_deferred *reply; /* the deferred request, answered exactly once */
} accept_job;

/* Starts the committers; they read ctx's service (database pool, producer)
 * only when a batch arrives, so they may start before the service does.
 * NULL when a thread cannot be started. */
accept_batcher *accept_batcher_start(const ingest_ctx *ctx);

/* Queues job (heap; ownership taken). Its request is answered when its
 * batch is stored, or at once with 503 when the batcher is stopping. */
void accept_batcher_submit(accept_batcher *b, accept_job *job);

/* Answers what is queued, stops the committers and frees b. Call after the
 * HTTP server stopped taking requests. NULL is allowed. */
void accept_batcher_stop(accept_batcher *b);

#endif
