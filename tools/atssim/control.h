#ifndef ATSSIM_CONTROL_H
#define ATSSIM_CONTROL_H

#include "http_server.h"

/* The simulator's own control and inspection API under /_sim
 * (docs/simulator.md lists it). Plain http_route handlers: no faults, no
 * added latency. Errors use atsbridge's shape. */

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
