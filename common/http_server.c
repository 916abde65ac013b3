#include "http_server.h"

#include "cond_clock.h"
#include "config.h"
#include "http_budget.h"
#include "json_bounded.h"
#include "log.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY (1024 * 1024)
/* A body is charged twice its length: the bytes, and as much again for what
 * the handler makes of them (json-c's strings, decoded documents). JSON
 * values are charged on top when they are built (charge_running). */
#define BODY_COST 2

/* What a request waits for while its connection is suspended. */
typedef enum { JOB_AUTHORIZE, JOB_HANDLE } job_kind;

/* Where a request is: decided on its headers (NEW), its credential being
 * checked (AUTHORIZING) or checked (AUTHORIZED), its body arriving
 * (READING), its handler running (HANDLING), its answer ready (RESPONDING). */
typedef enum { PH_NEW, PH_AUTHORIZING, PH_AUTHORIZED, PH_READING, PH_HANDLING, PH_RESPONDING } phase;

/* One connection, for the header deadline: waiting is set while no request
 * is in progress (its headers still arriving, or kept alive and idle) since
 * the time in since. Linked in http_server.tracks under tracks_mu; freed
 * when MHD reports the connection closed, which it does before closing the
 * socket, so fd is never another connection's. */
typedef struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    int waiting;
    struct timespec since;
} conn_track;

/* Per-request state kept across MHD callbacks; freed in on_completed. */
typedef struct req_state {
    struct req_state *next; /* work queue link */
    http_server *srv;
    struct MHD_Connection *conn;
    conn_track *track;
    const http_route *route; /* NULL: built-in or not found */
    http_request req;
    char *path_copy;         /* backing store for params */
    phase ph;
    job_kind job;
    int refused;             /* resp holds an answer to give once the body is discarded */
    int busy;                /* the handler's JSON could not be charged to the budget */
    http_response resp;
    char *body;
    size_t len, cap, max;
    size_t received;         /* body bytes seen, stored or discarded */
    size_t charged;          /* bytes charged to the body budget */
    long long declared;      /* Content-Length, 0 when absent (read once, in on_headers) */
    int chunked;             /* Transfer-Encoding: the body's size is learnt as it arrives */
    struct sockaddr_storage peer;
    struct timespec start;
} req_state;

struct http_server {
    struct MHD_Daemon *d;
    const http_route *routes;
    size_t nroutes;
    http_route readyz; /* /readyz runs on a worker: it waits for the database and the broker */
    http_ready_fn ready;
    void *ready_ctx;
    int port;
    double request_timeout_s, header_timeout_s;
    pthread_mutex_t mu;
    pthread_cond_t work; /* a job was queued, or the workers must quit */
    pthread_cond_t idle; /* inflight dropped to 0 */
    req_state *head, *tail;
    int inflight; /* suspended connections: queued or running jobs */
    int stopping, quit;
    pthread_t *workers;
    int nworkers;
    pthread_mutex_t tracks_mu;
    pthread_cond_t sweep_cv; /* signalled to stop the sweeper */
    conn_track *tracks;
    int sweeping;
    pthread_t sweeper;
};

void http_set_header(http_response *resp, const char *name, const char *value) {
    if (resp->nheaders == HTTP_MAX_HEADERS) return;
    resp->headers[resp->nheaders].name = name;
    snprintf(resp->headers[resp->nheaders].value, sizeof resp->headers[0].value, "%s", value);
    resp->nheaders++;
}

void http_json(http_response *resp, int status, json_object *obj) {
    const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    free(resp->body);
    resp->body = strdup(s);
    resp->body_len = resp->body ? strlen(resp->body) : 0;
    resp->status = status;
    resp->content_type = "application/json";
    json_object_put(obj);
}

void http_error_details(http_response *resp, int status, const char *code, const char *message,
                        json_object *details) {
    json_object *e = json_object_new_object();
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_object_add(e, "message", json_object_new_string(message));
    if (details) json_object_object_add(e, "details", details);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", e);
    http_json(resp, status, o);
}

void http_detail_add(json_object *details, const char *field, const char *code, const char *message) {
    json_object *e = json_object_new_object();
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object_array_add(details, e);
}

