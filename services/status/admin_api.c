#include "admin_api.h"

#include "account_input.h"
#include "api.h"
#include "app.h"
#include "auth.h"
#include "config.h"
#include "erasure.h"
#include "events.h"
#include "json_bounded.h"
#include "log.h"
#include "notify_secret.h"
#include "operators.h"
#include "pg.h"
#include "text.h"

#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The enum order of account_input.h, then read-only columns. */
#define ACCOUNT_COLS                                                                               \
    "ats, connection_name, run_mode, company_name, privacy_policy_url, source_labels::text,"      \
    " bgcheck_stage, bgcheck_tag_prefix, notification_url, daily_api_budget::text,"               \
    " feed_interval_s::text, bgcheck_status_tag_prefix, grants::text, lever_perform_as,"          \
    " features::text, lever_environment, export_stage, bgcheck_package, provider_client_id,"       \
    " account_id, " API_TS("created_at") ", " API_TS("updated_at") ","                             \
    " " API_TS("went_live_at") ", (extract(epoch FROM updated_at) * 1000000)::bigint,"            \
    " notification_secret IS NOT NULL"
enum { COL_ID = AF_N, COL_CREATED, COL_UPDATED, COL_LIVE, COL_VERSION, COL_SECRET_SET };

static json_object *account_json(const PGresult *r, int row) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", api_str(r, row, COL_ID, 0));
    for (int i = 0; i < AF_N; i++) {
        json_object *v;
        if (i == AF_SOURCE_LABELS || i == AF_GRANTS || i == AF_FEATURES) {
            v = json_tokener_parse(PQgetvalue(r, row, i)); /* our own jsonb */
            if (!v) v = i == AF_FEATURES ? json_object_new_array() : json_object_new_object();
        } else if (i == AF_DAILY_API_BUDGET || i == AF_FEED_INTERVAL_S) {
            v = api_int(r, row, i);
        } else {
            v = api_str(r, row, i, 0);
        }
        json_object_object_add(o, acct_field_names[i], v);
    }
    json_object_object_add(o, "created_at", api_str(r, row, COL_CREATED, 0));
    json_object_object_add(o, "updated_at", api_str(r, row, COL_UPDATED, 0));
    json_object_object_add(o, "went_live_at", api_str(r, row, COL_LIVE, 0));
    json_object_object_add(o, "notification_secret_set",
                           json_object_new_boolean(!strcmp(PQgetvalue(r, row, COL_SECRET_SET), "t")));
    return o;
}

/* Account-level audit event, waiting for the broker. version makes the id
 * deterministic per change, so a retried request stores it once. */
static int emit_account_event(status_app *app, const char *account, const char *type,
                              const char *connection_name, const char *detail, const char *version,
                              const char *actor) {
    return events_emit_account(app->svc.producer, "status", version, type, account, account, connection_name, detail,
                               actor);
}

static void broker_down(http_response *resp) {
    http_unavailable(resp, 1, "broker_unavailable", "The event could not be recorded; nothing changed.");
}

static PGresult *select_account(PGconn *c, const char *id, int for_update) {
    const char *p[] = {id};
    return pg_exec(c,
                   for_update ? "SELECT " ACCOUNT_COLS " FROM status.accounts WHERE account_id = $1 FOR UPDATE"
                              : "SELECT " ACCOUNT_COLS " FROM status.accounts WHERE account_id = $1",
                   1, p);
}

static const char SQL_UPSERT[] =
    "INSERT INTO status.accounts AS a (account_id, ats, connection_name, run_mode, company_name,"
    " privacy_policy_url, source_labels, bgcheck_stage, bgcheck_tag_prefix, notification_url,"
    " daily_api_budget, feed_interval_s, bgcheck_status_tag_prefix, grants, lever_perform_as, features,"
    " lever_environment, export_stage, bgcheck_package, provider_client_id)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11::int, $12::int, $13, $14::jsonb, $15,"
    "  $16::jsonb, $17, $18, $19, $20)"
    " ON CONFLICT (account_id) DO UPDATE SET ats = EXCLUDED.ats,"
    "  connection_name = EXCLUDED.connection_name, run_mode = EXCLUDED.run_mode,"
    "  company_name = EXCLUDED.company_name, privacy_policy_url = EXCLUDED.privacy_policy_url,"
    "  source_labels = EXCLUDED.source_labels, bgcheck_stage = EXCLUDED.bgcheck_stage,"
    "  bgcheck_tag_prefix = EXCLUDED.bgcheck_tag_prefix,"
    "  notification_url = EXCLUDED.notification_url, daily_api_budget = EXCLUDED.daily_api_budget,"
    "  feed_interval_s = EXCLUDED.feed_interval_s,"
    "  bgcheck_status_tag_prefix = EXCLUDED.bgcheck_status_tag_prefix, grants = EXCLUDED.grants,"
    "  lever_perform_as = EXCLUDED.lever_perform_as, features = EXCLUDED.features,"
    "  lever_environment = EXCLUDED.lever_environment, export_stage = EXCLUDED.export_stage,"
    "  bgcheck_package = EXCLUDED.bgcheck_package, provider_client_id = EXCLUDED.provider_client_id,"
    "  updated_at = now(),"
    "  feed_monitor_since = CASE WHEN a.feed_interval_s IS DISTINCT FROM EXCLUDED.feed_interval_s"
    "   THEN now() ELSE a.feed_monitor_since END,"
    "  went_live_at = CASE WHEN a.run_mode <> 'live' AND EXCLUDED.run_mode = 'live'"
    "   THEN now() ELSE a.went_live_at END";

