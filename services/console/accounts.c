/* Accounts: the list, the create and edit form (every field of status's
 * PUT /v1/accounts/{id}, its per-field errors beside the fields), go-live. */
#include "console.h"

#include "log.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { F_TEXT, F_URL, F_SELECT, F_INT, F_LIST, F_LABELS, F_FEATURES } field_kind;

typedef struct {
    const char *name;  /* the API's field (a dotted path for grants) and the form's */
    const char *label;
    field_kind kind;
    const char *options; /* F_SELECT, F_FEATURES: space-separated */
    const char *hint;
} field;

static const field fields[] = {
    {"ats", "ATS", F_SELECT, "lever eploy", "Set when the account is created."},
    {"run_mode", "Run mode", F_SELECT, "test live dry-run", "test holds applications until Go Live."},
    {"connection_name", "Connection name", F_TEXT, NULL, "Default Connection-OAuth-1."},
    {"company_name", "Company name", F_TEXT, NULL, "Set together with the privacy policy URL."},
    {"privacy_policy_url", "Privacy policy URL", F_URL, NULL, NULL},
    {"grants.boards", "Boards granted", F_LIST, NULL, "Board ids, separated by commas."},
    {"grants.source_tools", "Sourcing tools granted", F_LIST, NULL, "Tool ids, separated by commas."},
    {"features", "Features", F_FEATURES, "background_checks exports", NULL},
    {"source_labels", "Source labels", F_LABELS, NULL, "One board=label per line."},
    {"lever_environment", "Lever environment", F_SELECT, "production sandbox", NULL},
    {"lever_perform_as", "Lever user to act as", F_TEXT, NULL, NULL},
    {"export_stage", "Export stage", F_TEXT, NULL, NULL},
    {"provider_client_id", "Background-check provider client id", F_TEXT, NULL, NULL},
    {"bgcheck_package", "Background-check package", F_TEXT, NULL, NULL},
    {"bgcheck_stage", "Background-check stage", F_TEXT, NULL, NULL},
    {"bgcheck_tag_prefix", "Background-check tag prefix", F_TEXT, NULL, NULL},
    {"bgcheck_status_tag_prefix", "Background-check status tag prefix", F_TEXT, NULL, NULL},
    {"notification_url", "Notification URL", F_URL, NULL, "https to a public host."},
    {"daily_api_budget", "Daily API budget", F_INT, NULL, "0 is unlimited."},
    {"feed_interval_s", "Feed interval (seconds)", F_INT, NULL, "0 is not monitored."},
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The form's id of a field: dots become dashes. */
static void field_id(const char *name, char *out, size_t len) {
    snprintf(out, len, "f-%s", name);
    for (char *p = out; *p; p++)
        if (*p == '.' || *p == '_') *p = '-';
}

/* The JSON value at a dotted path of an account ("grants.boards"). */
static json_object *account_get(json_object *acct, const char *path) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s", path);
    char *dot = strchr(buf, '.');
    json_object *v = NULL;
    if (dot) *dot = '\0';
    if (!acct || !json_object_object_get_ex(acct, buf, &v)) return NULL;
    if (dot && (!v || !json_object_object_get_ex(v, dot + 1, &v))) return NULL;
    return v;
}

/* The field the API's detail names belongs to: the field whose name is the
 * detail's field or a prefix of it ending before '.' or '['. */
static int field_of_detail(const char *df) {
    int best = -1;
    size_t bestlen = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        size_t n = strlen(fields[i].name);
        if (!strncmp(df, fields[i].name, n) && (df[n] == '\0' || df[n] == '.' || df[n] == '[') && n > bestlen) {
            best = (int)i;
            bestlen = n;
        }
    }
    if (best < 0 && !strcmp(df, "grants")) best = 5; /* grants as a whole: beside the boards */
    return best;
}

