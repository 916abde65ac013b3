#include "kafka_producer.h"

#include "config.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kafka_producer {
    rd_kafka_t *rk;
    char service[64];
    pthread_t poller;
    atomic_int stop;
};

/* Attached to each message as its opaque. */
typedef struct {
    kafka_delivery_fn fn;
    void *opaque;
} pending;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    rd_kafka_resp_err_t err;
} waiter;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *conf_opaque) {
    (void)rk;
    (void)conf_opaque;
    pending *pd = m->_private;
    char topic_label[160];
    snprintf(topic_label, sizeof topic_label, "topic=\"%s\"", rd_kafka_topic_name(m->rkt));
    metrics_counter_add(m->err ? "atsb_kafka_produce_errors_total" : "atsb_kafka_produced_total",
                        topic_label, 1);
    if (!pd) return;
    pd->fn(m->err, pd->opaque);
    free(pd);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)rk;
    (void)opaque;
    log_warn("kafka error", "code", rd_kafka_err2name((rd_kafka_resp_err_t)err), "reason", reason);
}

static void *poll_loop(void *arg) {
    kafka_producer *p = arg;
    while (!atomic_load(&p->stop)) rd_kafka_poll(p->rk, 50);
    return NULL;
}

int kafka_producer_new(const char *service, kafka_producer **out, char *err, size_t errlen) {
    metrics_declare("atsb_kafka_produced_total", METRICS_COUNTER);
    metrics_declare("atsb_kafka_produce_errors_total", METRICS_COUNTER);
    kafka_producer *p = calloc(1, sizeof *p);
    rd_kafka_conf_t *conf = NULL;
    char timeout[32], linger[32];
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    snprintf(p->service, sizeof p->service, "%s", service);
    snprintf(timeout, sizeof timeout, "%lld",
             (long long)config_int("ATSB_KAFKA_MESSAGE_TIMEOUT_MS", 15000, 1000, 600000));
    snprintf(linger, sizeof linger, "%lld", (long long)config_int("ATSB_KAFKA_LINGER_MS", 1, 0, 1000));
    conf = kafka_conf_new(service, err, errlen);
    if (!conf) goto fail;
    if (kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) ||
        kafka_conf_set(conf, "acks", "all", err, errlen) ||
        kafka_conf_set(conf, "message.timeout.ms", timeout, err, errlen) ||
        kafka_conf_set(conf, "linger.ms", linger, err, errlen) ||
        kafka_conf_set(conf, "compression.type", "lz4", err, errlen) ||
        kafka_conf_overrides(conf, err, errlen))
        goto fail;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen);
    if (!p->rk) goto fail;
    conf = NULL; /* owned by rk now */
    if (pthread_create(&p->poller, NULL, poll_loop, p) != 0) {
        snprintf(err, errlen, "cannot start producer poll thread");
        rd_kafka_destroy(p->rk);
        goto fail;
    }
    *out = p;
    return 0;
fail:
    if (conf) rd_kafka_conf_destroy(conf);
    free(p);
    return -1;
}

rd_kafka_resp_err_t kafka_producer_send_async(kafka_producer *p, const kafka_msg *m,
                                              kafka_delivery_fn fn, void *opaque) {
    pending *pd = calloc(1, sizeof *pd);
    if (!pd) return RD_KAFKA_RESP_ERR__FAIL;
    pd->fn = fn;
    pd->opaque = opaque;
    rd_kafka_headers_t *h = rd_kafka_headers_new(3 + m->nextra);
    rd_kafka_header_add(h, HDR_PRODUCER, -1, p->service, -1);
    rd_kafka_header_add(h, HDR_SCHEMA, -1, m->schema, -1);
    if (m->trace_id) rd_kafka_header_add(h, HDR_TRACE_ID, -1, m->trace_id, -1);
    for (size_t i = 0; i < m->nextra; i++)
        rd_kafka_header_add(h, m->extra[i].name, -1, m->extra[i].value, -1);
    rd_kafka_resp_err_t err;
    for (;;) {
        err = rd_kafka_producev(p->rk, RD_KAFKA_V_TOPIC(m->topic),
                                RD_KAFKA_V_KEY(m->key, m->key ? strlen(m->key) : 0),
                                RD_KAFKA_V_VALUE((void *)m->payload, m->len),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                                RD_KAFKA_V_OPAQUE(pd), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(p->rk, 10); /* local queue full: let reports drain, then retry */
    }
    if (err) {
        rd_kafka_headers_destroy(h); /* not taken over on failure */
        free(pd);
    }
    return err;
}

static void wake(rd_kafka_resp_err_t err, void *opaque) {
    waiter *w = opaque;
    pthread_mutex_lock(&w->mu);
    w->err = err;
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

rd_kafka_resp_err_t kafka_producer_send(kafka_producer *p, const kafka_msg *m) {
    waiter w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    rd_kafka_resp_err_t err = kafka_producer_send_async(p, m, wake, &w);
    if (err) return err;
    /* The report always arrives (message.timeout.ms bounds it), and it writes
     * into w, so we must not return before it. */
    pthread_mutex_lock(&w.mu);
    while (!w.done) pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    return w.err;
}

rd_kafka_resp_err_t kafka_producer_forward(kafka_producer *p, const rd_kafka_message_t *m,
                                           const char *topic, const kafka_hdr *extra, size_t nextra) {
    char key[512], schema[160], trace[128];
    size_t klen = m->key_len < sizeof key - 1 ? m->key_len : sizeof key - 1;
    if (m->key) memcpy(key, m->key, klen);
    key[klen] = '\0';
    kafka_msg out = {
        .topic = topic,
        .key = m->key ? key : NULL,
        .payload = m->payload,
        .len = m->len,
        .schema = kafka_header(m, HDR_SCHEMA, schema, sizeof schema) ? schema : "unknown",
        .trace_id = kafka_header(m, HDR_TRACE_ID, trace, sizeof trace),
        .extra = extra,
        .nextra = nextra,
    };
    return kafka_producer_send(p, &out);
}

int kafka_producer_ready(kafka_producer *p, int timeout_ms) {
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(p->rk, 0, NULL, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    int ok = md->broker_cnt > 0;
    rd_kafka_metadata_destroy(md);
    return ok;
}

void kafka_producer_destroy(kafka_producer *p, int timeout_ms) {
    if (!p) return;
    rd_kafka_flush(p->rk, timeout_ms);
    int left = rd_kafka_outq_len(p->rk);
    if (left > 0) {
        char n[32];
        snprintf(n, sizeof n, "%d", left);
        log_error("producer closed with undelivered messages", "count", n);
        /* Fail them explicitly so every waiter and callback gets its report. */
        rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(p->rk, 1000);
    }
    atomic_store(&p->stop, 1);
    pthread_join(p->poller, NULL);
    rd_kafka_destroy(p->rk);
    free(p);
}
