#ifndef ATSB_EVENTS_H
#define ATSB_EVENTS_H

#include "atsbridge/v1/events.pb-c.h"
#include "kafka_producer.h"

/* The audit trail: ApplicationEvent on application.events, keyed by
 * application id (or account id for account-level events), schema header
 * "atsbridge.v1.ApplicationEvent". No personal data: callers fill ids, states,
 * codes and counts only. */

#define EVENT_SCHEMA "atsbridge.v1.ApplicationEvent"

/* Fills ev->event_id deterministically from (application_id or subject_id,
 * type, attempt, discriminator) when it is empty, so a replayed decision
 * yields the same id and consumers store it once; fills service and at_ms
 * when unset. id_buf (>= 48 bytes) backs the id. */
void events_prepare(Atsbridge__V1__ApplicationEvent *ev, const char *service, const char *discriminator,
                    char *id_buf, size_t id_len);

/* Produces ev and waits for the delivery report. Returns 0, or -1 when the
 * broker did not take it (the caller must not store its input offset). */
int events_emit(kafka_producer *p, const Atsbridge__V1__ApplicationEvent *ev, const char *trace_id);

/* Same, without waiting: fn(opaque) receives the outcome (see
 * kafka_producer_send_async). Returns 0 or -1 (then fn is never called). */
int events_emit_async(kafka_producer *p, const Atsbridge__V1__ApplicationEvent *ev,
                      const char *trace_id, kafka_delivery_fn fn, void *opaque);

/* An event about an account rather than an application: type, the account
 * (may be NULL), its subject and name (may be NULL: a key's owner, a
 * connection), a detail without secrets (may be NULL) and the actor (who did
 * it, auth_actor; NULL for what a service did itself). discriminator makes
 * the event id: the same one names the same fact, stored once downstream.
 * Waits for the broker: 0, or -1. */
int events_emit_account(kafka_producer *p, const char *service, const char *discriminator, const char *type,
                        const char *account_id, const char *subject_id, const char *name, const char *detail,
                        const char *actor);

/* events_emit_account for an admin action (an operator changed something):
 * each action is its own fact (the time is the discriminator). */
int events_emit_admin(kafka_producer *p, const char *service, const char *type, const char *account_id,
                      const char *subject_id, const char *name, const char *detail, const char *actor);

/* Milliseconds since the Unix epoch. */
int64_t events_now_ms(void);

#endif
