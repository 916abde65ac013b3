#ifndef ATSB_DELIVERY_RATELIMIT_H
#define ATSB_DELIVERY_RATELIMIT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Per-account rate limits kept in PostgreSQL (delivery.rate_buckets,
 * delivery.quota_usage), so every replica draws from the same bucket: one
 * statement per take, serialized by the rows' locks. A caller that gets "wait"
 * defers the message through the retry tiers instead of sleeping, so a
 * throttled account never holds a worker. */

/* One bucket of a take: (account, name) refills at rate per second up to
 * burst; want tokens are taken (capped at burst; < 1 takes nothing). */
typedef struct {
    const char *name; /* a fixed identifier such as "lever.apply" */
    double rate, burst;
    int want;
} rl_bucket;

/* The ledger row a take starts an attempt of (delivery.start_attempt). */
typedef struct {
    const char *application_id;
    int attempt;
    int mark_in_flight; /* set IN_FLIGHT(attempt) when the tokens are taken */
} rl_ledger;

/* Takes from every bucket of the account, all or none, in one round trip
 * (delivery.start_attempt; pass a request's buckets in one fixed order, the
 * order rows are locked in). With ledger (may be NULL), the same round trip
 * records the application PENDING when it has to wait and has no ledger row,
 * and IN_FLIGHT when the tokens are taken and mark_in_flight is set. Returns
 * 0 when taken, the milliseconds until the first bucket short of tokens
 * would have them (> 0), or -1 on a database error. */
int64_t ratelimit_take(PGconn *c, const char *account, const rl_bucket *b, size_t n, const rl_ledger *ledger);

/* Gives n tokens back (a later limit of the same request refused). */
void ratelimit_refund(PGconn *c, const char *account, const char *name, double burst, int n);

/* Reserves n requests of today's (UTC) budget. budget <= 0 means unlimited.
 * Returns 0 (with *remaining set, -1 when unlimited), the milliseconds until
 * the next UTC day when the budget is spent (> 0), or -1 on a database error. */
int64_t ratelimit_quota_take(PGconn *c, const char *account, int budget, int n, int64_t now_ms, int *remaining);

/* Marks today's budget spent (the ATS answered its quota 429). */
void ratelimit_quota_exhaust(PGconn *c, const char *account, int budget);

/* Milliseconds from now_ms until the next UTC midnight (>= 1). Can't fail. */
int64_t ratelimit_until_next_day(int64_t now_ms);

#endif
