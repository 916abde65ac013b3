#include "api.h"

#include "accounts.h"
#include "cache.h"
#include "fetch.h"
#include "log.h"
#include "service.h"

#include <stdio.h>
#include <string.h>

const char QUESTIONS_GENERIC_PRIVACY_MESSAGE[] =
    "By applying for this job you agree that your application and the information you provide are passed "
    "to the employer, who processes them to consider your application.";

static json_object *privacy_block(const account *a, char *consent_label, size_t len) {
    json_object *o = json_object_new_object();
    int has_url = a->privacy_policy_url && *a->privacy_policy_url;
    const char *company = a->company_name && *a->company_name ? a->company_name : NULL;
    json_object_object_add(o, "url", has_url ? json_object_new_string(a->privacy_policy_url) : NULL);
    json_object_object_add(o, "company_name", company ? json_object_new_string(company) : NULL);
    if (has_url) {
        snprintf(consent_label, len, "By applying for this job you consent to the privacy policy of %s.",
                 company ? company : "the employer");
    } else {
        snprintf(consent_label, len, "%s", QUESTIONS_GENERIC_PRIVACY_MESSAGE);
    }
    json_object_object_add(o, "generic", json_object_new_boolean(!has_url));
    json_object_object_add(o, "message", json_object_new_string(consent_label));
    return o;
}

static void unavailable(http_response *resp, const char *code, const char *msg) {
    http_unavailable(resp, 30, code, msg);
}

void questions_api_get(const http_request *req, http_response *resp, void *ctx) {
    pg_pool *db = ((service *)ctx)->db;
    const char *acc_id = req->params[0], *posting = req->params[1];
    if (!questions_id_ok(acc_id)) {
        http_error(resp, 404, "account_not_found", "No such account.");
        return;
    }
    if (!questions_id_ok(posting)) {
        http_error(resp, 404, "posting_not_found", "No such posting.");
        return;
    }
    PGconn *c = pg_pool_acquire(db);
    if (!c) {
        unavailable(resp, "database_unavailable", "The database is unavailable.");
        return;
    }
    account acc;
    memset(&acc, 0, sizeof acc);
    qs_set set;
    qs_set_init(&set);
    int a = accounts_load(c, acc_id, &acc);
    if (a < 0) {
        unavailable(resp, "database_unavailable", "The database is unavailable.");
        goto done;
    }
    if (a == 1) {
        http_error(resp, 404, "account_not_found", "No such account.");
        goto done;
    }
    qc_info info;
    qc_status st = questions_cache_get(c, &acc, posting, &set, &info);
    switch (st) {
    case QC_OK:
        break;
    case QC_NOT_FOUND:
        http_error(resp, 404, "posting_not_found", "The ATS does not know this posting.");
        goto done;
    case QC_CONNECTION:
        unavailable(resp, "connection_unavailable", "The account's ATS connection cannot be used right now.");
        goto done;
    case QC_UNAVAILABLE:
        unavailable(resp, "ats_unavailable", "The ATS cannot be reached and no recent question set is cached.");
        goto done;
    default:
        unavailable(resp, "database_unavailable", "The database is unavailable.");
        goto done;
    }
    if (set.closed) {
        http_error(resp, 410, "posting_closed", "The posting no longer takes applications.");
        goto done;
    }
    json_object *o = qs_set_to_json(&set);
    if (!o) {
        http_error(resp, 500, "internal", "Out of memory.");
        goto done;
    }
    char consent_label[512];
    json_object_object_add(o, "account_id", json_object_new_string(acc.account_id));
    json_object_object_add(o, "company_name",
                           acc.company_name && *acc.company_name ? json_object_new_string(acc.company_name) : NULL);
    json_object_object_add(o, "privacy_policy", privacy_block(&acc, consent_label, sizeof consent_label));
    /* The consent every board application must give (checked on intake). */
    json_object *qs = json_object_object_get(o, "questions");
    json_object *cq = json_object_new_object();
    json_object_object_add(cq, "id", json_object_new_string("consent.privacy_policy"));
    json_object_object_add(cq, "section", json_object_new_string("consent"));
    json_object_object_add(cq, "label", json_object_new_string(consent_label));
    json_object_object_add(cq, "type", json_object_new_string("BOOLEAN"));
    json_object_object_add(cq, "required", json_object_new_boolean(1));
    json_object_object_add(cq, "candidate_field", json_object_new_string("consent.privacy_policy_accepted"));
    json_object_array_add(qs, cq);
    json_object *cache = json_object_new_object();
    json_object_object_add(cache, "status", json_object_new_string(qc_source_name(info.source)));
    json_object_object_add(cache, "age_s", json_object_new_int64(info.age_s));
    json_object_object_add(cache, "ttl_s", json_object_new_int(questions_cache_ttl_s()));
    json_object_object_add(o, "cache", cache);
    http_set_header(resp, "X-Cache", qc_source_name(info.source));
    http_json(resp, 200, o);
done:
    account_free(&acc);
    qs_set_free(&set);
    pg_pool_release(db, c);
}
