#ifndef ATSB_APPLICATION_STATES_H
#define ATSB_APPLICATION_STATES_H

#include <libpq-fe.h>
#include <stddef.h>

/* Each application's state as status records it, status.applications:
 * status owns it (its migrations create and change it, its projections are
 * the only writer). ingest's document retention reads it only through this
 * module (DESIGN.md "Shared stores", "Retention"), relying on
 * application_id, account_id, state (final: delivered, failed, rejected)
 * and updated_at (when it became so).
 *
 * The read is a join with ingest's own document_refs, and the documents it
 * finds expired are deleted (with their refs) by the same statement, so the
 * expiry is decided and applied at once, as one statement. */

/* What application_states_expire_documents deleted. */
typedef struct {
    size_t n;               /* applications that lost documents */
    char **application_ids; /* n of them */
    char **account_ids;     /* the account of each */
    long documents;         /* documents deleted */
} expired_documents;

/* Deletes up to 500 of ingest's documents (and their refs) every
 * application of which has been final in status.applications for days or
 * longer; a document held by an application status does not know yet is
 * kept. Runs inside the caller's transaction. Returns 0 with out filled
 * (free with expired_documents_free), 1 when status.applications does not
 * exist (status has not migrated here: nothing is final; the transaction is
 * aborted), -1 on a database error or when out of memory. */
int application_states_expire_documents(PGconn *c, int days, expired_documents *out);

/* Frees what application_states_expire_documents filled and zeroes e. Safe
 * on a zeroed struct. */
void expired_documents_free(expired_documents *e);

#endif
