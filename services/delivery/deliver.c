#include "deliver.h"

#include "accounts.h"
#include "backoff.h"
#include "connectors/connector.h"
#include "consume_loop.h"
#include "credentials.h"
#include "documents.h"
#include "events.h"
#include "kafka_conf.h"
#include "ledger.h"
#include "connection_events.h"
#include "lever_scopes.h"
#include "log.h"
#include "metrics.h"
#include "pb_validate.h"
#include "personal.h"
#include "produce_batch.h"
#include "ratelimit.h"
#include "retry.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct {
    dctx *x;
    const rd_kafka_message_t *m;
    Atsbridge__V1__ApplicationResolved *r;
    const char *app_id;
    const char *trace;
    char trace_buf[128];
    int attempt;
    int deferrals;
    PGconn *c;
    char key[300]; /* the application's advisory lock */
    int locked;    /* 1 while this job holds it */
    cred_connection conn; /* read by ledger_begin: the account's connection for the first token */
    produce_batch *events; /* this job's audit events; their acknowledgement ends the job */
    account acc;
    int have_acc;
} job;

/* Queues one audit event; deliver_handle waits for all of them at the end
 * and fails the job (it is handled again) when the broker did not take one. */
static void emit(job *j, const char *type, const char *state, const char *code, const char *detail,
                const char *candidate, const char *discriminator) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    const Atsbridge__V1__ApplicationReceived *a = j->r->application;
    ev.application_id = (char *)j->app_id;
    ev.account_id = a ? a->account_id : (char *)"";
    ev.type = (char *)type;
    ev.state = (char *)(state ? state : "");
    ev.attempt = j->attempt;
    ev.error_code = (char *)(code ? code : "");
    ev.detail = (char *)(detail ? detail : "");
    ev.ats_candidate_id = (char *)(candidate ? candidate : "");
    ev.ats = j->have_acc ? j->acc.ats : j->r->ats;
    ev.posting_id = a ? a->posting_id : (char *)"";
    ev.board = a ? a->board : (char *)"";
    ev.export_task_id = a ? a->export_task_id : (char *)"";
    produce_batch_event(j->events, &ev, discriminator, j->trace);
}

static uint32_t rnd32(void) { return randombytes_random(); }

/* Defers the message through the retry tiers without counting an attempt. */
static int defer(job *j, int64_t wait_ms, const char *code) {
    int64_t due = events_now_ms() + (wait_ms > 0 ? wait_ms : 1);
    if (retry_schedule(j->x->svc.producer, j->m, j->attempt, j->deferrals + 1, due, code)) return -1;
    char w[24];
    snprintf(w, sizeof w, "%lld", (long long)wait_ms);
    log_event(LOG_DEBUG, j->trace, "delivery deferred", "application", j->app_id, "code", code, "wait_ms", w,
              (const char *)NULL);
    return 0;
}

/* Permanent failure: dead letter, ledger FAILED, event (status notifies the
 * account's operator from it). */
static int fail(job *j, const char *code, const char *message) {
    if (consume_deadletter(j->x->svc.producer, j->m, code, message)) return -1;
    const char *acct = j->r->application ? j->r->application->account_id : "";
    if (ledger_failed(j->c, j->app_id, acct, code)) return -1;
    emit(j, "failed", "failed", code, message, NULL, code);
    log_event(LOG_WARN, j->trace, "delivery failed", "application", j->app_id, "code", code, (const char *)NULL);
    return 0;
}

/* Transient failure: another attempt through the retry tiers, or FAILED
 * when the attempts are spent. */
static int transient(job *j, const char *code, const char *message, int maybe_created) {
    if (j->attempt >= j->x->cfg.max_attempts) return fail(j, code, message);
    if (!maybe_created) ledger_back_to_pending(j->c, j->app_id, code);
    else ledger_error(j->c, j->app_id, code);
    int64_t wait = backoff_delay_ms(j->attempt, j->x->cfg.backoff_base_ms, j->x->cfg.backoff_cap_ms, rnd32());
    if (retry_schedule(j->x->svc.producer, j->m, j->attempt + 1, j->deferrals, events_now_ms() + wait, code))
        return -1;
    emit(j, "retrying", "retrying", code, message, NULL, code);
    char a[16];
    snprintf(a, sizeof a, "%d", j->attempt);
    log_event(LOG_INFO, j->trace, "delivery retrying", "application", j->app_id, "attempt", a, "code", code,
              (const char *)NULL);
    return 0;
}

