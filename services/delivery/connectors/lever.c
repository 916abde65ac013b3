/* Lever (api.lever.co/v1): applications through POST /postings/{id}/apply
 * (answers, source, origin, consent; files as upload URIs from POST
 * /uploads), sourcing-tool exports through POST /opportunities (documents
 * in the same multipart request), duplicate search through GET
 * /opportunities?email&posting_id, tags, notes and posting tags for
 * commands. */
#include "connector.h"

#include "backoff.h"
#include "config.h"
#include "crypto.h"
#include "lever_scopes.h"
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define URI_LEN 512

/* Copies s into out with quotes, backslashes and control characters replaced (multipart header value). */
static void header_safe(const char *s, char *out, size_t outlen) {
    size_t j = 0;
    for (; s && *s && j + 1 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        out[j++] = (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) ? '_' : (char)c;
    }
    out[j] = '\0';
}

/* A multipart/form-data body under construction; oom latches. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
    char boundary[48];
    char content_type[120];
} mp_body;

static void mp_put(mp_body *b, const void *p, size_t n) {
    if (b->oom || !n) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) {
            b->oom = 1;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void mp_init(mp_body *b) {
    memset(b, 0, sizeof *b);
    crypto_random_id("atsb-", b->boundary, sizeof b->boundary);
    snprintf(b->content_type, sizeof b->content_type, "multipart/form-data; boundary=%s", b->boundary);
}

/* A part's headers; filename NULL for a plain field. */
static void mp_head(mp_body *b, const char *name, const char *filename, const char *content_type) {
    char fname[200], ctype[120], head[700];
    int n;
    if (filename) {
        header_safe(*filename ? filename : "document", fname, sizeof fname);
        header_safe(content_type && *content_type ? content_type : "application/octet-stream", ctype, sizeof ctype);
        n = snprintf(head, sizeof head,
                     "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
                     b->boundary, name, fname, ctype);
    } else {
        n = snprintf(head, sizeof head, "--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n", b->boundary,
                     name);
    }
    mp_put(b, head, (size_t)n);
}

static void mp_field(mp_body *b, const char *name, const char *value) {
    mp_head(b, name, NULL, NULL);
    mp_put(b, value, strlen(value));
    mp_put(b, "\r\n", 2);
}

static void mp_file(mp_body *b, const char *name, const cx_document *d) {
    mp_head(b, name, d->filename ? d->filename : "", d->content_type);
    mp_put(b, d->data, d->len);
    mp_put(b, "\r\n", 2);
}

/* Closes the body. 0, or -1 (res filled) when memory ran out. */
static int mp_finish(mp_body *b, cx_result *res) {
    char tail[64];
    int n = snprintf(tail, sizeof tail, "--%s--\r\n", b->boundary);
    mp_put(b, tail, (size_t)n);
    if (!b->oom) return 0;
    cx_fail(res, FAIL_TRANSIENT, "out_of_memory", "out of memory building a multipart body");
    return -1;
}

/* POST /uploads (multipart field "file"). 0 with uri, or -1. */
static int upload(cx_session *s, const cx_document *d, char *uri, size_t urilen, cx_result *res) {
    mp_body b;
    mp_init(&b);
    mp_file(&b, "file", d);
    http_result r;
    int rc = mp_finish(&b, res);
    if (!rc) rc = cx_send(s, "POST", "/uploads", b.content_type, b.buf, b.len, "uploads", &r, res);
    free(b.buf);
    if (rc) return -1;
    rc = parse_lever_upload_uri(r.body, r.body_len, uri, urilen);
    http_result_free(&r);
    if (rc) {
        cx_fail(res, FAIL_TRANSIENT, "bad_response", "upload answer without data.uri");
        return -1;
    }
    return 0;
}

/* "First Last" (either may be empty) into out. */
static void full_name(const Atsbridge__V1__Candidate *c, char *out, size_t len) {
    if (c) snprintf(out, len, "%s%s%s", c->first_name, *c->first_name && *c->last_name ? " " : "", c->last_name);
    else if (len) out[0] = '\0';
}

