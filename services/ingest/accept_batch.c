#include "accept_batch.h"

#include "cond_clock.h"
#include "data_keys.h"
#include "documents.h"
#include "log.h"
#include "metrics.h"
#include "personal.h"
#include "pg.h"
#include "pgarr.h"
#include "produce_batch.h"
#include "received.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) ((x) ? (x) : "")

struct accept_batcher {
    const ingest_ctx *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job was queued, or the committers must stop */
    accept_job *head, *tail;
    size_t queued;
    int stopping;
    pthread_t *threads;
    int nthreads;
};

/* Where a job of the batch stands. PENDING: not decided yet. */
typedef enum {
    R_PENDING,
    R_NEW,
    R_SAME,
    R_CONFLICT,
    R_ERASED,
    R_TOO_LARGE,
    R_DB_DOWN,
    R_KAFKA_DOWN,
} result;

/* One batch on a committer: jobs sorted by application id (so concurrent
 * batches take their idempotency rows in one order and never deadlock),
 * each job's result, data key and, once produced, its messages' fate. */
typedef struct {
    const ingest_ctx *ctx;
    PGconn *c;
    accept_job **jobs;
    size_t n;
    result *res;
    uint8_t *keys;     /* n * DATA_KEY_BYTES */
    int *produced;     /* Kafka has the job's messages */
    produce_batch *pb; /* one per job, so each learns its own delivery report */
} batch;

static void answer_id(const ingest_ctx *ctx, http_response *resp, int status, const char *app_id) {
    char url[512];
    snprintf(url, sizeof url, "%s/v1/applications/%s", ctx->cfg.status_url_base, app_id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "application_id", json_object_new_string(app_id));
    json_object_object_add(o, "status_url", json_object_new_string(url));
    http_json(resp, status, o);
}

/* Answers j's request with r and frees j. */
static void answer(const ingest_ctx *ctx, accept_job *j, result r) {
    http_response resp = {0};
    switch (r) {
    case R_NEW:
        metrics_counter_add("atsb_ingest_bytes_total", "route=\"applications\"", (double)j->body_len);
        metrics_counter_add("atsb_ingest_applications_total", "source=\"board\"", 1);
        log_event(LOG_INFO, j->trace, "application accepted", "application_id", j->app_id, "board", j->app.board,
                  (const char *)NULL);
        answer_id(ctx, &resp, 202, j->app_id);
        break;
    case R_SAME:
        log_event(LOG_INFO, j->trace, "application resent", "application_id", j->app_id, (const char *)NULL);
        answer_id(ctx, &resp, 200, j->app_id);
        break;
    case R_CONFLICT:
        http_error(&resp, 409, "conflict", "This board_application_id was already submitted with a different body.");
        break;
    case R_ERASED:
        log_event(LOG_INFO, j->trace, "erased application submitted again", "application_id", j->app_id,
                  (const char *)NULL);
        http_error(&resp, 410, "erased", "This application was erased; it cannot be submitted again.");
        break;
    case R_TOO_LARGE:
        http_error(&resp, 413, "payload_too_large",
                   "The application is larger than the message broker accepts; nothing was stored.");
        break;
    case R_KAFKA_DOWN:
        ingest_unavailable(ctx, &resp, "message broker");
        break;
    case R_PENDING:
    case R_DB_DOWN:
        ingest_unavailable(ctx, &resp, "database");
        break;
    }
    app_application_free(&j->app);
    http_deferred_answer(j->reply, &resp);
    free(j);
}

/* Sets every job still PENDING to r. */
static void settle(batch *b, result r) {
    for (size_t i = 0; i < b->n; i++)
        if (b->res[i] == R_PENDING) b->res[i] = r;
}

static int by_app_id(const void *x, const void *y) {
    return strcmp((*(accept_job *const *)x)->app_id, (*(accept_job *const *)y)->app_id);
}

static int id_vs_job(const void *id, const void *job) { return strcmp(id, (*(accept_job *const *)job)->app_id); }

/* The index of the job with app_id (the jobs are sorted by it), or -1. */
static long job_index(const batch *b, const char *app_id) {
    accept_job **hit = bsearch(app_id, b->jobs, b->n, sizeof *b->jobs, id_vs_job);
    return hit ? hit - b->jobs : -1;
}

/* Inserts the idempotency rows of the PENDING jobs; claimed[i] = 1 for
 * those this transaction inserted, the others get SAME or CONFLICT from
 * the stored body hash. 0, or -1 on a database error. */
