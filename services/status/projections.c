#include "projections.h"

#include "bgcheck.h"
#include "crypto.h"
#include "erasure.h"
#include "pg.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events first; the projections read only the rows the INSERT returned, so a
 * redelivered event changes nothing. Events of erased applications are
 * dropped (except the erasure vocabulary itself). Within the batch the
 * events of one application are folded with aggregates that do not depend on
 * order (highest rank wins, ties broken by value), and the ON CONFLICT
 * update folds them into the stored row the same way: the rank only rises.
 * New events an operator must act on (notifier.h) go into the notification
 * outbox in the same statement, for accounts with a notification URL. */
static const char SQL_EVENTS[] =
    "WITH u AS ("
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    "  $7::bigint[], $8::text[], $9::int[], $10::int[], $11::text[], $12::text[], $13::text[],"
    "  $14::text[], $15::text[], $16::text[], $17::text[], $18::bigint[], $19::text[])"
    "  AS u(event_id, application_id, account_id, subject_id, type, service, at_ms, state, rank,"
    "       attempt, error_code, detail, board, posting_id, export_task_id, ats, ats_candidate_id,"
    "       count, name)"
    "), v AS ("
    " SELECT DISTINCT ON (event_id) u.*,"
    "  timestamptz 'epoch' + u.at_ms * interval '1 millisecond' AS at"
    " FROM u"
    " WHERE u.application_id IS NULL OR u.type IN ('erasure_requested', 'erasure_done')"
    "  OR NOT EXISTS (SELECT 1 FROM status.erasures e WHERE e.application_id = u.application_id)"
    " ORDER BY event_id"
    "), ins AS ("
    " INSERT INTO status.events (event_id, application_id, account_id, subject_id, type, service,"
    "  at, state, attempt, error_code, detail)"
    " SELECT event_id, application_id, account_id, subject_id, type, service, at, state, attempt,"
    "  error_code, detail FROM v"
    " ON CONFLICT (event_id) DO NOTHING"
    " RETURNING event_id"
    "), n AS ("
    " SELECT v.* FROM v JOIN ins USING (event_id)"
    "), apps AS ("
    " INSERT INTO status.applications AS a (application_id, account_id, board, posting_id,"
    "  export_task_id, state, state_rank, state_at, ats, ats_candidate_id, duplicate, attempts,"
    "  last_error, last_error_rank, received_at, updated_at)"
    " SELECT application_id, coalesce(max(account_id), ''), max(board), max(posting_id),"
    "  max(export_task_id),"
    "  (array_agg(state ORDER BY rank DESC, at, event_id))[1], max(rank),"
    "  (array_agg(at ORDER BY rank DESC, at, event_id))[1],"
    "  max(ats), max(ats_candidate_id),"
    "  coalesce(bool_or(type = 'delivered' AND detail = 'duplicate'), false),"
    "  max(attempt),"
    "  (array_agg(error_code ORDER BY rank DESC, error_code DESC)"
    "    FILTER (WHERE error_code IS NOT NULL))[1],"
    "  coalesce(max(rank) FILTER (WHERE error_code IS NOT NULL), -1),"
    "  min(at) FILTER (WHERE state = 'received'), max(at)"
    " FROM n WHERE application_id IS NOT NULL AND rank >= 0"
    " GROUP BY application_id ORDER BY application_id"
    " ON CONFLICT (application_id) DO UPDATE SET"
    "  account_id = coalesce(greatest(nullif(a.account_id, ''), nullif(EXCLUDED.account_id, '')), ''),"
    "  board = greatest(a.board, EXCLUDED.board),"
    "  posting_id = greatest(a.posting_id, EXCLUDED.posting_id),"
    "  export_task_id = greatest(a.export_task_id, EXCLUDED.export_task_id),"
    "  state = CASE WHEN EXCLUDED.state_rank > a.state_rank THEN EXCLUDED.state ELSE a.state END,"
    "  state_at = CASE WHEN EXCLUDED.state_rank > a.state_rank THEN EXCLUDED.state_at"
    "   WHEN EXCLUDED.state_rank = a.state_rank THEN least(a.state_at, EXCLUDED.state_at)"
    "   ELSE a.state_at END,"
    "  state_rank = greatest(a.state_rank, EXCLUDED.state_rank),"
    "  ats = greatest(a.ats, EXCLUDED.ats),"
    "  ats_candidate_id = greatest(a.ats_candidate_id, EXCLUDED.ats_candidate_id),"
    "  duplicate = a.duplicate OR EXCLUDED.duplicate,"
    "  attempts = greatest(a.attempts, EXCLUDED.attempts),"
    "  last_error = CASE WHEN EXCLUDED.last_error IS NOT NULL AND (EXCLUDED.last_error_rank,"
    "   EXCLUDED.last_error) > (a.last_error_rank, coalesce(a.last_error, ''))"
    "   THEN EXCLUDED.last_error ELSE a.last_error END,"
    "  last_error_rank = greatest(a.last_error_rank, EXCLUDED.last_error_rank),"
    "  received_at = least(a.received_at, EXCLUDED.received_at),"
    "  updated_at = greatest(a.updated_at, EXCLUDED.updated_at)"
    " RETURNING 1"
    "), sync AS ("
    " INSERT INTO status.account_sync AS s (account_id, last_received_at, last_delivered_at)"
    " SELECT account_id, max(at) FILTER (WHERE type = 'received'),"
    "  max(at) FILTER (WHERE type = 'delivered')"
    " FROM n WHERE account_id IS NOT NULL AND type IN ('received', 'delivered')"
    " GROUP BY account_id ORDER BY account_id"
    " ON CONFLICT (account_id) DO UPDATE SET"
    "  last_received_at = greatest(s.last_received_at, EXCLUDED.last_received_at),"
    "  last_delivered_at = greatest(s.last_delivered_at, EXCLUDED.last_delivered_at)"
    " RETURNING 1"
    "), exports AS ("
    " INSERT INTO status.exports AS x (export_task_id, account_id, name, total, created_at, source_tool)"
    " SELECT DISTINCT ON (subject_id) subject_id, account_id, name, coalesce(count, 0), at, board"
    " FROM n WHERE type = 'export_created' AND subject_id IS NOT NULL"
    " ORDER BY subject_id, event_id"
    " ON CONFLICT (export_task_id) DO UPDATE SET"
    "  account_id = coalesce(x.account_id, EXCLUDED.account_id),"
    "  name = greatest(x.name, EXCLUDED.name), total = greatest(x.total, EXCLUDED.total),"
    "  created_at = least(x.created_at, EXCLUDED.created_at),"
    "  source_tool = coalesce(x.source_tool, EXCLUDED.source_tool)"
    " RETURNING 1"
    "), notes AS ("
    " INSERT INTO status.notification_events (event_id, account_id, class, subject_id, code, at)"
    " SELECT n.event_id, n.account_id,"
    "  CASE n.type WHEN 'failed' THEN 'application_failed' WHEN 'rejected' THEN 'application_rejected'"
    "   WHEN 'held_too_long' THEN 'application_held' WHEN 'feed_alert_raised' THEN 'feed_alert'"
    "   WHEN 'check_failed' THEN 'bgcheck_failed'"
    "   WHEN 'connection_broken' THEN CASE WHEN n.detail = 'reauthorization_required'"
    "    THEN 'reauthorization_required' ELSE 'connection_broken' END END,"
    "  coalesce(n.application_id, n.subject_id),"
    "  left(coalesce(n.error_code, CASE WHEN n.type = 'connection_broken' THEN n.detail END), 200), n.at"
    " FROM n JOIN status.accounts acc ON acc.account_id = n.account_id"
    " WHERE acc.notification_url IS NOT NULL AND n.type IN ('failed', 'rejected', 'held_too_long',"
    "  'connection_broken', 'feed_alert_raised', 'check_failed')"
    " ON CONFLICT (event_id) DO NOTHING"
    ")"
    " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM apps), (SELECT count(*) FROM sync),"
    "  (SELECT count(*) FROM exports)";

