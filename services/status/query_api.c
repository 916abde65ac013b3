#include "query_api.h"

#include "api.h"
#include "api_keys.h"
#include "config.h"
#include "pg.h"
#include "state.h"
#include "rfc3339.h"
#include "text.h"
#include "utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the reader reads everything (admin or read token); else answers
 * 404: what is not an application or export task of its own is not there
 * for a key. */
static int reads_all(const http_request *req, http_response *resp) {
    api_reader rd;
    api_reader_of(req, &rd);
    if (rd.all) return 1;
    http_error(resp, 404, "not_found", "No such resource.");
    return 0;
}

/* A seq cursor of kind ("app", "exp") from ?cursor= into seq; adds a detail
 * when it is not one this API returned. */
static void seq_cursor(const char *kind, const char *cursor, char *seq, size_t len, json_object *details) {
    int64_t v;
    if (text_cursor_decode(kind, cursor, seq, len) != 0 || config_parse_int(seq, 1, INT64_MAX, &v) != 0)
        http_detail_add(details, "cursor", "invalid_value", "cursor is not one this API returned.");
}

/* Answers a page: the first limit rows of r (fetched with limit + 1) made
 * by item under name, and next_cursor from the seq in column seq_col of the
 * last one shown when there are more. */
static void page_answer(http_response *resp, const PGresult *r, int limit, const char *name, const char *kind,
                        int seq_col, json_object *(*item)(const PGresult *, int)) {
    int n = PQntuples(r);
    json_object *list = json_object_new_array();
    for (int i = 0; i < n && i < limit; i++) json_object_array_add(list, item(r, i));
    json_object *o = json_object_new_object();
    json_object_object_add(o, name, list);
    if (n > limit) {
        char next[128];
        text_cursor_encode(kind, PQgetvalue(r, limit - 1, seq_col), next, sizeof next);
        json_object_object_add(o, "next_cursor", json_object_new_string(next));
    } else {
        json_object_object_add(o, "next_cursor", NULL);
    }
    http_json(resp, 200, o);
}

#define APP_COLS                                                                                   \
    "application_id, account_id, board, posting_id, state, ats, ats_candidate_id, attempts,"      \
    " last_error, " API_TS("received_at") ", " API_TS("updated_at") ", seq, export_task_id IS NOT NULL"

/* The application object of the query API (docs/status.md "Query endpoints"; list
 * entries add timestamps). */
static json_object *app_json(const PGresult *r, int row, int with_times) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "application_id", api_str(r, row, 0, 0));
    json_object_object_add(o, "account_id", api_str(r, row, 1, 1));
    json_object_object_add(o, "board", api_str(r, row, 2, 1));
    json_object_object_add(o, "posting_id", api_str(r, row, 3, 1));
    json_object_object_add(o, "state", api_str(r, row, 4, 0));
    json_object_object_add(o, "ats", api_str(r, row, 5, 1));
    json_object_object_add(o, "ats_candidate_id", api_str(r, row, 6, 1));
    json_object_object_add(o, "attempts", api_int(r, row, 7));
    json_object_object_add(o, "last_error", api_str(r, row, 8, 1));
    if (with_times) {
        json_object_object_add(o, "received_at", api_str(r, row, 9, 0));
        json_object_object_add(o, "updated_at", api_str(r, row, 10, 0));
    }
    return o;
}

static json_object *app_list_item(const PGresult *r, int row) { return app_json(r, row, 1); }

/* A key's own application: its board (a tool's: its export) sent it. A
 * board's key and a tool's key of the same id do not read each other's. */
static int reader_owns_app(const api_reader *rd, const PGresult *r, int row) {
    int exported = !strcmp(PQgetvalue(r, row, 12), "t");
    return rd->all || (!strcmp(PQgetvalue(r, row, 2), rd->owner) &&
                       exported == !strcmp(rd->kind, API_KEY_KIND_SOURCE_TOOL));
}

