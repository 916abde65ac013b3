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
#include "pb_validate.h"
#include "personal.h"
#include "produce_batch.h"
#include "validate.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char *qr_decision_name(qr_decision d) {
    return d == QR_RESOLVED ? "resolved" : d == QR_HELD ? "held" : d == QR_ERASED ? "erased" : "rejected";
}

static void count(qr_decision d, const char *code) {
    char labels[96];
    snprintf(labels, sizeof labels, "decision=\"%s\",code=\"%s\"", qr_decision_name(d), code ? code : "");
    metrics_counter_add("atsb_questions_decisions_total", labels, 1);
}

/* Audit event for a decision, into the caller's batch. */
static void emit(produce_batch *b, const Atsbridge__V1__ApplicationReceived *app, const char *ats, const char *type,
                 const char *code, const char *detail, int64_t count_v, const char *trace_id) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
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
    produce_batch_event(b, &ev, code, trace_id);
}

static int reject(produce_batch *b, const Atsbridge__V1__ApplicationReceived *app, const char *ats, const char *code,
                  const char *detail, int64_t n, const char *trace_id) {
    emit(b, app, ats, "rejected", code, detail, n, trace_id);
    log_event(LOG_INFO, trace_id, "application rejected", "application_id", app->application_id, "account_id",
              app->account_id, "code", code, (const char *)NULL);
    count(QR_REJECTED, code);
    return 0;
}

static int hold(produce_batch *b, PGconn *c, const Atsbridge__V1__ApplicationReceived *app, const char *ats,
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
    emit(b, app, ats, "held", reason, detail, 0, trace_id);
    log_event(LOG_INFO, trace_id, "application held", "application_id", app->application_id, "account_id",
              app->account_id, "reason", reason, (const char *)NULL);
    count(QR_HELD, reason);
    return 0;
}

/* key: the application's data key when it arrived sealed (it leaves sealed
 * with it), NULL when it arrived in clear (produced before sealing, or by a
 * test: it leaves in clear). */
static int produce_resolved(produce_batch *b, Atsbridge__V1__ApplicationReceived *app, const account *acc,
                            const qs_set *set, const uint8_t *key, const char *trace_id, size_t *nmapped) {
    qm_mapped m = {0};
    uint8_t *blobs[2] = {NULL, NULL};
    int rc = QR_RETRY;
    if (questions_map(app, set, &m)) goto cleanup;
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
    Atsbridge__V1__ApplicationResolved sealed;
    Atsbridge__V1__ApplicationReceived sealed_app;
    const Atsbridge__V1__ApplicationResolved *out = &res;
    if (key) {
        if (personal_seal_resolved(&res, key, &sealed, &sealed_app, blobs)) goto cleanup;
        out = &sealed;
    }
    char topic[256];
    produce_batch_proto(b, kafka_topic(TOPIC_APPLICATIONS_RESOLVED, topic, sizeof topic), app->application_id,
                        SCHEMA_RESOLVED, &out->base, trace_id); /* packs now */
    *nmapped = m.n;
    rc = 0;
cleanup:
    free(blobs[0]);
    free(blobs[1]);
    qm_mapped_free(&m);
    return rc;
}

/* The end of an erased application's message: counted and logged by id. */
static void skip_erased(const Atsbridge__V1__ApplicationReceived *app, const char *trace_id, qr_decision *d) {
    metrics_counter_add("atsb_erased_messages_total", "service=\"questions\"", 1);
    log_event(LOG_INFO, trace_id, "erased message skipped", "application_id", app->application_id,
              (const char *)NULL);
    *d = QR_ERASED;
}

void qr_batch_begin(qr_batch *qb, qr_ctx *ctx) {
    memset(qb, 0, sizeof *qb);
    produce_batch_init(&qb->out, ctx->producer, "questions");
}

int qr_batch_end(qr_batch *qb, const char *kind) {
    for (size_t i = 0; i < qb->nmemo; i++) {
        qr_memo_entry *e = &qb->memo[i];
        free(e->account_id);
        free(e->posting_id);
        account_free(&e->acc);
        qs_set_free(&e->set);
    }
    free(qb->memo);
    qb->memo = NULL;
    qb->nmemo = qb->cap = 0;
    if (qb->keys) sodium_memzero(qb->keys, qb->nkeys * sizeof *qb->keys);
    free(qb->keys);
    qb->keys = NULL;
    qb->nkeys = 0;
    return produce_batch_wait(&qb->out, kind) ? -1 : 0;
}

