#include "events.h"

#include "crypto.h"
#include "kafka_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t events_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void events_prepare(Atsbridge__V1__ApplicationEvent *ev, const char *service, const char *discriminator,
                    char *id_buf, size_t id_len) {
    if (!ev->service || !*ev->service) ev->service = (char *)service;
    if (!ev->at_ms) ev->at_ms = events_now_ms();
    if (ev->event_id && *ev->event_id) return;
    char attempt[16];
    snprintf(attempt, sizeof attempt, "%d", ev->attempt);
    const char *subject = ev->application_id && *ev->application_id ? ev->application_id : ev->subject_id;
    crypto_derive_id(id_buf, id_len, "ev_", subject ? subject : "", ev->type ? ev->type : "", attempt,
                     discriminator ? discriminator : "", (const char *)NULL);
    ev->event_id = id_buf;
}

static int build(const Atsbridge__V1__ApplicationEvent *ev, const char *trace_id, kafka_msg *m,
                 uint8_t **buf, char *topic, size_t topic_len) {
    size_t len = atsbridge__v1__application_event__get_packed_size(ev);
    *buf = malloc(len ? len : 1);
    if (!*buf) return -1;
    atsbridge__v1__application_event__pack(ev, *buf);
    const char *key = ev->application_id && *ev->application_id ? ev->application_id : ev->account_id;
    memset(m, 0, sizeof *m);
    m->topic = kafka_topic(TOPIC_APPLICATION_EVENTS, topic, topic_len);
    m->key = key && *key ? key : NULL;
    m->payload = *buf;
    m->len = len;
    m->schema = EVENT_SCHEMA;
    m->trace_id = trace_id;
    return 0;
}

int events_emit(kafka_producer *p, const Atsbridge__V1__ApplicationEvent *ev, const char *trace_id) {
    kafka_msg m;
    uint8_t *buf = NULL;
    char topic[256];
    if (build(ev, trace_id, &m, &buf, topic, sizeof topic)) return -1;
    rd_kafka_resp_err_t e = kafka_producer_send(p, &m);
    free(buf);
    return e ? -1 : 0;
}

int events_emit_async(kafka_producer *p, const Atsbridge__V1__ApplicationEvent *ev,
                      const char *trace_id, kafka_delivery_fn fn, void *opaque) {
    kafka_msg m;
    uint8_t *buf = NULL;
    char topic[256];
    if (build(ev, trace_id, &m, &buf, topic, sizeof topic)) return -1;
    rd_kafka_resp_err_t e = kafka_producer_send_async(p, &m, fn, opaque);
    free(buf); /* librdkafka copied the payload */
    return e ? -1 : 0;
}

int events_emit_account(kafka_producer *p, const char *service, const char *discriminator, const char *type,
                        const char *account_id, const char *subject_id, const char *name, const char *detail,
                        const char *actor) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    ev.type = (char *)type;
    ev.account_id = (char *)(account_id ? account_id : "");
    ev.subject_id = (char *)(subject_id ? subject_id : "");
    ev.name = (char *)(name ? name : "");
    ev.detail = (char *)(detail ? detail : "");
    ev.actor = (char *)(actor ? actor : "");
    events_prepare(&ev, service, discriminator, id, sizeof id);
    return events_emit(p, &ev, NULL);
}

int events_emit_admin(kafka_producer *p, const char *service, const char *type, const char *account_id,
                      const char *subject_id, const char *name, const char *detail, const char *actor) {
    char when[32];
    snprintf(when, sizeof when, "%lld", (long long)events_now_ms());
    return events_emit_account(p, service, when, type, account_id, subject_id, name, detail, actor);
}
