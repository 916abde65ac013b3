#ifndef STATUS_QUERY_API_H
#define STATUS_QUERY_API_H

#include "http_server.h"

/* Read endpoints (ctx: status_app *), behind api_authorize (api.h): the
 * admin token or ATSB_STATUS_READ_TOKEN reads everything, a board's or a
 * sourcing tool's API key what it submitted (its applications, a tool's
 * export tasks) and gets 404 for everything else; 401 without a valid
 * credential. Unknown ids answer 404 in atsbridge's error shape; bad
 * query parameters 400 with one detail per parameter; a database outage
 * 503. */

/* GET /v1/applications/{id}: the application object (docs/status.md "Query
 * endpoints") with the event timeline. */
void query_application_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/applications?account=&board=&state=&since=&limit=&cursor= (a key: its own) */
void query_application_list(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/exports/{id} */
void query_export_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/exports/{id}/applications[?state=&limit=&cursor=]: the task's
 * applications, ids and states only, oldest first ({"applications": [...],
 * "next_cursor"}); readable by whoever reads the task. */
void query_export_applications(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/exports[?source_tool=&limit=&cursor=]: export tasks newest first
 * ({"exports": [...], "next_cursor"}): a sourcing tool's key its own, the
 * admin or read token all; a board's key 404. */
void query_export_list(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/accounts/{id}/sync */
void query_account_sync(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/background-checks/{id} */
void query_check_get(const http_request *req, http_response *resp, void *ctx);
/* GET /v1/background-checks?opportunity=|account=[&status=&limit=&cursor=] */
void query_check_list(const http_request *req, http_response *resp, void *ctx);

#endif