static int by_key_id(const void *a, const void *b) {
    return strcmp(((const qr_key_entry *)a)->id, ((const qr_key_entry *)b)->id);
}

void qr_batch_prefetch_keys(qr_batch *qb, qr_ctx *ctx, const char *const *ids, size_t n) {
    if (!n) return;
    qr_key_entry *keys = calloc(n, sizeof *keys);
    uint8_t *raw = calloc(n, DATA_KEY_BYTES);
    data_key_status *st = calloc(n, sizeof *st);
    PGconn *c = keys && raw && st ? pg_pool_acquire(ctx->db) : NULL;
    if (c && data_keys_get(c, n, ids, 0, raw, st) == 0) {
        for (size_t i = 0; i < n; i++) {
            snprintf(keys[i].id, sizeof keys[i].id, "%s", ids[i]);
            keys[i].st = st[i];
            memcpy(keys[i].key, raw + i * DATA_KEY_BYTES, DATA_KEY_BYTES);
        }
        qsort(keys, n, sizeof *keys, by_key_id);
        qb->keys = keys;
        qb->nkeys = n;
        keys = NULL;
    }
    pg_pool_release(ctx->db, c);
    if (raw) sodium_memzero(raw, n * DATA_KEY_BYTES);
    free(raw);
    free(st);
    free(keys);
}

/* Compares the whole id (never a truncated copy) with an entry's. */
static int id_vs_entry(const void *id, const void *entry) { return strcmp(id, ((const qr_key_entry *)entry)->id); }

/* The prefetched key of id into key: its status, or DATA_KEY_UNAVAILABLE
 * when it was not prefetched (or only UNAVAILABLE was). */
static data_key_status prefetched_key(const qr_batch *qb, const char *id, uint8_t key[DATA_KEY_BYTES]) {
    const qr_key_entry *e = qb->nkeys ? bsearch(id, qb->keys, qb->nkeys, sizeof *qb->keys, id_vs_entry) : NULL;
    if (!e || e->st != DATA_KEY_OK) return e ? e->st : DATA_KEY_UNAVAILABLE;
    memcpy(key, e->key, DATA_KEY_BYTES);
    return DATA_KEY_OK;
}

static qr_memo_entry *memo_find(qr_batch *qb, const char *account_id, const char *posting) {
    for (size_t i = 0; i < qb->nmemo; i++)
        if (!strcmp(qb->memo[i].account_id, account_id) && !strcmp(qb->memo[i].posting_id, posting))
            return &qb->memo[i];
    return NULL;
}

/* Moves acc and set into a new entry (they are left empty). NULL when out
 * of memory: the caller keeps them. */
static qr_memo_entry *memo_add(qr_batch *qb, const char *account_id, const char *posting, account *acc,
                               qs_set *set) {
    if (qb->nmemo == qb->cap) {
        size_t cap = qb->cap ? qb->cap * 2 : 4;
        qr_memo_entry *m = realloc(qb->memo, cap * sizeof *m);
        if (!m) return NULL;
        qb->memo = m;
        qb->cap = cap;
    }
    qr_memo_entry *e = &qb->memo[qb->nmemo];
    e->account_id = strdup(account_id);
    e->posting_id = strdup(posting);
    if (!e->account_id || !e->posting_id) {
        free(e->account_id);
        free(e->posting_id);
        return NULL;
    }
    e->acc = *acc;
    e->set = *set;
    memset(acc, 0, sizeof *acc);
    qs_set_init(set);
    qb->nmemo++;
    return e;
}

