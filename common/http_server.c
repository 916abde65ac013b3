#include "http_server.h"

#include "log.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MAX_BODY (1024 * 1024)

struct http_server {
    struct MHD_Daemon *d;
    const http_route *routes;
    size_t nroutes;
    http_ready_fn ready;
    void *ready_ctx;
    int port;
};

/* Per-request state kept across MHD callbacks. */
typedef struct {
    const http_route *route; /* NULL: built-in or not found */
    http_request req;
    char *path_copy;         /* backing store for params */
    char *body;
    size_t len, cap, max;
    int too_large;
    struct timespec start;
} req_state;

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

void http_error(http_response *resp, int status, const char *code, const char *message) {
    http_error_details(resp, status, code, message, NULL);
}

const char *http_header(const http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_request *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
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
    r->body = NULL; /* MHD owns it now */
    if (!mr) return MHD_NO;
    MHD_add_response_header(mr, "Content-Type", r->content_type ? r->content_type : "application/json");
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static void builtin(http_server *srv, const char *method, const char *path, http_response *resp,
                    int *handled) {
    *handled = 1;
    if (strcmp(method, "GET") != 0) {
        *handled = 0;
        return;
    }
    if (!strcmp(path, "/healthz")) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_string("ok"));
        http_json(resp, 200, o);
    } else if (!strcmp(path, "/readyz")) {
        char reason[256] = "";
        if (srv->ready && srv->ready(srv->ready_ctx, reason, sizeof reason) != 0) {
            http_set_header(resp, "Retry-After", "1");
            http_error(resp, 503, "not_ready", reason[0] ? reason : "a dependency is unavailable");
        } else {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "status", json_object_new_string("ready"));
            http_json(resp, 200, o);
        }
    } else if (!strcmp(path, "/metrics")) {
        resp->status = 200;
        resp->body = metrics_render();
        resp->body_len = resp->body ? strlen(resp->body) : 0;
        resp->content_type = "text/plain; version=0.0.4";
    } else {
        *handled = 0;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    http_server *srv = cls;
    req_state *st = *con_cls;
    http_response resp = {.status = 500};

    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st) return MHD_NO;
        *con_cls = st;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->req.method = method;
        st->req.path = url;
        st->req.conn = conn;
        st->path_copy = strdup(url);
        if (!st->path_copy) return MHD_NO;
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
        st->max = st->route && st->route->max_body ? st->route->max_body : DEFAULT_MAX_BODY;
        if (!st->route) {
            int handled;
            builtin(srv, method, url, &resp, &handled);
            if (!handled) {
                if (path_known)
                    http_error(&resp, 405, "method_not_allowed", "This method is not allowed on this path.");
                else
                    http_error(&resp, 404, "not_found", "No such endpoint.");
            }
            return send_response(conn, &resp);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > st->max) {
            http_error(&resp, 413, "payload_too_large", "The request body exceeds the size limit.");
            return send_response(conn, &resp);
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->too_large || st->len + n > st->max) {
            st->too_large = 1; /* discard the rest, answer 413 at the end */
            return MHD_YES;
        }
        if (st->len + n + 1 > st->cap) {
            size_t cap = st->cap ? st->cap : 4096;
            while (cap < st->len + n + 1) cap *= 2;
            char *b = realloc(st->body, cap);
            if (!b) return MHD_NO;
            st->body = b;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        return MHD_YES;
    }

    if (st->too_large) {
        http_error(&resp, 413, "payload_too_large", "The request body exceeds the size limit.");
        return send_response(conn, &resp);
    }
    if (!st->body) st->body = calloc(1, 1);
    if (!st->body) return MHD_NO;
    st->body[st->len] = '\0';
    st->req.body = st->body;
    st->req.body_len = st->len;
    st->route->fn(&st->req, &resp, st->route->ctx);
    if (!resp.body && resp.status >= 400) http_error(&resp, resp.status, "error", "Request failed.");
    return send_response(conn, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)toe;
    req_state *st = *con_cls;
    if (!st) return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs = (double)(end.tv_sec - st->start.tv_sec) + (end.tv_nsec - st->start.tv_nsec) / 1e9;
    char labels[200];
    snprintf(labels, sizeof labels, "route=\"%s\",code=\"%u\"",
             st->route ? st->route->pattern : "other", ci ? ci->http_status : 0);
    metrics_counter_add("atsb_http_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "route=\"%s\"", st->route ? st->route->pattern : "other");
    metrics_observe("atsb_http_request_duration_seconds", labels, secs);
    free(st->path_copy);
    free(st->body);
    free(st);
    *con_cls = NULL;
}

int http_server_start(const char *host, int port, const http_route *routes, size_t nroutes,
                      http_ready_fn ready, void *ready_ctx, http_server **out, char *err,
                      size_t errlen) {
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->routes = routes;
    s->nroutes = nroutes;
    s->ready = ready;
    s->ready_ctx = ready_ctx;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "bad listen address %s (IPv4 expected)", host);
        free(s);
        return -1;
    }
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                MHD_USE_POLL | MHD_USE_ERROR_LOG,
                            (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (address in use?)", host, port);
        free(s);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : port;
    *out = s;
    return 0;
}

int http_server_port(const http_server *s) { return s->port; }

void http_server_stop(http_server *s) {
    if (!s) return;
    MHD_stop_daemon(s->d);
    free(s);
}
