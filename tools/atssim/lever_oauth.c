#include "lever_oauth.h"

#include "config.h"
#include "crypto.h"
#include "form.h"
#include "lever.h"
#include "lever_scopes.h"
#include "ratelimit.h"
#include "reply.h"
#include "state.h"
#include "util.h"

#include <json-c/linkhash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_LEN 64
#define SITE_LEN 64
#define PRUNE_AT 20000

/* Production (/lever/...) or the sandbox (/lever-sandbox/...): every code
 * and token belongs to the environment that issued it. */
typedef enum { ENV_PRODUCTION, ENV_SANDBOX } lever_env;
static const char *const env_names[] = {"production", "sandbox"};
static const char *const env_prefixes[] = {LEVER_PRODUCTION_PREFIX, LEVER_SANDBOX_PREFIX};
static const char *const env_audience_keys[] = {"audience", "sandbox_audience"}; /* in the seed */

typedef struct {
    char code[TOKEN_LEN];
    lever_env env;
    char site[SITE_LEN];
    char client_id[128];
    char redirect_uri[512];
    char scope[512];
    int64_t expires_ms;
    int used;
} oauth_code;

typedef struct {
    char token[TOKEN_LEN];
    lever_env env;
    char site[SITE_LEN];
    char client_id[128];
    char scope[512];
    int64_t expires_ms; /* access tokens only */
    int used;           /* refresh tokens only: rotated away */
    rl_bucket general, apply;
} oauth_token;

static json_object *cfg; /* the seed's lever object (shared reference) */
static struct lh_table *codes, *access_tokens, *refresh_tokens;
static double rate = 10, burst = 20, apply_rate = 2, apply_burst = 2;
static int64_t access_ttl_s = 3600, code_ttl_s = 600;
static int auto_approve = 1; /* the seed's auto_approve, or ATSB_SIM_LEVER_AUTO_APPROVE */

static void free_entry(struct lh_entry *e) { free(lh_entry_v(e)); }

/* The environment a request came in through: its path prefix ("/lever-sandbox/"). */
static lever_env env_of(const http_request *req) {
    return strncmp(req->path, LEVER_SANDBOX_PREFIX "/", sizeof LEVER_SANDBOX_PREFIX) ? ENV_PRODUCTION : ENV_SANDBOX;
}

static double env_rate(const char *name, double def) {
    const char *v = config_str(name, NULL);
    if (!v) return def;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end || !(d >= 0 && d <= 1e9)) config_fail(name, "expected a number >= 0");
    return d;
}

static double num(json_object *o, const char *key, double def) {
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return def;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) return def;
    double d = json_object_get_double(v);
    return d >= 0 ? d : def;
}

int lever_oauth_reset(json_object *lever_seed, char *err, size_t errlen) {
    if (codes) lh_table_free(codes);
    if (access_tokens) lh_table_free(access_tokens);
    if (refresh_tokens) lh_table_free(refresh_tokens);
    codes = access_tokens = refresh_tokens = NULL;
    json_object_put(cfg);
    cfg = NULL;
    if (!lever_seed) return 0;
    if (!util_jarr(lever_seed, "oauth_clients")) {
        snprintf(err, errlen, "seed: lever.oauth_clients must be an array");
        return -1;
    }
    cfg = json_object_get(lever_seed);
    codes = lh_kchar_table_new(64, free_entry);
    access_tokens = lh_kchar_table_new(256, free_entry);
    refresh_tokens = lh_kchar_table_new(256, free_entry);
    if (!codes || !access_tokens || !refresh_tokens) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_object *rl = util_jobj(lever_seed, "rate_limit");
    rate = env_rate("ATSB_SIM_LEVER_RATE", num(rl, "rate", 10));
    burst = env_rate("ATSB_SIM_LEVER_BURST", num(rl, "burst", 20));
    apply_rate = env_rate("ATSB_SIM_LEVER_APPLY_RATE", num(rl, "apply_rate", 2));
    apply_burst = env_rate("ATSB_SIM_LEVER_APPLY_BURST", num(rl, "apply_burst", 2));
    access_ttl_s = (int64_t)num(lever_seed, "access_token_ttl_s", 3600);
    access_ttl_s = config_int("ATSB_SIM_LEVER_TOKEN_TTL_S", access_ttl_s, 1, 315360000);
    code_ttl_s = (int64_t)num(lever_seed, "code_ttl_s", 600);
    auto_approve = config_bool("ATSB_SIM_LEVER_AUTO_APPROVE", util_jbool(lever_seed, "auto_approve", 1));
    return 0;
}

