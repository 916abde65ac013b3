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

/* questions' part of erasure (an erasure_fn of common/erasure_listener.h):
 * deletes the application's held row, inside the caller's transaction; ctx
 * is unused. Returns 0, or -1 on a database error. */
int held_erase(void *ctx, PGconn *c, const char *application_id, const char *account_id);

/* Held retention: every held row older than days (at most 200 a call) gets
 * a `held_expired` event; status then erases the application through the
 * usual path (every service deletes its data, the data key is destroyed),
 * which deletes the row. A row not yet erased gets the same event (same id)
 * again next time. Returns how many were reported, or -1 when the database
 * or the broker was unavailable. */
int held_expire(qr_ctx *ctx, int days);

/* Number of held rows (for metrics); -1 on a database error. */
long held_count(qr_ctx *ctx);

#endif
