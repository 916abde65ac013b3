#include "commands.h"

#include "accounts.h"
#include "connectors/connector.h"
#include "connection_events.h"
#include "consume_loop.h"
#include "credentials.h"
#include "crypto.h"
#include "events.h"
#include "kafka_conf.h"
#include "ledger.h"
#include "lever_scopes.h"
#include "log.h"
#include "metrics.h"
#include "pb_validate.h"
#include "pg.h"
#include "shutdown.h"

#include "atsbridge/v1/ats.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INLINE_TRIES 3

typedef struct {
    dctx *x;
    PGconn *c;
    const Atsbridge__V1__AtsCommand *cmd;
    account acc;
    const char *trace;
} cjob;

static const char *kind_name(Atsbridge__V1__AtsCommand__Kind k) {
    switch (k) {
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_TAGS: return "ADD_TAGS";
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__REMOVE_TAGS: return "REMOVE_TAGS";
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE: return "ADD_NOTE";
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK: return "ORDER_CHECK";
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__EXCHANGE_OAUTH_CODE: return "EXCHANGE_OAUTH_CODE";
    default: return "UNSPECIFIED";
    }
}

/* Row state: 0 none, 1 in flight, 2 done/failed, -1 error. */
static int row_state(PGconn *c, const char *id) {
    const char *p[] = {id};
    PGresult *r = pg_exec(c, "SELECT state FROM delivery.commands WHERE command_id=$1", 1, p);
    int rc = !pg_ok(r) ? -1 : PQntuples(r) == 0 ? 0 : !strcmp(PQgetvalue(r, 0, 0), "IN_FLIGHT") ? 1 : 2;
    PQclear(r);
    return rc;
}

static int set_state(PGconn *c, const Atsbridge__V1__AtsCommand *cmd, const char *state, const char *result) {
    const char *p[] = {cmd->command_id, cmd->account_id, kind_name(cmd->kind), state, result ? result : ""};
    return pg_run(c,
                  "INSERT INTO delivery.commands (command_id, account_id, kind, state, result)"
                  " VALUES ($1,$2,$3,$4,NULLIF($5,'')) ON CONFLICT (command_id) DO UPDATE"
                  " SET state=$4, result=NULLIF($5,''), updated_at=now()",
                  5, p);
}

/* A session for the account's ATS connection. CRED_* status. */
static cred_status ats_session(cjob *j, cx_session *s, const char *rejected) {
    cred_token tok;
    cred_status st = credentials_token(j->c, j->acc.account_id, j->acc.connection_name, rejected, &tok);
    if (st != CRED_OK) return st;
    memset(s, 0, sizeof *s);
    s->http = j->x->http;
    s->ats = j->acc.ats;
    snprintf(s->base_url, sizeof s->base_url, "%s", tok.site_url);
    snprintf(s->scopes, sizeof s->scopes, "%s", tok.scopes);
    snprintf(s->environment, sizeof s->environment, "%s", tok.environment);
    snprintf(s->token, sizeof s->token, "%s", tok.access_token);
    snprintf(s->perform_as, sizeof s->perform_as, "%s", j->acc.lever_perform_as);
    explicit_bzero(&tok, sizeof tok);
    return CRED_OK;
}

/* Reports the ORDER_CHECK outcome on bgcheck.updates (ORDERED with the order
 * id and the provider's report link when it gave one, or FAILED with
 * reason) and records check_ordered / check_failed. 0, or -1 when the broker
 * did not take it (nothing is half-reported: the ids are deterministic). */
