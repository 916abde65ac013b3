#include "credentials.h"

#include "config.h"
#include "crypto.h"
#include "http_client.h"
#include "json_bounded.h"
#include "lever_env.h"
#include "log.h"
#include "lookup_cache.h"
#include "metrics.h"
#include "pg.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKEN_TIMEOUT_MS 10000
#define ROTATION_WAIT_MS 15000 /* how long a caller waits for another's rotation */

typedef struct {
    cred_connection k;   /* the columns; k.box is not owned here (freed once opened, or the caller's) */
    json_object *secret; /* decrypted {access_token, refresh_token, client_secret} */
} conn_row;

static const char *secret_str(const conn_row *r, const char *key) {
    json_object *v;
    return r->secret && json_object_object_get_ex(r->secret, key, &v) ? json_object_get_string(v) : NULL;
}

void credentials_connection_parse(const PGresult *r, int row, int col, cred_connection *out) {
    memset(out, 0, sizeof *out);
    if (PQgetisnull(r, row, col)) return;
    out->found = 1;
    snprintf(out->ats, sizeof out->ats, "%s", PQgetvalue(r, row, col));
    snprintf(out->site_url, sizeof out->site_url, "%s", PQgetvalue(r, row, col + 1));
    snprintf(out->client_id, sizeof out->client_id, "%s", PQgetvalue(r, row, col + 2));
    out->fresh = PQgetvalue(r, row, col + 4)[0] == 't';
    out->revoked = PQgetvalue(r, row, col + 5)[0] == 't';
    const char *unusable = PQgetvalue(r, row, col + 6);
    out->broken = !strcmp(unusable, "broken") ? CRED_BROKEN : !strcmp(unusable, "reauth") ? CRED_REAUTH : 0;
    snprintf(out->environment, sizeof out->environment, "%s", PQgetvalue(r, row, col + 7));
    snprintf(out->scopes, sizeof out->scopes, "%s", PQgetvalue(r, row, col + 8));
    if (!PQgetisnull(r, row, col + 3))
        out->box = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col + 3), &out->box_len);
}

void credentials_connection_free(cred_connection *conn) {
    PQfreemem(conn->box);
    memset(conn, 0, sizeof *conn);
}

/* Opens row->k's sealed secret into row->secret (NULL when there is none or
 * it does not open). */
static void open_secret(conn_row *row) {
    char *plain = row->k.box ? crypto_open(row->k.box, row->k.box_len) : NULL;
    row->secret = plain ? json_tokener_parse(plain) : NULL;
    if (plain) {
        explicit_bzero(plain, strlen(plain));
        free(plain);
    }
}

/* Reads the row (locking it when lock is set). Returns 0, CRED_NOT_FOUND or CRED_UNAVAILABLE. */
static int read_row(PGconn *c, const char *account, const char *name, int lock, conn_row *out) {
    const char *p[] = {account, name};
    PGresult *r = pg_exec(c,
                          lock ? "SELECT " CRED_COLUMNS " FROM delivery.connections c"
                                 " WHERE c.account_id=$1 AND c.name=$2 FOR UPDATE"
                               : "SELECT " CRED_COLUMNS " FROM delivery.connections c"
                                 " WHERE c.account_id=$1 AND c.name=$2",
                          2, p);
    int rc = CRED_UNAVAILABLE;
    if (!pg_ok(r)) goto done;
    rc = CRED_NOT_FOUND;
    if (PQntuples(r) != 1) goto done;
    credentials_connection_parse(r, 0, 0, &out->k);
    open_secret(out);
    PQfreemem(out->k.box);
    out->k.box = NULL;
    out->k.box_len = 0;
    rc = 0;
done:
    PQclear(r);
    return rc;
}

/* What a token endpoint answered: the caller's buffers. */
typedef struct {
    char *access;
    size_t alen;
    char *refresh; /* NULL when not wanted */
    size_t rlen;
    char *scope; /* NULL when not wanted; "" when the answer has none */
    size_t slen;
    int expires_in;
} token_answer;

/* Parses the len bytes of a token response (a handful of members, so
 * JSON_LIMITS_DEFAULT bounds it before json-c builds it); fills access and,
 * when present, refresh and scope. Returns 0, or -1 when the answer is not
 * JSON, goes beyond the limits (logged) or lacks access_token. */
