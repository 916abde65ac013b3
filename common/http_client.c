#include "http_client.h"

#include "outbound.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void handle_free(void *h) { curl_easy_cleanup(h); }
static void handle_key_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_key_create(&handle_key, handle_free);
}

/* The calling thread's handle, created on first use; NULL when out of memory. */
static CURL *thread_handle(void) {
    pthread_once(&handle_once, handle_key_init);
    CURL *h = pthread_getspecific(handle_key);
    if (!h) {
        h = curl_easy_init();
        if (h) pthread_setspecific(handle_key, h);
    } else {
        curl_easy_reset(h); /* options reset, connections kept */
    }
    return h;
}

#define DEFAULT_TIMEOUT_MS 30000
#define MAX_CONNECT_TIMEOUT_MS 5000

typedef struct {
    char *buf;
    size_t len, cap;
    outbound_guard guard; /* the body cap, and why a connection was refused */
} sink;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
    sink *s = ud;
    size_t n = size * nmemb;
    if (n > s->guard.max_response - s->len) {
        s->guard.too_large = 1;
        return 0; /* aborts the transfer */
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        while (cap < s->len + n + 1) cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b) return 0; /* aborts the transfer */
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':') return;
    const char *v = line + nl + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    size_t len = (size_t)(end - v) < outlen - 1 ? (size_t)(end - v) : outlen - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *ud) {
    http_result *r = ud;
    size_t n = size * nmemb;
    header_value(line, n, "Retry-After", r->retry_after, sizeof r->retry_after);
    header_value(line, n, "ETag", r->etag, sizeof r->etag);
    return n;
}

int http_client_request(const char *method, const char *url, const char *const *headers,
                        const char *body, size_t body_len, int timeout_ms, http_result *out) {
    memset(out, 0, sizeof *out);
    sink s = {0};
    struct curl_slist *hl = NULL;
    int rc = -1;
    if (timeout_ms <= 0) timeout_ms = DEFAULT_TIMEOUT_MS;
    CURL *h = thread_handle();
    if (!h) {
        snprintf(out->error, sizeof out->error, "out of memory");
        goto done;
    }
    for (const char *const *p = headers; p && *p; p++) {
        struct curl_slist *n = curl_slist_append(hl, *p);
        if (!n) goto done;
        hl = n;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(timeout_ms < MAX_CONNECT_TIMEOUT_MS ? timeout_ms : MAX_CONNECT_TIMEOUT_MS));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (outbound_curl_setup(h, &s.guard)) {
        snprintf(out->error, sizeof out->error, "the outbound policy could not be applied");
        goto done;
    }
    CURLcode e = curl_easy_perform(h);
    if (e != CURLE_OK) {
        outbound_curl_error(&s.guard, e, out->error, sizeof out->error);
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    rc = 0;
done:
    curl_slist_free_all(hl);
    out->body = s.buf ? s.buf : calloc(1, 1);
    out->body_len = s.len;
    return rc;
}

void http_result_free(http_result *r) {
    free(r->body);
    r->body = NULL;
}

int http_form_add(char *buf, size_t len, const char *name, const char *value) {
    char *esc = curl_easy_escape(NULL, value, 0);
    if (!esc) return -1;
    size_t used = strlen(buf);
    int n = snprintf(buf + used, len - used, "%s%s=%s", used ? "&" : "", name, esc);
    curl_free(esc);
    return (n < 0 || (size_t)n >= len - used) ? -1 : 0;
}