/* 404 for an id we do not know, saying so when it was erased. */
static void not_found(PGconn *c, http_response *resp, const char *id, const char *what) {
    if (c && id) {
        const char *p[] = {id};
        PGresult *r = pg_exec(c, "SELECT 1 FROM status.erasures WHERE application_id = $1", 1, p);
        int erased = pg_ok(r) && PQntuples(r) > 0;
        PQclear(r);
        if (erased) {
            http_error(resp, 404, "erased", "This application was erased.");
            return;
        }
    }
    char msg[128];
    snprintf(msg, sizeof msg, "No such %s.", what);
    http_error(resp, 404, "not_found", msg);
}

void query_application_get(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL, *ev = NULL;
    api_reader rd;
    api_reader_of(req, &rd);
    const char *id = req->params[0];
    if (!text_id_ok(id)) {
        not_found(NULL, resp, NULL, "application");
        return;
    }
    if (!(c = api_db(app, resp))) return;
    if (api_snapshot(c, resp)) goto cleanup;
    const char *p[] = {id};
    r = pg_exec(c, "SELECT " APP_COLS " FROM status.applications WHERE application_id = $1", 1, p);
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    if (PQntuples(r) == 0 || !reader_owns_app(&rd, r, 0)) {
        /* A key learns nothing of applications it did not submit, erased ones included. */
        not_found(rd.all ? c : NULL, resp, id, "application");
        goto cleanup;
    }
    /* The timeline: every stored event of the application, oldest first. */
    ev = pg_exec(c,
                 "SELECT event_id, type, " API_TS("at") ", service, detail FROM status.events"
                 " WHERE application_id = $1 ORDER BY at, event_id",
                 1, p);
    if (!pg_ok(ev)) {
        api_db_error(resp);
        goto cleanup;
    }
    json_object *o = app_json(r, 0, 0);
    json_object *events = json_object_new_array();
    for (int i = 0; i < PQntuples(ev); i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "event_id", api_str(ev, i, 0, 0));
        json_object_object_add(e, "type", api_str(ev, i, 1, 0));
        json_object_object_add(e, "at", api_str(ev, i, 2, 0));
        json_object_object_add(e, "service", api_str(ev, i, 3, 0));
        json_object_object_add(e, "detail", api_str(ev, i, 4, 1));
        json_object_array_add(events, e);
    }
    json_object_object_add(o, "events", events);
    http_json(resp, 200, o);
cleanup:
    PQclear(r);
    PQclear(ev);
    pg_pool_release(app->svc.db, c);
}

/* Newest first by seq, which is assigned once when status first sees an
 * application: applications arriving while a client pages through land
 * before its cursor, so no page repeats or skips an entry. */
