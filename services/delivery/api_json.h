#ifndef ATSB_DELIVERY_API_JSON_H
#define ATSB_DELIVERY_API_JSON_H

#include "http_server.h"

#include <json-c/json.h>

/* The request body as a JSON object within JSON_LIMITS_DEFAULT into *out
 * (the caller puts it). Returns 0, or -1 with *out NULL after answering 413
 * json_too_large (the message names the limit) or 400 malformed_json. */
int api_body_object(const http_request *req, http_response *resp, json_object **out);

/* Appends {field, code, message} to an error's details array. */
void api_field_error(json_object *details, const char *field, const char *code, const char *message);

#endif
