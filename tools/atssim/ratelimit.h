#ifndef ATSSIM_RATELIMIT_H
#define ATSSIM_RATELIMIT_H

#include <stdint.h>

/* Token bucket: `rate` tokens per second refill a bucket holding at most
 * `burst`. Not thread-safe: callers hold the state lock. */

typedef struct {
    double tokens;
    int64_t last_ms; /* 0: never used (starts full) */
} rl_bucket;

/* Takes one token at now_ms. Returns 0 when admitted, or -1 when the bucket is
 * empty, with *retry_after_s set to the whole seconds (>= 1) until a token is
 * available. rate <= 0 disables the limit. */
int rl_take(rl_bucket *b, double rate, double burst, int64_t now_ms, int *retry_after_s);

#endif
