#include "application_parse.h"

#include "boards.h"
#include "documents.h"
#include "text.h"
#include "rfc3339.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHORT 256    /* names, ids */
#define MAX_TEXT 2048    /* links, locations, headlines */
#define MAX_ANSWER 10000 /* free-text answers */
#define MAX_LINKS 20
#define MAX_ANSWERS 200
#define MAX_VALUES 100
#define MAX_DOCUMENTS 20

/* The most values a valid application holds: the envelope and consent
 * (about 20), the candidate (7 fields and MAX_LINKS links), MAX_ANSWERS
 * answers of question_id and value or up to MAX_VALUES values, and
 * MAX_DOCUMENTS documents of 4 members; the rest is room for members we
 * ignore. About 22000: json-c's objects for it stay under 20 MB. */
#define APP_JSON_MAX_VALUES (256 + MAX_LINKS + MAX_ANSWERS * (8 + MAX_VALUES) + MAX_DOCUMENTS * 16)

json_limits app_json_limits(const app_limits *lim) {
    json_limits jl = JSON_LIMITS_DEFAULT;
    jl.max_values = APP_JSON_MAX_VALUES;
    /* Only a document's content_base64 may be long: up to the base64 of the
     * largest document app_documents_from_json measures before refusing it
     * (1/16 slack for line breaks and padding), so an oversized document is
     * still reported as documents[i] too_large. Every other string stays
     * within JSON_LIMITS_DEFAULT's 64 KiB, far above the fields' own caps. */
    jl.long_string_key = "content_base64";
    jl.max_long_string = (lim->max_document_bytes + lim->max_document_bytes / 16 + 1024) / 3 * 4 + 4;
    return jl;
}

json_object *app_json_parse(const char *text, size_t len, const json_limits *jl, errlist *errs) {
    json_bounded_error err;
    json_object *o = NULL;
    json_bounded_status st = json_bounded_parse(text, len, jl, &o, &err);
    if (json_bounded_is_limit(st)) {
        errlist_add(errs, 413, "", "json_too_large", "%s", err.message);
        return NULL;
    }
    if (st != JSON_BOUNDED_OK) {
        errlist_add(errs, 400, "", "malformed_json", "%s", err.message);
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        errlist_add(errs, 400, "", "malformed_json", "The body must be a JSON object.");
        json_object_put(o);
        return NULL;
    }
    return o;
}

static void path(char *buf, size_t len, const char *prefix, const char *name) {
    snprintf(buf, len, "%s%s", prefix, name);
}

/* Copies a JSON string, refusing embedded NULs and over-long values. */
static int take_string(json_object *v, const char *field, size_t maxlen, errlist *errs, char **out) {
    if (!json_object_is_type(v, json_type_string)) {
        errlist_add(errs, 422, field, "type", "Must be a string.");
        return -1;
    }
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (strlen(s) != n) {
        errlist_add(errs, 422, field, "invalid", "Must not contain NUL characters.");
        return -1;
    }
    if (n > maxlen) {
        errlist_add(errs, 422, field, "too_long", "At most %zu bytes.", maxlen);
        return -1;
    }
    *out = strdup(s);
    if (!*out) {
        errlist_add(errs, 422, field, "invalid", "Out of memory.");
        return -1;
    }
    return 0;
}

int app_get_string(json_object *o, const char *prefix, const char *name, int required, size_t maxlen,
                   errlist *errs, char **out) {
    char field[160];
    json_object *v = NULL;
    *out = NULL;
    path(field, sizeof field, prefix, name);
    if (!o || !json_object_object_get_ex(o, name, &v) || !v) {
        if (!required) return 0;
        errlist_add(errs, 422, field, "required", "This field is required.");
        return -1;
    }
    if (take_string(v, field, maxlen, errs, out)) return -1;
    if (required && !**out) {
        free(*out);
        *out = NULL;
        errlist_add(errs, 422, field, "required", "Must not be empty.");
        return -1;
    }
    return 0;
}

/* A JSON array of strings into a malloc'd vector. */
static void get_string_array(json_object *v, const char *field, size_t maxn, size_t maxlen, errlist *errs,
                             char ***out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!json_object_is_type(v, json_type_array)) {
        errlist_add(errs, 422, field, "type", "Must be an array of strings.");
        return;
    }
    size_t len = json_object_array_length(v);
    if (len > maxn) {
        errlist_add(errs, 422, field, "too_many", "At most %zu entries.", maxn);
        return;
    }
    char **vec = calloc(len ? len : 1, sizeof *vec);
    if (!vec) return;
    for (size_t i = 0; i < len; i++) {
        char f[160];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        if (take_string(json_object_array_get_idx(v, i), f, maxlen, errs, &vec[*n]) == 0) (*n)++;
    }
    *out = vec;
}

