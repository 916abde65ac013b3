#ifndef STATUS_ROUTES_H
#define STATUS_ROUTES_H

/* status's route table as an X-macro, so openapi.yaml can be checked
 * against it without linking the handlers (tests/openapi/test_openapi_routes.c):
 * R(method, pattern, handler, max_body, authorize, accept) per route; main.c
 * expands it into its http_route table. */
#define STATUS_ROUTES(R)                                                                                          \
    R("GET", "/v1/applications", query_application_list, 0, api_authorize, 0)                                    \
    R("GET", "/v1/applications/{id}", query_application_get, 0, api_authorize, 0)                                \
    R("DELETE", "/v1/applications/{id}", admin_application_delete, 0, auth_admin_route, 0)                       \
    R("GET", "/v1/exports", query_export_list, 0, api_authorize, 0)                                              \
    R("GET", "/v1/exports/{id}", query_export_get, 0, api_authorize, 0)                                          \
    R("GET", "/v1/exports/{id}/applications", query_export_applications, 0, api_authorize, 0)                   \
    R("GET", "/v1/accounts", admin_account_list, 0, auth_admin_route, 0)                                         \
    R("GET", "/v1/accounts/{id}", admin_account_get, 0, auth_admin_route, 0)                                     \
    R("PUT", "/v1/accounts/{id}", admin_account_put, 64 * 1024, auth_admin_route, HTTP_ACCEPT_JSON)              \
    R("POST", "/v1/accounts/{id}/go-live", admin_account_go_live, 4096, auth_admin_route, HTTP_ACCEPT_JSON)      \
    R("POST", "/v1/accounts/{id}/notification-secret", notify_secret_post, 4096, auth_admin_route,               \
      HTTP_ACCEPT_JSON)                                                                                           \
    R("GET", "/v1/accounts/{id}/sync", query_account_sync, 0, api_authorize, 0)                                  \
    R("GET", "/v1/background-checks", query_check_list, 0, api_authorize, 0)                                     \
    R("GET", "/v1/background-checks/{id}", query_check_get, 0, api_authorize, 0)                                 \
    R("GET", "/v1/erasures/{id}", admin_erasure_get, 0, auth_admin_route, 0)                                     \
    R("PUT", "/v1/admin/operators/{name}", admin_operator_put, 4096, auth_bootstrap_route, HTTP_ACCEPT_JSON)     \
    R("DELETE", "/v1/admin/operators/{name}", admin_operator_delete, 0, auth_bootstrap_route, 0)

#endif
