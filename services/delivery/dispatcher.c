#include "dispatcher.h"

#include "backoff.h"
#include "commands.h"
#include "cond_clock.h"
#include "deliver.h"
#include "events.h"
#include "kafka_conf.h"
#include "kafka_consumer.h"
#include "log.h"
#include "metrics.h"
#include "offsets.h"
#include "retry.h"
#include "shutdown.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct pool pool;

typedef struct item {
    rd_kafka_message_t *m;
    pool *p;
    int tries; /* earlier runs that failed */
    struct item *next;
    struct item *aprev, *anext; /* in pool.active while started and not finished */
} item;

struct pool {
    dctx *x;
    offsets_tracker *tracker;
    rd_kafka_t *rk;
    retry_gate *gate; /* only retry_gate_must_hop from the workers */
    char commands[256];
    pthread_mutex_t mu;
    pthread_cond_t work, room, idle;
    item *head, *tail;
    item *active; /* started by a worker, not finished (handled or awaiting acks) */
    size_t n, cap;
    size_t open; /* held and not finished: queued, being handled or awaiting event acks */
    int stop;
    int busy;    /* workers inside a handler */
};

/* pool.active, under p->mu. */
static void active_add(pool *p, item *it) {
    it->aprev = NULL;
    it->anext = p->active;
    if (p->active) p->active->aprev = it;
    p->active = it;
}

static void active_remove(pool *p, item *it) {
    if (it->aprev) it->aprev->anext = it->anext;
    else if (p->active == it) p->active = it->anext;
    if (it->anext) it->anext->aprev = it->aprev;
    it->aprev = it->anext = NULL;
}

/* The end of a message's handling, from a worker or from the producer's
 * report thread: its offset is done, or it goes back to the front of the
 * queue to be handled again (after a back-off in the worker). */
static void finished(void *arg, int ok) {
    item *it = arg;
    pool *p = it->p;
    if (ok) offsets_done(p->tracker, rd_kafka_topic_name(it->m->rkt), it->m->partition, it->m->offset);
    else metrics_counter_add("atsb_delivery_handler_retries_total", "", 1);
    pthread_mutex_lock(&p->mu);
    active_remove(p, it);
    p->open--;
    if (!ok && !p->stop && !shutdown_requested()) {
        it->tries++;
        it->next = p->head;
        p->head = it;
        if (!p->tail) p->tail = it;
        p->n++;
        p->open++;
        it = NULL;
        pthread_cond_signal(&p->work);
    }
    pthread_cond_signal(&p->room);
    if (p->open == 0) pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
    if (it) { /* done, or left for redelivery when stopping */
        rd_kafka_message_destroy(it->m);
        free(it);
    }
}

static void handle(pool *p, item *it) {
    if (it->tries) {
        shutdown_sleep_ms((long)backoff_step_ms(it->tries, 100, 5000));
        if (shutdown_requested()) {
            finished(it, 0); /* left for redelivery */
            return;
        }
    }
    int64_t now = events_now_ms();
    if (!strcmp(rd_kafka_topic_name(it->m->rkt), p->commands))
        finished(it, commands_handle(p->x, it->m) == 0);
    else if (retry_gate_must_hop(p->gate, it->m, now))
        finished(it, retry_hop(p->x->svc.producer, it->m, now) == 0);
    else
        deliver_handle(p->x, it->m, finished, it);
}

static void *worker(void *arg) {
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->head && !p->stop) pthread_cond_wait(&p->work, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        item *it = p->head;
        p->head = it->next;
        if (!p->head) p->tail = NULL;
        p->n--;
        p->busy++;
        active_add(p, it);
        pthread_cond_signal(&p->room);
        pthread_mutex_unlock(&p->mu);
        handle(p, it);
        pthread_mutex_lock(&p->mu);
        p->busy--;
        pthread_mutex_unlock(&p->mu);
    }
}

static void store_one(void *ctx, const char *topic, int32_t partition, int64_t next) {
    pool *p = ctx;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition)->offset = next;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(p->rk, l);
    if (e && e != RD_KAFKA_RESP_ERR__STATE) /* __STATE: partition no longer ours */
        log_warn("offset store failed", "reason", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
}

/* Room for one more message: the queue is not full, and neither is the
 * pool as a whole (queued, handled and awaiting acks: 3 x workers). */
