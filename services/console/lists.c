/* The read-mostly pages: applications and their timeline, dead letters with
 * re-drive, export tasks, background checks. */
#include "console.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A text input of a GET filter form, its value the current query's. */
static void filter_input(html_buf *b, const page *p, const char *name, const char *label, const char *hint) {
    html_raw(b, "<div class=\"field\"><label for=\"q-");
    html_raw(b, name);
    html_raw(b, "\">");
    html_text(b, label);
    html_raw(b, "</label><input id=\"q-");
    html_raw(b, name);
    html_raw(b, "\" name=\"");
    html_raw(b, name);
    html_raw(b, "\" value=\"");
    html_text(b, http_query(p->req, name));
    html_raw(b, "\"");
    if (hint) {
        html_raw(b, " placeholder=\"");
        html_text(b, hint);
        html_raw(b, "\"");
    }
    html_raw(b, "></div>");
}

/* "Next page" keeping the filters of names. */
/* A filter form (GET to action) around the filter_inputs between these two. */
static void filters_open(html_buf *b, const char *action) {
    html_raw(b, "<form method=\"get\" action=\"");
    html_text(b, action);
    html_raw(b, "\" class=\"filters\">");
}

static void filters_close(html_buf *b) { html_raw(b, "<p><button type=\"submit\">Filter</button></p></form>"); }

static void next_link(html_buf *b, const page *p, json_object *answer, const char *base, const char *const *names,
                      size_t n) {
    json_object *next = NULL;
    if (!json_object_object_get_ex(answer, "next_cursor", &next) || !json_object_is_type(next, json_type_string))
        return;
    char q[1200] = "";
    snprintf(q, sizeof q, "%s", base);
    for (size_t i = 0; i < n; i++) page_query_add(q, sizeof q, names[i], http_query(p->req, names[i]));
    page_query_add(q, sizeof q, "cursor", json_object_get_string(next));
    html_raw(b, "<p><a href=\"");
    html_text(b, q);
    html_raw(b, "\">Next page</a></p>");
}

/* An ISO-8601 time from a datetime-local input (2026-11-24T10:00) gets
 * seconds and a UTC zone; anything else goes to the API as typed. */
static void since_param(const char *in, char *out, size_t len) {
    if (in && strlen(in) == 16 && in[10] == 'T')
        snprintf(out, len, "%s:00Z", in);
    else
        snprintf(out, len, "%s", in ? in : "");
}

/* The per-parameter errors of a 400 bad_parameter answer, one per line:
 * "parameter: message". */
static void api_details_list(html_buf *b, const api_answer *r) {
    json_object *e = NULL, *d = NULL;
    if (!r->json || !json_object_object_get_ex(r->json, "error", &e) || !json_object_object_get_ex(e, "details", &d) ||
        !json_object_is_type(d, json_type_array) || json_object_array_length(d) == 0)
        return;
    html_raw(b, "<ul class=\"error\">");
    page_details_items(b, d, 16);
    html_raw(b, "</ul>");
}

/* A list API's refusal of the filters (400): its message, then each
 * parameter's error. */
static void api_refusal(html_buf *b, const api_answer *r) {
    html_raw(b, "<p class=\"error\" role=\"alert\">");
    html_text(b, api_error_message(r));
    html_raw(b, "</p>");
    api_details_list(b, r);
}

