#include "resolve.h"

#include "accounts.h"
#include "atsbridge/v1/applications.pb-c.h"
#include "cache.h"
#include "events.h"
#include "fetch.h"
#include "kafka_conf.h"
#include "log.h"
#include "mapping.h"
#include "metrics.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESOLVED_SCHEMA "atsbridge.v1.ApplicationResolved"

const char *qr_decision_name(qr_decision d) {
    return d == QR_RESOLVED ? "resolved" : d == QR_HELD ? "held" : "rejected";
}

static void count(qr_decision d, const char *code) {
    char labels[96];
    snprintf(labels, sizeof labels, "decision=\"%s\",code=\"%s\"", qr_decision_name(d), code ? code : "");
    metrics_counter_add("atsb_questions_decisions_total", labels, 1);
}

/* Audit event for a decision. Returns 0 or -1 (broker did not take it). */
static int emit(qr_ctx *ctx, const Atsbridge__V1__ApplicationReceived *app, const char *ats, const char *type,
                const char *code, const char *detail, int64_t count_v, const char *trace_id) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    ev.application_id = app->application_id;
    ev.account_id = app->account_id;
    ev.type = (char *)type;
    ev.state = (char *)type; /* held, resolved and rejected are also the states */
    ev.ats = (char *)(ats ? ats : "");
    ev.board = app->board;
    ev.posting_id = app->posting_id;
    ev.export_task_id = app->export_task_id;
    ev.error_code = (char *)(code ? code : "");
    ev.detail = (char *)(detail ? detail : "");
    ev.count = count_v;
    events_prepare(&ev, "questions", code, id, sizeof id);
    return events_emit(ctx->producer, &ev, trace_id);
}

static int reject(qr_ctx *ctx, const Atsbridge__V1__ApplicationReceived *app, const char *ats, const char *code,
                  const char *detail, int64_t n, const char *trace_id) {
    if (emit(ctx, app, ats, "rejected", code, detail, n, trace_id)) return QR_RETRY;
    log_event(LOG_INFO, trace_id, "application rejected", "application_id", app->application_id, "account_id",
              app->account_id, "code", code, (const char *)NULL);
    count(QR_REJECTED, code);
    return 0;
}

static int hold(qr_ctx *ctx, PGconn *c, const Atsbridge__V1__ApplicationReceived *app, const char *ats,
                const char *reason, const uint8_t *payload, size_t len, const char *trace_id, int from_held) {
    if (from_held) {
        const char *p[] = {app->application_id, reason};
        if (pg_run(c,
                   "UPDATE questions.held SET attempts = attempts + 1, last_attempt_at = now(), reason = $2"
                   " WHERE application_id = $1",
                   2, p))
            return QR_RETRY;
        return 0;
    }
    const char *p[] = {app->application_id, app->account_id, app->posting_id ? app->posting_id : "", reason,
                       (const char *)payload, trace_id ? trace_id : ""};
    const int lens[] = {0, 0, 0, 0, (int)len, 0};
    const int fmts[] = {0, 0, 0, 0, 1, 0};
    PGresult *r = PQexecParams(c,
                               "INSERT INTO questions.held (application_id, account_id, posting_id, reason, payload,"
                               " trace_id) VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''))"
                               " ON CONFLICT (application_id) DO NOTHING",
                               6, NULL, p, lens, fmts, 0);
    int ok = pg_ok(r);
    PQclear(r);
    if (!ok) return QR_RETRY;
    const char *detail = !strcmp(reason, "test_mode") ? "test mode: posting is not a test posting"
                                                      : "no usable ATS connection";
    if (emit(ctx, app, ats, "held", reason, detail, 0, trace_id)) return QR_RETRY;
    log_event(LOG_INFO, trace_id, "application held", "application_id", app->application_id, "account_id",
              app->account_id, "reason", reason, (const char *)NULL);
    count(QR_HELD, reason);
    return 0;
}

