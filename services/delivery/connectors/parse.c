#include "parse.h"

#include "json_bounded.h"
#include "json_path.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses len bytes as JSON within JSON_LIMITS_RESPONSE. NULL when invalid,
 * beyond the limits, or JSON null. */
static json_object *parse(const char *body, size_t len) {
    json_object *o = NULL;
    if (!body || json_bounded_parse(body, len, &JSON_LIMITS_RESPONSE, &o, NULL) != JSON_BOUNDED_OK) return NULL;
    return o;
}

static int copy_scalar(json_object *v, char *out, size_t outlen) {
    if (outlen == 0) return -1;
    out[0] = '\0';
    if (!v) return 1;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        if (n >= outlen || memchr(s, '\0', n)) return -1;
        memcpy(out, s, n);
        out[n] = '\0';
        return 0;
    }
    if (json_object_is_type(v, json_type_int)) {
        int n = snprintf(out, outlen, "%lld", (long long)json_object_get_int64(v));
        return n > 0 && (size_t)n < outlen ? 0 : -1;
    }
    return 1;
}

int parse_json_path(const char *body, size_t len, const char *path, char *out, size_t outlen) {
    if (outlen) out[0] = '\0';
    json_object *o = parse(body, len);
    if (!o) return -1;
    int rc = copy_scalar(json_path(o, path), out, outlen);
    json_object_put(o);
    return rc;
}

int parse_lever_opportunity_id(const char *body, size_t len, char *out, size_t outlen) {
    return parse_json_path(body, len, "data.id", out, outlen);
}

int parse_lever_first_id(const char *body, size_t len, char *out, size_t outlen) {
    return parse_json_path(body, len, "data.0.id", out, outlen);
}

int parse_lever_upload_uri(const char *body, size_t len, char *out, size_t outlen) {
    return parse_json_path(body, len, "data.uri", out, outlen);
}

int parse_lever_application_id(const char *body, size_t len, char *out, size_t outlen) {
    return parse_json_path(body, len, "data.applicationId", out, outlen);
}

int parse_lever_posting_tag(const char *body, size_t len, const char *prefix, char *out, size_t outlen) {
    if (outlen) out[0] = '\0';
    json_object *o = parse(body, len);
    if (!o) return -1;
    json_object *tags = json_path(o, "data.tags");
    int rc = 1;
    size_t pl = prefix ? strlen(prefix) : 0;
    if (tags && json_object_is_type(tags, json_type_array) && pl) {
        for (size_t i = 0; i < json_object_array_length(tags) && rc == 1; i++) {
            json_object *t = json_object_array_get_idx(tags, i);
            if (!json_object_is_type(t, json_type_string)) continue;
            if (!strncmp(json_object_get_string(t), prefix, pl)) rc = copy_scalar(t, out, outlen);
        }
    }
    json_object_put(o);
    return rc;
}

int parse_lever_contact(const char *body, size_t len, char *name, size_t namelen, char *email,
                        size_t emaillen) {
    if (namelen) name[0] = '\0';
    if (emaillen) email[0] = '\0';
    json_object *o = parse(body, len);
    if (!o) return -1;
    int a = copy_scalar(json_path(o, "data.name"), name, namelen);
    int b = copy_scalar(json_path(o, "data.emails.0"), email, emaillen);
    json_object_put(o);
    if (a < 0 || b < 0) return -1;
    return a == 0 && b == 0 ? 0 : 1;
}

int parse_lever_opportunity_posting(const char *body, size_t len, char *out, size_t outlen) {
    return parse_json_path(body, len, "data.postings.0", out, outlen);
}

int parse_eploy_id(const char *body, size_t len, const char *member, char *out, size_t outlen) {
    if (!member || strchr(member, '.')) return -1;
    return parse_json_path(body, len, member, out, outlen);
}

int parse_eploy_first(const char *body, size_t len, const char *member, char *out, size_t outlen) {
    char path[160];
    if (!member || strchr(member, '.') || (size_t)snprintf(path, sizeof path, "Records.0.%s", member) >= sizeof path)
        return -1;
    return parse_json_path(body, len, path, out, outlen);
}

int parse_provider_order_id(const char *body, size_t len, char *out, size_t outlen) {
    return parse_json_path(body, len, "order_id", out, outlen);
}

/* Copies a string member into out (truncating); 0 when it was a string. */
static int take_str(json_object *v, char *out, size_t outlen) {
    if (!v || !json_object_is_type(v, json_type_string) || outlen == 0) return 1;
    snprintf(out, outlen, "%s", json_object_get_string(v));
    return 0;
}

int parse_error(const char *body, size_t len, char *code, size_t codelen, char *message, size_t msglen) {
    if (codelen) code[0] = '\0';
    if (msglen) message[0] = '\0';
    json_object *o = parse(body, len);
    if (!o) return -1;
    int found = 1;
    json_object *e = json_path(o, "error");
    if (e && json_object_is_type(e, json_type_object)) {
        if (!take_str(json_path(e, "code"), code, codelen)) found = 0;
        if (!take_str(json_path(e, "message"), message, msglen)) found = 0;
    } else if (e) {
        if (!take_str(e, code, codelen)) found = 0;
        if (!take_str(json_path(o, "error_description"), message, msglen)) found = 0;
    } else {
        if (!take_str(json_path(o, "code"), code, codelen)) found = 0;
        if (!take_str(json_path(o, "message"), message, msglen)) found = 0;
        if (found && !take_str(json_path(o, "Message"), message, msglen)) found = 0;
    }
    json_object_put(o);
    return found;
}
