#ifndef ATSB_CONSUME_LOOP_H
#define ATSB_CONSUME_LOOP_H

#include "kafka_consumer.h"
#include "kafka_producer.h"

#include <stddef.h>

/* The consuming half of every service: polls a batch (up to max_batch
 * messages; it ends when no message came for 5 ms, and at the latest after
 * max_wait_ms, then taking only what is fetched already), hands it to the handler, and stores the offsets
 * only when the handler says every message's effects are durable. A handler
 * that fails transiently (database or broker down) gets the same batch again
 * after a backoff (100 ms doubling to 5 s), until it succeeds or shutdown is
 * requested, in which case nothing is stored and the batch is redelivered to
 * whoever owns the partitions next. Handlers must be idempotent. */

typedef enum {
    LOOP_DONE = 0,   /* effects durable: store offsets */
    LOOP_RETRY = -1, /* transient failure: handle the same batch again later */
} loop_result;

typedef loop_result (*loop_handler_fn)(void *ctx, rd_kafka_message_t **msgs, size_t n);

typedef struct {
    const char *service;
    const char *group;
    const char *const *topics; /* base names; ATSB_TOPIC_PREFIX is applied */
    size_t ntopics;
    size_t max_batch;          /* default 500 */
    int max_wait_ms;           /* default 50 */
    loop_handler_fn handle;
    void *ctx;
} loop_spec;

/* Runs until shutdown_requested(). Returns 0, or -1 (one line on stderr)
 * when the consumer cannot be created. */
int consume_loop_run(const loop_spec *spec);

/* Sends m unchanged to applications.deadletter with headers error-code,
 * error-message, original-topic, original-partition, original-offset,
 * first-failure-ms (kept when m already carries it) and the original
 * headers, and waits for the delivery report. Used for poison messages
 * (undecodable payload, unknown schema) and permanent failures. Returns 0, or
 * -1 when the broker did not take it (the caller must retry, not store). */
int consume_deadletter(kafka_producer *p, const rd_kafka_message_t *m, const char *code,
                       const char *message);

/* True when m's schema header equals schema. */
int consume_schema_is(const rd_kafka_message_t *m, const char *schema);

#endif
