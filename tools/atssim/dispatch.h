#ifndef ATSSIM_DISPATCH_H
#define ATSSIM_DISPATCH_H

#include "http_server.h"
#include "reply.h"

#include <json-c/json.h>
#include <stddef.h>

/* Every simulated API route runs through dispatch_handle: it counts the
 * request per target, adds the global latency, applies a matching fault
 * (faults.h) and then calls the target's handler. The control API (/_sim)
 * does not go through here, so faults never hit it. */

typedef void (*dispatch_fn)(const http_request *req, http_response *resp);

typedef struct {
    const char *name;    /* fault target, e.g. "lever.create_opportunity" */
    reply_flavor flavor; /* error shape for injected statuses */
    dispatch_fn fn;
} dispatch_target;

#define DISPATCH_MAX_TARGETS 64

/* Registers the targets (array must outlive the server); route ctx pointers
 * must point into it. Also tells faults.c the valid target names. Returns 0
 * or -1 when there are more than DISPATCH_MAX_TARGETS. */
int dispatch_register(const dispatch_target *targets, size_t n);
/* http_route handler; ctx is a const dispatch_target *. */
void dispatch_handle(const http_request *req, http_response *resp, void *ctx);
/* {"total": N, "targets": {"lever.list_stages": {"requests": N, "responses": {"200": N, "dropped": N}}}} */
json_object *dispatch_counts(void);
void dispatch_reset_counts(void);
/* Names of every target as a JSON array. */
json_object *dispatch_target_names(void);

#endif
