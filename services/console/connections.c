/* Connections of an account: health from delivery, Link Account (Lever's
 * activation link, returning here), the Eploy credential form, Revoke. */
#include "console.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "/v1/accounts/{id}" + rest, id percent-encoded. */
static void account_path(char *out, size_t len, const char *id, const char *rest) {
    html_buf u = {0};
    html_url(&u, id);
    snprintf(out, len, "/v1/accounts/%s%s", u.p ? u.p : "", rest);
    html_free(&u);
}

static void connections_page(page *p, const char *id, const char *eploy_error, json_object *eploy_details,
                             int status) {
    char path[700];
    api_answer acct = {0}, conns = {0};
    account_path(path, sizeof path, id, "");
    if (api_call(p->app, API_STATUS, "GET", path, p->token, NULL, &acct) || acct.status != 200) {
        page_api_error(p, "Connections", &acct);
        goto out;
    }
    account_path(path, sizeof path, id, "/connections");
    if (api_call(p->app, API_DELIVERY, "GET", path, p->token, NULL, &conns) || conns.status != 200) {
        page_api_error(p, "Connections", &conns);
        goto out;
    }
    json_object *atsv = NULL;
    json_object_object_get_ex(acct.json, "ats", &atsv);
    const char *ats = atsv ? json_object_get_string(atsv) : "";
    html_buf b = {0};
    char title[200];
    snprintf(title, sizeof title, "Connections of %s", id);
    page_head(&b, p, title);
    page_notice(&b, p);
    html_raw(&b, "<p><a href=\"/accounts/");
    html_url(&b, id);
    html_raw(&b, "\">Account settings</a></p>");
    json_object *arr = NULL;
    json_object_object_get_ex(conns.json, "connections", &arr);
    size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
    if (!n) {
        html_raw(&b, "<p id=\"no-connections\">This account has no connection yet.</p>");
    } else {
        html_raw(&b, "<div class=\"scroll\"><table id=\"connections\"><caption>Connections and their health</caption>"
                     "<thead><tr><th scope=\"col\">Name</th><th scope=\"col\">ATS</th><th scope=\"col\">Health</th>"
                     "<th scope=\"col\">Last success</th><th scope=\"col\">Last error</th>"
                     "<th scope=\"col\">Environment or site</th><th scope=\"col\">Action</th></tr></thead><tbody>");
        for (size_t i = 0; i < n; i++) {
            json_object *c = json_object_array_get_idx(arr, i), *nv = NULL, *sv = NULL, *au = NULL;
            json_object_object_get_ex(c, "name", &nv);
            json_object_object_get_ex(c, "status", &sv);
            const char *st = sv ? json_object_get_string(sv) : "";
            html_raw(&b, "<tr><th scope=\"row\">");
            page_value(&b, c, "name");
            html_raw(&b, "</th><td>");
            page_value(&b, c, "ats");
            html_raw(&b, "</td><td><span class=\"health health-");
            html_text(&b, st);
            html_raw(&b, "\">");
            html_text(&b, !strcmp(st, "reauthorization_required") ? "re-authorization needed" : st);
            html_raw(&b, "</span>");
            if (json_object_object_get_ex(c, "reauthorization_reason", &au) && au) {
                html_raw(&b, " (");
                page_value(&b, c, "reauthorization_reason");
                html_raw(&b, ")");
            }
            html_raw(&b, "</td><td>");
            page_value(&b, c, "last_success_at");
            html_raw(&b, "</td><td>");
            page_value(&b, c, "last_error");
            json_object *le = NULL;
            if (json_object_object_get_ex(c, "last_error_at", &le) && le) {
                html_raw(&b, " (");
                page_value(&b, c, "last_error_at");
                html_raw(&b, ")");
            }
            html_raw(&b, "</td><td>");
            page_value(&b, c, "environment");
            page_value(&b, c, "site_url");
            html_raw(&b, "</td><td>");
            if (nv && strcmp(st, "revoked") != 0) {
                html_raw(&b, "<form method=\"post\" class=\"inline\" action=\"/accounts/");
                html_url(&b, id);
                html_raw(&b, "/connections/");
                html_url(&b, json_object_get_string(nv));
                html_raw(&b, "/revoke\">");
                page_csrf_input(&b, p);
                html_raw(&b, "<button type=\"submit\" class=\"danger\">Revoke<span class=\"visually-hidden\"> ");
                html_text(&b, json_object_get_string(nv));
                html_raw(&b, "</span></button></form>");
            }
            html_raw(&b, "</td></tr>");
        }
        html_raw(&b, "</tbody></table></div>");
    }
    if (!strcmp(ats, "lever")) {
        html_raw(&b, "<section aria-labelledby=\"link-lever\"><h2 id=\"link-lever\">Link a Lever account</h2>"
                     "<p>Opens Lever's consent page; after Accept or Deny you come back here.</p>"
                     "<form method=\"post\" action=\"/accounts/");
        html_url(&b, id);
        html_raw(&b, "/connections/lever\">");
        page_csrf_input(&b, p);
        html_raw(&b, "<div class=\"field\"><label for=\"lever-name\">Connection name</label>"
                     "<input id=\"lever-name\" name=\"name\" maxlength=\"128\" aria-describedby=\"lever-name-hint\">"
                     "<span class=\"hint\" id=\"lever-name-hint\">Empty: the account's connection name.</span></div>"
                     "<p><button type=\"submit\" id=\"link-account\">Link Account</button></p></form></section>");
    } else if (!strcmp(ats, "eploy")) {
        html_raw(&b, "<section aria-labelledby=\"eploy\"><h2 id=\"eploy\">Eploy credentials</h2>"
                     "<p>Checked by obtaining a token from the site before anything is stored.</p>");
        size_t nd = eploy_details && json_object_is_type(eploy_details, json_type_array)
                        ? json_object_array_length(eploy_details)
                        : 0;
        if (eploy_error) {
            html_raw(&b, "<div class=\"error\" role=\"alert\"><p>");
            html_text(&b, eploy_error);
            html_raw(&b, "</p>");
            if (nd) {
                html_raw(&b, "<ul>");
                for (size_t i = 0; i < nd; i++) {
                    json_object *d = json_object_array_get_idx(eploy_details, i);
                    html_raw(&b, "<li><code>");
                    page_value(&b, d, "field");
                    html_raw(&b, "</code>: ");
                    page_value(&b, d, "message");
                    html_raw(&b, "</li>");
                }
                html_raw(&b, "</ul>");
            }
            html_raw(&b, "</div>");
        }
        html_raw(&b, "<form method=\"post\" action=\"/accounts/");
        html_url(&b, id);
        html_raw(&b, "/connections/eploy\">");
        page_csrf_input(&b, p);
        const char *site = p->form.n ? form_get(&p->form, "site_url") : NULL;
        const char *client = p->form.n ? form_get(&p->form, "client_id") : NULL;
        const char *name = p->form.n ? form_get(&p->form, "name") : NULL;
        html_raw(&b, "<div class=\"field\"><label for=\"eploy-name\">Connection name</label>"
                     "<input id=\"eploy-name\" name=\"name\" maxlength=\"128\" value=\"");
        html_text(&b, name);
        html_raw(&b, "\"></div><div class=\"field\"><label for=\"eploy-site\">Site URL</label>"
                     "<input id=\"eploy-site\" name=\"site_url\" type=\"url\" required value=\"");
        html_text(&b, site);
        html_raw(&b, "\"></div><div class=\"field\"><label for=\"eploy-client\">Client id</label>"
                     "<input id=\"eploy-client\" name=\"client_id\" required autocomplete=\"off\" value=\"");
        html_text(&b, client);
        html_raw(&b, "\"></div><div class=\"field\"><label for=\"eploy-secret\">Client secret</label>"
                     "<input id=\"eploy-secret\" name=\"client_secret\" type=\"password\" required "
                     "autocomplete=\"off\"></div><p><button type=\"submit\">Save Eploy connection</button></p>"
                     "</form></section>");
    }
    page_foot(&b);
    page_send(p, status, &b);
out:
    api_answer_free(&acct);
    api_answer_free(&conns);
}

