#include "documents.h"

#include "stored_documents.h"

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
    stored_document sd;
    int rc = stored_document_get(c, ref->sha256, &sd);
    if (rc) return rc;
    d->data = sd.data;
    d->len = sd.len;
    d->content_type = sd.content_type;
    d->filename = strdup(ref->filename);
    d->kind = strdup(*ref->kind ? ref->kind : "other");
    if (!d->filename || !d->kind) return -1;
    if (*ref->content_type) { /* ingest's detected type wins over the stored one */
        free(d->content_type);
        d->content_type = strdup(ref->content_type);
        if (!d->content_type) return -1;
    }
    snprintf(d->sha256, sizeof d->sha256, "%s", ref->sha256);
    return 0;
}

documents_result documents_load(PGconn *c, const Atsbridge__V1__ApplicationReceived *app, cx_document **out,
                                size_t *n) {
    *out = NULL;
    *n = 0;
    if (!app || app->n_documents == 0) return DOCUMENTS_LOADED;
    cx_document *docs = calloc(app->n_documents, sizeof *docs);
    if (!docs) return DOCUMENTS_ERROR;
    for (size_t i = 0; i < app->n_documents; i++) {
        int rc = load_one(c, app->documents[i], &docs[i]);
        if (rc) {
            documents_free(docs, i + 1);
            return rc < 0 ? DOCUMENTS_ERROR : DOCUMENTS_MISSING;
        }
    }
    *out = docs;
    *n = app->n_documents;
    return DOCUMENTS_LOADED;
}