/* The text of a field's current value for its input (account JSON). */
static void value_text(html_buf *b, const field *f, json_object *v) {
    if (!v) return;
    if (f->kind == F_LIST && json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            if (i) html_raw(b, ", ");
            html_text(b, json_object_get_string(json_object_array_get_idx(v, i)));
        }
    } else if (f->kind == F_LABELS && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, k, lv) {
            html_text(b, k);
            html_raw(b, "=");
            html_text(b, json_object_get_string(lv));
            html_raw(b, "\n");
        }
    } else if (json_object_is_type(v, json_type_string)) {
        html_text(b, json_object_get_string(v));
    } else {
        html_text(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    }
}

/* 1 when option opt is the field's value (from the form when given, else the account). */
static int selected(const field *f, const form *fm, json_object *acct, const char *opt) {
    if (fm) {
        for (size_t i = 0; i < fm->n; i++)
            if (!strcmp(fm->name[i], f->name) && !strcmp(fm->value[i], opt)) return 1;
        return 0;
    }
    json_object *v = account_get(acct, f->name);
    if (!v) return 0;
    if (json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++)
            if (!strcmp(json_object_get_string(json_object_array_get_idx(v, i)), opt)) return 1;
        return 0;
    }
    return json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), opt);
}

/* The account form. acct: the stored account (NULL when new); fm: the
 * submitted form to show again (NULL: show acct); details: the API's
 * per-field errors (may be NULL). */
