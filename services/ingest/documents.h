#ifndef INGEST_DOCUMENTS_H
#define INGEST_DOCUMENTS_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Documents (CVs): type detection by magic bytes and the claim-check store
 * ingest.documents (DESIGN.md "Documents"). Allowed: pdf, doc, docx, odt,
 * rtf, txt. */

#define DOC_TYPE_PDF "application/pdf"
#define DOC_TYPE_DOC "application/msword"
#define DOC_TYPE_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#define DOC_TYPE_ODT "application/vnd.oasis.opendocument.text"
#define DOC_TYPE_RTF "application/rtf"
#define DOC_TYPE_TXT "text/plain"

typedef enum {
    DOC_OK = 0,
    DOC_EMPTY = -1,       /* zero bytes */
    DOC_UNSUPPORTED = -2, /* content is none of the allowed types */
    DOC_MISMATCH = -3,    /* declared type is allowed but the content is another type */
} doc_check;

/* Detects the type of data from its content. Returns one of the DOC_TYPE_*
 * strings, or NULL when the content is none of the allowed types. Pure. */
const char *documents_detect(const uint8_t *data, size_t len);

/* The DOC_TYPE_* an allowed declared media type stands for (parameters such
 * as "; charset=utf-8" and case are ignored; "text/rtf" means rtf), NULL for
 * anything else. Pure. */
const char *documents_normalize_type(const char *declared);

/* Checks data against the allowed types and the declared media type (NULL,
 * empty or application/octet-stream: content decides). On DOC_OK *detected
 * is the DOC_TYPE_* of the content. Pure. */
doc_check documents_check(const char *declared, const uint8_t *data, size_t len, const char **detected);

/* Stores one document under its sha256 (INSERT ... ON CONFLICT DO NOTHING)
 * and its link to application_id (ingest.document_refs, which erasure reads),
 * inside the caller's transaction. The bytes go as a binary parameter.
 * Returns 0, or -1 on a database error. */
int documents_store(PGconn *c, const char *application_id, const char *sha256, const char *content_type,
                    const uint8_t *data, size_t len);

#endif
