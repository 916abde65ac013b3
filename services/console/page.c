/* What every console page shares: the session (cookie, CSRF), the layout,
 * the security headers, error pages, and sign-in / sign-out. */
#include "console.h"

#include "config.h"
#include "log.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void console_security_headers(http_response *resp, int no_store) {
    http_set_header(resp, "Content-Security-Policy",
                    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    http_set_header(resp, "X-Frame-Options", "DENY");
    /* same-origin rather than no-referrer: with no-referrer browsers send
     * "Origin: null" on the console's own form posts, which the same-origin
     * check must then refuse; same-origin sends nothing to other sites. */
    http_set_header(resp, "Referrer-Policy", "same-origin");
    http_set_header(resp, "X-Content-Type-Options", "nosniff");
    if (no_store) http_set_header(resp, "Cache-Control", "no-store");
}

static void set_body(http_response *resp, int status, html_buf *b) {
    size_t len = 0;
    char *html = html_take(b, &len);
    if (!html) {
        static const char oops[] = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error"
                                   "</title></head><body><main><h1>The page is too large</h1></main></body></html>";
        html = strdup(oops);
        len = html ? strlen(html) : 0;
        status = 500;
    }
    free(resp->body);
    resp->body = html;
    resp->body_len = len;
    resp->status = status;
    resp->content_type = "text/html; charset=utf-8";
}

void page_redirect(http_response *resp, const char *location) {
    console_security_headers(resp, 1);
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    resp->status = 303;
    resp->content_type = "text/plain; charset=utf-8";
    http_set_header(resp, "Location", location);
}

/* The cookie header value setting (or, value NULL, clearing) the session. */
static void set_cookie(const console_app *a, http_response *resp, const char *value) {
    char c[512];
    if (value)
        snprintf(c, sizeof c, CONSOLE_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", value,
                 (long long)a->session_ttl_s, a->cookie_secure ? "; Secure" : "");
    else
        snprintf(c, sizeof c, CONSOLE_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                 a->cookie_secure ? "; Secure" : "");
    http_set_header(resp, "Set-Cookie", c);
}

static void to_sign_in(const console_app *a, http_response *resp, int clear) {
    if (clear) set_cookie(a, resp, NULL);
    page_redirect(resp, "/sign-in");
}

int page_begin(page *p, const console_app *a, const http_request *req, http_response *resp) {
    memset(p, 0, sizeof *p);
    p->app = a;
    p->req = req;
    p->resp = resp;
    const char *h = http_header(req, "Cookie");
    if (!h || session_cookie_get(h, CONSOLE_COOKIE, p->cookie, sizeof p->cookie)) {
        to_sign_in(a, resp, 0);
        return -1;
    }
    session_result r =
        session_open(&a->keys, p->cookie, (int64_t)time(NULL), a->session_ttl_s, p->token, sizeof p->token, NULL);
    if (r != SESSION_OK) {
        to_sign_in(a, resp, 1);
        return -1;
    }
    session_csrf(&a->keys, p->cookie, p->csrf);
    return 0;
}

/* The refusal of a form: 403 with a page saying what to do. */
static void forbidden(const console_app *a, http_response *resp, const char *why) {
    (void)a;
    html_buf b = {0};
    html_raw(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<title>Form refused - atsbridge console</title><link rel=\"stylesheet\" href=\"/static/console.css\">"
                 "</head><body><main><h1>Form refused</h1><p>");
    html_text(&b, why);
    html_raw(&b, "</p><p>Go back, reload the page and submit the form again, or <a href=\"/sign-in\">sign in</a> "
                 "again.</p></main></body></html>");
    console_security_headers(resp, 1);
    set_body(resp, 403, &b);
    metrics_counter_add("atsb_console_forms_refused_total", NULL, 1);
}

/* 1 when the request says it comes from a page of this console: Origin
 * equals ours, or (no Origin) Referer starts with our origin and a '/'. */
static int same_origin(const console_app *a, const http_request *req) {
    const char *o = http_header(req, "Origin");
    if (o) return !strcmp(o, a->origin);
    const char *r = http_header(req, "Referer");
    size_t n = strlen(a->origin);
    return r && !strncmp(r, a->origin, n) && r[n] == '/';
}