static void pi_add(json_object *pi, const char *name, const char *value) {
    if (!value || !*value) return;
    json_object *e = json_object_new_object();
    json_object_object_add(e, "name", json_object_new_string(name));
    json_object_object_add(e, "value", json_object_new_string(value));
    json_object_array_add(pi, e);
}

/* The custom-question card for id, created on first use. */
static json_object *card_for(json_object *cards, const char *id, size_t idlen) {
    for (size_t i = 0; i < json_object_array_length(cards); i++) {
        json_object *c = json_object_array_get_idx(cards, i), *v;
        if (json_object_object_get_ex(c, "id", &v) && strlen(json_object_get_string(v)) == idlen &&
            !strncmp(json_object_get_string(v), id, idlen))
            return c;
    }
    json_object *c = json_object_new_object();
    json_object_object_add(c, "id", json_object_new_string_len(id, (int)idlen));
    json_object_object_add(c, "fields", json_object_new_array());
    json_object_array_add(cards, c);
    return c;
}

/* Builds the apply body. uris[i] is the upload URI of a->docs[i] (NULL in
 * previews: a placeholder is used). */
static json_object *apply_body(const cx_application *a, char (*uris)[URI_LEN]) {
    const Atsbridge__V1__ApplicationReceived *r = a->app->application;
    const Atsbridge__V1__Candidate *c = r ? r->candidate : NULL;
    json_object *o = json_object_new_object();
    json_object *pi = json_object_new_array();
    char full[512];
    full_name(c, full, sizeof full);
    pi_add(pi, "fullName", full);
    if (c) {
        pi_add(pi, "email", c->email);
        pi_add(pi, "phone", c->phone);
        pi_add(pi, "location", c->location);
    }
    for (size_t i = 0; i < a->ndocs; i++) {
        if (strcmp(a->docs[i].kind, "cv")) continue;
        pi_add(pi, "resume", uris ? uris[i] : "[upload]");
        break;
    }
    json_object_object_add(o, "personalInformation", pi);
    json_object *urls = json_object_new_array();
    for (size_t i = 0; c && i < c->n_links; i++) {
        char name[32];
        snprintf(name, sizeof name, "link%zu", i + 1);
        pi_add(urls, name, c->links[i]);
    }
    json_object_object_add(o, "urls", urls);
    json_object *cards = json_object_new_array();
    json_object *eeo = json_object_new_object();
    for (size_t i = 0; i < a->app->n_mapped_answers; i++) {
        const Atsbridge__V1__MappedAnswer *m = a->app->mapped_answers[i];
        json_object *value;
        if (!strcmp(m->type, "MULTI_SELECT")) {
            value = json_object_new_array();
            for (size_t k = 0; k < m->n_values; k++) json_object_array_add(value, json_object_new_string(m->values[k]));
        } else if (!strcmp(m->type, "FILE") || *m->document_sha256) {
            const cx_document *d = cx_document_find(a, m->document_sha256);
            value = json_object_new_string(d && uris ? uris[d - a->docs] : "[upload]");
        } else {
            value = json_object_new_string(m->n_values ? m->values[0] : "");
        }
        /* Field ids as the questions service maps them (DESIGN.md):
         * personalInformation/<name>, urls/<name>, eeoQuestions/<key>,
         * customQuestions/<card>/<field> (#<n>: a field without id); a bare
         * <card>/<field> is a custom question too. */
        const char *id = m->ats_field_id;
        if (!strncmp(id, "personalInformation/", 20) || !strncmp(id, "urls/", 5)) {
            json_object *list = id[0] == 'p' ? pi : urls;
            const char *name = strchr(id, '/') + 1;
            json_object *e = json_object_new_object();
            json_object_object_add(e, "name", json_object_new_string(name));
            json_object_object_add(e, "value", value);
            json_object_array_add(list, e);
            continue;
        }
        if (!strncmp(id, "eeoQuestions/", 13)) {
            json_object_object_add(eeo, id + 13, value);
            continue;
        }
        if (!strncmp(id, "customQuestions/", 16)) id += 16;
        const char *slash = strchr(id, '/');
        json_object *card = card_for(cards, id, slash ? (size_t)(slash - id) : strlen(id));
        json_object *field = json_object_new_object();
        if (slash && slash[1] != '#') json_object_object_add(field, "id", json_object_new_string(slash + 1));
        json_object_object_add(field, "value", value);
        json_object *fields;
        json_object_object_get_ex(card, "fields", &fields);
        json_object_array_add(fields, field);
    }
    if (json_object_object_length(eeo)) json_object_object_add(o, "eeoResponses", eeo);
    else json_object_put(eeo);
    json_object_object_add(o, "customQuestions", cards);
    if (a->source_label && *a->source_label) json_object_object_add(o, "source", json_object_new_string(a->source_label));
    json_object_object_add(o, "origin", json_object_new_string(a->origin ? a->origin : "applied"));
    if (r && r->consent && r->consent->privacy_policy_accepted) {
        json_object *consent = json_object_new_object();
        json_object_object_add(consent, "store", json_object_new_boolean(1));
        json_object_object_add(o, "consent", consent);
    }
    return o;
}

