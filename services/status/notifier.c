#include "notifier.h"

#include "api.h"
#include "backoff.h"
#include "crypto.h"
#include "events.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"
#include "notify_secret.h"
#include "pg.h"
#include "shutdown.h"

#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Any constant: one gatherer at a time across replicas. */
#define GATHER_LOCK_KEY "847300802"
#define ROUND_MAX 50

/* Open outbox rows → one notification per (account, class) that has none
 * in flight and none created within the window ($1 s). The id comes from
 * the first event, which belongs to one notification only. At most 10
 * subjects (application, check or connection ids) and 10 codes. */
static const char SQL_GATHER[] =
    "WITH g AS ("
    " SELECT account_id, class, count(*)::int AS n, min(at) AS first_at, max(at) AS last_at,"
    "  min(event_id) AS first_event, array_agg(event_id) AS ids,"
    "  (array_agg(subject_id ORDER BY at, event_id) FILTER (WHERE subject_id IS NOT NULL))[1:10]"
    "   AS subjects,"
    "  (array_agg(DISTINCT code) FILTER (WHERE code IS NOT NULL))[1:10] AS codes"
    " FROM status.notification_events e"
    " WHERE notification_id IS NULL AND NOT EXISTS ("
    "  SELECT 1 FROM status.notifications x WHERE x.account_id = e.account_id AND x.class = e.class"
    "   AND (x.state = 'pending' OR x.created_at > now() - $1::int * interval '1 second'))"
    " GROUP BY account_id, class"
    "), ins AS ("
    " INSERT INTO status.notifications (notification_id, account_id, class, count, first_at, last_at,"
    "  subjects, codes)"
    " SELECT 'ntf_' || md5(first_event), account_id, class, n, first_at, last_at,"
    "  coalesce(subjects, '{}'), coalesce(codes, '{}') FROM g"
    " RETURNING notification_id, account_id, class"
    "), upd AS ("
    " UPDATE status.notification_events e SET notification_id = ins.notification_id"
    " FROM ins JOIN g USING (account_id, class) WHERE e.event_id = ANY (g.ids)"
    " RETURNING 1"
    ")"
    " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd)";

/* Claims the most overdue notification for $1 ms (a crashed sender's claim
 * runs out and the notification is due again). */
enum { CL_ID, CL_ACCOUNT, CL_CLASS, CL_COUNT, CL_FIRST, CL_LAST, CL_SUBJECTS, CL_CODES, CL_ATTEMPTS,
       CL_CREATED, CL_TOO_OLD, CL_URL };
static const char SQL_CLAIM[] =
    "UPDATE status.notifications n SET attempts = n.attempts + 1,"
    "  next_attempt_at = now() + $1::int * interval '1 millisecond'"
    " WHERE n.notification_id = (SELECT notification_id FROM status.notifications"
    "  WHERE state = 'pending' AND next_attempt_at <= now()"
    "  ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING n.notification_id, n.account_id, n.class, n.count, " API_TS("n.first_at") ","
    "  " API_TS("n.last_at") ", to_json(n.subjects)::text, to_json(n.codes)::text, n.attempts,"
    "  " API_TS("n.created_at") ", n.created_at < now() - $2::int * interval '1 second',"
    "  (SELECT a.notification_url FROM status.accounts a WHERE a.account_id = n.account_id)";

static const char SQL_RETRY[] =
    "UPDATE status.notifications SET next_attempt_at = now() + $2::bigint * interval '1 millisecond',"
    " last_error = $3 WHERE notification_id = $1";

static const char SQL_DONE[] =
    "UPDATE status.notifications SET state = $2, last_error = $3, done_at = now()"
    " WHERE notification_id = $1";

/* Finished notifications and the outbox rows they stand for, 30 days on. */
static const char SQL_PRUNE[] =
    "WITH d AS (DELETE FROM status.notifications WHERE state <> 'pending'"
    "  AND done_at < now() - interval '30 days' RETURNING notification_id)"
    " DELETE FROM status.notification_events e USING d WHERE e.notification_id = d.notification_id";