static int parse_token(const char *body, size_t len, token_answer *t) {
    json_object *o = NULL, *v;
    json_bounded_error err;
    int rc = -1;
    json_bounded_status st = json_bounded_parse(body, len, &JSON_LIMITS_DEFAULT, &o, &err);
    if (json_bounded_is_limit(st)) log_warn("token endpoint answer refused", "reason", err.message);
    if (st != JSON_BOUNDED_OK || !o || !json_object_object_get_ex(o, "access_token", &v) ||
        !json_object_is_type(v, json_type_string))
        goto done;
    snprintf(t->access, t->alen, "%s", json_object_get_string(v));
    if (t->refresh && json_object_object_get_ex(o, "refresh_token", &v) && json_object_is_type(v, json_type_string))
        snprintf(t->refresh, t->rlen, "%s", json_object_get_string(v));
    if (t->scope && json_object_object_get_ex(o, "scope", &v) && json_object_is_type(v, json_type_string))
        snprintf(t->scope, t->slen, "%s", json_object_get_string(v));
    t->expires_in = json_object_object_get_ex(o, "expires_in", &v) ? json_object_get_int(v) : 3600;
    rc = 0;
done:
    json_object_put(o);
    return rc;
}

/* POSTs a form to a token endpoint. Returns 0 with the response parsed, -1
 * when the grant was refused (4xx), -2 when unreachable, 5xx or garbled. */
static int token_request(const char *url, const char *form, token_answer *t) {
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "Accept: application/json", NULL};
    http_result res;
    int rc = -2;
    if (http_client_request("POST", url, headers, form, strlen(form), TOKEN_TIMEOUT_MS, &res) == 0) {
        if (res.status == 200)
            rc = parse_token(res.body, res.body_len, t) ? -2 : 0;
        else if (res.status >= 400 && res.status < 500 && res.status != 429)
            rc = -1;
    }
    http_result_free(&res);
    return rc;
}

int credentials_client_grant(const char *token_url, const char *client_id, const char *client_secret,
                             char *access, size_t access_len, int *expires_in_s) {
    char form[2048] = "";
    if (http_form_add(form, sizeof form, "grant_type", "client_credentials") ||
        http_form_add(form, sizeof form, "client_id", client_id) ||
        http_form_add(form, sizeof form, "client_secret", client_secret))
        return -1;
    token_answer t = {.access = access, .alen = access_len};
    int rc = token_request(token_url, form, &t);
    *expires_in_s = t.expires_in;
    return rc;
}

int credentials_code_grant(const lever_env *env, const char *code, const char *redirect_uri, char *access,
                           size_t access_len, char *refresh, size_t refresh_len, char *scope, size_t scope_len,
                           int *expires_in_s) {
    char form[4096] = "";
    if (http_form_add(form, sizeof form, "grant_type", "authorization_code") ||
        http_form_add(form, sizeof form, "client_id", env->client_id) ||
        http_form_add(form, sizeof form, "client_secret", lever_env_client_secret(env)) ||
        http_form_add(form, sizeof form, "redirect_uri", redirect_uri) ||
        http_form_add(form, sizeof form, "code", code))
        return -1;
    if (refresh_len) refresh[0] = '\0';
    if (scope_len) scope[0] = '\0';
    token_answer t = {access, access_len, refresh, refresh_len, scope, scope_len, 3600};
    int rc = token_request(env->token_url, form, &t);
    *expires_in_s = t.expires_in;
    explicit_bzero(form, sizeof form);
    return rc;
}

/* Stores the refreshed secret and clears the rotation mark; scopes "" keeps
 * the recorded ones. */
static int store_secret(PGconn *c, const char *account, const char *name, json_object *secret,
                        int expires_in, const char *scopes) {
    size_t blen;
    uint8_t *box = crypto_seal(json_object_to_json_string(secret), &blen);
    if (!box) return -1;
    char secs[16];
    snprintf(secs, sizeof secs, "%d", expires_in);
    const char *p[] = {account, name, (const char *)box, secs, scopes};
    const int lens[] = {0, 0, (int)blen, 0, 0};
    const int fmts[] = {0, 0, 1, 0, 0};
    PGresult *r = PQexecParams(c,
                               "UPDATE delivery.connections SET secret_box=$3,"
                               " access_expires_at = now() + make_interval(secs => $4::int),"
                               " scopes = coalesce(NULLIF($5, ''), scopes), rotation_started_at=NULL,"
                               " last_error=NULL, updated_at=now() WHERE account_id=$1 AND name=$2",
                               5, NULL, p, lens, fmts, 0);
    int rc = pg_ok(r) ? 0 : -1;
    PQclear(r);
    free(box);
    return rc;
}

