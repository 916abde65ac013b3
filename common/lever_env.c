#include "lever_env.h"

#include "config.h"
#include "outbound.h"

#include <pthread.h>
#include <string.h>

#define SIM "http://127.0.0.1:8090"

static lever_env production, sandbox;
static int have_sandbox;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(lever_env *e, const char *name, int is_sandbox) {
    e->name = name;
    e->api_url = config_str(is_sandbox ? "ATSB_LEVER_SANDBOX_API_URL" : "ATSB_LEVER_API_URL",
                            is_sandbox ? SIM "/lever-sandbox/v1" : SIM "/lever/v1");
    e->authorize_url = config_str(is_sandbox ? "ATSB_LEVER_SANDBOX_AUTHORIZE_URL" : "ATSB_LEVER_AUTHORIZE_URL",
                                  is_sandbox ? SIM "/lever-sandbox/auth/authorize" : SIM "/lever/auth/authorize");
    e->token_url = config_str(is_sandbox ? "ATSB_LEVER_SANDBOX_TOKEN_URL" : "ATSB_LEVER_TOKEN_URL",
                              is_sandbox ? SIM "/lever-sandbox/auth/oauth/token" : SIM "/lever/auth/oauth/token");
    e->audience = config_str(is_sandbox ? "ATSB_LEVER_SANDBOX_AUDIENCE" : "ATSB_LEVER_AUDIENCE",
                             is_sandbox ? "https://api.sandbox.lever.co/v1/" : "https://api.lever.co/v1/");
    e->client_id = config_str(is_sandbox ? "ATSB_LEVER_SANDBOX_CLIENT_ID" : "ATSB_LEVER_CLIENT_ID",
                              "atsbridge-dev-client");
}

static void load_all(void) {
    load(&production, LEVER_ENV_PRODUCTION, 0);
    load(&sandbox, LEVER_ENV_SANDBOX, 1);
    have_sandbox = config_str("ATSB_LEVER_SANDBOX_API_URL", NULL) || config_dev();
}

const lever_env *lever_env_get(const char *name) {
    pthread_once(&once, load_all);
    if (!name || !*name || !strcmp(name, LEVER_ENV_PRODUCTION)) return &production;
    return !strcmp(name, LEVER_ENV_SANDBOX) && have_sandbox ? &sandbox : NULL;
}

const char *lever_env_client_secret(const lever_env *e) {
    return config_secret(e == &sandbox ? "ATSB_LEVER_SANDBOX_CLIENT_SECRET" : "ATSB_LEVER_CLIENT_SECRET");
}

void lever_env_check_urls(void) {
    pthread_once(&once, load_all);
    outbound_config_url("ATSB_LEVER_API_URL", production.api_url);
    outbound_config_url("ATSB_LEVER_TOKEN_URL", production.token_url);
    /* The development defaults (the simulator on loopback) are checked per
     * request like any other URL; a configured sandbox at start-up. */
    if (!config_str("ATSB_LEVER_SANDBOX_API_URL", NULL)) return;
    outbound_config_url("ATSB_LEVER_SANDBOX_API_URL", sandbox.api_url);
    outbound_config_url("ATSB_LEVER_SANDBOX_TOKEN_URL", sandbox.token_url);
}
