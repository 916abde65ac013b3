#ifndef ATSB_HTTP_BUDGET_H
#define ATSB_HTTP_BUDGET_H

#include <stddef.h>
#include <sys/socket.h>

/* The process-wide memory budget for request bodies. Every body a server
 * buffers is charged here before its bytes are stored; a charge that would
 * pass the total, or one client address's share of it, is refused, so the
 * bodies held at once never exceed the budget whatever clients send.
 *
 * The total is ATSB_HTTP_BODY_BUDGET_MB (default 128 MiB); one address may
 * hold at most ATSB_HTTP_BODY_BUDGET_PER_IP_MB (default three quarters of
 * the total: enough for ingest's largest export, charged twice its length
 * by the server), so one client cannot take the whole budget from the
 * others. IPv6 clients
 * are counted per /64. Addresses share a slot only when a keyed hash makes
 * them collide, which can only make their share stricter. Thread-safe. */

typedef enum {
    HTTP_BUDGET_OK = 0,
    HTTP_BUDGET_BUSY = -1,  /* not now: the total or the address's share is in use */
    HTTP_BUDGET_NEVER = -2, /* larger than an address's whole share: retrying cannot help */
} http_budget_result;

/* Charges n bytes to peer (NULL: counted against the total only). On
 * anything but HTTP_BUDGET_OK nothing was charged. */
http_budget_result http_budget_take(const struct sockaddr *peer, size_t n);

/* Gives back n bytes charged to peer by http_budget_take. */
void http_budget_give(const struct sockaddr *peer, size_t n);

/* One client address's share: the largest charge that can ever succeed. */
size_t http_budget_share(void);

/* Bytes charged now, for metrics and tests. */
size_t http_budget_in_use(void);

/* Replaces the limits read from the environment (tests). Call while nothing
 * is charged. */
void http_budget_configure(size_t total, size_t per_peer);

#endif
