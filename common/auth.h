#ifndef ATSB_AUTH_H
#define ATSB_AUTH_H

#include "http_server.h"

/* Bearer token from the Authorization header into out (NUL-terminated);
 * returns 0, or -1 when the header is missing or not "Bearer <token>". */
int auth_bearer(const http_request *req, char *out, size_t len);

/* Admin endpoints: the bearer token must equal ATSB_ADMIN_TOKEN
 * (config_secret: its development default only with ATSB_DEV=1), compared in
 * constant time. Returns 0, or -1 after answering 401 in resp. */
int auth_admin(const http_request *req, http_response *resp);

/* auth_admin as a route's http_authorize_fn (ctx unused). */
int auth_admin_route(http_request *req, http_response *resp, void *ctx);

#endif
