#ifndef ATSB_DELIVERY_DELIVER_H
#define ATSB_DELIVERY_DELIVER_H

#include "dctx.h"

#include <librdkafka/rdkafka.h>

/* One delivery attempt of an ApplicationResolved message (from
 * applications.resolved or applications.retry), in order:
 * lock the application (advisory lock) -> ledger -> run mode -> rate limits
 * -> ledger IN_FLIGHT (durable) -> event `delivering` -> token -> search when
 * the previous outcome is unknown -> documents + create -> ledger -> event.
 * Failures end in the retry topic (transient, rate limited, busy) or the
 * dead-letter topic (permanent, attempts exhausted), each with its event.
 *
 * Returns 0 when the message's effects are durable (its offset may be
 * stored), -1 when the database or the broker failed and the whole attempt
 * must be handled again later (idempotent: the ledger makes a repeat safe). */
int deliver_handle(dctx *x, const rd_kafka_message_t *m);

#endif
