#include "held.h"

#include "accounts.h"
#include "atsbridge/v1/events.pb-c.h"
#include "event_peek.h"
#include "events.h"
#include "produce_batch.h"
#include "log.h"
#include "metrics.h"

#include "shutdown.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t release_mu = PTHREAD_MUTEX_INITIALIZER;

#define BATCH "100"

static int delete_row(PGconn *c, const char *id) {
    const char *p[] = {id};
    return pg_run(c, "DELETE FROM questions.held WHERE application_id = $1", 1, p);
}

int held_release(qr_ctx *ctx, const char *account) {
    pthread_mutex_lock(&release_mu);
    int decided = 0, rc = -1, nrows = 0;
    PGresult *r = NULL;
    char *test_mode = NULL;
    qr_decision *dec = NULL;
    PGconn *c = pg_pool_acquire(ctx->db);
    if (!c) goto done;
    /* 'test_mode' rows wait while their account is in test mode. */
    test_mode = accounts_in_test_mode(c, account);
    if (!test_mode) goto done;
    const char *p[] = {account ? account : "", test_mode};
    r = pg_exec(c,
                "SELECT application_id, payload, coalesce(trace_id, '') FROM questions.held h"
                " WHERE ($1 = '' OR h.account_id = $1)"
                " AND (h.reason <> 'test_mode' OR h.account_id <> ALL ($2::text[]))"
                " AND (h.reason <> 'connection' OR h.last_attempt_at IS NULL"
                "      OR h.last_attempt_at < now() - interval '60 seconds')"
                " ORDER BY h.held_at LIMIT " BATCH,
                2, p);
    if (!pg_ok(r)) goto done;
    nrows = PQntuples(r);
    dec = calloc((size_t)nrows + 1, sizeof *dec);
    if (!dec) goto done;
    /* Decide every row into one produce batch; a row leaves questions.held
     * only after the broker has its decision. */
    qr_batch b;
    qr_batch_begin(&b, ctx);
    int n = 0;
    rc = 0;
    for (; n < nrows; n++) {
        size_t len = 0;
        unsigned char *payload = PQunescapeBytea((const unsigned char *)PQgetvalue(r, n, 1), &len);
        if (!payload) break;
        const char *trace = PQgetvalue(r, n, 2);
        int x = questions_resolve(ctx, &b, payload, len, *trace ? trace : NULL, 1, &dec[n]);
        PQfreemem(payload);
        if (x == QR_UNDECODABLE || x == QR_SEALED_INVALID || x == QR_INVALID) {
            /* Cannot happen for rows we wrote; never keep retrying one. */
            log_error("held application undecodable, dropped from held", "application_id", PQgetvalue(r, n, 0));
            dec[n] = QR_REJECTED;
        } else if (x != 0) {
            break;
        }
    }
    if (n < nrows) rc = -1;
    if (qr_batch_end(&b, "held")) {
        rc = -1;
        goto done;
    }
    for (int i = 0; i < n; i++) {
        const char *id = PQgetvalue(r, i, 0);
        if (dec[i] != QR_HELD) {
            if (delete_row(c, id)) {
                rc = -1;
                break;
            }
            log_event(LOG_INFO, PQgetvalue(r, i, 2), "held application released", "application_id", id,
                      "decision", qr_decision_name(dec[i]), (const char *)NULL);
        }
        decided++;
    }
done:
    free(dec);
    free(test_mode);
    PQclear(r);
    if (c) pg_pool_release(ctx->db, c);
    pthread_mutex_unlock(&release_mu);
    return rc < 0 ? -1 : decided;
}

/* status produces go_live before it commits the account's new run mode
 * (docs/status.md: produced, then committed, so a broker failure changes nothing),
 * so the event can arrive while status.accounts still says "test" and the
 * release would find nothing releasable. Waits up to GO_LIVE_WAIT_MS for the
 * commit. Returns 1 when the account is out of test mode, 0 when it is not
 * (the change was rolled back, or is slower than the wait: the sweep
 * releases later), -1 on a database error. */
#define GO_LIVE_WAIT_MS 15000
static int wait_out_of_test_mode(qr_ctx *ctx, const char *account) {
    for (int waited = 0;; waited += 100) {
        PGconn *c = pg_pool_acquire(ctx->db);
        if (!c) return -1;
        int rc = accounts_out_of_test_mode(c, account);
        pg_pool_release(ctx->db, c);
        if (rc != 0 || waited >= GO_LIVE_WAIT_MS || shutdown_requested()) return rc;
        usleep(100 * 1000);
    }
}

loop_result held_events_batch(void *vctx, rd_kafka_message_t **msgs, size_t n) {
    qr_ctx *ctx = vctx;
    for (size_t i = 0; i < n; i++) {
        if (!consume_schema_is(msgs[i], EVENT_SCHEMA)) continue; /* not ours to judge */
        if (!event_type_is(msgs[i]->payload, msgs[i]->len, "go_live")) continue;
        Atsbridge__V1__ApplicationEvent *ev =
            atsbridge__v1__application_event__unpack(NULL, msgs[i]->len, msgs[i]->payload);
        if (!ev) continue;
        int go_live = ev->type && !strcmp(ev->type, "go_live") && ev->account_id && *ev->account_id;
        int rc = 0;
        if (go_live) {
            log_info("go_live: releasing held applications", "account_id", ev->account_id);
            int live = wait_out_of_test_mode(ctx, ev->account_id);
            if (live == 0)
                log_warn("go_live: account still in test mode, left to the sweep", "account_id", ev->account_id);
            /* Loop until this account has nothing releasable left. */
            int k = live;
            while (live > 0 && (k = held_release(ctx, ev->account_id)) > 0) {
            }
            rc = k;
        }
        atsbridge__v1__application_event__free_unpacked(ev, NULL);
        if (rc < 0) return LOOP_RETRY;
    }
    return LOOP_DONE;
}

int held_erase(void *ctx, PGconn *c, const char *application_id, const char *account_id) {
    (void)ctx;
    (void)account_id;
    return delete_row(c, application_id);
}

long held_count(qr_ctx *ctx) {
    PGconn *c = pg_pool_acquire(ctx->db);
    if (!c) return -1;
    PGresult *r = pg_exec(c, "SELECT count(*) FROM questions.held", 0, NULL);
    long n = pg_ok(r) ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    pg_pool_release(ctx->db, c);
    return n;
}

int held_expire(qr_ctx *ctx, int days) {
    char d[16];
    snprintf(d, sizeof d, "%d", days);
    const char *p[] = {d};
    PGconn *c = pg_pool_acquire(ctx->db);
    if (!c) return -1;
    PGresult *r = pg_exec(c,
                          "SELECT application_id, account_id FROM questions.held"
                          " WHERE held_at < now() - $1::int * interval '1 day' ORDER BY held_at LIMIT 200",
                          1, p);
    pg_pool_release(ctx->db, c);
    int rc = pg_ok(r) && !produce_batch_app_events(ctx->producer, "questions", "held_expired", "retention", r)
                 ? PQntuples(r)
                 : -1;
    PQclear(r);
    return rc;
}
