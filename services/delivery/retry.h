#ifndef ATSB_DELIVERY_RETRY_H
#define ATSB_DELIVERY_RETRY_H

#include "kafka_producer.h"

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/* Non-blocking retries through the retry tier topics (retry_tier.h).
 *
 * Scheduling: a failed or deferred message is produced unchanged (same key)
 * to the tier for its wait, with headers attempt, due-at-ms, tier-due-ms,
 * error-code, first-failure-ms and deferrals; once the broker has it, the
 * original offset may be stored.
 *
 * Waiting (the gate): when the dispatcher polls a tier message before its
 * tier-due time, it pauses that partition, seeks back to the message and
 * resumes the partition then, while other partitions keep flowing. Messages
 * of a gated partition polled in the meantime (prefetched before the seek)
 * are dropped: they come again after the resume.
 *
 * Hopping: a message out of its tier (or from the single retry topic of
 * earlier versions, which has no tiers) but not yet due is produced to the
 * tier for the time left, headers kept, no attempt consumed; its offset may
 * be stored once that is durable. */

/* Header "attempt" of m (>= 1), 1 when absent or invalid. */
int retry_attempt(const rd_kafka_message_t *m);
/* Header "deferrals" of m (>= 0). */
int retry_deferrals(const rd_kafka_message_t *m);
/* Header "due-at-ms" of m, 0 when absent. */
int64_t retry_due_ms(const rd_kafka_message_t *m);

/* Produces m to the tier for due_ms. Returns 0 when durable in Kafka, -1
 * otherwise (the caller must not store m's offset). */
int retry_schedule(kafka_producer *p, const rd_kafka_message_t *m, int attempt, int deferrals, int64_t due_ms,
                   const char *error_code);

typedef struct retry_gate retry_gate;

/* Gate for the retry topics (ATSB_TOPIC_PREFIX applied). NULL when out of
 * memory. */
retry_gate *retry_gate_new(void);
void retry_gate_free(retry_gate *g);

/* Decides about a polled message: 0 dispatch it; 1 it must wait (the gate
 * paused its partition and seeked back to it, or it belongs to a gated
 * partition): the caller destroys it without tracking it. */
int retry_gate_check(retry_gate *g, rd_kafka_t *rk, const rd_kafka_message_t *m, int64_t now_ms);

/* Seeks back and resumes the partitions whose wait is over, and sets the
 * gauge atsb_delivery_retry_partitions_waiting{tier} to how many of each
 * tier still wait. Returns how many wait in all. */
int retry_gate_release(retry_gate *g, rd_kafka_t *rk, int64_t now_ms);

/* For a dispatched message: 1 when it comes from a retry topic and must hop
 * (out of its tier, not due at now_ms), else 0. Reads only what
 * retry_gate_new set, so any thread may call it. */
int retry_gate_must_hop(const retry_gate *g, const rd_kafka_message_t *m, int64_t now_ms);

/* Produces m to the tier for the time left to its due-at-ms, keeping its
 * retry headers. Returns 0 when durable (m's offset may be stored), else -1. */
int retry_hop(kafka_producer *p, const rd_kafka_message_t *m, int64_t now_ms);

#endif