static const char *source_label(job *j) {
    if (*j->r->source_label) return j->r->source_label;
    const Atsbridge__V1__ApplicationReceived *a = j->r->application;
    if (a && *a->source_label) return a->source_label;
    return j->have_acc && a ? account_source_label(&j->acc, a->board) : "";
}

/* What one attempt sends and what the ATS answered: filled step by step by
 * attempt's helpers below. */
typedef struct {
    const cx_connector *cx;
    cx_application ca;   /* its documents once load_what_to_send has them */
    int search;          /* look for the candidate before creating it */
    uint64_t doc_bytes;  /* taken from the process's document budget while the documents are loaded */
    cred_status st;      /* of the last token asked for */
    char gap[640];       /* Lever: what the grant lacks for this delivery ("" when nothing) */
    cx_result res;       /* the ATS's answer to the last pass */
    cx_ids ids;
    int adopted;         /* the search found the candidate: delivered as a duplicate */
    int verified_absent; /* the search proved nothing was created before */
} delivery;

/* The application as the connector sees it (documents not loaded). */
static cx_application application_of(job *j) {
    return (cx_application){.app = j->r, .source_label = source_label(j),
                           .origin = *j->r->application->export_task_id ? "sourced" : "applied",
                           .default_stage = j->acc.export_stage};
}

/* dry-run: records the redacted request instead of sending it. */
static int dry_run(job *j, const cx_connector *cx) {
    cx_application ca = application_of(j);
    /* Documents are described by reference only: the preview needs no bytes. */
    size_t n = j->r->application->n_documents;
    cx_document *docs = n ? calloc(n, sizeof *docs) : NULL;
    for (size_t i = 0; docs && i < n; i++) {
        const Atsbridge__V1__DocumentRef *d = j->r->application->documents[i];
        docs[i].kind = d->kind;
        docs[i].filename = d->filename;
        docs[i].content_type = d->content_type;
        snprintf(docs[i].sha256, sizeof docs[i].sha256, "%s", d->sha256);
    }
    ca.docs = docs;
    ca.ndocs = docs ? n : 0;
    json_object *preview = cx->preview(&ca);
    free(docs);
    emit(j, "dry_run", NULL, NULL,
         json_object_to_json_string_ext(preview, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), NULL,
         "dry-run");
    json_object_put(preview);
    metrics_counter_add("atsb_delivery_dry_runs_total", "", 1);
    return 0;
}

typedef enum {
    LIMITS_TAKEN = 0,
    LIMITS_WAIT = 1,   /* short of tokens or quota for *wait_ms (the ledger shows the application PENDING) */
    LIMITS_ERROR = -1, /* database error */
} limits_result;

/* Takes the tokens this delivery needs (the connector's estimate, counting
 * the documents the message names) and, in the same round trip where no
 * daily quota follows, records the attempt IN_FLIGHT (*in_flight set). */
