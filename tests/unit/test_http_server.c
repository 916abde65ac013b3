#include "harness.h"
#include "http_budget.h"
#include "http_server.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* Accepts "Bearer good" only; tells the handler who it is. */
static int only_good(http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    const char *h = http_header(req, "Authorization");
    if (h && !strcmp(h, "Bearer good")) {
        snprintf(req->principal, sizeof req->principal, "board-a");
        return 0;
    }
    http_error(resp, 401, "unauthorized", "Bad key.");
    return -1;
}

static void whoami(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "principal", json_object_new_string(req->principal));
    json_object_object_add(o, "len", json_object_new_int((int)req->body_len));
    http_json(resp, 200, o);
}

static const http_route routes[] = {
    {"POST", "/v1/items/{id}", echo, NULL, 16, NULL, 0},
    {"GET", "/v1/down", fail503, NULL, 0, NULL, 0},
    {"POST", "/v1/guarded", whoami, NULL, 25000000, only_good, HTTP_ACCEPT_JSON},
};

static http_server *srv;
static char base[64];

static int never_ready(void *ctx, char *reason, size_t len) {
    (void)ctx;
    snprintf(reason, len, "database unreachable");
    return -1;
}

static void start(void) {
    setenv("ATSB_HTTP_HEADER_TIMEOUT_S", "1", 1);
    char err[256];
    cr_assert_eq(http_server_start("127.0.0.1", 0, routes, 3, never_ready, NULL, &srv, err, sizeof err), 0,
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

/* Sends raw request headers (no body) and returns the status of the first
 * response line, read within 5 s; 0 when none came. */
static int raw_status(const char *head) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(strrchr(base, ':') + 1))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[512] = "";
    int status = 0;
    if (poll(&p, 1, 5000) == 1 && read(fd, buf, sizeof buf - 1) > 12) status = atoi(buf + 9);
    close(fd);
    return status;
}

Test(http_server, refuses_on_headers_before_any_body_byte) {
    /* 25 MB announced, none sent: every answer must come from the headers. */
    cr_assert_eq(raw_status("POST /v1/guarded HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 25000000\r\n\r\n"),
                 401);
    cr_assert_eq(raw_status("POST /v1/guarded HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\n"
                            "Content-Type: application/json\r\nContent-Length: 25000000\r\n\r\n"),
                 401);
    cr_assert_eq(raw_status("POST /v1/guarded HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                            "Content-Type: text/plain\r\nContent-Length: 25000000\r\n\r\n"),
                 415);
    cr_assert_eq(raw_status("POST /v1/items/x HTTP/1.1\r\nHost: x\r\nContent-Length: 25000000\r\n\r\n"), 413);
    cr_assert_eq(raw_status("POST /v1/items/x HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n"), 400);
    cr_assert_eq(http_budget_in_use(), 0);
}

Test(http_server, oversized_headers_431) {
    size_t n = 40 * 1024;
    char *head = malloc(n + 128);
    int k = snprintf(head, n + 128, "GET /v1/down HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(head + k, 'a', n);
    memcpy(head + k + n, "\r\n\r\n", 5);
    cr_assert_eq(raw_status(head), 431);
    free(head);
}

Test(http_server, authorized_principal_reaches_the_handler) {
    char *body = NULL;
    cr_assert_eq(harness_http("POST", url("/v1/guarded"), "{\"a\":1}", "Authorization: Bearer good", &body), 200);
    cr_assert(strstr(body, "\"principal\":\"board-a\""), "%s", body);
    cr_assert(strstr(body, "\"len\":7"), "%s", body);
    free(body);
    cr_assert_eq(harness_http("GET", url("/v1/down"), NULL, NULL, NULL), 503);
}

Test(http_server, spent_budget_answers_503_with_retry_after) {
    http_budget_configure(2048, 2048); /* bodies are charged twice their length */
    char *big = malloc(4096);
    memset(big, ' ', 4095);
    big[0] = '{';
    big[4094] = '}';
    big[4095] = '\0';
    char *body = NULL;
    cr_assert_eq(harness_http("POST", url("/v1/guarded"), big, "Authorization: Bearer good", &body), 413);
    free(body);
    /* Someone else holds most of it: the next body must wait its turn. */
    cr_assert_eq(http_budget_take(NULL, 1990), HTTP_BUDGET_OK);
    cr_assert_eq(harness_http("POST", url("/v1/guarded"), "{\"a\":\"0123456789012345678901234567890\"}",
                              "Authorization: Bearer good", &body),
                 503);
    cr_assert(strstr(body, "server_busy"), "%s", body);
    free(body);
    http_budget_give(NULL, 1990);
    cr_assert_eq(harness_http("POST", url("/v1/guarded"), "{}", "Authorization: Bearer good", NULL), 200);
    cr_assert_eq(http_budget_in_use(), 0);
    free(big);
    http_budget_configure(64 << 20, 32 << 20);
}

Test(http_budget, per_address_share_and_total) {
    http_budget_configure(100, 60);
    struct sockaddr_in a = {.sin_family = AF_INET}, b = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
    inet_pton(AF_INET, "127.0.0.3", &b.sin_addr);
    cr_assert_eq(http_budget_take((struct sockaddr *)&a, 61), HTTP_BUDGET_NEVER);
    cr_assert_eq(http_budget_take((struct sockaddr *)&a, 50), HTTP_BUDGET_OK);
    cr_assert_eq(http_budget_take((struct sockaddr *)&a, 20), HTTP_BUDGET_BUSY); /* a's share */
    cr_assert_eq(http_budget_take((struct sockaddr *)&b, 50), HTTP_BUDGET_OK);
    cr_assert_eq(http_budget_take((struct sockaddr *)&b, 1), HTTP_BUDGET_BUSY); /* the total */
    http_budget_give((struct sockaddr *)&a, 50);
    cr_assert_eq(http_budget_take((struct sockaddr *)&b, 10), HTTP_BUDGET_OK);
    http_budget_give((struct sockaddr *)&b, 60);
    cr_assert_eq(http_budget_in_use(), 0);
}

Test(http_server, a_trickle_of_header_bytes_is_cut_off) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(strrchr(base, ':') + 1))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *start_line = "GET /v1/down HTTP/1.1\r\nHost: x\r\n";
    cr_assert_eq(write(fd, start_line, strlen(start_line)), (ssize_t)strlen(start_line));
    /* One header byte every 200 ms keeps the idle timeout away, not the header deadline (1 s here). */
    int closed = 0;
    for (int i = 0; i < 50 && !closed; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char b[64];
        if (poll(&p, 1, 200) == 1 && read(fd, b, sizeof b) <= 0) closed = 1;
        else if (send(fd, "X", 1, MSG_NOSIGNAL) < 0) closed = 1;
    }
    close(fd);
    cr_assert(closed, "the connection was still open after 10 s of trickled headers");
}

