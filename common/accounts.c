#include "accounts.h"

#include "boards.h"
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(PGresult *r, int col) {
    return PQgetisnull(r, 0, col) ? NULL : strdup(PQgetvalue(r, 0, col));
}

int accounts_load(PGconn *c, const char *id, account *out) {
    const char *p[] = {id};
    PGresult *r = pg_exec(c,
                          "SELECT account_id, ats, connection_name, run_mode, bgcheck_stage,"
                          " bgcheck_tag_prefix, company_name, privacy_policy_url, notification_url,"
                          " source_labels::text, coalesce(daily_api_budget, 0),"
                          " coalesce(feed_interval_s, 0)"
                          " FROM status.accounts WHERE account_id = $1",
                          1, p);
    if (!pg_ok(r)) {
        PQclear(r);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->account_id, sizeof out->account_id, "%s", PQgetvalue(r, 0, 0));
    snprintf(out->ats, sizeof out->ats, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->connection_name, sizeof out->connection_name, "%s", PQgetvalue(r, 0, 2));
    snprintf(out->run_mode, sizeof out->run_mode, "%s", PQgetvalue(r, 0, 3));
    snprintf(out->bgcheck_stage, sizeof out->bgcheck_stage, "%s", PQgetvalue(r, 0, 4));
    snprintf(out->bgcheck_tag_prefix, sizeof out->bgcheck_tag_prefix, "%s", PQgetvalue(r, 0, 5));
    out->company_name = dup_or_null(r, 6);
    out->privacy_policy_url = dup_or_null(r, 7);
    out->notification_url = dup_or_null(r, 8);
    out->source_labels = json_tokener_parse(PQgetvalue(r, 0, 9));
    if (!out->source_labels) out->source_labels = json_object_new_object();
    out->daily_api_budget = (int)strtol(PQgetvalue(r, 0, 10), NULL, 10);
    out->feed_interval_s = (int)strtol(PQgetvalue(r, 0, 11), NULL, 10);
    PQclear(r);
    return 0;
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