void query_application_list(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL;
    api_reader rd;
    api_reader_of(req, &rd);
    json_object *details = json_object_new_array();
    const char *account = http_query(req, "account");
    const char *board = http_query(req, "board");
    const char *state = http_query(req, "state");
    const char *since = http_query(req, "since");
    const char *cursor = http_query(req, "cursor");
    char since_ms[32], seq[32];
    int limit = 50;
    if (account && !text_id_ok(account))
        http_detail_add(details, "account", "invalid_value", "account must be an account id.");
    if (board && !text_id_ok(board))
        http_detail_add(details, "board", "invalid_value", "board must be a board or sourcing-tool id.");
    if (state && !state_is_known(state))
        http_detail_add(details, "state", "invalid_value",
                   "state must be one of received, held, resolved, delivering, retrying, delivered,"
                   " failed, rejected.");
    if (since) {
        int64_t ms;
        if (rfc3339_parse(since, &ms) == 0)
            snprintf(since_ms, sizeof since_ms, "%lld", (long long)ms);
        else
            http_detail_add(details, "since", "invalid_value",
                       "since must be an ISO-8601 time such as 2026-11-24T10:00:00Z.");
    }
    if (cursor) seq_cursor("app", cursor, seq, sizeof seq, details);
    api_limit(req, 50, 500, &limit, details);
    if (json_object_array_length(details) > 0) {
        http_error_details(resp, 400, "bad_parameter", "One or more query parameters are invalid.",
                           details);
        return;
    }
    json_object_put(details);
    if (!(c = api_db(app, resp))) return;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    /* A key lists what it submitted: the applications its board (or tool) sent. */
    const char *p[] = {account, state, since ? since_ms : NULL, cursor ? seq : NULL, lim, rd.all ? NULL : rd.owner,
                       rd.all ? NULL : rd.kind, board};
    r = pg_exec(c,
                "SELECT " APP_COLS " FROM status.applications"
                " WHERE ($1::text IS NULL OR account_id = $1)"
                "  AND ($2::text IS NULL OR state = $2)"
                "  AND ($3::bigint IS NULL OR updated_at >= timestamptz 'epoch' + $3::bigint * interval '1 millisecond')"
                "  AND ($4::bigint IS NULL OR seq < $4::bigint)"
                "  AND ($6::text IS NULL OR (board = $6 AND (export_task_id IS NOT NULL) = ($7 = '"
                API_KEY_KIND_SOURCE_TOOL "')))"
                "  AND ($8::text IS NULL OR board = $8)"
                " ORDER BY seq DESC LIMIT $5::int",
                8, p);
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    page_answer(resp, r, limit, "applications", "app", 11, app_list_item);
cleanup:
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

/* Progress counted from the applications that carry the task id: delivered
 * (new candidates), duplicates (adopted existing ones), failed (failed or
 * rejected). The task is running until every announced candidate is done.
 * Columns: known, account, name, announced total, created_at, then the
 * applications' total, delivered, duplicates, failed, account, then the
 * task's source tool, id and seq. */
#define EXPORT_COLS                                                                                \
    "x.export_task_id IS NOT NULL, x.account_id, x.name, x.total, " API_TS("x.created_at") ","     \
    " n.total, n.delivered, n.duplicates, n.failed, n.account_id, x.source_tool, x.export_task_id, x.seq"
#define EXPORT_COUNTS(id)                                                                          \
    " CROSS JOIN LATERAL (SELECT count(*) AS total,"                                               \
    "  count(*) FILTER (WHERE state = 'delivered' AND NOT duplicate) AS delivered,"                \
    "  count(*) FILTER (WHERE state = 'delivered' AND duplicate) AS duplicates,"                   \
    "  count(*) FILTER (WHERE state IN ('failed', 'rejected')) AS failed,"                         \
    "  max(account_id) AS account_id"                                                              \
    "  FROM status.applications WHERE export_task_id = " id ") n"

static json_object *export_json(const PGresult *r, int row, const char *id) {
    int known = !strcmp(PQgetvalue(r, row, 0), "t");
    long long seen = strtoll(PQgetvalue(r, row, 5), NULL, 10);
    long long total = known ? strtoll(PQgetvalue(r, row, 3), NULL, 10) : seen;
    if (total < seen) total = seen;
    long long delivered = strtoll(PQgetvalue(r, row, 6), NULL, 10);
    long long dups = strtoll(PQgetvalue(r, row, 7), NULL, 10);
    long long failed = strtoll(PQgetvalue(r, row, 8), NULL, 10);
    long long done = delivered + dups + failed;
    const char *state = done < total ? "running" : failed ? "completed_with_errors" : "completed";
    json_object *o = json_object_new_object();
    json_object_object_add(o, "export_task_id", json_object_new_string(id));
    json_object_object_add(o, "account_id", known ? api_str(r, row, 1, 1) : api_str(r, row, 9, 1));
    json_object_object_add(o, "name", known ? api_str(r, row, 2, 1) : NULL);
    json_object_object_add(o, "source_tool", known ? api_str(r, row, 10, 1) : NULL);
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "delivered", json_object_new_int64(delivered));
    json_object_object_add(o, "duplicates", json_object_new_int64(dups));
    json_object_object_add(o, "failed", json_object_new_int64(failed));
    json_object_object_add(o, "pending", json_object_new_int64(total - done));
    json_object_object_add(o, "state", json_object_new_string(state));
    json_object_object_add(o, "created_at", known ? api_str(r, row, 4, 0) : NULL);
    return o;
}

