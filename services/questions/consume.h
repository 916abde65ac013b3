#ifndef QUESTIONS_CONSUME_H
#define QUESTIONS_CONSUME_H

#include "consume_loop.h"
#include "resolve.h"

/* The applications.received consumer: each message is decided by
 * questions_resolve; an undecodable or unknown-schema message, or one whose
 * sealed personal data does not open, goes to the dead-letter topic; an
 * erased one is done; a transient failure (database or key store, broker,
 * ATS down with nothing cached) makes the batch LOOP_RETRY, and the
 * messages of the batch already decided are not decided again on the
 * retry. */

typedef struct {
    qr_ctx *rc;
    /* retry bookkeeping for the current batch */
    rd_kafka_message_t *first;
    size_t n;
    unsigned char *done;
    size_t done_cap;
} qconsume_ctx;

loop_result questions_consume_batch(void *ctx, rd_kafka_message_t **msgs, size_t n);
void qconsume_ctx_free(qconsume_ctx *c);

#endif
