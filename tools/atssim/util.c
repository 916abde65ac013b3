#include "util.h"

#include "shutdown.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int64_t util_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int util_sleep_ms(int64_t ms, const _Atomic unsigned *gen, unsigned expect_gen) {
    int64_t end = util_mono_ms() + ms;
    for (;;) {
        if (shutdown_requested()) return 1;
        if (gen && *gen != expect_gen) return 1;
        int64_t left = end - util_mono_ms();
        if (left <= 0) return 0;
        if (left > 20) left = 20;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)left * 1000000L};
        nanosleep(&ts, NULL);
    }
}

json_object *util_parse_body(const http_request *req, json_type want) {
    if (!req->body || req->body_len == 0 || req->body_len > INT32_MAX) return NULL;
    json_tokener *tok = json_tokener_new();
    if (!tok) return NULL;
    json_object *o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || e != json_tokener_success) {
        json_object_put(o);
        return NULL;
    }
    /* Only whitespace may follow the value. */
    for (size_t i = used; i < req->body_len; i++) {
        if (!isspace((unsigned char)req->body[i])) {
            json_object_put(o);
            return NULL;
        }
    }
    if (!json_object_is_type(o, want)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

const char *util_jstr(json_object *o, const char *key) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) return NULL;
    return json_object_get_string(v);
}

json_object *util_jarr(json_object *o, const char *key) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array)) return NULL;
    return v;
}

json_object *util_jobj(json_object *o, const char *key) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object)) return NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object)) return NULL;
    return v;
}

int util_jint(json_object *o, const char *key, int64_t *out) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object)) return -1;
    if (!json_object_object_get_ex(o, key, &v) || !v) return -1;
    if (json_object_is_type(v, json_type_int)) {
        *out = json_object_get_int64(v);
        return 0;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (d != d || d < -9e15 || d > 9e15) return -1;
        *out = (int64_t)d;
        return 0;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end = NULL;
        if (!*s) return -1;
        long long x = strtoll(s, &end, 10);
        if (*end) return -1;
        *out = x;
        return 0;
    }
    return -1;
}

int util_jbool(json_object *o, const char *key, int def) {
    json_object *v;
    if (!o || !json_object_is_type(o, json_type_object)) return def;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean)) return def;
    return json_object_get_boolean(v) ? 1 : 0;
}

json_object *util_find_by(json_object *arr, const char *key, const char *val) {
    if (!arr || !val || !json_object_is_type(arr, json_type_array)) return NULL;
    size_t n = json_object_array_length(arr);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *s = util_jstr(e, key);
        if (s && !strcmp(s, val)) return e;
    }
    return NULL;
}

void util_uuid(char out[37]) {
    unsigned char r[16];
    randombytes_buf(r, sizeof r);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[r[i] >> 4];
        out[o++] = hex[r[i] & 15];
    }
    out[o] = '\0';
}

void util_lower(char *s) {
    for (; s && *s; s++) *s = (char)tolower((unsigned char)*s);
}

json_object *util_copy(json_object *o) {
    json_object *c = NULL;
    if (!o) return NULL;
    if (json_object_deep_copy(o, &c, NULL) != 0) return NULL;
    return c;
}

static void sb_grow(util_sb *b, size_t extra) {
    if (b->failed) return;
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return;
    }
    b->s = s;
    b->cap = cap;
}

void util_sb_addn(util_sb *b, const char *s, size_t n) {
    sb_grow(b, n);
    if (b->failed) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void util_sb_add(util_sb *b, const char *s) { util_sb_addn(b, s, strlen(s)); }

void util_sb_add_urlenc(util_sb *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            util_sb_addn(b, (const char *)p, 1);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            util_sb_addn(b, enc, 3);
        }
    }
}

char *util_sb_take(util_sb *b) {
    if (b->failed) {
        util_sb_free(b);
        return NULL;
    }
    if (!b->s) {
        sb_grow(b, 0);
        if (b->failed) return NULL;
        b->s[0] = '\0';
    }
    char *s = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void util_sb_free(util_sb *b) {
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void util_client_ip(const http_request *req, char *out, size_t outlen) {
    out[0] = '\0';
    if (!req->conn) return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)outlen);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)outlen);
    }
}

void util_drop_connection(const http_request *req) {
    if (!req->conn) return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) shutdown(ci->connect_fd, SHUT_RDWR);
}