static void account_form(html_buf *b, const page *p, const char *id, json_object *acct, const form *fm,
                         json_object *details) {
    size_t nd = details && json_object_is_type(details, json_type_array) ? json_object_array_length(details) : 0;
    if (nd) {
        html_raw(b, "<div class=\"error\" role=\"alert\" id=\"form-errors\"><p>The account was not saved:</p><ul>");
        page_details_items(b, details, nd);
        html_raw(b, "</ul></div>");
    }
    html_raw(b, "<form method=\"post\" class=\"account\" action=\"");
    if (id) {
        html_raw(b, "/accounts/");
        html_url(b, id);
    } else {
        html_raw(b, "/accounts");
    }
    html_raw(b, "\">");
    page_csrf_input(b, p);
    if (!id) {
        const char *v = fm ? form_get(fm, "account_id") : NULL;
        html_raw(b, "<div class=\"field\"><label for=\"f-account-id\">Account id</label>"
                    "<input id=\"f-account-id\" name=\"account_id\" required maxlength=\"128\" value=\"");
        html_text(b, v);
        html_raw(b, "\"></div>");
    }
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        char fid[64];
        field_id(f->name, fid, sizeof fid);
        if (id && !strcmp(f->name, "ats")) {
            html_raw(b, "<div class=\"field\"><span class=\"label\">ATS</span> <span>");
            page_value(b, acct, "ats");
            html_raw(b, "</span></div>");
            continue;
        }
        /* This field's errors. */
        html_buf errs = {0};
        for (size_t k = 0; k < nd; k++) {
            json_object *d = json_object_array_get_idx(details, k), *dfv;
            if (!json_object_object_get_ex(d, "field", &dfv) || field_of_detail(json_object_get_string(dfv)) != (int)i)
                continue;
            html_raw(&errs, "<span class=\"field-error\">");
            page_value(&errs, d, "message");
            html_raw(&errs, " <code>");
            page_value(&errs, d, "code");
            html_raw(&errs, "</code></span>");
        }
        int has_err = errs.len > 0;
        html_rawf(b, "<div class=\"field%s\">", has_err ? " invalid" : "");
        if (f->kind == F_FEATURES) {
            html_raw(b, "<fieldset><legend>");
            html_text(b, f->label);
            html_raw(b, "</legend>");
        } else {
            html_rawf(b, "<label for=\"%s\">", fid);
            html_text(b, f->label);
            html_raw(b, "</label>");
        }
        char describedby[160] = "";
        if (has_err || f->hint)
            snprintf(describedby, sizeof describedby, " aria-describedby=\"%s%s%s%s%s\"", has_err ? fid : "",
                     has_err ? "-error" : "", has_err && f->hint ? " " : "", f->hint ? fid : "", f->hint ? "-hint" : "");
        const char *formval = fm ? form_get(fm, f->name) : NULL;
        json_object *av = fm ? NULL : account_get(acct, f->name);
        switch (f->kind) {
        case F_SELECT: {
            html_rawf(b, "<select id=\"%s\" name=\"%s\"%s%s>", fid, f->name, describedby,
                      has_err ? " aria-invalid=\"true\"" : "");
            char opts[64];
            snprintf(opts, sizeof opts, "%s", f->options);
            for (char *save = NULL, *o = strtok_r(opts, " ", &save); o; o = strtok_r(NULL, " ", &save)) {
                html_rawf(b, "<option value=\"%s\"%s>%s</option>", o, selected(f, fm, acct, o) ? " selected" : "", o);
            }
            html_raw(b, "</select>");
            break;
        }
        case F_FEATURES: {
            char opts[64];
            snprintf(opts, sizeof opts, "%s", f->options);
            for (char *save = NULL, *o = strtok_r(opts, " ", &save); o; o = strtok_r(NULL, " ", &save)) {
                html_rawf(b,
                          "<span class=\"check\"><input type=\"checkbox\" id=\"%s-%s\" name=\"%s\" value=\"%s\"%s%s>"
                          "<label for=\"%s-%s\">%s</label></span>",
                          fid, o, f->name, o, selected(f, fm, acct, o) ? " checked" : "", describedby, fid, o, o);
            }
            break;
        }
        case F_LABELS:
            html_rawf(b, "<textarea id=\"%s\" name=\"%s\" rows=\"3\"%s%s>", fid, f->name, describedby,
                      has_err ? " aria-invalid=\"true\"" : "");
            if (fm)
                html_text(b, formval);
            else
                value_text(b, f, av);
            html_raw(b, "</textarea>");
            break;
        default:
            html_rawf(b, "<input id=\"%s\" name=\"%s\" type=\"%s\"%s%s value=\"", fid, f->name,
                      f->kind == F_URL ? "url" : "text", describedby, has_err ? " aria-invalid=\"true\"" : "");
            if (fm)
                html_text(b, formval);
            else
                value_text(b, f, av);
            html_raw(b, "\">");
        }
        if (f->hint) {
            html_rawf(b, "<span class=\"hint\" id=\"%s-hint\">", fid);
            html_text(b, f->hint);
            html_raw(b, "</span>");
        }
        if (has_err) {
            html_rawf(b, "<span class=\"errors\" id=\"%s-error\">", fid);
            html_rawn(b, errs.p, errs.len);
            html_raw(b, "</span>");
        }
        html_free(&errs);
        if (f->kind == F_FEATURES) html_raw(b, "</fieldset>");
        html_raw(b, "</div>");
    }
    html_raw(b, id ? "<p><button type=\"submit\">Save</button></p></form>"
                   : "<p><button type=\"submit\">Create account</button></p></form>");
}

/* A JSON array of the comma- or space-separated ids of s. */
static json_object *list_of(const char *s) {
    json_object *a = json_object_new_array();
    while (s && *s) {
        s += strspn(s, ", \t\r\n");
        size_t n = strcspn(s, ", \t\r\n");
        if (n) json_object_array_add(a, json_object_new_string_len(s, (int)n));
        s += n;
    }
    return a;
}

