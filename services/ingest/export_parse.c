#include "export_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_candidates(json_object *arr, const app_limits *lim, size_t max_candidates,
                             export_request *r, errlist *errs) {
    if (!arr) {
        errlist_add(errs, 422, "candidates", "required", "At least one candidate is required.");
        return;
    }
    if (!json_object_is_type(arr, json_type_array)) {
        errlist_add(errs, 422, "candidates", "type", "Must be an array.");
        return;
    }
    size_t n = json_object_array_length(arr);
    if (n == 0) {
        errlist_add(errs, 422, "candidates", "required", "At least one candidate is required.");
        return;
    }
    if (n > max_candidates) {
        errlist_add(errs, 422, "candidates", "too_many", "At most %zu candidates per export.", max_candidates);
        return;
    }
    r->candidates = calloc(n, sizeof *r->candidates);
    if (!r->candidates) {
        errlist_add(errs, 422, "candidates", "invalid", "Out of memory.");
        return;
    }
    r->ncandidates = n;
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(arr, i);
        export_candidate *c = &r->candidates[i];
        char prefix[64], docs[80];
        snprintf(prefix, sizeof prefix, "candidates[%zu].", i);
        snprintf(docs, sizeof docs, "candidates[%zu].documents", i);
        app_candidate_from_json(o, prefix, &c->candidate, errs);
        if (!json_object_is_type(o, json_type_object)) continue;
        app_get_string(o, prefix, "id", 0, 256, errs, &c->id);
        json_object *d = NULL;
        json_object_object_get_ex(o, "documents", &d);
        /* Every candidate draws from what is left of the request's budget. */
        app_limits left = *lim;
        left.max_total_bytes = lim->max_total_bytes - r->document_bytes;
        app_documents_from_json(d, docs, &left, &c->documents, errs);
        r->document_bytes += c->documents.total_bytes;
    }
}

int export_parse(const char *text, size_t len, const app_limits *lim, size_t max_candidates,
                 export_request *r, errlist *errs) {
    memset(r, 0, sizeof *r);
    /* Room for every allowed candidate at its most; no more. */
    json_limits jl = app_json_limits(lim);
    jl.max_values = 1024 + max_candidates * APP_CANDIDATE_MAX_VALUES;
    json_object *root = app_json_parse(text, len, &jl, errs);
    if (!root) return -1;
    size_t before = errs->n + errs->dropped;
    app_get_string(root, "", "name", 1, 256, errs, &r->name);
    app_get_string(root, "", "account_id", 1, 128, errs, &r->account_id);
    app_get_string(root, "", "posting_id", 0, 256, errs, &r->posting_id);
    app_get_string(root, "", "stage", 0, 256, errs, &r->stage);
    app_get_string(root, "", "source", 0, 128, errs, &r->source);
    if (app_get_string(root, "", "duplicate_policy", 0, 16, errs, &r->duplicate_policy) == 0) {
        if (!r->duplicate_policy) {
            r->duplicate_policy = strdup("skip");
        } else if (strcmp(r->duplicate_policy, "skip") && strcmp(r->duplicate_policy, "create") &&
                   strcmp(r->duplicate_policy, "merge")) {
            errlist_add(errs, 422, "duplicate_policy", "invalid", "One of skip, create, merge.");
        }
    }
    json_object *arr = NULL;
    json_object_object_get_ex(root, "candidates", &arr);
    parse_candidates(arr, lim, max_candidates, r, errs);
    json_object_put(root);
    return errs->n + errs->dropped > before ? -1 : 0;
}

static void add_str(json_object *o, const char *k, const char *v) {
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

void export_canonical_sha256(const export_request *r, char out[CRYPTO_SHA256_HEX]) {
    json_object *o = json_object_new_object();
    add_str(o, "name", r->name);
    add_str(o, "account_id", r->account_id);
    add_str(o, "posting_id", r->posting_id);
    add_str(o, "stage", r->stage);
    add_str(o, "duplicate_policy", r->duplicate_policy);
    add_str(o, "source", r->source);
    json_object *cands = json_object_new_array();
    for (size_t i = 0; i < r->ncandidates; i++) {
        json_object *c = app_candidate_canonical(&r->candidates[i].candidate);
        add_str(c, "id", r->candidates[i].id);
        json_object_object_add(c, "documents", app_documents_canonical(&r->candidates[i].documents));
        json_object_array_add(cands, c);
    }
    json_object_object_add(o, "candidates", cands);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    crypto_sha256_hex(s, strlen(s), out);
    json_object_put(o);
}

void export_request_free(export_request *r) {
    free(r->name);
    free(r->account_id);
    free(r->posting_id);
    free(r->stage);
    free(r->duplicate_policy);
    free(r->source);
    for (size_t i = 0; i < r->ncandidates; i++) {
        free(r->candidates[i].id);
        app_candidate_free(&r->candidates[i].candidate);
        app_documents_free(&r->candidates[i].documents);
    }
    free(r->candidates);
    memset(r, 0, sizeof *r);
}