static const char *posting_of(const cx_application *a) {
    return a->app->application ? a->app->application->posting_id : "";
}

static const char *email_of(const cx_application *a) {
    const Atsbridge__V1__ApplicationReceived *r = a->app->application;
    return r && r->candidate ? r->candidate->email : "";
}

static cx_find_result lever_find(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res) {
    /* An applications-only grant (the job-board link) cannot read
     * opportunities: nothing to search, and a repeated apply is safe because
     * Lever deduplicates an application by e-mail and posting. */
    if (!lever_scope_has(s->scopes, LEVER_SCOPE_OPPORTUNITIES_READ)) return CX_NOT_FOUND;
    char email[600], posting[400], path[1200];
    if (cx_urlencode(email_of(a), email, sizeof email) || cx_urlencode(posting_of(a), posting, sizeof posting)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "e-mail or posting id too long");
        return CX_FIND_FAILED;
    }
    if (*posting) snprintf(path, sizeof path, "/opportunities?email=%s&posting_id=%s&limit=1", email, posting);
    else snprintf(path, sizeof path, "/opportunities?email=%s&limit=1", email);
    http_result r;
    if (cx_send(s, "GET", path, NULL, NULL, 0, "list_opportunities", &r, res)) return CX_FIND_FAILED;
    int rc = parse_lever_first_id(r.body, r.body_len, ids->candidate_id, sizeof ids->candidate_id);
    http_result_free(&r);
    if (rc < 0) {
        cx_fail(res, FAIL_TRANSIENT, "bad_response", "opportunity search answer is not JSON");
        return CX_FIND_FAILED;
    }
    return rc == 0 ? CX_FOUND : CX_NOT_FOUND;
}

/* The create body of a sourcing-tool export: the recruiter sources the
 * candidate, nobody fills the apply form, so the opportunity is created
 * directly (origin sourced, the export's stage and posting when given), as
 * Lever's own sourcing integrations do. */
static json_object *sourced_body(const cx_application *a) {
    const Atsbridge__V1__ApplicationReceived *r = a->app->application;
    const Atsbridge__V1__Candidate *c = r->candidate;
    json_object *o = json_object_new_object();
    char full[512];
    full_name(c, full, sizeof full);
    json_object_object_add(o, "name", json_object_new_string(full));
    json_object *emails = json_object_new_array(), *phones = json_object_new_array(), *links = json_object_new_array();
    if (c && *c->email) json_object_array_add(emails, json_object_new_string(c->email));
    if (c && *c->phone) {
        json_object *ph = json_object_new_object();
        json_object_object_add(ph, "value", json_object_new_string(c->phone));
        json_object_array_add(phones, ph);
    }
    for (size_t i = 0; c && i < c->n_links; i++) json_object_array_add(links, json_object_new_string(c->links[i]));
    json_object_object_add(o, "emails", emails);
    json_object_object_add(o, "phones", phones);
    json_object_object_add(o, "links", links);
    if (c && *c->location) json_object_object_add(o, "location", json_object_new_string(c->location));
    json_object_object_add(o, "origin", json_object_new_string("sourced"));
    json_object *sources = json_object_new_array();
    if (a->source_label && *a->source_label) json_object_array_add(sources, json_object_new_string(a->source_label));
    json_object_object_add(o, "sources", sources);
    if (*posting_of(a)) {
        json_object *postings = json_object_new_array();
        json_object_array_add(postings, json_object_new_string(posting_of(a)));
        json_object_object_add(o, "postings", postings);
    }
    const char *stage = *r->stage ? r->stage : a->default_stage ? a->default_stage : "";
    if (*stage) json_object_object_add(o, "stage", json_object_new_string(stage));
    return o;
}

