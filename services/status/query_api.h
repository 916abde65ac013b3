#ifndef STATUS_QUERY_API_H
#define STATUS_QUERY_API_H

#include "http_server.h"

/* Read endpoints (ctx: status_app *). Each requires the admin token, or the
 * read-only token ATSB_STATUS_READ_TOKEN when configured; 401 otherwise.
 * Unknown ids answer 404 in the contract's error shape; bad query parameters
 * 400 with one detail per parameter; a database outage 503. */

/* GET /v1/applications/{id}: CONTRACT.md's shape with the event timeline. */
void query_application_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/applications?account=&state=&since=&limit=&cursor= */
void query_application_list(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/exports/{id} */
void query_export_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/accounts/{id}/sync */
void query_account_sync(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/background-checks/{id} */
void query_check_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/background-checks?opportunity= */
void query_check_list(const http_request *req, http_response *resp, void *ctx);

#endif