/* Records why the connection needs re-activation (error: invalid_grant or
 * token_rotation_unsaved) and clears the rotation mark. */
static int mark_unusable(PGconn *c, const char *account, const char *name, const char *error) {
    const char *p[] = {account, name, error};
    return pg_run(c,
                  "UPDATE delivery.connections SET last_error=$3, last_error_at=now(), rotation_started_at=NULL"
                  " WHERE account_id=$1 AND name=$2",
                  3, p);
}

/* Asks the token endpoint for a new access token (and, for Lever, a new
 * refresh token). Returns token_request's 0, -1 (refused) or -2. */
static int grant(const conn_row *row, token_answer *t) {
    char form[4096] = "", url[600];
    int rc = -2;
    if (!strcmp(row->k.ats, "lever")) {
        const char *rt = secret_str(row, "refresh_token");
        const lever_env *env = lever_env_get(row->k.environment);
        if (!rt || !env) return -1;
        if (!http_form_add(form, sizeof form, "grant_type", "refresh_token") &&
            !http_form_add(form, sizeof form, "client_id", env->client_id) &&
            !http_form_add(form, sizeof form, "client_secret", lever_env_client_secret(env)) &&
            !http_form_add(form, sizeof form, "refresh_token", rt))
            rc = token_request(env->token_url, form, t);
    } else {
        const char *cs = secret_str(row, "client_secret");
        if (!cs) return -1;
        snprintf(url, sizeof url, "%s/api/token", row->k.site_url);
        rc = credentials_client_grant(url, row->k.client_id, cs, t->access, t->alen, &t->expires_in);
    }
    explicit_bzero(form, sizeof form);
    char labels[96];
    snprintf(labels, sizeof labels, "ats=\"%s\",outcome=\"%s\"", row->k.ats,
             rc == 0 ? "ok" : rc == -1 ? "refused" : "unavailable");
    metrics_counter_add("atsb_token_refreshes_total", labels, 1);
    return rc;
}

/* Gets a new token and stores it (in the caller's transaction for Eploy,
 * in its own once the rotation is claimed for Lever). */
static cred_status refresh(PGconn *c, const char *account, const char *name, conn_row *row) {
    char access[2048] = "", rotated[2048] = "", scope[1024] = "";
    token_answer t = {access, sizeof access, rotated, sizeof rotated, scope, sizeof scope, 3600};
    int rotates = !strcmp(row->k.ats, "lever");
    int rc = grant(row, &t);
    if (rc == -2) {
        if (rotates) {
            const char *p[] = {account, name};
            pg_run(c, "UPDATE delivery.connections SET rotation_started_at=NULL WHERE account_id=$1 AND name=$2", 2,
                   p);
        }
        return CRED_UNAVAILABLE;
    }
    if (rc == -1) {
        log_warn("connection grant refused", "account", account, "connection", name);
        return mark_unusable(c, account, name, "invalid_grant") ? CRED_UNAVAILABLE : CRED_BROKEN;
    }
    json_object_object_add(row->secret, "access_token", json_object_new_string(access));
    if (rotated[0]) json_object_object_add(row->secret, "refresh_token", json_object_new_string(rotated));
    explicit_bzero(access, sizeof access);
    explicit_bzero(rotated, sizeof rotated);
    if (scope[0]) snprintf(row->k.scopes, sizeof row->k.scopes, "%s", scope);
    if (store_secret(c, account, name, row->secret, t.expires_in, scope) == 0) return CRED_OK;
    if (!rotates) return CRED_UNAVAILABLE;
    log_error("rotated token not stored: the connection needs re-activation", "account", account, "connection",
              name);
    mark_unusable(c, account, name, "token_rotation_unsaved"); /* else the stale mark tells the next reader */
    return CRED_REAUTH;
}

