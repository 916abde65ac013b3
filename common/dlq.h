#ifndef ATSB_DLQ_H
#define ATSB_DLQ_H

#include "kafka_producer.h"

#include <librdkafka/rdkafka.h>

/* Dead letters (applications.deadletter): what one is about, and re-driving
 * it, for trail and delivery's dead-letter API. A dead letter is the
 * original record (key, payload, headers) plus error-code, error-message,
 * original-topic/-partition/-offset and first-failure-ms headers
 * (consume_loop.h, consume_deadletter). */

typedef struct {
    char ref[48];              /* "PARTITION:OFFSET" in the dead-letter topic */
    char application_id[128];  /* the record's key for application topics; "" otherwise */
    char account_id[128];      /* from the payload when its schema is known; "" otherwise */
    char error_code[64];
    char error_message[512];
    char original_topic[256];
    char first_failure_ms[24];
} dlq_entry;

/* What dead letter m is about. Never fails: what cannot be read stays "". */
void dlq_describe(const rd_kafka_message_t *m, dlq_entry *e);

/* Re-drives m: re-produces it to its original topic (same key, payload and
 * headers) minus the dead-letter headers and the retry state (attempt,
 * deferrals, due-at-ms and the tier headers: a re-drive starts a fresh
 * attempt budget), plus replayed-from ("topic/partition/offset"),
 * redrive-by and redrive-reason. Returns 0 once Kafka has it, or -1 with a
 * one-line reason in err. */
int dlq_replay(kafka_producer *p, const rd_kafka_message_t *m, const char *by, const char *reason, char *err,
               size_t errlen);

#endif
