#ifndef ATSSIM_LEVER_OAUTH_H
#define ATSSIM_LEVER_OAUTH_H

#include "http_server.h"

#include <json-c/json.h>
#include <stddef.h>

/* Lever's OAuth 2 (Auth0): authorize (consent), token endpoint with
 * authorization_code and rotating refresh_token grants, bearer and scope
 * checks and the per-token rate limits of the Lever API.
 *
 * Two environments serve the same routes and data: production under
 * LEVER_PRODUCTION_PREFIX and the sandbox (api.sandbox.lever.co, its own
 * auth) under LEVER_SANDBOX_PREFIX. A request's environment is its path
 * prefix; codes and tokens are only valid in the environment that issued
 * them. */
#define LEVER_PRODUCTION_PREFIX "/lever"
#define LEVER_SANDBOX_PREFIX "/lever-sandbox"

/* dispatch handlers (take the state lock themselves) */
void lever_oauth_authorize(const http_request *req, http_response *resp);
void lever_oauth_token(const http_request *req, http_response *resp);

/* Checks the bearer token (of the request's environment), that its scopes
 * grant scope (an "X:write:admin" grants "X:read:admin" too) and the rate
 * limits (apply != 0 also takes from the application-submission bucket).
 * Lock held. Returns 0 with the token's site id copied into site, or -1 with
 * resp filled (401 / 403 ForbiddenError / 429 + Retry-After); a refused call
 * changes nothing. */
int lever_oauth_admit(const http_request *req, http_response *resp, const char *scope, int apply,
                      char *site, size_t sitelen);

/* Control API (lock held). Mints a token pair for site without the consent
 * flow, with scope (NULL: every known scope) in environment ("production"
 * or "sandbox"; NULL: production). Returns the token response object plus
 * "site" and "environment", or NULL with err (unknown site, environment or
 * scope). */
json_object *lever_oauth_mint(const char *site, const char *scope, const char *environment, char *err,
                              size_t errlen);
/* Makes every access token expired (the next API call answers 401). */
void lever_oauth_expire_all(void);
/* Changes the rate limits from {"rate","burst","apply_rate","apply_burst"}
 * (numbers, 0 = unlimited). Returns 0 or -1 with err (nothing changed). */
int lever_oauth_set_rates(json_object *spec, char *err, size_t errlen);
json_object *lever_oauth_rates(void);

/* Back to the seed's "lever" object (lock held); NULL frees everything.
 * Returns 0, or -1 with err when the seed is unusable. Environment
 * variables ATSB_SIM_LEVER_RATE/_BURST/_APPLY_RATE/_APPLY_BURST and
 * ATSB_SIM_LEVER_TOKEN_TTL_S override the seed. */
int lever_oauth_reset(json_object *lever_seed, char *err, size_t errlen);

#endif