static limits_result take_limits(job *j, const delivery *d, const ledger_row *row, int64_t *wait_ms,
                                 int *quota_remaining, int *in_flight) {
    const dconfig *cfg = &j->x->cfg;
    const char *acct = j->acc.account_id;
    cx_application estimated = d->ca;
    estimated.ndocs = j->r->application->n_documents;
    int n = d->cx->estimate(&estimated, d->search);
    *quota_remaining = -1;
    int lever = !strcmp(d->cx->name, "lever");
    int quota = !lever && j->acc.daily_api_budget > 0;
    rl_ledger led = {j->app_id, j->attempt, !quota};
    int64_t w;
    if (lever) {
        rl_bucket b[] = {{"lever.apply", cfg->lever_apply_rate, cfg->lever_apply_burst, 1},
                         {"lever", cfg->lever_rate, cfg->lever_burst, n}};
        w = ratelimit_take(j->c, acct, b, 2, &led);
    } else {
        rl_bucket b = {"eploy", cfg->eploy_rate, cfg->eploy_burst, n};
        w = ratelimit_take(j->c, acct, &b, 1, &led);
    }
    *in_flight = w == 0 && led.mark_in_flight;
    if (w == 0 && quota) {
        w = ratelimit_quota_take(j->c, acct, j->acc.daily_api_budget, n, events_now_ms(), quota_remaining);
        if (w > 0) {
            ratelimit_refund(j->c, acct, "eploy", cfg->eploy_burst, n);
            if (row->state == LEDGER_NONE && ledger_pending(j->c, j->app_id, acct)) return LIMITS_ERROR;
        }
    }
    *wait_ms = w;
    return w < 0 ? LIMITS_ERROR : w > 0 ? LIMITS_WAIT : LIMITS_TAKEN;
}

/* A delivery deferred for a rate limit: source "limiter" (atsbridge's own
 * limits: the ATS's rate or the account's budget), "ats" (the ATS answered
 * 429) or "ats_quota" (its daily quota is spent). */
static void rate_limit_wait(const job *j, const char *source) {
    char labels[96];
    snprintf(labels, sizeof labels, "ats=\"%s\",source=\"%s\"", j->acc.ats, source);
    metrics_counter_add("atsb_delivery_rate_limit_waits_total", labels, 1);
}

static void quota_gauge(const char *account, int remaining) {
    if (remaining < 0) return;
    char labels[200];
    snprintf(labels, sizeof labels, "account=\"%s\"", account);
    metrics_gauge_set("atsb_delivery_quota_remaining", labels, remaining);
}

typedef enum {
    REDRIVE_RECORDED = 0,     /* recorded as `redriven`: attempt it */
    REDRIVE_NOT_REPLAYED = 1, /* the message is no operator's replay: the application stays FAILED */
    REDRIVE_ERROR = -1,       /* database error */
} redrive_result;

/* A FAILED application whose dead letter an operator replayed (trail dlq
 * replay: headers replayed-from, redrive-by, redrive-reason) goes back to
 * work: recorded as `redriven`, then attempted with a fresh budget. */
static redrive_result redrive(job *j, ledger_row *row) {
    char from[128], by[160], reason[256], detail[600];
    if (!kafka_header(j->m, "replayed-from", from, sizeof from)) return REDRIVE_NOT_REPLAYED;
    if (!kafka_header(j->m, "redrive-by", by, sizeof by)) snprintf(by, sizeof by, "unknown");
    if (!kafka_header(j->m, "redrive-reason", reason, sizeof reason)) reason[0] = '\0';
    if (ledger_redrive(j->c, j->app_id)) return REDRIVE_ERROR;
    row->state = LEDGER_IN_FLIGHT;
    snprintf(detail, sizeof detail, "from %s by %s%s%s", from, by, *reason ? ": " : "", reason);
    emit(j, "redriven", NULL, NULL, detail, NULL, from);
    log_event(LOG_INFO, j->trace, "dead letter re-driven", "application", j->app_id, "from", from,
              (const char *)NULL);
    return REDRIVE_RECORDED;
}

/* A repeat of a delivered application's message: its event again (its id
 * makes it a no-op downstream). */
static int repeat_delivered(job *j, const ledger_row *row) {
    emit(j, "delivered", "delivered", NULL, row->adopted ? "duplicate" : "", row->candidate_id, "");
    return 0;
}

/* Whether to look for the candidate before creating it: after an attempt
 * whose outcome is unknown (IN_FLIGHT), and for exports whose
 * duplicate_policy is skip (or merge, which we do not implement beyond not
 * duplicating), which report an existing candidate as a duplicate instead
 * of creating it. */
