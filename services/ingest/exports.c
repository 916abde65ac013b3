#include "exports.h"

#include "board_keys.h"
#include "crypto.h"
#include "documents.h"
#include "export_parse.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "personal.h"
#include "pg.h"
#include "produce_batch.h"
#include "received.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) ((x) ? (x) : "")
#define ID_LEN 64

/* board_application_id of candidate i: "<task>:<tool's id>" or "<task>:#<i>". */
static void candidate_key(const char *task_id, const export_candidate *c, size_t i, char *out, size_t len) {
    if (c->id) snprintf(out, len, "%s:%s", task_id, c->id);
    else snprintf(out, len, "%s:#%zu", task_id, i);
}

typedef enum { EXPORT_NEW, EXPORT_SAME, EXPORT_DB_DOWN, EXPORT_KAFKA_DOWN } export_result;

/* Produces one ApplicationReceived, sealed with the candidate's data key
 * (keys: ncandidates * DATA_KEY_BYTES), and one `received` event per
 * candidate. ids receives the application ids (ncandidates * ID_LEN).
 * Returns 0, or -1 when out of memory (the batch then reports failure). */
static int produce_candidates(const ingest_ctx *ctx, produce_batch *b, const export_request *r, const char *tool,
                              const char *task_id, const char *trace, char *ids, const uint8_t *keys) {
    int rc = 0;
    for (size_t i = 0; i < r->ncandidates; i++) {
        const export_candidate *c = &r->candidates[i];
        char key[600];
        char *app_id = ids + i * ID_LEN;
        candidate_key(task_id, c, i, key, sizeof key);
        crypto_derive_id(app_id, ID_LEN, "app_", tool, key, (const char *)NULL);
        received_msg m = {0};
        if (received_init(&m, &c->candidate, &c->documents)) {
            received_free(&m);
            rc = -1;
            break;
        }
        m.msg.application_id = app_id;
        m.msg.board = (char *)tool;
        m.msg.board_application_id = key;
        m.msg.account_id = r->account_id;
        m.msg.posting_id = (char *)S(r->posting_id);
        m.msg.export_task_id = (char *)task_id;
        m.msg.source_label = (char *)(r->source ? r->source : tool);
        m.msg.stage = (char *)S(r->stage);
        m.msg.duplicate_policy = r->duplicate_policy;
        Atsbridge__V1__ApplicationReceived sealed;
        uint8_t *blob = NULL;
        if (personal_seal_received(&m.msg, keys + i * DATA_KEY_BYTES, &sealed, &blob)) {
            received_free(&m);
            rc = -1;
            break;
        }
        produce_batch_proto(b, ctx->topic_received, app_id, SCHEMA_RECEIVED, &sealed.base, trace); /* packs now */
        free(blob);
        received_free(&m);

        Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
        ev.application_id = app_id;
        ev.account_id = r->account_id;
        ev.type = "received";
        ev.state = "received";
        ev.board = (char *)tool;
        ev.posting_id = (char *)S(r->posting_id);
        ev.export_task_id = (char *)task_id;
        produce_batch_event(b, &ev, NULL, trace);
    }
    return rc;
}

static export_result accept_export(const ingest_ctx *ctx, PGconn *c, const export_request *r, const char *tool,
                            const char *task_id, const char *body_hash, const char *trace, char *ids,
                            const uint8_t *keys) {
    export_result res = EXPORT_DB_DOWN;
    char count[16];
    snprintf(count, sizeof count, "%zu", r->ncandidates);
    if (pg_run(c, "BEGIN", 0, NULL)) goto cleanup;
    const char *p[] = {task_id, tool, r->name, r->account_id, count, body_hash};
    PGresult *res_ins = pg_exec(c,
                                "INSERT INTO ingest.export_tasks"
                                " (export_task_id, tool, name, account_id, candidates, body_sha256)"
                                " VALUES ($1, $2, $3, $4, $5::int, $6) ON CONFLICT (export_task_id) DO NOTHING"
                                " RETURNING 1",
                                6, p);
    if (!pg_ok(res_ins)) {
        PQclear(res_ins);
        goto cleanup;
    }
    int inserted = PQntuples(res_ins) == 1;
    PQclear(res_ins);
    if (!inserted) {
        /* The id derives from the body hash: the same export again (ids
         * were derived by exports_post). */
        res = EXPORT_SAME;
        goto cleanup;
    }
    for (size_t i = 0; i < r->ncandidates; i++) {
        const app_documents *docs = &r->candidates[i].documents;
        for (size_t k = 0; k < docs->n; k++)
            if (documents_store(c, ids + i * ID_LEN, docs->v[k].sha256, docs->v[k].content_type, docs->v[k].data,
                                docs->v[k].len))
                goto cleanup;
    }
    produce_batch b;
    produce_batch_init(&b, ctx->svc->producer, "ingest");
    int built = produce_candidates(ctx, &b, r, tool, task_id, trace, ids, keys);
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.subject_id = (char *)task_id;
    ev.account_id = r->account_id;
    ev.type = "export_created";
    ev.board = (char *)tool; /* status: the tool's key reads its tasks */
    ev.name = r->name;
    ev.count = (int64_t)r->ncandidates;
    ev.export_task_id = (char *)task_id;
    produce_batch_event(&b, &ev, NULL, trace);
    if (produce_batch_wait(&b, "export") || built) {
        res = EXPORT_KAFKA_DOWN;
        goto cleanup;
    }
    if (pg_run(c, "COMMIT", 0, NULL)) goto cleanup;
    res = EXPORT_NEW;
cleanup:
    return res;
}

