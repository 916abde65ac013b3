#ifndef ATSB_BENCH_EVENT_WATCH_H
#define ATSB_BENCH_EVENT_WATCH_H

#include <pthread.h>
#include <stdatomic.h>

/* A thread reading application.events (from the beginning) that records, per
 * application id, when the first event of one type (e.g. "delivered") was
 * seen, on the bench_now() clock. It stops when `want` applications have
 * one, or at the deadline. */
typedef struct {
    char **ids;
    double *at;
    size_t cap, seen;
    const char *type;
    atomic_long want;
    double deadline;
    pthread_t th;
    int ready, failed;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} event_watch;

/* Starts the watch on topic; returns once the topic is assigned (0) or
 * failed (-1). capacity: at least the number of applications expected. */
int event_watch_start(event_watch *w, const char *topic, const char *type, long capacity, double deadline);

/* Waits for the thread; after this, event_watch_time may be called. */
void event_watch_join(event_watch *w);

/* When the event was first seen for application id, or < 0. */
double event_watch_time(const event_watch *w, const char *id);

void event_watch_free(event_watch *w);

#endif
