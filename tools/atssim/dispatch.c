#include "dispatch.h"

#include "faults.h"
#include "util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* by_status[0] counts dropped connections (no answer at all). */
typedef struct {
    _Atomic unsigned long requests;
    _Atomic unsigned long by_status[600];
} target_stats;

static const dispatch_target *base;
static size_t ntargets;
static const char *names[DISPATCH_MAX_TARGETS];
static target_stats stats[DISPATCH_MAX_TARGETS];

int dispatch_register(const dispatch_target *targets, size_t n) {
    if (n > DISPATCH_MAX_TARGETS) return -1;
    base = targets;
    ntargets = n;
    for (size_t i = 0; i < n; i++) names[i] = targets[i].name;
    faults_set_targets(names, n);
    return 0;
}

static void count_status(size_t idx, int status) {
    if (idx >= ntargets) return;
    if (status < 0 || status >= 600) status = 599;
    atomic_fetch_add(&stats[idx].by_status[status], 1);
}

static void drop(const http_request *req, http_response *resp) {
    util_drop_connection(req);
    /* libmicrohttpd still gets a response; sending it fails on the closed socket. */
    reply_status(resp, REPLY_SIM, 500, "Connection dropped by the simulator.");
}

void dispatch_handle(const http_request *req, http_response *resp, void *ctx) {
    const dispatch_target *t = ctx;
    size_t idx = (size_t)(t - base);
    if (idx < ntargets) atomic_fetch_add(&stats[idx].requests, 1);

    int latency = faults_latency_ms();
    if (latency > 0) util_sleep_ms(latency, NULL, 0);

    fault_hit hit;
    if (!faults_match(t->name, &hit)) {
        t->fn(req, resp);
        count_status(idx, resp->status);
        return;
    }
    char msg[160];
    switch (hit.mode) {
    case FAULT_STATUS:
        snprintf(msg, sizeof msg, "Simulated failure (%s).", t->name);
        reply_status(resp, t->flavor, hit.status, msg);
        if (hit.retry_after_s > 0) reply_retry_after(resp, hit.retry_after_s);
        count_status(idx, resp->status);
        return;
    case FAULT_LATENCY:
        util_sleep_ms(hit.latency_ms, NULL, 0);
        t->fn(req, resp);
        count_status(idx, resp->status);
        return;
    case FAULT_HANG: {
        const _Atomic unsigned *gen = faults_generation();
        util_sleep_ms(hit.latency_ms, gen, atomic_load(gen));
        drop(req, resp);
        count_status(idx, 0);
        return;
    }
    case FAULT_DROP:
        if (hit.commit) t->fn(req, resp);
        free(resp->body);
        resp->body = NULL;
        resp->nheaders = 0;
        drop(req, resp);
        count_status(idx, 0);
        return;
    case FAULT_COMMIT_THEN_FAIL:
        t->fn(req, resp);
        if (resp->status < 400) {
            free(resp->body);
            resp->body = NULL;
            resp->nheaders = 0;
            snprintf(msg, sizeof msg, "Simulated failure after the change was stored (%s).", t->name);
            reply_status(resp, t->flavor, hit.status, msg);
            if (hit.retry_after_s > 0) reply_retry_after(resp, hit.retry_after_s);
        }
        count_status(idx, resp->status);
        return;
    case FAULT_NONE:
        break;
    }
    t->fn(req, resp);
    count_status(idx, resp->status);
}

json_object *dispatch_counts(void) {
    json_object *o = json_object_new_object();
    json_object *targets = json_object_new_object();
    unsigned long total = 0;
    for (size_t i = 0; i < ntargets; i++) {
        unsigned long n = atomic_load(&stats[i].requests);
        if (!n) continue;
        total += n;
        json_object *t = json_object_new_object();
        json_object *r = json_object_new_object();
        json_object_object_add(t, "requests", json_object_new_int64((int64_t)n));
        for (int s = 0; s < 600; s++) {
            unsigned long c = atomic_load(&stats[i].by_status[s]);
            if (!c) continue;
            char key[16];
            if (s == 0) snprintf(key, sizeof key, "dropped");
            else snprintf(key, sizeof key, "%d", s);
            json_object_object_add(r, key, json_object_new_int64((int64_t)c));
        }
        json_object_object_add(t, "responses", r);
        json_object_object_add(targets, names[i], t);
    }
    json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "targets", targets);
    return o;
}

void dispatch_reset_counts(void) {
    for (size_t i = 0; i < ntargets; i++) {
        atomic_store(&stats[i].requests, 0);
        for (int s = 0; s < 600; s++) atomic_store(&stats[i].by_status[s], 0);
    }
}

json_object *dispatch_target_names(void) {
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < ntargets; i++) json_object_array_add(a, json_object_new_string(names[i]));
    return a;
}
