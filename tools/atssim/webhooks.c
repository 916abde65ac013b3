#include "webhooks.h"

#include "log.h"
#include "util.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEADERS 8
#define LOG_KEEP 1000

typedef struct delivery {
    long id;
    char *kind, *url, *body;
    char *headers[MAX_HEADERS];
    int attempts;
    int64_t due_ms; /* monotonic */
    long last_status;
    char last_error[128];
    int done;     /* 1 delivered, -1 gave up */
    int64_t created_ms;
    struct delivery *next; /* queue or log link */
} delivery;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static delivery *queue; /* pending, unordered */
static json_object *logged; /* array of finished/pending descriptions by id */
static long next_id = 1;
static delivery *inflight; /* being posted, outside the queue */
static int running;
static pthread_t thread;

static void delivery_free(delivery *d) {
    if (!d) return;
    free(d->kind);
    free(d->url);
    free(d->body);
    for (int i = 0; i < MAX_HEADERS; i++) free(d->headers[i]);
    free(d);
}

/* Updates (or appends) the log entry for d. Called with mu held. */
static void log_entry(const delivery *d) {
    if (!logged) logged = json_object_new_array();
    json_object *e = NULL;
    size_t n = json_object_array_length(logged);
    for (size_t i = n; i > 0; i--) {
        json_object *x = json_object_array_get_idx(logged, i - 1);
        int64_t id;
        if (util_jint(x, "id", &id) == 0 && id == d->id) {
            e = x;
            break;
        }
    }
    if (!e) {
        if (n >= LOG_KEEP) json_object_array_del_idx(logged, 0, 1);
        e = json_object_new_object();
        json_object_array_add(logged, e);
        json_object_object_add(e, "id", json_object_new_int64(d->id));
        json_object_object_add(e, "kind", json_object_new_string(d->kind));
        json_object_object_add(e, "url", json_object_new_string(d->url));
        json_object_object_add(e, "created_at", json_object_new_int64(d->created_ms));
        json_object *body = json_tokener_parse(d->body);
        json_object_object_add(e, "body", body ? body : json_object_new_string(d->body));
        json_object *h = json_object_new_array();
        for (int i = 0; i < MAX_HEADERS && d->headers[i]; i++)
            json_object_array_add(h, json_object_new_string(d->headers[i]));
        json_object_object_add(e, "headers", h);
    }
    json_object_object_add(e, "attempts", json_object_new_int(d->attempts));
    json_object_object_add(e, "last_status", json_object_new_int64(d->last_status));
    json_object_object_add(e, "last_error", json_object_new_string(d->last_error));
    json_object_object_add(e, "state", json_object_new_string(d->done == 1    ? "delivered"
                                                              : d->done == -1 ? "failed"
                                                                              : "pending"));
}

long webhooks_enqueue(const char *kind, const char *url, const char *body, const char *const *headers) {
    delivery *d = calloc(1, sizeof *d);
    if (!d) return -1;
    d->kind = strdup(kind);
    d->url = strdup(url);
    d->body = strdup(body);
    int ok = d->kind && d->url && d->body;
    for (int i = 0; ok && headers && headers[i] && i < MAX_HEADERS; i++) {
        d->headers[i] = strdup(headers[i]);
        ok = d->headers[i] != NULL;
    }
    if (!ok) {
        delivery_free(d);
        return -1;
    }
    d->due_ms = util_mono_ms();
    d->created_ms = util_now_ms();
    pthread_mutex_lock(&mu);
    d->id = next_id++;
    long id = d->id;
    log_entry(d);
    d->next = queue;
    queue = d;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return id;
}

static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud) {
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* One POST attempt without the lock held. Returns the HTTP status or 0. */
static long post_once(const delivery *d, char *err, size_t errlen) {
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "curl init failed");
        return 0;
    }
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    for (int i = 0; i < MAX_HEADERS && d->headers[i]; i++) h = curl_slist_append(h, d->headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, d->url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(d->body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "atssim-webhooks/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    long status = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        err[0] = '\0';
    } else {
        snprintf(err, errlen, "%s", curl_easy_strerror(rc));
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static void *sender(void *arg) {
    (void)arg;
    static const int64_t backoff_ms[] = {200, 1000, 2000};
    pthread_mutex_lock(&mu);
    while (running) {
        /* Take the earliest due delivery. */
        delivery **best = NULL;
        int64_t now = util_mono_ms();
        for (delivery **p = &queue; *p; p = &(*p)->next)
            if (!best || (*p)->due_ms < (*best)->due_ms) best = p;
        if (!best || (*best)->due_ms > now) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait = best ? (*best)->due_ms - now : 200;
            if (wait > 200) wait = 200;
            ts.tv_nsec += (long)wait * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
            pthread_cond_timedwait(&cv, &mu, &ts);
            continue;
        }
        delivery *d = *best;
        *best = d->next;
        d->next = NULL;
        inflight = d;
        pthread_mutex_unlock(&mu);

        char err[128];
        long status = post_once(d, err, sizeof err);

        pthread_mutex_lock(&mu);
        inflight = NULL;
        d->attempts++;
        d->last_status = status;
        snprintf(d->last_error, sizeof d->last_error, "%s", err);
        if (status >= 200 && status < 300) {
            d->done = 1;
        } else if (d->attempts >= WEBHOOKS_ATTEMPTS) {
            d->done = -1;
            log_warn("delivery failed", "kind", d->kind);
        } else {
            d->due_ms = util_mono_ms() + backoff_ms[d->attempts - 1];
        }
        if (d->id >= 0) log_entry(d); /* a reset meanwhile marks d->id = -1 */
        if (d->done || d->id < 0) {
            delivery_free(d);
        } else {
            d->next = queue;
            queue = d;
        }
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int webhooks_start(void) {
    pthread_mutex_lock(&mu);
    running = 1;
    pthread_mutex_unlock(&mu);
    if (pthread_create(&thread, NULL, sender, NULL) != 0) {
        running = 0;
        return -1;
    }
    return 0;
}

static void drop_queue(void) {
    while (queue) {
        delivery *d = queue;
        queue = d->next;
        delivery_free(d);
    }
}

void webhooks_stop(void) {
    pthread_mutex_lock(&mu);
    int was = running;
    running = 0;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    if (was) pthread_join(thread, NULL);
    pthread_mutex_lock(&mu);
    drop_queue();
    json_object_put(logged);
    logged = NULL;
    pthread_mutex_unlock(&mu);
}

json_object *webhooks_log(void) {
    pthread_mutex_lock(&mu);
    json_object *copy = logged ? util_copy(logged) : NULL;
    pthread_mutex_unlock(&mu);
    return copy ? copy : json_object_new_array();
}

void webhooks_reset(void) {
    pthread_mutex_lock(&mu);
    if (inflight) inflight->id = -1;
    drop_queue();
    json_object_put(logged);
    logged = NULL;
    pthread_mutex_unlock(&mu);
}