static int must_search_first(const job *j, const ledger_row *row) {
    const Atsbridge__V1__ApplicationReceived *a = j->r->application;
    const char *policy = a->duplicate_policy ? a->duplicate_policy : "";
    int dup_check = *a->export_task_id && (!strcmp(policy, "skip") || !strcmp(policy, "merge"));
    return row->state == LEDGER_IN_FLIGHT || dup_check;
}

/* The ledger shows the attempt IN_FLIGHT (durable, before any ATS call;
 * take_limits may have recorded it already: in_flight), then the event
 * `delivering`. 0 or -1. */
static int mark_in_flight(job *j, const delivery *d, int in_flight) {
    if (!in_flight && ledger_in_flight(j->c, j->app_id, j->r->application->account_id, j->attempt)) return -1;
    emit(j, "delivering", "delivering", NULL, d->search ? "searching first" : "", NULL, "");
    return 0;
}

/* The application's documents into d->ca, once the process's document
 * budget has room for them (given back by put_back_documents, or here when
 * they are not loaded). */
static documents_result load_what_to_send(job *j, delivery *d) {
    const Atsbridge__V1__ApplicationReceived *a = j->r->application;
    for (size_t i = 0; i < a->n_documents; i++) d->doc_bytes += a->documents[i]->size_bytes;
    doc_budget_take(&j->x->docs, d->doc_bytes);
    documents_result loaded = documents_load(j->c, a, &d->ca.docs, &d->ca.ndocs);
    if (loaded != DOCUMENTS_LOADED) doc_budget_give(&j->x->docs, d->doc_bytes);
    return loaded;
}

static void put_back_documents(job *j, delivery *d) {
    documents_free(d->ca.docs, d->ca.ndocs);
    d->ca.docs = NULL;
    d->ca.ndocs = 0;
    doc_budget_give(&j->x->docs, d->doc_bytes);
}

/* One pass with the session's token: the search when d->search, then the
 * create when nothing was found. d->res.cls is FAIL_NONE when the
 * application is in the ATS (found or created). */
static void find_or_create(cx_session *s, delivery *d) {
    memset(&d->ids, 0, sizeof d->ids);
    memset(&d->res, 0, sizeof d->res);
    d->res.retry_after_ms = -1;
    cx_find_result found = CX_NOT_FOUND;
    if (d->search) {
        found = d->cx->find(s, &d->ca, &d->ids, &d->res);
        if (found == CX_FOUND) d->adopted = 1;
        if (found == CX_NOT_FOUND) d->verified_absent = 1;
    }
    if (found == CX_NOT_FOUND && d->cx->create(s, &d->ca, &d->ids, &d->res) == 0) d->res.cls = FAIL_NONE;
}

/* Sends the application with the account's token (d->st says when there is
 * none). A token the ATS refuses (401) is refreshed once (unless another
 * worker did) and the pass repeated. */
static void send_application(job *j, delivery *d) {
    const Atsbridge__V1__ApplicationReceived *a = j->r->application;
    cred_token tok;
    d->st = credentials_token_from(j->c, &j->conn, j->acc.account_id, j->acc.connection_name, &tok);
    cx_session s = {.http = j->x->http, .ats = d->cx->name};
    snprintf(s.perform_as, sizeof s.perform_as, "%s", j->acc.lever_perform_as);
    /* Nothing is sent that the Lever grant would refuse: an export needs
     * opportunities:write:admin, which the applications-only link lacks. */
    if (d->st == CRED_OK && !strcmp(d->cx->name, "lever"))
        lever_grant_gap(&j->acc, tok.environment, tok.scopes,
                        *a->export_task_id ? "opportunities:write:admin" : LEVER_SCOPES_APPLY, d->gap,
                        sizeof d->gap);
    for (int pass = 0; pass < 2 && d->st == CRED_OK && !d->gap[0]; pass++) {
        snprintf(s.base_url, sizeof s.base_url, "%s", tok.site_url);
        snprintf(s.scopes, sizeof s.scopes, "%s", tok.scopes);
        snprintf(s.token, sizeof s.token, "%s", tok.access_token);
        find_or_create(&s, d);
        if (d->res.cls != FAIL_UNAUTHORIZED || pass == 1) break;
        /* 401: the token was refused; refresh once (unless another worker did) and try again. */
        metrics_counter_add("atsb_delivery_unauthorized_total", "", 1);
        char rejected[sizeof tok.access_token];
        snprintf(rejected, sizeof rejected, "%s", tok.access_token);
        d->st = credentials_token(j->c, j->acc.account_id, j->acc.connection_name, rejected, &tok);
        explicit_bzero(rejected, sizeof rejected);
        d->search = 1; /* earlier calls of this pass may have created something */
        d->verified_absent = 0;
    }
    explicit_bzero(&tok, sizeof tok);
    explicit_bzero(s.token, sizeof s.token);
}