void console_applications(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    static const char *const names[] = {"account", "board", "state", "since"};
    char path[1200] = "/v1/applications?limit=50", since[64];
    since_param(http_query(req, "since"), since, sizeof since);
    /* status filters by every one of them, so each page is full and the
     * next page goes on from where status stopped. */
    page_query_add(path, sizeof path, "account", http_query(req, "account"));
    page_query_add(path, sizeof path, "board", http_query(req, "board"));
    page_query_add(path, sizeof path, "state", http_query(req, "state"));
    page_query_add(path, sizeof path, "since", since);
    page_query_add(path, sizeof path, "cursor", http_query(req, "cursor"));
    api_answer r;
    if (api_call(p.app, API_STATUS, "GET", path, p.token, NULL, &r) || (r.status != 200 && r.status != 400)) {
        page_api_error(&p, "Applications", &r);
        goto out;
    }
    html_buf b = {0};
    page_head(&b, &p, "Applications");
    filters_open(&b, "/applications");
    filter_input(&b, &p, "account", "Account", NULL);
    filter_input(&b, &p, "board", "Board", "stepstone_de");
    filter_input(&b, &p, "state", "State", "delivered");
    filter_input(&b, &p, "since", "Updated since", "2026-11-24T00:00:00Z");
    filters_close(&b);
    if (r.status == 400) {
        api_refusal(&b, &r);
    } else {
        json_object *arr = NULL;
        json_object_object_get_ex(r.json, "applications", &arr);
        static const char *const keys[] = {"application_id", "account_id", "board", "posting_id", "state",
                                           "attempts", "last_error", "received_at", "updated_at"};
        static const char *const heads[] = {"Application", "Account", "Board", "Posting", "State",
                                            "Attempts", "Last error", "Received", "Updated"};
        page_table(&b, arr, "Applications, newest first", keys, heads, 9, "application_id", "/applications/");
        next_link(&b, &p, r.json, "/applications", names, 4);
    }
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}

void console_application(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    char path[800];
    html_buf u = {0};
    html_url(&u, req->params[0]);
    snprintf(path, sizeof path, "/v1/applications/%s", u.p ? u.p : "");
    html_free(&u);
    api_answer r;
    if (api_call(p.app, API_STATUS, "GET", path, p.token, NULL, &r) || r.status != 200) {
        page_api_error(&p, "Application", &r);
        goto out;
    }
    html_buf b = {0};
    char title[200];
    snprintf(title, sizeof title, "Application %s", req->params[0]);
    page_head(&b, &p, title);
    static const char *const keys[] = {"account_id", "board", "posting_id", "state", "ats", "ats_candidate_id",
                                       "attempts", "last_error"};
    static const char *const heads[] = {"Account", "Board", "Posting", "State", "ATS", "ATS candidate",
                                        "Attempts", "Last error"};
    html_raw(&b, "<dl class=\"facts\">");
    for (size_t i = 0; i < 8; i++) {
        html_raw(&b, "<dt>");
        html_text(&b, heads[i]);
        html_raw(&b, i == 3 ? "</dt><dd id=\"application-state\">" : "</dt><dd>");
        page_value(&b, r.json, keys[i]);
        html_raw(&b, "</dd>");
    }
    html_raw(&b, "</dl><h2>Timeline</h2>");
    json_object *ev = NULL;
    json_object_object_get_ex(r.json, "events", &ev);
    static const char *const ek[] = {"at", "type", "service", "detail"};
    static const char *const eh[] = {"At", "Event", "Service", "Detail"};
    page_table(&b, ev, "Events, oldest first", ek, eh, 4, NULL, NULL);
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}

