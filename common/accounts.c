#include "accounts.h"

#include "boards.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

/* The columns accounts_parse reads, in order. */
#define ACCOUNT_COLUMNS                                                                         \
    "account_id, ats, connection_name, run_mode, bgcheck_stage, bgcheck_tag_prefix, company_name," \
    " privacy_policy_url, notification_url, source_labels::text, coalesce(daily_api_budget, 0),"   \
    " coalesce(feed_interval_s, 0), coalesce(lever_perform_as, ''), features::text, lever_environment,"  \
    " coalesce(export_stage, ''), coalesce(bgcheck_package, ''), coalesce(provider_client_id, '')"
#define ACCOUNT_NCOLUMNS 18

/* Fills out from row's ACCOUNT_COLUMNS starting at column col. 0, or 1 when
 * they are NULL (no such account: an outer join found none). */
static int accounts_parse(const PGresult *r, int row, int col, account *out) {
    if (PQgetisnull(r, row, col)) return 1;
#define V(i) PQgetvalue(r, row, col + (i))
    memset(out, 0, sizeof *out);
    snprintf(out->account_id, sizeof out->account_id, "%s", V(0));
    snprintf(out->ats, sizeof out->ats, "%s", V(1));
    snprintf(out->connection_name, sizeof out->connection_name, "%s", V(2));
    snprintf(out->run_mode, sizeof out->run_mode, "%s", V(3));
    snprintf(out->bgcheck_stage, sizeof out->bgcheck_stage, "%s", V(4));
    snprintf(out->bgcheck_tag_prefix, sizeof out->bgcheck_tag_prefix, "%s", V(5));
    out->company_name = dup_or_null(r, row, col + 6);
    out->privacy_policy_url = dup_or_null(r, row, col + 7);
    out->notification_url = dup_or_null(r, row, col + 8);
    out->source_labels = json_tokener_parse(V(9));
    if (!out->source_labels) out->source_labels = json_object_new_object();
    out->daily_api_budget = (int)strtol(V(10), NULL, 10);
    out->feed_interval_s = (int)strtol(V(11), NULL, 10);
    snprintf(out->lever_perform_as, sizeof out->lever_perform_as, "%s", V(12));
    out->features = (strstr(V(13), "\"" ACCOUNT_FEATURE_BGCHECKS_NAME "\"") ? ACCOUNT_FEATURE_BGCHECKS : 0) |
                    (strstr(V(13), "\"" ACCOUNT_FEATURE_EXPORTS_NAME "\"") ? ACCOUNT_FEATURE_EXPORTS : 0);
    snprintf(out->lever_environment, sizeof out->lever_environment, "%s", V(14));
    snprintf(out->export_stage, sizeof out->export_stage, "%s", V(15));
    snprintf(out->bgcheck_package, sizeof out->bgcheck_package, "%s", V(16));
    snprintf(out->provider_client_id, sizeof out->provider_client_id, "%s", V(17));
#undef V
    return 0;
}

int accounts_granted(PGconn *c, const char *id, const char *kind, const char *owner) {
    const char *p[] = {id, kind, owner};
    PGresult *r = pg_exec(c, "SELECT 1 FROM status.accounts WHERE account_id = $1 AND grants -> $2 ? $3", 3, p);
    int rc = pg_ok(r) ? PQntuples(r) == 1 : -1;
    PQclear(r);
    return rc;
}

int accounts_load(PGconn *c, const char *id, account *out) {
    const char *p[] = {id};
    PGresult *r = pg_exec(c, "SELECT " ACCOUNT_COLUMNS " FROM status.accounts WHERE account_id = $1", 1, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    int rc = PQntuples(r) == 0 ? 1 : accounts_parse(r, 0, 0, out);
    PQclear(r);
    return rc;
}

/* The account (a subquery, so its column names do not meet the
 * connection's) joined with the connection it names. */
static const char SQL_WITH_CONNECTION[] =
    "SELECT a.*, " CRED_COLUMNS " FROM (SELECT " ACCOUNT_COLUMNS " FROM status.accounts WHERE account_id = $1) a"
    " LEFT JOIN delivery.connections c ON c.account_id = a.account_id AND c.name = a.connection_name";

pg_stmt accounts_connection_stmt(const char *const *id) { return (pg_stmt){SQL_WITH_CONNECTION, 1, id}; }

int accounts_connection_parse(const PGresult *r, account *out, cred_connection *conn) {
    if (conn) memset(conn, 0, sizeof *conn);
    if (!pg_ok(r) || PQntuples(r) > 1 || PQnfields(r) != ACCOUNT_NCOLUMNS + CRED_NCOLUMNS) return -1;
    if (PQntuples(r) == 0) return 1;
    accounts_parse(r, 0, 0, out);
    if (conn) credentials_connection_parse(r, 0, ACCOUNT_NCOLUMNS, conn);
    return 0;
}

int accounts_out_of_test_mode(PGconn *c, const char *id) {
    const char *p[] = {id};
    PGresult *r = pg_exec(c, "SELECT run_mode <> 'test' FROM status.accounts WHERE account_id = $1", 1, p);
    int rc = !pg_ok(r) ? -1 : PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t") ? 1 : 0;
    PQclear(r);
    return rc;
}

char *accounts_in_test_mode(PGconn *c, const char *id) {
    const char *p[] = {id ? id : ""};
    PGresult *r = pg_exec(c,
                          "SELECT coalesce(array_agg(account_id), '{}')::text FROM status.accounts"
                          " WHERE run_mode = 'test' AND ($1 = '' OR account_id = $1)",
                          1, p);
    char *ids = pg_ok(r) && PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    PQclear(r);
    return ids;
}

void account_free(account *a) {
    free(a->company_name);
    free(a->privacy_policy_url);
    free(a->notification_url);
    json_object_put(a->source_labels);
    memset(a, 0, sizeof *a);
}

const char *account_source_label(const account *a, const char *board) {
    json_object *v;
    if (a->source_labels && json_object_object_get_ex(a->source_labels, board, &v) &&
        json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    const char *d = boards_default_label(board);
    return d ? d : board;
}
