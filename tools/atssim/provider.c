#include "provider.h"

#include "config.h"
#include "crypto.h"
#include "reply.h"
#include "rfc3339.h"
#include "shutdown.h"
#include "state.h"
#include "util.h"
#include "webhooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const statuses[] = {"Pending Candidate", "In Progress", "Completed"};
static const char *const scores[] = {"Eligible for Hire", "Review", "Ineligible for Hire"};

static json_object *cfg;   /* copy of the seed's provider object (mutable config) */
static json_object *orders, *order_by_id, *order_by_key;
static int64_t auto_advance_ms;
static pthread_t ticker;
static atomic_int ticking;

int provider_reset(json_object *seed, char *err, size_t errlen) {
    json_object **all[] = {&cfg, &orders, &order_by_id, &order_by_key};
    for (size_t i = 0; i < 4; i++) {
        json_object_put(*all[i]);
        *all[i] = NULL;
    }
    if (!seed) return 0;
    if (!util_jarr(seed, "api_keys") || !util_jstr(seed, "callback_secret") || !util_jarr(seed, "packages")) {
        snprintf(err, errlen, "seed: provider needs api_keys, callback_secret and packages");
        return -1;
    }
    cfg = util_copy(seed);
    orders = json_object_new_array();
    order_by_id = json_object_new_object();
    order_by_key = json_object_new_object();
    auto_advance_ms = 0;
    util_jint(seed, "auto_advance_ms", &auto_advance_ms);
    auto_advance_ms = config_int("ATSB_SIM_PROVIDER_ADVANCE_MS", auto_advance_ms, 0, 86400000);
    if (!cfg) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Bearer API key check; returns 0, or -1 with a 401. Lock held. */
static int authorized(const http_request *req, http_response *resp) {
    const char *auth = http_header(req, "Authorization");
    json_object *keys = util_jarr(cfg, "api_keys");
    if (auth && !strncasecmp(auth, "Bearer ", 7)) {
        for (size_t i = 0; keys && i < json_object_array_length(keys); i++) {
            const char *k = json_object_get_string(json_object_array_get_idx(keys, i));
            if (k && crypto_str_equal(k, auth + 7)) return 0;
        }
    }
    http_error(resp, 401, "unauthorized", "A valid API key is required (Authorization: Bearer <key>).");
    return -1;
}

static json_object *order_view(json_object *o) {
    json_object *v = util_copy(o);
    if (v) {
        json_object_object_del(v, "next_due_ms");
        json_object_object_del(v, "forced_score");
    }
    return v;
}

static json_object *package_get(const char *name) {
    json_object *p = util_find_by(util_jarr(cfg, "packages"), "name", name);
    return p ? p : util_find_by(util_jarr(cfg, "packages"), "id", name);
}

void provider_list_packages(const http_request *req, http_response *resp) {
    state_lock();
    if (authorized(req, resp) == 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "packages", util_copy(util_jarr(cfg, "packages")));
        http_json(resp, 200, o);
    }
    state_unlock();
}

/* One of the seed's employer Client IDs. Lock held. */
static int client_known(const char *id) {
    json_object *clients = util_jarr(cfg, "clients");
    for (size_t i = 0; clients && i < json_object_array_length(clients); i++) {
        const char *c = json_object_get_string(json_object_array_get_idx(clients, i));
        if (c && !strcmp(c, id)) return 1;
    }
    return 0;
}

static void add_detail(json_object *details, const char *field, const char *code, const char *message) {
    json_object *d = json_object_new_object();
    json_object_object_add(d, "field", json_object_new_string(field));
    json_object_object_add(d, "code", json_object_new_string(code));
    json_object_object_add(d, "message", json_object_new_string(message));
    json_object_array_add(details, d);
}

