#ifndef ATSB_DELIVERY_OAUTH_H
#define ATSB_DELIVERY_OAUTH_H

#include "http_server.h"

#include <stddef.h>

/* Lever activation (OAuth 2 authorization code, seed 000).
 *
 * POST /v1/accounts/{id}/connections/lever (admin token), optional body
 * {"name"}: stores a random state (single use, bound to the account and
 * connection name, expires after 10 minutes) in delivery.oauth_states and
 * answers 201 {"activation_url", "connection", "expires_at"}. The link
 * carries exactly client_id, redirect_uri, state, scope, response_type=code,
 * prompt=consent and audience.
 *
 * GET /oauth/lever/callback?code&state (no admin token: the state is the
 * credential): consumes the state, exchanges the code at the token endpoint
 * and stores the tokens sealed (credentials_save). 400 invalid_state for an
 * unknown or used state, 400 state_expired, 400 access_denied when Lever
 * sent an error, 400 invalid_grant when the code was refused, 503 when the
 * token endpoint is unreachable. ctx of both handlers is the dctx. */

void oauth_lever_start(const http_request *req, http_response *resp, void *ctx);
void oauth_lever_callback(const http_request *req, http_response *resp, void *ctx);

/* Builds the activation link into out. Query values are percent-encoded
 * except RFC 3986 unreserved characters and ':' '/' (so the scope reads as
 * in Lever's own examples). Returns 0, or -1 when it does not fit. Pure. */
int oauth_activation_url(const char *authorize_url, const char *client_id, const char *redirect_uri,
                         const char *state, const char *audience, char *out, size_t outlen);

/* The scope atsbridge asks for. */
#define OAUTH_LEVER_SCOPE "offline_access postings:read:admin postings:write:admin uploads:write:admin"

#endif