static json_object *find_client(const char *client_id) {
    return util_find_by(util_jarr(cfg, "oauth_clients"), "client_id", client_id);
}

/* A registered redirect URI matches exactly, or by prefix when it ends in '*'. */
static int redirect_allowed(json_object *client, const char *uri) {
    json_object *uris = util_jarr(client, "redirect_uris");
    size_t n = uris ? json_object_array_length(uris) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *u = json_object_array_get_idx(uris, i);
        if (!json_object_is_type(u, json_type_string)) continue;
        const char *pat = json_object_get_string(u);
        size_t pl = strlen(pat);
        if (pl && pat[pl - 1] == '*') {
            if (!strncmp(pat, uri, pl - 1)) return 1;
        } else if (!strcmp(pat, uri)) {
            return 1;
        }
    }
    return 0;
}

/* Every scope in the space-separated list must be known; returns the first
 * unknown one (copied into bad) or 0. */
static int scopes_valid(const char *scope, char *bad, size_t badlen) {
    json_object *known = util_jarr(cfg, "scopes");
    const char *p = scope;
    while (*p) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (!n) break;
        int ok = 0;
        size_t k = known ? json_object_array_length(known) : 0;
        for (size_t i = 0; i < k && !ok; i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(known, i));
            ok = s && strlen(s) == n && !strncmp(s, p, n);
        }
        if (!ok && known) {
            snprintf(bad, badlen, "%.*s", (int)(n < 100 ? n : 100), p);
            return 0;
        }
        p += n;
    }
    return 1;
}

/* Every known scope, space-separated. Returns 0, or -1 when it does not fit. */
static int all_scopes(char *out, size_t len) {
    json_object *known = util_jarr(cfg, "scopes");
    size_t pos = 0;
    out[0] = '\0';
    for (size_t i = 0; known && i < json_object_array_length(known); i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(known, i));
        int n = snprintf(out + pos, len - pos, "%s%s", pos ? " " : "", s ? s : "");
        if (n < 0 || (size_t)n >= len - pos) return -1;
        pos += (size_t)n;
    }
    return 0;
}

static void html_escape(util_sb *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '<': util_sb_add(b, "&lt;"); break;
        case '>': util_sb_add(b, "&gt;"); break;
        case '&': util_sb_add(b, "&amp;"); break;
        case '"': util_sb_add(b, "&quot;"); break;
        case '\'': util_sb_add(b, "&#39;"); break;
        default: util_sb_addn(b, s, 1);
        }
    }
}

/* 302 to redirect_uri with the given query pairs (NULL values skipped). */
static void redirect(http_response *resp, const char *uri, const char *k1, const char *v1,
                     const char *k2, const char *v2, const char *state) {
    util_sb b = {0};
    util_sb_add(&b, uri);
    char sep = strchr(uri, '?') ? '&' : '?';
    const char *keys[3] = {k1, k2, "state"};
    const char *vals[3] = {v1, v2, state};
    for (int i = 0; i < 3; i++) {
        if (!keys[i] || !vals[i]) continue;
        util_sb_addn(&b, &sep, 1);
        sep = '&';
        util_sb_add(&b, keys[i]);
        util_sb_add(&b, "=");
        util_sb_add_urlenc(&b, vals[i]);
    }
    char *loc = util_sb_take(&b);
    if (!loc || strlen(loc) >= sizeof resp->headers[0].value) {
        reply_oauth(resp, 400, "invalid_request",
                    "The redirect URL (redirect_uri + code + state) is too long for the simulator "
                    "(511 characters at most).");
    } else {
        http_set_header(resp, "Location", loc);
        util_sb hb = {0};
        util_sb_add(&hb, "<html><body>Redirecting to <a href=\"");
        html_escape(&hb, loc);
        util_sb_add(&hb, "\">the application</a>.</body></html>");
        char *html = util_sb_take(&hb);
        reply_text(resp, 302, "text/html; charset=utf-8", html ? html : "");
        free(html);
    }
    free(loc);
}

