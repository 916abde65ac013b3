#include "produce_batch.h"

#include "events.h"
#include "log.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>

/* Records atsb_<service>_produce_seconds{kind,result} and releases b's
 * lock and condition. Returns b's outcome. */
static rd_kafka_resp_err_t finish(produce_batch *b, const char *kind) {
    rd_kafka_resp_err_t err = b->err;
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs = (double)(end.tv_sec - b->start.tv_sec) + (end.tv_nsec - b->start.tv_nsec) / 1e9;
    char name[64], labels[64];
    snprintf(name, sizeof name, "atsb_%s_produce_seconds", b->service);
    snprintf(labels, sizeof labels, "kind=\"%s\",result=\"%s\"", kind, err ? "error" : "ok");
    metrics_observe(name, labels, secs);
    if (err) log_warn("produce failed", "kind", kind, "code", rd_kafka_err2name(err));
    return err;
}

/* The end of a batch handed to produce_batch_then. */
static void complete(produce_batch *b) {
    produce_batch_done_fn fn = b->then;
    void *arg = b->then_arg;
    rd_kafka_resp_err_t err = finish(b, b->then_kind);
    free(b);
    fn(arg, err);
}

static void on_report(rd_kafka_resp_err_t err, void *opaque) {
    produce_batch *b = opaque;
    pthread_mutex_lock(&b->mu);
    if (err && !b->err) b->err = err;
    int last = --b->pending == 0, handed_off = last && b->then;
    if (last && !handed_off) pthread_cond_signal(&b->cv); /* only the owner waits, for zero */
    pthread_mutex_unlock(&b->mu);
    if (handed_off) complete(b);
}

void produce_batch_init(produce_batch *b, kafka_producer *p, const char *service) {
    b->p = p;
    b->service = service;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    b->pending = 0;
    b->err = RD_KAFKA_RESP_ERR_NO_ERROR;
    b->then = NULL;
    clock_gettime(CLOCK_MONOTONIC, &b->start);
}

produce_batch *produce_batch_new(kafka_producer *p, const char *service) {
    produce_batch *b = malloc(sizeof *b);
    if (b) produce_batch_init(b, p, service);
    return b;
}

/* Counted before sending: the report may arrive before the send returns. */
static void expect_report(produce_batch *b) {
    pthread_mutex_lock(&b->mu);
    b->pending++;
    pthread_mutex_unlock(&b->mu);
}

void produce_batch_proto(produce_batch *b, const char *topic, const char *key, const char *schema,
                         const ProtobufCMessage *msg, const char *trace_id) {
    size_t len = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        expect_report(b);
        on_report(RD_KAFKA_RESP_ERR__FAIL, b);
        return;
    }
    protobuf_c_message_pack(msg, buf);
    kafka_msg m = {.topic = topic, .key = key, .payload = buf, .len = len, .schema = schema,
                   .trace_id = trace_id};
    expect_report(b);
    rd_kafka_resp_err_t err = kafka_producer_send_async(b->p, &m, on_report, b);
    free(buf); /* librdkafka copied it */
    if (err) on_report(err, b); /* no report will come: count it here */
}

void produce_batch_event(produce_batch *b, Atsbridge__V1__ApplicationEvent *ev, const char *discriminator,
                         const char *trace_id) {
    char id[64];
    events_prepare(ev, b->service, discriminator, id, sizeof id);
    expect_report(b);
    if (events_emit_async(b->p, ev, trace_id, on_report, b) != 0) on_report(RD_KAFKA_RESP_ERR__FAIL, b);
    ev->event_id = NULL; /* pointed into id */
}

rd_kafka_resp_err_t produce_batch_wait(produce_batch *b, const char *kind) {
    pthread_mutex_lock(&b->mu);
    while (b->pending > 0) pthread_cond_wait(&b->cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    return finish(b, kind);
}

void produce_batch_then(produce_batch *b, const char *kind, produce_batch_done_fn fn, void *arg) {
    pthread_mutex_lock(&b->mu);
    b->then = fn;
    b->then_arg = arg;
    b->then_kind = kind;
    int now = b->pending == 0; /* else the last report completes it */
    pthread_mutex_unlock(&b->mu);
    if (now) complete(b);
}

/* One event of type about application app_id of account_id. */
static void app_event(produce_batch *b, const char *service, const char *type, const char *detail,
                      const char *app_id, const char *account_id) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = (char *)app_id;
    ev.account_id = (char *)account_id;
    ev.type = (char *)type;
    ev.detail = (char *)detail;
    produce_batch_event(b, &ev, service, NULL);
}

rd_kafka_resp_err_t produce_batch_app_events(kafka_producer *p, const char *service, const char *type,
                                             const char *detail, const PGresult *r) {
    produce_batch b;
    produce_batch_init(&b, p, service);
    for (int i = 0; i < PQntuples(r); i++)
        app_event(&b, service, type, detail, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
    return produce_batch_wait(&b, type);
}

rd_kafka_resp_err_t produce_batch_app_events_ids(kafka_producer *p, const char *service, const char *type,
                                                 const char *detail, char *const *application_ids,
                                                 char *const *account_ids, size_t n) {
    produce_batch b;
    produce_batch_init(&b, p, service);
    for (size_t i = 0; i < n; i++) app_event(&b, service, type, detail, application_ids[i], account_ids[i]);
    return produce_batch_wait(&b, type);
}
