#ifndef ATSB_DELIVERY_RETRY_H
#define ATSB_DELIVERY_RETRY_H

#include "kafka_producer.h"

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/* Non-blocking retries through applications.retry.
 *
 * Scheduling: a failed or deferred message is produced unchanged to the
 * retry topic (same key) with headers attempt, due-at-ms, error-code,
 * first-failure-ms and deferrals; once the broker has it, the original
 * offset may be stored.
 *
 * Waiting (the gate): when the dispatcher polls a retry message before its
 * due time, it pauses that partition, seeks back to the message and resumes
 * the partition when due, while other partitions keep flowing. Messages of a
 * gated partition polled in the meantime (prefetched before the seek) are
 * dropped: they come again after the resume. */

/* Header "attempt" of m (>= 1), 1 when absent or invalid. */
int retry_attempt(const rd_kafka_message_t *m);
/* Header "deferrals" of m (>= 0). */
int retry_deferrals(const rd_kafka_message_t *m);
/* Header "due-at-ms" of m, 0 when absent. */
int64_t retry_due_ms(const rd_kafka_message_t *m);

/* Produces m to the retry topic due at due_ms. Returns 0 when durable in
 * Kafka, -1 otherwise (the caller must not store m's offset). */
int retry_schedule(kafka_producer *p, const rd_kafka_message_t *m, int attempt, int deferrals, int64_t due_ms,
                   const char *error_code);

typedef struct retry_gate retry_gate;

/* Gate for the retry topic (full name). NULL when out of memory. */
retry_gate *retry_gate_new(const char *retry_topic);
void retry_gate_free(retry_gate *g);

/* Decides about a polled message: 0 dispatch it; 1 it must wait (the gate
 * paused its partition and seeked back to it, or it belongs to a gated
 * partition): the caller destroys it without tracking it. */
int retry_gate_check(retry_gate *g, rd_kafka_t *rk, const rd_kafka_message_t *m, int64_t now_ms);

/* Seeks back and resumes the partitions whose wait is over. Returns how
 * many are still waiting. */
int retry_gate_release(retry_gate *g, rd_kafka_t *rk, int64_t now_ms);

#endif
