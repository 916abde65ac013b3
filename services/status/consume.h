#ifndef STATUS_CONSUME_H
#define STATUS_CONSUME_H

#include "app.h"
#include "consume_loop.h"
#include "projections.h"

/* The consume loop's batch handler for application.events, ats.webhooks and
 * bgcheck.updates. Each batch becomes one PostgreSQL transaction
 * (projections.c); database trouble answers LOOP_RETRY so offsets are stored
 * only after the commit. Poison messages (unknown schema, undecodable
 * protobuf, invalid fields, or values the database refuses) go to the
 * dead-letter topic after the commit and the loop keeps going. */

typedef struct {
    status_app *app;
    proj_batch batch; /* reused between batches: one consumer thread */
} consume_ctx;

void consume_ctx_init(consume_ctx *ctx, status_app *app);
void consume_ctx_free(consume_ctx *ctx);

loop_result consume_batch(void *ctx, rd_kafka_message_t **msgs, size_t n);

#endif
