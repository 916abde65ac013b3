#include "auth.h"

#include "config.h"
#include "crypto.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int auth_bearer(const http_request *req, char *out, size_t len) {
    const char *h = http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return -1;
    h += 7;
    while (*h == ' ') h++;
    if (!*h || strlen(h) >= len) return -1;
    snprintf(out, len, "%s", h);
    return 0;
}

int auth_admin(const http_request *req, http_response *resp) {
    char token[256];
    if (auth_bearer(req, token, sizeof token) == 0 &&
        crypto_str_equal(token, config_secret("ATSB_ADMIN_TOKEN")))
        return 0;
    http_set_header(resp, "WWW-Authenticate", "Bearer");
    http_error(resp, 401, "unauthorized", "A valid admin token is required.");
    return -1;
}

int auth_admin_route(http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    return auth_admin(req, resp);
}
