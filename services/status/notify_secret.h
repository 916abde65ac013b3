#ifndef STATUS_NOTIFY_SECRET_H
#define STATUS_NOTIFY_SECRET_H

#include "http_server.h"

#include <libpq-fe.h>

/* The per-account secret that signs operator notifications (docs/status.md
 * "Operator notifications"). Status generates it (32 random bytes as hex
 * after "nsec_"), stores it sealed (crypto_seal_hex, ATSB_SECRET_KEY) in
 * status.accounts.notification_secret, and shows it exactly once: in the
 * answer to the PUT that first sets a notification_url, and in the answer to
 * POST /v1/accounts/{id}/notification-secret, which replaces it (rotation).
 * GET shows only notification_secret_set. Never logged. */

#define NOTIFY_SECRET_LEN 70 /* "nsec_" + 64 hex + NUL */

/* A new secret into out. Can't fail. */
void notify_secret_new(char out[NOTIFY_SECRET_LEN]);

/* Seals and stores secret for account inside the caller's transaction; with
 * only_if_missing, only when the account has a notification URL and no
 * secret yet. Returns 1 when stored, 0 when not (no such account, or one is
 * already set), -1 on a database or sealing error. */
int notify_secret_store(PGconn *c, const char *account, const char *secret, int only_if_missing);

/* Loads and opens the account's secret: 0 with *out malloc'd (the caller
 * wipes and frees it with crypto_free_plain), 1 when none is set or it does
 * not open under the current key, -1 on a database error. */
int notify_secret_load(PGconn *c, const char *account, char **out);

#endif
