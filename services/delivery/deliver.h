#ifndef ATSB_DELIVERY_DELIVER_H
#define ATSB_DELIVERY_DELIVER_H

#include "dctx.h"

#include "atsbridge/v1/applications.pb-c.h"
#include <librdkafka/rdkafka.h>

/* One delivery attempt of an ApplicationResolved message (from
 * applications.resolved or a retry topic), in order: open its sealed
 * personal fields (personal.h; an erased application's message ends here,
 * nothing sent; one that does not open is dead-lettered; an unreachable key
 * store fails the job like the database) ->
 * lock the application (advisory lock) -> ledger -> run mode -> rate limits
 * -> ledger IN_FLIGHT (durable) -> event `delivering` -> documents read ->
 * token -> search when the previous outcome is unknown (or an export's
 * duplicate policy asks) -> create, documents included -> ledger -> event.
 * Failures end in the retry tiers (transient, rate limited, busy) or the
 * dead-letter topic (permanent, attempts exhausted), each with its event.
 *
 * The worker is free again when this returns, before the broker has
 * acknowledged the attempt's events; done(arg, ok) reports the end, once,
 * on this thread or on the producer's report thread: ok 1 when the
 * message's effects are durable (its offset may be stored), 0 when the
 * database or the broker failed and the whole attempt must be handled again
 * (idempotent: the ledger makes a repeat safe). */
typedef void (*deliver_done_fn)(void *arg, int ok);
void deliver_handle(dctx *x, const rd_kafka_message_t *m, deliver_done_fn done, void *arg);

/* Decodes and checks an ApplicationResolved payload (pure; any bytes are
 * fine, fuzz/fuzz_delivery_decode.c calls it): the ids are present. The
 * fields' text is checked (pb_validate.h) once the sealed ones are opened.
 * Returns 0 with *out set, or -1 with the dead-letter *code and *message
 * (static strings); *out, NULL
 * or not, is the caller's to free with
 * atsbridge__v1__application_resolved__free_unpacked either way. */
int deliver_decode(const void *payload, size_t len, Atsbridge__V1__ApplicationResolved **out,
                   const char **code, const char **message);

#endif
