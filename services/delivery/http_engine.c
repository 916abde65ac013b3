#include "http_engine.h"

#include "log.h"
#include "metrics.h"
#include "outbound.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DEFAULT_TIMEOUT_MS 30000L

typedef struct job {
    const http_engine_req *req;
    http_result *out;
    CURL *easy;
    struct curl_slist *hl;
    outbound_guard guard; /* the body cap, and why a connection was refused */
    size_t cap;
    int done;
    int failed;
    struct timespec started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *next;
} job;

struct http_engine {
    http_engine_config cfg;
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t mu;
    job *queue, *queue_tail; /* submitted, not yet added to multi */
    int stopping;
    int active;
    CURL **idle; /* finished easy handles kept for reuse (engine thread only) */
    int nidle;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
    job *j = ud;
    http_result *r = j->out;
    size_t n = size * nmemb;
    if (n > j->guard.max_response - r->body_len) {
        j->guard.too_large = 1;
        return 0; /* aborts the transfer */
    }
    if (r->body_len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 4096;
        while (cap < r->body_len + n + 1) cap *= 2;
        char *b = realloc(r->body, cap);
        if (!b) return 0;
        r->body = b;
        j->cap = cap;
    }
    memcpy(r->body + r->body_len, ptr, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud) {
    job *j = ud;
    size_t n = size * nmemb;
    static const char name[] = "Retry-After:";
    if (n > sizeof name - 1 && !strncasecmp(line, name, sizeof name - 1)) {
        const char *v = line + sizeof name - 1, *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
        size_t len = (size_t)(end - v);
        if (len >= sizeof j->out->retry_after) len = sizeof j->out->retry_after - 1;
        memcpy(j->out->retry_after, v, len);
        j->out->retry_after[len] = '\0';
    }
    return n;
}

static void finish(http_engine *e, job *j, CURLcode code) {
    http_result *r = j->out;
    if (code == CURLE_OK) {
        curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &r->status);
    } else {
        r->status = 0;
        outbound_curl_error(&j->guard, code, r->error, sizeof r->error);
        j->failed = 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double secs = (double)(now.tv_sec - j->started.tv_sec) + (double)(now.tv_nsec - j->started.tv_nsec) / 1e9;
    char labels[200], status[16];
    if (code == CURLE_OK) snprintf(status, sizeof status, "%ld", r->status);
    else snprintf(status, sizeof status, "%s", code == CURLE_OPERATION_TIMEDOUT ? "timeout" : "error");
    snprintf(labels, sizeof labels, "ats=\"%s\",endpoint=\"%s\",status=\"%s\"", j->req->ats ? j->req->ats : "",
             j->req->endpoint ? j->req->endpoint : "", status);
    metrics_counter_add("atsb_delivery_http_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "ats=\"%s\",endpoint=\"%s\"", j->req->ats ? j->req->ats : "",
             j->req->endpoint ? j->req->endpoint : "");
    metrics_observe("atsb_delivery_http_seconds", labels, secs);
    if (j->easy) {
        curl_multi_remove_handle(e->multi, j->easy);
        if (e->nidle < e->cfg.max_concurrent) {
            curl_easy_reset(j->easy);
            e->idle[e->nidle++] = j->easy;
        } else {
            curl_easy_cleanup(j->easy);
        }
        j->easy = NULL;
    }
    curl_slist_free_all(j->hl);
    j->hl = NULL;
    pthread_mutex_lock(&j->mu);
    j->done = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* Configures j's easy handle and adds it to the multi. Returns 0 or -1 (j finished with an error). */
static int start_job(http_engine *e, job *j) {
    const http_engine_req *q = j->req;
    clock_gettime(CLOCK_MONOTONIC, &j->started);
    j->easy = e->nidle ? e->idle[--e->nidle] : curl_easy_init();
    if (!j->easy) goto fail;
    for (const char *const *h = q->headers; h && *h; h++) {
        struct curl_slist *n = curl_slist_append(j->hl, *h);
        if (!n) goto fail;
        j->hl = n;
    }
    /* No "Expect: 100-continue" round trip on uploads. */
    struct curl_slist *n = curl_slist_append(j->hl, "Expect:");
    if (!n) goto fail;
    j->hl = n;
    CURL *h = j->easy;
    curl_easy_setopt(h, CURLOPT_URL, q->url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, j->hl);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, e->cfg.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, e->cfg.timeout_ms);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(h, CURLOPT_PRIVATE, j);
    if (q->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (!strcmp(q->method, "GET")) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (outbound_curl_setup(h, &j->guard)) {
        finish(e, j, CURLE_FAILED_INIT); /* no request without the policy */
        return -1;
    }
    if (curl_multi_add_handle(e->multi, h) != CURLM_OK) goto fail;
    e->active++;
    return 0;
fail:
    finish(e, j, CURLE_OUT_OF_MEMORY);
    return -1;
}

static void *run(void *arg) {
    http_engine *e = arg;
    for (;;) {
        pthread_mutex_lock(&e->mu);
        job *q = e->queue;
        e->queue = e->queue_tail = NULL;
        int stopping = e->stopping;
        pthread_mutex_unlock(&e->mu);
        for (job *j = q, *next; j; j = next) {
            next = j->next;
            if (stopping) finish(e, j, CURLE_ABORTED_BY_CALLBACK);
            else start_job(e, j);
        }
        if (stopping && e->active == 0) break;
        int running = 0;
        curl_multi_perform(e->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(e->multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            job *j = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
            CURLcode code = msg->data.result;
            e->active--;
            if (j) finish(e, j, code);
        }
        metrics_gauge_set("atsb_delivery_http_in_flight", "", (double)e->active);
        /* Stopping: running transfers finish (bounded by timeout_ms). */
        curl_multi_poll(e->multi, NULL, 0, stopping ? 100 : 1000, NULL);
    }
    return NULL;
}

int http_engine_start(const http_engine_config *cfg, http_engine **out) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    http_engine *e = calloc(1, sizeof *e);
    if (!e) return -1;
    e->cfg = *cfg;
    if (e->cfg.max_concurrent < 1) e->cfg.max_concurrent = 64;
    /* Every wait is bounded: 0 would mean no timeout to libcurl. */
    if (e->cfg.connect_timeout_ms <= 0) e->cfg.connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (e->cfg.timeout_ms <= 0) e->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
    outbound_configure();
    e->multi = curl_multi_init();
    e->idle = calloc((size_t)e->cfg.max_concurrent, sizeof *e->idle);
    if (!e->multi || !e->idle) {
        if (e->multi) curl_multi_cleanup(e->multi);
        free(e->idle);
        free(e);
        return -1;
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)e->cfg.max_concurrent);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)e->cfg.max_concurrent);
    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->cfg.max_concurrent);
    pthread_mutex_init(&e->mu, NULL);
    if (pthread_create(&e->thread, NULL, run, e) != 0) {
        curl_multi_cleanup(e->multi);
        pthread_mutex_destroy(&e->mu);
        free(e->idle);
        free(e);
        return -1;
    }
    *out = e;
    return 0;
}

