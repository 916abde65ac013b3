#include "stored_documents.h"

#include "pg.h"

#include <stdlib.h>
#include <string.h>

int stored_document_get(PGconn *c, const char *sha256, stored_document *out) {
    memset(out, 0, sizeof *out);
    const char *p[] = {sha256};
    PGresult *r =
        pg_exec_params(c, "SELECT content_type, content FROM ingest.documents WHERE sha256 = $1", 1, p, NULL, NULL, 1);
    int rc = -1;
    if (!pg_ok(r)) goto done;
    rc = 1;
    if (PQntuples(r) != 1) goto done;
    rc = -1;
    size_t len = (size_t)PQgetlength(r, 0, 1);
    out->data = malloc(len ? len : 1);
    out->content_type = strndup(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    if (!out->data || !out->content_type) {
        stored_document_free(out);
        goto done;
    }
    if (len) memcpy(out->data, PQgetvalue(r, 0, 1), len);
    out->len = len;
    rc = 0;
done:
    PQclear(r);
    return rc;
}

void stored_document_free(stored_document *d) {
    free(d->content_type);
    free(d->data);
    memset(d, 0, sizeof *d);
}
