/* Eploy (REST API of a customer site): candidate search by e-mail, candidate
 * create, documents as base64 JSON, application create on a vacancy with the
 * source drop-down value and answers, application search by candidate +
 * vacancy (a sourcing-tool export without a vacancy is the candidate and its
 * documents alone). Every call counts against the site's shared daily quota. */
#include "connector.h"

#include "parse.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const Atsbridge__V1__ApplicationReceived *rcv(const cx_application *a) { return a->app->application; }

static const char *email_of(const cx_application *a) {
    return rcv(a) && rcv(a)->candidate ? rcv(a)->candidate->email : "";
}

static const char *vacancy_of(const cx_application *a) { return rcv(a) ? rcv(a)->posting_id : ""; }

/* A sourcing-tool export without a vacancy: the candidate and documents only. */
static int candidate_only(const cx_application *a) { return rcv(a) && *rcv(a)->export_task_id && !*vacancy_of(a); }

static json_object *filter(const char *route, json_object *value) {
    json_object *f = json_object_new_object();
    json_object_object_add(f, "Route", json_object_new_string(route));
    json_object_object_add(f, "Value", value);
    json_object_object_add(f, "Operation", json_object_new_string("Equals"));
    return f;
}

static json_object *search_body(json_object *filters) {
    json_object *o = json_object_new_object(), *paging = json_object_new_object();
    json_object_object_add(o, "Filters", filters);
    json_object_object_add(paging, "RecordsPerPage", json_object_new_int(1));
    json_object_object_add(paging, "RequestedPage", json_object_new_int(1));
    json_object_object_add(o, "Paging", paging);
    return o;
}

/* POSTs a search and reads member of the first record into out. */
static cx_find_result search_first(cx_session *s, const char *path, json_object *body, const char *endpoint,
                                   const char *member, char *out, size_t outlen, cx_result *res) {
    http_result r;
    int rc = cx_send_json(s, "POST", path, body, endpoint, &r, res);
    json_object_put(body);
    if (rc) return CX_FIND_FAILED;
    rc = parse_eploy_first(r.body, r.body_len, member, out, outlen);
    http_result_free(&r);
    if (rc < 0) {
        cx_fail(res, FAIL_TRANSIENT, "bad_response", "search answer is not JSON");
        return CX_FIND_FAILED;
    }
    return rc == 0 ? CX_FOUND : CX_NOT_FOUND;
}

/* The candidate by e-mail, then (unless the export has no vacancy) its
 * application on the vacancy. */
static cx_find_result eploy_find(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res) {
    json_object *f = json_object_new_array();
    json_object_array_add(f, filter("Candidate.EmailAddress", json_object_new_string(email_of(a))));
    cx_find_result found = search_first(s, "/api/candidates/search", search_body(f), "search_candidates",
                                        "CandidateId", ids->candidate_id, sizeof ids->candidate_id, res);
    if (found != CX_FOUND || candidate_only(a)) return found;
    f = json_object_new_array();
    json_object_array_add(f, filter("Application.CandidateId", json_object_new_string(ids->candidate_id)));
    json_object_array_add(f, filter("Application.VacancyId", json_object_new_string(vacancy_of(a))));
    return search_first(s, "/api/applications/search", search_body(f), "search_applications", "ApplicationId",
                        ids->application_id, sizeof ids->application_id, res);
}

static json_object *candidate_body(const cx_application *a) {
    const Atsbridge__V1__Candidate *c = rcv(a) ? rcv(a)->candidate : NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "FirstName", json_object_new_string(c ? c->first_name : ""));
    json_object_object_add(o, "Surname", json_object_new_string(c ? c->last_name : ""));
    json_object_object_add(o, "EmailAddress", json_object_new_string(email_of(a)));
    if (c && *c->phone) json_object_object_add(o, "MobileTelephone", json_object_new_string(c->phone));
    if (c && *c->location) json_object_object_add(o, "Address", json_object_new_string(c->location));
    return o;
}

/* doc_ids[i] is the DocumentId of a->docs[i]; NULL in previews. */
static json_object *application_body(const cx_application *a, const char *candidate_id, char (*doc_ids)[64]) {
    json_object *o = json_object_new_object();
    char *end = NULL;
    long long cid = candidate_id ? strtoll(candidate_id, &end, 10) : 0;
    if (candidate_id && end && !*end) json_object_object_add(o, "CandidateId", json_object_new_int64(cid));
    else json_object_object_add(o, "CandidateId", json_object_new_string(candidate_id ? candidate_id : "[new]"));
    json_object_object_add(o, "VacancyId", json_object_new_string(vacancy_of(a)));
    json_object_object_add(o, "Source", json_object_new_string(a->source_label ? a->source_label : ""));
    json_object *answers = json_object_new_array();
    for (size_t i = 0; i < a->app->n_mapped_answers; i++) {
        const Atsbridge__V1__MappedAnswer *m = a->app->mapped_answers[i];
        /* Field ids as the questions service maps them (DESIGN.md):
         * Questions/<QuestionId> is an answer; Candidate/<field> is the
         * candidate record (name, e-mail, phone) or its CV document, sent by
         * the candidate and document calls, not as an answer. A bare id is
         * taken as a QuestionId. */
        const char *qid = m->ats_field_id;
        if (!strncmp(qid, "Candidate/", 10)) continue;
        if (!strncmp(qid, "Questions/", 10)) qid += 10;
        json_object *ans = json_object_new_object();
        json_object_object_add(ans, "QuestionId", json_object_new_string(qid));
        if (!strcmp(m->type, "MULTI_SELECT")) {
            json_object *v = json_object_new_array();
            for (size_t k = 0; k < m->n_values; k++) json_object_array_add(v, json_object_new_string(m->values[k]));
            json_object_object_add(ans, "Values", v);
        } else if (!strcmp(m->type, "FILE") || *m->document_sha256) {
            const cx_document *d = cx_document_find(a, m->document_sha256);
            json_object_object_add(ans, "Value",
                                   json_object_new_string(d && doc_ids ? doc_ids[d - a->docs] : "[document]"));
        } else {
            json_object_object_add(ans, "Value", json_object_new_string(m->n_values ? m->values[0] : ""));
        }
        json_object_array_add(answers, ans);
    }
    json_object_object_add(o, "Answers", answers);
    return o;
}

