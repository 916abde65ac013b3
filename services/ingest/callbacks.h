#ifndef INGEST_CALLBACKS_H
#define INGEST_CALLBACKS_H

#include "crypto.h"
#include "errlist.h"
#include "http_server.h"

#include <stdint.h>

/* Background-check provider callbacks, our own signing scheme
 * (docs/ingest.md "Provider callbacks"): X-Provider-Timestamp (Unix seconds) and
 * X-Provider-Signature = lowercase hex HMAC-SHA256 over
 * timestamp + "." + raw body, keyed with the provider's callback secret. */

typedef struct {
    char *order_id;
    char *status_text; /* "Pending Candidate" | "In Progress" | "Completed" */
    int status;        /* ATSBRIDGE__V1__CHECK_STATUS__* */
    char *score;       /* NULL when absent */
    char *report_url;  /* NULL when absent */
    char *reference;   /* our check id; NULL when absent */
    int64_t occurred_at_ms; /* 0 when absent */
} bgcheck_callback;

/* Parses and validates a callback body (400 malformed, 422 invalid fields).
 * occurred_at may be RFC 3339 text or Unix milliseconds. Pure. Returns 0 or
 * -1; free with bgcheck_callback_free either way. */
int bgcheck_callback_parse(const char *body, size_t len, bgcheck_callback *out, errlist *errs);
void bgcheck_callback_free(bgcheck_callback *cb);

/* The signature for (timestamp text, body). */
void bgcheck_callback_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                           char out[CRYPTO_SHA256_HEX]);

/* Verifies a callback: timestamp (X-Provider-Timestamp, Unix seconds) and
 * signature (X-Provider-Signature; either may be NULL when absent) against
 * secret and body, and the timestamp within max_age_s of now_s. Pure.
 * Returns 0, or -1 with the 401 answer's *code ("signature_missing",
 * "signature_invalid", "stale") and *message (static strings). */
int bgcheck_callback_verify(const char *secret, const char *timestamp, const char *signature, const char *body,
                            size_t len, int64_t now_s, int64_t max_age_s, const char **code,
                            const char **message);
/* POST /v1/callbacks/bgcheck/{provider}; ctx is the ingest_ctx. */
void callbacks_bgcheck_post(const http_request *req, http_response *resp, void *ctx);

#endif
