/* atsb-console: the operator console in the browser (docs/console.md,
 * DESIGN.md "console"). Server-rendered pages over status's and delivery's
 * HTTP APIs, called with the signed-in operator's token; sessions are
 * sealed cookies, so the console keeps no state and replicas need nothing
 * shared but ATSB_CONSOLE_SESSION_KEY.
 *
 * Read the configuration (a bad value exits 2); allocate the sign-in
 * limiter's fixed table; serve HTTP with /healthz,
 * /readyz (status and delivery answer their /healthz) and /metrics beside
 * the pages; on SIGTERM stop serving. */
#include "config.h"
#include "console.h"
#include "log.h"
#include "metrics.h"
#include "outbound.h"
#include "routes.h"
#include "shutdown.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static console_app app;
static signin_limiter signin;

#define ROUTE(method, pattern, fn, max_body, accept) {method, pattern, fn, &app, max_body, NULL, accept},
static const http_route routes[] = {CONSOLE_ROUTES(ROUTE)};
#undef ROUTE

static int ready(void *ctx, char *reason, size_t len) {
    const console_app *a = ctx;
    if (!api_healthy(a, API_STATUS)) {
        snprintf(reason, len, "status unreachable");
        return -1;
    }
    if (!api_healthy(a, API_DELIVERY)) {
        snprintf(reason, len, "delivery unreachable");
        return -1;
    }
    return 0;
}

/* A base URL setting without its trailing '/'; exits 2 when too long. */
static void url_setting(const char *name, const char *def, char *out) {
    const char *v = config_str(name, def);
    size_t n = strlen(v);
    while (n && v[n - 1] == '/') n--;
    if (n == 0 || n >= CONSOLE_URL_MAX) config_fail(name, "expected an http(s) URL of at most 255 characters");
    if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) config_fail(name, "expected an http(s) URL");
    memcpy(out, v, n);
    out[n] = '\0';
}

int main(void) {
    char host[128], err[256];
    int port;
    http_server *srv = NULL;
    log_init("console");
    shutdown_install();
    metrics_gauge_set("atsb_service_info", "service=\"console\"", 1);
    config_addr("ATSB_CONSOLE_ADDR", "127.0.0.1:8085", host, sizeof host, &port);
    url_setting("ATSB_CONSOLE_STATUS_URL", "http://127.0.0.1:8084", app.status_url);
    url_setting("ATSB_CONSOLE_DELIVERY_URL", "http://127.0.0.1:8083", app.delivery_url);
    url_setting("ATSB_CONSOLE_PUBLIC_URL", "http://127.0.0.1:8085", app.public_url);
    /* The origin: scheme://host[:port], the public URL without its path. */
    const char *hs = strstr(app.public_url, "://") + 3;
    size_t olen = (size_t)(hs - app.public_url) + strcspn(hs, "/");
    snprintf(app.origin, sizeof app.origin, "%.*s", (int)olen, app.public_url);
    app.cookie_secure = config_bool("ATSB_CONSOLE_COOKIE_SECURE", true);
    app.session_ttl_s = config_int("ATSB_CONSOLE_SESSION_TTL_S", 8 * 3600, 60, 24 * 3600);
    app.timeout_ms = (int)config_int("ATSB_CONSOLE_API_TIMEOUT_MS", 10000, 100, 120000);
    int signin_burst = (int)config_int("ATSB_CONSOLE_SIGNIN_BURST", 10, 1, 1000);
    int64_t signin_interval_ms = config_int("ATSB_CONSOLE_SIGNIN_INTERVAL_MS", 6000, 1, 86400000);
    int64_t signin_clients = config_int("ATSB_CONSOLE_SIGNIN_CLIENTS", 4096, 16, 1 << 20);
    /* The secrets it uses: set, and not to a development default unless ATSB_DEV=1. */
    static const char *const secrets[] = {"ATSB_CONSOLE_SESSION_KEY", NULL};
    for (const char *const *sec = secrets; *sec; sec++) config_secret(*sec);
    const char *key = config_secret("ATSB_CONSOLE_SESSION_KEY");
    outbound_configure();
    outbound_config_url("ATSB_CONSOLE_STATUS_URL", app.status_url);
    outbound_config_url("ATSB_CONSOLE_DELIVERY_URL", app.delivery_url);
    if (sodium_init() < 0) {
        fprintf(stderr, "console: libsodium failed to initialise\n");
        return EXIT_FAILURE;
    }
    if (session_keys_derive(key, &app.keys)) config_fail("ATSB_CONSOLE_SESSION_KEY", "at least 32 characters");
    if (signin_limiter_init(&signin, (size_t)signin_clients, signin_burst, signin_interval_ms)) {
        fprintf(stderr, "console: the sign-in limiter could not be allocated\n");
        return EXIT_FAILURE;
    }
    app.signin = &signin;
    if (!app.cookie_secure && !config_dev())
        log_warn("session cookies without Secure (ATSB_CONSOLE_COOKIE_SECURE=0): plain HTTP only for development");
    http_server_default_workers(8);
    if (http_server_start(host, port, routes, sizeof routes / sizeof routes[0], ready, &app, &srv, err, sizeof err)) {
        fprintf(stderr, "console: %s\n", err);
        return EXIT_FAILURE;
    }
    char addr[160];
    snprintf(addr, sizeof addr, "%s:%d", host, http_server_port(srv));
    log_info("listening", "addr", addr, "public_url", app.public_url);
    while (!shutdown_requested()) usleep(100 * 1000);
    http_server_stop(srv);
    signin_limiter_free(&signin);
    sodium_memzero(&app.keys, sizeof app.keys);
    return EXIT_SUCCESS;
}