static const char *document_type(const char *kind) {
    if (!strcmp(kind, "cv")) return "CV";
    if (!strcmp(kind, "cover_letter")) return "CoverLetter";
    return "Other";
}

static int upload(cx_session *s, const char *candidate_id, const cx_document *d, char *id, size_t idlen,
                  cx_result *res) {
    size_t b64len = sodium_base64_ENCODED_LEN(d->len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!b64) {
        cx_fail(res, FAIL_TRANSIENT, "out_of_memory", "out of memory encoding a document");
        return -1;
    }
    sodium_bin2base64(b64, b64len, d->data, d->len, sodium_base64_VARIANT_ORIGINAL);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "FileName", json_object_new_string(d->filename && *d->filename ? d->filename : "document"));
    json_object_object_add(o, "ContentType", json_object_new_string(d->content_type ? d->content_type : ""));
    json_object_object_add(o, "DocumentType", json_object_new_string(document_type(d->kind)));
    json_object_object_add(o, "Content", json_object_new_string(b64));
    free(b64);
    char path[300];
    snprintf(path, sizeof path, "/api/candidates/%s/documents", candidate_id);
    http_result r;
    int rc = cx_send_json(s, "POST", path, o, "upload_document", &r, res);
    json_object_put(o);
    if (rc) return -1;
    rc = parse_eploy_id(r.body, r.body_len, "DocumentId", id, idlen);
    http_result_free(&r);
    if (rc) {
        cx_fail(res, FAIL_TRANSIENT, "bad_response", "document answer without DocumentId");
        return -1;
    }
    return 0;
}

static int digits_only(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

static int eploy_create(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res) {
    http_result r;
    int rc, created = 0;
    if (!*vacancy_of(a) && !candidate_only(a)) {
        cx_fail(res, FAIL_PERMANENT, "posting_required", "Eploy applications need a vacancy");
        return -1;
    }
    if (!ids->candidate_id[0]) {
        json_object *cb = candidate_body(a);
        rc = cx_send_json(s, "POST", "/api/candidates", cb, "create_candidate", &r, res);
        json_object_put(cb);
        if (rc) {
            res->unknown_outcome = res->cls == FAIL_TRANSIENT;
            return -1;
        }
        rc = parse_eploy_id(r.body, r.body_len, "CandidateId", ids->candidate_id, sizeof ids->candidate_id);
        http_result_free(&r);
        if (rc || !digits_only(ids->candidate_id)) {
            ids->candidate_id[0] = '\0';
            cx_fail(res, FAIL_TRANSIENT, "bad_response", "candidate answer without CandidateId");
            res->unknown_outcome = 1;
            return -1;
        }
        created = 1;
    }
    if (!digits_only(ids->candidate_id)) {
        cx_fail(res, FAIL_PERMANENT, "bad_candidate_id", "candidate id is not numeric");
        return -1;
    }
    char (*doc_ids)[64] = calloc(a->ndocs ? a->ndocs : 1, 64);
    if (!doc_ids) {
        cx_fail(res, FAIL_TRANSIENT, "out_of_memory", "out of memory");
        return -1;
    }
    rc = -1;
    for (size_t i = 0; i < a->ndocs; i++)
        if (upload(s, ids->candidate_id, &a->docs[i], doc_ids[i], 64, res)) goto done;
    if (candidate_only(a)) {
        rc = 0;
        goto done;
    }
    json_object *ab = application_body(a, ids->candidate_id, doc_ids);
    rc = cx_send_json(s, "POST", "/api/applications", ab, "create_application", &r, res);
    json_object_put(ab);
    if (rc) {
        res->unknown_outcome = res->cls == FAIL_TRANSIENT;
        goto done;
    }
    parse_eploy_id(r.body, r.body_len, "ApplicationId", ids->application_id, sizeof ids->application_id);
    http_result_free(&r);
done:
    /* A candidate created by this call exists whatever failed after it. */
    if (rc && created) res->unknown_outcome = 1;
    free(doc_ids);
    return rc;
}

static json_object *eploy_preview(const cx_application *a) {
    json_object *o = json_object_new_object();
    json_object *cb = candidate_body(a);
    json_object_object_add(o, "candidate", cx_redact(cb));
    json_object_put(cb);
    if (!candidate_only(a)) {
        json_object *ab = application_body(a, NULL, NULL);
        json_object_object_add(o, "application", cx_redact(ab));
        json_object_put(ab);
    }
    json_object_object_add(o, "documents", json_object_new_int((int)a->ndocs));
    return o;
}

static int eploy_estimate(const cx_application *a, int search) {
    int app = !candidate_only(a);
    return 1 + app + (int)a->ndocs + (search ? 1 + app : 0);
}

const cx_connector connector_eploy = {"eploy", eploy_find, eploy_create, eploy_preview, eploy_estimate};