/* Updates are stored once by update id; the check row takes the status of
 * highest rank, and the details that came with it. */
static const char SQL_CHECKS[] =
    "WITH u AS ("
    " SELECT DISTINCT ON (update_id) u.*,"
    "  timestamptz 'epoch' + u.at_ms * interval '1 millisecond' AS at"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],"
    "  $7::text[], $8::text[], $9::bigint[], $10::text[])"
    "  AS u(update_id, check_id, order_id, status, rank, score, report_url, reason, at_ms, account_id)"
    " ORDER BY update_id"
    "), ins AS ("
    " INSERT INTO status.check_updates (update_id, check_id, status, at)"
    " SELECT update_id, check_id, status, at FROM u"
    " ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
    "), n AS (SELECT u.* FROM u JOIN ins USING (update_id))"
    " INSERT INTO status.background_checks AS c (check_id, account_id, status, status_rank,"
    "  order_id, score, report_url, reason, updated_at)"
    " SELECT check_id, max(account_id), (array_agg(status ORDER BY rank DESC, at, update_id))[1],"
    "  max(rank), max(order_id),"
    "  (array_agg(score ORDER BY rank DESC, score DESC) FILTER (WHERE score IS NOT NULL))[1],"
    "  (array_agg(report_url ORDER BY rank DESC, report_url DESC)"
    "    FILTER (WHERE report_url IS NOT NULL))[1],"
    "  (array_agg(reason ORDER BY rank DESC, reason DESC) FILTER (WHERE reason IS NOT NULL))[1],"
    "  max(at)"
    " FROM n GROUP BY check_id ORDER BY check_id"
    " ON CONFLICT (check_id) DO UPDATE SET"
    "  account_id = coalesce(c.account_id, EXCLUDED.account_id),"
    "  status = CASE WHEN EXCLUDED.status_rank > c.status_rank THEN EXCLUDED.status ELSE c.status END,"
    "  status_rank = greatest(c.status_rank, EXCLUDED.status_rank),"
    "  order_id = greatest(c.order_id, EXCLUDED.order_id),"
    "  score = CASE WHEN EXCLUDED.status_rank >= c.status_rank"
    "   THEN coalesce(EXCLUDED.score, c.score) ELSE coalesce(c.score, EXCLUDED.score) END,"
    "  report_url = CASE WHEN EXCLUDED.status_rank >= c.status_rank"
    "   THEN coalesce(EXCLUDED.report_url, c.report_url) ELSE coalesce(c.report_url, EXCLUDED.report_url) END,"
    "  reason = CASE WHEN EXCLUDED.status_rank >= c.status_rank"
    "   THEN coalesce(EXCLUDED.reason, c.reason) ELSE coalesce(c.reason, EXCLUDED.reason) END,"
    "  updated_at = greatest(c.updated_at, EXCLUDED.updated_at)";