/* The ATS has the application: ledger DELIVERED (which releases the lock),
 * event, metric, log line. 0 or -1. */
static int record_delivered(job *j, const delivery *d) {
    credentials_record(j->c, j->acc.account_id, j->acc.connection_name, NULL);
    int recorded = ledger_delivered(j->c, j->app_id, d->ids.candidate_id, d->ids.application_id, d->adopted, j->key);
    j->locked = recorded != 0;
    if (recorded) return -1;
    emit(j, "delivered", "delivered", NULL, d->adopted ? "duplicate" : "", d->ids.candidate_id, "");
    metrics_counter_add("atsb_delivery_delivered_total", d->adopted ? "adopted=\"true\"" : "adopted=\"false\"", 1);
    log_event(LOG_INFO, j->trace, "delivered", "application", j->app_id, "ats", d->cx->name, "adopted",
              d->adopted ? "true" : "false", (const char *)NULL);
    return 0;
}

/* The ATS said 429 (Eploy: or the site's daily quota is spent): deferred
 * through the retry tiers, not an attempt. 0 or -1. */
static int wait_for_the_ats(job *j, const delivery *d, int maybe_created) {
    const cx_result *res = &d->res;
    rate_limit_wait(j, res->quota ? "ats_quota" : "ats");
    if (!maybe_created) ledger_back_to_pending(j->c, j->app_id, res->code);
    if (res->quota) ratelimit_quota_exhaust(j->c, j->acc.account_id, j->acc.daily_api_budget);
    int64_t w = res->retry_after_ms >= 0 ? res->retry_after_ms
                                         : backoff_delay_ms(j->deferrals + 1, 1000, 60000, rnd32()) + 1000;
    /* A spent Eploy quota resets at midnight UTC (Retry-After), but the
     * customer's account manager may raise it during the day: look again
     * at most every ATSB_EPLOY_QUOTA_RECHECK_S (one refused request). */
    if (res->quota && w > j->x->cfg.eploy_quota_recheck_ms) w = j->x->cfg.eploy_quota_recheck_ms;
    if (defer(j, w, res->quota ? "quota_exhausted" : "rate_limited")) return -1;
    emit(j, "retrying", "retrying", res->quota ? "quota_exhausted" : "rate_limited", res->message, NULL,
         "rate_limited");
    return 0;
}

/* What the attempt came to: delivered, deferred (429), retried (transient)
 * or failed (permanent), each in the ledger with its event. 0 or -1. */
