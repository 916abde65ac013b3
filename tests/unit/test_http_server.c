#include "harness.h"
#include "http_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void echo(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(req->params[0]));
    json_object_object_add(o, "len", json_object_new_int((int)req->body_len));
    const char *q = http_query(req, "q");
    if (q) json_object_object_add(o, "q", json_object_new_string(q));
    http_json(resp, 201, o);
}

static void fail503(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    http_set_header(resp, "Retry-After", "2");
    http_error(resp, 503, "unavailable", "Try later.");
}

static const http_route routes[] = {
    {"POST", "/v1/items/{id}", echo, NULL, 16},
    {"GET", "/v1/down", fail503, NULL, 0},
};

static http_server *srv;
static char base[64];

static int never_ready(void *ctx, char *reason, size_t len) {
    (void)ctx;
    snprintf(reason, len, "database unreachable");
    return -1;
}

static void start(void) {
    char err[256];
    cr_assert_eq(http_server_start("127.0.0.1", 0, routes, 2, never_ready, NULL, &srv, err, sizeof err), 0,
                 "%s", err);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", http_server_port(srv));
}

static void stop(void) { http_server_stop(srv); }

static char *url(const char *path) {
    static char buf[256];
    snprintf(buf, sizeof buf, "%s%s", base, path);
    return buf;
}

TestSuite(http_server, .init = start, .fini = stop);

Test(http_server, routes_params_query_and_body) {
    char *body = NULL;
    cr_assert_eq(harness_http("POST", url("/v1/items/abc?q=z"), "12345", NULL, &body), 201);
    cr_assert(strstr(body, "\"id\":\"abc\""), "%s", body);
    cr_assert(strstr(body, "\"len\":5"));
    cr_assert(strstr(body, "\"q\":\"z\""));
    free(body);
}

Test(http_server, unknown_path_404_wrong_method_405) {
    char *body = NULL;
    cr_assert_eq(harness_http("GET", url("/nope"), NULL, NULL, &body), 404);
    cr_assert(strstr(body, "\"code\":\"not_found\""));
    free(body);
    cr_assert_eq(harness_http("GET", url("/v1/items/abc"), NULL, NULL, NULL), 405);
    cr_assert_eq(harness_http("POST", url("/v1/items/"), "", NULL, NULL), 404);
    cr_assert_eq(harness_http("POST", url("/v1/items/a/b"), "", NULL, NULL), 404);
}

Test(http_server, body_over_limit_413) {
    char *body = NULL;
    cr_assert_eq(harness_http("POST", url("/v1/items/x"), "0123456789abcdefXYZ", NULL, &body), 413);
    cr_assert(strstr(body, "payload_too_large"));
    free(body);
}

Test(http_server, builtin_health_ready_metrics) {
    char *body = NULL;
    cr_assert_eq(harness_http("GET", url("/healthz"), NULL, NULL, NULL), 200);
    cr_assert_eq(harness_http("GET", url("/readyz"), NULL, NULL, &body), 503);
    cr_assert(strstr(body, "database unreachable"));
    free(body);
    harness_http("GET", url("/v1/down"), NULL, NULL, NULL);
    cr_assert_eq(harness_http("GET", url("/metrics"), NULL, NULL, &body), 200);
    cr_assert(strstr(body, "atsb_http_requests_total{route=\"/v1/down\",code=\"503\"}"), "%s", body);
    free(body);
}
