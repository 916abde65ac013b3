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

#endif
