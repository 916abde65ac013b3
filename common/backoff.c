#include "backoff.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>

#define MAX_WAIT_MS (7LL * 24 * 3600 * 1000)

fail_class backoff_classify(long status) {
    if (status >= 200 && status < 300) return FAIL_NONE;
    if (status == 0 || status >= 500 || status == 408) return FAIL_TRANSIENT;
    if (status == 429) return FAIL_RATE_LIMITED;
    if (status == 401) return FAIL_UNAUTHORIZED;
    return FAIL_PERMANENT;
}

int64_t backoff_step_ms(int attempt, int64_t base_ms, int64_t cap_ms) {
    if (attempt < 1) attempt = 1;
    if (base_ms < 1) base_ms = 1;
    if (cap_ms < base_ms) cap_ms = base_ms;
    int64_t step = base_ms;
    for (int i = 1; i < attempt && step < cap_ms; i++) step *= 2;
    return step > cap_ms ? cap_ms : step;
}

int64_t backoff_delay_ms(int attempt, int64_t base_ms, int64_t cap_ms, uint32_t rnd) {
    return (int64_t)((uint64_t)rnd % (uint64_t)(backoff_step_ms(attempt, base_ms, cap_ms) + 1));
}

int64_t backoff_retry_after_ms(const char *value, int64_t now_ms) {
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    if (!*value) return -1;
    if (*value >= '0' && *value <= '9') {
        char *end = NULL;
        errno = 0;
        long long s = strtoll(value, &end, 10);
        while (end && (*end == ' ' || *end == '\t')) end++;
        if (errno || !end || *end) return -1;
        if (s > MAX_WAIT_MS / 1000) return MAX_WAIT_MS;
        return (int64_t)s * 1000;
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1) return -1;
    int64_t ms = (int64_t)t * 1000 - now_ms;
    if (ms < 0) return 0;
    return ms > MAX_WAIT_MS ? MAX_WAIT_MS : ms;
}
