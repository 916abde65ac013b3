#include "signin_limit.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int signin_limiter_init(signin_limiter *l, size_t slots, int burst, int64_t interval_ms) {
    memset(l, 0, sizeof *l);
    if (slots < 16 || slots > (1u << 20) || burst < 1 || burst > 1000 || interval_ms < 1 ||
        interval_ms > 86400000)
        return -1;
    size_t n = 16;
    while (n < slots) n <<= 1;
    if (!(l->slots = calloc(n, sizeof *l->slots))) return -1;
    if (pthread_mutex_init(&l->mu, NULL)) {
        free(l->slots);
        l->slots = NULL;
        return -1;
    }
    l->n = n;
    l->burst = burst;
    l->interval_ms = interval_ms;
    randombytes_buf(l->hash_key, sizeof l->hash_key);
    return 0;
}

void signin_limiter_free(signin_limiter *l) {
    if (!l->slots) return;
    pthread_mutex_destroy(&l->mu);
    free(l->slots);
    memset(l, 0, sizeof *l);
}

/* The bucket's key: the address, or an IPv6 address's /64 (not IPv4-mapped). */
static void key_of(const unsigned char addr[16], unsigned char key[16]) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memcpy(key, addr, 16);
    if (memcmp(addr, mapped, sizeof mapped) != 0) memset(key + 8, 0, 8);
}

int64_t signin_limit_take(signin_limiter *l, const unsigned char addr[16], int64_t now_ms) {
    unsigned char key[16], h[crypto_shorthash_BYTES];
    key_of(addr, key);
    crypto_shorthash(h, key, sizeof key, l->hash_key);
    uint64_t start;
    memcpy(&start, h, sizeof start);
    const int64_t tolerance = (int64_t)(l->burst - 1) * l->interval_ms;
    int64_t wait = 0;
    pthread_mutex_lock(&l->mu);
    signin_bucket *b = NULL, *victim = NULL;
    for (size_t i = 0; i < SIGNIN_LIMIT_PROBE && i < l->n; i++) {
        signin_bucket *s = &l->slots[(start + i) & (l->n - 1)];
        if (s->tat_ms != 0 && !memcmp(s->key, key, sizeof key)) {
            b = s;
            break;
        }
        /* Free, or idle the longest: a free slot (0) always wins. */
        if (!victim || s->tat_ms < victim->tat_ms) victim = s;
    }
    if (!b) {
        b = victim;
        memcpy(b->key, key, sizeof key);
        b->tat_ms = 0;
    }
    int64_t tat = b->tat_ms > now_ms ? b->tat_ms : now_ms;
    if (tat - now_ms > tolerance) {
        wait = tat - now_ms - tolerance;
    } else {
        b->tat_ms = tat + l->interval_ms;
    }
    pthread_mutex_unlock(&l->mu);
    return wait;
}
