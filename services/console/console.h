#ifndef ATSB_CONSOLE_H
#define ATSB_CONSOLE_H

#include "form.h"
#include "html.h"
#include "http_server.h"
#include "session.h"
#include "signin_limit.h"

#include <json-c/json.h>
#include <stdint.h>

/* The operator console (docs/console.md): server-rendered pages over
 * status's and delivery's HTTP APIs, called with the signed-in operator's
 * token. No database, no state between requests but the sealed cookie. */

#define CONSOLE_COOKIE "atsb_session"
#define CONSOLE_URL_MAX 256

typedef struct {
    session_keys keys;
    char status_url[CONSOLE_URL_MAX];   /* ATSB_CONSOLE_STATUS_URL, no trailing '/' */
    char delivery_url[CONSOLE_URL_MAX]; /* ATSB_CONSOLE_DELIVERY_URL */
    char public_url[CONSOLE_URL_MAX];   /* ATSB_CONSOLE_PUBLIC_URL, no trailing '/' */
    char origin[CONSOLE_URL_MAX];       /* scheme://host[:port] of public_url */
    int cookie_secure;                  /* ATSB_CONSOLE_COOKIE_SECURE */
    int64_t session_ttl_s;              /* ATSB_CONSOLE_SESSION_TTL_S */
    int timeout_ms;                     /* ATSB_CONSOLE_API_TIMEOUT_MS */
    signin_limiter *signin;             /* POST /sign-in per client address (ATSB_CONSOLE_SIGNIN_*); NULL: none */
} console_app;

/* One request of a signed-in operator. */
typedef struct {
    const console_app *app;
    const http_request *req;
    http_response *resp;
    char cookie[SESSION_COOKIE_MAX];
    char token[SESSION_TOKEN_MAX + 1];
    char csrf[SESSION_CSRF_LEN];
    form form; /* POST only */
} page;

/* ---- backend (api.c) ---- */
typedef enum { API_STATUS = 0, API_DELIVERY = 1 } api_service;

typedef struct {
    long status;       /* HTTP status; 0 when the service did not answer */
    json_object *json; /* the answer when it is JSON (owned), else NULL */
} api_answer;

/* Sends method path (with its query) to the service with token as Bearer,
 * body (may be NULL; not taken) as JSON. Returns 0 when the service
 * answered (whatever the status), -1 when it did not (out->status 0). The
 * caller frees out with api_answer_free either way. */
int api_call(const console_app *a, api_service svc, const char *method, const char *path, const char *token,
             json_object *body, api_answer *out);
void api_answer_free(api_answer *a);
/* The error message of an error answer ("" when none), and its code. */
const char *api_error_message(const api_answer *a);
const char *api_error_code(const api_answer *a);
/* 1 when the service answered and is reachable (GET /healthz 200). */
int api_healthy(const console_app *a, api_service svc);

/* ---- pages (page.c) ---- */
/* Opens a signed-in page: 0, or -1 after answering (303 to /sign-in when
 * there is no valid session). */
int page_begin(page *p, const console_app *a, const http_request *req, http_response *resp);
/* The same for a form POST: also the same-origin check (Origin, else
 * Referer), the form parse and its CSRF token; -1 after answering 403 (or
 * 400 for a malformed form). The caller calls page_end. */
int page_begin_post(page *p, const console_app *a, const http_request *req, http_response *resp);
void page_end(page *p);

/* Layout: head (title escaped), navigation, <main>; foot closes it. */
void page_head(html_buf *b, const page *p, const char *title);
void page_foot(html_buf *b);
/* The CSRF hidden input of p's session. */
void page_csrf_input(html_buf *b, const page *p);
/* Sends b with status (the security headers, Cache-Control: no-store). */
void page_send(page *p, int status, html_buf *b);
/* 303 to path (a path of this console, "/..." ; or an absolute URL). */
void page_redirect(http_response *resp, const char *location);
/* An error page built from an API answer (503 when the service did not
 * answer; the answer's own status otherwise); a 401 ends the session. */
void page_api_error(page *p, const char *title, const api_answer *a);
/* A notice paragraph from the query string (?notice=... codes this
 * console sets itself; anything else shows nothing). */
void page_notice(html_buf *b, const page *p);

/* Security headers of every answer (also the sign-in page and the CSS). */
void console_security_headers(http_response *resp, int no_store);

/* Renders a scalar JSON value as escaped text ("" for null or absent). */
void page_value(html_buf *b, json_object *o, const char *key);
/* The first max of an API error's details as <li>"field: message"</li>
 * items (nothing when details is not an array). */
void page_details_items(html_buf *b, json_object *details, size_t max);
/* A table of arr's objects: columns (keys) with headers; link_key (may be
 * NULL) becomes a link to link_prefix + value. */
void page_table(html_buf *b, json_object *arr, const char *caption, const char *const *keys,
                const char *const *headers, size_t ncols, const char *link_key, const char *link_prefix);
/* Appends "name=value" (encoded) to a query string being built in q when
 * value is set; returns 0, or -1 when it does not fit. */
int page_query_add(char *q, size_t len, const char *name, const char *value);

/* ---- handlers ---- */
void console_root(const http_request *req, http_response *resp, void *ctx);
void console_css(const http_request *req, http_response *resp, void *ctx);
/* 204: browsers ask for it; the console has no icon. */
void console_favicon(const http_request *req, http_response *resp, void *ctx);
void console_sign_in_form(const http_request *req, http_response *resp, void *ctx);
void console_sign_in(const http_request *req, http_response *resp, void *ctx);
void console_sign_out(const http_request *req, http_response *resp, void *ctx);
void console_accounts(const http_request *req, http_response *resp, void *ctx);
void console_account_new(const http_request *req, http_response *resp, void *ctx);
void console_account_create(const http_request *req, http_response *resp, void *ctx);
void console_account(const http_request *req, http_response *resp, void *ctx);
void console_account_save(const http_request *req, http_response *resp, void *ctx);
void console_account_go_live(const http_request *req, http_response *resp, void *ctx);
void console_connections(const http_request *req, http_response *resp, void *ctx);
void console_connect_lever(const http_request *req, http_response *resp, void *ctx);
void console_connect_eploy(const http_request *req, http_response *resp, void *ctx);
void console_connection_revoke(const http_request *req, http_response *resp, void *ctx);
void console_applications(const http_request *req, http_response *resp, void *ctx);
void console_application(const http_request *req, http_response *resp, void *ctx);
void console_deadletters(const http_request *req, http_response *resp, void *ctx);
void console_deadletters_replay(const http_request *req, http_response *resp, void *ctx);
void console_exports(const http_request *req, http_response *resp, void *ctx);
void console_export(const http_request *req, http_response *resp, void *ctx);
void console_checks(const http_request *req, http_response *resp, void *ctx);

#endif