/* {board: label} of "board=label" lines. */
static json_object *labels_of(const char *s) {
    json_object *o = json_object_new_object();
    while (s && *s) {
        size_t n = strcspn(s, "\r\n");
        const char *eq = memchr(s, '=', n);
        size_t kl = eq ? (size_t)(eq - s) : n;
        while (kl && isspace((unsigned char)s[kl - 1])) kl--;
        size_t ks = 0;
        while (ks < kl && isspace((unsigned char)s[ks])) ks++;
        if (kl > ks) {
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(kl - ks), s + ks);
            const char *v = eq ? eq + 1 : s + n;
            size_t vl = eq ? (size_t)(s + n - v) : 0;
            while (vl && isspace((unsigned char)*v)) v++, vl--;
            while (vl && isspace((unsigned char)v[vl - 1])) vl--;
            json_object_object_add(o, key, json_object_new_string_len(v, (int)vl));
        }
        s += n;
        s += strspn(s, "\r\n");
    }
    return o;
}

/* The PUT body of a submitted form. create: empty fields are left out (the
 * API's defaults apply); on update an empty field is null (reset). */
static json_object *account_body(const form *fm, int create) {
    json_object *o = json_object_new_object(), *grants = NULL;
    for (size_t i = 0; i < NFIELDS; i++) {
        const field *f = &fields[i];
        const char *v = form_get(fm, f->name);
        json_object *jv = NULL;
        switch (f->kind) {
        case F_FEATURES: {
            jv = json_object_new_array();
            for (size_t k = 0; k < fm->n; k++)
                if (!strcmp(fm->name[k], f->name)) json_object_array_add(jv, json_object_new_string(fm->value[k]));
            break;
        }
        case F_LIST:
            if (!v) continue;
            jv = list_of(v);
            break;
        case F_LABELS:
            if (!v) continue;
            jv = labels_of(v);
            break;
        case F_INT: {
            if (!v) continue;
            if (!*v) {
                if (create) continue;
                break; /* null */
            }
            char *end = NULL;
            long long n = strtoll(v, &end, 10);
            /* Not a number: sent as text, so the API's own error shows beside the field. */
            jv = *end || end == v ? json_object_new_string(v) : json_object_new_int64(n);
            break;
        }
        default:
            if (!v) continue;
            if (!*v) {
                if (create || f->kind == F_SELECT) continue;
                break; /* null: reset */
            }
            jv = json_object_new_string(v);
        }
        if (!strncmp(f->name, "grants.", 7)) {
            if (!grants) grants = json_object_new_object();
            json_object_object_add(grants, f->name + 7, jv);
        } else {
            json_object_object_add(o, f->name, jv);
        }
    }
    if (grants) json_object_object_add(o, "grants", grants);
    return o;
}

void console_accounts(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    char path[600] = "/v1/accounts?limit=100";
    page_query_add(path, sizeof path, "cursor", http_query(req, "cursor"));
    api_answer r;
    if (api_call(p.app, API_STATUS, "GET", path, p.token, NULL, &r) || r.status != 200) {
        page_api_error(&p, "Accounts", &r);
        goto out;
    }
    html_buf b = {0};
    page_head(&b, &p, "Accounts");
    page_notice(&b, &p);
    html_raw(&b, "<p><a class=\"button\" href=\"/accounts/new\">New account</a></p>");
    json_object *arr = NULL;
    json_object_object_get_ex(r.json, "accounts", &arr);
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (!n) {
        html_raw(&b, "<p>No accounts yet.</p>");
    } else {
        html_raw(&b, "<div class=\"scroll\"><table><caption>Accounts</caption><thead><tr><th scope=\"col\">Account"
                     "</th><th scope=\"col\">ATS</th><th scope=\"col\">Run mode</th><th scope=\"col\">Company</th>"
                     "<th scope=\"col\">Updated</th><th scope=\"col\">Connections</th></tr></thead><tbody>");
        for (size_t i = 0; i < n; i++) {
            json_object *a = json_object_array_get_idx(arr, i), *idv;
            if (!json_object_object_get_ex(a, "account_id", &idv)) continue;
            const char *id = json_object_get_string(idv);
            html_raw(&b, "<tr><th scope=\"row\"><a href=\"/accounts/");
            html_url(&b, id);
            html_raw(&b, "\">");
            html_text(&b, id);
            html_raw(&b, "</a></th><td>");
            page_value(&b, a, "ats");
            html_raw(&b, "</td><td>");
            page_value(&b, a, "run_mode");
            html_raw(&b, "</td><td>");
            page_value(&b, a, "company_name");
            html_raw(&b, "</td><td>");
            page_value(&b, a, "updated_at");
            html_raw(&b, "</td><td><a href=\"/accounts/");
            html_url(&b, id);
            html_raw(&b, "/connections\">Connections<span class=\"visually-hidden\"> of ");
            html_text(&b, id);
            html_raw(&b, "</span></a></td></tr>");
        }
        html_raw(&b, "</tbody></table></div>");
    }
    json_object *next = NULL;
    if (json_object_object_get_ex(r.json, "next_cursor", &next) && json_object_is_type(next, json_type_string)) {
        html_raw(&b, "<p><a href=\"/accounts?cursor=");
        html_url(&b, json_object_get_string(next));
        html_raw(&b, "\">Next page</a></p>");
    }
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    api_answer_free(&r);
    page_end(&p);
}

