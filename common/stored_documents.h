#ifndef ATSB_STORED_DOCUMENTS_H
#define ATSB_STORED_DOCUMENTS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* The claim-check document store, ingest.documents (DESIGN.md "Documents"):
 * ingest owns it (its migrations create and change it; it writes a document
 * with its ingest.document_refs row, and deletes both on erasure and
 * retention). delivery reads the bytes only through this module (DESIGN.md
 * "Shared stores"), relying on sha256 (the key), content_type and content.
 * The bytes come in a binary-format result, without bytea hex decoding. */

typedef struct {
    char *content_type; /* as ingest stored it */
    uint8_t *data;      /* never NULL when read, also for 0 bytes */
    size_t len;
} stored_document;

/* Reads document sha256: 0 with out filled (free with stored_document_free),
 * 1 when there is no such document (not stored yet, or erased), -1 on a
 * database error or when out of memory (nothing allocated). */
int stored_document_get(PGconn *c, const char *sha256, stored_document *out);

/* Frees what stored_document_get allocated and zeroes d. Safe on a zeroed
 * struct. */
void stored_document_free(stored_document *d);

#endif
