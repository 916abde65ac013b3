#include "applications.h"

#include "board_keys.h"
#include "crypto.h"
#include "documents.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "multipart.h"
#include "personal.h"
#include "pg.h"
#include "produce_batch.h"
#include "received.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) ((x) ? (x) : "")

int applications_parse_multipart(const char *body, size_t len, const char *content_type,
                                 const app_limits *lim, app_application *out, errlist *errs) {
    multipart mp;
    char err[160];
    memset(out, 0, sizeof *out);
    if (multipart_parse(body, len, content_type, &mp, err, sizeof err) != 0) {
        errlist_add(errs, 400, "", "malformed_multipart", "%s.", err);
        return -1;
    }
    int rc = -1;
    json_object *root = NULL;
    const multipart_part *app = multipart_get(&mp, "application");
    if (!app) {
        errlist_add(errs, 400, "application", "required", "The multipart body needs a part named application (JSON).");
        goto cleanup;
    }
    json_limits jl = app_json_limits(lim);
    root = app_json_parse(app->data, app->len, &jl, errs);
    if (!root) goto cleanup;
    size_t before = errs->n + errs->dropped;
    app_from_json(root, lim, out, errs);
    for (size_t i = 0; i < mp.n; i++) {
        const multipart_part *p = &mp.parts[i];
        if (!p->filename || p == app) continue;
        char field[160];
        snprintf(field, sizeof field, "parts.%s", p->name);
        app_documents_add_view(&out->documents, field, p->name, p->filename, p->content_type,
                               (const uint8_t *)p->data, p->len, lim, errs);
    }
    rc = errs->n + errs->dropped > before ? -1 : 0;
cleanup:
    json_object_put(root);
    multipart_free(&mp);
    return rc;
}

typedef enum { ACCEPT_NEW, ACCEPT_SAME, ACCEPT_CONFLICT, ACCEPT_ERASED, ACCEPT_DB_DOWN, ACCEPT_KAFKA_DOWN } accept_result;

/* The application's data key comes first, created and committed on its own
 * (data_keys.h): the message is sealed with it (personal.h), and an erased
 * application's tombstone refuses it (ACCEPT_ERASED, nothing stored). Then
 * the idempotency row, the documents and the produce happen inside one
 * transaction that commits only after Kafka has the messages, so a failure
 * anywhere leaves nothing stored and a retry starts from scratch. On any
 * result but ACCEPT_NEW the transaction is left open: pg_pool_release()
 * rolls it back. */
static accept_result accept_application(const ingest_ctx *ctx, PGconn *c, const app_application *a, const char *app_id,
                            const char *body_hash, const char *trace) {
    received_msg m = {0};
    accept_result res = ACCEPT_DB_DOWN;
    uint8_t key[DATA_KEY_BYTES];
    uint8_t *sealed_blob = NULL;
    data_key_status ks = data_key_get(c, app_id, 1, key);
    if (ks == DATA_KEY_ERASED) res = ACCEPT_ERASED;
    if (ks != DATA_KEY_OK) goto cleanup;
    if (pg_run(c, "BEGIN", 0, NULL)) goto cleanup;
    const char *p[] = {a->board, a->board_application_id, app_id, body_hash};
    PGresult *r = pg_exec(c,
                          "INSERT INTO ingest.idempotency_keys (board, board_application_id, application_id, body_sha256)"
                          " VALUES ($1, $2, $3, $4) ON CONFLICT (board, board_application_id) DO NOTHING"
                          " RETURNING 1",
                          4, p);
    if (!pg_ok(r)) {
        PQclear(r);
        goto cleanup;
    }
    int inserted = PQntuples(r) == 1;
    PQclear(r);
    if (!inserted) {
        r = pg_exec(c,
                    "SELECT body_sha256 FROM ingest.idempotency_keys WHERE board = $1 AND board_application_id = $2",
                    2, p);
        if (!pg_ok(r) || PQntuples(r) != 1) {
            PQclear(r);
            goto cleanup;
        }
        res = strcmp(PQgetvalue(r, 0, 0), body_hash) == 0 ? ACCEPT_SAME : ACCEPT_CONFLICT;
        PQclear(r);
        goto cleanup;
    }
    for (size_t i = 0; i < a->documents.n; i++) {
        const app_document *d = &a->documents.v[i];
        if (documents_store(c, app_id, d->sha256, d->content_type, d->data, d->len)) goto cleanup;
    }
    if (received_init(&m, &a->candidate, &a->documents) || received_set_answers(&m, a)) goto cleanup;
    m.msg.application_id = (char *)app_id;
    m.msg.board = a->board;
    m.msg.board_application_id = a->board_application_id;
    m.msg.account_id = a->account_id;
    m.msg.posting_id = (char *)S(a->posting_id);
    atsbridge__v1__consent__init(&m.consent);
    m.consent.privacy_policy_accepted = a->privacy_policy_accepted;
    m.consent.accepted_at_ms = a->accepted_at_ms;
    m.msg.consent = &m.consent;
    m.msg.body_sha256 = (char *)body_hash;
    Atsbridge__V1__ApplicationReceived sealed; /* what goes on the wire: personal fields sealed */
    if (personal_seal_received(&m.msg, key, &sealed, &sealed_blob)) goto cleanup;

    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = (char *)app_id;
    ev.account_id = a->account_id;
    ev.type = "received";
    ev.state = "received";
    ev.board = a->board;
    ev.posting_id = (char *)S(a->posting_id);

    produce_batch b;
    produce_batch_init(&b, ctx->svc->producer, "ingest");
    produce_batch_proto(&b, ctx->topic_received, app_id, SCHEMA_RECEIVED, &sealed.base, trace);
    produce_batch_event(&b, &ev, NULL, trace);
    if (produce_batch_wait(&b, "application")) {
        res = ACCEPT_KAFKA_DOWN;
        goto cleanup;
    }
    /* Kafka has it. Should the commit fail now, the board's retry produces
     * the same application id again, which consumers deduplicate. */
    if (pg_run(c, "COMMIT", 0, NULL)) goto cleanup;
    res = ACCEPT_NEW;
cleanup:
    sodium_memzero(key, sizeof key);
    free(sealed_blob);
    received_free(&m);
    return res;
}

