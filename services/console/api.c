/* The console's only way to data: status's and delivery's HTTP APIs with the
 * operator's own token (so authorization, validation and audit stay theirs). */
#include "console.h"

#include "http_client.h"
#include "json_bounded.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

static const char *const service_names[] = {"status", "delivery"};

int api_call(const console_app *a, api_service svc, const char *method, const char *path, const char *token,
             json_object *body, api_answer *out) {
    memset(out, 0, sizeof *out);
    char url[CONSOLE_URL_MAX + 1200];
    char auth[sizeof "Authorization: Bearer " + SESSION_TOKEN_MAX];
    const char *base = svc == API_STATUS ? a->status_url : a->delivery_url;
    int n = snprintf(url, sizeof url, "%s%s", base, path);
    if (n < 0 || (size_t)n >= sizeof url) return -1;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    const char *headers[4] = {"Accept: application/json", NULL, NULL, NULL};
    size_t nh = 1;
    if (token) headers[nh++] = auth;
    const char *text = NULL;
    if (body) {
        headers[nh++] = "Content-Type: application/json";
        text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    }
    http_result r;
    int rc = http_client_request(method, url, headers, text, text ? strlen(text) : 0, a->timeout_ms, &r);
    explicit_bzero(auth, sizeof auth);
    char labels[96];
    snprintf(labels, sizeof labels, "service=\"%s\",outcome=\"%s\"", service_names[svc],
             rc ? "unreachable" : r.status >= 500 ? "5xx" : r.status >= 400 ? "4xx" : "ok");
    metrics_counter_add("atsb_console_api_requests_total", labels, 1);
    if (rc == 0) {
        out->status = r.status;
        if (r.body_len) json_bounded_parse(r.body, r.body_len, &JSON_LIMITS_RESPONSE, &out->json, NULL);
        if (out->json && !json_object_is_type(out->json, json_type_object)) {
            json_object_put(out->json);
            out->json = NULL;
        }
    }
    http_result_free(&r);
    return rc ? -1 : 0;
}

void api_answer_free(api_answer *a) {
    json_object_put(a->json);
    memset(a, 0, sizeof *a);
}

static const char *error_field(const api_answer *a, const char *key) {
    json_object *e, *v;
    if (!a->json || !json_object_object_get_ex(a->json, "error", &e) || !json_object_object_get_ex(e, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

const char *api_error_message(const api_answer *a) { return error_field(a, "message"); }
const char *api_error_code(const api_answer *a) { return error_field(a, "code"); }

int api_healthy(const console_app *a, api_service svc) {
    api_answer r;
    int ok = api_call(a, svc, "GET", "/healthz", NULL, NULL, &r) == 0 && r.status == 200;
    api_answer_free(&r);
    return ok;
}
