#include "api_json.h"

#include "json_bounded.h"

int api_body_object(const http_request *req, http_response *resp, json_object **out) {
    json_bounded_error err;
    json_bounded_status st = json_bounded_parse(req->body, req->body_len, &JSON_LIMITS_DEFAULT, out, &err);
    if (json_bounded_is_limit(st)) {
        http_error(resp, 413, "json_too_large", err.message);
        return -1;
    }
    if (st != JSON_BOUNDED_OK || !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        *out = NULL;
        http_error(resp, 400, "malformed_json", st != JSON_BOUNDED_OK ? err.message : "The body must be a JSON object.");
        return -1;
    }
    return 0;
}

void api_field_error(json_object *details, const char *field, const char *code, const char *message) {
    json_object *e = json_object_new_object();
    json_object_object_add(e, "field", json_object_new_string(field));
    json_object_object_add(e, "code", json_object_new_string(code));
    json_object_object_add(e, "message", json_object_new_string(message));
    json_object_array_add(details, e);
}
