#ifndef ATSB_DELIVERY_OAUTH_H
#define ATSB_DELIVERY_OAUTH_H

#include "accounts.h"
#include "dctx.h"
#include "http_server.h"

#include <libpq-fe.h>

#include <stddef.h>

/* Lever activation (OAuth 2 authorization code, seed 000).
 *
 * POST /v1/accounts/{id}/connections/lever (admin token), optional body
 * {"name", "return_to"}: stores a random state (single use, bound to the
 * account and connection name, expires after 10 minutes) and the return_to
 * URL (an http(s) URL whose origin ATSB_DELIVERY_RETURN_ORIGINS lists, else
 * 422) in delivery.oauth_states and
 * answers 201 {"activation_url", "connection", "expires_at"}. The link
 * carries exactly client_id, redirect_uri, state, scope, response_type=code,
 * prompt=consent and audience, for the account's Lever environment
 * (lever_env.h); the scope follows the account's features (lever_scopes.h).
 *
 * GET /oauth/lever/callback?code&state (no admin token: the state is the
 * credential): consumes the state, exchanges the code at the token endpoint
 * at the link's environment and stores the tokens sealed with the scopes
 * Lever granted (credentials_save). 400 invalid_state for an
 * unknown or used state, 400 state_expired, 400 access_denied when Lever
 * sent an error, 400 invalid_grant when the code was refused, 503 when the
 * token endpoint is unreachable. When the link was issued with a return_to,
 * every answer after the state was found is instead a 303 to return_to with
 * ?notice=linked or ?link_error=<the code>, so the browser lands back on the
 * page that started it (the operator console's Connections page). ctx of
 * both handlers is the dctx. */

void oauth_lever_start(const http_request *req, http_response *resp, void *ctx);
void oauth_lever_callback(const http_request *req, http_response *resp, void *ctx);

/* Builds the activation link into out. Query values are percent-encoded
 * except RFC 3986 unreserved characters and ':' '/' (so the scope reads as
 * in Lever's own examples). Returns 0, or -1 when it does not fit. Pure. */
int oauth_activation_url(const char *authorize_url, const char *client_id, const char *redirect_uri,
                         const char *state, const char *scope, const char *audience, char *out, size_t outlen);

typedef enum {
    OAUTH_LINK_OK,
    OAUTH_LINK_NO_ENVIRONMENT, /* the deployment does not configure the account's environment */
    OAUTH_LINK_TOO_LONG,
    OAUTH_LINK_DATABASE,
    OAUTH_LINK_BROKER, /* connection_activation_started was not recorded */
} oauth_link_status;

/* Issues a new activation link for connection name of Lever account a, on
 * behalf of actor: stores its single-use state (with return_to, may be
 * NULL), records connection_activation_started, fills url and expires (ISO
 * 8601). */
oauth_link_status oauth_lever_link(dctx *x, PGconn *c, const account *a, const char *name, const char *actor,
                                   const char *return_to, char *url, size_t urllen, char *expires, size_t explen);

/* 1 when url may be a return_to: http(s), at most OAUTH_RETURN_MAX bytes,
 * printable ASCII without '#', and its origin (scheme://host[:port], exactly)
 * one of the comma-separated origins of list. Pure. */
#define OAUTH_RETURN_MAX 400
int oauth_return_allowed(const char *url, const char *list);

/* Answers the error of a failed oauth_lever_link (nothing for OAUTH_LINK_OK). */
void oauth_lever_link_error(oauth_link_status st, http_response *resp);

#endif
