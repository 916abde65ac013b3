/* The console against the whole stack (tests/e2e/stack.c, seeded like the
 * end-to-end tests) plus atsb-console, through HTTP as a browser would send
 * it: no session -> 303 to /sign-in; a wrong token refused; a form without
 * its CSRF token (or from another origin) 403; an invalid account value
 * shown beside its field with the API's own error; Link Account through the
 * simulator's consent back to the Connections page (accepted and denied);
 * Go Live; applications by board, an account's background checks, an
 * export task's candidates; the sign-in limit. */
#include "harness.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

typedef struct {
    long status;
    char *body;
    size_t len;
    char location[1024];
    char cookie[512];  /* the atsb_session value a Set-Cookie gave, "" if none */
    int cleared;       /* a Set-Cookie cleared it */
    char final_url[1024];
    char retry_after[32]; /* the Retry-After header, "" if none */
} answer;

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    answer *a = ud;
    char *nb = realloc(a->body, a->len + size * n + 1);
    if (!nb) return 0;
    a->body = nb;
    memcpy(a->body + a->len, p, size * n);
    a->len += size * n;
    a->body[a->len] = '\0';
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
    answer *a = ud;
    size_t len = size * n;
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line - 1 ? len : sizeof line - 1), p);
    line[strcspn(line, "\r\n")] = '\0';
    if (!strncasecmp(line, "Location: ", 10)) snprintf(a->location, sizeof a->location, "%s", line + 10);
    if (!strncasecmp(line, "Retry-After: ", 13)) snprintf(a->retry_after, sizeof a->retry_after, "%.31s", line + 13);
    if (!strncasecmp(line, "Set-Cookie: atsb_session=", 25)) {
        const char *v = line + 25;
        size_t vl = strcspn(v, ";");
        if (vl == 0) a->cleared = 1;
        snprintf(a->cookie, sizeof a->cookie, "%.*s", (int)vl, v);
    }
    return len;
}

static char console_url[64], console_origin[64];

/* One request to url; origin NULL sends none; follow: follow redirects. */
static answer call(const char *method, const char *url, const char *cookie, const char *origin, const char *body,
                   int follow) {
    answer a = {0};
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    char buf[700];
    if (origin) {
        snprintf(buf, sizeof buf, "Origin: %s", origin);
        hd = curl_slist_append(hd, buf);
    }
    if (body) hd = curl_slist_append(hd, "Content-Type: application/x-www-form-urlencoded");
    if (cookie) {
        snprintf(buf, sizeof buf, "atsb_session=%s", cookie);
        curl_easy_setopt(h, CURLOPT_COOKIE, buf);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    if (follow) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        /* A 303 after a POST becomes a GET, as in a browser. */
        curl_easy_setopt(h, CURLOPT_POSTREDIR, 0L);
    }
    CURLcode rc = curl_easy_perform(h);
    cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
    char *eff = NULL;
    curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
    snprintf(a.final_url, sizeof a.final_url, "%s", eff ? eff : "");
    if (!a.body) a.body = strdup("");
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return a;
}

static void done(answer *a) { free(a->body); }

static char *url_of(const char *path) {
    static char u[4][700];
    static int i;
    i = (i + 1) % 4;
    snprintf(u[i], sizeof u[i], "%s%s", console_url, path);
    return u[i];
}

/* The value of the first hidden csrf input of a page. */
static void csrf_of(const char *html, char *out, size_t len) {
    const char *p = strstr(html, "name=\"csrf\" value=\"");
    cr_assert(p, "no csrf field in the page");
    p += strlen("name=\"csrf\" value=\"");
    size_t n = strcspn(p, "\"");
    cr_assert_lt(n, len);
    snprintf(out, len, "%.*s", (int)n, p);
}

static stack s;

static void start(void) {
    int port = harness_free_port();
    snprintf(console_url, sizeof console_url, "http://127.0.0.1:%d", port);
    snprintf(console_origin, sizeof console_origin, "http://127.0.0.1:%d", port);
    static char origins[128];
    snprintf(origins, sizeof origins, "ATSB_DELIVERY_RETURN_ORIGINS=%s", console_origin);
    char *extra[] = {origins, NULL};
    stack_start(&s, extra);
    stack_seed(&s);
    stack_console_start(&s, port, console_url);
}