static const char *class_message(const char *cls) {
    static const char *const m[][2] = {
        {"application_failed", "Applications could not be delivered to the ATS and will not be retried."},
        {"application_rejected", "Applications were rejected before delivery."},
        {"application_held", "Applications have been held longer than the configured time."},
        {"connection_broken", "The ATS connection is not usable and must be re-activated."},
        {"reauthorization_required", "The ATS connection must be authorised again for what the account uses."},
        {"feed_alert", "No application arrived within the account's feed interval."},
        {"bgcheck_failed", "Background checks could not be ordered."},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (!strcmp(cls, m[i][0])) return m[i][1];
    return "";
}

static json_object *json_text(const char *text) {
    json_object *v = json_tokener_parse(text); /* our own to_json */
    return v ? v : json_object_new_array();
}

/* The body of a claimed notification (row 0 of r); caller puts it. */
static json_object *body_of(const PGresult *r) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "notification_id", json_object_new_string(PQgetvalue(r, 0, CL_ID)));
    json_object_object_add(o, "account_id", json_object_new_string(PQgetvalue(r, 0, CL_ACCOUNT)));
    json_object_object_add(o, "class", json_object_new_string(PQgetvalue(r, 0, CL_CLASS)));
    json_object_object_add(o, "message", json_object_new_string(class_message(PQgetvalue(r, 0, CL_CLASS))));
    json_object_object_add(o, "count", json_object_new_int(atoi(PQgetvalue(r, 0, CL_COUNT))));
    json_object_object_add(o, "first_at", json_object_new_string(PQgetvalue(r, 0, CL_FIRST)));
    json_object_object_add(o, "last_at", json_object_new_string(PQgetvalue(r, 0, CL_LAST)));
    json_object_object_add(o, "codes", json_text(PQgetvalue(r, 0, CL_CODES)));
    json_object_object_add(o, "subjects", json_text(PQgetvalue(r, 0, CL_SUBJECTS)));
    json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, 0, CL_CREATED)));
    return o;
}

/* Signs and POSTs body; 0 when the receiver answered 2xx, else -1 with a
 * short error code (http_<status>, or unreachable) in err. */
