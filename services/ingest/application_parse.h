#ifndef INGEST_APPLICATION_PARSE_H
#define INGEST_APPLICATION_PARSE_H

#include "crypto.h"
#include "errlist.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Application requests (CONTRACT.md "ingest: submit an application"): JSON
 * text -> app_application + every problem found, as errlist items tagged 400
 * (malformed JSON or base64), 413 (documents too large) or 422 (invalid
 * field). Pure: no I/O, no global state, never crashes on any input, so a
 * libFuzzer target can call app_parse() directly. Checks needing the
 * database (account exists, key may submit for the board) are the caller's. */

typedef struct {
    size_t max_document_bytes; /* per document (413 beyond) */
    size_t max_total_bytes;    /* all documents of one request (413 beyond) */
} app_limits;

typedef struct {
    char *kind;         /* "cv", "cover_letter" or "other" */
    char *filename;     /* sanitized */
    const char *content_type; /* detected DOC_TYPE_* (static) */
    uint8_t *data;      /* owned */
    size_t len;
    char sha256[CRYPTO_SHA256_HEX];
} app_document;

typedef struct {
    app_document *v;
    size_t n;
    size_t total_bytes;
} app_documents;

typedef struct {
    char *question_id;
    char *value;   /* NULL when values is used */
    char **values;
    size_t nvalues;
} app_answer;

typedef struct {
    char *first_name, *last_name, *email, *phone, *location, *headline;
    char **links;
    size_t nlinks;
} app_candidate;

typedef struct {
    char *board, *board_application_id, *account_id, *posting_id;
    app_candidate candidate;
    app_answer *answers;
    size_t nanswers;
    int privacy_policy_accepted;
    int64_t accepted_at_ms; /* 0 when not given */
    app_documents documents;
} app_application;

/* Parses text as one JSON object with json-c's strict tokener (UTF-8
 * validated). Returns the object (caller puts it), or NULL after adding a
 * 400 item saying where parsing stopped (byte offset). */
json_object *app_json_parse(const char *text, size_t len, errlist *errs);

/* Parses and validates an application. Returns 0 when nothing is wrong
 * (errs untouched), or -1 with errs filled; *out holds what could be read
 * either way and must be freed with app_application_free. */
int app_parse(const char *text, size_t len, const app_limits *lim, app_application *out, errlist *errs);

/* Same from an already parsed object (used by the multipart path). */
int app_from_json(json_object *root, const app_limits *lim, app_application *out, errlist *errs);

/* Candidate fields of object o (may be NULL: every required field is then
 * reported), field paths prefixed with prefix ("candidate." or
 * "candidates[3]."). Adds 422 items to errs. */
void app_candidate_from_json(json_object *o, const char *prefix, app_candidate *c, errlist *errs);
void app_candidate_free(app_candidate *c);

/* A JSON documents array (NULL allowed) into docs, paths under prefix
 * ("documents" or "candidates[3].documents"). */
void app_documents_from_json(json_object *arr, const char *prefix, const app_limits *lim,
                             app_documents *docs, errlist *errs);

/* Adds one document; takes ownership of data (freed on rejection). Checks
 * sizes (413), type by magic bytes against the declared type (422), hashes
 * it. field names it in errors. Returns 0 when added, -1 when rejected. */
int app_documents_add(app_documents *docs, const char *field, const char *kind, const char *filename,
                      const char *declared_type, uint8_t *data, size_t len, const app_limits *lim,
                      errlist *errs);
void app_documents_free(app_documents *docs);

/* JSON arrays of the documents' references for canonical hashing. */
json_object *app_documents_canonical(const app_documents *docs);
json_object *app_candidate_canonical(const app_candidate *c);

/* Lowercase hex SHA-256 of a canonical serialization of a (fixed field
 * order, documents by hash), so the same application sent as JSON or
 * multipart, with any key order or spacing, hashes the same. */
void app_canonical_sha256(const app_application *a, char out[CRYPTO_SHA256_HEX]);

void app_application_free(app_application *a);

/* Shared field readers (prefix + name is the field path). A JSON null counts
 * as absent. Return 0 when the field is fine or absent (and not required),
 * -1 after adding a 422 item; *out is a malloc'd copy or NULL. */
int app_get_string(json_object *o, const char *prefix, const char *name, int required, size_t maxlen,
                   errlist *errs, char **out);

#endif