static int claim(batch *b, int *claimed) {
    pgarr boards, ids, apps, hashes;
    pgarr_init(&boards);
    pgarr_init(&ids);
    pgarr_init(&apps);
    pgarr_init(&hashes);
    PGresult *r = NULL;
    int rc = -1;
    for (size_t i = 0; i < b->n; i++) {
        if (b->res[i] != R_PENDING) continue;
        const accept_job *j = b->jobs[i];
        pgarr_add(&boards, j->app.board, 0);
        pgarr_add(&ids, j->app.board_application_id, 0);
        pgarr_add(&apps, j->app_id, 0);
        pgarr_add(&hashes, j->body_hash, 0);
    }
    const char *p[] = {pgarr_text(&apps), pgarr_text(&hashes), pgarr_text(&boards), pgarr_text(&ids)};
    if (!p[0] || !p[1] || !p[2] || !p[3]) goto cleanup;
    r = pg_exec(b->c,
                "INSERT INTO ingest.idempotency_keys (application_id, body_sha256, board, board_application_id)"
                " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])"
                " ON CONFLICT (board, board_application_id) DO NOTHING RETURNING application_id",
                4, p);
    if (!pg_ok(r)) goto cleanup;
    for (int row = 0; row < PQntuples(r); row++) {
        long i = job_index(b, PQgetvalue(r, row, 0));
        if (i >= 0) claimed[i] = 1;
    }
    if ((size_t)PQntuples(r) == apps.n) {
        rc = 0;
        goto cleanup;
    }
    PQclear(r);
    /* Submitted before: the stored hash tells a resend from another body.
     * (A subquery per id: one index probe each.) */
    r = pg_exec(b->c,
                "SELECT u.a, (SELECT k.body_sha256 FROM ingest.idempotency_keys k"
                " WHERE k.board = u.b AND k.board_application_id = u.i)"
                " FROM unnest($1::text[], $2::text[], $3::text[]) AS u(a, b, i)",
                3, (const char *[]){p[0], p[2], p[3]});
    if (!pg_ok(r)) goto cleanup;
    for (int row = 0; row < PQntuples(r); row++) {
        long i = job_index(b, PQgetvalue(r, row, 0));
        if (i < 0 || claimed[i] || b->res[i] != R_PENDING || PQgetisnull(r, row, 1)) continue;
        b->res[i] = strcmp(PQgetvalue(r, row, 1), b->jobs[i]->body_hash) == 0 ? R_SAME : R_CONFLICT;
    }
    rc = 0;
cleanup:
    PQclear(r);
    pgarr_free(&boards);
    pgarr_free(&ids);
    pgarr_free(&apps);
    pgarr_free(&hashes);
    return rc;
}

/* Stores job i's documents inside the transaction. 0 or -1. */
static int store_documents(batch *b, size_t i) {
    const accept_job *j = b->jobs[i];
    for (size_t k = 0; k < j->app.documents.n; k++) {
        const app_document *d = &j->app.documents.v[k];
        if (documents_store(b->c, j->app_id, d->sha256, d->content_type, d->data, d->len)) return -1;
    }
    return 0;
}

/* Produces job i's ApplicationReceived (personal fields sealed with its
 * data key) and its `received` event into b->pb[i], without waiting. 0, or
 * -1 when out of memory. */
static int produce(batch *b, size_t i) {
    const accept_job *j = b->jobs[i];
    const app_application *a = &j->app;
    received_msg m = {0};
    uint8_t *sealed_blob = NULL;
    int rc = -1;
    if (received_init(&m, &a->candidate, &a->documents) || received_set_answers(&m, a)) goto cleanup;
    m.msg.application_id = (char *)j->app_id;
    m.msg.board = a->board;
    m.msg.board_application_id = a->board_application_id;
    m.msg.account_id = a->account_id;
    m.msg.posting_id = (char *)S(a->posting_id);
    atsbridge__v1__consent__init(&m.consent);
    m.consent.privacy_policy_accepted = a->privacy_policy_accepted;
    m.consent.accepted_at_ms = a->accepted_at_ms;
    m.msg.consent = &m.consent;
    m.msg.body_sha256 = (char *)j->body_hash;
    Atsbridge__V1__ApplicationReceived sealed; /* what goes on the wire: personal fields sealed */
    if (personal_seal_received(&m.msg, b->keys + i * DATA_KEY_BYTES, &sealed, &sealed_blob)) goto cleanup;

    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = (char *)j->app_id;
    ev.account_id = a->account_id;
    ev.type = "received";
    ev.state = "received";
    ev.board = a->board;
    ev.posting_id = (char *)S(a->posting_id);
    produce_batch_proto(&b->pb[i], b->ctx->topic_received, j->app_id, SCHEMA_RECEIVED, &sealed.base, j->trace);
    produce_batch_event(&b->pb[i], &ev, NULL, j->trace);
    rc = 0;
cleanup:
    free(sealed_blob);
    received_free(&m);
    return rc;
}

