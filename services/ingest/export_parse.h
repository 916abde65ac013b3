#ifndef INGEST_EXPORT_PARSE_H
#define INGEST_EXPORT_PARSE_H

#include "application_parse.h"

/* Export tasks from sourcing tools (seed 003, ProvenBase-style): JSON text ->
 * export_request + every problem found, with indexed paths
 * ("candidates[3].email"). Pure, like app_parse. */

typedef struct {
    char *id; /* the tool's own candidate id; optional */
    app_candidate candidate;
    app_documents documents;
} export_candidate;

typedef struct {
    char *name;             /* required: the export task's name */
    char *account_id;       /* required */
    char *posting_id;       /* optional: exports may have no job */
    char *stage;            /* optional: ATS stage to put candidates in */
    char *duplicate_policy; /* "skip" (default), "create" or "merge" */
    char *source;           /* source label, e.g. "ProvenBase"; optional */
    export_candidate *candidates;
    size_t ncandidates;
    size_t document_bytes; /* all candidates' documents */
} export_request;

/* Parses and validates. Documents of all candidates share lim's total.
 * Returns 0 when nothing is wrong, or -1 with errs filled; *out must be
 * freed with export_request_free either way. */
int export_parse(const char *text, size_t len, const app_limits *lim, size_t max_candidates,
                 export_request *out, errlist *errs);

/* Canonical hash of the request (fixed order, documents by hash). */
void export_canonical_sha256(const export_request *r, char out[CRYPTO_SHA256_HEX]);

void export_request_free(export_request *r);

#endif