static void answer_id(const ingest_ctx *ctx, http_response *resp, int status, const char *app_id) {
    char url[512];
    snprintf(url, sizeof url, "%s/v1/applications/%s", ctx->cfg.status_url_base, app_id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "application_id", json_object_new_string(app_id));
    json_object_object_add(o, "status_url", json_object_new_string(url));
    http_json(resp, status, o);
}

void applications_post(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    app_application app = {0};
    errlist errs = {0};
    const char *board = req->principal; /* board_keys_authorize_board */
    char trace[80], app_id[64], body_hash[CRYPTO_SHA256_HEX];
    ingest_trace_id(req, trace, sizeof trace);
    PGconn *c = pg_pool_acquire(ctx->svc->db);
    if (!c) {
        ingest_unavailable(ctx, resp, "database");
        goto cleanup;
    }

    const char *ct = http_header(req, "Content-Type");
    char boundary[80];
    if (ingest_is_json(ct)) {
        app_parse(req->body, req->body_len, &ctx->cfg.limits, &app, &errs);
    } else if (multipart_boundary(ct, boundary, sizeof boundary) == 0) {
        applications_parse_multipart(req->body, req->body_len, ct, &ctx->cfg.limits, &app, &errs);
    } else {
        http_error(resp, 415, "unsupported_media_type",
                   "Send application/json or multipart/form-data with a boundary.");
        goto cleanup;
    }
    int status = errlist_status(&errs);
    if (status == 400 || status == 413) {
        ingest_respond_errors(resp, &errs);
        goto cleanup;
    }
    if (app.board && strcmp(app.board, board) != 0) {
        http_error(resp, 403, "forbidden", "This API key may not submit applications for that board.");
        goto cleanup;
    }
    if (ingest_check_grant(ctx, c, app.account_id, ACCOUNTS_GRANT_BOARDS, board, &errs, resp)) goto cleanup;

    crypto_derive_id(app_id, sizeof app_id, "app_", app.board, app.board_application_id, (const char *)NULL);
    app_canonical_sha256(&app, body_hash);
    switch (accept_application(ctx, c, &app, app_id, body_hash, trace)) {
    case ACCEPT_NEW:
        metrics_counter_add("atsb_ingest_bytes_total", "route=\"applications\"", (double)req->body_len);
        metrics_counter_add("atsb_ingest_applications_total", "source=\"board\"", 1);
        log_event(LOG_INFO, trace, "application accepted", "application_id", app_id, "board", board,
                  (const char *)NULL);
        answer_id(ctx, resp, 202, app_id);
        break;
    case ACCEPT_SAME:
        log_event(LOG_INFO, trace, "application resent", "application_id", app_id, (const char *)NULL);
        answer_id(ctx, resp, 200, app_id);
        break;
    case ACCEPT_CONFLICT:
        http_error(resp, 409, "conflict",
                   "This board_application_id was already submitted with a different body.");
        break;
    case ACCEPT_ERASED:
        log_event(LOG_INFO, trace, "erased application submitted again", "application_id", app_id,
                  (const char *)NULL);
        http_error(resp, 410, "erased", "This application was erased; it cannot be submitted again.");
        break;
    case ACCEPT_DB_DOWN:
        ingest_unavailable(ctx, resp, "database");
        break;
    case ACCEPT_KAFKA_DOWN:
        ingest_unavailable(ctx, resp, "message broker");
        break;
    }
cleanup:
    pg_pool_release(ctx->svc->db, c);
    app_application_free(&app);
    errlist_free(&errs);
}
