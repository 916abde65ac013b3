#ifndef CONSOLE_SIGNIN_LIMIT_H
#define CONSOLE_SIGNIN_LIMIT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The sign-in limiter (docs/console.md "Sign-in limit"): a token bucket per
 * client address, so that one address cannot guess operator tokens faster
 * than `burst` attempts at once and then one every `interval_ms`.
 *
 * Fixed memory: a table of `slots` buckets allocated once, keyed by a keyed
 * hash (SipHash, random key) of the address, so a client cannot aim its
 * addresses at one slot; an IPv6 address counts by its /64, which one
 * client usually holds whole. A new address looks at SIGNIN_LIMIT_PROBE
 * slots from its hash and takes a free one, else evicts the one idle the
 * longest (the most refilled bucket, whose forgetting costs least). Each
 * bucket is one number, GCRA's theoretical arrival time: full when it is
 * in the past.
 *
 * Thread-safe (one mutex). signin_limit_take is a pure function of the
 * table and its arguments: no clock, no I/O, so the tests drive time. */

#define SIGNIN_LIMIT_PROBE 8

typedef struct {
    unsigned char key[16]; /* the address (IPv6 /64 prefix, zero-padded) */
    int64_t tat_ms;        /* theoretical arrival time; 0: free slot */
} signin_bucket;

typedef struct {
    pthread_mutex_t mu;
    signin_bucket *slots; /* owned */
    size_t n;             /* a power of two */
    int burst;            /* attempts at once */
    int64_t interval_ms;  /* one attempt back per interval */
    unsigned char hash_key[16];
} signin_limiter;

/* Allocates the table: slots (rounded up to a power of two, 16..1048576),
 * burst 1..1000, interval_ms 1..86400000. 0, or -1 (bad value, memory). */
int signin_limiter_init(signin_limiter *l, size_t slots, int burst, int64_t interval_ms);
void signin_limiter_free(signin_limiter *l);

/* Takes one attempt for the 16-byte address (IPv4-mapped for IPv4, as
 * http_peer_addr gives it) at now_ms (> 0, not decreasing by more than the
 * caller's clock does). Returns 0 when the attempt may go on (the bucket
 * charged), else the milliseconds until the next attempt would be allowed
 * (nothing charged). */
int64_t signin_limit_take(signin_limiter *l, const unsigned char addr[16], int64_t now_ms);

#endif