int http_body_object(const http_request *req, http_response *resp, json_object **out) {
    json_bounded_error err;
    json_bounded_status st = json_bounded_parse(req->body, req->body_len, &JSON_LIMITS_DEFAULT, out, &err);
    if (json_bounded_is_limit(st)) {
        http_error(resp, 413, "json_too_large", err.message);
        return -1;
    }
    if (st != JSON_BOUNDED_OK || !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        http_error(resp, 400, "malformed_json", st != JSON_BOUNDED_OK ? err.message : "The body must be a JSON object.");
        return -1;
    }
    return 0;
}

void http_unavailable(http_response *resp, int retry_after_s, const char *code, const char *message) {
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry_after_s);
    http_set_header(resp, "Retry-After", ra);
    http_error(resp, 503, code, message);
}

void http_error(http_response *resp, int status, const char *code, const char *message) {
    http_error_details(resp, status, code, message, NULL);
}

const char *http_header(const http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int http_peer_addr(const http_request *req, unsigned char out[16]) {
    memset(out, 0, 16);
    const union MHD_ConnectionInfo *ci =
        req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (!ci || !ci->client_addr) return -1;
    if (ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)ci->client_addr;
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a->sin_addr, 4);
        return 0;
    }
    if (ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
        memcpy(out, &a->sin6_addr, 16);
        return 0;
    }
    return -1;
}

/* Matches path against pattern; on success fills params (pointing into
 * path_copy, which is modified) and returns 1. */
static int match(const char *pattern, char *path_copy, http_request *req) {
    const char *p = pattern;
    char *s = path_copy;
    req->nparams = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close || req->nparams == HTTP_MAX_PARAMS) return 0;
            char *end = strchr(s, '/');
            if (end == s) return 0; /* empty segment */
            req->params[req->nparams++] = s;
            p = close + 1;
            if (!end) {
                s += strlen(s);
            } else {
                if (*p != '/') return 0;
                *end = '\0';
                s = end + 1;
                p++;
            }
            continue;
        }
        if (*p != *s) return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

static enum MHD_Result send_response(struct MHD_Connection *conn, http_response *r) {
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(r->body_len, r->body ? r->body : (char *)"",
                                        r->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!mr) return MHD_NO; /* r->body stays the caller's */
    r->body = NULL;          /* MHD owns it now */
    MHD_add_response_header(mr, "Content-Type", r->content_type ? r->content_type : "application/json");
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static void readyz(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    http_server *srv = ctx;
    char reason[256] = "";
    if (srv->ready && srv->ready(srv->ready_ctx, reason, sizeof reason) != 0) {
        http_unavailable(resp, 1, "not_ready", reason[0] ? reason : "a dependency is unavailable");
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("ready"));
    http_json(resp, 200, o);
}

/* /healthz and /metrics, answered on the event thread: nothing to wait for. */
static int builtin(const char *method, const char *path, http_response *resp) {
    if (strcmp(method, "GET") != 0) return 0;
    if (!strcmp(path, "/healthz")) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_string("ok"));
        http_json(resp, 200, o);
        return 1;
    }
    if (!strcmp(path, "/metrics")) {
        resp->status = 200;
        resp->body = metrics_render();
        resp->body_len = resp->body ? strlen(resp->body) : 0;
        resp->content_type = "text/plain; version=0.0.4";
        return 1;
    }
    return 0;
}

