#ifndef ATSB_DELIVERY_CONNECTIONS_API_H
#define ATSB_DELIVERY_CONNECTIONS_API_H

#include "http_server.h"

#include <stddef.h>

/* Delivery's connection API (admin token, docs/delivery.md):
 *   POST   /v1/accounts/{id}/connections/eploy  {"name"?, "site_url", "client_id", "client_secret"}
 *          validated by obtaining a token before anything is stored
 *   GET    /v1/accounts/{id}/connections         health of every connection
 *   GET    /v1/accounts/{id}/connections/{name}  health of one
 *   DELETE /v1/accounts/{id}/connections/{name}  revoke
 * Health is {name, ats, site_url, client_id, status: connected|broken|revoked,
 * last_success_at, last_error, last_error_at, token_expires_at}: never a
 * secret. Lever activation lives in oauth.h. ctx is the dctx. */

void connections_eploy(const http_request *req, http_response *resp, void *ctx);
void connections_list(const http_request *req, http_response *resp, void *ctx);
void connections_get(const http_request *req, http_response *resp, void *ctx);
void connections_delete(const http_request *req, http_response *resp, void *ctx);

/* The connection name from an optional {"name"} body (default
 * "Connection-OAuth-1"): 0, or -1 after answering 400 (malformed JSON), 413
 * json_too_large (beyond JSON_LIMITS_DEFAULT, json_bounded.h) or 422. */
int connections_name_from_body(const http_request *req, http_response *resp, char *name, size_t len);

#endif