void console_account_new(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    html_buf b = {0};
    page_head(&b, &p, "New account");
    account_form(&b, &p, NULL, NULL, NULL, NULL);
    page_foot(&b);
    page_send(&p, 200, &b);
    page_end(&p);
}

/* The account page: its settings form, run mode and Go Live. */
static void account_page(page *p, const char *id, json_object *acct, const form *fm, json_object *details,
                         const char *secret, int status) {
    html_buf b = {0};
    char title[200];
    snprintf(title, sizeof title, "Account %s", id);
    page_head(&b, p, title);
    page_notice(&b, p);
    if (secret) {
        html_raw(&b, "<p class=\"notice\" role=\"status\">The notification signing secret (shown this once): <code>");
        html_text(&b, secret);
        html_raw(&b, "</code></p>");
    }
    html_raw(&b, "<p><a href=\"/accounts/");
    html_url(&b, id);
    html_raw(&b, "/connections\">Connections</a> · <a href=\"/applications?account=");
    html_url(&b, id);
    html_raw(&b, "\">Applications</a></p><section aria-labelledby=\"run-mode\"><h2 id=\"run-mode\">Run mode</h2><p>"
                 "This account runs in <strong id=\"current-run-mode\">");
    page_value(&b, acct, "run_mode");
    html_raw(&b, "</strong> mode");
    json_object *wl = NULL;
    if (json_object_object_get_ex(acct, "went_live_at", &wl) && wl) {
        html_raw(&b, " (live since ");
        page_value(&b, acct, "went_live_at");
        html_raw(&b, ")");
    }
    html_raw(&b, ".</p>");
    json_object *rm = NULL;
    if (json_object_object_get_ex(acct, "run_mode", &rm) && !strcmp(json_object_get_string(rm), "test")) {
        html_raw(&b, "<form method=\"post\" action=\"/accounts/");
        html_url(&b, id);
        html_raw(&b, "/go-live\">");
        page_csrf_input(&b, p);
        html_raw(&b, "<button type=\"submit\">Go Live</button></form>");
    }
    html_raw(&b, "</section><section aria-labelledby=\"settings\"><h2 id=\"settings\">Settings</h2>");
    account_form(&b, p, id, acct, fm, details);
    html_raw(&b, "</section>");
    page_foot(&b);
    page_send(p, status, &b);
}

/* GET the account into *out (200), else answers the error page. */
static int load_account(page *p, const char *id, api_answer *r) {
    char path[600];
    html_buf u = {0};
    html_url(&u, id);
    snprintf(path, sizeof path, "/v1/accounts/%s", u.p ? u.p : "");
    html_free(&u);
    if (api_call(p->app, API_STATUS, "GET", path, p->token, NULL, r) || r->status != 200) {
        page_api_error(p, "Account", r);
        return -1;
    }
    return 0;
}

