#include "erasure.h"

#include "pg.h"

/* The statement's snapshot still shows the refs it deletes, hence
 * "another application" in the NOT EXISTS. A ref another request adds
 * concurrently makes the document's delete fail on the foreign key (the
 * batch is retried, and then keeps the document). */
static const char SQL_ERASE[] =
    "WITH refs AS ("
    " DELETE FROM ingest.document_refs WHERE application_id = $1 RETURNING sha256"
    "), docs AS ("
    " DELETE FROM ingest.documents d WHERE d.sha256 IN (SELECT sha256 FROM refs)"
    "  AND NOT EXISTS (SELECT 1 FROM ingest.document_refs o"
    "                  WHERE o.sha256 = d.sha256 AND o.application_id <> $1)"
    " RETURNING 1"
    "), keys AS ("
    " UPDATE ingest.idempotency_keys SET body_sha256 = 'erased'"
    " WHERE application_id = $1 AND body_sha256 <> 'erased' RETURNING 1"
    ")"
    " SELECT (SELECT count(*) FROM refs), (SELECT count(*) FROM docs), (SELECT count(*) FROM keys)";

int ingest_erase(void *ctx, PGconn *c, const char *application_id, const char *account_id) {
    (void)ctx;
    (void)account_id;
    const char *p[] = {application_id};
    PGresult *r = pg_exec(c, SQL_ERASE, 1, p);
    int rc = pg_ok(r) ? 0 : -1;
    PQclear(r);
    return rc;
}
