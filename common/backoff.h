#ifndef ATSB_BACKOFF_H
#define ATSB_BACKOFF_H

#include <stdint.h>

/* Failure classification and retry timing (DESIGN.md "Delivery semantics";
 * status's notifier uses the same backoff for operator notifications).
 * Pure functions: no I/O, no globals, safe from any thread. */

typedef enum {
    FAIL_NONE = 0,     /* 2xx: success */
    FAIL_TRANSIENT,    /* 5xx, 408, timeouts, refused or dropped connections: backoff */
    FAIL_RATE_LIMITED, /* 429: wait Retry-After (or the limit's reset), not an attempt */
    FAIL_UNAUTHORIZED, /* 401: refresh the token once, then retry */
    FAIL_PERMANENT,    /* any other 4xx (or a 3xx we do not follow): dead letter */
} fail_class;

/* Class of an HTTP outcome. status 0 means no response (transport error). */
fail_class backoff_classify(long status);

/* The exponential step: min(cap_ms, base_ms * 2^(attempt-1)), attempt < 1
 * counting as 1. Never overflows. For local retries (a batch handled again
 * after a database or broker failure). */
int64_t backoff_step_ms(int attempt, int64_t base_ms, int64_t cap_ms);

/* Exponential backoff with full jitter: a uniform value in
 * [0, backoff_step_ms(attempt, base_ms, cap_ms)] picked with rnd (any 32-bit
 * random number). For retries that many workers or instances make at once. */
int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd);

/* Milliseconds to wait from a Retry-After header value: delta-seconds or an
 * HTTP-date (relative to now_ms, Unix milliseconds). Returns -1 when the
 * value is absent, empty or unparsable; 0 for a date in the past. Capped at
 * 7 days. */
int64_t backoff_retry_after_ms(const char *value, int64_t now_ms);

#endif
