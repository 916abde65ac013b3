#ifndef CONSOLE_ROUTES_H
#define CONSOLE_ROUTES_H

/* The console's pages as an X-macro: R(method, pattern, handler, max_body,
 * accept) per route; main.c expands it. No route has an http_authorize_fn:
 * the session is a cookie, which each handler checks (page_begin), and a
 * page without one redirects to /sign-in instead of answering 401. HTML
 * pages have no OpenAPI description (docs/console.md). Order matters:
 * /accounts/new before /accounts/{id}. */
#define CONSOLE_FORM_MAX (64 * 1024)
#define CONSOLE_ROUTES(R)                                                                                    \
    R("GET", "/", console_root, 0, 0)                                                                        \
    R("GET", "/static/console.css", console_css, 0, 0)                                                       \
    R("GET", "/favicon.ico", console_favicon, 0, 0)                                                          \
    R("GET", "/sign-in", console_sign_in_form, 0, 0)                                                         \
    R("POST", "/sign-in", console_sign_in, 4096, HTTP_ACCEPT_FORM)                                           \
    R("POST", "/sign-out", console_sign_out, 4096, HTTP_ACCEPT_FORM)                                         \
    R("GET", "/accounts", console_accounts, 0, 0)                                                            \
    R("POST", "/accounts", console_account_create, CONSOLE_FORM_MAX, HTTP_ACCEPT_FORM)                       \
    R("GET", "/accounts/new", console_account_new, 0, 0)                                                     \
    R("GET", "/accounts/{id}", console_account, 0, 0)                                                        \
    R("POST", "/accounts/{id}", console_account_save, CONSOLE_FORM_MAX, HTTP_ACCEPT_FORM)                    \
    R("POST", "/accounts/{id}/go-live", console_account_go_live, 4096, HTTP_ACCEPT_FORM)                     \
    R("GET", "/accounts/{id}/connections", console_connections, 0, 0)                                        \
    R("POST", "/accounts/{id}/connections/lever", console_connect_lever, 4096, HTTP_ACCEPT_FORM)             \
    R("POST", "/accounts/{id}/connections/eploy", console_connect_eploy, 16384, HTTP_ACCEPT_FORM)            \
    R("POST", "/accounts/{id}/connections/{name}/revoke", console_connection_revoke, 4096, HTTP_ACCEPT_FORM) \
    R("GET", "/applications", console_applications, 0, 0)                                                    \
    R("GET", "/applications/{id}", console_application, 0, 0)                                                \
    R("GET", "/deadletters", console_deadletters, 0, 0)                                                      \
    R("POST", "/deadletters/replay", console_deadletters_replay, CONSOLE_FORM_MAX, HTTP_ACCEPT_FORM)         \
    R("GET", "/exports", console_exports, 0, 0)                                                              \
    R("GET", "/exports/{id}", console_export, 0, 0)                                                          \
    R("GET", "/background-checks", console_checks, 0, 0)

#endif