int http_engine_do(http_engine *e, const http_engine_req *req, http_result *out) {
    memset(out, 0, sizeof *out);
    job j = {.req = req, .out = out};
    pthread_mutex_init(&j.mu, NULL);
    pthread_cond_init(&j.cv, NULL);
    pthread_mutex_lock(&e->mu);
    int stopping = e->stopping;
    if (!stopping) {
        if (e->queue_tail) e->queue_tail->next = &j;
        else e->queue = &j;
        e->queue_tail = &j;
    }
    pthread_mutex_unlock(&e->mu);
    if (stopping) {
        snprintf(out->error, sizeof out->error, "http engine stopped");
        j.failed = 1;
    } else {
        curl_multi_wakeup(e->multi);
        pthread_mutex_lock(&j.mu);
        while (!j.done) pthread_cond_wait(&j.cv, &j.mu);
        pthread_mutex_unlock(&j.mu);
    }
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    if (!out->body) out->body = calloc(1, 1);
    return j.failed ? -1 : 0;
}

void http_engine_stop(http_engine *e) {
    if (!e) return;
    pthread_mutex_lock(&e->mu);
    e->stopping = 1;
    pthread_mutex_unlock(&e->mu);
    curl_multi_wakeup(e->multi);
    pthread_join(e->thread, NULL);
    while (e->nidle) curl_easy_cleanup(e->idle[--e->nidle]);
    free(e->idle);
    curl_multi_cleanup(e->multi);
    pthread_mutex_destroy(&e->mu);
    free(e);
}