typedef const char *(*param_fn)(const void *src, const char *name);

static const char *query_param(const void *src, const char *name) { return http_query(src, name); }
static const char *form_param(const void *src, const char *name) { return form_get(src, name); }

static void consent_page(http_response *resp, param_fn get, const void *src, lever_env env) {
    static const char *const names[] = {"client_id", "redirect_uri", "response_type", "state",
                                        "scope",     "prompt",       "audience",      "sim_site"};
    util_sb b = {0};
    util_sb_add(&b, "<!doctype html><html><head><meta charset=\"utf-8\"><title>Authorize</title></head>"
                    "<body><h1>Authorize application</h1><p>");
    html_escape(&b, get(src, "client_id") ? get(src, "client_id") : "");
    util_sb_add(&b, " wants to access your Lever account (");
    html_escape(&b, get(src, "scope") ? get(src, "scope") : "");
    util_sb_add(&b, ").</p><form method=\"post\" action=\"");
    util_sb_add(&b, env_prefixes[env]);
    util_sb_add(&b, "/auth/authorize\">");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = get(src, names[i]);
        if (!v) continue;
        util_sb_add(&b, "<input type=\"hidden\" name=\"");
        util_sb_add(&b, names[i]);
        util_sb_add(&b, "\" value=\"");
        html_escape(&b, v);
        util_sb_add(&b, "\">");
    }
    util_sb_add(&b, "<button name=\"decision\" value=\"accept\">Accept</button>"
                    "<button name=\"decision\" value=\"deny\">Deny</button></form></body></html>");
    char *html = util_sb_take(&b);
    reply_text(resp, 200, "text/html; charset=utf-8", html ? html : "");
    free(html);
}

/* The shared authorize logic for GET (query) and POST (form). decision is
 * "accept", "deny" or NULL (GET without sim_decision: auto-approve or show
 * the consent page). Lock held. */
static void authorize(http_response *resp, param_fn get, const void *src, const char *decision,
                      lever_env env) {
    const char *client_id = get(src, "client_id");
    const char *redirect_uri = get(src, "redirect_uri");
    const char *response_type = get(src, "response_type");
    const char *state = get(src, "state");
    const char *scope = get(src, "scope");
    const char *audience = get(src, "audience");
    const char *site = get(src, "sim_site");
    json_object *client = client_id ? find_client(client_id) : NULL;
    if (!client) {
        reply_oauth(resp, 400, "invalid_client", "Unknown client_id.");
        return;
    }
    if (!redirect_uri || !redirect_allowed(client, redirect_uri)) {
        reply_oauth(resp, 400, "invalid_request",
                    "The redirect_uri is not in the client's list of allowed callback URLs.");
        return;
    }
    if (!response_type || strcmp(response_type, "code") != 0) {
        redirect(resp, redirect_uri, "error", "unsupported_response_type", "error_description",
                 "Only response_type=code is supported.", state);
        return;
    }
    const char *want_aud = util_jstr(cfg, env_audience_keys[env]);
    if (want_aud && (!audience || strcmp(audience, want_aud) != 0)) {
        redirect(resp, redirect_uri, "error", "access_denied", "error_description",
                 "Service not found: the audience must be the Lever API.", state);
        return;
    }
    char bad[128];
    if (!scope || !*scope || !scopes_valid(scope, bad, sizeof bad)) {
        redirect(resp, redirect_uri, "error", "invalid_scope", "error_description",
                 scope && *scope ? "The scope contains an unknown value." : "The scope is missing.", state);
        return;
    }
    if (strlen(scope) >= sizeof ((oauth_code *)0)->scope ||
        strlen(redirect_uri) >= sizeof ((oauth_code *)0)->redirect_uri) {
        reply_oauth(resp, 400, "invalid_request", "scope or redirect_uri is too long.");
        return;
    }
    if (!site) site = util_jstr(client, "site");
    if (!site) site = lever_default_site();
    if (!site || !lever_site_exists(site) || strlen(site) >= SITE_LEN) {
        reply_oauth(resp, 400, "invalid_request", "Unknown Lever account (sim_site).");
        return;
    }
    if (!decision) {
        if (!auto_approve) {
            consent_page(resp, get, src, env);
            return;
        }
        decision = "accept";
    }
    if (strcmp(decision, "accept") != 0) {
        redirect(resp, redirect_uri, "error", "access_denied", "error_description",
                 "The user denied access.", state);
        return;
    }
    oauth_code *c = calloc(1, sizeof *c);
    if (!c) {
        reply_oauth(resp, 500, "server_error", "Out of memory.");
        return;
    }
    crypto_random_id("", c->code, sizeof c->code);
    c->env = env;
    snprintf(c->site, sizeof c->site, "%s", site);
    snprintf(c->client_id, sizeof c->client_id, "%s", client_id);
    snprintf(c->redirect_uri, sizeof c->redirect_uri, "%s", redirect_uri);
    snprintf(c->scope, sizeof c->scope, "%s", scope);
    c->expires_ms = util_now_ms() + code_ttl_s * 1000;
    if (lh_table_insert(codes, c->code, c) != 0) {
        free(c);
        reply_oauth(resp, 500, "server_error", "Out of memory.");
        return;
    }
    redirect(resp, redirect_uri, "code", c->code, NULL, NULL, state);
}

