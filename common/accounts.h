#ifndef ATSB_ACCOUNTS_H
#define ATSB_ACCOUNTS_H

#include "credentials.h"
#include "pg.h"

#include <json-c/json.h>
#include <libpq-fe.h>

/* The account store, status.accounts: status owns it (its migrations create
 * and change it, its admin API is the only writer); ingest, questions and
 * delivery read it, only through this module (DESIGN.md "Shared stores").
 * They rely on: account_id, ats, connection_name, run_mode, company_name,
 * privacy_policy_url, notification_url, source_labels, bgcheck_stage,
 * bgcheck_tag_prefix, daily_api_budget, feed_interval_s, lever_perform_as,
 * features, lever_environment, export_stage, bgcheck_package,
 * provider_client_id (the account struct below) and grants
 * (accounts_granted). A change to one of them is made in two steps: the
 * owner's migration adds the new column, this module switches, a later
 * migration drops the old one. */

/* What an account uses beyond board applications (status.accounts.features). */
enum { ACCOUNT_FEATURE_BGCHECKS = 1, ACCOUNT_FEATURE_EXPORTS = 2 };
#define ACCOUNT_FEATURE_BGCHECKS_NAME "background_checks"
#define ACCOUNT_FEATURE_EXPORTS_NAME "exports"

typedef struct account_s {
    char account_id[128];
    char ats[16];             /* "lever" | "eploy" */
    char connection_name[128];
    char run_mode[16];        /* "test" | "live" | "dry-run" */
    char bgcheck_stage[128];
    char bgcheck_tag_prefix[128];
    char *company_name;       /* NULL when not configured */
    char *privacy_policy_url; /* NULL when not configured */
    char *notification_url;   /* NULL when not configured */
    json_object *source_labels; /* {board: label} overrides, never NULL after load */
    int daily_api_budget;     /* 0: unlimited */
    int feed_interval_s;      /* 0: not monitored */
    char lever_perform_as[128]; /* Lever user for perform_as; "" when not configured */
    int features;               /* ACCOUNT_FEATURE_* bits */
    char lever_environment[16]; /* lever_env.h: "production" | "sandbox" */
    char export_stage[128];     /* Lever stage of exports naming none; "" when not configured */
    char bgcheck_package[256];  /* package when the posting has no package tag; "" when none */
    char provider_client_id[128]; /* the employer's Client ID at the provider; "" when none */
} account;

/* Loads account id. Returns 0 when found (free with account_free), 1 when
 * there is no such account, -1 on a database error (out untouched). */
int accounts_load(PGconn *c, const char *id, account *out);

/* Who may write into an account: its grants (status.accounts.grants,
 * {"boards": [...], "source_tools": [...]}) name the job boards and the
 * sourcing tools whose keys may submit applications or exports into it. */
#define ACCOUNTS_GRANT_BOARDS "boards"
#define ACCOUNTS_GRANT_SOURCE_TOOLS "source_tools"

/* 1 when account id exists and grants owner under kind (one of the two
 * above), 0 when it does not exist or does not grant it, -1 on a database
 * error (the caller tells a missing table apart by the connection's state). */
int accounts_granted(PGconn *c, const char *id, const char *kind, const char *owner);

/* The account and the connection it names (delivery.connections, see
 * credentials.h), read in one statement that a caller pipelines with its
 * own (pg_exec_pipelined), so a job starts in one round trip (delivery's
 * ledger_begin). The statement reads account *id (id must outlive it). */
pg_stmt accounts_connection_stmt(const char *const *id);

/* Reads accounts_connection_stmt's result r: 0 with out filled (free with
 * account_free) and conn filled when not NULL (found 0 when the account
 * names no connection there; free with credentials_connection_free), 1 when
 * there is no such account (nothing filled, conn zeroed), -1 when r is an
 * error. */
int accounts_connection_parse(const PGresult *r, account *out, cred_connection *conn);

/* 1 when account id exists and is out of test mode (live or dry-run), 0
 * when it is in test mode or does not exist, -1 on a database error. */
int accounts_out_of_test_mode(PGconn *c, const char *id);

/* The ids of the accounts in test mode (only id's, when id is not NULL) as
 * the text of a PostgreSQL array ("{a,b}"), to pass as one text[]
 * parameter. malloc'ed (free it); NULL on a database error or when out of
 * memory. */
char *accounts_in_test_mode(PGconn *c, const char *id);

/* Frees what accounts_load allocated. Safe on a zeroed struct. */
void account_free(account *a);

/* The source label for board: the account's override, else the board's
 * default, else the board id itself. The result lives as long as a. */
const char *account_source_label(const account *a, const char *board);

#endif