void console_connections(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin(&p, ctx, req, resp)) return;
    connections_page(&p, req->params[0], NULL, NULL, 200);
    page_end(&p);
}

void console_connect_lever(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    const char *id = req->params[0];
    char path[700], back[CONSOLE_URL_MAX + 720];
    account_path(path, sizeof path, id, "/connections/lever");
    /* Where delivery's callback sends the browser after Lever's consent page. */
    snprintf(back, sizeof back, "%s%s", p.app->public_url, path + 3);
    back[strlen(back) - strlen("/lever")] = '\0';
    json_object *body = json_object_new_object();
    const char *name = form_get(&p.form, "name");
    if (name && *name) json_object_object_add(body, "name", json_object_new_string(name));
    json_object_object_add(body, "return_to", json_object_new_string(back));
    api_answer r;
    if (api_call(p.app, API_DELIVERY, "POST", path, p.token, body, &r) || r.status != 201) {
        page_api_error(&p, "Link Account", &r);
        goto out;
    }
    json_object *url = NULL;
    if (!json_object_object_get_ex(r.json, "activation_url", &url) || !json_object_is_type(url, json_type_string)) {
        r.status = 502;
        page_api_error(&p, "Link Account", &r);
        goto out;
    }
    const char *link = json_object_get_string(url);
    log_info("console lever activation started", "account", id);
    if (strlen(link) < sizeof resp->headers[0].value) {
        page_redirect(resp, link);
        goto out;
    }
    /* Too long for a Location header: a page with the link. */
    html_buf b = {0};
    page_head(&b, &p, "Link Account");
    html_raw(&b, "<p><a class=\"button\" id=\"activation-link\" href=\"");
    html_text(&b, link);
    html_raw(&b, "\">Continue to Lever</a></p>");
    page_foot(&b);
    page_send(&p, 200, &b);
out:
    json_object_put(body);
    api_answer_free(&r);
    page_end(&p);
}

