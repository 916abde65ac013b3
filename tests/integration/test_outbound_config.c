/* No outbound request to where it must not go, at configuration time: with
 * ATSB_OUTBOUND_ALLOW empty, an Eploy connection (delivery) or a
 * notification URL (status) on the loopback interface is refused with 422
 * and nothing is sent to it; with the test environment's list
 * (127.0.0.0/8,::1) the same URLs are accepted. An operator URL that the
 * policy refuses stops delivery at start-up (exit 2, one line naming it).
 *
 * Every URL these tests configure is on 127.0.0.1/localhost or is an https
 * URL in TEST-NET-1 (192.0.2.0/24) that nothing ever calls: no request
 * leaves the machine. */
#include "dtest.h"
#include "harness.h"
#include "status_support.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Operator URLs that pass the start-up check without a DNS lookup and are never called here. */
#define NOWHERE_ENV                                                                                  \
    "ATSB_LEVER_API_URL=https://192.0.2.1/lever/v1", "ATSB_LEVER_TOKEN_URL=https://192.0.2.1/token", \
        "ATSB_PROVIDER_URL=https://192.0.2.1/provider/v1"

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }

/* The simulator's port (t.sim is http://127.0.0.1:PORT). */
static int sim_port(void) { return atoi(strrchr(t.sim, ':') + 1); }

/* POSTs an Eploy connection with site_url; returns the status, *out the parsed body (caller puts). */
static long eploy_connection(const char *site_url, json_object **out) {
    char url[256], body[512], *resp = NULL;
    snprintf(url, sizeof url, "%s/v1/accounts/acc-e/connections/eploy", t.delivery);
    snprintf(body, sizeof body,
             "{\"site_url\":\"%s\",\"client_id\":\"demo-eploy-client\",\"client_secret\":\"demo-eploy-secret\"}",
             site_url);
    long st = harness_http("POST", url, body, "Authorization: Bearer dev-admin-token", &resp);
    *out = json_tokener_parse(resp ? resp : "null");
    free(resp);
    return st;
}

/* Asserts o is {"error":{"code":code,"details":[{"field":field,"code":"url_not_allowed","message"}]}}
 * and returns the detail's message (borrowed from o). */
static const char *refusal(json_object *o, const char *code, const char *field) {
    json_object *err, *details, *d, *v;
    cr_assert(json_object_object_get_ex(o, "error", &err), "%s", json_object_to_json_string(o));
    cr_assert_str_eq(dtest_jstr(err, "code"), code);
    cr_assert(json_object_object_get_ex(err, "details", &details) && json_object_array_length(details) >= 1,
              "%s", json_object_to_json_string(o));
    for (size_t i = 0; i < json_object_array_length(details); i++) {
        d = json_object_array_get_idx(details, i);
        if (!dtest_jstr(d, "field") || strcmp(dtest_jstr(d, "field"), field)) continue;
        cr_assert_str_eq(dtest_jstr(d, "code"), "url_not_allowed", "%s", json_object_to_json_string(o));
        cr_assert(json_object_object_get_ex(d, "message", &v));
        return json_object_get_string(v);
    }
    cr_assert_fail("no detail for %s: %s", field, json_object_to_json_string(o));
    return NULL;
}

/* Requests the simulator received for target (0 when it saw none). */
static int64_t sim_requests(const char *target) {
    json_object *r = dtest_sim(&t, "GET", "/_sim/requests", NULL), *targets, *one;
    int64_t n = 0;
    if (json_object_object_get_ex(r, "targets", &targets) && json_object_object_get_ex(targets, target, &one))
        n = dtest_jint(one, "requests");
    json_object_put(r);
    return n < 0 ? 0 : n;
}

