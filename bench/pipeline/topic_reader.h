#ifndef ATSB_BENCH_TOPIC_READER_H
#define ATSB_BENCH_TOPIC_READER_H

#include <librdkafka/rdkafka.h>

/* A Kafka consumer for the benchmarks that reads every partition of one topic
 * from the beginning with assign() (no consumer group, so no rebalance wait).
 * Connection settings come from the environment like the services'
 * (ATSB_KAFKA_BROKERS, ATSB_KAFKA_PROP_*). */
typedef struct {
    rd_kafka_t *rk;
    rd_kafka_queue_t *q;
} topic_reader;

/* Opens the reader on topic (full name, prefix included); waits up to
 * timeout_ms for the topic's metadata. Returns 0, or -1 with a message on
 * stderr. */
int topic_reader_open(topic_reader *r, const char *topic, int timeout_ms);

/* The next message or NULL after timeout_ms; destroy it with
 * rd_kafka_message_destroy. Messages carrying an error (end of partition)
 * are skipped. */
rd_kafka_message_t *topic_reader_next(topic_reader *r, int timeout_ms);

void topic_reader_close(topic_reader *r);

/* Seconds on the monotonic clock. */
double bench_now(void);

#endif