static int emit_update(cjob *j, Atsbridge__V1__CheckStatus status, const char *order_id, const char *report_url,
                       const char *reason) {
    Atsbridge__V1__BackgroundCheckUpdate u = ATSBRIDGE__V1__BACKGROUND_CHECK_UPDATE__INIT;
    char uid[64];
    crypto_derive_id(uid, sizeof uid, "upd_", j->cmd->command_id, status == ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_ORDERED ? "ordered" : "failed",
                     (const char *)NULL);
    u.update_id = uid;
    u.check_id = j->cmd->check_id;
    u.order_id = (char *)(order_id ? order_id : "");
    u.status = status;
    u.reason = (char *)(reason ? reason : "");
    u.report_url = (char *)(report_url ? report_url : "");
    u.occurred_at_ms = events_now_ms();
    u.account_id = j->cmd->account_id;
    size_t len = atsbridge__v1__background_check_update__get_packed_size(&u);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return -1;
    atsbridge__v1__background_check_update__pack(&u, buf);
    char topic[256];
    kafka_msg msg = {.topic = kafka_topic(TOPIC_BGCHECK_UPDATES, topic, sizeof topic),
                     .key = order_id && *order_id ? order_id : j->cmd->check_id,
                     .payload = buf, .len = len, .schema = SCHEMA_CHECK_UPDATE, .trace_id = j->trace};
    rd_kafka_resp_err_t e = kafka_producer_send(j->x->svc.producer, &msg);
    free(buf);
    if (e) return -1;
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    ev.account_id = j->cmd->account_id;
    ev.subject_id = j->cmd->check_id;
    ev.type = status == ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_ORDERED ? "check_ordered" : "check_failed";
    ev.detail = (char *)(reason ? reason : "");
    ev.ats = j->acc.ats;
    events_prepare(&ev, "delivery", j->cmd->command_id, id, sizeof id);
    return events_emit(j->x->svc.producer, &ev, j->trace);
}

/* Splits "First Last Names" at the first space. */
static void split_name(const char *full, char *first, size_t fl, char *last, size_t ll) {
    const char *sp = strchr(full, ' ');
    if (!sp) {
        snprintf(first, fl, "%s", full);
        snprintf(last, ll, "%s", full);
        return;
    }
    snprintf(first, fl, "%.*s", (int)(sp - full), full);
    while (*sp == ' ') sp++;
    snprintf(last, ll, "%s", *sp ? sp : full);
}

/* The Lever scopes a command's calls need. */
static const char *command_scopes(Atsbridge__V1__AtsCommand__Kind k) {
    switch (k) {
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE: return "notes:write:admin";
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK:
        return "opportunities:read:admin postings:read:admin notes:write:admin";
    default: return "opportunities:write:admin";
    }
}