static void stop(void) { stack_stop(&s); }

/* Signs in with the bootstrap admin token; the cookie value into out. */
static void sign_in(char *out, size_t len) {
    answer a = call("POST", url_of("/sign-in"), NULL, console_origin, "token=dev-admin-token", 0);
    cr_assert_eq(a.status, 303, "sign-in: %ld %s", a.status, a.body);
    cr_assert_str_eq(a.location, "/accounts");
    cr_assert(*a.cookie, "no session cookie");
    snprintf(out, len, "%s", a.cookie);
    done(&a);
}

Test(console, sessions_csrf_field_errors_link_and_go_live, .init = start, .fini = stop, .timeout = 240) {
    /* Without a session: 303 to /sign-in, for pages and forms alike. */
    answer a = call("GET", url_of("/accounts"), NULL, NULL, NULL, 0);
    cr_assert_eq(a.status, 303);
    cr_assert_str_eq(a.location, "/sign-in");
    done(&a);
    a = call("GET", url_of("/accounts"), "forged-cookie-value", NULL, NULL, 0);
    cr_assert_eq(a.status, 303, "a forged cookie is no session");
    cr_assert(a.cleared);
    done(&a);
    a = call("GET", url_of("/sign-in"), NULL, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, "<label for=\"token\">"));
    done(&a);

    /* A wrong token is refused, and no cookie is set. */
    a = call("POST", url_of("/sign-in"), NULL, console_origin, "token=not-the-admin-token", 0);
    cr_assert_eq(a.status, 401, "%ld", a.status);
    cr_assert_str_empty(a.cookie);
    cr_assert(strstr(a.body, "not accepted"));
    done(&a);
    /* Sign-in from another origin is refused (login CSRF). */
    a = call("POST", url_of("/sign-in"), NULL, "http://evil.example", "token=dev-admin-token", 0);
    cr_assert_eq(a.status, 403);
    cr_assert_str_empty(a.cookie);
    done(&a);

    char cookie[512], csrf[64];
    sign_in(cookie, sizeof cookie);
    a = call("GET", url_of("/accounts"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, "demo-lever"));
    cr_assert(strstr(a.body, "<html lang=\"en\">"));
    done(&a);

    /* POST without the CSRF token, with another session's, from another origin: 403. */
    a = call("POST", url_of("/accounts/demo-lever"), cookie, console_origin, "daily_api_budget=5", 0);
    cr_assert_eq(a.status, 403, "%ld", a.status);
    cr_assert(strstr(a.body, "CSRF"));
    done(&a);
    char other[512], other_csrf[64];
    sign_in(other, sizeof other);
    a = call("GET", url_of("/accounts/demo-lever"), other, NULL, NULL, 0);
    csrf_of(a.body, other_csrf, sizeof other_csrf);
    done(&a);
    a = call("GET", url_of("/accounts/demo-lever"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    csrf_of(a.body, csrf, sizeof csrf);
    done(&a);
    char body[512];
    snprintf(body, sizeof body, "csrf=%s&daily_api_budget=5", other_csrf);
    a = call("POST", url_of("/accounts/demo-lever"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 403, "another session's CSRF token");
    done(&a);
    snprintf(body, sizeof body, "csrf=%s&daily_api_budget=5", csrf);
    a = call("POST", url_of("/accounts/demo-lever"), cookie, "http://evil.example", body, 0);
    cr_assert_eq(a.status, 403, "another origin");
    done(&a);

    /* A wrong value: the API's field error beside the field, the form kept. */
    snprintf(body, sizeof body, "csrf=%s&run_mode=test&daily_api_budget=lots&feed_interval_s=0", csrf);
    a = call("POST", url_of("/accounts/demo-lever"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 422, "%ld: %s", a.status, a.body);
    const char *field = strstr(a.body, "id=\"f-daily-api-budget\"");
    cr_assert(field, "no budget field: %s", a.body);
    cr_assert(strstr(field, "aria-invalid=\"true\""));
    const char *err = strstr(a.body, "id=\"f-daily-api-budget-error\"");
    cr_assert(err && err > field, "no error beside the field");
    cr_assert(strstr(err, "must be an integer"), "not the API's message");
    cr_assert(strstr(field, "value=\"lots\""), "the typed value is kept");
    done(&a);
    /* A valid save: 303 back to the account with a notice. */
    snprintf(body, sizeof body, "csrf=%s&run_mode=test&daily_api_budget=500&feed_interval_s=0&company_name="
             "Demo+Logistik+GmbH&privacy_policy_url=https%%3A%%2F%%2Fdemo-lever.example%%2Fprivacy&"
             "grants.boards=stepstone_de&grants.source_tools=provenbase&features=background_checks&features=exports&"
             "provider_client_id=demo-asurint-client&lever_perform_as=user-atsbridge&lever_environment=production",
             csrf);
    a = call("POST", url_of("/accounts/demo-lever"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 303, "%ld: %s", a.status, a.body);
    cr_assert_str_eq(a.location, "/accounts/demo-lever?notice=saved");
    done(&a);
    json_object *acct = stack_ok(&s, STACK_STATUS, "GET", "/v1/accounts/demo-lever", NULL, STACK_ADMIN);
    cr_assert_eq(ji(acct, "daily_api_budget"), 500);
    json_object_put(acct);

    /* Link Account: the consent page (auto-approved by the seed), the
     * callback, back on the Connections page with the connection connected. */
    snprintf(body, sizeof body, "csrf=%s", csrf);
    a = call("POST", url_of("/accounts/demo-lever/connections/lever"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 303, "%ld: %s", a.status, a.body);
    char link[1100];
    snprintf(link, sizeof link, "%s", a.location);
    cr_assert(!strncmp(link, s.url[STACK_SIM], strlen(s.url[STACK_SIM])), "not the simulator's consent: %s", link);
    cr_assert_null(strstr(link, "dev-admin-token"), "a token in a URL");
    done(&a);
    a = call("GET", link, cookie, NULL, NULL, 1);
    char want[256];
    snprintf(want, sizeof want, "%s/accounts/demo-lever/connections?notice=linked", console_url);
    cr_assert_str_eq(a.final_url, want, "landed elsewhere (logs in %s)", s.dir);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, "The Lever account was linked."));
    cr_assert(strstr(a.body, "health-connected\">connected<"), "%s", a.body);
    done(&a);
    /* Denied on the consent page: back with the code. */
    a = call("POST", url_of("/accounts/demo-lever/connections/lever"), cookie, console_origin, body, 0);
    snprintf(link, sizeof link, "%s&sim_decision=deny", a.location);
    done(&a);
    a = call("GET", link, cookie, NULL, NULL, 1);
    snprintf(want, sizeof want, "%s/accounts/demo-lever/connections?link_error=access_denied", console_url);
    cr_assert_str_eq(a.final_url, want);
    cr_assert(strstr(a.body, "was not linked"));
    done(&a);

    /* delivery sends browsers back only to an allowed origin. */
    json_object *o = NULL;
    long st = stack_http(&s, STACK_DELIVERY, "POST", "/v1/accounts/demo-lever/connections/lever",
                         "{\"return_to\":\"http://evil.example/accounts\"}", STACK_ADMIN, &o);
    cr_assert_eq(st, 422, "return_to on another origin: %ld", st);
    cr_assert_str_eq(js(o, "error.details.0.field"), "return_to");
    json_object_put(o);

    /* Eploy credentials refused: the API's message on the page, nothing stored. */
    snprintf(body, sizeof body, "csrf=%s&name=Second&site_url=%s%%2Feploy%%2Fdemo-eploy-site&client_id=demo-eploy-client"
             "&client_secret=wrong-secret", csrf, s.url[STACK_SIM]);
    a = call("POST", url_of("/accounts/demo-eploy/connections/eploy"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 422, "%ld: %s", a.status, a.body);
    cr_assert(strstr(a.body, "role=\"alert\""));
    cr_assert_null(strstr(a.body, "wrong-secret"), "the secret echoed");
    done(&a);

    /* Go Live: test -> live, then no button any more. */
    snprintf(body, sizeof body, "csrf=%s", csrf);
    a = call("POST", url_of("/accounts/demo-lever/go-live"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 303, "%ld: %s", a.status, a.body);
    cr_assert_str_eq(a.location, "/accounts/demo-lever?notice=live");
    done(&a);
    acct = stack_ok(&s, STACK_STATUS, "GET", "/v1/accounts/demo-lever", NULL, STACK_ADMIN);
    cr_assert_str_eq(js(acct, "run_mode"), "live");
    json_object_put(acct);

    /* Applications by board: status filters, the page shows what it answers. */
    char app_id[96];
    char appl[4096];
    stack_lever_app_json(appl, sizeof appl, "CONSOLE-BOARD-1", "board.filter@example.org", "demo-lever-posting");
    cr_assert_eq(stack_apply(&s, appl, app_id, sizeof app_id), 202);
    char app_path[160];
    snprintf(app_path, sizeof app_path, "/v1/applications/%s", app_id);
    for (int i = 0; i < 300 && stack_http(&s, STACK_STATUS, "GET", app_path, NULL, STACK_ADMIN, NULL) != 200; i++)
        usleep(100 * 1000);
    a = call("GET", url_of("/applications?board=stepstone_de"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, app_id), "the board's application is listed: %s", a.body);
    done(&a);
    a = call("GET", url_of("/applications?board=totaljobs"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert_null(strstr(a.body, app_id), "another board's application is listed");
    cr_assert(strstr(a.body, "<p>None.</p>"));
    cr_assert(strstr(a.body, "value=\"totaljobs\""), "the filter is kept in the form");
    done(&a);
    a = call("GET", url_of("/applications?board=not%20a%20board"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, "role=\"alert\""));
    cr_assert(strstr(a.body, "<code>board</code>: board must be"), "status's per-parameter message: %s", a.body);
    done(&a);

    /* Background checks of an account, no opportunity needed: a recruiter
     * moves an opportunity into the check stage; status lists the check by
     * account with its status. */
    char opp[96];
    stack_sim_opportunity(&s, "console.check@example.org", "demo-lever-posting", opp, sizeof opp);
    char stage_path[256];
    snprintf(stage_path, sizeof stage_path, "/_sim/lever/opportunities/%s/stage", opp);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", stage_path, "{\"stage\":\"Asurint Background Check\"}", NULL));
    json_object *checks = NULL;
    for (int i = 0; i < 300; i++) {
        json_object_put(checks);
        checks = NULL;
        stack_http(&s, STACK_STATUS, "GET", "/v1/background-checks?account=demo-lever", NULL, STACK_ADMIN, &checks);
        if (jo(checks, "background_checks") && json_object_array_length(jo(checks, "background_checks")) > 0) break;
        usleep(100 * 1000);
    }
    char check_id[128];
    snprintf(check_id, sizeof check_id, "%s", js(checks, "background_checks.0.check_id"));
    json_object_put(checks);
    cr_assert(*check_id, "no check for %s (logs in %s)", opp, s.dir);
    a = call("GET", url_of("/background-checks?account=demo-lever"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, check_id), "the account's check is listed: %s", a.body);
    cr_assert(strstr(a.body, opp));
    cr_assert(strstr(a.body, "<th scope=\"col\">Status</th>") && strstr(a.body, "<th scope=\"col\">Score</th>"));
    done(&a);
    a = call("GET", url_of("/background-checks?account=demo-eploy"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert_null(strstr(a.body, check_id), "another account lists the check");
    done(&a);
    a = call("GET", url_of("/background-checks?account=demo-lever&status=cancelled"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert_null(strstr(a.body, check_id), "narrowed by status");
    done(&a);
    a = call("GET", url_of("/background-checks?account=demo-lever&status=nonsense"), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, "<code>status</code>: status must be one of"), "%s", a.body);
    done(&a);

    /* An export task's candidates with their states on its page. */
    json_object *ex = stack_ok(&s, STACK_INGEST, "POST", "/v1/exports",
                               "{\"name\":\"Console task\",\"account_id\":\"demo-lever\",\"candidates\":[{\"id\":\"cc1\","
                               "\"first_name\":\"Bo\",\"last_name\":\"K\",\"email\":\"bo.console@example.org\"}]}",
                               "Authorization: Bearer " STACK_TOOL_KEY);
    char task[128], task_path[256];
    snprintf(task, sizeof task, "%s", js(ex, "export_task_id"));
    json_object_put(ex);
    snprintf(task_path, sizeof task_path, "/v1/exports/%s/applications", task);
    json_object *xa = NULL;
    for (int i = 0; i < 300; i++) {
        json_object_put(xa);
        xa = NULL;
        stack_http(&s, STACK_STATUS, "GET", task_path, NULL, STACK_ADMIN, &xa);
        if (jo(xa, "applications") && json_object_array_length(jo(xa, "applications")) > 0) break;
        usleep(100 * 1000);
    }
    char xapp[128];
    snprintf(xapp, sizeof xapp, "%s", js(xa, "applications.0.application_id"));
    json_object_put(xa);
    cr_assert(*xapp, "the task's application never reached status (logs in %s)", s.dir);
    snprintf(task_path, sizeof task_path, "/exports/%s", task);
    a = call("GET", url_of(task_path), cookie, NULL, NULL, 0);
    cr_assert_eq(a.status, 200);
    cr_assert(strstr(a.body, "<h2>Candidates</h2>"));
    cr_assert(strstr(a.body, xapp), "the candidate's application is listed: %s", a.body);
    cr_assert_null(strstr(a.body, "bo.console@example.org"), "personal data on the page");
    done(&a);

    /* The other pages answer for a signed-in operator. */
    static const char *const pages[] = {"/applications", "/deadletters", "/exports", "/background-checks",
                                        "/background-checks?opportunity=none", "/background-checks?account=demo-lever",
                                        "/accounts/new",
                                        "/applications?state=delivered&since=2026-01-01T00:00"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        a = call("GET", url_of(pages[i]), cookie, NULL, NULL, 0);
        cr_expect_eq(a.status, 200, "%s: %ld %s", pages[i], a.status, a.body);
        done(&a);
    }

    /* Sign-in attempts are limited per address: past the burst, 429 with
     * Retry-After and a page saying so, the right token included, and no
     * cookie. */
    long last = 0;
    int tries = 0;
    for (; tries < 40 && last != 429; tries++) {
        a = call("POST", url_of("/sign-in"), NULL, console_origin, "token=a-guessed-operator-token", 0);
        last = a.status;
        if (last == 429) {
            cr_expect_gt(atoi(a.retry_after), 0, "Retry-After: '%s'", a.retry_after);
            cr_expect(strstr(a.body, "Too many sign-in attempts"), "%s", a.body);
            cr_expect(strstr(a.body, "<label for=\"token\">"), "the sign-in form is still there");
        } else {
            cr_expect_eq(last, 401, "%ld", last);
        }
        cr_expect_str_empty(a.cookie);
        done(&a);
    }
    cr_assert_eq(last, 429, "no limit after %d attempts", tries);
    cr_expect_leq(tries, 11, "the default burst is 10");
    a = call("POST", url_of("/sign-in"), NULL, console_origin, "token=dev-admin-token", 0);
    cr_expect_eq(a.status, 429, "limited whatever the token");
    cr_expect_str_empty(a.cookie);
    done(&a);
    /* A signed-in operator's pages are not limited. */
    a = call("GET", url_of("/accounts"), cookie, NULL, NULL, 0);
    cr_expect_eq(a.status, 200);
    done(&a);

    /* Sign out: the cookie is cleared. */
    a = call("POST", url_of("/sign-out"), cookie, console_origin, body, 0);
    cr_assert_eq(a.status, 303);
    cr_assert(a.cleared);
    done(&a);
}