void console_account(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    api_answer r;
    if (load_account(&p, req->params[0], &r) == 0) account_page(&p, req->params[0], r.json, NULL, NULL, NULL, 200);
    api_answer_free(&r);
    page_end(&p);
}

/* PUT the form to status; on 422 the form again with the API's errors. */
static void save(page *p, const char *id, int create) {
    char path[600];
    html_buf u = {0};
    html_url(&u, id);
    snprintf(path, sizeof path, "/v1/accounts/%s", u.p ? u.p : "");
    html_free(&u);
    api_answer r = {0}, cur = {0};
    json_object *body = account_body(&p->form, create);
    if (create) {
        /* Create must not overwrite: an existing id is refused here. */
        if (api_call(p->app, API_STATUS, "GET", path, p->token, NULL, &cur) == 0 && cur.status == 200) {
            json_object *d = json_object_new_array();
            http_detail_add(d, "account_id", "exists", "an account with this id exists already");
            html_buf b = {0};
            page_head(&b, p, "New account");
            account_form(&b, p, NULL, NULL, &p->form, d);
            page_foot(&b);
            page_send(p, 409, &b);
            json_object_put(d);
            goto out;
        }
    }
    if (api_call(p->app, API_STATUS, "PUT", path, p->token, body, &r) != 0) {
        page_api_error(p, "Account", &r);
        goto out;
    }
    if (r.status == 422) {
        json_object *e = NULL, *details = NULL;
        if (json_object_object_get_ex(r.json, "error", &e)) json_object_object_get_ex(e, "details", &details);
        if (create) {
            html_buf b = {0};
            page_head(&b, p, "New account");
            account_form(&b, p, NULL, NULL, &p->form, details);
            page_foot(&b);
            page_send(p, 422, &b);
        } else {
            api_answer_free(&cur);
            if (load_account(p, id, &cur) == 0) account_page(p, id, cur.json, &p->form, details, NULL, 422);
        }
        goto out;
    }
    if (r.status != 200 && r.status != 201) {
        page_api_error(p, "Account", &r);
        goto out;
    }
    log_info("console account saved", "account", id);
    json_object *secret = NULL;
    if (json_object_object_get_ex(r.json, "notification_secret", &secret) &&
        json_object_is_type(secret, json_type_string)) {
        account_page(p, id, r.json, NULL, NULL, json_object_get_string(secret), 200);
        goto out;
    }
    char loc[700];
    snprintf(loc, sizeof loc, "%s?notice=%s", path + 3, create ? "created" : "saved");
    page_redirect(p->resp, loc);
out:
    json_object_put(body);
    api_answer_free(&r);
    api_answer_free(&cur);
}

void console_account_create(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    const char *id = form_get(&p.form, "account_id");
    if (!id || !*id) {
        json_object *d = json_object_new_array();
        http_detail_add(d, "account_id", "required", "is required");
        html_buf b = {0};
        page_head(&b, &p, "New account");
        account_form(&b, &p, NULL, NULL, &p.form, d);
        page_foot(&b);
        page_send(&p, 422, &b);
        json_object_put(d);
    } else {
        save(&p, id, 1);
    }
    page_end(&p);
}

void console_account_save(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    save(&p, req->params[0], 0);
    page_end(&p);
}

void console_account_go_live(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    char path[600];
    html_buf u = {0};
    html_url(&u, req->params[0]);
    snprintf(path, sizeof path, "/v1/accounts/%s/go-live", u.p ? u.p : "");
    html_free(&u);
    json_object *body = json_object_new_object();
    api_answer r;
    if (api_call(p.app, API_STATUS, "POST", path, p.token, body, &r) || r.status != 200) {
        page_api_error(&p, "Go Live", &r);
    } else {
        char loc[700];
        snprintf(loc, sizeof loc, "%.*s?notice=live", (int)(strlen(path) - 3 - 8), path + 3);
        page_redirect(resp, loc);
    }
    json_object_put(body);
    api_answer_free(&r);
    page_end(&p);
}
