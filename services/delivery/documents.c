#include "documents.h"

#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void documents_free(cx_document *docs, size_t n) {
    for (size_t i = 0; docs && i < n; i++) {
        free(docs[i].filename);
        free(docs[i].content_type);
        free(docs[i].kind);
        free(docs[i].data);
    }
    free(docs);
}

/* Loads one document into d. 0, 1 missing, -1 error. */
static int load_one(PGconn *c, const Atsbridge__V1__DocumentRef *ref, cx_document *d) {
    const char *p[] = {ref->sha256};
    PGresult *r =
        pg_exec_params(c, "SELECT content_type, content FROM ingest.documents WHERE sha256 = $1", 1, p, NULL, NULL, 1);
    int rc = -1;
    if (!pg_ok(r)) goto done;
    rc = 1;
    if (PQntuples(r) != 1) goto done;
    size_t len = (size_t)PQgetlength(r, 0, 1);
    d->data = malloc(len ? len : 1);
    d->content_type = strndup(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    d->filename = strdup(ref->filename);
    d->kind = strdup(*ref->kind ? ref->kind : "other");
    rc = -1;
    if (!d->data || !d->content_type || !d->filename || !d->kind) goto done;
    if (len) memcpy(d->data, PQgetvalue(r, 0, 1), len);
    d->len = len;
    if (*ref->content_type) { /* ingest's detected type wins over the stored one */
        free(d->content_type);
        d->content_type = strdup(ref->content_type);
        if (!d->content_type) goto done;
    }
    snprintf(d->sha256, sizeof d->sha256, "%s", ref->sha256);
    rc = 0;
done:
    PQclear(r);
    return rc;
}

int documents_load(PGconn *c, const Atsbridge__V1__ApplicationReceived *app, cx_document **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!app || app->n_documents == 0) return 0;
    cx_document *docs = calloc(app->n_documents, sizeof *docs);
    if (!docs) return -1;
    for (size_t i = 0; i < app->n_documents; i++) {
        int rc = load_one(c, app->documents[i], &docs[i]);
        if (rc) {
            documents_free(docs, i + 1);
            return rc;
        }
    }
    *out = docs;
    *n = app->n_documents;
    return 0;
}
