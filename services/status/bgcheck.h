#ifndef STATUS_BGCHECK_H
#define STATUS_BGCHECK_H

/* Background checks driven by ATS stage changes (DESIGN.md "Background
 * checks", docs/background-checks.md). Inside the batch transaction of
 * projections.c, after the webhooks and check updates are written:
 *
 *  1. bgcheck_create: every newly stored candidateStageChange that enters the
 *     account's bgcheck_stage (matched against to_stage_id, to_stage_name, or
 *     the stage's slug) creates one check, unless the opportunity already has
 *     an open one (status below completed). The check id derives from the
 *     webhook id, so a redelivered batch creates the same check; a duplicate
 *     webhook (already stored) creates nothing. Each created check queues
 *     ORDER_CHECK on ats.commands and a check_requested event.
 *  2. bgcheck_outbox: for every check touched by the batch, a rise of the
 *     status tag level (Pending Candidate < In Progress < Completed; ORDERED
 *     counts as Pending Candidate) queues REMOVE_TAGS (the other status
 *     tags), ADD_TAGS (the new one) and ADD_NOTE (order id, status, score on
 *     completion, report link); a rise of the status queues check_status.
 *     The levels only rise, so late or repeated callbacks queue nothing.
 *
 * Command and event ids are deterministic per check and transition, so a
 * batch applied again after a failed commit produces the same ids and
 * delivery (at most once per command id) and status.events (once per event
 * id) absorb the repeats. The queued messages are produced by
 * bgcheck_outbox_send before the COMMIT; if the broker does not take them
 * the transaction is rolled back and the batch retried. */

#include "pgarr.h"

#include "kafka_producer.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Messages queued by one batch, packed, waiting to be produced. */
typedef struct {
    struct bgcheck_msg *v;
    size_t n, cap;
    int oom; /* an allocation failed: bgcheck_outbox_send refuses */
} bgcheck_outbox;

void bgcheck_outbox_init(bgcheck_outbox *o);
/* Drops every queued message (buffers freed, array kept). */
void bgcheck_outbox_reset(bgcheck_outbox *o);
void bgcheck_outbox_free(bgcheck_outbox *o);

/* Status tag levels (status.background_checks.tag_level). */
enum { BGCHECK_LEVEL_NONE = 0, BGCHECK_LEVEL_PENDING, BGCHECK_LEVEL_IN_PROGRESS, BGCHECK_LEVEL_COMPLETED };

/* The level a CheckStatus rank shows as a tag (BGCHECK_LEVEL_NONE for
 * requested, failed, cancelled). Can't fail. */
int bgcheck_level_of_rank(int status_rank);
/* "Pending Candidate", "In Progress", "Completed", or NULL. */
const char *bgcheck_level_label(int level);

/* The prefix of status tags: configured when non-empty, else derived from the
 * package-tag prefix: trailing ':' and spaces dropped, then a trailing word
 * "Package" dropped, then ":" appended ("Asurint Package:" -> "Asurint:");
 * "Background Check:" when nothing is left. Writes into out (truncated to
 * len-1). Can't fail. */
void bgcheck_status_prefix(const char *configured, const char *package_prefix, char *out, size_t len);

/* "<status prefix> <label>", e.g. "Asurint: In Progress". */
void bgcheck_tag(const char *status_prefix, int level, char *out, size_t len);

/* The note for a transition to level, e.g.
 *   Asurint background check: In Progress
 *   Order ID: ord_1
 *   Status: In Progress
 *   Report: https://...
 * with "Score: ..." before the report link on completion. order_id, score
 * and report_url may be empty (their lines are left out). Returns a malloc'd
 * string (caller frees) or NULL when out of memory. */
char *bgcheck_note(const char *status_prefix, int level, const char *order_id, const char *score,
                   const char *report_url);

/* Step 1 above. cols are the batch's webhook columns (projections.h PW_*,
 * with PW_CHECK); the ids of created checks are added to created. Returns a
 * proj_result: PROJ_OK, PROJ_TRANSIENT or PROJ_DATA (the caller rolls back). */
int bgcheck_create(PGconn *c, pgarr *cols, int ncols, pgarr *created, bgcheck_outbox *o);

/* Step 2 above for the checks in update_ids (a text[] literal) and created.
 * Returns a proj_result like bgcheck_create. */
int bgcheck_outbox_collect(PGconn *c, const char *update_ids, pgarr *created, bgcheck_outbox *o);

/* Produces every queued message and waits for all delivery reports.
 * Returns 0 when the broker has all of them, -1 otherwise (some may have
 * been written: their ids make the retry harmless). */
int bgcheck_outbox_send(bgcheck_outbox *o, kafka_producer *p);

#endif