/* Produces the messages of the claimed jobs not produced yet and waits for
 * every delivery report. A job Kafka refused gets KAFKA_DOWN (TOO_LARGE
 * when its message was too large); the others are marked produced. Returns
 * the number refused. */
static size_t produce_claimed(batch *b, const int *claimed) {
    size_t refused = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!claimed[i] || b->produced[i]) continue;
        produce_batch_init(&b->pb[i], b->ctx->svc->producer, "ingest");
        if (produce(b, i)) b->res[i] = R_KAFKA_DOWN; /* its batch is still waited for, then released */
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!claimed[i] || b->produced[i]) continue;
        rd_kafka_resp_err_t err = produce_batch_wait(&b->pb[i], "application");
        if (b->res[i] == R_PENDING && err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            b->produced[i] = 1;
            continue;
        }
        if (b->res[i] == R_PENDING)
            b->res[i] = err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? R_TOO_LARGE : R_KAFKA_DOWN;
        refused++;
    }
    return refused;
}

/* One transaction for the PENDING jobs: the idempotency rows, the new
 * jobs' documents, their messages (those not produced yet) and the commit
 * after every acknowledgement. Returns 1 when some messages were refused
 * while others were taken: the transaction was rolled back, the refused
 * jobs are decided and the rest are PENDING again, to be stored without
 * producing. Otherwise 0, every job decided. */
static int store(batch *b) {
    int *claimed = calloc(b->n, sizeof *claimed);
    int again = 0;
    if (!claimed || pg_run(b->c, "BEGIN", 0, NULL) || claim(b, claimed)) goto cleanup;
    size_t nclaimed = 0, to_produce = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!claimed[i]) continue;
        nclaimed++;
        to_produce += !b->produced[i];
        if (store_documents(b, i)) goto cleanup;
    }
    if (to_produce) {
        size_t refused = produce_claimed(b, claimed);
        if (refused) {
            /* Kafka took the others: they are stored again without them. */
            char counts[48];
            snprintf(counts, sizeof counts, "%zu of %zu", refused, nclaimed);
            log_warn("Kafka refused applications of a batch (answered 503, or 413 when too large);"
                     " any others are stored without them",
                     "refused", counts);
            pg_run(b->c, "ROLLBACK", 0, NULL);
            again = refused < nclaimed;
            goto cleanup;
        }
    }
    /* Kafka has every message. Should the commit fail now, the board's
     * retry produces the same application id again, which consumers
     * deduplicate. */
    if (pg_run(b->c, "COMMIT", 0, NULL)) goto cleanup;
    for (size_t i = 0; i < b->n; i++)
        if (claimed[i]) b->res[i] = R_NEW;
cleanup:
    if (!again) settle(b, R_DB_DOWN);
    free(claimed);
    return again;
}

/* Stores the n jobs of one batch and answers each. */
static void run_batch(const ingest_ctx *ctx, accept_job **jobs, size_t n) {
    qsort(jobs, n, sizeof *jobs, by_app_id);
    batch b = {.ctx = ctx, .jobs = jobs, .n = n};
    b.res = calloc(n, sizeof *b.res);
    b.keys = calloc(n, DATA_KEY_BYTES);
    b.produced = calloc(n, sizeof *b.produced);
    b.pb = calloc(n, sizeof *b.pb);
    data_key_status *ks = calloc(n, sizeof *ks);
    const char **subjects = calloc(n, sizeof *subjects);
    b.c = pg_pool_acquire(ctx->svc->db);
    if (!b.res || !b.keys || !b.produced || !b.pb || !ks || !subjects || !b.c) goto answer;
    /* The data keys first, committed on their own (data_keys.h): an erased
     * application's tombstone refuses it, with nothing stored. */
    for (size_t i = 0; i < n; i++) subjects[i] = jobs[i]->app_id;
    data_keys_get(b.c, n, subjects, 1, b.keys, ks);
    for (size_t i = 0; i < n; i++)
        if (ks[i] != DATA_KEY_OK) b.res[i] = ks[i] == DATA_KEY_ERASED ? R_ERASED : R_DB_DOWN;
    while (store(&b)) {
    }
    metrics_counter_add("atsb_ingest_accept_batches_total", "", 1);
    metrics_counter_add("atsb_ingest_accept_batched_total", "", (double)n);
answer:
    pg_pool_release(ctx->svc->db, b.c);
    for (size_t i = 0; i < n; i++) answer(ctx, jobs[i], b.res ? b.res[i] : R_DB_DOWN);
    if (b.keys) sodium_memzero(b.keys, n * DATA_KEY_BYTES);
    free(b.keys);
    free(b.res);
    free(b.produced);
    free(b.pb);
    free(ks);
    free(subjects);
}

