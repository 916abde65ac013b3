#ifndef INGEST_ADMIN_H
#define INGEST_ADMIN_H

#include "http_server.h"

/* Admin endpoints (admin token, common/auth.h). ctx is the ingest_ctx.
 *   PUT /v1/admin/boards/{board}/keys              {"key"}  board API key
 *   PUT /v1/admin/source-tools/{tool}/keys         {"key"}  sourcing-tool API key
 *   PUT /v1/admin/accounts/{id}/lever-webhook-tokens {"<event>": "<token>", ...}
 *   PUT /v1/admin/providers/{provider}/callback-secret {"secret"} */
void admin_put_board_key(const http_request *req, http_response *resp, void *ctx);
void admin_put_tool_key(const http_request *req, http_response *resp, void *ctx);
void admin_put_lever_tokens(const http_request *req, http_response *resp, void *ctx);
void admin_put_provider_secret(const http_request *req, http_response *resp, void *ctx);

#endif