/* PUT /v1/accounts/{id}: validate everything first (422 lists every
 * offending field), then in one transaction: lock the row, merge, write,
 * give the account its notification secret when it gets its first
 * notification_url (shown in this answer only), record account_updated,
 * commit. The event is produced before the commit;
 * if the broker refuses it the change is rolled back (503). */
void admin_account_put(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGconn *c = NULL;
    PGresult *r = NULL, *w = NULL;
    json_object *details = NULL;
    char secret[NOTIFY_SECRET_LEN] = "";
    acct_fields in, cur, old;
    acct_fields_init(&in);
    acct_fields_init(&cur);
    acct_fields_init(&old);
    if (auth_admin(req, resp)) return;
    const char *id = req->params[0];
    json_bounded_error jerr;
    int rc = acct_parse(req->body, req->body_len, &in, &details, &jerr);
    if (rc == -3) {
        http_error(resp, 413, "json_too_large", jerr.message);
        goto cleanup;
    }
    if (rc == -1) {
        http_error(resp, 400, "malformed_body", jerr.message);
        goto cleanup;
    }
    if (!details) details = json_object_new_array();
    if (!text_id_ok(id))
        http_detail_add(details, "account_id", "invalid_value",
                   "must be 1 to 200 characters of letters, digits, '.', '_', ':', '@' or '-'");
    if (json_object_array_length(details) > 0) goto invalid;

    if (!(c = api_db(app, resp))) goto cleanup;
    if (pg_run(c, "BEGIN", 0, NULL)) goto db_error;
    r = select_account(c, id, 1);
    if (!pg_ok(r)) goto db_error;
    int exists = PQntuples(r) > 0;
    char version[32] = "created";
    if (exists) {
        if (acct_from_row(&cur, r, 0) || acct_from_row(&old, r, 0)) goto db_error;
        snprintf(version, sizeof version, "%s", PQgetvalue(r, 0, COL_VERSION));
    } else if (acct_defaults(&cur)) {
        goto db_error;
    }
    if (acct_merge(&cur, &in)) goto db_error;
    if (acct_check(&cur, details) > 0) goto invalid;

    char changes[512];
    acct_changes(&old, &cur, changes, sizeof changes);
    if (exists && !changes[0]) { /* nothing to do: no write, no event */
        PQclear(r);
        r = select_account(c, id, 0);
        if (!pg_ok(r)) goto db_error;
        http_json(resp, 200, account_json(r, 0));
        goto cleanup;
    }
    const char *p[1 + AF_N] = {id};
    for (int i = 0; i < AF_N; i++) p[1 + i] = cur.v[i];
    w = pg_exec(c, SQL_UPSERT, 1 + AF_N, p);
    if (!pg_ok(w)) goto db_error;
    int new_secret = 0;
    if (cur.v[AF_NOTIFICATION_URL]) {
        notify_secret_new(secret);
        if ((new_secret = notify_secret_store(c, id, secret, 1)) < 0) goto db_error;
    }
    char detail[600];
    snprintf(detail, sizeof detail, "%s%s", exists ? "changed: " : "created", exists ? changes : "");
    if (emit_account_event(app, id, "account_updated", cur.v[AF_CONNECTION_NAME], detail, version,
                           auth_actor(req))) {
        broker_down(resp);
        goto cleanup;
    }
    if (pg_run(c, "COMMIT", 0, NULL)) goto db_error;
    PQclear(r);
    r = select_account(c, id, 0);
    if (!pg_ok(r) || PQntuples(r) == 0) goto db_error;
    log_info(exists ? "account updated" : "account created", "account_id", id, "fields", changes);
    json_object *o = account_json(r, 0);
    if (new_secret) {
        json_object_object_add(o, "notification_secret", json_object_new_string(secret));
        http_set_header(resp, "Cache-Control", "no-store");
    }
    http_json(resp, exists ? 200 : 201, o);
    goto cleanup;

invalid:
    http_error_details(resp, 422, "invalid_account", "The account has invalid fields.", details);
    details = NULL;
    goto cleanup;
db_error:
    api_db_error(resp);
cleanup:
    json_object_put(details);
    PQclear(r);
    PQclear(w);
    pg_pool_release(app->svc.db, c); /* rolls back an open transaction */
    acct_fields_free(&in);
    acct_fields_free(&cur);
    acct_fields_free(&old);
    sodium_memzero(secret, sizeof secret);
}

