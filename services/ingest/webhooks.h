#ifndef INGEST_WEBHOOKS_H
#define INGEST_WEBHOOKS_H

#include "crypto.h"
#include "errlist.h"
#include "http_server.h"

#include <json-c/json.h>
#include <stdint.h>

/* Lever webhooks (ATS-NOTES.md): body {triggeredAt, event, signature, token,
 * data}; signature = lowercase hex HMAC-SHA256 of token + triggeredAt keyed
 * with the account's signature token for that event. */

typedef struct {
    json_object *root;         /* owns every string below */
    const char *event;         /* NULL when absent */
    const char *signature;
    const char *token;
    char triggered_at[24];     /* decimal text as signed; "" when absent */
    int64_t triggered_at_ms;
    const char *opportunity_id; /* data.opportunityId; NULL on test pings */
    const char *contact_id;     /* data.contactId (or data.candidateId) */
    const char *from_stage_id;
    const char *to_stage_id;
} lever_webhook;

/* Parses a delivery. Missing signing fields are left NULL/"" for the caller
 * to reject with 401; wrong JSON or wrong field types add a 400 item and
 * return -1. Pure. Free with lever_webhook_free either way. */
int lever_webhook_parse(const char *body, size_t len, lever_webhook *out, errlist *errs);
void lever_webhook_free(lever_webhook *w);

/* The signature Lever computes for (token, triggered_at). */
void lever_webhook_sign(const char *signature_token, const char *token, const char *triggered_at,
                        char out[CRYPTO_SHA256_HEX]);

/* Verifies a parsed delivery: signing fields present, signature computed
 * with signature_token, triggeredAt within max_age_ms of now_ms. Pure.
 * Returns 0, or -1 with the 401 answer's *code ("signature_missing",
 * "signature_invalid", "stale") and *message (static strings). */
int lever_webhook_verify(const lever_webhook *w, const char *signature_token, int64_t now_ms, int64_t max_age_ms,
                         const char **code, const char **message);
/* POST /v1/webhooks/lever/{account_id}; ctx is the ingest_ctx. */
void webhooks_lever_post(const http_request *req, http_response *resp, void *ctx);

#endif