static double elapsed_s(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

static void refused(const char *reason) {
    char labels[64];
    snprintf(labels, sizeof labels, "reason=\"%s\"", reason);
    metrics_counter_add("atsb_http_refused_total", labels, 1);
}

static void answer_busy(http_response *resp, const char *message) {
    http_unavailable(resp, 1, "server_busy", message);
}

/* 1 when the media type of ct (parameters ignored) is one accept allows. */
static int media_type_ok(unsigned accept, const char *ct) {
    if (!accept) return 1;
    if (!ct) return 0;
    while (*ct == ' ' || *ct == '\t') ct++;
    size_t n = strcspn(ct, "; \t");
    if ((accept & HTTP_ACCEPT_JSON) && n == 16 && !strncasecmp(ct, "application/json", n)) return 1;
    if ((accept & HTTP_ACCEPT_MULTIPART) && n == 19 && !strncasecmp(ct, "multipart/form-data", n)) return 1;
    if ((accept & HTTP_ACCEPT_FORM) && n == 33 && !strncasecmp(ct, "application/x-www-form-urlencoded", n)) return 1;
    return 0;
}

/* Content-Length as a number: 0 when absent, -1 when not a plain decimal. */
static long long content_length(struct MHD_Connection *conn) {
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (!cl) return 0;
    if (!*cl || strspn(cl, "0123456789") != strlen(cl) || strlen(cl) > 15) return -1;
    return strtoll(cl, NULL, 10);
}

/* Marks st's connection waiting for its next request (waiting = 1) or busy
 * with one (0), for the header deadline. */
static void track_set(http_server *srv, conn_track *t, int waiting) {
    if (!t) return;
    pthread_mutex_lock(&srv->tracks_mu);
    t->waiting = waiting;
    clock_gettime(CLOCK_MONOTONIC, &t->since);
    pthread_mutex_unlock(&srv->tracks_mu);
}

/* Queues st on the worker pool and suspends its connection; the worker
 * resumes it when the job is done. Returns -1 (nothing queued, connection
 * not suspended) when the server is stopping. */
static int dispatch(req_state *st, job_kind job) {
    http_server *srv = st->srv;
    pthread_mutex_lock(&srv->mu);
    if (srv->stopping) {
        pthread_mutex_unlock(&srv->mu);
        return -1;
    }
    st->job = job;
    st->ph = job == JOB_AUTHORIZE ? PH_AUTHORIZING : PH_HANDLING;
    st->next = NULL;
    srv->inflight++;
    /* Suspended before a worker can see it, so its resume cannot come first. */
    MHD_suspend_connection(st->conn);
    if (srv->tail)
        srv->tail->next = st;
    else
        srv->head = st;
    srv->tail = st;
    pthread_cond_signal(&srv->work);
    pthread_mutex_unlock(&srv->mu);
    return 0;
}

static void release_body(req_state *st) {
    free(st->body);
    st->body = NULL;
    st->req.body = NULL;
    if (st->charged) {
        http_budget_give((const struct sockaddr *)&st->peer, st->charged);
        st->charged = 0;
        metrics_gauge_set("atsb_http_body_budget_in_use_bytes", "", (double)http_budget_in_use());
    }
}

/* Charges n more bytes for st's body. 0, or -1 with the refusal in st->resp. */
static int charge(req_state *st, size_t n) {
    switch (http_budget_take((const struct sockaddr *)&st->peer, n)) {
    case HTTP_BUDGET_OK:
        st->charged += n;
        metrics_gauge_set("atsb_http_body_budget_in_use_bytes", "", (double)http_budget_in_use());
        return 0;
    case HTTP_BUDGET_BUSY:
        refused("budget");
        answer_busy(&st->resp, "Too many request bodies are being received; retry shortly.");
        return -1;
    case HTTP_BUDGET_NEVER:
        break;
    }
    refused("too_large");
    http_error(&st->resp, 413, "payload_too_large", "The request body exceeds this server's body budget.");
    return -1;
}

/* The request whose handler runs on this worker thread, for charge_running. */
static _Thread_local req_state *running;
/* Its handler called http_defer: the request is no longer the worker's to
 * touch (it may be answered and freed before the handler returns). */
static _Thread_local int deferred;

/* json_bounded's charge hook: what json-c is about to build for the running
 * handler is charged to its request and given back with its body. */
static int charge_running(size_t bytes) {
    req_state *st = running;
    if (!st) return 0;
    if (http_budget_take((const struct sockaddr *)&st->peer, bytes) != HTTP_BUDGET_OK) {
        refused("budget");
        st->busy = 1;
        return -1;
    }
    st->charged += bytes;
    return 0;
}

/* The credential is accepted: charges a declared body to the budget and
 * allocates its buffer. 0, or -1 with the refusal in st->resp. */
static int begin_body(req_state *st) {
    st->ph = PH_READING;
    long long cl = st->declared;
    if (st->chunked || cl <= 0) return 0;
    if (charge(st, BODY_COST * ((size_t)cl + 1))) return -1;
    st->body = malloc((size_t)cl + 1); /* pages are touched only as bytes arrive */
    if (!st->body) {
        answer_busy(&st->resp, "Out of memory; retry shortly.");
        return -1;
    }
    st->cap = (size_t)cl + 1;
    return 0;
}

/* Stores one piece of the body. Returns 0, or -1 when the rest is to be
 * discarded (answer in st->resp). */
static int store(req_state *st, const char *data, size_t n) {
    if (st->len + n > st->max) {
        refused("too_large");
        http_error(&st->resp, 413, "payload_too_large", "The request body exceeds the size limit.");
        return -1;
    }
    if (st->len + n + 1 > st->cap) { /* chunked: grow, charging each step */
        size_t cap = st->cap ? st->cap : 4096;
        while (cap < st->len + n + 1) cap *= 2;
        if (cap > st->max + 1) cap = st->max + 1;
        if (charge(st, BODY_COST * (cap - st->cap))) return -1;
        char *b = realloc(st->body, cap);
        if (!b) {
            answer_busy(&st->resp, "Out of memory; retry shortly.");
            return -1;
        }
        st->body = b;
        st->cap = cap;
    }
    memcpy(st->body + st->len, data, n);
    st->len += n;
    return 0;
}

/* First call, on the headers alone: route, method, size, media type,
 * credential. Returns the MHD result; st stays in *con_cls either way. */
static enum MHD_Result on_headers(http_server *srv, req_state *st, const char *url, const char *method) {
    int path_known = 0;
    for (size_t i = 0; i < srv->nroutes; i++) {
        memcpy(st->path_copy, url, strlen(url) + 1); /* match() splits it; restore */
        http_request probe = st->req;
        if (!match(srv->routes[i].pattern, st->path_copy, &probe)) continue;
        path_known = 1;
        if (strcmp(srv->routes[i].method, method) != 0) continue;
        st->route = &srv->routes[i];
        st->req = probe;
        break;
    }
    if (!st->route && !strcmp(method, "GET") && !strcmp(url, "/readyz")) st->route = &srv->readyz;
    if (!st->route) {
        if (!builtin(method, url, &st->resp)) {
            if (path_known)
                http_error(&st->resp, 405, "method_not_allowed", "This method is not allowed on this path.");
            else
                http_error(&st->resp, 404, "not_found", "No such endpoint.");
        }
        return send_response(st->conn, &st->resp);
    }
    st->max = st->route->max_body ? st->route->max_body : DEFAULT_MAX_BODY;
    long long cl = st->declared = content_length(st->conn);
    st->chunked = MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, "Transfer-Encoding") != NULL;
    int has_body = cl != 0 || st->chunked;
    if (cl < 0) {
        http_error(&st->resp, 400, "malformed_request", "Content-Length is not a number.");
        return send_response(st->conn, &st->resp);
    }
    if ((unsigned long long)cl > st->max) {
        refused("too_large");
        http_error(&st->resp, 413, "payload_too_large", "The request body exceeds the size limit.");
        return send_response(st->conn, &st->resp);
    }
    if (has_body &&
        !media_type_ok(st->route->accept, MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, "Content-Type"))) {
        refused("media_type");
        http_error(&st->resp, 415, "unsupported_media_type",
                   (st->route->accept & HTTP_ACCEPT_MULTIPART) ? "Send application/json or multipart/form-data."
                   : (st->route->accept & HTTP_ACCEPT_FORM)    ? "Send application/x-www-form-urlencoded."
                                                               : "Send application/json.");
        return send_response(st->conn, &st->resp);
    }
    if (!st->route->authorize) {
        if (begin_body(st) != 0) return send_response(st->conn, &st->resp);
        return MHD_YES;
    }
    if (!MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, "Authorization")) {
        refused("credential"); /* nothing to check: no worker needed */
        http_set_header(&st->resp, "WWW-Authenticate", "Bearer");
        http_error(&st->resp, 401, "unauthorized", "A credential is required (Authorization: Bearer <token>).");
        return send_response(st->conn, &st->resp);
    }
    if (dispatch(st, JOB_AUTHORIZE) == 0) return MHD_YES;
    answer_busy(&st->resp, "The server is shutting down; retry on another instance.");
    return send_response(st->conn, &st->resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    http_server *srv = cls;
    req_state *st = *con_cls;

    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        *con_cls = st;
        st->srv = srv;
        st->conn = conn;
        st->resp.status = 500;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->req.method = method;
        st->req.path = url;
        st->req.conn = conn;
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            socklen_t n = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                                 : sizeof(struct sockaddr_in);
            memcpy(&st->peer, ci->client_addr, n);
        }
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        st->track = ci ? ci->socket_context : NULL;
        track_set(srv, st->track, 0);
        st->path_copy = strdup(url);
        if (!st->path_copy) return MHD_NO;
        return on_headers(srv, st, url, method);
    }

    switch (st->ph) {
    case PH_AUTHORIZED: /* resumed after the credential check: MHD repeats the first call */
        if (st->refused || begin_body(st) != 0) return send_response(conn, &st->resp);
        if (*upload_data_size == 0 && (st->chunked || st->declared > 0))
            return MHD_YES; /* the body is still to come */
        break;
    case PH_RESPONDING:
        return send_response(conn, &st->resp);
    case PH_READING:
        break;
    default: /* not called while suspended */
        return MHD_NO;
    }

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        st->received += n;
        if (elapsed_s(&st->start) > srv->request_timeout_s) {
            refused("timeout");
            return MHD_NO; /* too slow a sender: close the connection */
        }
        if (st->refused && st->received > st->max) return MHD_NO; /* a refused chunked body past the cap */
        if (!st->refused && store(st, upload_data, n) != 0) {
            st->refused = 1; /* discard the rest, answer at the end */
            release_body(st);
        }
        return MHD_YES;
    }
    if (st->refused) return send_response(conn, &st->resp);
    if (!st->body) {
        st->body = calloc(1, 1);
        if (!st->body) return MHD_NO;
    }
    st->body[st->len] = '\0';
    st->req.body = st->body;
    st->req.body_len = st->len;
    if (dispatch(st, JOB_HANDLE) == 0) return MHD_YES;
    answer_busy(&st->resp, "The server is shutting down; retry on another instance.");
    return send_response(conn, &st->resp);
}

