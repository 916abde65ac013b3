#ifndef ATSB_DELIVERY_COMMANDS_H
#define ATSB_DELIVERY_COMMANDS_H

#include "dctx.h"

#include "atsbridge/v1/ats.pb-c.h"
#include <librdkafka/rdkafka.h>

/* ats.commands: ADD_TAGS, REMOVE_TAGS, ADD_NOTE (Lever opportunities) and
 * ORDER_CHECK (read the posting's package tag, order with the provider,
 * report ORDERED or FAILED on bgcheck.updates; without a package tag, a note
 * on the opportunity says what to fix). Each command_id is executed at most
 * once (delivery.commands, under the same advisory lock as deliveries):
 * a note whose outcome is unknown is not sent again; tags and orders are
 * idempotent at the ATS/provider and are repeated. Transient failures are
 * retried in place a few times, then the command is FAILED.
 * Returns 0 when done (offset may be stored), -1 to be handled again later. */
int commands_handle(dctx *x, const rd_kafka_message_t *m);

/* Decodes and checks an AtsCommand payload (pure, like deliver_decode):
 * ids present, every field within pb_validate's limits. Returns 0 with
 * *out set, or -1 with the dead-letter *code and its message in message;
 * the caller frees *out (when not NULL) either way. */
int commands_decode(const void *payload, size_t len, Atsbridge__V1__AtsCommand **out, const char **code,
                    char *message, size_t msglen);

#endif