void console_deadletters(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    char path[1200] = "/v1/deadletters?limit=100";
    page_query_add(path, sizeof path, "account", http_query(req, "account"));
    page_query_add(path, sizeof path, "error_code", http_query(req, "error_code"));
    api_answer r;
    if (api_call(p.app, API_DELIVERY, "GET", path, p.token, NULL, &r) || (r.status != 200 && r.status != 400)) {
        page_api_error(&p, "Dead letters", &r);
        goto out;
    }
    html_buf b = {0};
    page_head(&b, &p, "Dead letters");
    filters_open(&b, "/deadletters");
    filter_input(&b, &p, "account", "Account", NULL);
    filter_input(&b, &p, "error_code", "Error code", NULL);
    filters_close(&b);
    if (r.status == 400) {
        api_refusal(&b, &r);
        goto done;
    }
    json_object *arr = NULL;
    json_object_object_get_ex(r.json, "deadletters", &arr);
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (!n) {
        html_raw(&b, "<p>No dead letters match.</p>");
        goto done;
    }
    html_raw(&b, "<form method=\"post\" action=\"/deadletters/replay\">");
    page_csrf_input(&b, &p);
    html_raw(&b, "<div class=\"scroll\"><table><caption>Dead letters, newest first</caption><thead><tr>"
                 "<th scope=\"col\">Re-drive</th><th scope=\"col\">Application</th><th scope=\"col\">Account</th>"
                 "<th scope=\"col\">Error code</th><th scope=\"col\">Error</th><th scope=\"col\">Dead-lettered</th>"
                 "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        json_object *d = json_object_array_get_idx(arr, i), *idv = NULL;
        if (!json_object_object_get_ex(d, "id", &idv)) continue;
        html_rawf(&b, "<tr><td><input type=\"checkbox\" name=\"id\" id=\"dl-%zu\" value=\"", i);
        html_text(&b, json_object_get_string(idv));
        html_rawf(&b, "\"><label for=\"dl-%zu\" class=\"visually-hidden\">Re-drive ", i);
        html_text(&b, json_object_get_string(idv));
        html_raw(&b, "</label></td><th scope=\"row\">");
        json_object *av = NULL;
        if (json_object_object_get_ex(d, "application_id", &av) && json_object_is_type(av, json_type_string)) {
            html_raw(&b, "<a href=\"/applications/");
            html_url(&b, json_object_get_string(av));
            html_raw(&b, "\">");
            html_text(&b, json_object_get_string(av));
            html_raw(&b, "</a>");
        }
        html_raw(&b, "</th><td>");
        page_value(&b, d, "account_id");
        html_raw(&b, "</td><td>");
        page_value(&b, d, "error_code");
        html_raw(&b, "</td><td>");
        page_value(&b, d, "error_message");
        html_raw(&b, "</td><td>");
        page_value(&b, d, "dead_lettered_at");
        html_raw(&b, "</td></tr>");
    }
    html_raw(&b, "</tbody></table></div><div class=\"field\"><label for=\"reason\">Reason</label>"
                 "<input id=\"reason\" name=\"reason\" required maxlength=\"500\"></div>"
                 "<p><button type=\"submit\">Re-drive selected</button></p></form>");
    json_object *more = NULL;
    if (json_object_object_get_ex(r.json, "more", &more) && json_object_get_boolean(more))
        html_raw(&b, "<p>Older dead letters match too; narrow the filter to see them.</p>");
done:
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}

void console_deadletters_replay(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    json_object *body = json_object_new_object(), *ids = json_object_new_array();
    for (size_t i = 0; i < p.form.n; i++)
        if (!strcmp(p.form.name[i], "id")) json_object_array_add(ids, json_object_new_string(p.form.value[i]));
    json_object_object_add(body, "ids", ids);
    const char *reason = form_get(&p.form, "reason");
    json_object_object_add(body, "reason", json_object_new_string(reason ? reason : ""));
    api_answer r;
    if (api_call(p.app, API_DELIVERY, "POST", "/v1/deadletters/replay", p.token, body, &r) ||
        (r.status != 200 && r.status != 422)) {
        page_api_error(&p, "Re-drive", &r);
        goto out;
    }
    html_buf b = {0};
    page_head(&b, &p, "Re-drive");
    if (r.status == 422) {
        html_raw(&b, "<p class=\"error\" role=\"alert\">");
        html_text(&b, api_error_message(&r));
        html_raw(&b, "</p>");
        json_object *e = NULL, *d = NULL;
        if (json_object_object_get_ex(r.json, "error", &e) && json_object_object_get_ex(e, "details", &d)) {
            static const char *const k[] = {"field", "code", "message"};
            static const char *const h[] = {"Field", "Code", "Message"};
            page_table(&b, d, "What to correct", k, h, 3, NULL, NULL);
        }
    } else {
        log_info("console re-drive");
        static const char *const k[] = {"id", "application_id", "error_code"};
        static const char *const h[] = {"Dead letter", "Application", "Error code"};
        html_raw(&b, "<h2>Re-driven</h2>");
        json_object *a = NULL;
        json_object_object_get_ex(r.json, "redriven", &a);
        page_table(&b, a, "Re-driven", k, h, 3, NULL, NULL);
        static const char *const sk[] = {"id", "application_id", "error_code", "reason"};
        static const char *const sh[] = {"Dead letter", "Application", "Error code", "Why skipped"};
        html_raw(&b, "<h2>Skipped</h2>");
        json_object_object_get_ex(r.json, "skipped", &a);
        page_table(&b, a, "Skipped", sk, sh, 4, NULL, NULL);
    }
    html_raw(&b, "<p><a href=\"/deadletters\">Back to the dead letters</a></p>");
    page_foot(&b);
    page_send(&p, r.status == 422 ? 422 : 200, &b);
out:
    json_object_put(body);
    api_answer_free(&r);
    page_end(&p);
}

