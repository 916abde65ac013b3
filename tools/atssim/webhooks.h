#ifndef ATSSIM_WEBHOOKS_H
#define ATSSIM_WEBHOOKS_H

#include <json-c/json.h>

/* Outbound deliveries (Lever webhooks, provider callbacks): a queue served by
 * one background thread with libcurl. A delivery is tried up to
 * WEBHOOKS_ATTEMPTS times (backoff 0.2 s, 1 s, 2 s) until the receiver
 * answers 2xx. Every delivery is kept in a log for GET /_sim/webhooks. */

#define WEBHOOKS_ATTEMPTS 4

/* Starts the sender thread. Returns 0 or -1. curl_global_init must have run. */
int webhooks_start(void);
/* Stops the thread; pending deliveries are abandoned. */
void webhooks_stop(void);
/* Queues a JSON POST of body to url with extra headers (NULL-terminated
 * "Name: value" list, copied). kind names the delivery in the log (e.g.
 * "lever.candidateStageChange"). Returns the delivery id (> 0), or -1 when
 * out of memory (nothing queued). Never blocks on the network. */
long webhooks_enqueue(const char *kind, const char *url, const char *body, const char *const *headers);
/* The delivery log as a JSON array (caller puts it). */
json_object *webhooks_log(void);
/* Forgets the log and drops pending deliveries. */
void webhooks_reset(void);

#endif
