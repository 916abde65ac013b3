#include "notify_sink.h"

#include "crypto.h"
#include "http_server.h"

#include <criterion/criterion.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_POSTS 128

struct notify_sink {
    http_server *srv;
    pthread_mutex_t mu;
    notify_post posts[MAX_POSTS];
    size_t n;
    int fail_left;
    http_route route;
};

static void copy_header(const http_request *req, const char *name, char *out, size_t len) {
    const char *v = http_header(req, name);
    snprintf(out, len, "%s", v ? v : "");
}

static void on_post(const http_request *req, http_response *resp, void *ctx) {
    notify_sink *k = ctx;
    int status = 200;
    pthread_mutex_lock(&k->mu);
    if (k->fail_left > 0) {
        k->fail_left--;
        status = 503;
    }
    if (k->n < MAX_POSTS) {
        notify_post *p = &k->posts[k->n++];
        p->body = strndup(req->body ? req->body : "", req->body_len);
        copy_header(req, "X-Atsbridge-Timestamp", p->timestamp, sizeof p->timestamp);
        copy_header(req, "X-Atsbridge-Signature", p->signature, sizeof p->signature);
        copy_header(req, "X-Atsbridge-Notification-Id", p->id, sizeof p->id);
        p->status = status;
    }
    pthread_mutex_unlock(&k->mu);
    if (status == 200) http_json(resp, 200, json_object_new_object());
    else http_error(resp, status, "unavailable", "try again");
}

notify_sink *notify_sink_start(int fail_first, char *url, size_t urllen) {
    notify_sink *k = calloc(1, sizeof *k);
    cr_assert_not_null(k);
    pthread_mutex_init(&k->mu, NULL);
    k->fail_left = fail_first;
    k->route = (http_route){"POST", "/notify", on_post, k, 0, NULL, 0};
    char err[256];
    cr_assert_eq(http_server_start("127.0.0.1", 0, &k->route, 1, NULL, NULL, &k->srv, err, sizeof err), 0, "%s",
                 err);
    snprintf(url, urllen, "http://127.0.0.1:%d/notify", http_server_port(k->srv));
    return k;
}

size_t notify_sink_count(notify_sink *k) {
    pthread_mutex_lock(&k->mu);
    size_t n = k->n;
    pthread_mutex_unlock(&k->mu);
    return n;
}

const notify_post *notify_sink_get(notify_sink *k, size_t i) {
    pthread_mutex_lock(&k->mu);
    const notify_post *p = i < k->n ? &k->posts[i] : NULL;
    pthread_mutex_unlock(&k->mu);
    return p;
}

static int class_is(const char *body, const char *cls) {
    if (!cls) return 1;
    json_object *o = json_tokener_parse(body), *v;
    int yes = o && json_object_object_get_ex(o, "class", &v) && !strcmp(json_object_get_string(v), cls);
    json_object_put(o);
    return yes;
}

int notify_sink_wait(notify_sink *k, const char *cls, int timeout_ms) {
    for (int waited = 0;; waited += 100) {
        size_t n = notify_sink_count(k);
        for (size_t i = 0; i < n; i++) {
            const notify_post *p = notify_sink_get(k, i);
            if (p->status == 200 && class_is(p->body, cls)) return (int)i;
        }
        if (waited >= timeout_ms) return -1;
        usleep(100 * 1000);
    }
}

int notify_sink_verifies(notify_sink *k, size_t i, const char *secret) {
    const notify_post *p = notify_sink_get(k, i);
    if (!p || !p->timestamp[0] || !secret) return 0;
    size_t tl = strlen(p->timestamp), bl = strlen(p->body);
    char *msg = malloc(tl + 1 + bl + 1), hex[CRYPTO_SHA256_HEX];
    cr_assert_not_null(msg);
    snprintf(msg, tl + 1 + bl + 1, "%s.%s", p->timestamp, p->body);
    crypto_hmac_sha256_hex(secret, strlen(secret), msg, tl + 1 + bl, hex);
    free(msg);
    return crypto_str_equal(hex, p->signature);
}

void notify_sink_stop(notify_sink *k) {
    if (!k) return;
    http_server_stop(k->srv);
    for (size_t i = 0; i < k->n; i++) free(k->posts[i].body);
    pthread_mutex_destroy(&k->mu);
    free(k);
}
