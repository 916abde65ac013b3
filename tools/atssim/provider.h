#ifndef ATSSIM_PROVIDER_H
#define ATSSIM_PROVIDER_H

#include "http_server.h"

#include <json-c/json.h>
#include <stddef.h>

/* The background-check provider (our own REST protocol, docs/simulator.md): orders
 * that progress Pending Candidate -> In Progress -> Completed (+ score), on a
 * timer or on a control call, each step reported by a signed callback:
 *   X-Provider-Timestamp: <unix seconds>
 *   X-Provider-Signature: hex HMAC-SHA256(callback_secret, timestamp + "." + body) */

void provider_create_order(const http_request *req, http_response *resp);
void provider_get_order(const http_request *req, http_response *resp);
void provider_list_packages(const http_request *req, http_response *resp);
void provider_report(const http_request *req, http_response *resp);

/* Starts / stops the thread that advances orders on the timer. */
int provider_start(void);
void provider_stop(void);

/* Control (lock held). advance: one step, or to spec.status; spec.score
 * chooses the result. Returns 200 with *out, or 404/409/422 with err. */
int provider_sim_advance(const char *order_id, json_object *spec, json_object **out, char *err, size_t errlen);
/* {"callback_url", "auto_advance_ms", "default_score"}; 0 or -1 with err. */
int provider_sim_config(json_object *spec, json_object **out, char *err, size_t errlen);

json_object *provider_ledger(void); /* lock held */
/* Back to the seed's "provider" object; NULL frees everything. Lock held. */
int provider_reset(json_object *provider_seed, char *err, size_t errlen);

#endif
