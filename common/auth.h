#ifndef ATSB_AUTH_H
#define ATSB_AUTH_H

#include "http_server.h"
#include "pg.h"

/* Bearer token from the Authorization header into out (NUL-terminated);
 * returns 0, or -1 when the header is missing or not "Bearer <token>". */
int auth_bearer(const http_request *req, char *out, size_t len);

/* The pool auth_admin looks named operators up in (common/operators.h);
 * service_start registers it. Without one only the bootstrap token works. */
void auth_init(pg_pool *db);

/* Admin endpoints: the bearer token must be the bootstrap admin token
 * ATSB_ADMIN_TOKEN (config_secret: its development default only with
 * ATSB_DEV=1; compared in constant time) or a named operator's. Returns 0
 * with who it is in actor (may be NULL): "admin" for the bootstrap token,
 * else the operator's name; or -1 after answering 401 (503 when operators
 * cannot be looked up). */
int auth_admin_actor(const http_request *req, http_response *resp, char *actor, size_t len);
int auth_admin(const http_request *req, http_response *resp);

/* auth_admin as a route's http_authorize_fn (ctx unused): the actor goes
 * to req->principal, where auth_actor finds it. */
int auth_admin_route(http_request *req, http_response *resp, void *ctx);
/* Routes for the bootstrap admin token alone (registering operators). */
int auth_bootstrap_route(http_request *req, http_response *resp, void *ctx);

/* The actor of an admin request behind auth_admin_route or
 * auth_bootstrap_route, for its audit event. */
const char *auth_actor(const http_request *req);

#endif
