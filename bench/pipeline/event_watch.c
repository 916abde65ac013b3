#include "event_watch.h"

#include "atsbridge/v1/events.pb-c.h"
#include "topic_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s) {
    size_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t slot_of(const event_watch *w, const char *id) {
    size_t i = hash(id) & (w->cap - 1);
    while (w->ids[i] && strcmp(w->ids[i], id)) i = (i + 1) & (w->cap - 1);
    return i;
}

typedef struct {
    event_watch *w;
    char topic[256];
} start_arg;

static void *run(void *p) {
    start_arg *a = p;
    event_watch *w = a->w;
    topic_reader r;
    int ok = topic_reader_open(&r, a->topic, 30000) == 0;
    free(a);
    pthread_mutex_lock(&w->mu);
    w->ready = 1;
    w->failed = !ok;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (!ok) return NULL;
    while ((long)w->seen < atomic_load(&w->want) && bench_now() < w->deadline) {
        rd_kafka_message_t *m = topic_reader_next(&r, 100);
        if (!m) continue;
        double t = bench_now();
        Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
        if (ev && ev->type && !strcmp(ev->type, w->type) && ev->application_id && *ev->application_id &&
            w->seen < w->cap / 2) {
            size_t i = slot_of(w, ev->application_id);
            if (!w->ids[i]) {
                w->ids[i] = strdup(ev->application_id);
                w->at[i] = t;
                w->seen++;
            }
        }
        if (ev) atsbridge__v1__application_event__free_unpacked(ev, NULL);
        rd_kafka_message_destroy(m);
    }
    topic_reader_close(&r);
    return NULL;
}

int event_watch_start(event_watch *w, const char *topic, const char *type, long capacity, double deadline) {
    memset(w, 0, sizeof *w);
    w->cap = 16;
    while (w->cap < (size_t)capacity * 2 + 2) w->cap <<= 1;
    w->ids = calloc(w->cap, sizeof *w->ids);
    w->at = calloc(w->cap, sizeof *w->at);
    w->type = type;
    atomic_store(&w->want, capacity);
    w->deadline = deadline;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    start_arg *a = calloc(1, sizeof *a);
    if (!w->ids || !w->at || !a) return -1;
    a->w = w;
    snprintf(a->topic, sizeof a->topic, "%s", topic);
    if (pthread_create(&w->th, NULL, run, a)) return -1;
    pthread_mutex_lock(&w->mu);
    while (!w->ready) pthread_cond_wait(&w->cv, &w->mu);
    int failed = w->failed;
    pthread_mutex_unlock(&w->mu);
    return failed ? -1 : 0;
}

void event_watch_join(event_watch *w) { pthread_join(w->th, NULL); }

double event_watch_time(const event_watch *w, const char *id) {
    size_t i = slot_of(w, id);
    return w->ids[i] ? w->at[i] : -1.0;
}

void event_watch_free(event_watch *w) {
    for (size_t i = 0; w->ids && i < w->cap; i++) free(w->ids[i]);
    free(w->ids);
    free(w->at);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
}
