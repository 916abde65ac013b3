#ifndef INGEST_ERASURE_H
#define INGEST_ERASURE_H

#include <libpq-fe.h>

/* ingest's part of erasure (an erasure_fn of common/erasure_listener.h):
 * deletes the application's document refs, then each of those documents no
 * other application refers to (a CV two applications share stays until the
 * last of them is erased), and marks its idempotency row's body hash
 * 'erased', so a resend of the erased application cannot be compared with
 * it (409, never delivered again). Inside the caller's transaction; ctx is
 * unused. Returns 0, or -1 on a database error. */
int ingest_erase(void *ctx, PGconn *c, const char *application_id, const char *account_id);

#endif
