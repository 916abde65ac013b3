#ifndef INGEST_ROUTES_H
#define INGEST_ROUTES_H

#include "http_server.h"
#include "ingest.h"

/* ingest's route table, in one place so openapi.yaml can be checked against
 * it (tests/ingest/test_openapi.c). */

/* BODY_SIGNED: routes whose credential is a signature over the body
 * (webhooks, provider callbacks) take small bodies only. */
typedef enum { BODY_SMALL, BODY_SIGNED, BODY_APPLICATION, BODY_EXPORT } routes_body;

typedef struct {
    const char *method;
    const char *pattern;
    http_handler_fn fn;
    routes_body body;
    http_authorize_fn authorize; /* checked on the headers, before the body is read */
    unsigned accept;             /* HTTP_ACCEPT_* */
} routes_def;

extern const routes_def routes_table[];
extern const size_t routes_count;

/* Paths the HTTP server answers itself (GET): /healthz, /readyz, /metrics. */
extern const char *const routes_builtin[];
extern const size_t routes_builtin_count;

/* Body limit of a route kind under cfg: documents' total inflated by base64
 * (4/3) plus room for the JSON or multipart around them. */
size_t routes_max_body(routes_body kind, const ingest_config *cfg);

/* Fills out[routes_count] with the table bound to ctx. */
void routes_build(ingest_ctx *ctx, http_route *out);

#endif