static json_object *export_list_item(const PGresult *r, int row) {
    return export_json(r, row, PQgetvalue(r, row, 11));
}

/* A sourcing tool's key reads its own tasks (known: status has the task's
 * export_created, which names the tool); a board's key none. */
static int reader_sees_task(const api_reader *rd, int known, const char *tool) {
    return rd->all || (!strcmp(rd->kind, API_KEY_KIND_SOURCE_TOOL) && known && !strcmp(tool, rd->owner));
}

static int reader_sees_export(const api_reader *rd, const PGresult *r) {
    return reader_sees_task(rd, !strcmp(PQgetvalue(r, 0, 0), "t"), PQgetvalue(r, 0, 10));
}

void query_export_get(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL;
    api_reader rd;
    api_reader_of(req, &rd);
    const char *id = req->params[0];
    if (!(c = api_db_for_id(app, id, "No such export task.", resp))) return;
    const char *p[] = {id};
    r = pg_exec(c,
                "SELECT " EXPORT_COLS " FROM (SELECT $1::text AS id) q"
                " LEFT JOIN status.exports x ON x.export_task_id = q.id" EXPORT_COUNTS("q.id"),
                1, p);
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    if ((strcmp(PQgetvalue(r, 0, 0), "t") != 0 && strtoll(PQgetvalue(r, 0, 5), NULL, 10) == 0) ||
        !reader_sees_export(&rd, r)) {
        http_error(resp, 404, "not_found", "No such export task.");
        goto cleanup;
    }
    http_json(resp, 200, export_json(r, 0, id));
cleanup:
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

static json_object *export_app_item(const PGresult *r, int row) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "application_id", api_str(r, row, 0, 0));
    json_object_object_add(o, "state", api_str(r, row, 1, 0));
    json_object_object_add(o, "duplicate", json_object_new_boolean(!strcmp(PQgetvalue(r, row, 2), "t")));
    json_object_object_add(o, "ats_candidate_id", api_str(r, row, 3, 1));
    json_object_object_add(o, "updated_at", api_str(r, row, 4, 0));
    return o;
}

/* An export task's candidates as their applications: ids and states only
 * (never a name or an address: status holds none), in the order status
 * first saw them, keyset-paginated by seq. Whoever reads the task
 * (query_export_get) reads this; anyone else 404. */
