#ifndef DELIVERY_ROUTES_H
#define DELIVERY_ROUTES_H

/* delivery's route table as an X-macro, so openapi.yaml can be checked
 * against it without linking the handlers (tests/openapi/test_openapi_routes.c):
 * R(method, pattern, handler, authorize, accept) per route; main.c expands
 * it into its http_route table. */
#define DELIVERY_ROUTES(R)                                                                                       \
    R("POST", "/v1/accounts/{id}/connections/lever", oauth_lever_start, auth_admin_route, HTTP_ACCEPT_JSON)     \
    R("POST", "/v1/accounts/{id}/connections/eploy", connections_eploy, auth_admin_route, HTTP_ACCEPT_JSON)     \
    R("GET", "/v1/accounts/{id}/connections", connections_list, auth_admin_route, 0)                            \
    R("GET", "/v1/accounts/{id}/connections/{name}", connections_get, auth_admin_route, 0)                      \
    R("DELETE", "/v1/accounts/{id}/connections/{name}", connections_delete, auth_admin_route, 0)                \
    R("GET", "/v1/deadletters", deadletters_list, auth_admin_route, 0)                                          \
    R("POST", "/v1/deadletters/replay", deadletters_replay, auth_admin_route, HTTP_ACCEPT_JSON)                 \
    R("GET", "/oauth/lever/callback", oauth_lever_callback, NULL, 0)

#endif
