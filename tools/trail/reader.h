#ifndef ATSB_TRAIL_READER_H
#define ATSB_TRAIL_READER_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/* Reads every partition of one topic without joining a consumer group (no
 * offsets are committed: reading never disturbs the services' groups). */

typedef enum { READ_FROM_END = 0, READ_FROM_BEGINNING, READ_SINCE } read_start;

typedef struct {
    const char *brokers;
    const char *topic;      /* full name */
    read_start start;
    int64_t since_ms;       /* READ_SINCE */
    int follow;             /* keep waiting for new messages; else stop at the end */
} read_opts;

/* Called for each message; return non-zero to stop early. */
typedef int (*read_fn)(const rd_kafka_message_t *m, void *ctx);

/* Returns 0 at the end (or when fn stopped it or on SIGINT/SIGTERM), or -1
 * with a one-line reason in err (unknown topic, broker unreachable). */
int reader_run(const read_opts *o, read_fn fn, void *ctx, char *err, size_t errlen);

#endif
