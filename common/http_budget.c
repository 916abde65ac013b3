#include "http_budget.h"

#include "config.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define SLOTS 4096

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static size_t total_cap, peer_cap, in_use;
static size_t held[SLOTS];
static unsigned char hash_key[crypto_shorthash_KEYBYTES];

static void init(void) {
    total_cap = (size_t)config_int("ATSB_HTTP_BODY_BUDGET_MB", 128, 1, 65536) << 20;
    peer_cap = (size_t)config_int("ATSB_HTTP_BODY_BUDGET_PER_IP_MB", (int64_t)((total_cap >> 20) * 3 / 4), 1, 65536)
               << 20;
    if (peer_cap > total_cap) peer_cap = total_cap;
    randombytes_buf(hash_key, sizeof hash_key);
}

/* The slot of peer's address (IPv6: its /64), or -1 without one. */
static int slot_of(const struct sockaddr *peer) {
    const unsigned char *a = NULL;
    size_t n = 0;
    if (!peer) return -1;
    if (peer->sa_family == AF_INET) {
        a = (const unsigned char *)&((const struct sockaddr_in *)peer)->sin_addr;
        n = 4;
    } else if (peer->sa_family == AF_INET6) {
        a = ((const struct sockaddr_in6 *)peer)->sin6_addr.s6_addr;
        n = IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)peer)->sin6_addr) ? 16 : 8;
    } else {
        return -1;
    }
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, a, n, hash_key);
    return (int)((h[0] | (unsigned)h[1] << 8) % SLOTS);
}

http_budget_result http_budget_take(const struct sockaddr *peer, size_t n) {
    pthread_once(&once, init);
    int s = slot_of(peer);
    http_budget_result rc = HTTP_BUDGET_OK;
    pthread_mutex_lock(&mu);
    if (n > peer_cap)
        rc = HTTP_BUDGET_NEVER;
    else if (n > total_cap - in_use || (s >= 0 && n > peer_cap - held[s]))
        rc = HTTP_BUDGET_BUSY;
    else {
        in_use += n;
        if (s >= 0) held[s] += n;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

void http_budget_give(const struct sockaddr *peer, size_t n) {
    pthread_once(&once, init);
    int s = slot_of(peer);
    pthread_mutex_lock(&mu);
    in_use -= n;
    if (s >= 0) held[s] -= n;
    pthread_mutex_unlock(&mu);
}

size_t http_budget_share(void) {
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    size_t n = peer_cap;
    pthread_mutex_unlock(&mu);
    return n;
}

size_t http_budget_in_use(void) {
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    size_t n = in_use;
    pthread_mutex_unlock(&mu);
    return n;
}

void http_budget_configure(size_t total, size_t per_peer) {
    pthread_once(&once, init);
    pthread_mutex_lock(&mu);
    total_cap = total;
    peer_cap = per_peer < total ? per_peer : total;
    pthread_mutex_unlock(&mu);
}
