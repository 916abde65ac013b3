#ifndef ATSB_LEVER_SCOPES_H
#define ATSB_LEVER_SCOPES_H

#include <stddef.h>

/* The Lever OAuth scopes atsbridge asks for follow the account's features:
 *   applications (always): offline_access postings:read:admin
 *       postings:write:admin uploads:write:admin  (the job-board link)
 *   background checks: + opportunities:write:admin notes:write:admin
 *       stages:read:admin tags:read:admin webhooks:write:admin
 *   exports: + opportunities:write:admin
 * Lever grants a :write:admin scope together with its :read:admin. */

#define LEVER_SCOPES_APPLY "offline_access postings:read:admin postings:write:admin uploads:write:admin"
#define LEVER_SCOPE_OPPORTUNITIES_READ "opportunities:read:admin"

/* The space-separated scopes for features (ACCOUNT_FEATURE_* bits,
 * accounts.h) into out.
 * Returns 0, or -1 when out is too small. Pure. */
int lever_scopes_for(int features, char *out, size_t len);

/* 1 when the space-separated granted scopes include want (directly, or as
 * the :write:admin scope of a :read:admin want), else 0. Pure. */
int lever_scope_has(const char *granted, const char *want);

/* The scopes of required that granted lacks, space-separated, into missing
 * ("" when none). Returns how many are missing. Pure. */
int lever_scopes_missing(const char *granted, const char *required, char *missing, size_t len);

struct account_s;

/* Whether a Lever connection activated in environment with the granted
 * scopes can make calls that need required for account a: 1 when it cannot
 * (the account now uses another Lever environment, or scopes are missing;
 * why says which, log-safe), else 0. */
int lever_grant_gap(const struct account_s *a, const char *environment, const char *granted, const char *required,
                    char *why, size_t len);

#endif
