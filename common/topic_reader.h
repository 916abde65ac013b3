#ifndef ATSB_TOPIC_READER_H
#define ATSB_TOPIC_READER_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/* Reads every partition of one topic without joining a consumer group (no
 * offsets are committed: reading never disturbs the services' groups), with
 * the services' Kafka settings (kafka_conf_new: ATSB_KAFKA_BROKERS and
 * ATSB_KAFKA_PROP_*). Used by trail and by delivery's dead-letter API. */

typedef enum { READ_FROM_END = 0, READ_FROM_BEGINNING, READ_SINCE } read_start;

typedef struct {
    const char *topic;      /* full name */
    read_start start;
    int64_t since_ms;       /* READ_SINCE */
    int follow;             /* keep waiting for new messages; else stop at the end */
    int timeout_ms;         /* > 0: stop after this long */
} read_opts;

/* Called for each message; return non-zero to stop early. */
typedef int (*read_fn)(const rd_kafka_message_t *m, void *ctx);

/* Returns 0 at the end (or when fn stopped it or on SIGINT/SIGTERM), 1 when
 * timeout_ms ran out first, or -1 with a one-line reason in err (unknown
 * topic, broker unreachable). */
int reader_run(const read_opts *o, read_fn fn, void *ctx, char *err, size_t errlen);

#endif
