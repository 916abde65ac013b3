#ifndef STATUS_API_H
#define STATUS_API_H

#include "app.h"
#include "http_server.h"

#include <json-c/json.h>
#include <libpq-fe.h>

/* Helpers shared by the query and admin handlers. */

/* ISO-8601 UTC rendering of a timestamptz column inside SQL. */
#define API_TS(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Who reads. The admin token and ATSB_STATUS_READ_TOKEN (when set) read
 * everything; the API key of a job board or a sourcing tool (ingest's keys,
 * common/api_keys.h) reads what that board or tool submitted: applications
 * whose board is its owner, a tool's export tasks. Anything else a key asks
 * for is answered 404, never 403, so it cannot learn which ids exist. */
typedef struct {
    int all;         /* admin or read token */
    char kind[16];   /* API_KEY_KIND_* when !all */
    char owner[128]; /* the board or tool id when !all */
} api_reader;

/* The query routes' authorize function (ctx: the status_app): 0 with the
 * reader recorded in req->principal, or -1 after answering 401 (no or an
 * unknown credential) or 503 (database). Keys are cached 5 s, so a removed
 * key may read that much longer. */
int api_authorize(http_request *req, http_response *resp, void *ctx);
/* The reader api_authorize recorded. */
void api_reader_of(const http_request *req, api_reader *out);

/* Borrows a database connection, or answers 503 (Retry-After) and returns NULL. */
PGconn *api_db(status_app *app, http_response *resp);
/* api_db for a request about one resource: answers 404 not_found with
 * not_found_msg ("No such account.") and returns NULL when id is not a
 * well-formed id (text_id_ok), before touching the database. */
PGconn *api_db_for_id(status_app *app, const char *id, const char *not_found_msg, http_response *resp);
/* Starts a read-only REPEATABLE READ transaction on c, so that the several
 * queries of one answer (a check and its updates, an application and its
 * timeline) read one snapshot, not a row from before a commit and its
 * details from after. pg_pool_release ends it. 0, or -1 after answering 503. */
int api_snapshot(PGconn *c, http_response *resp);
/* Answers 503 for a failed query (the database went away mid-request). */
void api_db_error(http_response *resp);

/* Column value as a JSON string, or JSON null when SQL NULL (or empty when
 * empty_is_null). */
json_object *api_str(const PGresult *r, int row, int col, int empty_is_null);
/* Column value as a JSON integer (0 for NULL). */
json_object *api_int(const PGresult *r, int row, int col);

/* Parses the `limit` query parameter (default def, 1..max) into *out; on a bad
 * value adds a detail and returns -1. */
int api_limit(const http_request *req, int def, int max, int *out, json_object *details);

#endif
