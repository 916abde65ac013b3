#include "config.h"
#include "dctx.h"
#include "kafka_conf.h"
#include "lever_env.h"
#include "outbound.h"

#include <stdlib.h>

/* Requests per second (or bucket sizes): whole numbers. */
static double rate(const char *name, double def) { return (double)config_int(name, (int64_t)def, 1, 1000000); }

void dconfig_load(dconfig *c) {
    c->workers = (int)config_int("ATSB_DELIVERY_WORKERS", 64, 1, 1024);
    c->http_concurrency = (int)config_int("ATSB_DELIVERY_HTTP_CONCURRENCY", 64, 1, 4096);
    c->connect_timeout_ms = (long)config_int("ATSB_DELIVERY_HTTP_CONNECT_TIMEOUT_MS", 5000, 100, 600000);
    c->timeout_ms = (long)config_int("ATSB_DELIVERY_HTTP_TIMEOUT_MS", 30000, 100, 3600000);
    c->max_attempts = (int)config_int("ATSB_DELIVERY_MAX_ATTEMPTS", 8, 1, 1000);
    c->backoff_base_ms = config_int("ATSB_DELIVERY_BACKOFF_BASE_MS", 1000, 1, 3600000);
    c->backoff_cap_ms = config_int("ATSB_DELIVERY_BACKOFF_CAP_MS", 300000, 1, 86400000);
    c->busy_retry_ms = config_int("ATSB_DELIVERY_BUSY_RETRY_MS", 2000, 1, 3600000);
    kafka_group("ATSB_DELIVERY_GROUP", "delivery", c->group, sizeof c->group);
    /* A worker in flight is in at most one request at a time: by default a
     * revoke waits for one request's worst case, plus a margin for the
     * database and the event acknowledgements. */
    c->handover_ms = config_int("ATSB_DELIVERY_HANDOVER_MS", c->connect_timeout_ms + c->timeout_ms + 5000, 0, 3600000);
    c->lever_redirect_uri = config_str("ATSB_LEVER_REDIRECT_URI", "http://127.0.0.1:8083/oauth/lever/callback");
    c->return_origins = config_str("ATSB_DELIVERY_RETURN_ORIGINS", "");
    c->lever_rate = rate("ATSB_LEVER_RATE", 10);
    c->lever_burst = rate("ATSB_LEVER_BURST", 20);
    c->lever_apply_rate = rate("ATSB_LEVER_APPLY_RATE", 2);
    c->lever_apply_burst = rate("ATSB_LEVER_APPLY_BURST", 2);
    c->eploy_rate = rate("ATSB_EPLOY_RATE", 20);
    c->eploy_burst = rate("ATSB_EPLOY_BURST", 40);
    c->provider_url = config_str("ATSB_PROVIDER_URL", "http://127.0.0.1:8090/provider/v1");
    c->provider_api_key = config_secret("ATSB_PROVIDER_API_KEY");
    c->provider_callback_url = config_str("ATSB_PROVIDER_CALLBACK_URL", "http://127.0.0.1:8081/v1/callbacks/bgcheck/asurint");
    c->eploy_quota_recheck_ms = config_int("ATSB_EPLOY_QUOTA_RECHECK_S", 3600, 1, 86400) * 1000;
    c->document_budget = (uint64_t)config_int("ATSB_DELIVERY_DOCUMENT_BUDGET_MB", 32, 1, 65536) << 20;
    /* Where requests go: https, or plain http to ATSB_OUTBOUND_ALLOW only (exits 2 otherwise). */
    lever_env_check_urls();
    outbound_config_url("ATSB_PROVIDER_URL", c->provider_url);
}