static const char *const export_keys[] = {"export_task_id", "account_id", "name", "source_tool", "state", "total",
                                          "delivered", "duplicates", "failed", "pending", "created_at"};
static const char *const export_heads[] = {"Task", "Account", "Name", "Tool", "State", "Total",
                                           "Delivered", "Duplicates", "Failed", "Pending", "Created"};

void console_exports(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    static const char *const names[] = {"source_tool"};
    char path[1200] = "/v1/exports?limit=50";
    page_query_add(path, sizeof path, "source_tool", http_query(req, "source_tool"));
    page_query_add(path, sizeof path, "cursor", http_query(req, "cursor"));
    api_answer r;
    if (api_call(p.app, API_STATUS, "GET", path, p.token, NULL, &r) || r.status != 200) {
        page_api_error(&p, "Export tasks", &r);
        goto out;
    }
    html_buf b = {0};
    page_head(&b, &p, "Export tasks");
    filters_open(&b, "/exports");
    filter_input(&b, &p, "source_tool", "Sourcing tool", NULL);
    filters_close(&b);
    json_object *arr = NULL;
    json_object_object_get_ex(r.json, "exports", &arr);
    page_table(&b, arr, "Export tasks, newest first", export_keys, export_heads, 11, "export_task_id", "/exports/");
    next_link(&b, &p, r.json, "/exports", names, 1);
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}

/* The task's candidates as their applications (ids and states only), one
 * page of status's GET /v1/exports/{id}/applications; id is URL-encoded. A
 * failure shows a line in place of the table: the task's counts above it
 * still stand. */
static void export_candidates(html_buf *b, const page *p, const char *id) {
    static const char *const names[] = {"state"};
    char path[1200], base[800];
    snprintf(path, sizeof path, "/v1/exports/%s/applications?limit=100", id);
    snprintf(base, sizeof base, "/exports/%s", id);
    page_query_add(path, sizeof path, "state", http_query(p->req, "state"));
    page_query_add(path, sizeof path, "cursor", http_query(p->req, "cursor"));
    html_raw(b, "<h2>Candidates</h2>");
    filters_open(b, base);
    filter_input(b, p, "state", "State", "failed");
    filters_close(b);
    api_answer r;
    if (api_call(p->app, API_STATUS, "GET", path, p->token, NULL, &r) || (r.status != 200 && r.status != 400)) {
        html_raw(b, "<p class=\"error\" role=\"alert\">The candidates could not be listed");
        if (r.status) html_rawf(b, " (status answered %ld)", r.status);
        html_raw(b, "; try again in a moment.</p>");
        goto out;
    }
    if (r.status == 400) {
        api_refusal(b, &r);
        goto out;
    }
    json_object *arr = NULL;
    json_object_object_get_ex(r.json, "applications", &arr);
    static const char *const keys[] = {"application_id", "state", "duplicate", "ats_candidate_id", "updated_at"};
    static const char *const heads[] = {"Application", "State", "Duplicate", "ATS candidate", "Updated"};
    page_table(b, arr, "Candidates' applications, in the order they arrived", keys, heads, 5, "application_id",
               "/applications/");
    next_link(b, p, r.json, base, names, 1);
out:
    api_answer_free(&r);
}

