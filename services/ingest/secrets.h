#ifndef INGEST_SECRETS_H
#define INGEST_SECRETS_H

#include <libpq-fe.h>

/* Signing secrets (Lever webhook signature tokens per account and event,
 * provider callback secrets) in ingest.secrets, sealed with crypto_seal
 * (ATSB_SECRET_KEY) and stored as base64. Plaintexts are never logged. */

#define SECRET_LEVER_WEBHOOK "lever_webhook_token"
#define SECRET_PROVIDER_CALLBACK "provider_callback_secret"

/* Seals and upserts (kind, owner, name). Returns 0, or -1 on a database or
 * sealing error. */
int secrets_put(PGconn *c, const char *kind, const char *owner, const char *name, const char *plaintext);

/* Loads and opens a secret. Returns 0 with *out a malloc'd plaintext (the
 * caller wipes and frees it), 1 when there is none (or it no longer opens
 * under the current key; logged), -1 on a database error. */
int secrets_get(PGconn *c, const char *kind, const char *owner, const char *name, char **out);

/* Wipes and frees a plaintext from secrets_get (NULL is fine). */
void secrets_free(char *plaintext);

#endif
