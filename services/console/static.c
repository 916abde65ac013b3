/* The console's one stylesheet, compiled in: no file to deploy, no
 * framework. Colours keep at least 4.5:1 contrast on their backgrounds. */
#include "console.h"

#include <stdlib.h>
#include <string.h>

static const char css[] =
    ":root{--fg:#1a1a1a;--muted:#4a4a4a;--bg:#fff;--line:#c8c8c8;--accent:#0b57a4;--err:#a4161a;--ok:#136f2c;"
    "--warn:#7a4d00}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);"
    "background:var(--bg)}\n"
    "header{background:#10263f;color:#fff;padding:.5rem 1rem}\n"
    "header nav{display:flex;flex-wrap:wrap;align-items:center;gap:1rem}\n"
    "header ul{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;margin:0;padding:0;flex:1}\n"
    "header a{color:#fff}\n"
    ".brand{font-weight:700;text-decoration:none}\n"
    "main{padding:1rem 1.5rem;max-width:90rem}\n"
    "main.narrow{max-width:32rem;margin:3rem auto}\n"
    "a{color:var(--accent)}\n"
    "a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #f0b400;outline-offset:2px}\n"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}\n"
    "caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
    "th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top}\n"
    "thead th{background:#eef1f5}\n"
    ".scroll{overflow-x:auto}\n"
    ".field{margin:.75rem 0;display:flex;flex-direction:column;max-width:40rem}\n"
    ".field label,.field legend,.label{font-weight:600}\n"
    "fieldset{border:1px solid var(--line);padding:.5rem}\n"
    ".check{display:inline-flex;gap:.25rem;margin-right:1rem}\n"
    ".check label{font-weight:400}\n"
    "input,select,textarea{font:inherit;padding:.35rem;border:1px solid #767676;border-radius:3px;color:var(--fg);"
    "background:#fff}\n"
    ".invalid input,.invalid select,.invalid textarea{border:2px solid var(--err)}\n"
    ".hint{color:var(--muted);font-size:.9rem}\n"
    ".field-error,.error{color:var(--err)}\n"
    ".field-error{display:block;font-weight:600}\n"
    ".error{border-left:4px solid var(--err);padding:.25rem .75rem;background:#fdf0f0}\n"
    ".notice{color:var(--ok);border-left:4px solid var(--ok);padding:.25rem .75rem;background:#eef8f0}\n"
    "button,.button{font:inherit;background:var(--accent);color:#fff;border:0;border-radius:3px;"
    "padding:.45rem .9rem;cursor:pointer;text-decoration:none;display:inline-block}\n"
    "button.danger{background:var(--err)}\n"
    "header button{background:#fff;color:#10263f}\n"
    "form.inline{display:inline}\n"
    ".filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-end}\n"
    ".filters .field{margin:0}\n"
    ".health{font-weight:600}\n"
    ".health-connected{color:var(--ok)}\n"
    ".health-broken,.health-revoked{color:var(--err)}\n"
    ".health-reauthorization_required{color:var(--warn)}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}\n"
    "dl.facts dt{font-weight:600}\n"
    "dl.facts dd{margin:0}\n"
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}\n";

void console_css(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    resp->body = strdup(css);
    resp->body_len = resp->body ? strlen(resp->body) : 0;
    resp->status = resp->body ? 200 : 500;
    resp->content_type = "text/css; charset=utf-8";
    console_security_headers(resp, 0);
    http_set_header(resp, "Cache-Control", "public, max-age=3600");
}

void console_favicon(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    resp->status = 204;
    resp->content_type = "image/x-icon";
    console_security_headers(resp, 0);
    http_set_header(resp, "Cache-Control", "public, max-age=86400");
}