void lever_oauth_authorize(const http_request *req, http_response *resp) {
    if (!strcmp(req->method, "GET")) {
        state_lock();
        authorize(resp, query_param, req, http_query(req, "sim_decision"), env_of(req));
        state_unlock();
        return;
    }
    form_data f;
    if (form_parse(req->body, req->body_len, &f) != 0) {
        reply_oauth(resp, 400, "invalid_request", "The form body is malformed.");
        return;
    }
    const char *decision = form_get(&f, "decision");
    state_lock();
    authorize(resp, form_param, &f, decision ? decision : "deny", env_of(req));
    state_unlock();
    form_free(&f);
}

/* Drops expired access tokens and used refresh tokens when the tables grow
 * large (long benchmarks). Lock held. */
static void prune(void) {
    struct lh_entry *e, *tmp;
    int64_t now = util_now_ms();
    if (lh_table_length(access_tokens) > PRUNE_AT) {
        lh_foreach_safe(access_tokens, e, tmp) {
            const oauth_token *t = lh_entry_v(e);
            if (t->expires_ms < now) lh_table_delete(access_tokens, lh_entry_k(e));
        }
    }
    if (lh_table_length(codes) > PRUNE_AT) {
        lh_foreach_safe(codes, e, tmp) {
            const oauth_code *c = lh_entry_v(e);
            if (c->used || c->expires_ms < now) lh_table_delete(codes, lh_entry_k(e));
        }
    }
}

/* Creates an access (and, with offline_access, refresh) token and returns the
 * token response, or NULL when out of memory. Lock held. */
static json_object *issue(lever_env env, const char *site, const char *client_id, const char *scope) {
    prune();
    oauth_token *at = calloc(1, sizeof *at);
    oauth_token *rt = lever_scope_has(scope, "offline_access") ? calloc(1, sizeof *rt) : NULL;
    if (!at || (lever_scope_has(scope, "offline_access") && !rt)) goto fail;
    crypto_random_id("sim-at-", at->token, sizeof at->token);
    at->env = env;
    snprintf(at->site, sizeof at->site, "%s", site);
    snprintf(at->client_id, sizeof at->client_id, "%s", client_id);
    snprintf(at->scope, sizeof at->scope, "%s", scope);
    at->expires_ms = util_now_ms() + access_ttl_s * 1000;
    if (rt) {
        *rt = *at;
        crypto_random_id("sim-rt-", rt->token, sizeof rt->token);
        rt->expires_ms = 0;
    }
    if (lh_table_insert(access_tokens, at->token, at) != 0) goto fail;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "access_token", json_object_new_string(at->token));
    if (rt) {
        if (lh_table_insert(refresh_tokens, rt->token, rt) != 0) {
            lh_table_delete(access_tokens, at->token);
            json_object_put(o);
            free(rt);
            return NULL;
        }
        json_object_object_add(o, "refresh_token", json_object_new_string(rt->token));
    }
    json_object_object_add(o, "scope", json_object_new_string(scope));
    json_object_object_add(o, "expires_in", json_object_new_int64(access_ttl_s));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    return o;