void proj_batch_init(proj_batch *b) {
    memset(b, 0, sizeof *b);
    for (int i = 0; i < PE_NCOLS; i++) pgarr_init(&b->ev[i]);
    for (int i = 0; i < PW_NCOLS; i++) pgarr_init(&b->wh[i]);
    for (int i = 0; i < PC_NCOLS; i++) pgarr_init(&b->ck[i]);
    for (int i = 0; i < PX_NCOLS; i++) pgarr_init(&b->er[i]);
    pgarr_init(&b->created);
    bgcheck_outbox_init(&b->out);
}

void proj_batch_reset(proj_batch *b) {
    for (int i = 0; i < PE_NCOLS; i++) pgarr_reset(&b->ev[i]);
    for (int i = 0; i < PW_NCOLS; i++) pgarr_reset(&b->wh[i]);
    for (int i = 0; i < PC_NCOLS; i++) pgarr_reset(&b->ck[i]);
    for (int i = 0; i < PX_NCOLS; i++) pgarr_reset(&b->er[i]);
    pgarr_reset(&b->created);
    bgcheck_outbox_reset(&b->out);
    b->nevents = b->nwebhooks = b->nchecks = b->nerasures = 0;
    b->stored = 0;
}

void proj_batch_free(proj_batch *b) {
    for (int i = 0; i < PE_NCOLS; i++) pgarr_free(&b->ev[i]);
    for (int i = 0; i < PW_NCOLS; i++) pgarr_free(&b->wh[i]);
    for (int i = 0; i < PC_NCOLS; i++) pgarr_free(&b->ck[i]);
    for (int i = 0; i < PX_NCOLS; i++) pgarr_free(&b->er[i]);
    pgarr_free(&b->created);
    bgcheck_outbox_free(&b->out);
}

