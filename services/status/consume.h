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

/* One message decoded and validated (pure: no I/O, any bytes are fine, so
 * the fuzz target fuzz/fuzz_status_decode.c calls it directly). */
typedef enum { CD_POISON = 0, CD_EVENT, CD_WEBHOOK, CD_CHECK } consume_kind;

typedef struct {
    consume_kind kind;
    consume_kind decoded_as; /* which member of u to free (kind may turn CD_POISON) */
    const char *code;    /* poison: dead-letter error code (static) */
    const char *message; /* poison: dead-letter message (static) */
    union {
        Atsbridge__V1__ApplicationEvent *ev;
        Atsbridge__V1__AtsWebhook *wh;
        Atsbridge__V1__BackgroundCheckUpdate *ck;
    } u;
} consume_decoded;

/* Decodes payload by its schema header (NULL when absent) into d and checks
 * every field status stores (ids present, UTF-8, lengths the indexes take,
 * timestamps in range). Can't fail: an unknown schema, undecodable bytes or
 * an invalid field make d->kind CD_POISON with code and message set. Free d
 * with consume_decoded_free whatever the kind. */
void consume_decode(const char *schema, const uint8_t *payload, size_t len, consume_decoded *d);
/* Frees the protobuf of d whatever its kind (a poisoned message may still
 * hold a decoded but invalid one); d is CD_POISON afterwards. */
void consume_decoded_free(consume_decoded *d);
/* Adds a valid decoded message to b (nothing for CD_POISON). */
void consume_decoded_add(proj_batch *b, const consume_decoded *d);

void consume_ctx_init(consume_ctx *ctx, status_app *app);
void consume_ctx_free(consume_ctx *ctx);

loop_result consume_batch(void *ctx, rd_kafka_message_t **msgs, size_t n);

#endif