fail:
    free(at);
    free(rt);
    return NULL;
}

json_object *lever_oauth_mint(const char *site, const char *scope, const char *environment, char *err,
                              size_t errlen) {
    char all[sizeof ((oauth_token *)0)->scope], bad[128];
    lever_env env = ENV_PRODUCTION;
    if (environment && !strcmp(environment, env_names[ENV_SANDBOX])) env = ENV_SANDBOX;
    else if (environment && strcmp(environment, env_names[ENV_PRODUCTION]) != 0) {
        snprintf(err, errlen, "environment must be production or sandbox.");
        return NULL;
    }
    if (!site || !lever_site_exists(site) || strlen(site) >= SITE_LEN) {
        snprintf(err, errlen, "Unknown Lever site.");
        return NULL;
    }
    if (!scope && all_scopes(all, sizeof all) == 0) scope = all;
    if (!scope || !*scope || strlen(scope) >= sizeof all) {
        snprintf(err, errlen, "scope must have 1 to %zu characters.", sizeof all - 1);
        return NULL;
    }
    if (!scopes_valid(scope, bad, sizeof bad)) {
        snprintf(err, errlen, "Unknown scope: %s.", bad);
        return NULL;
    }
    json_object *o = issue(env, site, "sim-control", scope);
    if (!o) {
        snprintf(err, errlen, "Out of memory.");
        return NULL;
    }
    json_object_object_add(o, "site", json_object_new_string(site));
    json_object_object_add(o, "environment", json_object_new_string(env_names[env]));
    return o;
}

void lever_oauth_token(const http_request *req, http_response *resp) {
    form_data f = {0};
    json_object *j = NULL;
    const char *ct = http_header(req, "Content-Type");
    const char *grant, *client_id, *secret;
    if (ct && !strncasecmp(ct, "application/json", 16)) {
        j = util_parse_body(req, json_type_object);
        if (!j) {
            reply_oauth(resp, 400, "invalid_request", "The JSON body is malformed.");
            return;
        }
    } else if (form_parse(req->body, req->body_len, &f) != 0) {
        reply_oauth(resp, 400, "invalid_request", "The form body is malformed.");
        return;
    }
#define PARAM(name) (j ? util_jstr(j, name) : form_get(&f, name))
    lever_env env = env_of(req);
    grant = PARAM("grant_type");
    client_id = PARAM("client_id");
    secret = PARAM("client_secret");
    state_lock();
    json_object *client = client_id ? find_client(client_id) : NULL;
    const char *want_secret = util_jstr(client, "client_secret");
    if (!grant) {
        reply_oauth(resp, 400, "invalid_request", "Missing required parameter: grant_type");
    } else if (!client || !secret || !want_secret || !crypto_str_equal(secret, want_secret)) {
        reply_oauth(resp, 401, "access_denied", "Unauthorized");
    } else if (!strcmp(grant, "authorization_code")) {
        const char *code = PARAM("code");
        const char *redirect_uri = PARAM("redirect_uri");
        oauth_code *c = NULL;
        if (!code || !lh_table_lookup_ex(codes, code, (void **)&c) || c->used ||
            c->env != env || c->expires_ms < util_now_ms() || strcmp(c->client_id, client_id) != 0) {
            reply_oauth(resp, 403, "invalid_grant", "Invalid authorization code");
        } else if (!redirect_uri || strcmp(redirect_uri, c->redirect_uri) != 0) {
            c->used = 1;
            reply_oauth(resp, 403, "invalid_grant",
                        "The redirect_uri does not match the one used to obtain the code.");
        } else {
            c->used = 1;
            json_object *o = issue(env, c->site, client_id, c->scope);
            if (o) http_json(resp, 200, o);
            else reply_oauth(resp, 500, "server_error", "Out of memory.");
        }
    } else if (!strcmp(grant, "refresh_token")) {
        const char *token = PARAM("refresh_token");
        oauth_token *rt = NULL;
        if (!token || !lh_table_lookup_ex(refresh_tokens, token, (void **)&rt) || rt->used ||
            rt->env != env || strcmp(rt->client_id, client_id) != 0) {
            reply_oauth(resp, 403, "invalid_grant", "Unknown or invalid refresh token.");
        } else {
            json_object *o = issue(env, rt->site, client_id, rt->scope);
            if (o) {
                rt->used = 1; /* rotation: the old refresh token dies now */
                http_json(resp, 200, o);
            } else {
                reply_oauth(resp, 500, "server_error", "Out of memory.");
            }
        }
    } else {
        reply_oauth(resp, 403, "unsupported_grant_type", "Unsupported grant type");
    }
    state_unlock();
#undef PARAM
    json_object_put(j);
    form_free(&f);
}