/* The export's create body as multipart/form-data, the form Lever takes
 * files in: strings as fields, lists as name[] (phones as phones[][value]),
 * the first CV as resumeFile and every other document as files[]. */
static int sourced_multipart(const cx_application *a, json_object *o, mp_body *b, cx_result *res) {
    mp_init(b);
    json_object_object_foreach(o, key, val) {
        if (!json_object_is_type(val, json_type_array)) {
            mp_field(b, key, json_object_get_string(val));
            continue;
        }
        char name[64];
        int phones = !strcmp(key, "phones");
        snprintf(name, sizeof name, phones ? "%s[][value]" : "%s[]", key);
        for (size_t i = 0; i < json_object_array_length(val); i++) {
            json_object *e = json_object_array_get_idx(val, i), *v = e;
            if (phones) json_object_object_get_ex(e, "value", &v);
            mp_field(b, name, json_object_get_string(v));
        }
    }
    int resume = 0;
    for (size_t i = 0; i < a->ndocs; i++) {
        int is_resume = !resume && !strcmp(a->docs[i].kind, "cv");
        resume |= is_resume;
        mp_file(b, is_resume ? "resumeFile" : "files[]", &a->docs[i]);
    }
    return mp_finish(b, res);
}

/* POST /opportunities?perform_as: JSON, or multipart when the export
 * carries documents (one request either way). */
static int lever_create_sourced(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res) {
    char who[256], path[400];
    const char *perform_as = s->perform_as;
    if (!*perform_as) {
        cx_fail(res, FAIL_PERMANENT, "perform_as_required", "exports to Lever need the account's lever_perform_as");
        return -1;
    }
    if (cx_urlencode(perform_as, who, sizeof who)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "perform_as too long");
        return -1;
    }
    snprintf(path, sizeof path, "/opportunities?perform_as=%s", who);
    json_object *o = sourced_body(a);
    http_result hr;
    int rc;
    if (a->ndocs) {
        mp_body b;
        rc = sourced_multipart(a, o, &b, res);
        if (!rc) rc = cx_send(s, "POST", path, b.content_type, b.buf, b.len, "create_opportunity", &hr, res);
        free(b.buf);
    } else {
        rc = cx_send_json(s, "POST", path, o, "create_opportunity", &hr, res);
    }
    json_object_put(o);
    if (rc) {
        res->unknown_outcome = res->cls == FAIL_TRANSIENT;
        return -1;
    }
    parse_lever_opportunity_id(hr.body, hr.body_len, ids->candidate_id, sizeof ids->candidate_id);
    http_result_free(&hr);
    return 0;
}

static int is_export(const cx_application *a) {
    return a->app->application && *a->app->application->export_task_id;
}

/* Uploads each document (POST /uploads): uris[i] is the URI of a->docs[i].
 * 0, or -1 (res filled). */
static int upload_documents(cx_session *s, const cx_application *a, char (*uris)[URI_LEN], cx_result *res) {
    for (size_t i = 0; i < a->ndocs; i++)
        if (upload(s, &a->docs[i], uris[i], URI_LEN, res)) return -1;
    return 0;
}

/* POST /postings/{id}/apply with the uploaded documents' URIs; Lever answers
 * the application id only. 0 (ids->application_id filled), or -1 (res
 * filled; unknown_outcome when the application may exist all the same). */