static void add_s(pgarr *a, const char *s) { pgarr_add(a, s, 1); }

void proj_add_event(proj_batch *b, const Atsbridge__V1__ApplicationEvent *ev) {
    const char *state = state_of_event(ev->state, ev->type);
    int attempt = ev->attempt < 0 ? 0 : ev->attempt > STATE_MAX_ATTEMPT ? STATE_MAX_ATTEMPT : ev->attempt;
    pgarr *c = b->ev;
    add_s(&c[PE_ID], ev->event_id);
    add_s(&c[PE_APP], ev->application_id);
    add_s(&c[PE_ACCOUNT], ev->account_id);
    add_s(&c[PE_SUBJECT], ev->subject_id);
    add_s(&c[PE_TYPE], ev->type);
    pgarr_add(&c[PE_SERVICE], ev->service ? ev->service : "", 0);
    pgarr_add_int(&c[PE_AT], ev->at_ms);
    add_s(&c[PE_STATE], state);
    pgarr_add_int(&c[PE_RANK], state_rank(state, attempt));
    pgarr_add_int(&c[PE_ATTEMPT], attempt);
    add_s(&c[PE_ERROR], ev->error_code);
    add_s(&c[PE_DETAIL], ev->detail);
    add_s(&c[PE_BOARD], ev->board);
    add_s(&c[PE_POSTING], ev->posting_id);
    add_s(&c[PE_EXPORT], ev->export_task_id);
    add_s(&c[PE_ATS], ev->ats);
    add_s(&c[PE_CANDIDATE], ev->ats_candidate_id);
    pgarr_add_int(&c[PE_COUNT], ev->count);
    add_s(&c[PE_NAME], ev->name);
    b->nevents++;
    if (ev->type && !strcmp(ev->type, "erasure_requested") && ev->application_id &&
        *ev->application_id) {
        add_s(&b->er[PX_APP], ev->application_id);
        add_s(&b->er[PX_ACCOUNT], ev->account_id);
        pgarr_add(&b->er[PX_REASON], ev->detail && *ev->detail ? ev->detail : "requested", 0);
        b->nerasures++;
    }
}

void proj_add_webhook(proj_batch *b, const Atsbridge__V1__AtsWebhook *w) {
    pgarr *c = b->wh;
    add_s(&c[PW_ID], w->webhook_id);
    add_s(&c[PW_ACCOUNT], w->account_id);
    add_s(&c[PW_ATS], w->ats);
    add_s(&c[PW_EVENT], w->event);
    pgarr_add_int(&c[PW_AT], w->triggered_at_ms);
    add_s(&c[PW_OPPORTUNITY], w->opportunity_id);
    add_s(&c[PW_CONTACT], w->contact_id);
    add_s(&c[PW_FROM], w->from_stage_id);
    add_s(&c[PW_TO], w->to_stage_id);
    add_s(&c[PW_TO_NAME], w->to_stage_name);
    add_s(&c[PW_POSTING], w->posting_id);
    char check[64];
    crypto_derive_id(check, sizeof check, "chk_", w->webhook_id, (const char *)NULL);
    add_s(&c[PW_CHECK], check);
    b->nwebhooks++;
}