Test(outbound_config, eploy_site_url_on_loopback_is_refused, .init = setup, .fini = teardown, .timeout = 120) {
    dtest_account(&t, "acc-e", "eploy", "test", NULL);
    t.extra_env[t.nextra++] = "ATSB_OUTBOUND_ALLOW=";
    const char *nowhere[] = {NOWHERE_ENV};
    for (size_t i = 0; i < sizeof nowhere / sizeof nowhere[0]; i++) t.extra_env[t.nextra++] = nowhere[i];
    dtest_start_delivery(&t);

    char site[256];
    json_object *o;
    snprintf(site, sizeof site, "http://127.0.0.1:%d/eploy/demo-eploy-site", sim_port());
    cr_assert_eq(eploy_connection(site, &o), 422, "%s", json_object_to_json_string(o));
    cr_assert_str_eq(refusal(o, "invalid_connection", "site_url"),
                     "the host resolves to a loopback address (127.0.0.1)");
    json_object_put(o);

    snprintf(site, sizeof site, "http://localhost:%d/eploy/demo-eploy-site", sim_port());
    cr_assert_eq(eploy_connection(site, &o), 422, "%s", json_object_to_json_string(o));
    const char *msg = refusal(o, "invalid_connection", "site_url");
    cr_assert(strstr(msg, "the host resolves to a loopback address ("), "%s", msg);
    json_object_put(o);

    snprintf(site, sizeof site, "https://127.0.0.1:%d/eploy/demo-eploy-site", sim_port());
    cr_assert_eq(eploy_connection(site, &o), 422, "https does not make loopback allowed");
    refusal(o, "invalid_connection", "site_url");
    json_object_put(o);

    cr_assert_eq(eploy_connection("https://169.254.169.254/latest", &o), 422);
    cr_assert_str_eq(refusal(o, "invalid_connection", "site_url"),
                     "the host resolves to a cloud metadata address (169.254.169.254)");
    json_object_put(o);

    cr_assert_eq(eploy_connection("http://192.0.2.1/eploy/site", &o), 422, "public needs https");
    cr_assert_str_eq(refusal(o, "invalid_connection", "site_url"), "the URL must use https");
    json_object_put(o);

    /* Nothing was sent and nothing stored. */
    cr_assert_eq(sim_requests("eploy.token"), 0, "no token request reached the simulator");
    char *n = dtest_query1(&t, "SELECT count(*) FROM delivery.connections", 0, NULL);
    cr_assert_str_eq(n, "0");
    free(n);

    /* The same connection with the test environment's list (127.0.0.0/8,::1) is accepted. */
    dtest_stop_delivery(&t, 0);
    t.nextra = 0;
    dtest_start_delivery(&t);
    snprintf(site, sizeof site, "http://localhost:%d/eploy/demo-eploy-site", sim_port());
    cr_assert_eq(eploy_connection(site, &o), 201, "%s", json_object_to_json_string(o));
    json_object_put(o);
    cr_assert_eq(sim_requests("eploy.token"), 1);
}

/* Starts atsb-delivery with extra environment and waits for it to exit (it must, within 20 s).
 * Returns the exit status; the log is in t.dir/name.log. */
