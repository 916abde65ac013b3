#ifndef ATSB_PRODUCE_BATCH_H
#define ATSB_PRODUCE_BATCH_H

#include "atsbridge/v1/events.pb-c.h"
#include "kafka_producer.h"

#include <libpq-fe.h>

#include <protobuf-c/protobuf-c.h>
#include <pthread.h>
#include <time.h>

/* Several messages produced at once and waited for together, so a request's
 * ApplicationReceived and its audit events (ingest), or a consumed batch's
 * decisions (questions), cost one broker round trip, not one each. Not
 * thread-safe for senders: one thread owns a batch. */

typedef void (*produce_batch_done_fn)(void *arg, rd_kafka_resp_err_t err);

typedef struct {
    kafka_producer *p;
    const char *service; /* events' service; metric atsb_<service>_produce_seconds */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t pending;
    rd_kafka_resp_err_t err; /* first failure */
    struct timespec start;
    produce_batch_done_fn then; /* set by produce_batch_then */
    void *then_arg;
    const char *then_kind;
} produce_batch;

void produce_batch_init(produce_batch *b, kafka_producer *p, const char *service);

/* A batch on the heap, for produce_batch_then; NULL when out of memory. */
produce_batch *produce_batch_new(kafka_producer *p, const char *service);

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

/* Produces one event of type (detail as given, the event id derived from
 * the application, type and service) for each row of r, whose columns 0 and 1 are
 * the application and account ids, and waits for them all. Returns
 * RD_KAFKA_RESP_ERR_NO_ERROR when every one is durable, else the first
 * error. */
rd_kafka_resp_err_t produce_batch_app_events(kafka_producer *p, const char *service, const char *type,
                                             const char *detail, const PGresult *r);

/* produce_batch_app_events for n applications given by id: application_ids[i]
 * of account account_ids[i]. */
rd_kafka_resp_err_t produce_batch_app_events_ids(kafka_producer *p, const char *service, const char *type,
                                                 const char *detail, char *const *application_ids,
                                                 char *const *account_ids, size_t n);

/* produce_batch_wait without waiting, for a batch from produce_batch_new:
 * once every report is in, records the metric, frees b and calls fn(arg,
 * err), on this thread when they already are, else on the thread that
 * delivers reports. b must not be touched after this call. */
void produce_batch_then(produce_batch *b, const char *kind, produce_batch_done_fn fn, void *arg);

#endif