void provider_create_order(const http_request *req, http_response *resp) {
    json_object *body = util_parse_body(req, json_type_object);
    state_lock();
    if (authorized(req, resp) != 0) goto out;
    if (!body) {
        http_error(resp, 400, "malformed_json", "The body must be a JSON object.");
        goto out;
    }
    json_object *details = json_object_new_array();
    const char *ref = util_jstr(body, "reference"), *pkg = util_jstr(body, "package");
    const char *client = util_jstr(body, "client_id");
    json_object *cand = util_jobj(body, "candidate");
    const char *email = util_jstr(cand, "email");
    json_object *package = pkg ? package_get(pkg) : NULL;
    const char *cb = util_jstr(body, "callback_url");
    if (!ref || !*ref || strlen(ref) > 200) add_detail(details, "reference", "required", "reference is required (at most 200 characters).");
    if (!client || !*client) add_detail(details, "client_id", "required", "client_id is required: the employer's Client ID.");
    else if (!client_known(client)) add_detail(details, "client_id", "unknown_client", "client_id is not a known Client ID.");
    if (!package) add_detail(details, "package", "unknown_package", "package must name one of GET /provider/v1/packages.");
    if (!cand) add_detail(details, "candidate", "required", "candidate is required.");
    if (cand && !util_jstr(cand, "first_name")) add_detail(details, "candidate.first_name", "required", "first_name is required.");
    if (cand && !util_jstr(cand, "last_name")) add_detail(details, "candidate.last_name", "required", "last_name is required.");
    if (cand && (!email || !strchr(email, '@'))) add_detail(details, "candidate.email", "invalid", "email must be an e-mail address.");
    if (cb && strncmp(cb, "http://", 7) && strncmp(cb, "https://", 8))
        add_detail(details, "callback_url", "invalid", "callback_url must be an http(s) URL.");
    if (json_object_array_length(details)) {
        http_error_details(resp, 422, "invalid_order", "The order is invalid.", details);
        goto out;
    }
    json_object_put(details);
    char key[512];
    snprintf(key, sizeof key, "%s|%s", ref, util_jstr(package, "name"));
    json_object *o = NULL;
    if (json_object_object_get_ex(order_by_key, key, &o)) {
        if (strcmp(util_jstr(o, "client_id"), client) != 0) {
            http_error(resp, 409, "conflict",
                       "An order with this reference and package already exists for another client_id.");
            goto out;
        }
        int64_t n = 1;
        util_jint(o, "create_requests", &n);
        json_object_object_add(o, "create_requests", json_object_new_int64(n + 1));
        http_json(resp, 200, order_view(o));
        goto out;
    }
    char id[48], url[256], when[32];
    crypto_random_id("ord_", id, sizeof id);
    snprintf(url, sizeof url, "%s/provider/reports/%s", state_base_url(), id);
    int64_t now = util_now_ms();
    rfc3339_format(now, when, sizeof when);
    o = json_object_new_object();
    json_object_object_add(o, "order_id", json_object_new_string(id));
    json_object_object_add(o, "reference", json_object_new_string(ref));
    json_object_object_add(o, "client_id", json_object_new_string(client));
    json_object_object_add(o, "package", json_object_get(json_object_object_get(package, "name")));
    json_object_object_add(o, "candidate", util_copy(cand));
    json_object_object_add(o, "status", json_object_new_string(statuses[0]));
    json_object_object_add(o, "score", NULL);
    json_object_object_add(o, "report_url", json_object_new_string(url));
    json_object_object_add(o, "callback_url", cb ? json_object_new_string(cb) : NULL);
    json_object_object_add(o, "created_at", json_object_new_string(when));
    json_object_object_add(o, "updated_at", json_object_new_string(when));
    json_object *hist = json_object_new_array();
    json_object *h = json_object_new_object();
    json_object_object_add(h, "status", json_object_new_string(statuses[0]));
    json_object_object_add(h, "at", json_object_new_string(when));
    json_object_array_add(hist, h);
    json_object_object_add(o, "history", hist);
    json_object_object_add(o, "create_requests", json_object_new_int64(1));
    json_object_object_add(o, "next_due_ms", json_object_new_int64(auto_advance_ms > 0 ? now + auto_advance_ms : 0));
    json_object_array_add(orders, o);
    json_object_object_add(order_by_id, id, json_object_get(o));
    json_object_object_add(order_by_key, key, json_object_get(o));
    http_json(resp, 201, order_view(o));
out:
    state_unlock();
    json_object_put(body);
}

void provider_get_order(const http_request *req, http_response *resp) {
    state_lock();
    json_object *o;
    if (authorized(req, resp) == 0) {
        if (json_object_object_get_ex(order_by_id, req->params[0], &o)) http_json(resp, 200, order_view(o));
        else http_error(resp, 404, "not_found", "No such order.");
    }
    state_unlock();
}

