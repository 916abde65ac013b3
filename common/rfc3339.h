#ifndef ATSB_RFC3339_H
#define ATSB_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Parses an RFC 3339 date-time, "YYYY-MM-DDTHH:MM:SS[.fff]Z" or with a
 * numeric offset "+HH:MM" instead of Z ('t', 'z' and a space for 'T'
 * accepted; fractions beyond milliseconds dropped), into Unix milliseconds.
 * Returns 0, or -1 for anything else (no zone, an impossible date such as
 * February 30th; *ms untouched). Pure, no libc time functions: every time
 * that comes from outside goes through it. */
int rfc3339_parse(const char *s, int64_t *ms);

/* Unix milliseconds as "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, UTC) into out
 * (21 bytes are enough). */
void rfc3339_format(int64_t ms, char *out, size_t len);

#endif