static cred_status fill(const conn_row *row, cred_token *out) {
    const char *at = secret_str(row, "access_token");
    if (!at) return CRED_BROKEN;
    memset(out, 0, sizeof *out);
    snprintf(out->ats, sizeof out->ats, "%s", row->k.ats);
    snprintf(out->site_url, sizeof out->site_url, "%s", row->k.site_url);
    if (!strcmp(row->k.ats, "lever")) {
        const lever_env *env = lever_env_get(row->k.environment);
        if (!env) return CRED_BROKEN;
        snprintf(out->site_url, sizeof out->site_url, "%s", env->api_url);
        snprintf(out->environment, sizeof out->environment, "%s", env->name);
    }
    snprintf(out->scopes, sizeof out->scopes, "%s", row->k.scopes);
    snprintf(out->access_token, sizeof out->access_token, "%s", at);
    return CRED_OK;
}

static int usable(const conn_row *row, const char *rejected) {
    const char *at = secret_str(row, "access_token");
    return row->k.fresh && at && (!rejected || strcmp(at, rejected) != 0);
}

#define CLAIMED 1  /* claim: this caller refreshes */
#define ROTATING 2 /* claim: another caller's rotation is under way */

/* Inside a transaction: locks and reads the row, then decides. Returns
 * CRED_OK (row usable as it is), CLAIMED (refresh now; for Lever the
 * rotation mark is set, to be committed first), ROTATING, or a negative
 * cred_status (CRED_REAUTH marked, to be committed). */
static int claim(PGconn *c, const char *account, const char *name, const char *rejected, conn_row *row) {
    int rc = read_row(c, account, name, 1, row);
    if (rc) return rc;
    if (row->k.revoked) return CRED_REVOKED;
    if (row->k.broken) return row->k.broken;
    if (!row->secret) return CRED_BROKEN;
    if (usable(row, rejected)) return CRED_OK;
    if (strcmp(row->k.ats, "lever") != 0) return CLAIMED;
    const char *p[] = {account, name};
    PGresult *r = pg_exec(c,
                          "SELECT CASE WHEN rotation_started_at IS NULL THEN 0"
                          " WHEN rotation_started_at > now() - interval '2 minutes' THEN 1 ELSE 2 END"
                          " FROM delivery.connections WHERE account_id=$1 AND name=$2",
                          2, p);
    int before = pg_ok(r) && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    if (before == 0)
        return pg_run(c, "UPDATE delivery.connections SET rotation_started_at=now() WHERE account_id=$1 AND name=$2",
                      2, p)
                   ? CRED_UNAVAILABLE
                   : CLAIMED;
    if (before == 1) return ROTATING;
    if (before < 0) return CRED_UNAVAILABLE;
    log_error("a token rotation was never stored: the connection needs re-activation", "account", account,
              "connection", name);
    return mark_unusable(c, account, name, "token_rotation_unsaved") ? CRED_UNAVAILABLE : CRED_REAUTH;
}

/* The rest of credentials_token once row (which it frees) is read. */
static cred_status token_from_row(PGconn *c, const char *account, const char *name, const char *rejected_token,
                                  conn_row *row, cred_token *out) {
    int rc;
    if (row->k.revoked || row->k.broken) {
        rc = row->k.revoked ? CRED_REVOKED : row->k.broken;
        goto done;
    }
    if (usable(row, rejected_token)) {
        rc = fill(row, out);
        goto done;
    }
    for (int waited_ms = 0;; waited_ms += 250) {
        json_object_put(row->secret);
        row->secret = NULL;
        if (pg_run(c, "BEGIN", 0, NULL)) return CRED_UNAVAILABLE;
        rc = claim(c, account, name, rejected_token, row);
        if (rc == CLAIMED && strcmp(row->k.ats, "lever") != 0) rc = refresh(c, account, name, row);
        if (rc == ROTATING || rc == CRED_UNAVAILABLE || rc == CRED_NOT_FOUND) {
            PQclear(PQexec(c, "ROLLBACK"));
        } else if (pg_run(c, "COMMIT", 0, NULL)) {
            rc = CRED_UNAVAILABLE;
        }
        if (rc == CLAIMED) rc = refresh(c, account, name, row); /* Lever: the claim is committed */
        if (rc != ROTATING) break;
        if (waited_ms >= ROTATION_WAIT_MS) {
            rc = CRED_UNAVAILABLE;
            break;
        }
        usleep(250 * 1000);
    }
    if (rc == CRED_OK) rc = fill(row, out);
done:
    json_object_put(row->secret);
    row->secret = NULL;
    return (cred_status)rc;
}