int lever_oauth_admit(const http_request *req, http_response *resp, const char *scope, int apply,
                      char *site, size_t sitelen) {
    const char *auth = http_header(req, "Authorization");
    oauth_token *t = NULL;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        reply_lever(resp, 401, "UnauthorizedError", "Missing or malformed Authorization header.");
        return -1;
    }
    const char *tok = auth + 7;
    while (*tok == ' ') tok++;
    if (!lh_table_lookup_ex(access_tokens, tok, (void **)&t) || t->env != env_of(req)) {
        reply_lever(resp, 401, "UnauthorizedError", "Invalid access token.");
        return -1;
    }
    int64_t now = util_now_ms();
    if (t->expires_ms <= now) {
        reply_lever(resp, 401, "UnauthorizedError", "The access token has expired.");
        return -1;
    }
    if (!lever_scope_has(t->scope, scope)) { /* a write scope grants its read */
        char msg[160];
        snprintf(msg, sizeof msg, "This request requires the %s scope.", scope);
        reply_lever(resp, 403, "ForbiddenError", msg);
        return -1;
    }
    int retry = 1;
    if (rl_take(&t->general, rate, burst, now, &retry) != 0) {
        reply_lever(resp, 429, "TooManyRequestsError", "Rate limit exceeded: too many requests.");
        reply_retry_after(resp, retry);
        return -1;
    }
    if (apply && rl_take(&t->apply, apply_rate, apply_burst, now, &retry) != 0) {
        reply_lever(resp, 429, "TooManyRequestsError",
                    "Rate limit exceeded: too many application submissions.");
        reply_retry_after(resp, retry);
        return -1;
    }
    snprintf(site, sitelen, "%s", t->site);
    return 0;
}

void lever_oauth_expire_all(void) {
    struct lh_entry *e;
    if (!access_tokens) return;
    lh_foreach(access_tokens, e) {
        oauth_token *t = (oauth_token *)lh_entry_v(e);
        t->expires_ms = 0;
    }
}

int lever_oauth_set_rates(json_object *spec, char *err, size_t errlen) {
    static const char *const keys[] = {"rate", "burst", "apply_rate", "apply_burst"};
    double *vals[] = {&rate, &burst, &apply_rate, &apply_burst};
    double next[4];
    for (int i = 0; i < 4; i++) {
        json_object *v;
        next[i] = *vals[i];
        if (!json_object_object_get_ex(spec, keys[i], &v) || !v) continue;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
            snprintf(err, errlen, "%s must be a number >= 0", keys[i]);
            return -1;
        }
        next[i] = json_object_get_double(v);
        if (!(next[i] >= 0 && next[i] <= 1e9)) {
            snprintf(err, errlen, "%s must be a number >= 0", keys[i]);
            return -1;
        }
    }
    for (int i = 0; i < 4; i++) *vals[i] = next[i];
    return 0;
}

json_object *lever_oauth_rates(void) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "rate", json_object_new_double(rate));
    json_object_object_add(o, "burst", json_object_new_double(burst));
    json_object_object_add(o, "apply_rate", json_object_new_double(apply_rate));
    json_object_object_add(o, "apply_burst", json_object_new_double(apply_burst));
    json_object_object_add(o, "access_token_ttl_s", json_object_new_int64(access_ttl_s));
    return o;
}
