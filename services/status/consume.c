#include "consume.h"

#include "events.h"
#include "kafka_conf.h"
#include "log.h"
#include "metrics.h"
#include "pg.h"
#include "state.h"
#include "text.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* Indexed columns must stay far below PostgreSQL's btree row limit, and a
 * value the database refuses would otherwise block the partition. */
#define MAX_ID 256
#define MAX_TEXT 4096
#define MAX_AT_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

void consume_ctx_init(consume_ctx *ctx, status_app *app) {
    ctx->app = app;
    proj_batch_init(&ctx->batch);
    ctx->batch.producer = app->svc.producer;
}

void consume_ctx_free(consume_ctx *ctx) { proj_batch_free(&ctx->batch); }

/* 1 when s is valid UTF-8 of at most max bytes. */
static int text_ok(const char *s, size_t max) { return !s || (strlen(s) <= max && utf8_str_valid(s)); }

static int at_ok(int64_t ms) { return ms >= 0 && ms <= MAX_AT_MS; }

static int event_ok(const Atsbridge__V1__ApplicationEvent *e) {
    return e->event_id && *e->event_id && e->type && *e->type && text_ok(e->event_id, MAX_ID) &&
           text_ok(e->application_id, MAX_ID) && text_ok(e->account_id, MAX_ID) &&
           text_ok(e->type, MAX_ID) && text_ok(e->service, MAX_ID) && at_ok(e->at_ms) &&
           text_ok(e->detail, MAX_TEXT) && text_ok(e->ats_candidate_id, MAX_ID) &&
           text_ok(e->error_code, MAX_ID) && text_ok(e->board, MAX_ID) &&
           text_ok(e->posting_id, MAX_ID) && text_ok(e->export_task_id, MAX_ID) &&
           text_ok(e->ats, MAX_ID) && text_ok(e->subject_id, MAX_ID) && text_ok(e->state, MAX_ID) &&
           text_ok(e->name, MAX_TEXT) && e->count >= 0;
}

static int webhook_ok(const Atsbridge__V1__AtsWebhook *w) {
    return w->webhook_id && *w->webhook_id && text_ok(w->webhook_id, MAX_ID) &&
           text_ok(w->account_id, MAX_ID) && text_ok(w->ats, MAX_ID) && text_ok(w->event, MAX_ID) &&
           at_ok(w->triggered_at_ms) && text_ok(w->opportunity_id, MAX_ID) &&
           text_ok(w->contact_id, MAX_ID) && text_ok(w->from_stage_id, MAX_ID) &&
           text_ok(w->to_stage_id, MAX_ID) && text_ok(w->to_stage_name, MAX_TEXT) &&
           text_ok(w->posting_id, MAX_ID);
}

static int check_ok(const Atsbridge__V1__BackgroundCheckUpdate *u) {
    return u->update_id && *u->update_id && u->check_id && *u->check_id &&
           state_check_name((int)u->status) && text_ok(u->update_id, MAX_ID) &&
           text_ok(u->check_id, MAX_ID) && text_ok(u->order_id, MAX_ID) &&
           text_ok(u->score, MAX_ID) && text_ok(u->report_url, MAX_TEXT) &&
           text_ok(u->reason, MAX_TEXT) && at_ok(u->occurred_at_ms) && text_ok(u->account_id, MAX_ID);
}

static void poison(consume_decoded *d, const char *code, const char *message) {
    d->kind = CD_POISON;
    d->code = code;
    d->message = message;
}

void consume_decode(const char *schema, const uint8_t *p, size_t len, consume_decoded *d) {
    memset(d, 0, sizeof *d);
    if (!schema) schema = "";
    if (!strcmp(schema, EVENT_SCHEMA)) {
        d->u.ev = atsbridge__v1__application_event__unpack(NULL, len, p);
        if (!d->u.ev) {
            poison(d, "undecodable", "payload is not a valid ApplicationEvent");
            return;
        }
        d->kind = d->decoded_as = CD_EVENT;
        if (!event_ok(d->u.ev)) poison(d, "invalid_message", "missing or invalid ApplicationEvent field");
    } else if (!strcmp(schema, SCHEMA_WEBHOOK)) {
        d->u.wh = atsbridge__v1__ats_webhook__unpack(NULL, len, p);
        if (!d->u.wh) {
            poison(d, "undecodable", "payload is not a valid AtsWebhook");
            return;
        }
        d->kind = d->decoded_as = CD_WEBHOOK;
        if (!webhook_ok(d->u.wh)) poison(d, "invalid_message", "missing or invalid AtsWebhook field");
    } else if (!strcmp(schema, SCHEMA_CHECK_UPDATE)) {
        d->u.ck = atsbridge__v1__background_check_update__unpack(NULL, len, p);
        if (!d->u.ck) {
            poison(d, "undecodable", "payload is not a valid BackgroundCheckUpdate");
            return;
        }
        d->kind = d->decoded_as = CD_CHECK;
        if (!check_ok(d->u.ck))
            poison(d, "invalid_message", "missing or invalid BackgroundCheckUpdate field");
    } else {
        poison(d, "unknown_schema", "schema not handled by status");
    }
}