void provider_report(const http_request *req, http_response *resp) {
    state_lock();
    json_object *o;
    if (!json_object_object_get_ex(order_by_id, req->params[0], &o)) {
        state_unlock();
        http_error(resp, 404, "not_found", "No such report.");
        return;
    }
    util_sb b = {0};
    util_sb_add(&b, "<!doctype html><html><body><h1>Background check report</h1><p>Order ");
    util_sb_add(&b, req->params[0]); /* an id we generated: hex only */
    util_sb_add(&b, "</p><p>Status: ");
    util_sb_add(&b, util_jstr(o, "status") ? util_jstr(o, "status") : "");
    util_sb_add(&b, "</p><p>Score: ");
    util_sb_add(&b, util_jstr(o, "score") ? util_jstr(o, "score") : "pending");
    util_sb_add(&b, "</p></body></html>");
    state_unlock();
    char *html = util_sb_take(&b);
    reply_text(resp, 200, "text/html; charset=utf-8", html ? html : "");
    free(html);
}

/* The score an order completes with: forced by a control call, else by the
 * candidate's e-mail ("+review", "+ineligible"), else the default. */
static const char *score_for(json_object *o) {
    const char *forced = util_jstr(o, "forced_score");
    if (forced) return forced;
    const char *email = util_jstr(util_jobj(o, "candidate"), "email");
    if (email && strcasestr(email, "+ineligible")) return scores[2];
    if (email && strcasestr(email, "+review")) return scores[1];
    const char *def = util_jstr(cfg, "default_score");
    return def ? def : scores[0];
}

/* Signs and queues the status callback for order o. Lock held. */
static void send_callback(json_object *o) {
    const char *url = util_jstr(o, "callback_url");
    if (!url || !*url) url = util_jstr(cfg, "callback_url");
    const char *secret = util_jstr(cfg, "callback_secret");
    if (!url || !*url || !secret) return;
    char when[32], ts[24], event_id[48];
    int64_t now = util_now_ms();
    rfc3339_format(now, when, sizeof when);
    crypto_random_id("evt_", event_id, sizeof event_id);
    json_object *b = json_object_new_object();
    json_object_object_add(b, "event_id", json_object_new_string(event_id));
    json_object_object_add(b, "event", json_object_new_string("order.status_changed"));
    static const char *const keys[] = {"order_id", "reference", "package", "status", "score", "report_url"};
    for (size_t i = 0; i < 6; i++) json_object_object_add(b, keys[i], json_object_get(json_object_object_get(o, keys[i])));
    json_object_object_add(b, "occurred_at", json_object_new_string(when));
    const char *body = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    snprintf(ts, sizeof ts, "%lld", (long long)(now / 1000));
    util_sb m = {0};
    util_sb_add(&m, ts);
    util_sb_add(&m, ".");
    util_sb_add(&m, body);
    char sig[CRYPTO_SHA256_HEX], h1[64], h2[96], h3[80];
    char *msg = util_sb_take(&m);
    if (msg) {
        crypto_hmac_sha256_hex(secret, strlen(secret), msg, strlen(msg), sig);
        snprintf(h1, sizeof h1, "X-Provider-Timestamp: %s", ts);
        snprintf(h2, sizeof h2, "X-Provider-Signature: %s", sig);
        snprintf(h3, sizeof h3, "X-Provider-Event-Id: %s", event_id);
        const char *headers[] = {h1, h2, h3, NULL};
        webhooks_enqueue("provider.order_status", url, body, headers);
    }
    free(msg);
    json_object_put(b);
}

/* Moves o to status index to (> current). Lock held. */
static void advance_to(json_object *o, int to) {
    char when[32];
    int64_t now = util_now_ms();
    rfc3339_format(now, when, sizeof when);
    json_object_object_add(o, "status", json_object_new_string(statuses[to]));
    if (to == 2) json_object_object_add(o, "score", json_object_new_string(score_for(o)));
    json_object_object_add(o, "updated_at", json_object_new_string(when));
    json_object *h = json_object_new_object();
    json_object_object_add(h, "status", json_object_new_string(statuses[to]));
    json_object_object_add(h, "at", json_object_new_string(when));
    json_object_array_add(util_jarr(o, "history"), h);
    json_object_object_add(o, "next_due_ms",
                           json_object_new_int64(to < 2 && auto_advance_ms > 0 ? now + auto_advance_ms : 0));
    send_callback(o);
}

static int status_index(const char *s) {
    for (int i = 0; s && i < 3; i++)
        if (!strcasecmp(s, statuses[i])) return i;
    return -1;
}

