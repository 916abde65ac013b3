#ifndef ATSSIM_CONTROL_H
#define ATSSIM_CONTROL_H

#include "http_server.h"

/* The simulator's own control and inspection API under /_sim
 * (docs/simulator.md lists it, tools/atssim/openapi.yaml describes it).
 * Plain http_route handlers: no faults, no added latency. Errors use
 * atsbridge's shape. */

/* The control routes as an X-macro, R(method, pattern, handler) each: main.c
 * expands them into its route table, tests/openapi/test_openapi_routes.c
 * checks openapi.yaml against them. */
#define ATSSIM_CONTROL_ROUTES(R)                                                  \
    R("GET", "/_sim/ledger", control_ledger)                                      \
    R("GET", "/_sim/requests", control_requests)                                  \
    R("POST", "/_sim/faults", control_faults_add)                                 \
    R("GET", "/_sim/faults", control_faults_list)                                 \
    R("DELETE", "/_sim/faults", control_faults_clear)                             \
    R("GET", "/_sim/faults/targets", control_fault_targets)                       \
    R("POST", "/_sim/reset", control_reset)                                       \
    R("POST", "/_sim/latency", control_latency)                                   \
    R("GET", "/_sim/webhooks", control_webhooks_log)                              \
    R("POST", "/_sim/lever/opportunities/{id}/stage", control_lever_stage)        \
    R("POST", "/_sim/lever/webhooks", control_lever_webhooks)                     \
    R("POST", "/_sim/lever/tokens", control_lever_tokens)                         \
    R("POST", "/_sim/lever/tokens/expire", control_lever_expire)                  \
    R("POST", "/_sim/lever/rate-limit", control_lever_rates)                      \
    R("POST", "/_sim/eploy/tokens/expire", control_eploy_expire)                  \
    R("POST", "/_sim/eploy/{site}/client-ip", control_eploy_client_ip)            \
    R("POST", "/_sim/eploy/{site}/quota", control_eploy_quota)                    \
    R("POST", "/_sim/eploy/{site}/sources", control_eploy_source)                 \
    R("POST", "/_sim/provider/orders/{id}/advance", control_provider_advance)     \
    R("POST", "/_sim/provider/config", control_provider_config)

void control_ledger(const http_request *req, http_response *resp, void *ctx);
void control_requests(const http_request *req, http_response *resp, void *ctx);
void control_faults_add(const http_request *req, http_response *resp, void *ctx);
void control_faults_list(const http_request *req, http_response *resp, void *ctx);
void control_faults_clear(const http_request *req, http_response *resp, void *ctx);
void control_fault_targets(const http_request *req, http_response *resp, void *ctx);
void control_reset(const http_request *req, http_response *resp, void *ctx);
void control_latency(const http_request *req, http_response *resp, void *ctx);
void control_webhooks_log(const http_request *req, http_response *resp, void *ctx);
void control_lever_stage(const http_request *req, http_response *resp, void *ctx);
void control_lever_webhooks(const http_request *req, http_response *resp, void *ctx);
void control_lever_tokens(const http_request *req, http_response *resp, void *ctx);
void control_lever_expire(const http_request *req, http_response *resp, void *ctx);
void control_lever_rates(const http_request *req, http_response *resp, void *ctx);
void control_eploy_client_ip(const http_request *req, http_response *resp, void *ctx);
void control_eploy_quota(const http_request *req, http_response *resp, void *ctx);
void control_eploy_source(const http_request *req, http_response *resp, void *ctx);
void control_eploy_expire(const http_request *req, http_response *resp, void *ctx);
void control_provider_advance(const http_request *req, http_response *resp, void *ctx);
void control_provider_config(const http_request *req, http_response *resp, void *ctx);

#endif
