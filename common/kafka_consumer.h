#ifndef ATSB_KAFKA_CONSUMER_H
#define ATSB_KAFKA_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* Group consumer with DESIGN.md's semantics: cooperative-sticky assignment
 * (range when subscribed to several topics, so each topic is split evenly),
 * enable.auto.offset.store=false (call kafka_consumer_store() only once a
 * message's effects are durable), stored offsets committed every second and
 * synchronously on revocation (after the revoke hook, see
 * kafka_consumer_on_revoke), auto.offset.reset=earliest.
 * Group timing: ATSB_KAFKA_SESSION_TIMEOUT_MS (default 10000) and
 * ATSB_KAFKA_HEARTBEAT_MS (default 1000). Consumer lag (sum over assigned
 * partitions) is published as gauge atsb_kafka_consumer_lag{group=...}. */

typedef struct kafka_consumer kafka_consumer;

/* Subscribes to ntopics full topic names. Returns 0, or -1 with err filled. */
int kafka_consumer_new(const char *service, const char *group, const char *const *topics,
                       size_t ntopics, kafka_consumer **out, char *err, size_t errlen);

/* Next message, or NULL on timeout. Consumer-level errors (broker down,
 * partition EOF) are logged and swallowed: only real messages are returned.
 * The caller destroys the message with rd_kafka_message_destroy(). */
rd_kafka_message_t *kafka_consumer_poll(kafka_consumer *c, int timeout_ms);

/* Marks m processed: its offset + 1 will be committed. Returns 0 or -1. */
int kafka_consumer_store(kafka_consumer *c, const rd_kafka_message_t *m);

/* Commits stored offsets now (synchronously). Returns 0 or -1. */
int kafka_consumer_commit(kafka_consumer *c);

rd_kafka_t *kafka_consumer_handle(kafka_consumer *c);

/* Called on the polling thread (inside kafka_consumer_poll) when partitions
 * are revoked or lost, before the stored offsets are committed and the
 * partitions let go: the place to finish or drop the work of those
 * partitions and store its offsets, so the next owner starts after it.
 * lost is 1 when the partitions are already someone else's (nothing is
 * committed then). fn NULL removes the hook; set it before polling. */
typedef void (*kafka_revoke_fn)(void *ctx, const rd_kafka_topic_partition_list_t *parts, int lost);
void kafka_consumer_on_revoke(kafka_consumer *c, kafka_revoke_fn fn, void *ctx);

/* Leaves the group (committing stored offsets) and frees c. The close is
 * bounded by timeout_ms: librdkafka 2.0.2 can hang closing after lost
 * partitions, so past the bound we log it and destroy without closing.
 * NULL is allowed. */
void kafka_consumer_destroy(kafka_consumer *c, int timeout_ms);

#endif
