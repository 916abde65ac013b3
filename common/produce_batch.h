#ifndef ATSB_PRODUCE_BATCH_H
#define ATSB_PRODUCE_BATCH_H

#include "atsbridge/v1/events.pb-c.h"
#include "kafka_producer.h"

#include <protobuf-c/protobuf-c.h>
#include <pthread.h>
#include <time.h>

/* Several messages produced at once and waited for together, so a request's
 * ApplicationReceived and its audit events (ingest), or a consumed batch's
 * decisions (questions), cost one broker round trip, not one each. Not
 * thread-safe for senders: one thread owns a batch. */

typedef struct {
    kafka_producer *p;
    const char *service; /* events' service; metric atsb_<service>_produce_seconds */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t pending;
    rd_kafka_resp_err_t err; /* first failure */
    struct timespec start;
} produce_batch;

void produce_batch_init(produce_batch *b, kafka_producer *p, const char *service);

/* Packs msg and produces it to topic with key and schema header. A failure
 * to enqueue is remembered and reported by produce_batch_wait. */
void produce_batch_proto(produce_batch *b, const char *topic, const char *key, const char *schema,
                         const ProtobufCMessage *msg, const char *trace_id);

/* Prepares (deterministic event id, service, time) and produces an audit event. */
void produce_batch_event(produce_batch *b, Atsbridge__V1__ApplicationEvent *ev, const char *discriminator,
                         const char *trace_id);

/* Waits for every delivery report, records atsb_<service>_produce_seconds{kind},
 * releases the batch. Returns RD_KAFKA_RESP_ERR_NO_ERROR when all messages
 * are durable in Kafka, else the first error. */
rd_kafka_resp_err_t produce_batch_wait(produce_batch *b, const char *kind);

#endif