static int form_of(const console_app *a, const http_request *req, http_response *resp, form *f) {
    form_result fr = form_parse(req->body ? req->body : "", req->body_len, f);
    if (fr == FORM_OK) return 0;
    (void)a;
    html_buf b = {0};
    html_raw(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bad form - atsbridge console"
                 "</title><link rel=\"stylesheet\" href=\"/static/console.css\"></head><body><main>"
                 "<h1>The form could not be read</h1><p>It was too large or not valid text.</p></main></body></html>");
    console_security_headers(resp, 1);
    set_body(resp, fr == FORM_TOO_LARGE || fr == FORM_TOO_MANY ? 413 : 400, &b);
    return -1;
}

int page_begin_post(page *p, const console_app *a, const http_request *req, http_response *resp) {
    if (!same_origin(a, req)) {
        memset(p, 0, sizeof *p);
        forbidden(a, resp, "The form did not come from a page of this console.");
        return -1;
    }
    if (page_begin(p, a, req, resp)) return -1;
    if (form_of(a, req, resp, &p->form)) return -1;
    if (!session_csrf_ok(&a->keys, p->cookie, form_get(&p->form, "csrf"))) {
        form_free(&p->form);
        forbidden(a, resp, "The form came without its security token (CSRF), or with the token of another session.");
        return -1;
    }
    return 0;
}

void page_end(page *p) {
    form_free(&p->form);
    explicit_bzero(p->token, sizeof p->token);
    explicit_bzero(p->cookie, sizeof p->cookie);
}

