#ifndef ATSB_HTTP_SERVER_H
#define ATSB_HTTP_SERVER_H

#include <json-c/json.h>
#include <stddef.h>

/* HTTP server on libmicrohttpd: a route table with {param} path segments,
 * errors as {"error":{"code","message"}}, and built-in /healthz, /readyz and
 * /metrics.
 *
 * Hostile clients are refused before their bodies are read: the route, the
 * method, Content-Length against the route's cap (413), the content type
 * (415) and the route's credential check (401/403) are decided on the
 * headers alone. A body is then charged, twice its length (the bytes and
 * what parsing makes of them), to the process-wide budget (http_budget.h;
 * 503 with Retry-After when it is spent) and buffered.
 *
 * A few event threads (ATSB_HTTP_THREADS, epoll) hold the connections, so
 * an idle connection costs a socket, not a thread. Handlers and credential
 * checks run on a fixed pool of worker threads (ATSB_HTTP_WORKERS) while
 * their connection is suspended; they may block. Connections are limited in
 * all (ATSB_HTTP_MAX_CONNECTIONS) and per client address
 * (ATSB_HTTP_MAX_CONNECTIONS_PER_IP); one idle for ATSB_HTTP_IDLE_TIMEOUT_S
 * is closed, and so is one whose body is still arriving after
 * ATSB_HTTP_REQUEST_TIMEOUT_S. */

#define HTTP_MAX_PARAMS 6
#define HTTP_MAX_HEADERS 9

typedef struct http_request {
    const char *method;
    const char *path;
    const char *params[HTTP_MAX_PARAMS]; /* {param} values, in pattern order */
    size_t nparams;
    const char *body; /* NUL-terminated copy of the body; body_len excludes the NUL */
    size_t body_len;
    void *conn; /* struct MHD_Connection * */
    char principal[160]; /* set by the route's authorize function, "" otherwise */
} http_request;

typedef struct http_response {
    int status;
    char *body; /* malloc'd; freed by the server */
    size_t body_len;
    const char *content_type;
    struct {
        const char *name;
        char value[512]; /* longer values are cut (a Location or Set-Cookie must fit) */
    } headers[HTTP_MAX_HEADERS];
    size_t nheaders;
} http_response;

typedef void (*http_handler_fn)(const http_request *req, http_response *resp, void *ctx);

/* Decides from the headers alone (the body is not read yet) whether the
 * request may go on. Returns 0 (it may; principal may be filled for the
 * handler), or non-zero after answering the refusal (401, 403, 503) in
 * resp. Runs on a worker thread and may block. The credential is in the
 * Authorization header: a request without one is answered 401 at once. */
typedef int (*http_authorize_fn)(http_request *req, http_response *resp, void *ctx);

/* Media types a route accepts for a body (bits); 0 accepts any. */
#define HTTP_ACCEPT_JSON 1u      /* application/json */
#define HTTP_ACCEPT_MULTIPART 2u /* multipart/form-data */
#define HTTP_ACCEPT_FORM 4u      /* application/x-www-form-urlencoded (the console's forms) */

typedef struct {
    const char *method;
    const char *pattern; /* e.g. "/v1/applications/{id}" */
    http_handler_fn fn;
    void *ctx;
    size_t max_body; /* 0 means the server default (1 MiB) */
    http_authorize_fn authorize; /* NULL: the route has no credential in its headers */
    unsigned accept;             /* HTTP_ACCEPT_* bits checked when a body is sent; 0: any */
} http_route;

/* Returns 0 when every dependency is reachable; otherwise fills reason. */
typedef int (*http_ready_fn)(void *ctx, char *reason, size_t len);

typedef struct http_server http_server;

/* The worker count when ATSB_HTTP_WORKERS is unset (32 unless a service
 * sets another before starting its server: one whose handlers rarely
 * block is faster with few workers, each job then finding the next queued
 * instead of waking a sleeping thread). */
void http_server_default_workers(int n);

/* Starts listening on host:port. routes must outlive the server. Returns 0,
 * or -1 with err filled (port taken, ...). Limits come from the ATSB_HTTP_*
 * variables above; a bad value exits 2 (config_fail). */
int http_server_start(const char *host, int port, const http_route *routes, size_t nroutes,
                      http_ready_fn ready, void *ready_ctx, http_server **out, char *err,
                      size_t errlen);
/* The port actually bound (useful when started on port 0). */
int http_server_port(const http_server *s);
/* Stops accepting, answers 503 to requests that arrive meanwhile, waits for
 * running handlers, frees s. NULL is allowed. */
void http_server_stop(http_server *s);

/* Deferred answers: a handler that must wait (for Kafka, a batch) without
 * holding its worker calls http_defer, hands the result on and returns; it
 * must not touch req or resp after handing it on (the answer may already
 * have gone), and what it left in resp is ignored. The connection stays
 * suspended, with the request (params, headers, body) valid, until
 * http_deferred_answer, from any thread, gives the answer (resp's body is
 * taken, resp cleared) and resumes it. Every deferred request is answered
 * exactly once: http_server_stop waits for them. */
typedef struct http_deferred http_deferred;
http_deferred *http_defer(const http_request *req);
void http_deferred_answer(http_deferred *d, http_response *resp);

/* Request accessors; values are owned by the request. NULL when absent. */
const char *http_header(const http_request *req, const char *name);
const char *http_query(const http_request *req, const char *name);

/* The client's address (the TCP peer: behind a reverse proxy, the proxy's)
 * as 16 bytes, an IPv4 address IPv4-mapped (::ffff:a.b.c.d). 0, or -1 when
 * the server does not know it (out zeroed). */
int http_peer_addr(const http_request *req, unsigned char out[16]);

/* Response helpers. http_json takes ownership of obj. */
void http_json(http_response *resp, int status, json_object *obj);
void http_error(http_response *resp, int status, const char *code, const char *message);
/* Appends {field, code, message} to an error's details array. */
void http_detail_add(json_object *details, const char *field, const char *code, const char *message);
/* The request body as a JSON object within JSON_LIMITS_DEFAULT into *out
 * (the caller puts it). Returns 0, or -1 with *out NULL after answering 413
 * json_too_large (the message names the limit) or 400 malformed_json. */
int http_body_object(const http_request *req, http_response *resp, json_object **out);
/* 503 with Retry-After: retry_after_s and the error body: a dependency
 * (database, Kafka, an ATS) is unavailable and the request may be repeated. */
void http_unavailable(http_response *resp, int retry_after_s, const char *code, const char *message);
/* Same with a details array (ownership taken). */
void http_error_details(http_response *resp, int status, const char *code, const char *message,
                        json_object *details);
void http_set_header(http_response *resp, const char *name, const char *value);

#endif