static int has_room(const pool *p) { return p->n < p->cap && p->open < p->cap + (size_t)p->x->cfg.workers; }

/* Waits up to 100 ms for room. 1 when there is room. */
static int wait_room(pool *p) {
    pthread_mutex_lock(&p->mu);
    if (!has_room(p)) {
        struct timespec ts = cond_deadline_ms(100);
        pthread_cond_timedwait(&p->room, &p->mu, &ts);
    }
    int room = has_room(p);
    pthread_mutex_unlock(&p->mu);
    return room;
}

static int enqueue(pool *p, rd_kafka_message_t *m) {
    item *it = malloc(sizeof *it);
    if (!it) return -1;
    *it = (item){.m = m, .p = p};
    pthread_mutex_lock(&p->mu);
    if (p->tail) p->tail->next = it;
    else p->head = it;
    p->tail = it;
    p->n++;
    p->open++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* --- hand-over of revoked partitions --- */

static int is_revoked(const rd_kafka_topic_partition_list_t *parts, const rd_kafka_message_t *m) {
    for (int i = 0; i < parts->cnt; i++)
        if (parts->elems[i].partition == m->partition && !strcmp(parts->elems[i].topic, rd_kafka_topic_name(m->rkt)))
            return 1;
    return 0;
}

/* Takes the queued (not started) items of revoked partitions out of the
 * queue onto *dropped; under p->mu. Returns how many. */
static size_t drop_queued(pool *p, const rd_kafka_topic_partition_list_t *parts, item **dropped) {
    size_t n = 0;
    item *prev = NULL;
    for (item *it = p->head, *next; it; it = next) {
        next = it->next;
        if (!is_revoked(parts, it->m)) {
            prev = it;
            continue;
        }
        if (prev) prev->next = next;
        else p->head = next;
        if (p->tail == it) p->tail = prev;
        p->n--;
        p->open--;
        it->next = *dropped;
        *dropped = it;
        n++;
    }
    return n;
}

/* Started and not finished items of revoked partitions; under p->mu. */
static size_t active_on(const pool *p, const rd_kafka_topic_partition_list_t *parts) {
    size_t n = 0;
    for (const item *it = p->active; it; it = it->anext) n += is_revoked(parts, it->m);
    return n;
}

/* The revoke hook (kafka_consumer_on_revoke, on the poller thread): queued
 * messages of the revoked partitions are dropped (the next owner fetches
 * them); work already started on them may finish, up to cfg.handover_ms,
 * and its offsets are stored before the consumer commits and lets the
 * partitions go, so the next owner does not run it a second time. Work
 * still running at the bound is logged and left: its repeat is safe
 * (ledger), its offsets are not stored. Lost partitions are not waited for. */
static void hand_over(void *ctx, const rd_kafka_topic_partition_list_t *parts, int lost) {
    pool *p = ctx;
    item *dropped = NULL;
    size_t ndropped = 0, running;
    struct timespec deadline = cond_deadline_ms(p->x->cfg.handover_ms);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* Again after every wake-up: a failed run goes back to the queue. */
        ndropped += drop_queued(p, parts, &dropped);
        running = active_on(p, parts);
        /* finished() signals room, which only this (the poller) thread waits on. */
        if (!running || lost || pthread_cond_timedwait(&p->room, &p->mu, &deadline)) break;
    }
    running = active_on(p, parts);
    if (p->open == 0) pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
    for (item *next; dropped; dropped = next) {
        next = dropped->next;
        rd_kafka_message_destroy(dropped->m);
        free(dropped);
    }
    offsets_collect(p->tracker, store_one, p);
    for (int i = 0; i < parts->cnt; i++) offsets_forget(p->tracker, parts->elems[i].topic, parts->elems[i].partition);
    char d[24], r[24];
    snprintf(d, sizeof d, "%zu", ndropped);
    snprintf(r, sizeof r, "%zu", running);
    if (running && !lost)
        log_warn("hand-over bound reached: work on revoked partitions still running", "running", r, "dropped", d);
    else
        log_info("revoked partitions handed over", "dropped", d, "still_running", r);
    metrics_counter_add("atsb_delivery_handover_dropped_total", "", (double)ndropped);
    if (running && !lost) metrics_counter_add("atsb_delivery_handover_timeouts_total", "", 1);
}