static void free_strings(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void app_candidate_from_json(json_object *o, const char *prefix, app_candidate *c, errlist *errs) {
    if (o && !json_object_is_type(o, json_type_object)) {
        char f[160];
        snprintf(f, sizeof f, "%.*s", (int)(strlen(prefix) ? strlen(prefix) - 1 : 0), prefix);
        errlist_add(errs, 422, f, "type", "Must be an object.");
        o = NULL;
    }
    app_get_string(o, prefix, "first_name", 1, MAX_SHORT, errs, &c->first_name);
    app_get_string(o, prefix, "last_name", 1, MAX_SHORT, errs, &c->last_name);
    if (app_get_string(o, prefix, "email", 1, 254, errs, &c->email) == 0 && c->email &&
        !text_email_valid(c->email)) {
        char f[160];
        path(f, sizeof f, prefix, "email");
        errlist_add(errs, 422, f, "invalid_email", "Not a valid e-mail address.");
    }
    app_get_string(o, prefix, "phone", 0, 64, errs, &c->phone);
    app_get_string(o, prefix, "location", 0, MAX_TEXT, errs, &c->location);
    app_get_string(o, prefix, "headline", 0, MAX_TEXT, errs, &c->headline);
    json_object *links;
    if (o && json_object_object_get_ex(o, "links", &links) && links) {
        char f[160];
        path(f, sizeof f, prefix, "links");
        get_string_array(links, f, MAX_LINKS, MAX_TEXT, errs, &c->links, &c->nlinks);
    }
}

void app_candidate_free(app_candidate *c) {
    free(c->first_name);
    free(c->last_name);
    free(c->email);
    free(c->phone);
    free(c->location);
    free(c->headline);
    free_strings(c->links, c->nlinks);
    memset(c, 0, sizeof *c);
}

static void parse_answers(json_object *arr, app_application *a, errlist *errs) {
    if (!arr) return;
    if (!json_object_is_type(arr, json_type_array)) {
        errlist_add(errs, 422, "answers", "type", "Must be an array.");
        return;
    }
    size_t len = json_object_array_length(arr);
    if (len > MAX_ANSWERS) {
        errlist_add(errs, 422, "answers", "too_many", "At most %d answers.", MAX_ANSWERS);
        return;
    }
    a->answers = calloc(len ? len : 1, sizeof *a->answers);
    if (!a->answers) return;
    for (size_t i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        char prefix[64], f[160];
        snprintf(prefix, sizeof prefix, "answers[%zu].", i);
        if (!json_object_is_type(o, json_type_object)) {
            snprintf(f, sizeof f, "answers[%zu]", i);
            errlist_add(errs, 422, f, "type", "Must be an object.");
            continue;
        }
        app_answer *ans = &a->answers[a->nanswers++];
        app_get_string(o, prefix, "question_id", 1, MAX_SHORT, errs, &ans->question_id);
        json_object *value = NULL, *values = NULL;
        json_object_object_get_ex(o, "value", &value);
        json_object_object_get_ex(o, "values", &values);
        if (value && values) {
            snprintf(f, sizeof f, "answers[%zu]", i);
            errlist_add(errs, 422, f, "invalid", "Give either value or values, not both.");
        } else if (value) {
            snprintf(f, sizeof f, "answers[%zu].value", i);
            take_string(value, f, MAX_ANSWER, errs, &ans->value);
        } else if (values) {
            snprintf(f, sizeof f, "answers[%zu].values", i);
            get_string_array(values, f, MAX_VALUES, MAX_ANSWER, errs, &ans->values, &ans->nvalues);
        } else {
            snprintf(f, sizeof f, "answers[%zu].value", i);
            errlist_add(errs, 422, f, "required", "An answer needs value (string) or values (array of strings).");
        }
        for (size_t k = 0; ans->question_id && k + 1 < a->nanswers; k++) {
            if (a->answers[k].question_id && !strcmp(a->answers[k].question_id, ans->question_id)) {
                snprintf(f, sizeof f, "answers[%zu].question_id", i);
                errlist_add(errs, 422, f, "duplicate", "This question is answered twice.");
                break;
            }
        }
    }
}

static void parse_consent(json_object *o, app_application *a, errlist *errs) {
    json_object *v;
    if (!o) {
        errlist_add(errs, 422, "consent.privacy_policy_accepted", "required",
                    "Consent to the privacy policy is required.");
        return;
    }
    if (!json_object_is_type(o, json_type_object)) {
        errlist_add(errs, 422, "consent", "type", "Must be an object.");
        return;
    }
    if (!json_object_object_get_ex(o, "privacy_policy_accepted", &v) || !v) {
        errlist_add(errs, 422, "consent.privacy_policy_accepted", "required",
                    "Consent to the privacy policy is required.");
    } else if (!json_object_is_type(v, json_type_boolean)) {
        errlist_add(errs, 422, "consent.privacy_policy_accepted", "type", "Must be a boolean.");
    } else if (!json_object_get_boolean(v)) {
        errlist_add(errs, 422, "consent.privacy_policy_accepted", "consent_required",
                    "The privacy policy must be accepted.");
    } else {
        a->privacy_policy_accepted = 1;
    }
    char *at = NULL;
    if (app_get_string(o, "consent.", "accepted_at", 0, 64, errs, &at) == 0 && at &&
        rfc3339_parse(at, &a->accepted_at_ms) != 0)
        errlist_add(errs, 422, "consent.accepted_at", "invalid", "Must be an RFC 3339 date-time.");
    free(at);
}

static int kind_valid(const char *k) {
    return !strcmp(k, "cv") || !strcmp(k, "cover_letter") || !strcmp(k, "other");
}

static int documents_add(app_documents *docs, const char *field, const char *kind, const char *filename,
                         const char *declared_type, uint8_t *data, int owned, size_t len, const app_limits *lim,
                         errlist *errs) {
    const char *detected = NULL;
    char name[256];
    if (docs->n >= MAX_DOCUMENTS) {
        errlist_add(errs, 422, field, "too_many", "At most %d documents per application.", MAX_DOCUMENTS);
        goto reject;
    }
    if (len > lim->max_document_bytes) {
        errlist_add(errs, 413, field, "too_large", "A document may have at most %zu bytes.",
                    lim->max_document_bytes);
        goto reject;
    }
    if (docs->total_bytes + len > lim->max_total_bytes) {
        errlist_add(errs, 413, field, "too_large", "All documents together may have at most %zu bytes.",
                    lim->max_total_bytes);
        goto reject;
    }
    switch (documents_check(declared_type, data, len, &detected)) {
    case DOC_OK:
        break;
    case DOC_EMPTY:
        errlist_add(errs, 422, field, "empty", "The document is empty.");
        goto reject;
    case DOC_MISMATCH:
        errlist_add(errs, 422, field, "type_mismatch",
                    "The content does not match the declared content type.");
        goto reject;
    case DOC_UNSUPPORTED:
        errlist_add(errs, 422, field, "unsupported_type",
                    "Allowed document types: pdf, doc, docx, odt, rtf, txt.");
        goto reject;
    }
    app_document *v = realloc(docs->v, (docs->n + 1) * sizeof *v);
    if (!v) goto reject;
    docs->v = v;
    app_document *d = &docs->v[docs->n];
    memset(d, 0, sizeof *d);
    text_sanitize_filename(filename && *filename ? filename : "document", name, sizeof name);
    d->kind = strdup(kind && kind_valid(kind) ? kind : "other");
    d->filename = strdup(name);
    if (!d->kind || !d->filename) {
        free(d->kind);
        free(d->filename);
        goto reject;
    }
    d->content_type = detected;
    d->data = data;
    d->owned = owned;
    d->len = len;
    crypto_sha256_hex(data, len, d->sha256);
    docs->n++;
    docs->total_bytes += len;
    return 0;
reject:
    if (owned) free(data);
    return -1;
}

int app_documents_add(app_documents *docs, const char *field, const char *kind, const char *filename,
                      const char *declared_type, uint8_t *data, size_t len, const app_limits *lim,
                      errlist *errs) {
    return documents_add(docs, field, kind, filename, declared_type, data, 1, len, lim, errs);
}

int app_documents_add_view(app_documents *docs, const char *field, const char *kind, const char *filename,
                           const char *declared_type, const uint8_t *data, size_t len, const app_limits *lim,
                           errlist *errs) {
    return documents_add(docs, field, kind, filename, declared_type, (uint8_t *)data, 0, len, lim, errs);
}

/* Base64 (standard alphabet, padding optional, whitespace ignored). Returns
 * a malloc'd buffer, or NULL when the text is not base64. */
static uint8_t *base64_decode(const char *b64, size_t b64len, size_t *outlen) {
    size_t cap = b64len / 4 * 3 + 3;
    uint8_t *out = malloc(cap ? cap : 1);
    if (!out) return NULL;
    const char *end = NULL;
    if (sodium_base642bin(out, cap, b64, b64len, " \t\r\n", outlen, &end, sodium_base64_VARIANT_ORIGINAL) == 0 &&
        end == b64 + b64len)
        return out;
    if (sodium_base642bin(out, cap, b64, b64len, " \t\r\n", outlen, &end,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
        end == b64 + b64len)
        return out;
    free(out);
    return NULL;
}

void app_documents_from_json(json_object *arr, const char *prefix, const app_limits *lim,
                             app_documents *docs, errlist *errs) {
    if (!arr) return;
    if (!json_object_is_type(arr, json_type_array)) {
        errlist_add(errs, 422, prefix, "type", "Must be an array.");
        return;
    }
    size_t len = json_object_array_length(arr);
    for (size_t i = 0; i < len; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        char p[128], f[160];
        snprintf(p, sizeof p, "%s[%zu].", prefix, i);
        snprintf(f, sizeof f, "%s[%zu]", prefix, i);
        if (!json_object_is_type(o, json_type_object)) {
            errlist_add(errs, 422, f, "type", "Must be an object.");
            continue;
        }
        char *kind = NULL, *filename = NULL, *ctype = NULL;
        int bad = 0;
        bad |= app_get_string(o, p, "kind", 0, 32, errs, &kind);
        if (kind && !kind_valid(kind)) {
            snprintf(f, sizeof f, "%s[%zu].kind", prefix, i);
            errlist_add(errs, 422, f, "invalid", "One of cv, cover_letter, other.");
            bad = 1;
        }
        bad |= app_get_string(o, p, "filename", 0, 1024, errs, &filename);
        bad |= app_get_string(o, p, "content_type", 0, 255, errs, &ctype);
        json_object *bv = NULL;
        snprintf(f, sizeof f, "%s[%zu].content_base64", prefix, i);
        if (!json_object_object_get_ex(o, "content_base64", &bv) || !bv) {
            errlist_add(errs, 422, f, "required", "This field is required.");
            bad = 1;
        } else if (!json_object_is_type(bv, json_type_string)) {
            errlist_add(errs, 422, f, "type", "Must be a base64 string.");
            bad = 1;
        } else {
            size_t blen = (size_t)json_object_get_string_len(bv);
            /* Refuse before decoding what is certainly too big. */
            if (blen / 4 * 3 > lim->max_document_bytes + lim->max_document_bytes / 16 + 1024) {
                errlist_add(errs, 413, f, "too_large", "A document may have at most %zu bytes.",
                            lim->max_document_bytes);
                bad = 1;
            } else if (!bad) {
                size_t dlen = 0;
                uint8_t *data = base64_decode(json_object_get_string(bv), blen, &dlen);
                /* json-c's copy of the base64 is not needed any more: give it back
                 * before the next document is decoded. */
                json_object_object_del(o, "content_base64");
                if (!data) {
                    errlist_add(errs, 400, f, "malformed_base64", "Not valid base64.");
                } else {
                    snprintf(f, sizeof f, "%s[%zu]", prefix, i);
                    app_documents_add(docs, f, kind ? kind : "cv", filename, ctype, data, dlen, lim, errs);
                }
            }
        }
        free(kind);
        free(filename);
        free(ctype);
    }
}

void app_documents_free(app_documents *docs) {
    for (size_t i = 0; i < docs->n; i++) {
        free(docs->v[i].kind);
        free(docs->v[i].filename);
        if (docs->v[i].owned) free(docs->v[i].data);
    }
    free(docs->v);
    memset(docs, 0, sizeof *docs);
}

int app_from_json(json_object *root, const app_limits *lim, app_application *a, errlist *errs) {
    size_t before = errs->n + errs->dropped;
    json_object *v;
    memset(a, 0, sizeof *a);
    if (app_get_string(root, "", "board", 1, 64, errs, &a->board) == 0 && a->board &&
        !boards_default_label(a->board))
        errlist_add(errs, 422, "board", "unknown_board", "Unknown job board.");
    app_get_string(root, "", "board_application_id", 1, MAX_SHORT, errs, &a->board_application_id);
    app_get_string(root, "", "account_id", 1, 128, errs, &a->account_id);
    app_get_string(root, "", "posting_id", 0, MAX_SHORT, errs, &a->posting_id);
    v = NULL;
    json_object_object_get_ex(root, "candidate", &v);
    app_candidate_from_json(v, "candidate.", &a->candidate, errs);
    v = NULL;
    json_object_object_get_ex(root, "answers", &v);
    parse_answers(v, a, errs);
    v = NULL;
    json_object_object_get_ex(root, "consent", &v);
    parse_consent(v, a, errs);
    v = NULL;
    json_object_object_get_ex(root, "documents", &v);
    app_documents_from_json(v, "documents", lim, &a->documents, errs);
    return errs->n + errs->dropped > before ? -1 : 0;
}

int app_parse(const char *text, size_t len, const app_limits *lim, app_application *out, errlist *errs) {
    memset(out, 0, sizeof *out);
    json_limits jl = app_json_limits(lim);
    json_object *root = app_json_parse(text, len, &jl, errs);
    if (!root) return -1;
    int rc = app_from_json(root, lim, out, errs);
    json_object_put(root);
    return rc;
}

static void add_str(json_object *o, const char *k, const char *v) {
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

json_object *app_candidate_canonical(const app_candidate *c) {
    json_object *o = json_object_new_object();
    add_str(o, "first_name", c->first_name);
    add_str(o, "last_name", c->last_name);
    add_str(o, "email", c->email);
    add_str(o, "phone", c->phone);
    add_str(o, "location", c->location);
    add_str(o, "headline", c->headline);
    json_object *links = json_object_new_array();
    for (size_t i = 0; i < c->nlinks; i++) json_object_array_add(links, json_object_new_string(c->links[i]));
    json_object_object_add(o, "links", links);
    return o;
}

json_object *app_documents_canonical(const app_documents *docs) {
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < docs->n; i++) {
        const app_document *d = &docs->v[i];
        json_object *o = json_object_new_object();
        add_str(o, "kind", d->kind);
        add_str(o, "filename", d->filename);
        add_str(o, "content_type", d->content_type);
        add_str(o, "sha256", d->sha256);
        json_object_array_add(a, o);
    }
    return a;
}

void app_canonical_sha256(const app_application *a, char out[CRYPTO_SHA256_HEX]) {
    json_object *o = json_object_new_object();
    add_str(o, "board", a->board);
    add_str(o, "board_application_id", a->board_application_id);
    add_str(o, "account_id", a->account_id);
    add_str(o, "posting_id", a->posting_id);
    json_object_object_add(o, "candidate", app_candidate_canonical(&a->candidate));
    json_object *answers = json_object_new_array();
    for (size_t i = 0; i < a->nanswers; i++) {
        const app_answer *an = &a->answers[i];
        json_object *x = json_object_new_object();
        add_str(x, "question_id", an->question_id);
        add_str(x, "value", an->value);
        json_object *vals = json_object_new_array();
        for (size_t k = 0; k < an->nvalues; k++) json_object_array_add(vals, json_object_new_string(an->values[k]));
        json_object_object_add(x, "values", vals);
        json_object_array_add(answers, x);
    }
    json_object_object_add(o, "answers", answers);
    json_object_object_add(o, "privacy_policy_accepted", json_object_new_boolean(a->privacy_policy_accepted));
    json_object_object_add(o, "accepted_at_ms", json_object_new_int64(a->accepted_at_ms));
    json_object_object_add(o, "documents", app_documents_canonical(&a->documents));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    crypto_sha256_hex(s, strlen(s), out);
    json_object_put(o);
}

void app_application_free(app_application *a) {
    free(a->board);
    free(a->board_application_id);
    free(a->account_id);
    free(a->posting_id);
    app_candidate_free(&a->candidate);
    for (size_t i = 0; i < a->nanswers; i++) {
        free(a->answers[i].question_id);
        free(a->answers[i].value);
        free_strings(a->answers[i].values, a->answers[i].nvalues);
    }
    free(a->answers);
    app_documents_free(&a->documents);
    memset(a, 0, sizeof *a);
}
