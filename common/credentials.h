#ifndef ATSB_CREDENTIALS_H
#define ATSB_CREDENTIALS_H

#include "lever_env.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* The credential store shared by questions (reads from the ATS) and delivery
 * (writes to it): one row per named connection in delivery.connections, the
 * secrets sealed with crypto_seal (never stored or logged in plaintext).
 * delivery owns the table (its migrations; its connections API and OAuth
 * flow save and revoke through this module); questions reads it only
 * through this module (credentials_token), and delivery's job start through
 * accounts_connection_stmt (common/accounts.c), DESIGN.md "Shared stores".
 * Columns relied on: account_id, name, ats, site_url, client_id,
 * secret_box, access_expires_at, revoked_at, last_error, environment,
 * scopes, rotation_started_at (written too: last_error_at, last_success_at,
 * updated_at).
 *
 * Refresh: the first replica to find the access token expiring claims the
 * refresh under the row lock (SELECT ... FOR UPDATE); the others wait, then
 * use the token it stored. Eploy's client-credentials grant is refreshed
 * and stored inside that transaction. A Lever refresh rotates the refresh
 * token (the old one is spent the moment Lever answers), so it is claimed by
 * committing rotation_started_at first; the token endpoint is called with no
 * transaction open and the new pair is stored in its own transaction, which
 * also clears the mark. When that store fails, the connection is marked
 * token_rotation_unsaved (CRED_REAUTH: re-activation needed) and the spent
 * token is never tried again; a mark older than two minutes (the process died
 * between the answer and the store) is read the same way. A token endpoint
 * that cannot be reached clears the mark: if Lever had rotated the token
 * nevertheless, the next refresh is refused and the connection shows broken.
 *
 * Token endpoints: Lever the token URL of the environment the connection was
 * activated in (lever_env.h), with atsbridge's OAuth app registered there;
 * Eploy `<site_url>/api/token` with the connection's own client id/secret.
 * A Lever connection also records the scopes Lever granted (updated when a
 * refresh answers with them). */

typedef enum {
    CRED_OK = 0,
    CRED_NOT_FOUND = -1,   /* no such connection */
    CRED_REVOKED = -2,     /* revoked by the customer or by us */
    CRED_BROKEN = -3,      /* the ATS refused our grant: re-activation needed */
    CRED_UNAVAILABLE = -4, /* database or token endpoint unreachable: retry later */
    CRED_REAUTH = -5,      /* a rotated Lever token could not be stored: re-activation needed */
} cred_status;

typedef struct {
    char ats[16];            /* "lever" | "eploy" | "provider" */
    char site_url[512];      /* Eploy site, provider base URL, Lever API base of the environment */
    char environment[16];    /* Lever: the connection's environment; "" otherwise */
    char scopes[1024];       /* Lever: the scopes granted; "" when unknown */
    char access_token[2048];
} cred_token;

/* A usable access token for connection (account, name). When rejected_token
 * is not NULL the ATS just answered 401 for it: a new one is obtained unless
 * another worker already replaced it. Returns CRED_OK with out filled, or a
 * negative cred_status. Must not be called inside an open transaction. */
cred_status credentials_token(PGconn *c, const char *account, const char *name,
                              const char *rejected_token, cred_token *out);

/* What credentials_token reads of a connection: CRED_NCOLUMNS columns of
 * delivery.connections aliased c (c.ats NULL when there is no such
 * connection), for a common/ module that reads the connection in its own
 * query (accounts_connection_stmt) and hands it over with
 * credentials_connection_parse. */
#define CRED_COLUMNS                                                                                     \
    "c.ats, coalesce(c.site_url,''), coalesce(c.client_id,''), c.secret_box,"                          \
    " coalesce(c.access_expires_at > now() + interval '60 seconds', false), c.revoked_at IS NOT NULL," \
    " CASE c.last_error WHEN 'invalid_grant' THEN 'broken' WHEN 'token_rotation_unsaved' THEN 'reauth'"   \
    " ELSE '' END, coalesce(c.environment, ''), coalesce(c.scopes, '')"
#define CRED_NCOLUMNS 9

/* SQL: the connection (delivery.connections, unqualified) needs re-activation. */
#define CRED_UNUSABLE "coalesce(last_error IN ('invalid_grant', 'token_rotation_unsaved'), false)"

/* A connection as read, its secret still sealed: what credentials_token_from
 * starts from. Zeroed (found 0) when there is no such connection. */
typedef struct {
    int found;
    char ats[16];
    char site_url[512];
    char client_id[256];
    char environment[16]; /* Lever: lever_env.h */
    char scopes[1024];    /* Lever: granted OAuth scopes */
    int fresh;            /* access token valid for at least 60 more seconds */
    int revoked;
    int broken;             /* 0, CRED_BROKEN or CRED_REAUTH: re-activation needed */
    unsigned char *box;     /* the sealed secret (crypto_seal); NULL when none */
    size_t box_len;
} cred_connection;

/* Fills out from the CRED_COLUMNS of r's row starting at column col (box
 * NULL also when out of memory: the secret then reads as missing). Free
 * with credentials_connection_free. */
void credentials_connection_parse(const PGresult *r, int row, int col, cred_connection *out);

/* Frees what credentials_connection_parse allocated and zeroes conn. Safe on
 * a zeroed struct. */
void credentials_connection_free(cred_connection *conn);

/* credentials_token with the connection (account, name) already read: it
 * reads again only when the access token has to be replaced. */
cred_status credentials_token_from(PGconn *c, const cred_connection *conn, const char *account, const char *name,
                                   cred_token *out);

/* Creates or replaces a connection. environment and scopes are Lever's (NULL
 * otherwise). secret_json is a JSON object with any of access_token,
 * refresh_token, client_secret; it is sealed before storing.
 * expires_at_ms is the access token's expiry (0 when unknown). Clears
 * revoked_at and last_error. Returns 0 or -1. */
int credentials_save(PGconn *c, const char *account, const char *name, const char *ats,
                     const char *site_url, const char *client_id, const char *environment, const char *scopes,
                     const char *secret_json, int64_t expires_at_ms);

/* Marks a connection revoked (kept for its history). Returns 0, 1 when not found, -1. */
int credentials_revoke(PGconn *c, const char *account, const char *name);

/* Records the outcome of a call made with the connection (health shown by
 * delivery's API): error NULL means success. Returns 0 or -1. */
int credentials_record(PGconn *c, const char *account, const char *name, const char *error);

/* Obtains a token with the OAuth2 client-credentials grant at token_url
 * (Eploy). On success fills access (NUL-terminated) and *expires_in_s and
 * returns 0; -1 when refused (4xx), -2 when unreachable or 5xx. */
int credentials_client_grant(const char *token_url, const char *client_id, const char *client_secret,
                             char *access, size_t access_len, int *expires_in_s);

/* Exchanges a Lever authorization code at env's token URL with atsbridge's
 * OAuth app there. On success fills access, refresh and scope
 * (NUL-terminated; refresh is empty when offline_access was not granted,
 * scope when the answer names none) and *expires_in_s and returns 0; -1 when
 * refused (4xx: invalid or used code), -2 when unreachable or 5xx. */
int credentials_code_grant(const lever_env *env, const char *code, const char *redirect_uri, char *access,
                           size_t access_len, char *refresh, size_t refresh_len, char *scope, size_t scope_len,
                           int *expires_in_s);

#endif