/* The handler's answer is final: checked, the body given back, and the
 * connection ready to be resumed to send it. */
static void finish(req_state *st) {
    if (st->busy) { /* the handler answered its refused parse somehow: the truth is 503 */
        free(st->resp.body);
        memset(&st->resp, 0, sizeof st->resp);
        answer_busy(&st->resp, "Too much JSON is being parsed; retry shortly.");
    }
    if (!st->resp.body && st->resp.status >= 400) http_error(&st->resp, st->resp.status, "error", "Request failed.");
    release_body(st);
    st->ph = PH_RESPONDING;
}

/* Resumes st's connection and counts its job done. */
static void resume(req_state *st) {
    http_server *srv = st->srv;
    MHD_resume_connection(st->conn);
    pthread_mutex_lock(&srv->mu);
    if (--srv->inflight == 0) pthread_cond_broadcast(&srv->idle);
    pthread_mutex_unlock(&srv->mu);
}

/* Runs st's job. Returns 1 when the handler deferred its answer (the
 * connection stays suspended), else 0. */
static int run_job(req_state *st) {
    const http_route *r = st->route;
    if (st->job == JOB_AUTHORIZE) {
        if (r->authorize(&st->req, &st->resp, r->ctx) != 0) {
            st->refused = 1;
            refused("credential");
            if (!st->resp.body) http_error(&st->resp, 401, "unauthorized", "A valid credential is required.");
        }
        st->ph = PH_AUTHORIZED;
        return 0;
    }
    running = st;
    deferred = 0;
    r->fn(&st->req, &st->resp, r->ctx);
    running = NULL;
    if (deferred) return 1;
    finish(st);
    return 0;
}

