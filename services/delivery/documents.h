#ifndef ATSB_DELIVERY_DOCUMENTS_H
#define ATSB_DELIVERY_DOCUMENTS_H

#include "connectors/connector.h"

#include <libpq-fe.h>

/* Documents come from ingest's claim-check store, read through
 * common/stored_documents.h. */

/* Loads the application's documents into a freshly allocated array (*out,
 * *n; free with documents_free). Returns 0, 1 when a referenced document is
 * missing (not stored yet, or erased: the caller retries it as transient
 * until its attempts run out), or -1 on a database error (nothing
 * allocated). */
int documents_load(PGconn *c, const Atsbridge__V1__ApplicationReceived *app, cx_document **out, size_t *n);

void documents_free(cx_document *docs, size_t n);

#endif