static int record_outcome(job *j, const delivery *d) {
    if (d->st != CRED_OK) {
        const char *code = connection_cred_code(d->st);
        if (d->st != CRED_UNAVAILABLE) connection_unusable(j->c, j->x->svc.producer, &j->acc, code);
        return transient(j, code, "no usable ATS credentials", d->search && !d->verified_absent);
    }
    if (d->gap[0]) {
        connection_unusable(j->c, j->x->svc.producer, &j->acc, "reauthorization_required");
        return transient(j, "reauthorization_required", d->gap, d->search);
    }
    int maybe_created = d->res.unknown_outcome || (d->search && !d->verified_absent);
    switch (d->res.cls) {
    case FAIL_NONE:
        return record_delivered(j, d);
    case FAIL_RATE_LIMITED:
        return wait_for_the_ats(j, d, maybe_created);
    case FAIL_UNAUTHORIZED:
        credentials_record(j->c, j->acc.account_id, j->acc.connection_name, "unauthorized");
        return transient(j, "unauthorized", d->res.message, maybe_created);
    case FAIL_TRANSIENT:
        credentials_record(j->c, j->acc.account_id, j->acc.connection_name, d->res.code);
        if (d->res.connection) connection_broken_event(j->x->svc.producer, &j->acc, d->res.code);
        return transient(j, d->res.code, d->res.message, maybe_created);
    case FAIL_PERMANENT:
    default:
        credentials_record(j->c, j->acc.account_id, j->acc.connection_name, d->res.code);
        return fail(j, d->res.code, d->res.message);
    }
}

/* The attempt proper, with the lock held and the account loaded. 0 when its
 * outcome is recorded (delivered, held, dry run, deferred, retrying,
 * failed), -1 when the database or the broker failed: the message is
 * handled again. */
static int attempt(job *j, ledger_row *row) {
    if (row->state == LEDGER_DELIVERED) return repeat_delivered(j, row);
    if (row->state == LEDGER_FAILED) {
        switch (redrive(j, row)) {
        case REDRIVE_RECORDED:
            break;
        case REDRIVE_NOT_REPLAYED:
            return 0;
        case REDRIVE_ERROR:
        default:
            return -1;
        }
    }
    const cx_connector *cx = connector_for(j->acc.ats);
    if (!cx) return fail(j, "unknown_ats", "account has no supported ATS");
    if (*j->r->ats && strcmp(j->r->ats, j->acc.ats) != 0)
        return fail(j, "ats_mismatch", "application resolved for another ATS than the account's");
    /* Run mode: the account's current mode decides (Go Live may have happened since resolution). */
    const char *mode = j->acc.run_mode;
    if (!strcmp(mode, "dry-run") || !strcmp(j->r->run_mode, "dry-run")) return dry_run(j, cx);
    if (!strcmp(mode, "test") && !j->r->posting_is_test) {
        emit(j, "held", "held", "test_mode", "test mode: only test postings are delivered", NULL, "");
        return 0;
    }

    delivery d = {.cx = cx, .ca = application_of(j), .search = must_search_first(j, row)};
    int64_t wait = 0;
    int quota_remaining = -1, in_flight = 0;
    switch (take_limits(j, &d, row, &wait, &quota_remaining, &in_flight)) {
    case LIMITS_TAKEN:
        break;
    case LIMITS_WAIT:
        rate_limit_wait(j, "limiter");
        return defer(j, wait, "rate_limited");
    case LIMITS_ERROR:
    default:
        return -1;
    }
    quota_gauge(j->acc.account_id, quota_remaining);
    if (mark_in_flight(j, &d, in_flight)) return -1;
    switch (load_what_to_send(j, &d)) {
    case DOCUMENTS_LOADED:
        break;
    case DOCUMENTS_MISSING:
        /* ingest commits the documents right after Kafka acknowledged the
         * message, so a fast consumer can get here first; and a request
         * whose commit failed stores them on the board's retry. Not there
         * yet is transient; after the last attempt it is a permanent
         * failure (documents.h). */
        return transient(j, "document_missing", "a referenced document is not in ingest.documents", 0);
    case DOCUMENTS_ERROR:
    default:
        return -1;
    }
    send_application(j, &d);
    put_back_documents(j, &d);
    return record_outcome(j, &d);
}

int deliver_decode(const void *payload, size_t len, Atsbridge__V1__ApplicationResolved **out,
                   const char **code, const char **message) {
    *out = atsbridge__v1__application_resolved__unpack(NULL, len, payload);
    if (!*out) {
        *code = "undecodable";
        *message = "payload is not an ApplicationResolved";
        return -1;
    }
    const Atsbridge__V1__ApplicationReceived *a = (*out)->application;
    if (!a || !a->application_id || !*a->application_id || !a->account_id || !*a->account_id) {
        *code = "invalid_message";
        *message = "application id or account id missing";
        return -1;
    }
    return 0;
}