http_deferred *http_defer(const http_request *req) {
    deferred = 1;
    return (http_deferred *)((char *)req - offsetof(req_state, req));
}

void http_deferred_answer(http_deferred *d, http_response *resp) {
    req_state *st = (req_state *)d;
    free(st->resp.body);
    st->resp = *resp;
    memset(resp, 0, sizeof *resp);
    finish(st);
    resume(st);
}

static void *worker_main(void *arg) {
    http_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    for (;;) {
        while (!srv->head && !srv->quit) pthread_cond_wait(&srv->work, &srv->mu);
        if (!srv->head) break;
        req_state *st = srv->head;
        srv->head = st->next;
        if (!srv->head) srv->tail = NULL;
        pthread_mutex_unlock(&srv->mu);
        if (!run_job(st)) resume(st);
        pthread_mutex_lock(&srv->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)toe;
    http_server *srv = cls;
    req_state *st = *con_cls;
    if (!st) return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
    double secs = elapsed_s(&st->start);
    char labels[200];
    snprintf(labels, sizeof labels, "route=\"%s\",code=\"%u\"",
             st->route ? st->route->pattern : "other", ci ? ci->http_status : 0);
    metrics_counter_add("atsb_http_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "route=\"%s\"", st->route ? st->route->pattern : "other");
    metrics_observe("atsb_http_request_duration_seconds", labels, secs);
    track_set(srv, st->track, 1); /* kept alive: the next request's headers are due */
    release_body(st);
    free(st->resp.body);
    free(st->path_copy);
    free(st);
    *con_cls = NULL;
}

/* Connections opened and closed: the header deadline's list. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    http_server *srv = cls;
    conn_track *t = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        t = calloc(1, sizeof *t);
        if (!t || !ci) {
            free(t); /* untracked: only the idle timeout applies to it */
            return;
        }
        t->fd = ci->connect_fd;
        t->waiting = 1;
        clock_gettime(CLOCK_MONOTONIC, &t->since);
        pthread_mutex_lock(&srv->tracks_mu);
        t->next = srv->tracks;
        if (srv->tracks) srv->tracks->prev = t;
        srv->tracks = t;
        pthread_mutex_unlock(&srv->tracks_mu);
        *socket_context = t;
        return;
    }
    if (!t) return;
    pthread_mutex_lock(&srv->tracks_mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        srv->tracks = t->next;
    if (t->next) t->next->prev = t->prev;
    pthread_mutex_unlock(&srv->tracks_mu);
    free(t);
    *socket_context = NULL;
}

