#ifndef ATSB_DELIVERY_CONNECTOR_H
#define ATSB_DELIVERY_CONNECTOR_H

#include "backoff.h"
#include "../http_engine.h"
#include "atsbridge/v1/applications.pb-c.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* The connector interface: what delivery needs from an ATS (find an existing
 * candidate by e-mail + posting, create candidate/application with answers,
 * documents, source and origin) and from Lever for commands (tags, notes,
 * posting tags, contact), plus the background-check provider. Connectors
 * only speak HTTP through the engine; ledger, rate limits and tokens are the
 * caller's business, and so are retries (deliver.c: the retry tiers with
 * backoff, one token refresh after a 401), with one exception: Lever's
 * create, once its apply has succeeded, looks the opportunity up and tries
 * that lookup again in place when it fails (429, 5xx, not found yet): up to
 * four lookups, waiting backoff_step_ms 0.5, 1 and 2 s between them (a
 * 429's Retry-After instead, at most 2 s). The caller could retry the lookup
 * only by repeating the create (or by a later attempt's search, which would
 * report the application as a duplicate). When every lookup fails the create
 * still succeeds, with ids->candidate_id "". No function logs personal
 * data. */

/* Outcome of a search (find, lever_posting_tag); the failure is negative
 * (docs/CONTRIBUTING.md, "Style: results"). */
typedef enum {
    CX_FOUND = 0,       /* the ids (or the tag) are filled */
    CX_NOT_FOUND = 1,   /* the ATS answered: there is none */
    CX_FIND_FAILED = -1 /* no answer to rely on: the cx_result says why */
} cx_find_result;

/* Outcome of a failed call (cls FAIL_NONE after success). */
typedef struct {
    fail_class cls;
    long status;            /* HTTP status, 0 when no response */
    int64_t retry_after_ms; /* from Retry-After, -1 when absent */
    int quota;              /* Eploy: the site's daily request quota is spent */
    int unknown_outcome;    /* a create call failed without a clear answer: the entity may exist */
    int connection;         /* the ATS refused the connection itself (Eploy 403: IP allow-list, key permission) */
    char code[64];          /* machine code, e.g. "http_503", "timeout", "BadRequestError" */
    char message[256];      /* log-safe text */
} cx_result;

typedef struct {
    char *filename;
    char *content_type;
    char *kind; /* "cv", "cover_letter", "other" */
    char sha256[65];
    uint8_t *data;
    size_t len;
} cx_document;

typedef struct {
    const Atsbridge__V1__ApplicationResolved *app;
    const char *source_label;
    const char *origin; /* Lever origin: "applied" (boards) or "sourced" (exports) */
    const char *default_stage; /* Lever: the account's stage for exports naming none ("" or NULL: Lever's) */
    cx_document *docs;
    size_t ndocs;
} cx_application;

typedef struct {
    char candidate_id[128];   /* Lever opportunity id, Eploy CandidateId */
    char application_id[128]; /* Lever application id, Eploy ApplicationId */
} cx_ids;

/* One authenticated conversation with an ATS or the provider. */
typedef struct {
    http_engine *http;
    const char *ats;        /* metrics label */
    char base_url[512];     /* Lever API base, Eploy site URL, provider base */
    char token[2048];       /* bearer token */
    char perform_as[128];   /* Lever: the account's user for perform_as ("" when not configured) */
    char scopes[1024];      /* Lever: the connection's granted scopes */
    char environment[16];   /* Lever: the connection's environment (lever_env.h) */
    int requests;           /* requests sent so far (quota accounting) */
} cx_session;

typedef struct {
    const char *name;
    /* Searches by e-mail + posting: CX_FOUND (ids filled), CX_NOT_FOUND
     * (Eploy: ids->candidate_id may hold an existing candidate without the
     * application), CX_FIND_FAILED (res filled). */
    cx_find_result (*find)(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res);
    /* Creates what ids does not already name. 0 (ids filled) or -1 (res). */
    int (*create)(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res);
    /* The create request(s) with personal data redacted, for dry-run. */
    json_object *(*preview)(const cx_application *a);
    /* Upper bound of the requests one delivery makes (rate limits, quota). */
    int (*estimate)(const cx_application *a, int search);
} cx_connector;

/* The connector for ats ("lever" | "eploy"), NULL when unknown. */
const cx_connector *connector_for(const char *ats);

extern const cx_connector connector_lever;
extern const cx_connector connector_eploy;

/* Lever, for ats.commands. Each returns 0, or -1 with res filled. */
int lever_change_tags(cx_session *s, const char *opportunity, char *const *tags, size_t n, int remove,
                      cx_result *res);
int lever_add_note(cx_session *s, const char *opportunity, const char *note, cx_result *res);
/* The posting's first tag starting with prefix: CX_FOUND (tag filled),
 * CX_NOT_FOUND (no such tag), CX_FIND_FAILED (res filled). */
cx_find_result lever_posting_tag(cx_session *s, const char *posting, const char *prefix, char *tag, size_t taglen,
                                 cx_result *res);
/* The opportunity's name and e-mail (personal data: never log) and its
 * first posting into posting ("" when it has none; posting may be NULL).
 * 0 or -1. */
int lever_contact(cx_session *s, const char *opportunity, char *name, size_t namelen, char *email,
                  size_t emaillen, char *posting, size_t postinglen, cx_result *res);

/* Provider: places an order for the employer client_id (the Client ID the
 * provider gave the account; idempotent per reference + package at the
 * provider). 0 with order_id and report_url ("" when the answer has none),
 * or -1. */
int provider_order(cx_session *s, const char *client_id, const char *reference, const char *package,
                   const char *first_name, const char *last_name, const char *email, const char *callback_url,
                   char *order_id, size_t idlen, char *report_url, size_t urllen, cx_result *res);

/* --- helpers shared by the connectors (connector.c) --- */

/* Sends one request with "Authorization: Bearer <token>" (when the session
 * has one) and content_type (may be NULL). On 2xx returns 0 with *out holding
 * the response (caller frees with http_result_free); otherwise fills res,
 * frees the response and returns -1. */
int cx_send(cx_session *s, const char *method, const char *path, const char *content_type, const char *body,
            size_t body_len, const char *endpoint, http_result *out, cx_result *res);
/* Same with a JSON body (serialized here; obj is not taken). */
int cx_send_json(cx_session *s, const char *method, const char *path, json_object *obj, const char *endpoint,
                 http_result *out, cx_result *res);
/* Fills res for a failure that is ours, not the ATS's (bad response, ...). */
void cx_fail(cx_result *res, fail_class cls, const char *code, const char *message);
/* URL-encodes s into out; 0 or -1 when it does not fit. */
int cx_urlencode(const char *s, char *out, size_t outlen);
/* Copies obj with every string value replaced by "[redacted]" except under
 * the structural keys (ids, field names, source, origin, stage, postings).
 * "name" is a field name in the ATS bodies it is kept in: a body where it
 * holds a person's name redacts it itself. Caller puts it. */
json_object *cx_redact(json_object *obj);
/* The document of a with this sha256, or NULL. */
const cx_document *cx_document_find(const cx_application *a, const char *sha256);

#endif