void admin_account_get(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    if (auth_admin(req, resp)) return;
    const char *id = req->params[0];
    PGconn *c = api_db_for_id(app, id, "No such account.", resp);
    if (!c) return;
    PGresult *r = select_account(c, id, 0);
    if (!pg_ok(r)) api_db_error(resp);
    else if (PQntuples(r) == 0) http_error(resp, 404, "not_found", "No such account.");
    else http_json(resp, 200, account_json(r, 0));
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

/* GET /v1/accounts?limit=&cursor=: ordered by account id. */
void admin_account_list(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    if (auth_admin(req, resp)) return;
    json_object *details = json_object_new_array();
    const char *cursor = http_query(req, "cursor");
    char after[256];
    int limit = 100;
    if (cursor && (text_cursor_decode("acc", cursor, after, sizeof after) || !text_id_ok(after)))
        http_detail_add(details, "cursor", "invalid_value", "cursor is not one this API returned.");
    api_limit(req, 100, 500, &limit, details);
    if (json_object_array_length(details) > 0) {
        http_error_details(resp, 400, "bad_parameter", "One or more query parameters are invalid.",
                           details);
        return;
    }
    json_object_put(details);
    PGconn *c = api_db(app, resp);
    if (!c) return;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit + 1);
    const char *p[] = {cursor ? after : NULL, lim};
    PGresult *r = pg_exec(c,
                          "SELECT " ACCOUNT_COLS " FROM status.accounts"
                          " WHERE $1::text IS NULL OR account_id > $1 ORDER BY account_id LIMIT $2::int",
                          2, p);
    if (!pg_ok(r)) {
        api_db_error(resp);
    } else {
        int n = PQntuples(r);
        json_object *list = json_object_new_array();
        for (int i = 0; i < n && i < limit; i++) json_object_array_add(list, account_json(r, i));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "accounts", list);
        json_object *next = NULL;
        if (n > limit) {
            char buf[512];
            text_cursor_encode("acc", PQgetvalue(r, limit - 1, COL_ID), buf, sizeof buf);
            next = json_object_new_string(buf);
        }
        json_object_object_add(o, "next_cursor", next);
        http_json(resp, 200, o);
    }
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

/* POST /v1/accounts/{id}/go-live: test -> live, recorded as go_live. */
void admin_account_go_live(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    PGresult *r = NULL;
    if (auth_admin(req, resp)) return;
    const char *id = req->params[0];
    PGconn *c = api_db_for_id(app, id, "No such account.", resp);
    if (!c) return;
    if (pg_run(c, "BEGIN", 0, NULL)) goto db_error;
    r = select_account(c, id, 1);
    if (!pg_ok(r)) goto db_error;
    if (PQntuples(r) == 0) {
        http_error(resp, 404, "not_found", "No such account.");
        goto cleanup;
    }
    if (strcmp(PQgetvalue(r, 0, AF_RUN_MODE), "test") != 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "Go-live switches an account from test mode; it is in %s mode.",
                 PQgetvalue(r, 0, AF_RUN_MODE));
        http_error(resp, 409, "not_in_test_mode", msg);
        goto cleanup;
    }
    const char *p[] = {id};
    if (pg_run(c,
               "UPDATE status.accounts SET run_mode = 'live', went_live_at = now(), updated_at = now()"
               " WHERE account_id = $1",
               1, p))
        goto db_error;
    if (emit_account_event(app, id, "go_live", PQgetvalue(r, 0, AF_CONNECTION_NAME), "test -> live",
                           PQgetvalue(r, 0, COL_VERSION), auth_actor(req))) {
        broker_down(resp);
        goto cleanup;
    }
    if (pg_run(c, "COMMIT", 0, NULL)) goto db_error;
    PQclear(r);
    r = select_account(c, id, 0);
    if (!pg_ok(r) || PQntuples(r) == 0) goto db_error;
    log_info("account went live", "account_id", id);
    http_json(resp, 200, account_json(r, 0));
    goto cleanup;
