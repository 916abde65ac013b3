#ifndef ATSB_DELIVERY_HTTP_ENGINE_H
#define ATSB_DELIVERY_HTTP_ENGINE_H

#include "http_client.h"

#include <stddef.h>

/* One libcurl-multi loop per process for every ATS and provider request.
 * Worker threads submit a request and block on their own condition variable
 * until the engine thread completes it, so many slow requests share one
 * thread and a bounded connection pool (CURLMOPT_MAX_TOTAL_CONNECTIONS =
 * max_concurrent; further requests queue inside libcurl). Connections and
 * easy handles are reused across requests; TLS verification stays on. Every
 * request passes the outbound policy (outbound.h: refused addresses checked
 * at each connection, http/https only, no redirects, the body cap) and is
 * bounded by connect_timeout_ms and timeout_ms (0 or less: 5 s and 30 s). */

typedef struct http_engine http_engine;

typedef struct {
    int max_concurrent;  /* ATSB_DELIVERY_HTTP_CONCURRENCY */
    long connect_timeout_ms;
    long timeout_ms;
} http_engine_config;

typedef struct {
    const char *method;
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" list, may be NULL */
    const char *body;           /* may be NULL; must stay valid until the call returns */
    size_t body_len;
    const char *ats;            /* metrics label, e.g. "lever" */
    const char *endpoint;       /* metrics label, e.g. "apply" */
} http_engine_req;

/* Starts the engine thread. Returns 0, or -1 (nothing started). */
int http_engine_start(const http_engine_config *cfg, http_engine **out);

/* Sends req and waits for the outcome. Returns 0 when a response arrived
 * (any status), -1 on a transport failure (refused, timeout, dropped, TLS,
 * engine stopped) with out->error set and out->status 0. out must be freed
 * with http_result_free either way. Thread-safe. */
int http_engine_do(http_engine *e, const http_engine_req *req, http_result *out);

/* Stops the thread after failing every queued request. NULL is allowed. */
void http_engine_stop(http_engine *e);

#endif