static int produce_resolved(qr_ctx *ctx, Atsbridge__V1__ApplicationReceived *app, const account *acc,
                            const qs_set *set, const char *trace_id, size_t *nmapped) {
    qm_mapped m = {0};
    if (questions_map(app, set, &m)) return QR_RETRY;
    Atsbridge__V1__ApplicationResolved res = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;
    res.application = app;
    res.ats = (char *)acc->ats;
    res.source_label = (char *)(app->source_label && *app->source_label ? app->source_label
                                                                        : account_source_label(acc, app->board));
    res.mapped_answers = m.items;
    res.n_mapped_answers = m.n;
    res.run_mode = (char *)acc->run_mode;
    res.posting_is_test = set->is_test;
    res.resolved_at_ms = events_now_ms();
    size_t len = atsbridge__v1__application_resolved__get_packed_size(&res);
    uint8_t *buf = malloc(len ? len : 1);
    int rc = QR_RETRY;
    if (!buf) goto done;
    atsbridge__v1__application_resolved__pack(&res, buf);
    char topic[256];
    kafka_msg msg = {.topic = kafka_topic(TOPIC_APPLICATIONS_RESOLVED, topic, sizeof topic),
                     .key = app->application_id,
                     .payload = buf,
                     .len = len,
                     .schema = RESOLVED_SCHEMA,
                     .trace_id = trace_id};
    if (kafka_producer_send(ctx->producer, &msg) == RD_KAFKA_RESP_ERR_NO_ERROR) rc = 0;
    *nmapped = m.n;
done:
    free(buf);
    qm_mapped_free(&m);
    return rc;
}

int questions_resolve(qr_ctx *ctx, const uint8_t *payload, size_t len, const char *trace_id, int from_held,
                      qr_decision *d) {
    Atsbridge__V1__ApplicationReceived *app = questions_received_decode(payload, len);
    if (!app) return QR_UNDECODABLE;
    account acc;
    memset(&acc, 0, sizeof acc);
    int have_acc = 0;
    qs_set set;
    qs_set_init(&set);
    qv_result v = {0};
    int rc = QR_RETRY;
    PGconn *c = pg_pool_acquire(ctx->db);
    if (!c) goto done;
    int a = accounts_load(c, app->account_id, &acc);
    if (a < 0) goto done;
    if (a == 1) {
        *d = QR_REJECTED;
        rc = reject(ctx, app, "", "unknown_account", "no such account", 0, trace_id);
        goto done;
    }
    have_acc = 1;
    if (app->posting_id && *app->posting_id) {
        qc_info info;
        qc_status cs = questions_cache_get(c, &acc, app->posting_id, &set, &info);
        if (cs == QC_NOT_FOUND) {
            *d = QR_REJECTED;
            rc = reject(ctx, app, acc.ats, "unknown_posting", "the ATS does not know the posting", 0, trace_id);
            goto done;
        }
        if (cs == QC_CONNECTION) {
            *d = QR_HELD;
            rc = hold(ctx, c, app, acc.ats, "connection", payload, len, trace_id, from_held);
            goto done;
        }
        if (cs != QC_OK) goto done; /* ATS or database down: retry later */
        if (set.closed) {
            *d = QR_REJECTED;
            rc = reject(ctx, app, acc.ats, "posting_closed", "the posting no longer takes applications", 0, trace_id);
            goto done;
        }
    } else {
        /* An export without a job: nothing to ask, nothing to map. */
        snprintf(set.ats, sizeof set.ats, "%s", acc.ats);
    }
    if (questions_validate(app, &set, &v)) goto done;
    if (v.n) {
        char detail[1024];
        qv_result_summary(&v, detail, sizeof detail);
        *d = QR_REJECTED;
        rc = reject(ctx, app, acc.ats, "invalid_answers", detail, (int64_t)v.n, trace_id);
        goto done;
    }
    if (!strcmp(acc.run_mode, "test") && !set.is_test) {
        *d = QR_HELD;
        rc = hold(ctx, c, app, acc.ats, "test_mode", payload, len, trace_id, from_held);
        goto done;
    }
    size_t nmapped = 0;
    if (produce_resolved(ctx, app, &acc, &set, trace_id, &nmapped)) goto done;
    char detail[256];
    snprintf(detail, sizeof detail, "run_mode %s; %zu answers mapped%s", acc.run_mode, nmapped,
             v.unknown_answers ? "; unknown answers ignored" : "");
    if (emit(ctx, app, acc.ats, "resolved", NULL, detail, (int64_t)nmapped, trace_id)) goto done;
    log_event(LOG_INFO, trace_id, "application resolved", "application_id", app->application_id, "account_id",
              app->account_id, "run_mode", acc.run_mode, (const char *)NULL);
    count(QR_RESOLVED, NULL);
    *d = QR_RESOLVED;
    rc = 0;
done:
    if (c) pg_pool_release(ctx->db, c);
    qv_result_free(&v);
    qs_set_free(&set);
    if (have_acc) account_free(&acc);
    atsbridge__v1__application_received__free_unpacked(app, NULL);
    return rc;
}