db_error:
    api_db_error(resp);
cleanup:
    PQclear(r);
    pg_pool_release(app->svc.db, c);
}

/* DELETE /v1/applications/{id}: see erasure.h for the contract. 202: status's
 * own data is gone; the other services confirm with erasure_done. */
void admin_application_delete(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    if (auth_admin(req, resp)) return;
    const char *id = req->params[0];
    if (!text_id_ok(id)) {
        http_error(resp, 404, "not_found", "No such application.");
        return;
    }
    switch (erasure_request(app, id, "admin", auth_actor(req))) {
    case ERASURE_OK: {
        json_object *o = json_object_new_object();
        char url[300];
        snprintf(url, sizeof url, "/v1/erasures/%s", id);
        json_object_object_add(o, "application_id", json_object_new_string(id));
        json_object_object_add(o, "erasure", json_object_new_string("requested"));
        json_object_object_add(o, "status_url", json_object_new_string(url));
        http_json(resp, 202, o);
        return;
    }
    case ERASURE_NOT_FOUND:
        http_error(resp, 404, "not_found", "No such application.");
        return;
    case ERASURE_BROKER_DOWN:
        broker_down(resp);
        return;
    case ERASURE_DB_DOWN:
        api_db_error(resp);
        return;
    }
}

/* GET /v1/erasures/{id}: the tombstone, which services confirmed, which of
 * ERASURE_SERVICES have not yet ("pending"), and "complete" once none is. */
void admin_erasure_get(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    if (auth_admin(req, resp)) return;
    const char *id = req->params[0];
    PGconn *c = api_db_for_id(app, id, "No such erasure.", resp);
    if (!c) return;
    const char *p[] = {id};
    PGresult *r = pg_exec(c,
                          "SELECT account_id, reason, " API_TS("requested_at")
                          " FROM status.erasures WHERE application_id = $1",
                          1, p);
    PGresult *d = pg_exec(c,
                          "SELECT service, " API_TS("min(at)") " FROM status.events"
                          " WHERE application_id = $1 AND type = 'erasure_done'"
                          " GROUP BY service ORDER BY service",
                          1, p);
    if (!pg_ok(r) || !pg_ok(d)) {
        api_db_error(resp);
    } else if (PQntuples(r) == 0) {
        http_error(resp, 404, "not_found", "No such erasure.");
    } else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "application_id", json_object_new_string(id));
        json_object_object_add(o, "account_id", api_str(r, 0, 0, 1));
        json_object_object_add(o, "reason", api_str(r, 0, 1, 0));
        json_object_object_add(o, "requested_at", api_str(r, 0, 2, 0));
        json_object *conf = json_object_new_array();
        for (int i = 0; i < PQntuples(d); i++) {
            json_object *e = json_object_new_object();
            json_object_object_add(e, "service", api_str(d, i, 0, 0));
            json_object_object_add(e, "at", api_str(d, i, 1, 0));
            json_object_array_add(conf, e);
        }
        json_object_object_add(o, "confirmations", conf);
        static const char *const services[ERASURE_NSERVICES] = ERASURE_SERVICES;
        json_object *pending = json_object_new_array();
        for (int k = 0; k < ERASURE_NSERVICES; k++) {
            int done = 0;
            for (int i = 0; i < PQntuples(d) && !done; i++) done = !strcmp(PQgetvalue(d, i, 0), services[k]);
            if (!done) json_object_array_add(pending, json_object_new_string(services[k]));
        }
        json_object_object_add(o, "complete", json_object_new_boolean(json_object_array_length(pending) == 0));
        json_object_object_add(o, "pending", pending);
        http_json(resp, 200, o);
    }
    PQclear(r);
    PQclear(d);
    pg_pool_release(app->svc.db, c);
}

/* PUT /v1/admin/operators/{name} {"token": "..."} (bootstrap admin token
 * only): registers a named operator, or gives one a new token. The token is
 * stored as SHA-256 and never shown again. */