/* How a handled message ends, once its events are acknowledged. */
typedef struct {
    deliver_done_fn done;
    void *arg;
    int ok; /* the attempt itself succeeded */
} outcome;

static void events_acked(void *arg, rd_kafka_resp_err_t err) {
    outcome o = *(outcome *)arg;
    free(arg);
    o.done(o.arg, o.ok && !err);
}

void deliver_handle(dctx *x, const rd_kafka_message_t *m, deliver_done_fn done, void *arg) {
    job j = {.x = x, .m = m};
    outcome *o = malloc(sizeof *o);
    j.events = o ? produce_batch_new(x->svc.producer, "delivery") : NULL;
    if (!j.events) {
        free(o);
        done(arg, 0);
        return;
    }
    j.trace = kafka_header(m, HDR_TRACE_ID, j.trace_buf, sizeof j.trace_buf);
    const char *code = NULL, *message = NULL;
    int rc = -1;
    if (!consume_schema_is(m, SCHEMA_RESOLVED)) {
        rc = consume_deadletter(x->svc.producer, m, "unknown_schema", "expected atsbridge.v1.ApplicationResolved");
        goto out;
    }
    if (deliver_decode(m->payload, m->len, &j.r, &code, &message)) {
        rc = consume_deadletter(x->svc.producer, m, code, message);
        goto out;
    }
    j.app_id = j.r->application->application_id;
    j.attempt = retry_attempt(m);
    j.deferrals = retry_deferrals(m);
    j.c = pg_pool_acquire(x->svc.db);
    if (!j.c) goto out;
    /* Sealed personal fields (personal.h). Erased: nothing to send, ever. */
    char why[300];
    switch (personal_open_resolved(j.c, j.r)) {
    case PERSONAL_OK: /* every field, the opened ones too, once */
        if (pb_validate(&j.r->base, &PB_LIMITS_DEFAULT, why, sizeof why) == 0) break;
        rc = consume_deadletter(x->svc.producer, m, "invalid_message", why);
        goto out;
    case PERSONAL_ERASED:
        metrics_counter_add("atsb_erased_messages_total", "service=\"delivery\"", 1);
        log_event(LOG_INFO, j.trace, "erased message skipped", "application", j.app_id, (const char *)NULL);
        rc = 0;
        goto out;
    case PERSONAL_INVALID:
        rc = consume_deadletter(x->svc.producer, m, "sealed_invalid", "sealed personal data does not open");
        goto out;
    default: /* the key store is unreachable: handled again, not an attempt */
        goto out;
    }
    snprintf(j.key, sizeof j.key, "app:%s", j.app_id);
    ledger_row row;
    j.locked = ledger_begin(j.c, j.key, j.app_id, j.r->application->account_id, &row, &j.acc, &j.have_acc, &j.conn);
    if (j.locked < 0) goto out;
    if (j.locked == 0) { /* another worker or replica holds it right now */
        rc = defer(&j, x->cfg.busy_retry_ms, "busy");
        goto out;
    }
    if (!j.have_acc) {
        rc = fail(&j, "unknown_account", "no such account");
        goto out;
    }
    rc = attempt(&j, &row);
out:
    /* The ledger holds the outcome (or IN_FLIGHT, which a repeat settles by
     * searching first), so the lock can go before the events are
     * acknowledged: a repeat of this message only repeats its event. */
    if (j.locked == 1) ledger_unlock(j.c, j.key);
    if (j.have_acc) account_free(&j.acc);
    credentials_connection_free(&j.conn);
    if (j.c) pg_pool_release(x->svc.db, j.c);
    if (j.r) atsbridge__v1__application_resolved__free_unpacked(j.r, NULL);
    /* The job is complete only when the broker has its events. */
    *o = (outcome){.done = done, .arg = arg, .ok = rc == 0};
    produce_batch_then(j.events, "events", events_acked, o);
}