int questions_resolve(qr_ctx *ctx, qr_batch *qb, const uint8_t *payload, size_t len, const char *trace_id,
                      int from_held, qr_decision *d) {
    Atsbridge__V1__ApplicationReceived *app = questions_received_decode(payload, len);
    if (!app) return QR_UNDECODABLE;
    produce_batch *b = &qb->out;
    const char *posting = app->posting_id ? app->posting_id : "";
    account acc;
    memset(&acc, 0, sizeof acc);
    qs_set set;
    qs_set_init(&set);
    qv_result v = {0};
    int rc = QR_RETRY;
    PGconn *c = NULL;
    const account *accp;
    const qs_set *setp;
    /* Sealed personal fields: opened with the key read once, which seals
     * the resolved message again (personal_open_received, in two steps). */
    uint8_t key[DATA_KEY_BYTES];
    const uint8_t *keyp = NULL;
    if (app->sealed.len) {
        data_key_status ks = prefetched_key(qb, app->application_id, key);
        if (ks == DATA_KEY_UNAVAILABLE) {
            if (!(c = pg_pool_acquire(ctx->db))) goto done;
            ks = data_key_get(c, app->application_id, 0, key);
        }
        if (ks == DATA_KEY_ERASED) {
            skip_erased(app, trace_id, d);
            rc = 0;
            goto done;
        }
        if (ks != DATA_KEY_OK) goto done; /* the key store is unreachable: retry */
        keyp = key;
        personal_status ps = personal_open_received_key(app, key);
        if (ps == PERSONAL_INVALID) rc = QR_SEALED_INVALID;
        if (ps != PERSONAL_OK) goto done;
    }
    /* Every field, the opened ones too: a string PostgreSQL or the ATS
     * would refuse must not come back for ever. */
    if (pb_validate(&app->base, &PB_LIMITS_DEFAULT, qb->why, sizeof qb->why)) {
        rc = QR_INVALID;
        goto done;
    }
    const qr_memo_entry *e = memo_find(qb, app->account_id, posting);
    if (e) {
        accp = &e->acc;
        setp = &e->set;
    } else {
        if (!c && !(c = pg_pool_acquire(ctx->db))) goto done;
        int a = accounts_load(c, app->account_id, &acc);
        if (a < 0) goto done;
        if (a == 1) {
            *d = QR_REJECTED;
            rc = reject(b, app, "", "unknown_account", "no such account", 0, trace_id);
            goto done;
        }
        if (*posting) {
            qc_info info;
            qc_status cs = questions_cache_get(c, &acc, posting, &set, &info);
            if (cs == QC_NOT_FOUND) {
                *d = QR_REJECTED;
                rc = reject(b, app, acc.ats, "unknown_posting", "the ATS does not know the posting", 0, trace_id);
                goto done;
            }
            if (cs == QC_CONNECTION) {
                *d = QR_HELD;
                rc = hold(b, c, app, acc.ats, "connection", payload, len, trace_id, from_held);
                goto done;
            }
            if (cs != QC_OK) goto done; /* ATS or database down: retry later */
        } else {
            /* An export without a job: nothing to ask, nothing to map. */
            snprintf(set.ats, sizeof set.ats, "%s", acc.ats);
        }
        e = memo_add(qb, app->account_id, posting, &acc, &set);
        accp = e ? &e->acc : &acc;
        setp = e ? &e->set : &set;
    }
    if (setp->closed) {
        *d = QR_REJECTED;
        rc = reject(b, app, accp->ats, "posting_closed", "the posting no longer takes applications", 0, trace_id);
        goto done;
    }
    if (questions_validate(app, setp, &v)) goto done;
    if (v.n) {
        char detail[1024];
        qv_result_summary(&v, detail, sizeof detail);
        *d = QR_REJECTED;
        rc = reject(b, app, accp->ats, "invalid_answers", detail, (int64_t)v.n, trace_id);
        goto done;
    }
    if (!strcmp(accp->run_mode, "test") && !setp->is_test) {
        if (!c && !(c = pg_pool_acquire(ctx->db))) goto done;
        *d = QR_HELD;
        rc = hold(b, c, app, accp->ats, "test_mode", payload, len, trace_id, from_held);
        goto done;
    }
    size_t nmapped = 0;
    if (produce_resolved(b, app, accp, setp, keyp, trace_id, &nmapped)) goto done;
    char detail[256];
    snprintf(detail, sizeof detail, "run_mode %s; %zu answers mapped%s", accp->run_mode, nmapped,
             v.unknown_answers ? "; unknown answers ignored" : "");
    emit(b, app, accp->ats, "resolved", NULL, detail, (int64_t)nmapped, trace_id);
    log_event(LOG_INFO, trace_id, "application resolved", "application_id", app->application_id, "account_id",
              app->account_id, "run_mode", accp->run_mode, (const char *)NULL);
    count(QR_RESOLVED, NULL);
    *d = QR_RESOLVED;
    rc = 0;
done:
    sodium_memzero(key, sizeof key);
    if (c) pg_pool_release(ctx->db, c);
    qv_result_free(&v);
    qs_set_free(&set);
    account_free(&acc);
    atsbridge__v1__application_received__free_unpacked(app, NULL);
    return rc;
}