int provider_sim_advance(const char *order_id, json_object *spec, json_object **out, char *err, size_t errlen) {
    json_object *o;
    if (!json_object_object_get_ex(order_by_id, order_id, &o)) {
        snprintf(err, errlen, "No such order.");
        return 404;
    }
    int cur = status_index(util_jstr(o, "status"));
    const char *want = util_jstr(spec, "status"), *score = util_jstr(spec, "score");
    int to = want ? status_index(want) : cur + 1;
    if (score && strcmp(score, scores[0]) && strcmp(score, scores[1]) && strcmp(score, scores[2])) {
        snprintf(err, errlen, "score must be Eligible for Hire, Review or Ineligible for Hire.");
        return 422;
    }
    if (cur >= 2) {
        snprintf(err, errlen, "The order is already Completed.");
        return 409;
    }
    if (to <= cur || to > 2) {
        snprintf(err, errlen, "status must be a later status: In Progress or Completed.");
        return 422;
    }
    if (score) json_object_object_add(o, "forced_score", json_object_new_string(score));
    for (int s = cur + 1; s <= to; s++) advance_to(o, s);
    *out = order_view(o);
    return 200;
}

int provider_sim_config(json_object *spec, json_object **out, char *err, size_t errlen) {
    json_object *v;
    int64_t ms = auto_advance_ms;
    if (json_object_object_get_ex(spec, "auto_advance_ms", &v) && (util_jint(spec, "auto_advance_ms", &ms) || ms < 0)) {
        snprintf(err, errlen, "auto_advance_ms must be an integer >= 0 (0: only on control calls).");
        return -1;
    }
    if (json_object_object_get_ex(spec, "callback_url", &v) && v && !json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "callback_url must be a string.");
        return -1;
    }
    const char *score = util_jstr(spec, "default_score");
    if (json_object_object_get_ex(spec, "default_score", NULL) &&
        (!score || (strcmp(score, scores[0]) && strcmp(score, scores[1]) && strcmp(score, scores[2])))) {
        snprintf(err, errlen, "default_score must be Eligible for Hire, Review or Ineligible for Hire.");
        return -1;
    }
    if (json_object_object_get_ex(spec, "callback_url", &v))
        json_object_object_add(cfg, "callback_url", v ? json_object_get(v) : NULL);
    if (score) json_object_object_add(cfg, "default_score", json_object_new_string(score));
    if (ms != auto_advance_ms) {
        auto_advance_ms = ms;
        int64_t now = util_now_ms();
        for (size_t i = 0; i < json_object_array_length(orders); i++) {
            json_object *o = json_object_array_get_idx(orders, i);
            if (status_index(util_jstr(o, "status")) < 2)
                json_object_object_add(o, "next_due_ms", json_object_new_int64(ms > 0 ? now + ms : 0));
        }
    }
    json_object *r = json_object_new_object();
    json_object_object_add(r, "callback_url", json_object_get(json_object_object_get(cfg, "callback_url")));
    json_object_object_add(r, "auto_advance_ms", json_object_new_int64(auto_advance_ms));
    json_object_object_add(r, "default_score", json_object_get(json_object_object_get(cfg, "default_score")));
    *out = r;
    return 0;
}

static void *tick(void *arg) {
    (void)arg;
    while (atomic_load(&ticking) && !shutdown_requested()) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 25 * 1000000L};
        nanosleep(&ts, NULL);
        state_lock();
        int64_t now = util_now_ms();
        for (size_t i = 0; orders && i < json_object_array_length(orders); i++) {
            json_object *o = json_object_array_get_idx(orders, i);
            int64_t due = 0;
            util_jint(o, "next_due_ms", &due);
            int cur = status_index(util_jstr(o, "status"));
            if (due > 0 && due <= now && cur >= 0 && cur < 2) advance_to(o, cur + 1);
        }
        state_unlock();
    }
    return NULL;
}

int provider_start(void) {
    atomic_store(&ticking, 1);
    if (pthread_create(&ticker, NULL, tick, NULL) != 0) {
        atomic_store(&ticking, 0);
        return -1;
    }
    return 0;
}

void provider_stop(void) {
    if (!atomic_exchange(&ticking, 0)) return;
    pthread_join(ticker, NULL);
}

json_object *provider_ledger(void) {
    json_object *o = json_object_new_object();
    json_object *list = json_object_new_array();
    for (size_t i = 0; orders && i < json_object_array_length(orders); i++)
        json_object_array_add(list, order_view(json_object_array_get_idx(orders, i)));
    json_object_object_add(o, "orders", list);
    return o;
}
