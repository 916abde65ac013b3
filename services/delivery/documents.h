#ifndef ATSB_DELIVERY_DOCUMENTS_H
#define ATSB_DELIVERY_DOCUMENTS_H

#include "connectors/connector.h"

#include <libpq-fe.h>

/* Documents come from ingest's claim-check store, read through
 * common/stored_documents.h. */

typedef enum {
    DOCUMENTS_LOADED = 0,
    DOCUMENTS_MISSING = 1, /* a referenced document is not stored (nothing allocated) */
    DOCUMENTS_ERROR = -1,  /* database error or out of memory (nothing allocated) */
} documents_result;

/* Loads the application's documents into a freshly allocated array (*out,
 * *n; free with documents_free).
 *
 * A missing document is temporary for delivery (deliver.c): the attempt
 * fails as transient (`document_missing`, retry tiers with backoff) and
 * becomes permanent (dead letter, FAILED) only when it was the last attempt.
 * It is missing because ingest stores documents just after Kafka has the
 * message, so a fast consumer comes first, or because it is gone: erased
 * (an attempt after status has destroyed the application's key ends as
 * erased, nothing sent) or removed by retention (a re-driven application:
 * retried until its attempts run out). */
documents_result documents_load(PGconn *c, const Atsbridge__V1__ApplicationReceived *app, cx_document **out,
                                size_t *n);

void documents_free(cx_document *docs, size_t n);

#endif
