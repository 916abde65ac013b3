#include "application_states.h"

#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A document without a final application behind every ref (or with a ref
 * status does not know) is kept: the LEFT JOIN makes those NULL, and NULL
 * counts as not expired. Refs go with their documents in the same statement
 * (the foreign key is checked at its end). */
static const char SQL_EXPIRE[] =
    "WITH expired AS ("
    " SELECT r.sha256 FROM ingest.document_refs r"
    " LEFT JOIN status.applications a ON a.application_id = r.application_id"
    " GROUP BY r.sha256"
    " HAVING bool_and(coalesce(a.state IN ('delivered', 'failed', 'rejected')"
    "  AND a.updated_at < now() - $1::int * interval '1 day', false))"
    " LIMIT 500"
    "), refs AS ("
    " DELETE FROM ingest.document_refs r USING expired e WHERE r.sha256 = e.sha256 RETURNING r.application_id"
    "), docs AS ("
    " DELETE FROM ingest.documents d USING expired e WHERE d.sha256 = e.sha256 RETURNING 1"
    ")"
    " SELECT DISTINCT refs.application_id, a.account_id, (SELECT count(*) FROM docs)"
    " FROM refs JOIN status.applications a ON a.application_id = refs.application_id";

int application_states_expire_documents(PGconn *c, int days, expired_documents *out) {
    memset(out, 0, sizeof *out);
    char d[16];
    snprintf(d, sizeof d, "%d", days);
    const char *p[] = {d};
    PGresult *r = pg_exec(c, SQL_EXPIRE, 1, p);
    int rc = pg_ok(r) ? 0 : pg_is_undefined_table(r) ? 1 : -1;
    size_t n = rc == 0 ? (size_t)PQntuples(r) : 0;
    if (n) {
        out->application_ids = calloc(n, sizeof *out->application_ids);
        out->account_ids = calloc(n, sizeof *out->account_ids);
        if (!out->application_ids || !out->account_ids) rc = -1;
        for (size_t i = 0; rc == 0 && i < n; i++, out->n++) {
            out->application_ids[i] = strdup(PQgetvalue(r, (int)i, 0));
            out->account_ids[i] = strdup(PQgetvalue(r, (int)i, 1));
            if (!out->application_ids[i] || !out->account_ids[i]) rc = -1;
        }
        out->documents = strtol(PQgetvalue(r, 0, 2), NULL, 10);
    }
    if (rc) expired_documents_free(out);
    PQclear(r);
    return rc;
}

void expired_documents_free(expired_documents *e) {
    for (size_t i = 0; i < e->n; i++) {
        free(e->application_ids[i]);
        free(e->account_ids[i]);
    }
    free(e->application_ids);
    free(e->account_ids);
    memset(e, 0, sizeof *e);
}