/* One try of the command. 0 done, -1 failed (res says how). result is a short log-safe outcome. */
static int execute(cjob *j, cx_session *s, cx_result *res, char *result, size_t rlen) {
    const Atsbridge__V1__AtsCommand *cmd = j->cmd;
    switch (cmd->kind) {
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_TAGS:
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__REMOVE_TAGS:
        snprintf(result, rlen, "tags changed");
        return lever_change_tags(s, cmd->opportunity_id, cmd->tags, cmd->n_tags,
                                 cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__REMOVE_TAGS, res);
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE:
        snprintf(result, rlen, "note added");
        return lever_add_note(s, cmd->opportunity_id, cmd->note, res);
    case ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK: {
        char tag[512], package[512], name[512], email[320], first[512], last[512], order[128], report[1024];
        char opp_posting[256];
        /* The opportunity first: the candidate for the order, and its posting
         * when the command has none (DESIGN.md: ORDER_CHECK may omit it). */
        int rc = lever_contact(s, cmd->opportunity_id, name, sizeof name, email, sizeof email, opp_posting,
                               sizeof opp_posting, res);
        if (rc) goto order_out;
        const char *posting = *cmd->posting_id ? cmd->posting_id : opp_posting;
        cx_find_result t = CX_NOT_FOUND;
        const char *package_source = "";
        if (*posting) {
            t = lever_posting_tag(s, posting, j->acc.bgcheck_tag_prefix, tag, sizeof tag, res);
            if (t == CX_FIND_FAILED) {
                rc = -1;
                goto order_out;
            }
        }
        if (t == CX_NOT_FOUND && *j->acc.bgcheck_package) { /* the account's default package */
            snprintf(tag, sizeof tag, "%s%s", j->acc.bgcheck_tag_prefix, j->acc.bgcheck_package);
            package_source = " (the account's default package)";
            t = CX_FOUND;
        }
        if (t == CX_NOT_FOUND) {
            char note[1024];
            if (*posting)
                snprintf(note, sizeof note,
                         "Background check not ordered: posting %s has no tag starting with \"%s\". Add the "
                         "package tag to the posting in Lever (e.g. \"%s Basic Search\") and move the candidate "
                         "to \"%s\" again.",
                         posting, j->acc.bgcheck_tag_prefix, j->acc.bgcheck_tag_prefix, j->acc.bgcheck_stage);
            else
                snprintf(note, sizeof note,
                         "Background check not ordered: the opportunity has no posting, so no package tag "
                         "(\"%s ...\") names the package. Add the candidate to a posting with a package tag "
                         "and move the candidate to \"%s\" again.",
                         j->acc.bgcheck_tag_prefix, j->acc.bgcheck_stage);
            rc = -1;
            if (lever_add_note(s, cmd->opportunity_id, note, res)) goto order_out;
            if (emit_update(j, ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_FAILED, NULL, NULL, "no package tag")) {
                cx_fail(res, FAIL_TRANSIENT, "broker_unavailable", "bgcheck update not produced");
                goto order_out;
            }
            snprintf(result, rlen, "no package tag");
            rc = 0;
            goto order_out;
        }
        const char *p = tag + strlen(j->acc.bgcheck_tag_prefix);
        while (*p == ' ') p++;
        snprintf(package, sizeof package, "%s", p);
        split_name(name, first, sizeof first, last, sizeof last);
        cx_session ps = {.http = j->x->http, .ats = "provider"};
        snprintf(ps.base_url, sizeof ps.base_url, "%s", j->x->cfg.provider_url);
        snprintf(ps.token, sizeof ps.token, "%s", j->x->cfg.provider_api_key);
        rc = provider_order(&ps, j->acc.provider_client_id, *cmd->check_id ? cmd->check_id : cmd->command_id,
                            package, first, last, email, j->x->cfg.provider_callback_url, order, sizeof order, report,
                            sizeof report, res);
        explicit_bzero(ps.token, sizeof ps.token);
        if (rc) goto order_out;
        if (emit_update(j, ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_ORDERED, order, report, NULL)) {
            cx_fail(res, FAIL_TRANSIENT, "broker_unavailable", "bgcheck update not produced");
            rc = -1;
            goto order_out;
        }
        snprintf(result, rlen, "ordered %s%s", order, package_source);
    order_out:
        explicit_bzero(name, sizeof name);
        explicit_bzero(email, sizeof email);
        explicit_bzero(first, sizeof first);
        explicit_bzero(last, sizeof last);
        return rc;
    }
    default:
        snprintf(result, rlen, "ignored");
        return 0;
    }
}

static int run(cjob *j) {
    const Atsbridge__V1__AtsCommand *cmd = j->cmd;
    int st = row_state(j->c, cmd->command_id);
    if (st < 0) return -1;
    if (st == 2) return 0;
    if (st == 1 && cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE)
        return set_state(j->c, cmd, "DONE", "outcome unknown: not repeated (at most once)");
    int kind_ok = cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_TAGS ||
                  cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__REMOVE_TAGS ||
                  cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE ||
                  cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK;
    if (!kind_ok) return set_state(j->c, cmd, "DONE", "ignored");
    if (strcmp(j->acc.ats, "lever") != 0) return set_state(j->c, cmd, "DONE", "unsupported for this ATS");
    if (set_state(j->c, cmd, "IN_FLIGHT", NULL)) return -1;
    char result[256] = "";
    cx_result res = {0};
    cx_session s;
    int refreshed = 0;
    for (int i = 0; i < INLINE_TRIES && !shutdown_requested(); i++) {
        cred_status cs = ats_session(j, &s, NULL);
        char gap[640] = "";
        if (cs == CRED_OK && lever_grant_gap(&j->acc, s.environment, s.scopes, command_scopes(cmd->kind), gap, sizeof gap)) {
            /* Not attempted: Lever would refuse it. Activating again fixes it. */
            explicit_bzero(s.token, sizeof s.token);
            cx_fail(&res, FAIL_PERMANENT, "reauthorization_required", gap);
            connection_unusable(j->c, j->x->svc.producer, &j->acc, "reauthorization_required");
        } else if (cs == CRED_REVOKED) {
            /* The customer (or we) revoked the connection: no ATS writes, no order. */
            cx_fail(&res, FAIL_PERMANENT, "connection_revoked", "connection revoked");
        } else if (cs != CRED_OK) {
            /* Broken, or a rotated token that could not be stored: the
             * operator must activate the connection again. */
            if (cs == CRED_BROKEN || cs == CRED_REAUTH)
                connection_broken_event(j->x->svc.producer, &j->acc, connection_cred_code(cs));
            cx_fail(&res, cs == CRED_UNAVAILABLE ? FAIL_TRANSIENT : FAIL_PERMANENT, "connection_unavailable",
                    "no usable ATS credentials");
        } else if (execute(j, &s, &res, result, sizeof result) == 0) {
            explicit_bzero(s.token, sizeof s.token);
            credentials_record(j->c, j->acc.account_id, j->acc.connection_name, NULL);
            metrics_counter_add("atsb_delivery_commands_total", "outcome=\"done\"", 1);
            return set_state(j->c, cmd, "DONE", result);
        }
        if (res.cls == FAIL_UNAUTHORIZED && !refreshed) {
            refreshed = 1;
            cx_session again;
            if (ats_session(j, &again, s.token) == CRED_OK) explicit_bzero(again.token, sizeof again.token);
            i--;
        }
        explicit_bzero(s.token, sizeof s.token);
        if (res.cls == FAIL_PERMANENT) break;
        if (res.cls != FAIL_UNAUTHORIZED) sleep((unsigned)(1u << i));
    }
    log_event(LOG_WARN, j->trace, "command failed", "command", cmd->command_id, "kind", kind_name(cmd->kind),
              "code", res.code, (const char *)NULL);
    metrics_counter_add("atsb_delivery_commands_total", "outcome=\"failed\"", 1);
    if (cmd->kind == ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK &&
        emit_update(j, ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_FAILED, NULL, NULL, res.message))
        return -1;
    return set_state(j->c, cmd, "FAILED", res.code);
}