void proj_add_check(proj_batch *b, const Atsbridge__V1__BackgroundCheckUpdate *u) {
    pgarr *c = b->ck;
    add_s(&c[PC_ID], u->update_id);
    add_s(&c[PC_CHECK], u->check_id);
    add_s(&c[PC_ORDER], u->order_id);
    add_s(&c[PC_STATUS], state_check_name((int)u->status));
    pgarr_add_int(&c[PC_RANK], state_check_rank((int)u->status));
    add_s(&c[PC_SCORE], u->score);
    add_s(&c[PC_REPORT], u->report_url);
    add_s(&c[PC_REASON], u->reason);
    pgarr_add_int(&c[PC_AT], u->occurred_at_ms);
    add_s(&c[PC_ACCOUNT], u->account_id);
    b->nchecks++;
}

proj_result proj_classify(PGconn *c, const PGresult *r) {
    if (!r || PQstatus(c) != CONNECTION_OK) return PROJ_TRANSIENT;
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    /* Only data the server refused (data exception, integrity, a value over
     * a limit such as an index row size) is the message's fault; anything
     * else, including a bug in our SQL, must not dead-letter good messages. */
    if (st && (!strncmp(st, "22", 2) || !strncmp(st, "23", 2) || !strncmp(st, "54", 2)))
        return PROJ_DATA;
    return PROJ_TRANSIENT;
}

/* Runs sql with the n arrays of cols as parameters. */
static proj_result run_arrays(PGconn *c, const char *sql, pgarr *cols, int n, long long *first) {
    const char *params[PE_NCOLS];
    for (int i = 0; i < n; i++) {
        params[i] = pgarr_text(&cols[i]);
        if (!params[i]) return PROJ_TRANSIENT; /* out of memory */
    }
    PGresult *r = pg_exec(c, sql, n, params);
    proj_result res = pg_ok(r) ? PROJ_OK : proj_classify(c, r);
    if (res == PROJ_OK && first && PQntuples(r) > 0) *first = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return res;
}

proj_result proj_apply(PGconn *c, proj_batch *b) {
    proj_result res = PROJ_OK;
    PGresult *erased = NULL; /* applications erased by this batch, confirmed before the COMMIT */
    b->stored = 0;
    pgarr_reset(&b->created);
    bgcheck_outbox_reset(&b->out);
    if (pg_run(c, "BEGIN", 0, NULL)) return PROJ_TRANSIENT;
    if (b->nevents && (res = run_arrays(c, SQL_EVENTS, b->ev, PE_NCOLS, &b->stored)) != PROJ_OK)
        goto rollback;
    if (b->nerasures && (res = erasure_delete(c, b->er, &erased)) != PROJ_OK) goto rollback;
    /* Updates before stage entries: a check completed in this batch is no
     * longer open when the same batch re-enters the stage. */
    if (b->nchecks && (res = run_arrays(c, SQL_CHECKS, b->ck, PC_NCOLS, NULL)) != PROJ_OK)
        goto rollback;
    if (b->nwebhooks &&
        (res = (proj_result)bgcheck_create(c, b->wh, PW_NCOLS, &b->created, &b->out)) != PROJ_OK)
        goto rollback;
    if (b->nchecks || b->created.n) {
        const char *updated = b->nchecks ? pgarr_text(&b->ck[PC_CHECK]) : "{}";
        if (!updated) {
            res = PROJ_TRANSIENT;
            goto rollback;
        }
        if ((res = (proj_result)bgcheck_outbox_collect(c, updated, &b->created, &b->out)) != PROJ_OK)
            goto rollback;
    }
    /* Before the commit, like every produce of status: if the broker does
     * not take them, nothing is stored and the batch comes again. */
    if (bgcheck_outbox_send(&b->out, b->producer) || erasure_confirm(b->producer, erased)) {
        res = PROJ_TRANSIENT;
        goto rollback;
    }
    PGresult *r = pg_exec(c, "COMMIT", 0, NULL);
    res = pg_ok(r) ? PROJ_OK : proj_classify(c, r);
    PQclear(r);
    if (res != PROJ_OK) goto rollback;
    bgcheck_outbox_reset(&b->out);
    PQclear(erased);
    return PROJ_OK;
rollback:
    b->stored = 0;
    bgcheck_outbox_reset(&b->out);
    PQclear(erased);
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE)
        PQclear(PQexec(c, "ROLLBACK"));
    return res;
}