void console_connect_eploy(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    const char *id = req->params[0];
    char path[700];
    account_path(path, sizeof path, id, "/connections/eploy");
    json_object *body = json_object_new_object();
    static const char *const keys[] = {"name", "site_url", "client_id", "client_secret"};
    for (size_t i = 0; i < 4; i++) {
        const char *v = form_get(&p.form, keys[i]);
        if (v && *v) json_object_object_add(body, keys[i], json_object_new_string(v));
    }
    api_answer r;
    int rc = api_call(p.app, API_DELIVERY, "POST", path, p.token, body, &r);
    /* The secret leaves memory with the request body. */
    json_object *sec = NULL;
    if (json_object_object_get_ex(body, "client_secret", &sec)) {
        char *s = (char *)json_object_get_string(sec);
        explicit_bzero(s, strlen(s));
    }
    if (rc == 0 && (r.status == 200 || r.status == 201)) {
        char loc[700];
        snprintf(loc, sizeof loc, "%.*s?notice=eploy", (int)(strlen(path) - 3 - 6), path + 3);
        page_redirect(resp, loc);
    } else if (rc == 0 && (r.status == 422 || r.status == 400 || r.status == 409)) {
        json_object *e = NULL, *details = NULL;
        if (json_object_object_get_ex(r.json, "error", &e)) json_object_object_get_ex(e, "details", &details);
        const char *m = api_error_message(&r);
        connections_page(&p, id, *m ? m : "The credentials were not accepted.", details, (int)r.status);
    } else {
        page_api_error(&p, "Eploy credentials", &r);
    }
    json_object_put(body);
    api_answer_free(&r);
    page_end(&p);
}

void console_connection_revoke(const http_request *req, http_response *resp, void *ctx) {
    page p;
    if (page_begin_post(&p, ctx, req, resp)) return;
    char path[900], rest[400];
    html_buf u = {0};
    html_url(&u, req->params[1]);
    snprintf(rest, sizeof rest, "/connections/%s", u.p ? u.p : "");
    html_free(&u);
    account_path(path, sizeof path, req->params[0], rest);
    api_answer r;
    if (api_call(p.app, API_DELIVERY, "DELETE", path, p.token, NULL, &r) || r.status >= 300) {
        page_api_error(&p, "Revoke", &r);
    } else {
        char loc[700];
        account_path(loc, sizeof loc, req->params[0], "/connections?notice=revoked");
        page_redirect(resp, loc + 3);
    }
    api_answer_free(&r);
    page_end(&p);
}
