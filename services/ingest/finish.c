#include "finish.h"

#include "log.h"
#include "metrics.h"
#include "pg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 2

typedef struct job {
    struct job *next;
    http_deferred *reply;
    PGconn *c;
    http_response ok;
    const char *kind;
    rd_kafka_resp_err_t err;
    finisher *f;
} job;

struct finisher {
    const ingest_ctx *ctx;
    pthread_mutex_t mu;
    pthread_cond_t ready;
    job *head, *tail;
    int stop;
    int pending, pending_max;
    int nthreads;
    pthread_t threads[THREADS];
};

/* The produce batch's last report (on the thread that delivers reports):
 * queued for a finisher thread, since a COMMIT must not hold that thread. */
static void acked(void *arg, rd_kafka_resp_err_t err) {
    job *j = arg;
    finisher *f = j->f;
    j->err = err;
    pthread_mutex_lock(&f->mu);
    if (f->tail) f->tail->next = j;
    else f->head = j;
    f->tail = j;
    pthread_cond_signal(&f->ready);
    pthread_mutex_unlock(&f->mu);
}

static void finish(finisher *f, job *j) {
    http_response resp;
    memset(&resp, 0, sizeof resp);
    http_response *answer = &j->ok;
    if (j->err) {
        log_warn("produce refused: answered 503", "kind", j->kind, "reason", rd_kafka_err2str(j->err));
        ingest_unavailable(f->ctx, &resp, "message broker");
        answer = &resp;
    } else if (pg_run(j->c, "COMMIT", 0, NULL)) {
        ingest_unavailable(f->ctx, &resp, "database");
        answer = &resp;
    }
    pg_pool_release(f->ctx->svc->db, j->c); /* rolls back what was not committed */
    http_deferred_answer(j->reply, answer); /* takes its body */
    finisher_release(f);
    free(j->ok.body);
    free(resp.body);
}

static void *run(void *arg) {
    finisher *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->head && !f->stop) pthread_cond_wait(&f->ready, &f->mu);
        job *j = f->head;
        if (!j) break; /* stopping, and nothing is queued */
        f->head = j->next;
        if (!f->head) f->tail = NULL;
        pthread_mutex_unlock(&f->mu);
        finish(f, j);
        free(j);
        pthread_mutex_lock(&f->mu);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

finisher *finisher_start(const ingest_ctx *ctx) {
    finisher *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->ctx = ctx;
    f->pending_max = ctx->cfg.pending_max;
    metrics_gauge_set("atsb_ingest_pending", "", 0);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->ready, NULL);
    for (; f->nthreads < THREADS; f->nthreads++)
        if (pthread_create(&f->threads[f->nthreads], NULL, run, f)) break;
    if (f->nthreads == 0) {
        finisher_stop(f);
        return NULL;
    }
    return f;
}

void finisher_stop(finisher *f) {
    if (!f) return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_cond_broadcast(&f->ready);
    pthread_mutex_unlock(&f->mu);
    for (int i = 0; i < f->nthreads; i++) pthread_join(f->threads[i], NULL);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->ready);
    free(f);
}

int finisher_reserve(finisher *f) {
    pthread_mutex_lock(&f->mu);
    int ok = f->pending < f->pending_max;
    if (ok) metrics_gauge_set("atsb_ingest_pending", "", ++f->pending);
    pthread_mutex_unlock(&f->mu);
    return ok ? 0 : -1;
}

void finisher_release(finisher *f) {
    pthread_mutex_lock(&f->mu);
    metrics_gauge_set("atsb_ingest_pending", "", --f->pending);
    pthread_mutex_unlock(&f->mu);
}

void finisher_submit(finisher *f, const http_request *req, PGconn *c, produce_batch *b, const char *kind,
                     http_response *ok) {
    job local, *j = calloc(1, sizeof *j);
    if (!j) { /* out of memory: wait on this worker instead */
        memset(&local, 0, sizeof local);
        j = &local;
    }
    j->reply = http_defer(req);
    j->c = c;
    j->ok = *ok;
    memset(ok, 0, sizeof *ok);
    j->kind = kind;
    j->f = f;
    if (j != &local) {
        produce_batch_then(b, kind, acked, j);
        return;
    }
    j->err = produce_batch_wait(b, kind);
    free(b);
    finish(f, j);
}
