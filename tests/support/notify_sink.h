#ifndef ATSB_NOTIFY_SINK_H
#define ATSB_NOTIFY_SINK_H

#include <stddef.h>

/* An operator's notification receiver for tests, on 127.0.0.1 and a free
 * port: records every POST to /notify with its X-Atsbridge-* headers and
 * answers 200, except the first fail_first requests, which get 503. */

typedef struct notify_sink notify_sink;

typedef struct {
    char *body;
    char timestamp[32];  /* X-Atsbridge-Timestamp */
    char signature[80];  /* X-Atsbridge-Signature */
    char id[128];        /* X-Atsbridge-Notification-Id */
    int status;          /* what the sink answered */
} notify_post;

/* Starts it; url receives "http://127.0.0.1:<port>/notify". Aborts the test
 * on failure. */
notify_sink *notify_sink_start(int fail_first, char *url, size_t urllen);
/* Every request received so far (answered 503 or 200). */
size_t notify_sink_count(notify_sink *k);
/* Request i (valid until stop), NULL when there is none. */
const notify_post *notify_sink_get(notify_sink *k, size_t i);
/* Waits up to timeout_ms for the first accepted (200) request whose body's
 * "class" is cls (NULL: any) and returns its index, or -1. */
int notify_sink_wait(notify_sink *k, const char *cls, int timeout_ms);
/* 1 when request i's signature verifies with secret the way docs/status.md says a
 * receiver does it: hex HMAC-SHA256(secret, timestamp + "." + body). */
int notify_sink_verifies(notify_sink *k, size_t i, const char *secret);
void notify_sink_stop(notify_sink *k);

#endif