cred_status credentials_token(PGconn *c, const char *account, const char *name,
                              const char *rejected_token, cred_token *out) {
    conn_row row = {0};
    int rc = read_row(c, account, name, 0, &row);
    if (rc) return (cred_status)rc;
    return token_from_row(c, account, name, rejected_token, &row, out);
}

cred_status credentials_token_from(PGconn *c, const cred_connection *conn, const char *account, const char *name,
                                   cred_token *out) {
    if (!conn || !conn->found) return CRED_NOT_FOUND;
    conn_row row = {.k = *conn};
    open_secret(&row);
    row.k.box = NULL; /* the caller's */
    row.k.box_len = 0;
    return token_from_row(c, account, name, NULL, &row, out);
}

int credentials_save(PGconn *c, const char *account, const char *name, const char *ats,
                     const char *site_url, const char *client_id, const char *environment, const char *scopes,
                     const char *secret_json, int64_t expires_at_ms) {
    size_t blen;
    uint8_t *box = crypto_seal(secret_json, &blen);
    if (!box) return -1;
    char exp[32];
    snprintf(exp, sizeof exp, "%lld", (long long)expires_at_ms);
    const char *p[] = {account, name, ats, site_url, client_id, (const char *)box, exp,
                       environment ? environment : "", scopes ? scopes : ""};
    const int lens[] = {0, 0, 0, 0, 0, (int)blen, 0, 0, 0};
    const int fmts[] = {0, 0, 0, 0, 0, 1, 0, 0, 0};
    PGresult *r = PQexecParams(
        c,
        "INSERT INTO delivery.connections (account_id, name, ats, site_url, client_id, secret_box,"
        " access_expires_at, environment, scopes) VALUES ($1,$2,$3,NULLIF($4,''),NULLIF($5,''),$6,"
        " CASE WHEN $7::bigint > 0 THEN to_timestamp($7::bigint / 1000.0) END, NULLIF($8,''), NULLIF($9,''))"
        " ON CONFLICT (account_id, name) DO UPDATE SET ats=EXCLUDED.ats, site_url=EXCLUDED.site_url,"
        " client_id=EXCLUDED.client_id, secret_box=EXCLUDED.secret_box,"
        " access_expires_at=EXCLUDED.access_expires_at, environment=EXCLUDED.environment,"
        " scopes=EXCLUDED.scopes, revoked_at=NULL, last_error=NULL, rotation_started_at=NULL,"
        " last_error_at=NULL, updated_at=now()",
        9, NULL, p, lens, fmts, 0);
    int rc = pg_ok(r) ? 0 : -1;
    PQclear(r);
    free(box);
    return rc;
}

int credentials_revoke(PGconn *c, const char *account, const char *name) {
    const char *p[] = {account, name};
    PGresult *r = pg_exec(c,
                          "UPDATE delivery.connections SET revoked_at=now(), secret_box=NULL, updated_at=now()"
                          " WHERE account_id=$1 AND name=$2",
                          2, p);
    int rc = !pg_ok(r) ? -1 : strcmp(PQcmdTuples(r), "0") == 0 ? 1 : 0;
    PQclear(r);
    return rc;
}

int credentials_record(PGconn *c, const char *account, const char *name, const char *error) {
    /* A busy connection's last_success_at is written at most once a second
     * per process, not once per request; an error is always written and
     * ends that second early. */
    char key[300], v[4];
    snprintf(key, sizeof key, "success:%s/%s", account, name);
    if (!error && lookup_cache_get(key, 1000, v, sizeof v)) return 0;
    if (error) lookup_cache_forget(key);
    else lookup_cache_put(key, "1");
    const char *p[] = {account, name, error};
    return pg_run(c,
                  error ? "UPDATE delivery.connections SET last_error=$3, last_error_at=now()"
                          " WHERE account_id=$1 AND name=$2 AND NOT " CRED_UNUSABLE
                        : "UPDATE delivery.connections SET last_success_at=now()"
                          " WHERE account_id=$1 AND name=$2",
                  error ? 3 : 2, p);
}
