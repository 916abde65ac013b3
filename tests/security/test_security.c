/* Security checks across the services.
 *
 * auth_walk: every service is started and every route of its route table
 * (read from the source, so a new route is covered the day it is added) is
 * called without a credential and with a wrong one: 401, except
 *   - questions GET .../questions: public by design (boards render the
 *     form for anonymous candidates; it holds no personal data);
 *   - ingest's Lever webhooks and provider callbacks: the body signature is
 *     the credential; an unknown account or provider is 404 (nothing to
 *     verify against), a known one without a valid signature 401
 *     (test_ingest_webhooks: lever_bad_signatures_are_401,
 *     provider_callback_errors);
 *   - delivery GET /oauth/lever/callback: the single-use, expiring OAuth
 *     state is the credential (test_delivery_recovery:
 *     lever_activation_state_single_use_and_expiry); without one it is 400.
 * Board keys acting for another board (403): test_ingest_applications
 * auth_errors. Webhook replay: test_ingest_webhooks
 * provider_callback_signed_and_replay_protected and
 * lever_signed_delivery_is_produced_once.
 *
 * secrets_and_personal_data: seeded secrets (Lever webhook tokens, a
 * provider callback secret, a board key, a Lever client secret in
 * delivery's environment) and a seeded candidate e-mail never appear in a
 * log line or on application.events, and ingest.secrets holds no secret in
 * plaintext (delivery.connections: test_credentials sealed_at_rest). */
#include "crypto.h"
#include "harness.h"
#include "ingest_support.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LEVER_CLIENT_SECRET "seeded-lever-client-secret-5b1e"

typedef struct {
    const char *svc;
    const char *addr_var;
    const char *source; /* file holding the route table */
} service;

static const service SERVICES[] = {
    {"ingest", "ATSB_INGEST_ADDR", "services/ingest/routes.c"},
    {"questions", "ATSB_QUESTIONS_ADDR", "services/questions/routes.h"},
    {"delivery", "ATSB_DELIVERY_ADDR", "services/delivery/routes.h"},
    {"status", "ATSB_STATUS_ADDR", "services/status/routes.h"},
};

typedef struct {
    char method[8];
    char path[256]; /* {param} replaced by a value */
    char pattern[256];
} route;

/* Routes of a table written as {"METHOD", "/pattern", ...} entries or as
 * an X-macro's R("METHOD", "/pattern", ...). */
static size_t read_routes(const char *rel, route *out, size_t max) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", ATSB_SOURCE_DIR, rel);
    char *src = harness_read_file(path);
    cr_assert_not_null(src, "%s", path);
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
    size_t n = 0;
    for (const char *p = strchr(src, '"'); p && n < max; p = strchr(p + 1, '"')) {
        if (p == src || (p[-1] != '{' && p[-1] != '(')) continue;
        const char *m = p + 1;
        size_t ml = strcspn(m, "\"");
        int known = 0;
        for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
            known |= ml == strlen(methods[i]) && !strncmp(m, methods[i], ml);
        if (!known || strncmp(m + ml, "\", \"/", 5) != 0) continue;
        const char *pat = m + ml + 4;
        size_t pl = strcspn(pat, "\"");
        route *r = &out[n++];
        snprintf(r->method, sizeof r->method, "%.*s", (int)ml, m);
        snprintf(r->pattern, sizeof r->pattern, "%.*s", (int)pl, pat);
        size_t o = 0;
        for (size_t i = 0; i < pl && o + 16 < sizeof r->path; i++) {
            if (pat[i] == '{') {
                o += (size_t)snprintf(r->path + o, sizeof r->path - o, "sec-test-id");
                while (i < pl && pat[i] != '}') i++;
            } else {
                r->path[o++] = pat[i];
            }
        }
        r->path[o] = '\0';
    }
    free(src);
    return n;
}

