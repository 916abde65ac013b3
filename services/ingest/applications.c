#include "applications.h"

#include "accept_batch.h"
#include "crypto.h"
#include "ingest.h"
#include "multipart.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void applications_post(const http_request *req, http_response *resp, void *vctx) {
    const ingest_ctx *ctx = vctx;
    accept_job *job = calloc(1, sizeof *job);
    errlist errs = {0};
    const char *board = req->principal; /* board_keys_authorize_board */
    if (!job) {
        http_unavailable(resp, ctx->cfg.retry_after_s, "server_busy", "Out of memory; retry shortly.");
        goto cleanup;
    }
    app_application *app = &job->app;
    const char *ct = http_header(req, "Content-Type");
    char boundary[80];
    if (ingest_is_json(ct)) {
        app_parse(req->body, req->body_len, &ctx->cfg.limits, app, &errs);
    } else if (multipart_boundary(ct, boundary, sizeof boundary) == 0) {
        applications_parse_multipart(req->body, req->body_len, ct, &ctx->cfg.limits, app, &errs);
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
    if (app->board && strcmp(app->board, board) != 0) {
        http_error(resp, 403, "forbidden", "This API key may not submit applications for that board.");
        goto cleanup;
    }
    /* No connection held: the grant is usually cached, and the committer
     * that stores the application has its own. */
    if (ingest_check_grant(ctx, NULL, app->account_id, ACCOUNTS_GRANT_BOARDS, board, &errs, resp)) goto cleanup;

    crypto_derive_id(job->app_id, sizeof job->app_id, "app_", app->board, app->board_application_id,
                     (const char *)NULL);
    app_canonical_sha256(app, job->body_hash);
    ingest_trace_id(req, job->trace, sizeof job->trace);
    job->body_len = req->body_len;
    job->reply = http_defer(req);
    accept_batcher_submit(ctx->batcher, job); /* answers the request */
    job = NULL;
cleanup:
    if (job) app_application_free(&job->app);
    free(job);
    errlist_free(&errs);
}
