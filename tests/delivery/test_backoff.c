/* Failure classification, full-jitter backoff and Retry-After parsing. */
#include "backoff.h"

#include <criterion/criterion.h>

Test(backoff, classification) {
    cr_assert_eq(backoff_classify(200), FAIL_NONE);
    cr_assert_eq(backoff_classify(201), FAIL_NONE);
    cr_assert_eq(backoff_classify(0), FAIL_TRANSIENT, "no response: timeout or dropped");
    cr_assert_eq(backoff_classify(500), FAIL_TRANSIENT);
    cr_assert_eq(backoff_classify(503), FAIL_TRANSIENT);
    cr_assert_eq(backoff_classify(408), FAIL_TRANSIENT);
    cr_assert_eq(backoff_classify(429), FAIL_RATE_LIMITED);
    cr_assert_eq(backoff_classify(401), FAIL_UNAUTHORIZED);
    cr_assert_eq(backoff_classify(400), FAIL_PERMANENT);
    cr_assert_eq(backoff_classify(403), FAIL_PERMANENT);
    cr_assert_eq(backoff_classify(404), FAIL_PERMANENT);
    cr_assert_eq(backoff_classify(422), FAIL_PERMANENT);
    cr_assert_eq(backoff_classify(302), FAIL_PERMANENT);
}

Test(backoff, full_jitter_bounds) {
    cr_assert_eq(backoff_delay_ms(1, 1000, 60000, 0), 0);
    cr_assert_eq(backoff_delay_ms(1, 1000, 60000, 1000), 1000, "attempt 1: up to base");
    cr_assert_eq(backoff_delay_ms(1, 1000, 60000, 1001), 0);
    cr_assert_eq(backoff_delay_ms(3, 1000, 60000, 4000), 4000, "attempt 3: up to 4 x base");
    cr_assert_lt(backoff_delay_ms(3, 1000, 60000, 0xffffffffu), 4001);
    for (uint32_t r = 0; r < 100000; r += 7919) {
        int64_t d = backoff_delay_ms(50, 1000, 60000, r * 2654435761u);
        cr_assert(d >= 0 && d <= 60000, "capped: %lld", (long long)d);
    }
    cr_assert_leq(backoff_delay_ms(1000000, 1000, 60000, 0xffffffffu), 60000, "no overflow");
    cr_assert_leq(backoff_delay_ms(0, 1000, 60000, 0xffffffffu), 1000);
}

Test(backoff, exponential_step) {
    cr_assert_eq(backoff_step_ms(0, 100, 5000), 100, "attempt < 1 counts as 1");
    cr_assert_eq(backoff_step_ms(1, 100, 5000), 100);
    cr_assert_eq(backoff_step_ms(3, 100, 5000), 400);
    cr_assert_eq(backoff_step_ms(6, 100, 5000), 3200);
    cr_assert_eq(backoff_step_ms(7, 100, 5000), 5000, "capped");
    cr_assert_eq(backoff_step_ms(1000000, 100, 5000), 5000, "no overflow");
}

Test(backoff, retry_after) {
    cr_assert_eq(backoff_retry_after_ms(NULL, 0), -1);
    cr_assert_eq(backoff_retry_after_ms("", 0), -1);
    cr_assert_eq(backoff_retry_after_ms("5", 0), 5000);
    cr_assert_eq(backoff_retry_after_ms(" 0 ", 0), 0);
    cr_assert_eq(backoff_retry_after_ms("12abc", 0), -1);
    cr_assert_eq(backoff_retry_after_ms("-3", 0), -1);
    cr_assert_eq(backoff_retry_after_ms("99999999999999999999", 0), -1);
    cr_assert_eq(backoff_retry_after_ms("999999999", 0), 7LL * 24 * 3600 * 1000, "capped at a week");
    /* HTTP-date: Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    cr_assert_eq(backoff_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000LL - 3000), 3000);
    cr_assert_eq(backoff_retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", 784111777000LL + 3000), 0);
    cr_assert_eq(backoff_retry_after_ms("not a date", 0), -1);
}
