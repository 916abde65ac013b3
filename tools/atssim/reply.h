#ifndef ATSSIM_REPLY_H
#define ATSSIM_REPLY_H

#include "http_server.h"

#include <json-c/json.h>

/* Error bodies in each simulated API's own shape. Every function fills resp
 * completely and can't fail (an allocation failure leaves a body-less error,
 * which the server turns into a generic one). */

typedef enum {
    REPLY_LEVER,    /* {"code":"NotFoundError","message":"..."} */
    REPLY_OAUTH,    /* Auth0: {"error":"invalid_grant","error_description":"..."} */
    REPLY_EPLOY,    /* ASP.NET style: {"Message":"...","ModelState":{...}} */
    REPLY_PROVIDER, /* atsbridge's: {"error":{"code":"...","message":"..."}} */
    REPLY_SIM       /* the same as PROVIDER (our own control API) */
} reply_flavor;

void reply_lever(http_response *resp, int status, const char *code, const char *message);
void reply_oauth(http_response *resp, int status, const char *error, const char *description);
/* model_state (ownership taken, may be NULL): {"field": ["message", ...]}. */
void reply_eploy(http_response *resp, int status, const char *message, json_object *model_state);
/* A generic error for status in the flavor's shape (faults, rate limits). */
void reply_status(http_response *resp, reply_flavor flavor, int status, const char *message);
/* Sets Retry-After to seconds (at least 1). */
void reply_retry_after(http_response *resp, int seconds);
/* {"data": data} with status; takes ownership of data. */
void reply_data(http_response *resp, int status, json_object *data);
/* Plain text / HTML body (copied). */
void reply_text(http_response *resp, int status, const char *content_type, const char *text);

#endif
