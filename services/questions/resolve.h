#ifndef QUESTIONS_RESOLVE_H
#define QUESTIONS_RESOLVE_H

#include "kafka_producer.h"
#include "pg.h"

#include <stddef.h>
#include <stdint.h>

/* The decision for one application, shared by the consumer (consume.c) and
 * the release of held applications (held.c):
 *   unknown account / posting, closed posting, invalid answers -> rejected
 *   no usable connection (and nothing cached)                   -> held ('connection')
 *   valid, account in test mode, posting not a test posting      -> held ('test_mode')
 *   otherwise                                                    -> resolved
 * Effects: resolved -> ApplicationResolved on applications.resolved; held ->
 * a questions.held row (first time only); every decision -> an audit event on
 * application.events. All are idempotent, so a decision made twice (a
 * redelivered message, a retried batch) has the same result downstream. */

typedef struct {
    pg_pool *db;
    kafka_producer *producer;
} qr_ctx;

typedef enum { QR_RESOLVED = 0, QR_HELD, QR_REJECTED } qr_decision;

#define QR_RETRY (-1)       /* transient: database, broker or ATS unavailable */
#define QR_UNDECODABLE (-2) /* payload is not an ApplicationReceived */

/* Decides the application in payload (ApplicationReceived, protobuf) and
 * makes its effects durable. from_held: the payload comes from
 * questions.held (a held decision then only counts an attempt; removing
 * the row after another decision is the caller's). Returns 0 with *d set,
 * QR_RETRY or QR_UNDECODABLE (nothing done). */
int questions_resolve(qr_ctx *ctx, const uint8_t *payload, size_t len, const char *trace_id, int from_held,
                      qr_decision *d);

const char *qr_decision_name(qr_decision d);

#endif
