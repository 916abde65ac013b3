/* Retry tiers: which tier a wait goes to, when it may leave it, and what a
 * retry message does when polled (wait, hop, deliver). */
#include "kafka_conf.h"
#include "retry_tier.h"

#include <criterion/criterion.h>
#include <string.h>

#define S 1000LL
#define MIN (60 * S)
#define HOUR (60 * MIN)

Test(retry_tier, the_table_is_shortest_first_with_its_topics) {
    cr_assert_str_eq(retry_tiers[0].topic, TOPIC_APPLICATIONS_RETRY_5S);
    cr_assert_str_eq(retry_tiers[RETRY_TIERS - 1].topic, TOPIC_APPLICATIONS_RETRY_1H);
    for (int t = 1; t < RETRY_TIERS; t++) cr_assert_gt(retry_tiers[t].delay_ms, retry_tiers[t - 1].delay_ms);
}

Test(retry_tier, a_wait_goes_to_the_largest_tier_not_longer_than_it) {
    cr_assert_eq(retry_tier_for(-5), 0, "overdue: smallest");
    cr_assert_eq(retry_tier_for(0), 0);
    cr_assert_eq(retry_tier_for(300), 0, "shorter than every tier: smallest");
    cr_assert_eq(retry_tier_for(5 * S), 0);
    cr_assert_eq(retry_tier_for(MIN - 1), 0);
    cr_assert_eq(retry_tier_for(MIN), 1);
    cr_assert_eq(retry_tier_for(10 * MIN - 1), 1);
    cr_assert_eq(retry_tier_for(10 * MIN), 2);
    cr_assert_eq(retry_tier_for(HOUR - 1), 2);
    cr_assert_eq(retry_tier_for(HOUR), 3);
    cr_assert_eq(retry_tier_for(7 * 24 * HOUR), 3, "a week's Retry-After: the largest");
}

Test(retry_tier, a_tier_is_left_after_its_delay_or_at_the_due_time) {
    int64_t now = 1000000;
    cr_assert_eq(retry_tier_due(0, now, now + 300), now + 300, "capped at its due time");
    cr_assert_eq(retry_tier_due(0, now, now + 8 * S), now + 5 * S);
    cr_assert_eq(retry_tier_due(3, now, now + 7 * 24 * HOUR), now + HOUR);
    /* Every tier but the smallest is chosen only for waits >= its delay:
     * its messages all leave exactly one delay after they were produced. */
    for (int64_t wait = 5 * S; wait < 3 * HOUR; wait += 7 * S + 13) {
        int t = retry_tier_for(wait);
        cr_assert_eq(retry_tier_due(t, now, now + wait), now + retry_tiers[t].delay_ms, "wait %lld",
                     (long long)wait);
    }
}

Test(retry_tier, polled_retries_wait_hop_or_deliver) {
    int64_t now = 5000000;
    cr_assert_eq(retry_step_at(now + 1, now + HOUR, now), RETRY_WAIT, "inside its tier");
    cr_assert_eq(retry_step_at(now, now + HOUR, now), RETRY_HOP, "out of its tier, not due");
    cr_assert_eq(retry_step_at(now - 10, now + 1, now), RETRY_HOP);
    cr_assert_eq(retry_step_at(now, now, now), RETRY_DELIVER, "due");
    cr_assert_eq(retry_step_at(now - 10, now - 5, now), RETRY_DELIVER);
    cr_assert_eq(retry_step_at(now + HOUR, now - 1, now), RETRY_DELIVER, "never held past its due time");
    cr_assert_eq(retry_step_at(now + HOUR, now + 10, now), RETRY_WAIT, "until its due time");
}

Test(retry_tier, the_single_retry_topic_of_earlier_versions_drains) {
    /* No tier-due-ms: never waits; hops when not due, delivers when due. */
    int64_t now = 5000000;
    cr_assert_eq(retry_step_at(0, now + HOUR, now), RETRY_HOP);
    cr_assert_eq(retry_step_at(0, now - 1, now), RETRY_DELIVER);
    cr_assert_eq(retry_step_at(0, 0, now), RETRY_DELIVER, "no retry headers: a first delivery");
}

Test(retry_tier, a_long_wait_hops_down_through_the_tiers) {
    /* A Retry-After of 2 h 10 min 3 s: 1h, 1h, 10m, 5s (3 s left: capped). */
    int64_t now = 0, due = 2 * HOUR + 10 * MIN + 3 * S;
    int path[8], hops = 0;
    while (hops < 8) {
        int t = retry_tier_for(due - now);
        path[hops++] = t;
        now = retry_tier_due(t, now, due);
        if (retry_step_at(now, due, now) == RETRY_DELIVER) break;
        cr_assert_eq(retry_step_at(now, due, now), RETRY_HOP);
    }
    cr_assert_eq(hops, 4);
    cr_assert_eq(path[0], 3);
    cr_assert_eq(path[1], 3);
    cr_assert_eq(path[2], 2);
    cr_assert_eq(path[3], 0);
    cr_assert_eq(now, due, "delivered at its due time, not later");
}