int dispatcher_run(dctx *x) {
    static const char *const bases[] = {TOPIC_APPLICATIONS_RESOLVED, TOPIC_ATS_COMMANDS, TOPIC_APPLICATIONS_RETRY,
                                        TOPIC_APPLICATIONS_RETRY_TIERS};
    enum { NTOPICS = sizeof bases / sizeof bases[0] };
    char names[NTOPICS][256], err[512];
    const char *topics[NTOPICS];
    for (size_t i = 0; i < NTOPICS; i++) topics[i] = kafka_topic(bases[i], names[i], sizeof names[i]);
    pool p = {.x = x, .cap = (size_t)x->cfg.workers * 2};
    snprintf(p.commands, sizeof p.commands, "%s", names[1]);
    kafka_consumer *c = NULL;
    retry_gate *gate = p.gate = retry_gate_new();
    p.tracker = offsets_new();
    pthread_t *threads = calloc((size_t)x->cfg.workers, sizeof *threads);
    int started = 0, rc = -1;
    if (!gate || !p.tracker || !threads) {
        fprintf(stderr, "delivery: out of memory\n");
        goto out;
    }
    if (kafka_consumer_new("delivery", x->cfg.group, topics, NTOPICS, &c, err, sizeof err)) {
        fprintf(stderr, "delivery: consumer: %s\n", err);
        goto out;
    }
    p.rk = kafka_consumer_handle(c);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    cond_init_monotonic(&p.room); /* timed waits: wait_room, hand_over */
    pthread_cond_init(&p.idle, NULL);
    for (; started < x->cfg.workers; started++)
        if (pthread_create(&threads[started], NULL, worker, &p) != 0) break;
    if (started == 0) {
        fprintf(stderr, "delivery: cannot start worker threads\n");
        goto out;
    }
    kafka_consumer_on_revoke(c, hand_over, &p);
    log_info("delivery consuming");
    while (!shutdown_requested()) {
        int64_t now = events_now_ms();
        retry_gate_release(gate, p.rk, now);
        offsets_collect(p.tracker, store_one, &p);
        pthread_mutex_lock(&p.mu);
        metrics_gauge_set("atsb_delivery_queue_depth", "", (double)p.n);
        metrics_gauge_set("atsb_delivery_workers_busy", "", (double)p.busy);
        /* A worker still counts as busy for a moment after its message ended. */
        double acking = (double)p.open - (double)p.n - p.busy;
        metrics_gauge_set("atsb_delivery_awaiting_acks", "", acking > 0 ? acking : 0);
        pthread_mutex_unlock(&p.mu);
        if (!wait_room(&p)) continue;
        rd_kafka_message_t *m = kafka_consumer_poll(c, 100);
        if (!m) continue;
        if (retry_gate_check(gate, p.rk, m, now)) {
            rd_kafka_message_destroy(m);
            continue;
        }
        if (offsets_begin(p.tracker, rd_kafka_topic_name(m->rkt), m->partition, m->offset) || enqueue(&p, m)) {
            /* Untracked work could let a later offset be stored past it: stop instead. */
            log_error("out of memory dispatching a message: shutting down");
            rd_kafka_message_destroy(m);
            shutdown_request();
        }
    }
    rc = 0;
out:
    if (c) kafka_consumer_on_revoke(c, NULL, NULL); /* the pool goes away below */
    if (started) {
        pthread_mutex_lock(&p.mu);
        p.stop = 1;
        pthread_cond_broadcast(&p.work);
        pthread_mutex_unlock(&p.mu);
        for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
        pthread_mutex_lock(&p.mu);
        for (item *it = p.head, *next; it; it = next) { /* never started: redelivered to the next owner */
            next = it->next;
            rd_kafka_message_destroy(it->m);
            free(it);
            p.open--;
        }
        /* Handled messages whose events are still on their way: their
         * reports come within the producer's message timeout. */
        while (p.open > 0) pthread_cond_wait(&p.idle, &p.mu);
        pthread_mutex_unlock(&p.mu);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.work);
        pthread_cond_destroy(&p.room);
        pthread_cond_destroy(&p.idle);
    }
    if (c) {
        offsets_collect(p.tracker, store_one, &p);
        kafka_consumer_commit(c);
        kafka_consumer_destroy(c, 10000);
    }
    free(threads);
    retry_gate_free(gate);
    offsets_free(p.tracker);
    return rc;
}
