#ifndef ATSB_LEVER_ENV_H
#define ATSB_LEVER_ENV_H

/* Lever's environments: "production" (api.lever.co, auth.lever.co) and
 * "sandbox" (api.sandbox.lever.co, with its own authorization server and its
 * own registration of atsbridge's OAuth app). An account chooses one
 * (status.accounts.lever_environment); its connection records the one it was
 * activated in (delivery.connections.environment), and every Lever call and
 * token request goes to that environment's endpoints.
 *
 * The deployment configures each environment:
 *   production: ATSB_LEVER_API_URL, ATSB_LEVER_AUTHORIZE_URL,
 *               ATSB_LEVER_TOKEN_URL, ATSB_LEVER_AUDIENCE,
 *               ATSB_LEVER_CLIENT_ID, ATSB_LEVER_CLIENT_SECRET
 *   sandbox:    the same names with ATSB_LEVER_SANDBOX_ instead of ATSB_LEVER_.
 * The sandbox exists only when ATSB_LEVER_SANDBOX_API_URL is set, or with
 * ATSB_DEV=1 (then every URL defaults to the simulator's /lever-sandbox). */

#define LEVER_ENV_PRODUCTION "production"
#define LEVER_ENV_SANDBOX "sandbox"

typedef struct {
    const char *name;
    const char *api_url;
    const char *authorize_url;
    const char *token_url;
    const char *audience;
    const char *client_id;
} lever_env;

/* The environment called name (NULL or "" means production), or NULL when
 * it is unknown or this deployment does not configure it. */
const lever_env *lever_env_get(const char *name);

/* The environment's OAuth client secret (read only when it is used, so a
 * deployment without a sandbox needs no sandbox secret). */
const char *lever_env_client_secret(const lever_env *e);

/* Checks the API and token URLs of production and of a configured sandbox
 * (ATSB_LEVER_SANDBOX_API_URL set) with outbound_config_url (https, or http
 * to ATSB_OUTBOUND_ALLOW; exits 2). */
void lever_env_check_urls(void);

#endif
