#ifndef STATUS_ACCOUNT_INPUT_H
#define STATUS_ACCOUNT_INPUT_H

#include "json_bounded.h"

#include <json-c/json.h>
#include <libpq-fe.h>

/* The writable fields of an account (PUT /v1/accounts/{id}), as the text
 * values bound to SQL parameters. JSON names equal status.accounts column
 * names. PUT merges: a field absent from the body keeps its current value
 * (its default on create); a field given as null goes back to its default
 * (or to unset for optional fields). */
enum {
    AF_ATS, AF_CONNECTION_NAME, AF_RUN_MODE, AF_COMPANY_NAME, AF_PRIVACY_POLICY_URL,
    AF_SOURCE_LABELS, AF_BGCHECK_STAGE, AF_BGCHECK_TAG_PREFIX, AF_NOTIFICATION_URL,
    AF_DAILY_API_BUDGET, AF_FEED_INTERVAL_S, AF_BGCHECK_STATUS_TAG_PREFIX, AF_GRANTS,
    AF_LEVER_PERFORM_AS, AF_FEATURES, AF_LEVER_ENVIRONMENT, AF_EXPORT_STAGE, AF_BGCHECK_PACKAGE,
    AF_PROVIDER_CLIENT_ID, AF_N
};

extern const char *const acct_field_names[AF_N];

typedef struct {
    char *v[AF_N]; /* malloc'd; NULL is SQL NULL */
    int set[AF_N]; /* present in the request body */
} acct_fields;

void acct_fields_init(acct_fields *a);
void acct_fields_free(acct_fields *a);

/* Parses and validates the len bytes of a request body into in, the JSON
 * bounded by JSON_LIMITS_DEFAULT (json_bounded.h) before it is built.
 * Returns 0; 400 when the body is not a JSON object (-1, *details NULL, err
 * says why); 413 when it goes beyond the limits (-3, *details NULL, err
 * names the limit); 422 when fields are invalid (-2, *details is a new
 * array naming every offending field, caller owns it).
 * A notification_url must pass outbound_url_check with the process's
 * ATSB_OUTBOUND_ALLOW (it resolves the host, so this may block on DNS). */
int acct_parse(const char *body, size_t len, acct_fields *in, json_object **details, json_bounded_error *err);

/* Fills a with the defaults of a new account (lever_perform_as from
 * ATSB_LEVER_PERFORM_AS, provider_client_id from ATSB_PROVIDER_CLIENT_ID,
 * lever_environment from ATSB_LEVER_ENVIRONMENT when set). Returns 0 or -1
 * (out of memory). */
int acct_defaults(acct_fields *a);
/* Loads a from columns first..first+AF_N-1 of row 0 of r (same order as the
 * enum, source_labels and grants as text). Returns 0 or -1. */
int acct_from_row(acct_fields *a, const PGresult *r, int first);

/* Applies the fields set in in onto base. Returns 0 or -1 (out of memory). */
int acct_merge(acct_fields *base, const acct_fields *in);

/* Checks rules that span fields on the merged result (ats present, privacy
 * policy URL together with company name, sourcing tools granted only with
 * exports enabled, background checks only for Lever and with a provider
 * client id). Adds details; returns their count. */
int acct_check(const acct_fields *a, json_object *details);

/* Comma-separated names of fields that differ between old and new into out. */
void acct_changes(const acct_fields *old, const acct_fields *new_, char *out, size_t len);

#endif
