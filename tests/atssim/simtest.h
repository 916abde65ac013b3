#ifndef ATSSIM_SIMTEST_H
#define ATSSIM_SIMTEST_H

#include <json-c/json.h>
#include <stddef.h>

/* Shared fixture for the atssim tests: starts the simulator built in
 * ATSB_BIN_DIR with the source tree's seed on a free port, and speaks HTTP
 * to it with libcurl (any method, content type and headers). */

extern char simtest_base[64]; /* "http://127.0.0.1:PORT" */

/* Starts atssim (extra "K=V" environment entries, NULL-terminated, may be
 * NULL) and waits until it answers. Aborts the test on failure. */
void simtest_start_env(char *const *env);
void simtest_start(void);
/* SIGTERM, wait, and assert a clean exit (ASan leak reports fail it). */
void simtest_stop(void);

typedef struct {
    long status;     /* 0 when no HTTP answer */
    int curl_rc;     /* CURLcode */
    char *body;      /* malloc'd, NUL-terminated */
    char *headers;   /* raw response headers */
    double seconds;  /* total time */
    json_object *json; /* parsed body or NULL */
} simtest_resp;

/* One request to simtest_base + path. headers: NULL-terminated list of
 * "Name: value". timeout_ms 0 means 30 s. body may be NULL; body_len 0
 * means strlen(body). */
void simtest_req(simtest_resp *r, const char *method, const char *path, const char *content_type,
                 const char *body, size_t body_len, const char *const *headers, long timeout_ms);
/* JSON request with an optional "Authorization: Bearer token". */
void simtest_json(simtest_resp *r, const char *method, const char *path, const char *body, const char *token);
void simtest_resp_free(simtest_resp *r);

/* The value of response header name (copied into out), or NULL. */
const char *simtest_header(const simtest_resp *r, const char *name, char *out, size_t outlen);

/* String at a dotted path in a JSON object ("data.id"), or NULL. */
const char *simtest_str(json_object *o, const char *path);
/* The value at that path (json_path), or NULL. */
json_object *simtest_get(json_object *o, const char *path);

/* A Lever access token for site (minted through the control API). */
void simtest_lever_token(const char *site, char *out, size_t outlen);
/* The same from a POST /_sim/lever/tokens body ({"site","scope","environment"}). */
void simtest_lever_mint(const char *body, char *out, size_t outlen);

#endif