void console_export(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    char path[800], u_id[700];
    html_buf u = {0};
    html_url(&u, req->params[0]);
    snprintf(u_id, sizeof u_id, "%s", u.p ? u.p : "");
    snprintf(path, sizeof path, "/v1/exports/%s", u_id);
    html_free(&u);
    api_answer r;
    if (api_call(p.app, API_STATUS, "GET", path, p.token, NULL, &r) || r.status != 200) {
        page_api_error(&p, "Export task", &r);
        goto out;
    }
    html_buf b = {0};
    char title[200];
    snprintf(title, sizeof title, "Export task %s", req->params[0]);
    page_head(&b, &p, title);
    html_raw(&b, "<dl class=\"facts\">");
    for (size_t i = 1; i < 11; i++) {
        html_raw(&b, "<dt>");
        html_text(&b, export_heads[i]);
        html_raw(&b, "</dt><dd>");
        page_value(&b, r.json, export_keys[i]);
        html_raw(&b, "</dd>");
    }
    html_raw(&b, "</dl>");
    export_candidates(&b, &p, u_id);
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}

void console_checks(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    static const char *const names[] = {"account", "opportunity", "status", "score"};
    const char *opp = http_query(req, "opportunity"), *account = http_query(req, "account");
    html_buf b = {0};
    api_answer r = {0};
    page_head(&b, &p, "Background checks");
    filters_open(&b, "/background-checks");
    filter_input(&b, &p, "account", "Account", "demo-lever");
    filter_input(&b, &p, "status", "Status", "in_progress");
    filter_input(&b, &p, "score", "Score", NULL);
    filter_input(&b, &p, "opportunity", "Opportunity (optional)", NULL);
    html_raw(&b, "<p><button type=\"submit\">Show</button></p></form>");
    if ((!opp || !*opp) && (!account || !*account)) {
        html_raw(&b, "<p>Enter an account to see its background checks, newest first (or an opportunity).</p>");
        goto done;
    }
    /* status filters by all of them and pages by account, so every page is full. */
    char path[1200] = "/v1/background-checks?limit=50";
    page_query_add(path, sizeof path, "account", account);
    page_query_add(path, sizeof path, "opportunity", opp);
    page_query_add(path, sizeof path, "status", http_query(req, "status"));
    page_query_add(path, sizeof path, "score", http_query(req, "score"));
    page_query_add(path, sizeof path, "cursor", http_query(req, "cursor"));
    if (api_call(p.app, API_STATUS, "GET", path, p.token, NULL, &r) || (r.status != 200 && r.status != 400)) {
        html_free(&b);
        page_api_error(&p, "Background checks", &r);
        goto out;
    }
    if (r.status == 400) {
        api_refusal(&b, &r);
        goto done;
    }
    json_object *arr = NULL;
    json_object_object_get_ex(r.json, "background_checks", &arr);
    static const char *const k[] = {"check_id", "account_id", "opportunity_id", "posting_id", "status", "score",
                                    "order_id", "reason", "created_at", "updated_at"};
    static const char *const h[] = {"Check", "Account", "Opportunity", "Posting", "Status", "Score",
                                    "Order", "Reason", "Created", "Updated"};
    page_table(&b, arr, opp && *opp ? "Background checks of the opportunity, oldest first"
                                    : "Background checks, newest first",
               k, h, 10, NULL, NULL);
    next_link(&b, &p, r.json, "/background-checks", names, 4);
done:
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}