static pid_t start(const service *s, const char *dsn, const char *prefix, int *port, char *log, size_t loglen) {
    *port = harness_free_port();
    static char e[6][640];
    snprintf(e[0], sizeof e[0], "%s=127.0.0.1:%d", s->addr_var, *port);
    snprintf(e[1], sizeof e[1], "ATSB_PG_DSN=%s", dsn);
    snprintf(e[2], sizeof e[2], "ATSB_TOPIC_PREFIX=%s", prefix);
    snprintf(e[3], sizeof e[3], "ATSB_LEVER_CLIENT_SECRET=%s", LEVER_CLIENT_SECRET);
    snprintf(e[4], sizeof e[4], "ATSB_LOG_LEVEL=debug");
    char *env[] = {e[0], e[1], e[2], e[3], e[4], NULL};
    char bin[512], url[128];
    snprintf(bin, sizeof bin, "%s/services/%s/atsb-%s", ATSB_BIN_DIR, s->svc, s->svc);
    snprintf(log, loglen, "%s/testenv/security-%s-%d.log", ATSB_BIN_DIR, s->svc, (int)getpid());
    char *argv[] = {bin, NULL};
    pid_t pid = harness_spawn(argv, env, log);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/readyz", *port);
    cr_assert_eq(harness_wait_http(url, 60000), 0, "%s not ready (see %s)", s->svc, log);
    return pid;
}

static void stop(pid_t pid) {
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
}

Test(security, auth_walk_every_route_needs_its_credential, .timeout = 240) {
    harness_env_load();
    char dsn[512], u[64], prefix[96];
    harness_create_db(dsn, sizeof dsn);
    snprintf(prefix, sizeof prefix, "%s.", harness_unique("sec", u, sizeof u));
    int total = 0;
    for (size_t i = 0; i < sizeof SERVICES / sizeof SERVICES[0]; i++) {
        const service *s = &SERVICES[i];
        route routes[64];
        size_t n = read_routes(s->source, routes, 64);
        cr_assert_gt(n, 0, "no routes found in %s", s->source);
        int port;
        char log[512];
        pid_t pid = start(s, dsn, prefix, &port, log, sizeof log);
        for (size_t k = 0; k < n; k++) {
            route *r = &routes[k];
            char url[512];
            snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, r->path);
            const char *body = strcmp(r->method, "GET") && strcmp(r->method, "DELETE") ? "{}" : NULL;
            long none = harness_http(r->method, url, body, NULL, NULL);
            long wrong = harness_http(r->method, url, body, "Authorization: Bearer not-the-credential", NULL);
            if (!strcmp(s->svc, "questions") && strstr(r->pattern, "/questions")) {
                cr_expect(none != 401 && none != 0, "questions is public by design: %s %s -> %ld", r->method,
                          r->pattern, none);
            } else if (!strcmp(s->svc, "ingest") &&
                       (strstr(r->pattern, "/v1/webhooks/") || strstr(r->pattern, "/v1/callbacks/"))) {
                cr_expect(none == 401 || none == 404, "%s %s -> %ld", r->method, r->pattern, none);
                cr_expect(wrong == 401 || wrong == 404, "%s %s -> %ld", r->method, r->pattern, wrong);
            } else if (!strcmp(s->svc, "delivery") && !strcmp(r->pattern, "/oauth/lever/callback")) {
                cr_expect(none == 400 || none == 401, "no OAuth state: %s %s -> %ld", r->method, r->pattern, none);
            } else {
                cr_expect_eq(none, 401, "%s: %s %s without a credential -> %ld", s->svc, r->method, r->pattern,
                             none);
                cr_expect_eq(wrong, 401, "%s: %s %s with a wrong credential -> %ld", s->svc, r->method,
                             r->pattern, wrong);
            }
            total++;
        }
        stop(pid);
        /* The Lever client secret from the environment is never logged. */
        char *text = harness_read_file(log);
        cr_assert_not_null(text);
        cr_expect_null(strstr(text, LEVER_CLIENT_SECRET), "%s logged the Lever client secret", s->svc);
        free(text);
    }
    cr_assert_geq(total, 20, "only %d routes walked", total);
}