void consume_decoded_free(consume_decoded *d) {
    if (d->decoded_as == CD_EVENT) atsbridge__v1__application_event__free_unpacked(d->u.ev, NULL);
    else if (d->decoded_as == CD_WEBHOOK) atsbridge__v1__ats_webhook__free_unpacked(d->u.wh, NULL);
    else if (d->decoded_as == CD_CHECK)
        atsbridge__v1__background_check_update__free_unpacked(d->u.ck, NULL);
    d->decoded_as = CD_POISON;
}

void consume_decoded_add(proj_batch *b, const consume_decoded *d) {
    if (d->kind == CD_EVENT) proj_add_event(b, d->u.ev);
    else if (d->kind == CD_WEBHOOK) proj_add_webhook(b, d->u.wh);
    else if (d->kind == CD_CHECK) proj_add_check(b, d->u.ck);
}

/* Applies the valid messages of the batch; on PROJ_DATA falls back to one
 * transaction per message and poisons those the database refuses. Returns
 * 0, or -1 for a transient failure (nothing to store). */
static int apply(consume_ctx *ctx, PGconn *c, consume_decoded *ds, size_t n, long long *stored) {
    proj_batch *b = &ctx->batch;
    proj_batch_reset(b);
    for (size_t i = 0; i < n; i++) consume_decoded_add(b, &ds[i]);
    if (b->nevents + b->nwebhooks + b->nchecks == 0) return 0;
    proj_result r = proj_apply(c, b);
    if (r == PROJ_OK) {
        *stored += b->stored;
        return 0;
    }
    if (r == PROJ_TRANSIENT) return -1;
    log_warn("batch refused by the database; applying one message at a time");
    for (size_t i = 0; i < n; i++) {
        if (ds[i].kind == CD_POISON) continue;
        proj_batch_reset(b);
        consume_decoded_add(b, &ds[i]);
        r = proj_apply(c, b);
        if (r == PROJ_TRANSIENT) return -1;
        if (r == PROJ_DATA) poison(&ds[i], "rejected_by_database", "a value was refused by PostgreSQL");
        else *stored += b->stored;
    }
    return 0;
}

static double elapsed_s(const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

loop_result consume_batch(void *vctx, rd_kafka_message_t **msgs, size_t n) {
    consume_ctx *ctx = vctx;
    loop_result res = LOOP_RETRY;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    PGconn *c = NULL;
    long long stored = 0;
    consume_decoded *ds = calloc(n, sizeof *ds);
    if (!ds) goto cleanup;
    for (size_t i = 0; i < n; i++) {
        char schema[160];
        consume_decode(kafka_header(msgs[i], HDR_SCHEMA, schema, sizeof schema), msgs[i]->payload,
                       msgs[i]->len, &ds[i]);
    }

    c = pg_pool_acquire(ctx->app->svc.db);
    if (!c) goto cleanup;
    if (apply(ctx, c, ds, n, &stored)) goto cleanup;
    pg_pool_release(ctx->app->svc.db, c);
    c = NULL;

    /* After the commit: a failed dead-letter send retries the whole batch,
     * which the database absorbs (everything above is idempotent). */
    for (size_t i = 0; i < n; i++)
        if (ds[i].kind == CD_POISON &&
            consume_deadletter(ctx->app->svc.producer, msgs[i], ds[i].code, ds[i].message))
            goto cleanup;

    char num[32];
    metrics_counter_add("atsb_status_events_stored_total", "", (double)stored);
    metrics_gauge_set("atsb_status_last_batch_size", "", (double)n);
    metrics_observe("atsb_status_batch_seconds", "", elapsed_s(&t0));
    snprintf(num, sizeof num, "%zu", n);
    log_debug("batch stored", "messages", num);
    res = LOOP_DONE;
cleanup:
    if (c) pg_pool_release(ctx->app->svc.db, c);
    if (res != LOOP_DONE) metrics_counter_add("atsb_status_batch_failures_total", "", 1);
    for (size_t i = 0; ds && i < n; i++) consume_decoded_free(&ds[i]);
    free(ds);
    return res;
}