static int apply(cx_session *s, const cx_application *a, char (*uris)[URI_LEN], cx_ids *ids, cx_result *res) {
    char posting[400], path[600];
    json_object *body = apply_body(a, uris);
    int rc = -1;
    if (cx_urlencode(posting_of(a), posting, sizeof posting)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "posting id too long");
        goto done;
    }
    snprintf(path, sizeof path, "/postings/%s/apply?send_confirmation_email=false", posting);
    http_result r;
    if (cx_send_json(s, "POST", path, body, "apply", &r, res)) {
        /* No clear answer (timeout, 5xx, dropped): the application may exist. */
        res->unknown_outcome = res->cls == FAIL_TRANSIENT;
        goto done;
    }
    parse_lever_application_id(r.body, r.body_len, ids->application_id, sizeof ids->application_id);
    http_result_free(&r);
    rc = 0;
done:
    json_object_put(body);
    return rc;
}

#define LOOKUP_TRIES 4
#define LOOKUP_BASE_MS 500
#define LOOKUP_CAP_MS 2000

/* After an apply: the opportunity id into ids->candidate_id ("" when the
 * grant may not read opportunities or every lookup failed). The application
 * exists now, and the caller could retry a failed lookup (429, 5xx, not
 * found yet) only by applying again, so it is tried again here, in place
 * (connector.h): LOOKUP_TRIES lookups, waiting backoff_step_ms (0.5, 1,
 * 2 s) between them, after a 429 with Retry-After that instead (at most
 * LOOKUP_CAP_MS). */
static void find_the_opportunity(cx_session *s, const cx_application *a, cx_ids *ids) {
    if (!lever_scope_has(s->scopes, LEVER_SCOPE_OPPORTUNITIES_READ)) return;
    for (int lookup = 1;; lookup++) {
        cx_result res = {.cls = FAIL_NONE, .retry_after_ms = -1};
        if (lever_find(s, a, ids, &res) == CX_FOUND) return;
        ids->candidate_id[0] = '\0';
        if (lookup == LOOKUP_TRIES) return;
        int64_t wait_ms = backoff_step_ms(lookup, LOOKUP_BASE_MS, LOOKUP_CAP_MS);
        if (res.retry_after_ms >= 0 && res.status == 429)
            wait_ms = res.retry_after_ms < LOOKUP_CAP_MS ? res.retry_after_ms : LOOKUP_CAP_MS;
        usleep((useconds_t)(wait_ms * 1000));
    }
}

/* An export creates the opportunity; a board application uploads its
 * documents, applies and looks the opportunity up. */
static int lever_create(cx_session *s, const cx_application *a, cx_ids *ids, cx_result *res) {
    if (is_export(a)) return lever_create_sourced(s, a, ids, res);
    if (!*posting_of(a)) {
        cx_fail(res, FAIL_PERMANENT, "posting_required", "Lever applications need a posting");
        return -1;
    }
    char (*uris)[URI_LEN] = calloc(a->ndocs ? a->ndocs : 1, URI_LEN);
    if (!uris) {
        cx_fail(res, FAIL_TRANSIENT, "out_of_memory", "out of memory");
        return -1;
    }
    int rc = upload_documents(s, a, uris, res);
    if (!rc) rc = apply(s, a, uris, ids, res);
    if (!rc) find_the_opportunity(s, a, ids);
    free(uris);
    return rc;
}

static json_object *lever_preview(const cx_application *a) {
    int sourced = is_export(a);
    json_object *body = sourced ? sourced_body(a) : apply_body(a, NULL);
    json_object *o = json_object_new_object();
    char path[600];
    if (sourced) snprintf(path, sizeof path, "/opportunities");
    else snprintf(path, sizeof path, "/postings/%s/apply", posting_of(a));
    json_object_object_add(o, "method", json_object_new_string("POST"));
    json_object_object_add(o, "path", json_object_new_string(path));
    json_object *redacted = cx_redact(body);
    if (sourced) json_object_object_add(redacted, "name", json_object_new_string("[redacted]")); /* the candidate's */
    json_object_object_add(o, "body", redacted);
    /* Board applications upload each document first; exports send them in the create request. */
    json_object_object_add(o, sourced ? "files" : "uploads", json_object_new_int((int)a->ndocs));
    json_object_put(body);
    return o;
}