static int delivery_exit_status(const char *name, char **env) {
    char log[300];
    snprintf(log, sizeof log, "%s/%s.log", t.dir, name);
    char *argv[] = {ATSB_BIN_DIR "/services/delivery/atsb-delivery", NULL};
    pid_t pid = harness_spawn(argv, env, log);
    int st = 0;
    for (int i = 0; i < 200; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        usleep(100 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    cr_assert_fail("atsb-delivery kept running (see %s)", log);
    return -1;
}

static void log_has(const char *name, const char *want) {
    char path[300];
    snprintf(path, sizeof path, "%s/%s.log", t.dir, name);
    char *text = harness_read_file(path);
    cr_assert(text && strstr(text, want), "%s: expected \"%s\" in: %s", path, want, text ? text : "(none)");
    free(text);
}

Test(outbound_config, refused_operator_urls_stop_delivery, .init = setup, .fini = teardown, .timeout = 120) {
    char lever[256], dsn[600];
    snprintf(lever, sizeof lever, "ATSB_LEVER_API_URL=%s/lever/v1", t.sim);
    snprintf(dsn, sizeof dsn, "ATSB_PG_DSN=%s", t.dsn);
    /* The simulator on loopback without an allow-list. */
    char *env1[] = {"ATSB_OUTBOUND_ALLOW=", dsn, lever, NULL};
    cr_assert_eq(delivery_exit_status("empty-list", env1), 2);
    log_has("empty-list", "bad value for ATSB_LEVER_API_URL: the host resolves to a loopback address (127.0.0.1)");
    /* A public provider over plain http. */
    char *env2[] = {dsn, lever, "ATSB_PROVIDER_URL=http://192.0.2.1/provider/v1", NULL};
    cr_assert_eq(delivery_exit_status("plain-http", env2), 2);
    log_has("plain-http", "bad value for ATSB_PROVIDER_URL: the URL must use https");
    /* A list that does not parse. */
    char *env3[] = {dsn, lever, "ATSB_OUTBOUND_ALLOW=127.0.0.0/8,localhost", NULL};
    cr_assert_eq(delivery_exit_status("bad-list", env3), 2);
    log_has("bad-list", "bad value for ATSB_OUTBOUND_ALLOW: 'localhost' is not an IPv4 or IPv6 address or CIDR");
}

Test(outbound_config, notification_url_on_loopback_is_refused, .timeout = 120) {
    status_proc s;
    char *env[] = {"ATSB_OUTBOUND_ALLOW=", NULL};
    st_start(&s, env);
    static const struct {
        const char *url;
        const char *msg; /* NULL: starts with "the host resolves to a loopback address (" */
    } refused[] = {
        {"http://127.0.0.1:9/hook", "the host resolves to a loopback address (127.0.0.1)"},
        {"http://localhost:9/hook", NULL},
        {"https://[::1]:9/hook", "the host resolves to a loopback address (::1)"},
        {"https://10.1.2.3/hook", "the host resolves to a private address (10.1.2.3)"},
        {"http://192.0.2.10/hook", "the URL must use https"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char body[256];
        json_object *o = NULL;
        snprintf(body, sizeof body, "{\"ats\":\"eploy\",\"notification_url\":\"%s\"}", refused[i].url);
        long st = st_http(&s, "PUT", "/v1/accounts/acc-n", body, ADMIN, &o);
        cr_assert_eq(st, 422, "%s: %ld %s", refused[i].url, st, json_object_to_json_string(o));
        const char *msg = refusal(o, "invalid_account", "notification_url");
        if (refused[i].msg) cr_assert_str_eq(msg, refused[i].msg, "%s", refused[i].url);
        else cr_assert(strstr(msg, "the host resolves to a loopback address ("), "%s: %s", refused[i].url, msg);
        json_object_put(o);
    }
    cr_assert_eq(st_sql_num(&s, "SELECT count(*) FROM status.accounts WHERE account_id = $1", "acc-n"), 0);
    /* https to a public host is fine (status only stores it). */
    json_object *o = NULL;
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acc-n", "{\"ats\":\"eploy\",\"notification_url\":\"https://192.0.2.10/hook\"}",
                         ADMIN, &o),
                 201, "%s", json_object_to_json_string(o));
    json_object_put(o);
    st_stop(&s);
}

Test(outbound_config, notification_url_on_an_allow_listed_host_is_accepted, .timeout = 120) {
    status_proc s;
    st_start(&s, NULL); /* the test environment's ATSB_OUTBOUND_ALLOW=127.0.0.0/8,::1 */
    json_object *o = NULL;
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acc-n", "{\"ats\":\"eploy\",\"notification_url\":\"http://localhost:9/hook\"}",
                         ADMIN, &o),
                 201, "%s", json_object_to_json_string(o));
    json_object_put(o);
    o = NULL;
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/acc-n", "{\"notification_url\":\"http://10.0.0.1/hook\"}", ADMIN, &o),
                 422, "%s", json_object_to_json_string(o));
    json_object_put(o);
    st_stop(&s);
}
