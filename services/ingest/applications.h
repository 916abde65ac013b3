#ifndef INGEST_APPLICATIONS_H
#define INGEST_APPLICATIONS_H

#include "application_parse.h"
#include "http_server.h"

/* POST /v1/applications (docs/ingest.md): a board key, a JSON or multipart
 * body, validation, documents into ingest.documents, ApplicationReceived +
 * `received` event into Kafka, 202 after the delivery reports. ctx is the
 * ingest_ctx. */
void applications_post(const http_request *req, http_response *resp, void *ctx);

/* Reads an application from a multipart body: part `application` holds the
 * JSON, every part with a filename is a document (kind = the part's name
 * when it is cv, cover_letter or other). Pure, like app_parse; returns 0, or
 * -1 with errs filled (400 when the multipart itself is malformed). *out
 * must be freed with app_application_free either way. */
int applications_parse_multipart(const char *body, size_t len, const char *content_type,
                                 const app_limits *lim, app_application *out, errlist *errs);

#endif
