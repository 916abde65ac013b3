#ifndef ATSSIM_LEVER_H
#define ATSSIM_LEVER_H

#include "http_server.h"

#include <json-c/json.h>
#include <stddef.h>

/* The Lever API (api.lever.co/v1) under /lever/v1, and the sandbox's
 * (api.sandbox.lever.co/v1) under /lever-sandbox/v1 with the same data:
 * postings and their apply forms, applications, opportunities, uploads,
 * tags, notes, stages, users, and signed webhooks. The access token decides
 * the site (account); each call needs its OAuth scope (lever_oauth.h). */

/* dispatch handlers (take the state lock themselves) */
void lever_list_postings(const http_request *req, http_response *resp);
void lever_get_posting(const http_request *req, http_response *resp);
void lever_get_apply_form(const http_request *req, http_response *resp);
void lever_apply(const http_request *req, http_response *resp);
void lever_create_opportunity(const http_request *req, http_response *resp);
void lever_list_opportunities(const http_request *req, http_response *resp);
void lever_get_opportunity(const http_request *req, http_response *resp);
void lever_add_tags(const http_request *req, http_response *resp);
void lever_remove_tags(const http_request *req, http_response *resp);
void lever_add_note(const http_request *req, http_response *resp);
void lever_update_stage(const http_request *req, http_response *resp);
void lever_upload(const http_request *req, http_response *resp);
void lever_list_stages(const http_request *req, http_response *resp);
void lever_list_users(const http_request *req, http_response *resp);

/* Lock held. */
int lever_site_exists(const char *site);
const char *lever_default_site(void); /* the first seeded site, or NULL */

/* Control: moves opportunity id to stage (id or name) and sends the signed
 * candidateStageChange webhook. Lock held. Returns 200 with *out set, or 404
 * / 422 with err filled. */
int lever_sim_move_stage(const char *id, const char *stage, json_object **out, char *err, size_t errlen);
/* Control: {"site"?, "url", "events"?} sets the webhook URL of the site's
 * events (all when events is absent). Lock held. Returns 0 with *out the new
 * configuration, or -1 with err. */
int lever_sim_set_webhooks(json_object *spec, json_object **out, char *err, size_t errlen);

/* Lock held. */
json_object *lever_ledger(void);
/* Back to the seed's "lever" object; NULL frees everything. Lock held. */
int lever_reset(json_object *lever_seed, char *err, size_t errlen);

#endif