/* Every second, ends connections whose request headers have not all
 * arrived ATSB_HTTP_HEADER_TIMEOUT_S after they became due (a slowloris
 * sending a byte now and then keeps MHD's idle timeout from firing). The
 * socket is shut down, not closed: MHD sees the end and closes it itself. */
static void *sweeper_main(void *arg) {
    http_server *srv = arg;
    pthread_mutex_lock(&srv->tracks_mu);
    while (srv->sweeping) {
        struct timespec until = cond_deadline_ms(1000);
        pthread_cond_timedwait(&srv->sweep_cv, &srv->tracks_mu, &until);
        for (conn_track *t = srv->tracks; t && srv->sweeping; t = t->next) {
            if (!t->waiting || elapsed_s(&t->since) <= srv->header_timeout_s) continue;
            refused("header_timeout");
            shutdown(t->fd, SHUT_RDWR);
            t->waiting = 0; /* once */
        }
    }
    pthread_mutex_unlock(&srv->tracks_mu);
    return NULL;
}

/* libmicrohttpd's own messages (mostly clients that went away) at debug
 * level: under attack they would flood the log. */
static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_debug("libmicrohttpd", "detail", msg);
}

/* The connection limit the process's descriptors allow: the soft limit is
 * raised to the hard one, and 64 descriptors are kept for everything else. */
static unsigned connection_limit(unsigned wanted) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)wanted + 128) {
        unsigned n = rl.rlim_cur > 192 ? (unsigned)(rl.rlim_cur - 64) : 128;
        char have[32];
        snprintf(have, sizeof have, "%u", n);
        log_warn("open-file limit lowers ATSB_HTTP_MAX_CONNECTIONS", "connections", have);
        return n;
    }
    return wanted;
}

/* Warns about routes whose size cap one client's budget share can never
 * hold: such bodies get 413 from the budget instead of the route's cap. */
static void check_caps(const http_route *routes, size_t n) {
    size_t share = http_budget_share();
    for (size_t i = 0; i < n; i++) {
        size_t max = routes[i].max_body ? routes[i].max_body : DEFAULT_MAX_BODY;
        if (BODY_COST * (max + 1) <= share) continue;
        char need[32];
        snprintf(need, sizeof need, "%zu", (BODY_COST * (max + 1) * 2 >> 20) + 1);
        log_warn("a route's body cap exceeds a client's share of the body budget: raise ATSB_HTTP_BODY_BUDGET_MB",
                 "route", routes[i].pattern, "budget_mb_needed", need);
    }
}

