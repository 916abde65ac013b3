#ifndef ATSB_DELIVERY_DCTX_H
#define ATSB_DELIVERY_DCTX_H

#include "docbudget.h"
#include "http_engine.h"
#include "service.h"

#include <stdint.h>

/* Configuration and shared resources of the delivery process
 * (docs/delivery.md lists the variables). Read once at start-up; shared
 * read-only by every thread afterwards. */

typedef struct {
    int workers;             /* ATSB_DELIVERY_WORKERS */
    int http_concurrency;    /* ATSB_DELIVERY_HTTP_CONCURRENCY */
    long connect_timeout_ms; /* ATSB_DELIVERY_HTTP_CONNECT_TIMEOUT_MS */
    long timeout_ms;         /* ATSB_DELIVERY_HTTP_TIMEOUT_MS */
    int max_attempts;        /* ATSB_DELIVERY_MAX_ATTEMPTS */
    int64_t backoff_base_ms; /* ATSB_DELIVERY_BACKOFF_BASE_MS */
    int64_t backoff_cap_ms;  /* ATSB_DELIVERY_BACKOFF_CAP_MS */
    int64_t busy_retry_ms;   /* ATSB_DELIVERY_BUSY_RETRY_MS: another worker holds the application */
    int64_t handover_ms;     /* ATSB_DELIVERY_HANDOVER_MS: revoke waits this long for work in flight */
    char group[160];         /* ATSB_DELIVERY_GROUP, prefixed (kafka_group) */
    const char *lever_redirect_uri;
    const char *return_origins; /* ATSB_DELIVERY_RETURN_ORIGINS: origins a return_to may name */
    double lever_rate, lever_burst, lever_apply_rate, lever_apply_burst;
    double eploy_rate, eploy_burst;
    const char *provider_url;
    const char *provider_api_key;
    const char *provider_callback_url;
    int64_t eploy_quota_recheck_ms; /* longest deferral for a spent Eploy quota */
    uint64_t document_budget;       /* ATSB_DELIVERY_DOCUMENT_BUDGET_MB, in bytes */
} dconfig;

typedef struct {
    service svc; /* db pool, producer, HTTP server */
    http_engine *http;
    dconfig cfg;
    doc_budget docs; /* document bytes held by the workers */
} dctx;

/* Reads every ATSB_DELIVERY_* / ATSB_LEVER_* / ATSB_EPLOY_* / ATSB_PROVIDER_*
 * variable (bad values exit 2, see config.h; so does an ATS or provider URL
 * that outbound_config_url refuses). Can't fail otherwise. */
void dconfig_load(dconfig *cfg);

#endif
