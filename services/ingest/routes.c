#include "routes.h"

#include "admin.h"
#include "applications.h"
#include "auth.h"
#include "board_keys.h"
#include "callbacks.h"
#include "exports.h"
#include "webhooks.h"

const routes_def routes_table[] = {
    {"POST", "/v1/applications", applications_post, BODY_APPLICATION, board_keys_authorize_board,
     HTTP_ACCEPT_JSON | HTTP_ACCEPT_MULTIPART},
    {"POST", "/v1/exports", exports_post, BODY_EXPORT, board_keys_authorize_tool, HTTP_ACCEPT_JSON},
    {"POST", "/v1/webhooks/lever/{account_id}", webhooks_lever_post, BODY_SIGNED, NULL, HTTP_ACCEPT_JSON},
    {"POST", "/v1/callbacks/bgcheck/{provider}", callbacks_bgcheck_post, BODY_SIGNED, NULL, HTTP_ACCEPT_JSON},
    {"PUT", "/v1/admin/boards/{board}/keys", admin_put_board_key, BODY_SMALL, auth_admin_route, HTTP_ACCEPT_JSON},
    {"PUT", "/v1/admin/source-tools/{tool}/keys", admin_put_tool_key, BODY_SMALL, auth_admin_route,
     HTTP_ACCEPT_JSON},
    {"PUT", "/v1/admin/accounts/{account_id}/lever-webhook-tokens", admin_put_lever_tokens, BODY_SMALL,
     auth_admin_route, HTTP_ACCEPT_JSON},
    {"PUT", "/v1/admin/providers/{provider}/callback-secret", admin_put_provider_secret, BODY_SMALL,
     auth_admin_route, HTTP_ACCEPT_JSON},
};
const size_t routes_count = sizeof routes_table / sizeof routes_table[0];

const char *const routes_builtin[] = {"/healthz", "/readyz", "/metrics"};
const size_t routes_builtin_count = sizeof routes_builtin / sizeof routes_builtin[0];

size_t routes_max_body(routes_body kind, const ingest_config *cfg) {
    size_t docs = cfg->limits.max_total_bytes / 3 * 4 + 4;
    switch (kind) {
    case BODY_SMALL:
    case BODY_SIGNED:
        return 64 * 1024;
    case BODY_APPLICATION:
        return docs + 2 * 1024 * 1024;
    case BODY_EXPORT:
        return docs + cfg->max_export_candidates * 16 * 1024;
    }
    return 1024 * 1024;
}

void routes_build(ingest_ctx *ctx, http_route *out) {
    for (size_t i = 0; i < routes_count; i++) {
        out[i].method = routes_table[i].method;
        out[i].pattern = routes_table[i].pattern;
        out[i].fn = routes_table[i].fn;
        out[i].ctx = ctx;
        out[i].max_body = routes_max_body(routes_table[i].body, &ctx->cfg);
        out[i].authorize = routes_table[i].authorize;
        out[i].accept = routes_table[i].accept;
    }
}
