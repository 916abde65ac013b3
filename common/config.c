#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Noreturn void config_fail(const char *name, const char *reason) {
    fprintf(stderr, "atsbridge: bad value for %s: %s\n", name, reason);
    exit(2);
}

const char *config_str(const char *name, const char *def) {
    const char *v = getenv(name);
    return (v && *v) ? v : def;
}

int config_parse_int(const char *s, int64_t min, int64_t max, int64_t *out) {
    if (!s || !*s) return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max) return -1;
    *out = v;
    return 0;
}

int64_t config_int(const char *name, int64_t def, int64_t min, int64_t max) {
    const char *v = getenv(name);
    if (!v || !*v) return def;
    int64_t out;
    if (config_parse_int(v, min, max, &out) != 0) {
        char reason[128];
        snprintf(reason, sizeof reason, "expected an integer between %lld and %lld",
                 (long long)min, (long long)max);
        config_fail(name, reason);
    }
    return out;
}

bool config_bool(const char *name, bool def) {
    const char *v = getenv(name);
    if (!v || !*v) return def;
    if (!strcasecmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on"))
        return true;
    if (!strcasecmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off"))
        return false;
    config_fail(name, "expected true or false");
}

void config_addr(const char *name, const char *def, char *host, size_t hostlen, int *port) {
    const char *v = config_str(name, def);
    const char *colon = strrchr(v, ':');
    int64_t p;
    if (!colon || colon == v || (size_t)(colon - v) >= hostlen ||
        config_parse_int(colon + 1, 0, 65535, &p) != 0)
        config_fail(name, "expected host:port");
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = '\0';
    *port = (int)p;
}

/* The development defaults of the secrets, accepted only with ATSB_DEV=1.
 * ATSB_SECRET_KEY's is the key the development stack has always sealed with
 * (the BLAKE2b-256 hash of "atsbridge-dev-key"), so development databases
 * keep opening. The Lever client secret and the provider key are the ones the
 * ATS simulator's seed (tools/atssim/seed.json) accepts. */
static const struct {
    const char *name;
    const char *dev_default;
} secrets[] = {
    {"ATSB_ADMIN_TOKEN", "dev-admin-token"},
    {"ATSB_SECRET_KEY", "712fe5cbf92232bf5fe83d9a6c2a52e161737b16b24bee10fc95b92ae461dc07"},
    {"ATSB_LEVER_CLIENT_SECRET", "atsbridge-dev-secret"},
    {"ATSB_LEVER_SANDBOX_CLIENT_SECRET", "atsbridge-dev-secret"},
    {"ATSB_PROVIDER_API_KEY", "dev-provider-key"},
    {"ATSB_CONSOLE_SESSION_KEY", "dev-console-session-key-do-not-use-in-production"},
};

bool config_dev(void) { return config_bool("ATSB_DEV", false); }

const char *config_secret_dev_default(const char *name) {
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (!strcmp(secrets[i].name, name)) return secrets[i].dev_default;
    return NULL;
}

const char *config_secret(const char *name) {
    const char *dev = config_secret_dev_default(name);
    const char *v = getenv(name);
    int unset = !v || !*v;
    int is_dev = !unset && dev && !strcasecmp(v, dev);
    if (!unset && !is_dev) return v;
    if (config_dev() && dev) return unset ? dev : v;
    if (unset)
        fprintf(stderr, "%s: %s is not set (set ATSB_DEV=1 for development)\n", program_invocation_short_name,
                name);
    else
        fprintf(stderr, "%s: %s equals the development default (set a secret value; ATSB_DEV=1 only for development)\n",
                program_invocation_short_name, name);
    exit(2);
}
