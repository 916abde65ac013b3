#ifndef ATSB_CONFIG_H
#define ATSB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Typed configuration from environment variables. Every getter returns the
 * default when the variable is unset or empty. A value that does not parse or
 * is out of range prints one line naming the variable to stderr and exits the
 * process with status 2 (bad configuration is fatal at start-up, never later).
 * Returned strings are owned by the environment or are the default literal. */

const char *config_str(const char *name, const char *def);
int64_t config_int(const char *name, int64_t def, int64_t min, int64_t max);
bool config_bool(const char *name, bool def);

/* "host:port" with a numeric port; returns host and port through out params.
 * host is written into a caller buffer of hostlen bytes. */
void config_addr(const char *name, const char *def, char *host, size_t hostlen, int *port);

/* Parses a decimal integer in [min,max]; returns 0 on success, -1 otherwise.
 * Exposed for tests and for callers parsing other input. */
int config_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* Prints "<prog>: bad value for NAME: reason" and exits 2. */
_Noreturn void config_fail(const char *name, const char *reason);

/* Secrets: ATSB_ADMIN_TOKEN, ATSB_SECRET_KEY, ATSB_LEVER_CLIENT_SECRET,
 * ATSB_PROVIDER_API_KEY and ATSB_CONSOLE_SESSION_KEY. Each has a development
 * default (one table, in config.c) that is accepted only in development,
 * ATSB_DEV=1: outside it a
 * service refuses to start with a secret unset or equal to its development
 * default. */

/* True when ATSB_DEV is true (development). */
bool config_dev(void);

/* The development default of secret NAME; NULL when NAME is not a secret. */
const char *config_secret_dev_default(const char *name);

/* The value of secret NAME. In development an unset or empty NAME gives its
 * development default. Outside development, NAME unset, empty or equal to the
 * development default (compared ignoring case) prints one line to stderr,
 * "<program>: NAME is not set (set ATSB_DEV=1 for development)" or
 * "<program>: NAME equals the development default (...)", and exits 2.
 * service_start calls it for each secret of service_spec.secrets before
 * opening anything, so the calls made later while serving always return. */
const char *config_secret(const char *name);

#endif
