#ifndef INGEST_TIMESTAMP_H
#define INGEST_TIMESTAMP_H

#include <stdint.h>

/* Parses an RFC 3339 date-time ("2026-11-24T10:00:00Z", fractional seconds
 * and numeric offsets allowed) into Unix milliseconds. Returns 0, or -1 when
 * s is not such a timestamp (*ms untouched). Pure. */
int timestamp_parse_rfc3339(const char *s, int64_t *ms);

/* Milliseconds since the Unix epoch, now. */
int64_t timestamp_now_ms(void);

#endif
