#ifndef ATSB_HTTP_SERVER_H
#define ATSB_HTTP_SERVER_H

#include <json-c/json.h>
#include <stddef.h>

/* HTTP server on libmicrohttpd: a route table with {param} path segments,
 * request bodies buffered up to a per-route limit (413 beyond), errors in
 * CONTRACT.md's JSON shape, and built-in /healthz, /readyz and /metrics.
 * Handlers run on the connection's own thread and may block. */

#define HTTP_MAX_PARAMS 6
#define HTTP_MAX_HEADERS 6

typedef struct http_request {
    const char *method;
    const char *path;
    const char *params[HTTP_MAX_PARAMS]; /* {param} values, in pattern order */
    size_t nparams;
    const char *body; /* NUL-terminated copy of the body; body_len excludes the NUL */
    size_t body_len;
    void *conn; /* struct MHD_Connection * */
} http_request;

typedef struct http_response {
    int status;
    char *body; /* malloc'd; freed by the server */
    size_t body_len;
    const char *content_type;
    struct {
        const char *name;
        char value[256];
    } headers[HTTP_MAX_HEADERS];
    size_t nheaders;
} http_response;

typedef void (*http_handler_fn)(const http_request *req, http_response *resp, void *ctx);

typedef struct {
    const char *method;
    const char *pattern; /* e.g. "/v1/applications/{id}" */
    http_handler_fn fn;
    void *ctx;
    size_t max_body; /* 0 means the server default (1 MiB) */
} http_route;

/* Returns 0 when every dependency is reachable; otherwise fills reason. */
typedef int (*http_ready_fn)(void *ctx, char *reason, size_t len);

typedef struct http_server http_server;

/* Starts listening on host:port. routes must outlive the server. Returns 0,
 * or -1 with err filled (port taken, ...). */
int http_server_start(const char *host, int port, const http_route *routes, size_t nroutes,
                      http_ready_fn ready, void *ready_ctx, http_server **out, char *err,
                      size_t errlen);
/* The port actually bound (useful when started on port 0). */
int http_server_port(const http_server *s);
/* Stops accepting, waits for running handlers, frees s. NULL is allowed. */
void http_server_stop(http_server *s);

/* Request accessors; values are owned by the request. NULL when absent. */
const char *http_header(const http_request *req, const char *name);
const char *http_query(const http_request *req, const char *name);

/* Response helpers. http_json takes ownership of obj. */
void http_json(http_response *resp, int status, json_object *obj);
void http_error(http_response *resp, int status, const char *code, const char *message);
/* Same with a details array (ownership taken). */
void http_error_details(http_response *resp, int status, const char *code, const char *message,
                        json_object *details);
void http_set_header(http_response *resp, const char *name, const char *value);

#endif
