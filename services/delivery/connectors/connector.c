#include "connector.h"

#include "parse.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cx_connector *connector_for(const char *ats) {
    if (ats && !strcmp(ats, "lever")) return &connector_lever;
    if (ats && !strcmp(ats, "eploy")) return &connector_eploy;
    return NULL;
}

void cx_fail(cx_result *res, fail_class cls, const char *code, const char *message) {
    res->cls = cls;
    snprintf(res->code, sizeof res->code, "%s", code);
    snprintf(res->message, sizeof res->message, "%s", message);
}

int cx_urlencode(const char *s, char *out, size_t outlen) {
    char *e = curl_easy_escape(NULL, s, 0);
    if (!e) return -1;
    int n = snprintf(out, outlen, "%s", e);
    curl_free(e);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int cx_send(cx_session *s, const char *method, const char *path, const char *content_type, const char *body,
            size_t body_len, const char *endpoint, http_result *out, cx_result *res) {
    char url[2048], auth[2100], ctype[200];
    const char *headers[4];
    size_t nh = 0;
    if ((size_t)snprintf(url, sizeof url, "%s%s", s->base_url, path) >= sizeof url) {
        cx_fail(res, FAIL_PERMANENT, "url_too_long", "request URL too long");
        return -1;
    }
    if (s->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->token);
        headers[nh++] = auth;
    }
    if (content_type) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
        headers[nh++] = ctype;
    }
    headers[nh++] = "Accept: application/json";
    headers[nh] = NULL;
    http_engine_req req = {.method = method, .url = url, .headers = headers, .body = body,
                           .body_len = body_len, .ats = s->ats, .endpoint = endpoint};
    s->requests++;
    int rc = http_engine_do(s->http, &req, out);
    explicit_bzero(auth, sizeof auth);
    memset(res, 0, sizeof *res);
    res->retry_after_ms = -1;
    if (rc != 0) {
        res->cls = FAIL_TRANSIENT;
        snprintf(res->code, sizeof res->code, "%s", strstr(out->error, "imeout") ? "timeout" : "transport_error");
        snprintf(res->message, sizeof res->message, "%s %.40s: %.180s", method, endpoint, out->error);
        http_result_free(out);
        return -1;
    }
    res->status = out->status;
    res->cls = backoff_classify(out->status);
    if (res->cls == FAIL_NONE) return 0;
    res->retry_after_ms = backoff_retry_after_ms(out->retry_after, 0);
    char code[64] = "", msg[200] = "";
    parse_error(out->body, out->body_len, code, sizeof code, msg, sizeof msg);
    if (code[0]) snprintf(res->code, sizeof res->code, "%s", code);
    else snprintf(res->code, sizeof res->code, "http_%ld", out->status);
    snprintf(res->message, sizeof res->message, "%s %.40s: HTTP %ld%s%.160s", method, endpoint, out->status,
             msg[0] ? ": " : "", msg);
    if (out->status == 429 && strstr(msg, "daily")) res->quota = 1;
    /* Eploy answers 403 when our address is off the site's allow-list or the
     * key lacks a permission: the connection's configuration is wrong, not
     * the application, so it waits (retried with backoff) while the customer
     * is told, instead of being dead-lettered at once. */
    if (out->status == 403 && s->ats && !strcmp(s->ats, "eploy")) {
        res->cls = FAIL_TRANSIENT;
        res->connection = 1;
    }
    http_result_free(out);
    return -1;
}

int cx_send_json(cx_session *s, const char *method, const char *path, json_object *obj, const char *endpoint,
                 http_result *out, cx_result *res) {
    const char *body = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    return cx_send(s, method, path, "application/json", body, strlen(body), endpoint, out, res);
}

static int structural(const char *key) {
    static const char *const keep[] = {"id", "name", "source", "origin", "QuestionId", "VacancyId", "Source",
                                       "DocumentType", "ContentType", "CandidateId", "posting", "method",
                                       "path", "type", "sources", "postings", "stage", NULL};
    for (const char *const *k = keep; *k; k++)
        if (!strcmp(*k, key)) return 1;
    return 0;
}

static json_object *redact(json_object *o, int keep) {
    if (!o) return NULL;
    switch (json_object_get_type(o)) {
    case json_type_object: {
        json_object *r = json_object_new_object();
        json_object_object_foreach(o, k, v) json_object_object_add(r, k, redact(v, structural(k)));
        return r;
    }
    case json_type_array: {
        json_object *r = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(o); i++)
            json_object_array_add(r, redact(json_object_array_get_idx(o, i), keep));
        return r;
    }
    case json_type_string:
        return keep ? json_object_get(o) : json_object_new_string("[redacted]");
    default:
        return json_object_get(o);
    }
}

json_object *cx_redact(json_object *obj) { return redact(obj, 0); }

const cx_document *cx_document_find(const cx_application *a, const char *sha256) {
    for (size_t i = 0; sha256 && *sha256 && i < a->ndocs; i++)
        if (!strcmp(a->docs[i].sha256, sha256)) return &a->docs[i];
    return NULL;
}
