#ifndef QUESTIONS_HELD_H
#define QUESTIONS_HELD_H

#include "consume_loop.h"
#include "resolve.h"

/* Held applications (questions.held) and their release.
 *
 * A row is re-decided when it may have become deliverable: 'test_mode' rows
 * once their account is no longer in test mode (go_live), 'connection' rows
 * at most once a minute. Release runs on the account-level go_live event
 * from application.events (status emits it) and, as a safety net for a
 * missed event, every ATSB_QUESTIONS_HELD_SWEEP_S seconds (default 60). A
 * released application goes through questions_resolve again; the row is
 * deleted after its new decision is durable. */

/* Releases what is releasable for account (NULL: every account). Returns
 * the number of rows decided (>= 0), or -1 when it stopped on a transient
 * failure (what was decided stays decided; the rest waits for the next
 * call). Serialized within the process. */
int held_release(qr_ctx *ctx, const char *account);

/* Batch handler for application.events: go_live events release their
 * account. ctx is a qr_ctx. */
loop_result held_events_batch(void *ctx, rd_kafka_message_t **msgs, size_t n);

/* Number of held rows (for metrics); -1 on a database error. */
long held_count(qr_ctx *ctx);

#endif