int commands_decode(const void *payload, size_t len, Atsbridge__V1__AtsCommand **out, const char **code,
                    char *message, size_t msglen) {
    *out = atsbridge__v1__ats_command__unpack(NULL, len, payload);
    *code = "invalid_message";
    if (!*out) {
        *code = "undecodable";
        snprintf(message, msglen, "payload is not an AtsCommand");
        return -1;
    }
    if (!(*out)->command_id || !*(*out)->command_id || !(*out)->account_id || !*(*out)->account_id) {
        snprintf(message, msglen, "command id or account id missing");
        return -1;
    }
    return pb_validate(&(*out)->base, &PB_LIMITS_DEFAULT, message, msglen);
}

int commands_handle(dctx *x, const rd_kafka_message_t *m) {
    char trace[128];
    if (!consume_schema_is(m, SCHEMA_COMMAND))
        return consume_deadletter(x->svc.producer, m, "unknown_schema", "expected atsbridge.v1.AtsCommand");
    Atsbridge__V1__AtsCommand *cmd = NULL;
    const char *code = NULL;
    char message[300];
    if (commands_decode(m->payload, m->len, &cmd, &code, message, sizeof message)) {
        int drc = consume_deadletter(x->svc.producer, m, code, message);
        if (cmd) atsbridge__v1__ats_command__free_unpacked(cmd, NULL);
        return drc;
    }
    int rc = -1;
    cjob j = {.x = x, .cmd = cmd, .trace = kafka_header(m, HDR_TRACE_ID, trace, sizeof trace)};
    char key[300];
    int have_acc = 0, locked = 0;
    j.c = pg_pool_acquire(x->svc.db);
    if (!j.c) goto out;
    snprintf(key, sizeof key, "cmd:%s", cmd->command_id);
    locked = ledger_lock(j.c, key);
    if (locked <= 0) goto out; /* busy or error: handled again later */
    int a = accounts_load(j.c, cmd->account_id, &j.acc);
    if (a < 0) goto out;
    if (a > 0) {
        rc = set_state(j.c, cmd, "FAILED", "unknown_account");
        goto out;
    }
    have_acc = 1;
    rc = run(&j);
out:
    if (locked > 0) ledger_unlock(j.c, key);
    if (have_acc) account_free(&j.acc);
    if (j.c) pg_pool_release(x->svc.db, j.c);
    atsbridge__v1__ats_command__free_unpacked(cmd, NULL);
    return rc;
}