static int lever_estimate(const cx_application *a, int search) {
    if (is_export(a)) return 1 + (search ? 1 : 0);
    return (int)a->ndocs + 2 + (search ? 1 : 0);
}

const cx_connector connector_lever = {"lever", lever_find, lever_create, lever_preview, lever_estimate};

int lever_change_tags(cx_session *s, const char *opportunity, char *const *tags, size_t n, int remove,
                      cx_result *res) {
    char opp[300], path[400];
    if (cx_urlencode(opportunity, opp, sizeof opp)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "opportunity id too long");
        return -1;
    }
    snprintf(path, sizeof path, "/opportunities/%s/%s", opp, remove ? "removeTags" : "addTags");
    json_object *body = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(arr, json_object_new_string(tags[i]));
    json_object_object_add(body, "tags", arr);
    http_result r;
    int rc = cx_send_json(s, "POST", path, body, remove ? "remove_tags" : "add_tags", &r, res);
    json_object_put(body);
    if (rc == 0) http_result_free(&r);
    return rc;
}

int lever_add_note(cx_session *s, const char *opportunity, const char *note, cx_result *res) {
    char opp[300], path[700], who[256] = "";
    const char *perform_as = s->perform_as;
    if (cx_urlencode(opportunity, opp, sizeof opp) || cx_urlencode(perform_as, who, sizeof who)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "opportunity id too long");
        return -1;
    }
    snprintf(path, sizeof path, "/opportunities/%s/notes%s%s", opp, who[0] ? "?perform_as=" : "", who);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "value", json_object_new_string(note));
    json_object_object_add(body, "secret", json_object_new_boolean(0));
    json_object_object_add(body, "notifyFollowers", json_object_new_boolean(0));
    http_result r;
    int rc = cx_send_json(s, "POST", path, body, "add_note", &r, res);
    json_object_put(body);
    if (rc == 0) http_result_free(&r);
    return rc;
}

cx_find_result lever_posting_tag(cx_session *s, const char *posting, const char *prefix, char *tag, size_t taglen,
                                 cx_result *res) {
    char p[300], path[400];
    if (cx_urlencode(posting, p, sizeof p)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "posting id too long");
        return CX_FIND_FAILED;
    }
    snprintf(path, sizeof path, "/postings/%s", p);
    http_result r;
    if (cx_send(s, "GET", path, NULL, NULL, 0, "get_posting", &r, res)) return CX_FIND_FAILED;
    int rc = parse_lever_posting_tag(r.body, r.body_len, prefix, tag, taglen);
    http_result_free(&r);
    if (rc < 0) {
        cx_fail(res, FAIL_TRANSIENT, "bad_response", "posting answer is not JSON");
        return CX_FIND_FAILED;
    }
    return rc == 0 ? CX_FOUND : CX_NOT_FOUND;
}

int lever_contact(cx_session *s, const char *opportunity, char *name, size_t namelen, char *email,
                  size_t emaillen, char *posting, size_t postinglen, cx_result *res) {
    char opp[300], path[400];
    if (cx_urlencode(opportunity, opp, sizeof opp)) {
        cx_fail(res, FAIL_PERMANENT, "invalid_input", "opportunity id too long");
        return -1;
    }
    snprintf(path, sizeof path, "/opportunities/%s", opp);
    http_result r;
    if (cx_send(s, "GET", path, NULL, NULL, 0, "get_opportunity", &r, res)) return -1;
    int rc = parse_lever_contact(r.body, r.body_len, name, namelen, email, emaillen);
    if (posting && parse_lever_opportunity_posting(r.body, r.body_len, posting, postinglen) != 0 && postinglen)
        posting[0] = '\0';
    http_result_free(&r);
    if (rc) {
        cx_fail(res, FAIL_PERMANENT, "contact_incomplete", "opportunity has no name or e-mail");
        return -1;
    }
    return 0;
}
