#include "lookup_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SLOTS 512

static struct {
    char key[128];
    char val[128];
    int64_t at_ms;
} slots[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t slot_of(const char *key) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 16777619u;
    return h % SLOTS;
}

int lookup_cache_get(const char *key, int ttl_ms, char *val, size_t len) {
    if (ttl_ms <= 0) return 0;
    size_t i = slot_of(key);
    int hit = 0;
    pthread_mutex_lock(&mu);
    if (slots[i].at_ms && !strcmp(slots[i].key, key) && now_ms() - slots[i].at_ms < ttl_ms) {
        snprintf(val, len, "%s", slots[i].val);
        hit = 1;
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void lookup_cache_put(const char *key, const char *val) {
    size_t i = slot_of(key);
    pthread_mutex_lock(&mu);
    snprintf(slots[i].key, sizeof slots[i].key, "%s", key);
    snprintf(slots[i].val, sizeof slots[i].val, "%s", val);
    slots[i].at_ms = now_ms();
    pthread_mutex_unlock(&mu);
}

void lookup_cache_forget(const char *key) {
    size_t i = slot_of(key);
    pthread_mutex_lock(&mu);
    if (!strcmp(slots[i].key, key)) slots[i].at_ms = 0;
    pthread_mutex_unlock(&mu);
}