void query_export_applications(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *t = NULL, *r = NULL;
    api_reader rd;
    api_reader_of(req, &rd);
    const char *id = req->params[0];
    const char *state = http_query(req, "state");
    const char *cursor = http_query(req, "cursor");
    char seq[32];
    int limit = 100;
    if (!text_id_ok(id)) {
        http_error(resp, 404, "not_found", "No such export task.");
        return;
    }
    json_object *details = json_object_new_array();
    if (state && !state_is_known(state))
        http_detail_add(details, "state", "invalid_value",
                        "state must be one of received, held, resolved, delivering, retrying, delivered,"
                        " failed, rejected.");
    if (cursor) seq_cursor("xap", cursor, seq, sizeof seq, details);
    api_limit(req, 100, 500, &limit, details);
    if (json_object_array_length(details) > 0) {
        http_error_details(resp, 400, "bad_parameter", "One or more query parameters are invalid.", details);
        return;
    }
    json_object_put(details);
    if (!(c = api_db(app, resp))) return;
    if (api_snapshot(c, resp)) goto cleanup;
    const char *p[] = {id};
    /* The task as query_export_get sees it: known, or at least one application carries its id. */
    t = pg_exec(c,
                "SELECT x.export_task_id IS NOT NULL, EXISTS (SELECT 1 FROM status.applications a"
                "  WHERE a.export_task_id = q.id), x.source_tool"
                " FROM (SELECT $1::text AS id) q LEFT JOIN status.exports x ON x.export_task_id = q.id",
                1, p);
    if (!pg_ok(t)) {
        api_db_error(resp);
        goto cleanup;
    }
    int known = !strcmp(PQgetvalue(t, 0, 0), "t");
    if ((!known && strcmp(PQgetvalue(t, 0, 1), "t") != 0) || !reader_sees_task(&rd, known, PQgetvalue(t, 0, 2))) {
        http_error(resp, 404, "not_found", "No such export task.");
        goto cleanup;
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    const char *q[] = {id, state, cursor ? seq : NULL, lim};
    r = pg_exec(c,
                "SELECT application_id, state, duplicate, ats_candidate_id, " API_TS("updated_at") ", seq"
                " FROM status.applications WHERE export_task_id = $1"
                "  AND ($2::text IS NULL OR state = $2) AND ($3::bigint IS NULL OR seq > $3::bigint)"
                " ORDER BY seq LIMIT $4::int",
                4, q);
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    page_answer(resp, r, limit, "applications", "xap", 5, export_app_item);
cleanup:
    PQclear(t);
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

/* The task manager: export tasks newest first, a sourcing tool's key its
 * own, the admin token every tool's (or one: ?source_tool=). */
void query_export_list(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL;
    api_reader rd;
    api_reader_of(req, &rd);
    if (!rd.all && strcmp(rd.kind, API_KEY_KIND_SOURCE_TOOL) != 0) {
        http_error(resp, 404, "not_found", "No such endpoint.");
        return;
    }
    json_object *details = json_object_new_array();
    const char *tool = rd.all ? http_query(req, "source_tool") : rd.owner;
    const char *cursor = http_query(req, "cursor");
    char seq[32];
    int limit = 50;
    if (tool && !text_id_ok(tool))
        http_detail_add(details, "source_tool", "invalid_value", "source_tool must be a tool id.");
    if (cursor) seq_cursor("exp", cursor, seq, sizeof seq, details);
    api_limit(req, 50, 500, &limit, details);
    if (json_object_array_length(details) > 0) {
        http_error_details(resp, 400, "bad_parameter", "One or more query parameters are invalid.", details);
        return;
    }
    json_object_put(details);
    if (!(c = api_db(app, resp))) return;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    const char *p[] = {tool, cursor ? seq : NULL, lim};
    r = pg_exec(c,
                "SELECT " EXPORT_COLS " FROM status.exports x" EXPORT_COUNTS("x.export_task_id")
                " WHERE ($1::text IS NULL OR x.source_tool = $1) AND ($2::bigint IS NULL OR x.seq < $2::bigint)"
                " ORDER BY x.seq DESC LIMIT $3::int",
                3, p);
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    page_answer(resp, r, limit, "exports", "exp", 12, export_list_item);
cleanup:
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

void query_account_sync(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL;
    if (!reads_all(req, resp)) return;
    const char *id = req->params[0];
    if (!(c = api_db_for_id(app, id, "No such account.", resp))) return;
    const char *p[] = {id};
    r = pg_exec(c,
                "SELECT a.account_id IS NOT NULL, s.account_id IS NOT NULL,"
                " coalesce(a.feed_interval_s, 0), " API_TS("s.last_received_at") ","
                " " API_TS("s.last_delivered_at") ", coalesce(s.alert_state, 'ok'),"
                " " API_TS("s.alert_changed_at") ","
                " (SELECT count(*) FROM status.events e WHERE e.account_id = q.id"
                "   AND e.type IN ('retrying', 'failed', 'rejected') AND e.at > now() - interval '24 hours'),"
                " (SELECT count(*) FROM status.events e WHERE e.account_id = q.id"
                "   AND e.type = 'failed' AND e.at > now() - interval '24 hours')"
                " FROM (SELECT $1::text AS id) q"
                " LEFT JOIN status.accounts a ON a.account_id = q.id"
                " LEFT JOIN status.account_sync s ON s.account_id = q.id",
                1, p);
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    if (strcmp(PQgetvalue(r, 0, 0), "t") && strcmp(PQgetvalue(r, 0, 1), "t")) {
        http_error(resp, 404, "not_found", "No such account.");
        goto cleanup;
    }
    int interval = (int)strtol(PQgetvalue(r, 0, 2), NULL, 10);
    const char *alert = PQgetvalue(r, 0, 5);
    if (interval == 0 && !strcmp(alert, "ok")) alert = "off";
    json_object *a = json_object_new_object();
    json_object_object_add(a, "state", json_object_new_string(alert));
    json_object_object_add(a, "since", api_str(r, 0, 6, 0));
    json_object_object_add(a, "feed_interval_s", json_object_new_int(interval));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", json_object_new_string(id));
    json_object_object_add(o, "last_received_at", api_str(r, 0, 3, 0));
    json_object_object_add(o, "last_delivered_at", api_str(r, 0, 4, 0));
    json_object_object_add(o, "failures_24h", api_int(r, 0, 7));
    json_object_object_add(o, "dead_letters_24h", api_int(r, 0, 8));
    json_object_object_add(o, "alert", a);
    http_json(resp, 200, o);
cleanup:
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

#define CHECK_COLS                                                                                 \
    "check_id, account_id, opportunity_id, posting_id, stage_entry, status, order_id, score,"     \
    " report_url, reason, " API_TS("created_at") ", " API_TS("updated_at")

static json_object *check_json(const PGresult *r, int row) {
    static const char *const names[] = {"check_id", "account_id", "opportunity_id", "posting_id",
                                        "stage_entry", "status", "order_id", "score",
                                        "report_url", "reason", "created_at", "updated_at"};
    json_object *o = json_object_new_object();
    for (int i = 0; i < 12; i++) json_object_object_add(o, names[i], api_str(r, row, i, 1));
    return o;
}

void query_check_get(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL, *u = NULL, *e = NULL;
    if (!reads_all(req, resp)) return;
    const char *id = req->params[0];
    if (!(c = api_db_for_id(app, id, "No such background check.", resp))) return;
    if (api_snapshot(c, resp)) goto cleanup;
    const char *p[] = {id};
    r = pg_exec(c, "SELECT " CHECK_COLS " FROM status.background_checks WHERE check_id = $1", 1, p);
    u = pg_exec(c,
                "SELECT update_id, status, " API_TS("at") " FROM status.check_updates"
                " WHERE check_id = $1 ORDER BY at, update_id",
                1, p);
    /* The audit trail of the check: check_requested, check_ordered,
     * check_status, check_failed from status and delivery. */
    e = pg_exec(c,
                "SELECT event_id, type, " API_TS("at") ", service, detail FROM status.events"
                " WHERE subject_id = $1 AND type LIKE 'check\\_%' ORDER BY at, seq",
                1, p);
    if (!pg_ok(r) || !pg_ok(u) || !pg_ok(e)) {
        api_db_error(resp);
        goto cleanup;
    }
    if (PQntuples(r) == 0) {
        http_error(resp, 404, "not_found", "No such background check.");
        goto cleanup;
    }
    json_object *o = check_json(r, 0);
    json_object *updates = json_object_new_array();
    for (int i = 0; i < PQntuples(u); i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "update_id", api_str(u, i, 0, 0));
        json_object_object_add(e, "status", api_str(u, i, 1, 0));
        json_object_object_add(e, "at", api_str(u, i, 2, 0));
        json_object_array_add(updates, e);
    }
    json_object_object_add(o, "updates", updates);
    json_object *events = json_object_new_array();
    static const char *const names[] = {"event_id", "type", "at", "service", "detail"};
    for (int i = 0; i < PQntuples(e); i++) {
        json_object *ev = json_object_new_object();
        for (int k = 0; k < 5; k++) json_object_object_add(ev, names[k], api_str(e, i, k, k == 4));
        json_object_array_add(events, ev);
    }
    json_object_object_add(o, "events", events);
    http_json(resp, 200, o);
cleanup:
    PQclear(r);
    PQclear(u);
    PQclear(e);
    pg_pool_release(app->svc.db, c);
}

static const char *const check_statuses[] = {"requested", "ordered",   "pending_candidate", "in_progress",
                                             "completed", "failed",    "cancelled"};

static int check_status_known(const char *v) {
    for (size_t i = 0; i < sizeof check_statuses / sizeof check_statuses[0]; i++)
        if (!strcmp(v, check_statuses[i])) return 1;
    return 0;
}

/* A score to match: the provider's free text, so bounded and checked
 * before PostgreSQL sees it (valid UTF-8, no control characters). */
static int score_ok(const char *v) {
    size_t n = strlen(v);
    if (n == 0 || n > 200 || !utf8_valid(v, n)) return 0;
    for (const unsigned char *c = (const unsigned char *)v; *c; c++)
        if (*c < 0x20 || *c == 0x7f) return 0;
    return 1;
}

static json_object *check_list_item(const PGresult *r, int row) { return check_json(r, row); }

/* Two ways in, both for readers of everything only (a key gets 404, as for
 * every check): ?opportunity= the checks of one opportunity, oldest first,
 * in one answer (next_cursor always null); without it ?account= the
 * account's checks newest first by seq (assigned once, when status first
 * stores the check), keyset-paginated like applications. account, status
 * and score (exact match) narrow either. */
void query_check_list(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL;
    if (!reads_all(req, resp)) return;
    const char *opp = http_query(req, "opportunity");
    const char *account = http_query(req, "account");
    const char *status = http_query(req, "status");
    const char *score = http_query(req, "score");
    const char *cursor = http_query(req, "cursor");
    json_object *details = json_object_new_array();
    char seq[32];
    int limit = 100;
    if (!opp && !account)
        http_detail_add(details, "opportunity", "required", "opportunity or account is required.");
    if (opp && !text_id_ok(opp))
        http_detail_add(details, "opportunity", "invalid_value", "opportunity must be an ATS id.");
    if (account && !text_id_ok(account))
        http_detail_add(details, "account", "invalid_value", "account must be an account id.");
    if (status && !check_status_known(status))
        http_detail_add(details, "status", "invalid_value",
                        "status must be one of requested, ordered, pending_candidate, in_progress, completed,"
                        " failed, cancelled.");
    if (score && !score_ok(score))
        http_detail_add(details, "score", "invalid_value",
                        "score must be 1 to 200 bytes of text without control characters.");
    if (cursor && opp)
        http_detail_add(details, "cursor", "invalid_value",
                        "cursor pages a listing by account; an opportunity's checks come in one answer.");
    else if (cursor)
        seq_cursor("chk", cursor, seq, sizeof seq, details);
    api_limit(req, opp ? 100 : 50, 500, &limit, details);
    if (json_object_array_length(details) > 0) {
        http_error_details(resp, 400, "bad_parameter", "One or more query parameters are invalid.",
                           details);
        return;
    }
    json_object_put(details);
    if (!(c = api_db(app, resp))) return;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", opp ? limit : limit + 1);
    if (opp) {
        const char *p[] = {opp, lim, account, status, score};
        r = pg_exec(c,
                    "SELECT " CHECK_COLS ", seq FROM status.background_checks WHERE opportunity_id = $1"
                    "  AND ($3::text IS NULL OR account_id = $3) AND ($4::text IS NULL OR status = $4)"
                    "  AND ($5::text IS NULL OR score = $5)"
                    " ORDER BY created_at, check_id LIMIT $2::int",
                    5, p);
    } else {
        const char *p[] = {account, lim, status, cursor ? seq : NULL, score};
        r = pg_exec(c,
                    "SELECT " CHECK_COLS ", seq FROM status.background_checks WHERE account_id = $1"
                    "  AND ($3::text IS NULL OR status = $3) AND ($4::bigint IS NULL OR seq < $4::bigint)"
                    "  AND ($5::text IS NULL OR score = $5)"
                    " ORDER BY seq DESC LIMIT $2::int",
                    5, p);
    }
    if (!pg_ok(r)) {
        api_db_error(resp);
        goto cleanup;
    }
    /* An opportunity's listing fetched limit rows, so it never has a next page. */
    page_answer(resp, r, opp ? PQntuples(r) : limit, "background_checks", "chk", 12, check_list_item);
cleanup:
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}
