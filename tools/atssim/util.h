#ifndef ATSSIM_UTIL_H
#define ATSSIM_UTIL_H

#include "http_server.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Small helpers shared by every simulator module: clocks, JSON access that
 * tolerates any input shape, ids and a growable string. None of them can
 * crash on malformed input; getters return NULL / -1 when the value is
 * missing or has the wrong type. */

int64_t util_now_ms(void);  /* wall clock, Unix milliseconds */
int64_t util_mono_ms(void); /* monotonic milliseconds */
/* Sleeps ms milliseconds in slices, returning early (1) when the process is
 * shutting down or *gen (when not NULL) differs from expect_gen. */
int util_sleep_ms(int64_t ms, const _Atomic unsigned *gen, unsigned expect_gen);

/* Parses the request body as exactly one JSON value of the wanted type
 * (json_type_object or json_type_array). Returns the new object (caller
 * puts it) or NULL when the body is empty, truncated, has trailing garbage
 * or has another type. */
json_object *util_parse_body(const http_request *req, json_type want);

const char *util_jstr(json_object *o, const char *key); /* string member or NULL */
json_object *util_jarr(json_object *o, const char *key); /* array member or NULL */
json_object *util_jobj(json_object *o, const char *key); /* object member or NULL */
/* Integer member (an int, or a string of digits); 0 with *out set, else -1. */
int util_jint(json_object *o, const char *key, int64_t *out);
/* Boolean member; returns def when absent or not a boolean. */
int util_jbool(json_object *o, const char *key, int def);
/* Finds the element of array arr whose member key equals the string val. */
json_object *util_find_by(json_object *arr, const char *key, const char *val);

/* A random RFC 4122 version-4 UUID (36 chars + NUL) into out[37]. */
void util_uuid(char out[37]);

/* Lowercases ASCII in place (e-mail keys). */
void util_lower(char *s);

/* Deep copy that cannot return NULL for a non-NULL input except on OOM. */
json_object *util_copy(json_object *o);

/* Growable NUL-terminated string. On allocation failure the buffer is marked
 * failed and util_sb_take returns NULL. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} util_sb;
void util_sb_add(util_sb *b, const char *s);
void util_sb_addn(util_sb *b, const char *s, size_t n);
/* Appends s percent-encoded for a URL query component. */
void util_sb_add_urlenc(util_sb *b, const char *s);
char *util_sb_take(util_sb *b); /* malloc'd result (caller frees) or NULL */
void util_sb_free(util_sb *b);

/* The client's IPv4/IPv6 address as text ("" when unknown). */
void util_client_ip(const http_request *req, char *out, size_t outlen);
/* Closes the request's connection without an answer (the client sees the
 * connection reset / an empty reply). The handler still fills a response,
 * which libmicrohttpd then fails to send. */
void util_drop_connection(const http_request *req);

#endif
