#ifndef ATSB_DELIVERY_RETRY_TIER_H
#define ATSB_DELIVERY_RETRY_TIER_H

#include <stdint.h>

/* Retry topics by delay tier (pure decisions; retry.c produces and gates).
 *
 * A retry due in D waits in the largest tier whose delay is <= D (the
 * smallest tier when D is shorter) until its tier-due time, now + the tier's
 * delay capped at its own due time. Within one tier partition messages are
 * in produce order and wait the same delay, so a head never waits behind a
 * longer wait than its tier's. A message that leaves its tier before its
 * own due time hops to the tier for the time left. */

#define RETRY_TIERS 4

typedef struct {
    const char *topic; /* base name (kafka_conf.h) */
    const char *label; /* metrics label tier="..." */
    int64_t delay_ms;
} retry_tier;

/* Shortest delay first: 5 s, 1 min, 10 min, 1 h. */
extern const retry_tier retry_tiers[RETRY_TIERS];

/* Index into retry_tiers for a wait of wait_ms (may be <= 0). */
int retry_tier_for(int64_t wait_ms);

/* When a message put into tier t at now_ms, due at due_ms, may leave it:
 * now_ms + the tier's delay, at most due_ms. */
int64_t retry_tier_due(int t, int64_t now_ms, int64_t due_ms);

typedef enum {
    RETRY_DELIVER, /* due: attempt the delivery */
    RETRY_WAIT,    /* still inside its tier's delay */
    RETRY_HOP      /* out of its tier but not due: into the tier for the time left */
} retry_step;

/* What to do with a retry message at now_ms: tier_due_ms is its tier-due-ms
 * header (0 when absent, as in the single retry topic of earlier versions),
 * due_ms its due-at-ms (0 when absent). */
retry_step retry_step_at(int64_t tier_due_ms, int64_t due_ms, int64_t now_ms);

#endif
