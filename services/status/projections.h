#ifndef STATUS_PROJECTIONS_H
#define STATUS_PROJECTIONS_H

#include "bgcheck.h"
#include "kafka_producer.h"
#include "pgarr.h"

#include <libpq-fe.h>
#include <stdint.h>

#include "atsbridge/v1/ats.pb-c.h"
#include "atsbridge/v1/events.pb-c.h"

/* One PostgreSQL transaction per consumed batch: the events table (keyed by
 * event id, ON CONFLICT DO NOTHING) and the projections derived from the
 * events that were new (applications, exports, account sync), webhooks,
 * background checks, and erasures. Each table gets ONE statement per batch
 * whose parameters are arrays (unnest), so a batch of 500 messages costs a
 * handful of round trips (bench/status measures it against a prepared
 * statement per row). Every statement is idempotent and order-independent:
 * the batch may be applied again after a crash or arrive in another order
 * and the tables end up the same. */

typedef enum {
    PROJ_OK = 0,
    PROJ_TRANSIENT = -1, /* connection lost, deadlock, server shutting down: retry the batch */
    PROJ_DATA = -2,      /* the server refused a value (SQLSTATE class 22/23/54): isolate the message */
} proj_result;

enum {
    PE_ID, PE_APP, PE_ACCOUNT, PE_SUBJECT, PE_TYPE, PE_SERVICE, PE_AT, PE_STATE, PE_RANK,
    PE_ATTEMPT, PE_ERROR, PE_DETAIL, PE_BOARD, PE_POSTING, PE_EXPORT, PE_ATS, PE_CANDIDATE,
    PE_COUNT, PE_NAME, PE_NCOLS
};
enum {
    PW_ID, PW_ACCOUNT, PW_ATS, PW_EVENT, PW_AT, PW_OPPORTUNITY, PW_CONTACT, PW_FROM, PW_TO,
    PW_TO_NAME, PW_POSTING, PW_CHECK /* the check a stage entry would create */, PW_NCOLS
};
enum {
    PC_ID, PC_CHECK, PC_ORDER, PC_STATUS, PC_RANK, PC_SCORE, PC_REPORT, PC_REASON, PC_AT,
    PC_ACCOUNT, PC_NCOLS
};
enum { PX_APP, PX_ACCOUNT, PX_REASON, PX_NCOLS };

typedef struct {
    pgarr ev[PE_NCOLS];
    pgarr wh[PW_NCOLS];
    pgarr ck[PC_NCOLS];
    pgarr er[PX_NCOLS];
    size_t nevents, nwebhooks, nchecks, nerasures;
    long long stored; /* after proj_apply: events that were new */
    /* Background checks (bgcheck.h): checks created by this batch, and the
     * commands and events to produce before the commit. producer NULL: none
     * may be queued (bench), a batch that would is refused as transient. */
    pgarr created;
    bgcheck_outbox out;
    kafka_producer *producer;
} proj_batch;

void proj_batch_init(proj_batch *b);
/* Empties b for the next batch (buffers are kept). */
void proj_batch_reset(proj_batch *b);
void proj_batch_free(proj_batch *b);

/* Add one decoded, validated message. Values are copied. Can't fail (an
 * allocation failure surfaces from proj_apply as PROJ_TRANSIENT). */
void proj_add_event(proj_batch *b, const Atsbridge__V1__ApplicationEvent *ev);
void proj_add_webhook(proj_batch *b, const Atsbridge__V1__AtsWebhook *w);
void proj_add_check(proj_batch *b, const Atsbridge__V1__BackgroundCheckUpdate *u);

/* Applies everything in one transaction on c: events, erasures (with their
 * data keys), check updates, webhooks and the checks their stage entries
 * create, then the background-check commands and events and the erasures'
 * erasure_done are produced (waiting for every delivery report) and the
 * transaction commits. On failure the transaction
 * is rolled back and nothing changed in the database (messages already
 * produced carry deterministic ids, so the retry repeats them harmlessly). */
proj_result proj_apply(PGconn *c, proj_batch *b);

/* Classifies a failed result (r may be NULL when out of memory). */
proj_result proj_classify(PGconn *c, const PGresult *r);

#endif
