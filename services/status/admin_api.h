#ifndef STATUS_ADMIN_API_H
#define STATUS_ADMIN_API_H

#include "http_server.h"

/* Admin endpoints (ctx: status_app *); every one requires the admin token
 * (common/auth.h, ATSB_ADMIN_TOKEN) and answers 401 without it. */

/* PUT /v1/accounts/{id}: create (201) or update (200); 422 lists every bad field. */
void admin_account_put(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/accounts/{id} */
void admin_account_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/accounts?limit=&cursor= */
void admin_account_list(const http_request *req, http_response *resp, void *ctx);
/* POST /v1/accounts/{id}/go-live: 200, 404, or 409 when not in test mode. */
void admin_account_go_live(const http_request *req, http_response *resp, void *ctx);
/* POST /v1/accounts/{id}/notification-secret: a new notification signing
 * secret replaces the old one at once (notify_secret.h), recorded as
 * notification_secret_rotated without the secret; 200 {"account_id",
 * "notification_secret"} (shown this once), 404 for an unknown account. */
void notify_secret_post(const http_request *req, http_response *resp, void *ctx);
/* DELETE /v1/applications/{id}: erasure (202). */
void admin_application_delete(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/erasures/{id}: erasure record and confirmations. */
void admin_erasure_get(const http_request *req, http_response *resp, void *ctx);
/* PUT /v1/admin/operators/{name} {"token"}: a named operator (201 new, 200
 * new token; 409 when the token is another's); DELETE removes one. Both for
 * the bootstrap admin token only, recorded as operator_registered,
 * operator_rekeyed, operator_removed with the actor. */
void admin_operator_put(const http_request *req, http_response *resp, void *ctx);
void admin_operator_delete(const http_request *req, http_response *resp, void *ctx);

#endif
