#ifndef ATSSIM_EPLOY_H
#define ATSSIM_EPLOY_H

#include "http_server.h"

#include <json-c/json.h>
#include <stddef.h>

/* The REST API of an Eploy customer site under /eploy/{site}/api: client
 * credentials tokens, vacancies and their questions, candidates, documents,
 * applications (source checked against the site's drop-down values), a
 * daily request quota shared by all the site's keys, an IP allow-list and
 * per-key permissions. Exact Eploy shapes are not public; this follows the
 * ASP.NET Web API conventions Eploy uses (PascalCase, {"Message": ...}). */

void eploy_token(const http_request *req, http_response *resp);
void eploy_search_vacancies(const http_request *req, http_response *resp);
void eploy_get_vacancy(const http_request *req, http_response *resp);
void eploy_vacancy_questions(const http_request *req, http_response *resp);
void eploy_create_candidate(const http_request *req, http_response *resp);
void eploy_get_candidate(const http_request *req, http_response *resp);
void eploy_search_candidates(const http_request *req, http_response *resp);
void eploy_upload_document(const http_request *req, http_response *resp);
void eploy_create_application(const http_request *req, http_response *resp);
void eploy_search_applications(const http_request *req, http_response *resp);

/* Control (lock held). Each returns 0, or -1 with err (unknown site, bad value). */
int eploy_sim_client_ip(const char *site, json_object *spec, json_object **out, char *err, size_t errlen);
int eploy_sim_quota(const char *site, json_object *spec, json_object **out, char *err, size_t errlen);
/* Adds a value to the site's Source drop-down (an Eploy admin's job). */
int eploy_sim_source(const char *site, json_object *spec, json_object **out, char *err, size_t errlen);
void eploy_sim_expire_tokens(void);

json_object *eploy_ledger(void); /* lock held */
/* Back to the seed's "eploy" object; NULL frees everything. Lock held. */
int eploy_reset(json_object *eploy_seed, char *err, size_t errlen);

#endif