/* Takes up to max queued jobs into out, leaving in the queue (in order) any
 * whose application id is already taken: they wait for the next batch, so
 * one transaction never claims the same row twice. Returns the count.
 * Called with b->mu held. */
static size_t take(accept_batcher *b, accept_job **out, size_t max) {
    size_t n = 0;
    accept_job *j = b->head, *rest = NULL, **rest_end = &rest, *last = NULL;
    for (; j && n < max; j = j->next) {
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++) dup = !strcmp(out[k]->app_id, j->app_id);
        if (!dup) {
            out[n++] = j;
            continue;
        }
        *rest_end = last = j;
        rest_end = &j->next;
    }
    *rest_end = j; /* what the batch had no room for, in order */
    if (j) last = b->tail;
    b->head = rest;
    b->tail = last;
    b->queued -= n;
    return n;
}

/* With ATSB_INGEST_BATCH_LINGER_MS, waits that long after a job arrived for
 * more to join its batch (fewer, larger batches at low load, at the cost
 * of that latency), unless max are queued first. Called with b->mu held. */
static void linger(accept_batcher *b, size_t max) {
    int ms = b->ctx->cfg.batch_linger_ms;
    if (ms <= 0) return;
    struct timespec until = cond_deadline_ms(ms);
    while (b->queued < max && !b->stopping && pthread_cond_timedwait(&b->cv, &b->mu, &until) == 0) {
    }
}

static void *committer_main(void *arg) {
    accept_batcher *b = arg;
    size_t max = (size_t)b->ctx->cfg.batch_max;
    accept_job *one, **jobs = calloc(max, sizeof *jobs);
    if (!jobs) { /* out of memory: batches of one */
        jobs = &one;
        max = 1;
    }
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stopping) pthread_cond_wait(&b->cv, &b->mu);
        if (!b->head) break;
        linger(b, max);
        size_t n = take(b, jobs, max);
        if (b->head) pthread_cond_signal(&b->cv); /* more for another committer */
        pthread_mutex_unlock(&b->mu);
        run_batch(b->ctx, jobs, n);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    if (jobs != &one) free(jobs);
    return NULL;
}

void accept_batcher_submit(accept_batcher *b, accept_job *job) {
    job->next = NULL;
    pthread_mutex_lock(&b->mu);
    if (b->stopping) {
        pthread_mutex_unlock(&b->mu);
        answer(b->ctx, job, R_DB_DOWN);
        return;
    }
    if (b->tail)
        b->tail->next = job;
    else
        b->head = job;
    b->tail = job;
    b->queued++;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

accept_batcher *accept_batcher_start(const ingest_ctx *ctx) {
    accept_batcher *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->ctx = ctx;
    pthread_mutex_init(&b->mu, NULL);
    cond_init_monotonic(&b->cv);
    b->threads = calloc((size_t)ctx->cfg.committers, sizeof *b->threads);
    if (!b->threads) goto fail;
    for (; b->nthreads < ctx->cfg.committers; b->nthreads++)
        if (pthread_create(&b->threads[b->nthreads], NULL, committer_main, b) != 0) goto fail;
    return b;
fail:
    log_error("cannot start the ingest committers");
    accept_batcher_stop(b);
    return NULL;
}

void accept_batcher_stop(accept_batcher *b) {
    if (!b) return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    for (int i = 0; i < b->nthreads; i++) pthread_join(b->threads[i], NULL);
    free(b->threads);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cv);
    free(b);
}
