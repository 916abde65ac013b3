#ifndef ATSB_HTTP_CLIENT_H
#define ATSB_HTTP_CLIENT_H

#include <stddef.h>

/* Blocking HTTP client on libcurl for control-plane calls (token endpoints,
 * question fetches, notifications). Each thread keeps one easy handle, so
 * connections are reused; TLS verification stays on. Every request passes
 * the outbound policy (outbound.h: refused addresses, http/https only, no
 * redirects, the body cap ATSB_HTTP_CLIENT_MAX_RESPONSE_MB) and is bounded
 * in time: timeout_ms in all, at most 5 s of it to connect. Delivery's
 * high-volume path uses its own libcurl multi loop with the same policy. */

typedef struct {
    long status;          /* HTTP status; 0 when no response was received */
    char *body;           /* malloc'd, NUL-terminated (may be empty) */
    size_t body_len;
    char retry_after[32]; /* Retry-After header, empty when absent */
    char etag[128];       /* ETag header, empty when absent */
    char error[256];      /* transport error text when status == 0 */
} http_result;

/* Sends one request. headers is a NULL-terminated list of "Name: value"
 * strings (may be NULL); body may be NULL; timeout_ms <= 0 means 30 s.
 * Returns 0 when a response arrived (whatever its status), -1 on a transport
 * failure (refused, timeout, TLS, an address the outbound policy refuses,
 * "response larger than N bytes"), with out->error set. out must be freed
 * with http_result_free either way. */
int http_client_request(const char *method, const char *url, const char *const *headers,
                        const char *body, size_t body_len, int timeout_ms, http_result *out);

void http_result_free(http_result *r);

/* Appends "name=value" form-encoded (with '&' when buf is not empty) into a
 * caller buffer; returns 0, or -1 when it does not fit. */
int http_form_add(char *buf, size_t len, const char *name, const char *value);

#endif
