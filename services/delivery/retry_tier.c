#include "retry_tier.h"

#include "kafka_conf.h"

const retry_tier retry_tiers[RETRY_TIERS] = {
    {TOPIC_APPLICATIONS_RETRY_5S, "5s", 5000},
    {TOPIC_APPLICATIONS_RETRY_1M, "1m", 60000},
    {TOPIC_APPLICATIONS_RETRY_10M, "10m", 600000},
    {TOPIC_APPLICATIONS_RETRY_1H, "1h", 3600000},
};

int retry_tier_for(int64_t wait_ms) {
    int t = 0;
    while (t + 1 < RETRY_TIERS && retry_tiers[t + 1].delay_ms <= wait_ms) t++;
    return t;
}

int64_t retry_tier_due(int t, int64_t now_ms, int64_t due_ms) {
    int64_t leave = now_ms + retry_tiers[t].delay_ms;
    return due_ms < leave ? due_ms : leave;
}

retry_step retry_step_at(int64_t tier_due_ms, int64_t due_ms, int64_t now_ms) {
    /* A tier never holds a message past its own due time. */
    int64_t leave = tier_due_ms < due_ms ? tier_due_ms : due_ms;
    if (leave > now_ms) return RETRY_WAIT;
    return due_ms > now_ms ? RETRY_HOP : RETRY_DELIVER;
}
