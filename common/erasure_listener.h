#ifndef ATSB_ERASURE_LISTENER_H
#define ATSB_ERASURE_LISTENER_H

#include "service.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* The erasure contract's consuming side (DESIGN.md "Erasure"), for every
 * service but status (which erases in its own consumer): a thread consumes
 * application.events in the group ATSB_TOPIC_PREFIX + "<service>-erasure",
 * and for each `erasure_requested` event calls the service's erase function
 * and then records `erasure_done` (service = the service's name, event id
 * derived from the application id and the service name, so a redelivered
 * request confirms with the same id). Every other message is ignored: status
 * dead-letters what it cannot read, a second copy there would be noise.
 *
 * A batch's erasures run in one PostgreSQL transaction; the confirmations are
 * produced after its COMMIT and the offsets stored once the broker has them.
 * A database or broker failure retries the whole batch (consume_loop), so an
 * erase function must be idempotent; one that finds nothing still confirms. */

/* Deletes (or clears) what the service holds about application_id, inside
 * the listener's transaction on c (no BEGIN/COMMIT of its own). account_id
 * may be empty. Returns 0 when done, -1 on a database failure (the batch is
 * retried). */
typedef int (*erasure_fn)(void *ctx, PGconn *c, const char *application_id, const char *account_id);

/* Ids are at most this long (status refuses longer ones as invalid). */
#define ERASURE_ID_MAX 256

typedef struct {
    char application_id[ERASURE_ID_MAX + 1];
    char account_id[ERASURE_ID_MAX + 1];
} erasure_target;

/* 1 when a message with this schema header and payload is an
 * ApplicationEvent of type erasure_requested naming an application (ids
 * copied into *out); 0 for anything else: other schemas and types,
 * undecodable payloads, a missing or too long id. Pure. */
int erasure_listener_match(const char *schema, const uint8_t *payload, size_t len, erasure_target *out);

typedef struct erasure_listener erasure_listener;

/* Starts the thread. name is the service's name (group, confirmations,
 * logs); svc's pool and producer must outlive the listener. Returns the
 * listener, or NULL (one line on stderr) when the thread cannot start. */
erasure_listener *erasure_listener_start(service *svc, const char *name, erasure_fn erase, void *ctx);

/* Waits for the thread (it ends once shutdown is requested) and frees the
 * listener. Returns 0, or -1 when its consumer could not be created (it then
 * requested shutdown: the service must not run without it). NULL is
 * allowed (returns 0). */
int erasure_listener_join(erasure_listener *l);

#endif