static int post(status_app *app, const char *url, const char *secret, const char *id, const char *body,
                char *err, size_t errlen) {
    char ts[24], sig[CRYPTO_SHA256_HEX], h_ts[64], h_sig[96], h_id[128];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    crypto_sign_timestamped(secret, ts, body, strlen(body), sig);
    snprintf(h_ts, sizeof h_ts, "X-Atsbridge-Timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "X-Atsbridge-Signature: %s", sig);
    snprintf(h_id, sizeof h_id, "X-Atsbridge-Notification-Id: %s", id);
    const char *const headers[] = {"Content-Type: application/json", h_ts, h_sig, h_id, NULL};
    http_result res;
    int rc = http_client_request("POST", url, headers, body, strlen(body), app->notify_timeout_ms, &res);
    int ok = rc == 0 && res.status >= 200 && res.status < 300;
    if (!ok && rc == 0) snprintf(err, errlen, "http_%ld", res.status);
    else if (!ok) snprintf(err, errlen, "unreachable");
    http_result_free(&res);
    sodium_memzero(sig, sizeof sig);
    return ok ? 0 : -1;
}

/* The audit event, then the row. 0, or -1 (the claim runs out and the
 * notification comes again). */
static int finish(status_app *app, PGconn *c, const PGresult *r, int sent, const char *err) {
    const char *id = PQgetvalue(r, 0, CL_ID), *account = PQgetvalue(r, 0, CL_ACCOUNT);
    const char *cls = PQgetvalue(r, 0, CL_CLASS);
    char detail[160];
    snprintf(detail, sizeof detail, "attempts=%s%s%s", PQgetvalue(r, 0, CL_ATTEMPTS), err ? " last_error=" : "",
             err ? err : "");
    if (events_emit_account(app->svc.producer, "status", sent ? "sent" : "failed",
                            sent ? "notification_sent" : "notification_failed", account, id, cls, detail, NULL)) {
        log_warn("notification event not produced; the notification comes again", "account_id", account);
        return -1;
    }
    const char *p[] = {id, sent ? "sent" : "failed", err};
    if (pg_run(c, SQL_DONE, 3, p)) return -1;
    char labels[96];
    snprintf(labels, sizeof labels, "class=\"%s\",outcome=\"%s\"", cls, sent ? "sent" : "failed");
    metrics_counter_add("atsb_status_notifications_total", labels, 1);
    if (sent) log_info("notification sent", "account_id", account, "class", cls, "notification_id", id);
    else log_warn("notification given up", "account_id", account, "class", cls, "notification_id", id, "error", err);
    return 0;
}

/* Claims and handles one due notification: 1 when one was handled, 0 when
 * none is due, -1 on a database error. */
static int send_one(status_app *app, PGconn *c) {
    char lease[24], age[24], err[48] = "";
    snprintf(lease, sizeof lease, "%d", app->notify_timeout_ms + 30000);
    snprintf(age, sizeof age, "%d", app->notify_max_age_s);
    const char *p[] = {lease, age};
    PGresult *r = pg_exec(c, SQL_CLAIM, 2, p);
    char *secret = NULL;
    json_object *body = NULL;
    int rc = -1;
    if (!pg_ok(r)) goto cleanup;
    rc = 0;
    if (PQntuples(r) == 0) goto cleanup;
    rc = 1;
    const char *id = PQgetvalue(r, 0, CL_ID), *url = PQgetvalue(r, 0, CL_URL);
    int attempts = atoi(PQgetvalue(r, 0, CL_ATTEMPTS));
    int last = attempts >= app->notify_max_attempts || !strcmp(PQgetvalue(r, 0, CL_TOO_OLD), "t");
    int sec = PQgetisnull(r, 0, CL_URL) ? 1 : notify_secret_load(c, PQgetvalue(r, 0, CL_ACCOUNT), &secret);
    if (sec < 0) {
        rc = -1;
        goto cleanup;
    }
    if (PQgetisnull(r, 0, CL_URL)) {
        snprintf(err, sizeof err, "no_notification_url");
        last = 1; /* the operator switched notifications off */
    } else if (sec == 1) {
        snprintf(err, sizeof err, "no_notification_secret");
    } else {
        body = body_of(r);
        const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (post(app, url, secret, id, text, err, sizeof err) == 0) {
            if (finish(app, c, r, 1, NULL)) rc = -1;
            goto cleanup;
        }
    }
    if (last) {
        if (finish(app, c, r, 0, err)) rc = -1;
        goto cleanup;
    }
    char wait[24];
    snprintf(wait, sizeof wait, "%lld",
             (long long)backoff_delay_ms(attempts, app->notify_backoff_base_ms, app->notify_backoff_cap_ms,
                                         randombytes_random()));
    const char *q[] = {id, wait, err};
    if (pg_run(c, SQL_RETRY, 3, q)) rc = -1;
    metrics_counter_add("atsb_status_notification_retries_total", "", 1);
    log_info("notification not delivered; retrying", "account_id", PQgetvalue(r, 0, CL_ACCOUNT), "notification_id",
             id, "error", err, "wait_ms", wait);
cleanup:
    crypto_free_plain(secret);
    json_object_put(body);
    PQclear(r);
    return rc;
}

/* Gathers open outbox rows into notifications (one replica at a time). */
static int gather(status_app *app, PGconn *c) {
    char window[24];
    snprintf(window, sizeof window, "%d", app->notify_window_s);
    const char *p[] = {window};
    PGresult *lock = NULL;
    int rc = -1;
    if (pg_run(c, "BEGIN", 0, NULL)) return -1;
    lock = pg_exec(c, "SELECT pg_try_advisory_xact_lock(" GATHER_LOCK_KEY ")", 0, NULL);
    if (!pg_ok(lock)) goto cleanup;
    if (!strcmp(PQgetvalue(lock, 0, 0), "t") && pg_run(c, SQL_GATHER, 1, p)) goto cleanup;
    if (pg_run(c, "COMMIT", 0, NULL)) goto cleanup;
    rc = 0;
cleanup:
    PQclear(lock);
    if (rc && PQtransactionStatus(c) != PQTRANS_IDLE) PQclear(PQexec(c, "ROLLBACK"));
    return rc;
}

int notifier_round(status_app *app, int do_gather) {
    PGconn *c = pg_pool_acquire(app->svc.db);
    if (!c) return -1;
    int done = 0, rc = 0;
    if (do_gather && (gather(app, c) || pg_run(c, SQL_PRUNE, 0, NULL))) rc = -1;
    while (rc == 0 && done < ROUND_MAX && !shutdown_requested()) {
        int k = send_one(app, c);
        if (k < 0) rc = -1;
        if (k <= 0) break;
        done++;
    }
    pg_pool_release(app->svc.db, c);
    return rc ? -1 : done;
}

static void *run(void *arg) {
    notifier_thread *t = arg;
    status_app *app = t->n->app;
    while (!shutdown_requested()) {
        if (notifier_round(app, t->index == 0) < 0) log_warn("notification round failed; retrying");
        shutdown_sleep_ms(app->notify_poll_ms);
    }
    return NULL;
}

int notifier_start(notifier *n, status_app *app) {
    n->app = app;
    n->nthreads = 0;
    int want = app->notify_senders < 1 ? 1 : app->notify_senders > NOTIFIER_MAX_THREADS ? NOTIFIER_MAX_THREADS
                                                                                          : app->notify_senders;
    for (int i = 0; i < want; i++) {
        n->threads[i] = (notifier_thread){.n = n, .index = i};
        if (pthread_create(&n->threads[i].tid, NULL, run, &n->threads[i]) != 0) break;
        n->nthreads++;
    }
    return n->nthreads == want ? 0 : -1;
}

void notifier_join(notifier *n) {
    for (int i = 0; i < n->nthreads; i++) pthread_join(n->threads[i].tid, NULL);
    n->nthreads = 0;
}
