#ifndef INGEST_APPLICATION_PARSE_H
#define INGEST_APPLICATION_PARSE_H

#include "crypto.h"
#include "errlist.h"
#include "json_bounded.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Application requests (docs/ingest.md): JSON
 * text -> app_application + every problem found, as errlist items tagged 400
 * (malformed JSON or base64), 413 (documents too large, or the JSON beyond
 * app_json_limits) or 422 (invalid
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
    uint8_t *data;      /* owned when owned is set, else a view into the request body */
    int owned;
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

/* Most values one candidate of an export may hold (7 fields, 20 links, 20
 * documents of 4 members, room for members we ignore): export bodies are
 * bounded by this per allowed candidate. */
#define APP_CANDIDATE_MAX_VALUES 256

/* The JSON bounds of an application body under lim: enough values for the
 * most answers, links and documents a valid application has, strings long
 * enough for the base64 of the largest document lim allows, depth 32. */
json_limits app_json_limits(const app_limits *lim);

/* Parses text as one JSON object within jl (json_bounded_parse: nothing is
 * built before the text is known to fit; json-c's strict tokener, UTF-8
 * validated). Returns the object (caller puts it), or NULL after adding one
 * item for the whole body (field ""): 413 json_too_large naming the limit
 * that was hit, or 400 malformed_json saying where parsing stopped (byte
 * offset) or that the value is not an object. */
json_object *app_json_parse(const char *text, size_t len, const json_limits *jl, errlist *errs);

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
/* The same for bytes that stay valid while docs does (a multipart part in
 * the request body): viewed, not copied, and never freed by docs. */
int app_documents_add_view(app_documents *docs, const char *field, const char *kind, const char *filename,
                           const char *declared_type, const uint8_t *data, size_t len, const app_limits *lim,
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
