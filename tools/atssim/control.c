#include "control.h"

#include "dispatch.h"
#include "eploy.h"
#include "faults.h"
#include "lever.h"
#include "lever_oauth.h"
#include "log.h"
#include "provider.h"
#include "state.h"
#include "util.h"
#include "webhooks.h"

#include <stdio.h>
#include <string.h>

/* The body as a JSON object; an empty body counts as {}. Returns NULL after
 * answering 400. */
static json_object *body_object(const http_request *req, http_response *resp) {
    if (req->body_len == 0) return json_object_new_object();
    json_object *o = util_parse_body(req, json_type_object);
    if (!o) http_error(resp, 400, "malformed_json", "The body must be a JSON object.");
    return o;
}

void control_ledger(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    http_json(resp, 200, state_ledger());
}

void control_requests(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    http_json(resp, 200, dispatch_counts());
}

static void add_one(json_object *spec, json_object *added, http_response *resp, int *failed) {
    char err[256];
    json_object *d = NULL;
    if (faults_add(spec, &d, err, sizeof err) != 0) {
        http_error(resp, 422, "invalid_fault", err);
        *failed = 1;
        return;
    }
    json_object_array_add(added, d);
}

void control_faults_add(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *body = util_parse_body(req, json_type_object);
    if (!body) body = util_parse_body(req, json_type_array);
    if (!body) {
        http_error(resp, 400, "malformed_json", "The body must be a fault object or an array of them.");
        return;
    }
    json_object *added = json_object_new_array();
    int failed = 0;
    if (json_object_is_type(body, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(body) && !failed; i++)
            add_one(json_object_array_get_idx(body, i), added, resp, &failed);
    } else {
        add_one(body, added, resp, &failed);
    }
    if (!failed) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "added", added);
        json_object_object_add(o, "faults", faults_list());
        http_json(resp, 200, o);
        log_info("faults added");
    } else {
        json_object_put(added);
    }
    json_object_put(body);
}

void control_faults_list(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "faults", faults_list());
    json_object_object_add(o, "latency_ms", json_object_new_int(faults_latency_ms()));
    http_json(resp, 200, o);
}

void control_faults_clear(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    faults_clear();
    json_object *o = json_object_new_object();
    json_object_object_add(o, "faults", json_object_new_array());
    http_json(resp, 200, o);
}

void control_fault_targets(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "targets", dispatch_target_names());
    http_json(resp, 200, o);
}

void control_reset(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    char err[256];
    if (state_reset(err, sizeof err) != 0) {
        http_error(resp, 500, "reset_failed", err);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "reset", json_object_new_boolean(1));
    http_json(resp, 200, o);
}

void control_latency(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp);
    if (!b) return;
    int64_t ms;
    if (util_jint(b, "ms", &ms) != 0 || ms < 0 || ms > 600000) {
        http_error(resp, 422, "invalid", "ms must be an integer between 0 and 600000.");
    } else {
        faults_set_latency((int)ms);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "latency_ms", json_object_new_int((int)ms));
        http_json(resp, 200, o);
    }
    json_object_put(b);
}

void control_webhooks_log(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "deliveries", webhooks_log());
    http_json(resp, 200, o);
}

/* Answers status with out (taken) when 2xx, else an error with err. */
static void answer(http_response *resp, int status, json_object *out, const char *err) {
    static const char *const codes[] = {"bad_request", "not_found", "conflict", "invalid"};
    if (status >= 200 && status < 300) {
        http_json(resp, status, out);
        return;
    }
    json_object_put(out);
    const char *code = status == 404 ? codes[1] : status == 409 ? codes[2] : status == 422 ? codes[3] : codes[0];
    http_error(resp, status, code, err);
}

void control_lever_stage(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp), *out = NULL;
    if (!b) return;
    char err[256] = "";
    state_lock();
    int status = lever_sim_move_stage(req->params[0], util_jstr(b, "stage"), &out, err, sizeof err);
    state_unlock();
    answer(resp, status, out, err);
    json_object_put(b);
}

void control_lever_webhooks(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp), *out = NULL;
    if (!b) return;
    char err[256] = "";
    state_lock();
    int rc = lever_sim_set_webhooks(b, &out, err, sizeof err);
    state_unlock();
    answer(resp, rc == 0 ? 200 : 422, out, err);
    json_object_put(b);
}

void control_lever_tokens(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp);
    if (!b) return;
    char err[256] = "";
    state_lock();
    const char *site = util_jstr(b, "site");
    json_object *out = lever_oauth_mint(site ? site : lever_default_site(), util_jstr(b, "scope"),
                                        util_jstr(b, "environment"), err, sizeof err);
    state_unlock();
    answer(resp, out ? 200 : 422, out, err);
    json_object_put(b);
}

void control_lever_expire(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    state_lock();
    lever_oauth_expire_all();
    state_unlock();
    json_object *o = json_object_new_object();
    json_object_object_add(o, "expired", json_object_new_boolean(1));
    http_json(resp, 200, o);
}

void control_lever_rates(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp);
    if (!b) return;
    char err[256] = "";
    state_lock();
    int rc = lever_oauth_set_rates(b, err, sizeof err);
    json_object *out = rc == 0 ? lever_oauth_rates() : NULL;
    state_unlock();
    answer(resp, rc == 0 ? 200 : 422, out, err);
    json_object_put(b);
}

/* A control of one Eploy site ({site} in the path): the body to fn under the
 * state lock, then 200 with its answer or 422 with its reason. */
typedef int (*site_control_fn)(const char *site, json_object *spec, json_object **out, char *err, size_t errlen);
static void site_control(const http_request *req, http_response *resp, site_control_fn fn) {
    json_object *b = body_object(req, resp), *out = NULL;
    if (!b) return;
    char err[256] = "";
    state_lock();
    int rc = fn(req->params[0], b, &out, err, sizeof err);
    state_unlock();
    answer(resp, rc == 0 ? 200 : 422, out, err);
    json_object_put(b);
}

void control_eploy_client_ip(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    site_control(req, resp, eploy_sim_client_ip);
}

void control_eploy_quota(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    site_control(req, resp, eploy_sim_quota);
}

void control_eploy_source(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    site_control(req, resp, eploy_sim_source);
}

void control_eploy_expire(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    state_lock();
    eploy_sim_expire_tokens();
    state_unlock();
    json_object *o = json_object_new_object();
    json_object_object_add(o, "expired", json_object_new_boolean(1));
    http_json(resp, 200, o);
}

void control_provider_advance(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp), *out = NULL;
    if (!b) return;
    char err[256] = "";
    state_lock();
    int status = provider_sim_advance(req->params[0], b, &out, err, sizeof err);
    state_unlock();
    answer(resp, status, out, err);
    json_object_put(b);
}

void control_provider_config(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *b = body_object(req, resp), *out = NULL;
    if (!b) return;
    char err[256] = "";
    state_lock();
    int rc = provider_sim_config(b, &out, err, sizeof err);
    state_unlock();
    answer(resp, rc == 0 ? 200 : 422, out, err);
    json_object_put(b);
}