Test(security, secrets_and_personal_data_stay_out_of_logs_topics_and_tables, .timeout = 240) {
    crypto_init();
    ingest_proc P;
    ingest_start(&P, 0);
    static const char *TOKEN = "seeded-lever-webhook-token-9c4d";
    static const char *SECRET = "seeded-provider-callback-secret-77af";
    static const char *BOARD_KEY = "seeded-board-key-31e0";
    static const char *EMAIL = "seeded.candidate.4711@example.org";
    char body[512];
    snprintf(body, sizeof body, "{\"candidateStageChange\":\"%s\"}", TOKEN);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/accounts/demo-lever/lever-webhook-tokens", body), 200);
    snprintf(body, sizeof body, "{\"secret\":\"%s\"}", SECRET);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/providers/asurint/callback-secret", body), 200);
    snprintf(body, sizeof body, "{\"key\":\"%s\"}", BOARD_KEY);
    cr_assert_eq(ingest_admin_put(&P, "/v1/admin/boards/stepstone_de/keys", body), 200);

    /* An application with the seeded e-mail, accepted. */
    char *json = sample_application("SEC-1", "Zoe", NULL);
    char *at = strstr(json, "zoe@example.org");
    cr_assert_not_null(at);
    size_t head = (size_t)(at - json);
    size_t len = strlen(json) - strlen("zoe@example.org") + strlen(EMAIL) + 1;
    char *app = malloc(len);
    snprintf(app, len, "%.*s%s%s", (int)head, json, EMAIL, at + strlen("zoe@example.org"));
    ingest_resp r;
    ingest_post_json(&P, "/v1/applications", BOARD_KEY, app, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    ingest_resp_free(&r);
    /* A rejected one too (validation errors must not echo values into logs). */
    ingest_post_json(&P, "/v1/applications", BOARD_KEY, "{\"candidate\":{\"email\":\"seeded.candidate.4711@\"}}", &r);
    cr_assert_eq(r.status, 422, "%s", r.body);
    ingest_resp_free(&r);

    /* Sealed at rest: no secret in ingest.secrets, board keys hashed. */
    const char *p[] = {TOKEN, SECRET, BOARD_KEY};
    for (int i = 0; i < 3; i++) {
        const char *one[] = {p[i]};
        cr_expect_eq(db_scalar(P.dsn,
                               "SELECT count(*) FROM ingest.secrets"
                               " WHERE strpos(sealed, $1) > 0 OR strpos(owner, $1) > 0 OR strpos(name, $1) > 0",
                               1, one),
                     0, "secret %d stored in plaintext", i);
        cr_expect_eq(db_scalar(P.dsn,
                               "SELECT count(*) FROM ingest.board_keys b WHERE strpos(b::text, $1) > 0", 1, one),
                     0, "secret %d stored in plaintext in board_keys", i);
    }
    cr_expect_gt(db_scalar(P.dsn, "SELECT count(*) FROM ingest.secrets", 0, NULL), 0);

    /* application.events: the received event, without the e-mail. */
    char events[256];
    ingest_topic(&P, TOPIC_APPLICATION_EVENTS, events, sizeof events);
    int64_t n = topic_count(events);
    cr_assert_gt(n, 0, "no audit event");
    for (int64_t off = 0; off < n; off++) {
        rd_kafka_message_t *m = topic_read(events, off);
        cr_assert_not_null(m);
        cr_expect_null(memmem(m->payload, m->len, EMAIL, strlen(EMAIL)), "e-mail on application.events");
        for (int i = 0; i < 3; i++)
            cr_expect_null(memmem(m->payload, m->len, p[i], strlen(p[i])), "secret %d on application.events", i);
        rd_kafka_message_destroy(m);
    }
    ingest_stop(&P);

    char *log = harness_read_file(P.log);
    cr_assert_not_null(log, "%s", P.log);
    cr_expect_null(strstr(log, EMAIL), "the e-mail is in ingest's log");
    cr_expect_null(strstr(log, "seeded.candidate.4711"), "the e-mail's local part is in ingest's log");
    for (int i = 0; i < 3; i++) cr_expect_null(strstr(log, p[i]), "secret %d is in ingest's log", i);
    free(log);
    free(app);
    free(json);
}