void admin_operator_put(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    const char *name = req->params[0];
    json_object *o = NULL, *t = NULL;
    PGconn *c = NULL;
    if (!text_id_ok(name) || strlen(name) > 64) {
        http_error(resp, 404, "not_found", "Operator names are 1 to 64 letters, digits, '.', '_', ':', '@' or '-'.");
        return;
    }
    json_bounded_error jerr;
    if (json_bounded_parse(req->body, req->body_len, &JSON_LIMITS_DEFAULT, &o, &jerr) != JSON_BOUNDED_OK ||
        !json_object_is_type(o, json_type_object)) {
        http_error(resp, 400, "malformed_body", "The body must be a JSON object {\"token\": \"...\"}.");
        goto cleanup;
    }
    const char *token = json_object_object_get_ex(o, "token", &t) && json_object_is_type(t, json_type_string)
                            ? json_object_get_string(t)
                            : NULL;
    if (!token || strlen(token) < 24 || strlen(token) > 200 || !text_id_ok(token)) {
        json_object *d = json_object_new_array();
        http_detail_add(d, "token", "invalid_value", "24 to 200 letters, digits, '.', '_', ':', '@' or '-'");
        http_error_details(resp, 422, "invalid_operator", "The token is not acceptable.", d);
        goto cleanup;
    }
    if (!(c = api_db(app, resp))) goto cleanup;
    int rc = operators_put(c, name, token);
    if (rc < 0) {
        api_db_error(resp);
        goto cleanup;
    }
    if (rc == 2) {
        http_error(resp, 409, "conflict", "This token belongs to another operator.");
        goto cleanup;
    }
    if (events_emit_admin(app->svc.producer, "status", rc == 0 ? "operator_registered" : "operator_rekeyed", NULL, name,
                          name, NULL, auth_actor(req))) {
        broker_down(resp); /* registered all the same: repeating the request records it */
        goto cleanup;
    }
    json_object *r = json_object_new_object();
    json_object_object_add(r, "operator", json_object_new_string(name));
    http_json(resp, rc == 0 ? 201 : 200, r);
    log_info("operator registered", "operator", name);
cleanup:
    json_object_put(o);
    pg_pool_release(app->svc.db, c);
}

/* DELETE /v1/admin/operators/{name} (bootstrap admin token only). */
void admin_operator_delete(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    const char *name = req->params[0];
    PGconn *c = api_db_for_id(app, name, "No such operator.", resp);
    if (!c) return;
    int rc = operators_delete(c, name);
    pg_pool_release(app->svc.db, c);
    if (rc < 0) {
        api_db_error(resp);
    } else if (rc == 1) {
        http_error(resp, 404, "not_found", "No such operator.");
    } else if (events_emit_admin(app->svc.producer, "status", "operator_removed", NULL, name, name, NULL,
                                 auth_actor(req))) {
        broker_down(resp);
    } else {
        json_object *r = json_object_new_object();
        json_object_object_add(r, "operator", json_object_new_string(name));
        json_object_object_add(r, "removed", json_object_new_boolean(1));
        http_json(resp, 200, r);
    }
}

/* POST /v1/accounts/{id}/notification-secret: a new secret at once. */
void notify_secret_post(const http_request *req, http_response *resp, void *ctx) {
    status_app *app = ctx;
    char secret[NOTIFY_SECRET_LEN];
    if (auth_admin(req, resp)) return;
    const char *id = req->params[0];
    PGconn *c = api_db_for_id(app, id, "No such account.", resp);
    if (!c) return;
    notify_secret_new(secret);
    if (pg_run(c, "BEGIN", 0, NULL)) goto db_error;
    int stored = notify_secret_store(c, id, secret, 0);
    if (stored < 0) goto db_error;
    if (stored == 0) {
        http_error(resp, 404, "not_found", "No such account.");
        goto cleanup;
    }
    if (events_emit_admin(app->svc.producer, "status", "notification_secret_rotated", id, id, NULL, NULL,
                          auth_actor(req))) {
        broker_down(resp);
        goto cleanup;
    }
    if (pg_run(c, "COMMIT", 0, NULL)) goto db_error;
    log_info("notification secret rotated", "account_id", id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "account_id", json_object_new_string(id));
    json_object_object_add(o, "notification_secret", json_object_new_string(secret));
    http_set_header(resp, "Cache-Control", "no-store");
    http_json(resp, 200, o);
    goto cleanup;
db_error:
    api_db_error(resp);
cleanup:
    sodium_memzero(secret, sizeof secret);
    pg_pool_release(app->svc.db, c); /* rolls back an open transaction */
}
