#ifndef QUESTIONS_RESOLVE_H
#define QUESTIONS_RESOLVE_H

#include "kafka_producer.h"
#include "accounts.h"
#include "data_keys.h"
#include "model.h"
#include "pg.h"
#include "produce_batch.h"

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
 * redelivered message, a retried batch) has the same result downstream.
 * Messages go into the caller's qr_batch: they are durable only once
 * qr_batch_end succeeds, so callers decide a whole consumed batch and wait
 * once (one broker round trip per batch, not two per application). */

typedef struct {
    pg_pool *db;
    kafka_producer *producer;
} qr_ctx;

/* QR_ERASED: the application was erased (its data key is destroyed,
 * data_keys.h), so its personal fields are gone: nothing is decided or
 * produced, the message is done. */
typedef enum { QR_RESOLVED = 0, QR_HELD, QR_REJECTED, QR_ERASED } qr_decision;

/* One batch of decisions: their messages, produced together, and what the
 * batch has read already (the account and question set of each (account,
 * posting) decided so far, so a batch of applications for one posting reads
 * them once; a batch lasts milliseconds, so nothing goes stale). */
typedef struct {
    char *account_id, *posting_id;
    account acc;
    qs_set set;
} qr_memo_entry;

/* A data key read ahead for the batch (qr_batch_prefetch_keys). */
typedef struct {
    char id[64];
    data_key_status st;
    uint8_t key[DATA_KEY_BYTES];
} qr_key_entry;

typedef struct {
    produce_batch out;
    qr_memo_entry *memo;
    size_t nmemo, cap;
    qr_key_entry *keys; /* sorted by id; wiped and freed by qr_batch_end */
    size_t nkeys;
    char why[300]; /* the field QR_INVALID found (pb_validate.h) */
} qr_batch;

void qr_batch_begin(qr_batch *qb, qr_ctx *ctx);
/* Reads the data keys of n applications (the consumed messages' keys, which
 * are their ids) in one round trip, so questions_resolve does not read them
 * one by one. On any failure nothing is kept: each is then read alone. */
void qr_batch_prefetch_keys(qr_batch *qb, qr_ctx *ctx, const char *const *ids, size_t n);
/* Waits until the broker has every message of the batch (kind labels the
 * metric) and frees it. 0, or -1 when one was not taken: nothing of the
 * batch may be treated as decided. */
int qr_batch_end(qr_batch *qb, const char *kind);

#define QR_RETRY (-1)          /* transient: database (or key store), broker or ATS unavailable */
#define QR_UNDECODABLE (-2)    /* payload is not an ApplicationReceived */
#define QR_SEALED_INVALID (-3) /* its sealed personal fields do not open (personal.h): poison */
#define QR_INVALID (-4)        /* a field is not valid UTF-8 or beyond PB_LIMITS_DEFAULT: poison, qb->why says which */

/* Decides the application in payload (ApplicationReceived, protobuf, its
 * personal fields opened first when sealed; resolved messages are produced
 * sealed again); its messages are added to qb. from_held: the payload comes
 * from questions.held (a held decision then only counts an attempt;
 * removing the row after another decision is the caller's). Returns 0 with
 * *d set, QR_RETRY, QR_UNDECODABLE, QR_SEALED_INVALID or QR_INVALID (nothing done). */
int questions_resolve(qr_ctx *ctx, qr_batch *qb, const uint8_t *payload, size_t len, const char *trace_id,
                      int from_held, qr_decision *d);

const char *qr_decision_name(qr_decision d);

#endif