static void server_free(http_server *s) {
    pthread_mutex_lock(&s->mu);
    s->quit = 1;
    pthread_cond_broadcast(&s->work);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->nworkers; i++) pthread_join(s->workers[i], NULL);
    if (s->sweeping) {
        pthread_mutex_lock(&s->tracks_mu);
        s->sweeping = 0;
        pthread_cond_signal(&s->sweep_cv);
        pthread_mutex_unlock(&s->tracks_mu);
        pthread_join(s->sweeper, NULL);
    }
    free(s->workers);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work);
    pthread_cond_destroy(&s->idle);
    pthread_mutex_destroy(&s->tracks_mu);
    pthread_cond_destroy(&s->sweep_cv);
    free(s);
}

static int default_workers = 32;

void http_server_default_workers(int n) { default_workers = n; }

/* The families every server can export, shown before their first request. */
static void declare_metrics(void) {
    metrics_declare("atsb_http_requests_total", METRICS_COUNTER);
    metrics_declare("atsb_http_request_duration_seconds", METRICS_HISTOGRAM);
    metrics_declare("atsb_http_refused_total", METRICS_COUNTER);
    metrics_declare("atsb_http_body_budget_in_use_bytes", METRICS_GAUGE);
}

int http_server_start(const char *host, int port, const http_route *routes, size_t nroutes,
                      http_ready_fn ready, void *ready_ctx, http_server **out, char *err,
                      size_t errlen) {
    declare_metrics();
    unsigned threads = (unsigned)config_int("ATSB_HTTP_THREADS", 2, 1, 64);
    int workers = (int)config_int("ATSB_HTTP_WORKERS", default_workers, 1, 4096);
    unsigned max_conns = (unsigned)config_int("ATSB_HTTP_MAX_CONNECTIONS", 4096, 16, 1000000);
    unsigned per_ip = (unsigned)config_int("ATSB_HTTP_MAX_CONNECTIONS_PER_IP", 512, 1, 1000000);
    unsigned idle_s = (unsigned)config_int("ATSB_HTTP_IDLE_TIMEOUT_S", 15, 1, 3600);
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_mutex_init(&s->tracks_mu, NULL);
    cond_init_monotonic(&s->sweep_cv);
    s->routes = routes;
    s->nroutes = nroutes;
    s->readyz = (http_route){"GET", "/readyz", readyz, s, 0, NULL, 0};
    s->ready = ready;
    s->ready_ctx = ready_ctx;
    s->request_timeout_s = (double)config_int("ATSB_HTTP_REQUEST_TIMEOUT_S", 120, 1, 86400);
    s->header_timeout_s = (double)config_int("ATSB_HTTP_HEADER_TIMEOUT_S", 10, 1, 3600);
    json_bounded_set_charge(charge_running);
    check_caps(routes, nroutes);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "bad listen address %s (IPv4 expected)", host);
        goto fail;
    }
    s->workers = calloc((size_t)workers, sizeof *s->workers);
    if (!s->workers) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    for (; s->nworkers < workers; s->nworkers++) {
        if (pthread_create(&s->workers[s->nworkers], &attr, worker_main, s) != 0) {
            pthread_attr_destroy(&attr);
            snprintf(err, errlen, "cannot start %d HTTP worker threads", workers);
            goto fail;
        }
    }
    s->sweeping = pthread_create(&s->sweeper, &attr, sweeper_main, s) == 0;
    pthread_attr_destroy(&attr);
    if (!s->sweeping) {
        snprintf(err, errlen, "cannot start the HTTP header-deadline thread");
        goto fail;
    }
    max_conns = connection_limit(max_conns);
    s->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
                                MHD_USE_ERROR_LOG,
                            (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                            MHD_OPTION_THREAD_POOL_SIZE, threads,
                            MHD_OPTION_CONNECTION_LIMIT, max_conns,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (address in use?)", host, port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    *out = s;
    return 0;
fail:
    server_free(s);
    return -1;
}

int http_server_port(const http_server *s) { return s->port; }

void http_server_stop(http_server *s) {
    if (!s) return;
    MHD_socket listener = MHD_quiesce_daemon(s->d); /* no new connections; the socket is now ours */
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    while (s->inflight > 0) pthread_cond_wait(&s->idle, &s->mu);
    pthread_mutex_unlock(&s->mu);
    /* Nothing is suspended any more, which MHD_stop_daemon requires. */
    MHD_stop_daemon(s->d);
    if (listener != MHD_INVALID_SOCKET) close(listener);
    server_free(s);
}