static void head_common(html_buf *b, const char *title) {
    html_raw(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    html_text(b, title);
    html_raw(b, " - atsbridge console</title><link rel=\"stylesheet\" href=\"/static/console.css\"></head><body>");
}

void page_csrf_input(html_buf *b, const page *p) {
    html_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    html_text(b, p->csrf);
    html_raw(b, "\">");
}

void page_head(html_buf *b, const page *p, const char *title) {
    head_common(b, title);
    html_raw(b, "<header><nav aria-label=\"Main\"><a class=\"brand\" href=\"/accounts\">atsbridge console</a><ul>"
                "<li><a href=\"/accounts\">Accounts</a></li><li><a href=\"/applications\">Applications</a></li>"
                "<li><a href=\"/deadletters\">Dead letters</a></li><li><a href=\"/exports\">Export tasks</a></li>"
                "<li><a href=\"/background-checks\">Background checks</a></li></ul>"
                "<form method=\"post\" action=\"/sign-out\" class=\"inline\">");
    page_csrf_input(b, p);
    html_raw(b, "<button type=\"submit\">Sign out</button></form></nav></header><main><h1>");
    html_text(b, title);
    html_raw(b, "</h1>");
}

void page_foot(html_buf *b) { html_raw(b, "</main></body></html>"); }

void page_send(page *p, int status, html_buf *b) {
    console_security_headers(p->resp, 1);
    set_body(p->resp, status, b);
}

void page_api_error(page *p, const char *title, const api_answer *a) {
    if (a->status == 401) {
        to_sign_in(p->app, p->resp, 1);
        return;
    }
    html_buf b = {0};
    page_head(&b, p, title);
    html_raw(&b, "<p class=\"error\" role=\"alert\">");
    if (a->status == 0) {
        html_raw(&b, "The service did not answer; try again in a moment.");
    } else {
        const char *m = api_error_message(a);
        html_text(&b, *m ? m : "The request failed.");
        const char *c = api_error_code(a);
        if (*c) {
            html_raw(&b, " <code>");
            html_text(&b, c);
            html_raw(&b, "</code>");
        }
    }
    html_raw(&b, "</p>");
    page_foot(&b);
    page_send(p, a->status == 0 ? 503 : a->status >= 400 && a->status < 600 ? (int)a->status : 502, &b);
}

void page_notice(html_buf *b, const page *p) {
    static const struct {
        const char *code, *text;
    } notices[] = {
        {"saved", "Saved."},
        {"created", "Account created."},
        {"live", "The account is live."},
        {"revoked", "The connection was revoked."},
        {"eploy", "The Eploy connection was saved."},
        {"linked", "The Lever account was linked."},
    };
    const char *n = http_query(p->req, "notice");
    for (size_t i = 0; n && i < sizeof notices / sizeof notices[0]; i++)
        if (!strcmp(n, notices[i].code)) {
            html_raw(b, "<p class=\"notice\" role=\"status\">");
            html_text(b, notices[i].text);
            html_raw(b, "</p>");
        }
    const char *err = http_query(p->req, "link_error");
    if (err) {
        html_raw(b, "<p class=\"error\" role=\"alert\">The Lever connection was not linked: <code>");
        html_text(b, err);
        html_raw(b, "</code>.</p>");
    }
}

void page_value(html_buf *b, json_object *o, const char *key) {
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return;
    if (json_object_is_type(v, json_type_string))
        html_text(b, json_object_get_string(v));
    else
        html_text(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

void page_details_items(html_buf *b, json_object *details, size_t max) {
    size_t n = details && json_object_is_type(details, json_type_array) ? json_object_array_length(details) : 0;
    for (size_t i = 0; i < n && i < max; i++) {
        json_object *d = json_object_array_get_idx(details, i);
        html_raw(b, "<li><code>");
        page_value(b, d, "field");
        html_raw(b, "</code>: ");
        page_value(b, d, "message");
        html_raw(b, "</li>");
    }
}

void page_table(html_buf *b, json_object *arr, const char *caption, const char *const *keys,
                const char *const *headers, size_t ncols, const char *link_key, const char *link_prefix) {
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (!n) {
        html_raw(b, "<p>None.</p>");
        return;
    }
    html_raw(b, "<div class=\"scroll\"><table><caption>");
    html_text(b, caption);
    html_raw(b, "</caption><thead><tr>");
    for (size_t c = 0; c < ncols; c++) {
        html_raw(b, "<th scope=\"col\">");
        html_text(b, headers[c]);
        html_raw(b, "</th>");
    }
    html_raw(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        json_object *row = json_object_array_get_idx(arr, i);
        html_raw(b, "<tr>");
        for (size_t c = 0; c < ncols; c++) {
            json_object *v = NULL;
            int link = link_key && !strcmp(keys[c], link_key) && json_object_object_get_ex(row, keys[c], &v) &&
                       json_object_is_type(v, json_type_string);
            html_raw(b, c == 0 ? "<th scope=\"row\">" : "<td>");
            if (link) {
                html_raw(b, "<a href=\"");
                html_text(b, link_prefix);
                html_url(b, json_object_get_string(v));
                html_raw(b, "\">");
            }
            page_value(b, row, keys[c]);
            if (link) html_raw(b, "</a>");
            html_raw(b, c == 0 ? "</th>" : "</td>");
        }
        html_raw(b, "</tr>");
    }
    html_raw(b, "</tbody></table></div>");
}

int page_query_add(char *q, size_t len, const char *name, const char *value) {
    static const char hex[] = "0123456789ABCDEF";
    if (!value || !*value) return 0;
    size_t pos = strlen(q);
    int n = snprintf(q + pos, len - pos, "%c%s=", strchr(q, '?') ? '&' : '?', name);
    if (n < 0 || (size_t)n >= len - pos) return -1;
    pos += (size_t)n;
    for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
        int plain = (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
                    *s == '.' || *s == '_' || *s == '~';
        if (pos + (plain ? 1 : 3) >= len) return -1;
        if (plain) {
            q[pos++] = (char)*s;
        } else {
            q[pos++] = '%';
            q[pos++] = hex[*s >> 4];
            q[pos++] = hex[*s & 15];
        }
    }
    q[pos] = '\0';
    return 0;
}

/* ---- routes that need no session ---- */

void console_root(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    page_redirect(resp, "/accounts");
}

static void sign_in_page(http_response *resp, int status, const char *error) {
    html_buf b = {0};
    head_common(&b, "Sign in");
    html_raw(&b, "<main class=\"narrow\"><h1>Sign in to the atsbridge console</h1>");
    if (error) {
        html_raw(&b, "<p class=\"error\" role=\"alert\" id=\"sign-in-error\">");
        html_text(&b, error);
        html_raw(&b, "</p>");
    }
    html_raw(&b, "<form method=\"post\" action=\"/sign-in\"><p><label for=\"token\">Operator token</label>"
                 "<input type=\"password\" id=\"token\" name=\"token\" required autocomplete=\"current-password\""
                 " maxlength=\"200\"");
    if (error) html_raw(&b, " aria-describedby=\"sign-in-error\"");
    html_raw(&b, "></p><p class=\"hint\">Your named operator token, or the bootstrap admin token.</p>"
                 "<p><button type=\"submit\">Sign in</button></p></form></main></body></html>");
    console_security_headers(resp, 1);
    set_body(resp, status, &b);
}

void console_sign_in_form(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    sign_in_page(resp, 200, NULL);
}

static void sign_in_count(const char *result) {
    char labels[48];
    snprintf(labels, sizeof labels, "result=\"%s\"", result);
    metrics_counter_add("atsb_console_sign_ins_total", labels, 1);
}

/* 429 with Retry-After (whole seconds, rounded up) and a page saying when
 * to try again. */
static void sign_in_limited(http_response *resp, int64_t wait_ms) {
    long long s = (long long)((wait_ms + 999) / 1000);
    if (s < 1) s = 1;
    char secs[24], msg[160];
    snprintf(secs, sizeof secs, "%lld", s);
    snprintf(msg, sizeof msg,
             "Too many sign-in attempts from your address. Wait %lld second%s, then sign in again.", s,
             s == 1 ? "" : "s");
    sign_in_page(resp, 429, msg);
    http_set_header(resp, "Retry-After", secs);
}

/* 0 when the client's address may try a token now; else answers 429. A
 * request whose address the server does not know shares one bucket. */
static int sign_in_allowed(const console_app *a, const http_request *req, http_response *resp) {
    if (!a->signin) return 0;
    unsigned char addr[16];
    http_peer_addr(req, addr);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
    int64_t wait = signin_limit_take(a->signin, addr, now_ms);
    if (wait == 0) return 0;
    sign_in_count("limited");
    sign_in_limited(resp, wait);
    return -1;
}

void console_sign_in(const http_request *req, http_response *resp, void *ctx) {
    const console_app *a = ctx;
    /* Every attempt counts, whatever it carries, before anything is asked
     * of status: guessing is bounded per address, and status is spared. */
    if (sign_in_allowed(a, req, resp)) return;
    /* No session yet, so no CSRF token: the same-origin check keeps other
     * sites from signing a browser in (login CSRF). */
    if (!same_origin(a, req)) {
        forbidden(a, resp, "The form did not come from a page of this console.");
        return;
    }
    form f;
    if (form_of(a, req, resp, &f)) return;
    const char *token = form_get(&f, "token");
    if (!session_token_ok(token)) {
        sign_in_count("refused");
        sign_in_page(resp, 401, "That token is not accepted.");
        goto out;
    }
    /* One call to status decides: the token works on its admin API or not. */
    api_answer r;
    api_call(a, API_STATUS, "GET", "/v1/accounts?limit=1", token, NULL, &r);
    long st = r.status;
    api_answer_free(&r);
    if (st == 401 || st == 403) {
        sign_in_count("refused");
        log_info("console sign-in refused");
        sign_in_page(resp, 401, "That token is not accepted.");
        goto out;
    }
    if (st != 200) {
        sign_in_count("unavailable");
        sign_in_page(resp, 503, "status did not answer; try again in a moment.");
        goto out;
    }
    char cookie[SESSION_COOKIE_MAX];
    if (session_seal(&a->keys, token, (int64_t)time(NULL) + a->session_ttl_s, cookie, sizeof cookie)) {
        sign_in_page(resp, 500, "The session could not be created.");
        goto out;
    }
    set_cookie(a, resp, cookie);
    explicit_bzero(cookie, sizeof cookie);
    page_redirect(resp, "/accounts");
    sign_in_count("ok");
    log_info("console sign-in");
out:
    form_free(&f);
}

void console_sign_out(const http_request *req, http_response *resp, void *ctx) {
    const console_app *a = ctx;
    page p;
    if (page_begin_post(&p, a, req, resp)) return;
    page_end(&p);
    to_sign_in(a, resp, 1);
}
