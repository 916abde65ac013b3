#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reply_lever(http_response *resp, int status, const char *code, const char *message) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(message));
    http_json(resp, status, o);
}

void reply_oauth(http_response *resp, int status, const char *error, const char *description) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(error));
    json_object_object_add(o, "error_description", json_object_new_string(description));
    http_json(resp, status, o);
}

void reply_eploy(http_response *resp, int status, const char *message, json_object *model_state) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "Message", json_object_new_string(message));
    if (model_state) json_object_object_add(o, "ModelState", model_state);
    http_json(resp, status, o);
}

static const char *lever_code(int status) {
    switch (status) {
    case 400: return "BadRequestError";
    case 401: return "UnauthorizedError";
    case 403: return "ForbiddenError";
    case 404: return "NotFoundError";
    case 409: return "ConflictError";
    case 413: return "RequestEntityTooLargeError";
    case 415: return "UnsupportedMediaTypeError";
    case 422: return "UnprocessableEntityError";
    case 429: return "TooManyRequestsError";
    case 502: return "BadGatewayError";
    case 503: return "ServiceUnavailableError";
    case 504: return "GatewayTimeoutError";
    default: return status >= 500 ? "InternalServerError" : "BadRequestError";
    }
}

static const char *snake_code(int status) {
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "invalid";
    case 429: return "rate_limited";
    case 502: return "bad_gateway";
    case 503: return "unavailable";
    case 504: return "gateway_timeout";
    default: return status >= 500 ? "internal_error" : "bad_request";
    }
}

void reply_status(http_response *resp, reply_flavor flavor, int status, const char *message) {
    switch (flavor) {
    case REPLY_LEVER:
        reply_lever(resp, status, lever_code(status), message);
        break;
    case REPLY_OAUTH:
        reply_oauth(resp, status,
                    status == 429 ? "too_many_requests" : status >= 500 ? "server_error" : "invalid_request",
                    message);
        break;
    case REPLY_EPLOY:
        reply_eploy(resp, status, message, NULL);
        break;
    case REPLY_PROVIDER:
    case REPLY_SIM:
        http_error(resp, status, snake_code(status), message);
        break;
    }
}

void reply_retry_after(http_response *resp, int seconds) {
    char v[24];
    snprintf(v, sizeof v, "%d", seconds < 1 ? 1 : seconds);
    http_set_header(resp, "Retry-After", v);
}

void reply_data(http_response *resp, int status, json_object *data) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "data", data);
    http_json(resp, status, o);
}

void reply_text(http_response *resp, int status, const char *content_type, const char *text) {
    free(resp->body);
    resp->body = strdup(text);
    resp->body_len = resp->body ? strlen(resp->body) : 0;
    resp->status = status;
    resp->content_type = content_type;
}