/* Deferred answers: N requests on a server with ONE worker, each handler
 * deferring; the last to arrive answers them all. This completes only if a
 * deferred request gives its worker back (else the second handler never
 * runs), and each answer must carry its own request's data (path param and
 * body, still valid until answered). */
#define DEFERRED_N 6

static pthread_mutex_t deferred_mu = PTHREAD_MUTEX_INITIALIZER;
static http_deferred *pending[DEFERRED_N];
static char pending_id[DEFERRED_N][32];
static size_t pending_len[DEFERRED_N];
static int npending;

static void *answer_all(void *arg) {
    (void)arg;
    for (int i = 0; i < DEFERRED_N; i++) {
        http_response resp = {0};
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(pending_id[i]));
        json_object_object_add(o, "len", json_object_new_int((int)pending_len[i]));
        http_json(&resp, 202, o);
        http_deferred_answer(pending[i], &resp);
    }
    return NULL;
}

static void deferring(const http_request *req, http_response *resp, void *ctx) {
    (void)resp;
    (void)ctx;
    pthread_mutex_lock(&deferred_mu);
    int i = npending++;
    snprintf(pending_id[i], sizeof pending_id[i], "%s", req->params[0]);
    pending_len[i] = strlen(req->body);
    pending[i] = http_defer(req);
    int last = npending == DEFERRED_N;
    pthread_mutex_unlock(&deferred_mu);
    if (last) { /* from another thread, as a committer or a delivery report would */
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, answer_all, NULL), 0);
        pthread_detach(t);
    }
}

static const http_route deferred_routes[] = {{"POST", "/v1/later/{id}", deferring, NULL, 0, NULL, 0}};
static http_server *dsrv;

static void start_one_worker(void) {
    setenv("ATSB_HTTP_WORKERS", "1", 1);
    char err[256];
    cr_assert_eq(http_server_start("127.0.0.1", 0, deferred_routes, 1, NULL, NULL, &dsrv, err, sizeof err), 0, "%s",
                 err);
    unsetenv("ATSB_HTTP_WORKERS");
}

static void stop_one_worker(void) { http_server_stop(dsrv); }

typedef struct {
    int k;
    long status;
    char *body;
} deferred_call;

static void *post_later(void *arg) {
    deferred_call *c = arg;
    char u[128], body[32];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/v1/later/r%d", http_server_port(dsrv), c->k);
    snprintf(body, sizeof body, "%.*s", c->k + 1, "xxxxxxxxxxxx");
    c->status = harness_http("POST", u, body, NULL, &c->body);
    return NULL;
}

TestSuite(http_deferred, .init = start_one_worker, .fini = stop_one_worker, .timeout = 60);

Test(http_deferred, waiting_requests_hold_no_worker_and_get_their_own_answer) {
    deferred_call calls[DEFERRED_N];
    pthread_t t[DEFERRED_N];
    for (int k = 0; k < DEFERRED_N; k++) {
        calls[k] = (deferred_call){.k = k};
        cr_assert_eq(pthread_create(&t[k], NULL, post_later, &calls[k]), 0);
    }
    for (int k = 0; k < DEFERRED_N; k++) pthread_join(t[k], NULL);
    for (int k = 0; k < DEFERRED_N; k++) {
        char want[64];
        snprintf(want, sizeof want, "{\"id\":\"r%d\",\"len\":%d}", k, k + 1);
        cr_assert_eq(calls[k].status, 202, "request %d: %ld %s", k, calls[k].status, calls[k].body);
        cr_assert_str_eq(calls[k].body, want);
        free(calls[k].body);
    }
}
