#include "ratelimit.h"

#include <math.h>

int rl_take(rl_bucket *b, double rate, double burst, int64_t now_ms, int *retry_after_s) {
    if (rate <= 0) return 0;
    if (burst < 1) burst = 1;
    if (b->last_ms == 0) {
        b->tokens = burst;
    } else if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * rate / 1000.0;
        if (b->tokens > burst) b->tokens = burst;
    }
    b->last_ms = now_ms;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    double wait_s = (1.0 - b->tokens) / rate;
    int s = (int)ceil(wait_s);
    *retry_after_s = s < 1 ? 1 : s;
    return -1;
}
