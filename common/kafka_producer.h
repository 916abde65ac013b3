#ifndef ATSB_KAFKA_PRODUCER_H
#define ATSB_KAFKA_PRODUCER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

/* Idempotent producer (enable.idempotence=true, acks=all) with the standard
 * headers. A background thread serves delivery reports, so any thread may
 * send. Delivery is never resent by us: librdkafka retries within
 * message.timeout.ms (ATSB_KAFKA_MESSAGE_TIMEOUT_MS, default 15000) and then
 * reports a final result. */

typedef struct kafka_producer kafka_producer;

typedef struct {
    const char *name;
    const char *value;
} kafka_hdr;

/* Final outcome of one message: err is RD_KAFKA_RESP_ERR_NO_ERROR when the
 * broker has it (acks=all). Called on the producer's poll thread. */
typedef void (*kafka_delivery_fn)(rd_kafka_resp_err_t err, void *opaque);

typedef struct {
    const char *topic;      /* full topic name */
    const char *key;        /* may be NULL */
    const void *payload;    /* copied by librdkafka */
    size_t len;
    const char *schema;     /* fully qualified protobuf name, required */
    const char *trace_id;   /* may be NULL */
    const kafka_hdr *extra; /* additional headers, may be NULL */
    size_t nextra;
} kafka_msg;

/* Creates a producer for service `service` (header `producer`). Returns 0, or
 * -1 with err filled (bad configuration). */
int kafka_producer_new(const char *service, kafka_producer **out, char *err, size_t errlen);

/* Produces m and blocks until its delivery report. Returns the report's error
 * (RD_KAFKA_RESP_ERR_NO_ERROR when durable in Kafka), or the enqueue error. */
rd_kafka_resp_err_t kafka_producer_send(kafka_producer *p, const kafka_msg *m);

/* Produces m; fn(opaque) is called exactly once with the outcome, unless this
 * returns an error, in which case fn is never called. */
rd_kafka_resp_err_t kafka_producer_send_async(kafka_producer *p, const kafka_msg *m,
                                              kafka_delivery_fn fn, void *opaque);

/* Produces m's key and payload unchanged to topic, keeping its schema and
 * trace-id headers and adding extra, and waits for the delivery report (the
 * retry and dead-letter topics, and replays from them). Returns the report's
 * error (RD_KAFKA_RESP_ERR_NO_ERROR when durable). */
rd_kafka_resp_err_t kafka_producer_forward(kafka_producer *p, const rd_kafka_message_t *m,
                                           const char *topic, const kafka_hdr *extra, size_t nextra);

/* True when a broker answered metadata within timeout_ms (for /readyz). */
int kafka_producer_ready(kafka_producer *p, int timeout_ms);

/* Flushes outstanding messages (bounded by timeout_ms), logs any that were
 * not delivered, stops the poll thread and frees p. NULL is allowed. */
void kafka_producer_destroy(kafka_producer *p, int timeout_ms);

#endif