/* The candidates' data keys (data_keys.h), created and committed before the
 * export's transaction: ids must hold their application ids. 0 with keys
 * filled; else the answer is given: 503 when the store is unreachable, 410
 * naming the first candidate whose application was erased (a resubmission
 * the tombstone refuses: nothing of the export is stored). */
static int candidate_keys(const ingest_ctx *ctx, PGconn *c, const export_request *r, const char *ids,
                          uint8_t *keys, const char *trace, http_response *resp) {
    const char **subjects = calloc(r->ncandidates ? r->ncandidates : 1, sizeof *subjects);
    data_key_status *st = calloc(r->ncandidates ? r->ncandidates : 1, sizeof *st);
    int rc = -1;
    if (!subjects || !st) {
        http_error(resp, 500, "internal", "Out of memory.");
        goto cleanup;
    }
    for (size_t i = 0; i < r->ncandidates; i++) subjects[i] = ids + i * ID_LEN;
    if (data_keys_get(c, r->ncandidates, subjects, 1, keys, st)) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    for (size_t i = 0; i < r->ncandidates; i++) {
        if (st[i] != DATA_KEY_ERASED) continue;
        char msg[160], idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        snprintf(msg, sizeof msg, "candidates[%zu]: this application was erased; it cannot be submitted again.", i);
        log_event(LOG_INFO, trace, "erased application submitted again", "application_id", subjects[i], "candidate",
                  idx, (const char *)NULL);
        http_error(resp, 410, "erased", msg);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(subjects);
    free(st);
    return rc;
}

static void answer(http_response *resp, int status, const char *task_id, const export_request *r,
                   const char *ids) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "export_task_id", json_object_new_string(task_id));
    json_object_object_add(o, "count", json_object_new_int64((int64_t)r->ncandidates));
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < r->ncandidates; i++) json_object_array_add(a, json_object_new_string(ids + i * ID_LEN));
    json_object_object_add(o, "application_ids", a);
    http_json(resp, status, o);
}

void exports_post(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    export_request r = {0};
    errlist errs = {0};
    char *ids = NULL;
    uint8_t *keys = NULL;
    size_t nkeys = 0;
    const char *tool = req->principal; /* board_keys_authorize_tool */
    char trace[80], task_id[64], body_hash[CRYPTO_SHA256_HEX];
    ingest_trace_id(req, trace, sizeof trace);
    PGconn *c = pg_pool_acquire(ctx->svc->db);
    if (!c) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }
    if (!ingest_is_json(http_header(req, "Content-Type"))) {
        http_error(resp, 415, "unsupported_media_type", "Send application/json.");
        goto cleanup;
    }
    export_parse(req->body, req->body_len, &ctx->cfg.limits, ctx->cfg.max_export_candidates, &r, &errs);
    int status = errlist_status(&errs);
    if (status == 400 || status == 413) {
        ingest_respond_errors(resp, &errs);
        goto cleanup;
    }
    if (ingest_check_grant(ctx, c, r.account_id, ACCOUNTS_GRANT_SOURCE_TOOLS, tool, &errs, resp)) goto cleanup;
    ids = calloc(r.ncandidates, ID_LEN);
    nkeys = r.ncandidates;
    keys = calloc(nkeys ? nkeys : 1, DATA_KEY_BYTES);
    if (!ids || !keys) {
        http_error(resp, 500, "internal", "Out of memory.");
        goto cleanup;
    }
    export_canonical_sha256(&r, body_hash);
    crypto_derive_id(task_id, sizeof task_id, "exp_", tool, body_hash, (const char *)NULL);
    for (size_t i = 0; i < r.ncandidates; i++) {
        char key[600];
        candidate_key(task_id, &r.candidates[i], i, key, sizeof key);
        crypto_derive_id(ids + i * ID_LEN, ID_LEN, "app_", tool, key, (const char *)NULL);
    }
    if (candidate_keys(ctx, c, &r, ids, keys, trace, resp)) goto cleanup;
    switch (accept_export(ctx, c, &r, tool, task_id, body_hash, trace, ids, keys)) {
    case EXPORT_NEW: {
        char n[16];
        snprintf(n, sizeof n, "%zu", r.ncandidates);
        metrics_counter_add("atsb_ingest_bytes_total", "route=\"exports\"", (double)req->body_len);
        metrics_counter_add("atsb_ingest_applications_total", "source=\"export\"", (double)r.ncandidates);
        log_event(LOG_INFO, trace, "export accepted", "export_task_id", task_id, "tool", tool, "count", n,
                  (const char *)NULL);
        answer(resp, 202, task_id, &r, ids);
        break;
    }
    case EXPORT_SAME:
        answer(resp, 200, task_id, &r, ids);
        break;
    case EXPORT_DB_DOWN:
        ingest_unavailable(ctx, resp, "database");
        break;
    case EXPORT_KAFKA_DOWN:
        ingest_unavailable(ctx, resp, "message broker");
        break;
    }
cleanup:
    pg_pool_release(ctx->svc->db, c);
    export_request_free(&r);
    errlist_free(&errs);
    free(ids);
    if (keys) sodium_memzero(keys, nkeys * DATA_KEY_BYTES);
    free(keys);
}
