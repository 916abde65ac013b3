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
