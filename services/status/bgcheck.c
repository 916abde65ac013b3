#include "bgcheck.h"

#include "crypto.h"
#include "events.h"
#include "kafka_conf.h"
#include "pg.h"
#include "projections.h"

#include "atsbridge/v1/ats.pb-c.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* CheckStatus ranks (state.c: the enum values). */
#define RANK_ORDERED 2
#define RANK_PENDING 3
#define RANK_IN_PROGRESS 4
#define RANK_COMPLETED 5

struct bgcheck_msg {
    const char *topic_base; /* TOPIC_* constant */
    const char *schema;     /* constant */
    char *key;
    uint8_t *buf;
    size_t len;
};

void bgcheck_outbox_init(bgcheck_outbox *o) { memset(o, 0, sizeof *o); }

void bgcheck_outbox_reset(bgcheck_outbox *o) {
    for (size_t i = 0; i < o->n; i++) {
        free(o->v[i].key);
        free(o->v[i].buf);
    }
    o->n = 0;
    o->oom = 0;
}

void bgcheck_outbox_free(bgcheck_outbox *o) {
    bgcheck_outbox_reset(o);
    free(o->v);
    memset(o, 0, sizeof *o);
}

/* Queues buf (taken over: freed here on failure). */
static void outbox_take(bgcheck_outbox *o, const char *topic_base, const char *schema, const char *key,
                        uint8_t *buf, size_t len) {
    char *k = strdup(key ? key : "");
    if (!buf || !k) goto fail;
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 16;
        struct bgcheck_msg *v = realloc(o->v, cap * sizeof *v);
        if (!v) goto fail;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->n++] = (struct bgcheck_msg){topic_base, schema, k, buf, len};
    return;
fail:
    o->oom = 1;
    free(k);
    free(buf);
}

int bgcheck_level_of_rank(int status_rank) {
    switch (status_rank) {
    case RANK_ORDERED: /* the provider e-mails the candidate when the order is placed */
    case RANK_PENDING: return BGCHECK_LEVEL_PENDING;
    case RANK_IN_PROGRESS: return BGCHECK_LEVEL_IN_PROGRESS;
    case RANK_COMPLETED: return BGCHECK_LEVEL_COMPLETED;
    default: return BGCHECK_LEVEL_NONE;
    }
}

const char *bgcheck_level_label(int level) {
    static const char *const labels[] = {NULL, "Pending Candidate", "In Progress", "Completed"};
    return level >= BGCHECK_LEVEL_PENDING && level <= BGCHECK_LEVEL_COMPLETED ? labels[level] : NULL;
}

void bgcheck_status_prefix(const char *configured, const char *package_prefix, char *out, size_t len) {
    if (configured && *configured) {
        snprintf(out, len, "%s", configured);
        return;
    }
    const char *s = package_prefix ? package_prefix : "";
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ':' || isspace((unsigned char)s[n - 1]))) n--;
    static const char word[] = "package";
    size_t w = sizeof word - 1;
    if (n >= w && !strncasecmp(s + n - w, word, w) && (n == w || isspace((unsigned char)s[n - w - 1]))) {
        n -= w;
        while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '-' || s[n - 1] == ':')) n--;
    }
    if (n == 0) snprintf(out, len, "Background Check:");
    else snprintf(out, len, "%.*s:", (int)n, s);
}

void bgcheck_tag(const char *status_prefix, int level, char *out, size_t len) {
    const char *label = bgcheck_level_label(level);
    snprintf(out, len, "%s %s", status_prefix, label ? label : "");
}

char *bgcheck_note(const char *status_prefix, int level, const char *order_id, const char *score,
                   const char *report_url) {
    const char *label = bgcheck_level_label(level);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    size_t n = strlen(status_prefix);
    while (n > 0 && status_prefix[n - 1] == ':') n--;
    fprintf(f, "%.*s background check: %s\n", (int)n, status_prefix, label ? label : "");
    if (order_id && *order_id) fprintf(f, "Order ID: %s\n", order_id);
    fprintf(f, "Status: %s", label ? label : "");
    if (level == BGCHECK_LEVEL_COMPLETED && score && *score) fprintf(f, "\nScore: %s", score);
    if (report_url && *report_url) fprintf(f, "\nReport: %s", report_url);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void queue_command(bgcheck_outbox *o, Atsbridge__V1__AtsCommand *cmd) {
    cmd->created_at_ms = events_now_ms();
    size_t len = atsbridge__v1__ats_command__get_packed_size(cmd);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) atsbridge__v1__ats_command__pack(cmd, buf);
    outbox_take(o, TOPIC_ATS_COMMANDS, SCHEMA_COMMAND, cmd->account_id, buf, len);
}

/* check_requested / check_status: account-level, subject = check id, id
 * derived from (check, type, discriminator). No personal data. */
static void queue_event(bgcheck_outbox *o, const char *account, const char *check, const char *type,
                        const char *detail, const char *discriminator) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[64];
    ev.account_id = (char *)account;
    ev.subject_id = (char *)check;
    ev.type = (char *)type;
    ev.detail = (char *)detail;
    events_prepare(&ev, "status", discriminator, id, sizeof id);
    size_t len = atsbridge__v1__application_event__get_packed_size(&ev);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) atsbridge__v1__application_event__pack(&ev, buf);
    outbox_take(o, TOPIC_APPLICATION_EVENTS, EVENT_SCHEMA, account, buf, len);
}

/* Webhooks first (ON CONFLICT DO NOTHING: only new ones go on), then the
 * stage entries among them: event candidateStageChange, an opportunity, a
 * real move (not from the stage to itself) into the account's stage, given
 * by id, by name (case-insensitive) or by the slug of the name (the
 * simulator's ids: "Asurint Background Check" -> asurint-background-check).
 * One entry per opportunity and batch (the earliest), and none while the
 * opportunity has an open check (rank below completed = 5): a duplicate
 * stage change from the ATS creates nothing, a re-entry after a completed,
 * failed or cancelled check creates a new one. The posting comes from the
 * webhook, else from the application atsbridge delivered as this
 * opportunity, else stays empty (delivery then reads the opportunity). */
static const char SQL_WEBHOOKS_ENTRIES[] =
    "WITH u AS ("
    " SELECT DISTINCT ON (webhook_id) u.* FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    "  $5::bigint[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
    "  $12::text[])"
    "  AS u(webhook_id, account_id, ats, event, at_ms, opportunity_id, contact_id, from_stage_id,"
    "       to_stage_id, to_stage_name, posting_id, check_id)"
    " ORDER BY webhook_id"
    "), ins AS ("
    " INSERT INTO status.webhooks (webhook_id, account_id, ats, event, triggered_at, opportunity_id,"
    "  contact_id, from_stage_id, to_stage_id, to_stage_name, posting_id)"
    " SELECT webhook_id, coalesce(account_id, ''), ats, coalesce(event, ''),"
    "  CASE WHEN at_ms > 0 THEN timestamptz 'epoch' + at_ms * interval '1 millisecond' END,"
    "  opportunity_id, contact_id, from_stage_id, to_stage_id, to_stage_name, posting_id"
    " FROM u ON CONFLICT (webhook_id) DO NOTHING"
    " RETURNING webhook_id"
    "), entries AS ("
    " SELECT DISTINCT ON (u.account_id, u.opportunity_id) u.*"
    " FROM u JOIN ins USING (webhook_id) JOIN status.accounts a ON a.account_id = u.account_id"
    " WHERE u.event = 'candidateStageChange' AND u.opportunity_id IS NOT NULL"
    "  AND a.features ? 'background_checks'"
    "  AND NOT (u.to_stage_id IS NOT NULL AND u.to_stage_id = u.from_stage_id)"
    "  AND (u.to_stage_id = a.bgcheck_stage OR lower(u.to_stage_name) = lower(a.bgcheck_stage)"
    "   OR u.to_stage_id = trim(both '-' FROM"
    "        regexp_replace(lower(a.bgcheck_stage), '[^a-z0-9]+', '-', 'g')))"
    "  AND NOT EXISTS (SELECT 1 FROM status.background_checks c WHERE c.account_id = u.account_id"
    "   AND c.opportunity_id = u.opportunity_id AND c.status_rank < 5)"
    " ORDER BY u.account_id, u.opportunity_id, u.at_ms, u.webhook_id"
    ")"
    " INSERT INTO status.background_checks AS c (check_id, account_id, opportunity_id, posting_id,"
    "  contact_id, stage_entry, status, status_rank, reported_rank, created_at, updated_at)"
    " SELECT e.check_id, e.account_id, e.opportunity_id,"
    "  coalesce(e.posting_id, (SELECT max(p.posting_id) FROM status.applications p"
    "   WHERE p.account_id = e.account_id AND p.ats_candidate_id = e.opportunity_id)),"
    "  e.contact_id, e.webhook_id, 'requested', 1, 1, now(), now()"
    " FROM entries e ORDER BY e.check_id"
    /* A row may exist already when an update for the check was stored first
     * (another replica, or this batch's earlier, rolled-back attempt). */
    " ON CONFLICT (check_id) DO UPDATE SET account_id = coalesce(c.account_id, EXCLUDED.account_id),"
    "  opportunity_id = EXCLUDED.opportunity_id, posting_id = EXCLUDED.posting_id,"
    "  contact_id = EXCLUDED.contact_id, stage_entry = EXCLUDED.stage_entry,"
    "  created_at = least(c.created_at, EXCLUDED.created_at)"
    " RETURNING check_id, account_id, opportunity_id, coalesce(posting_id, ''),"
    "  coalesce(contact_id, ''), stage_entry";

int bgcheck_create(PGconn *c, pgarr *cols, int ncols, pgarr *created, bgcheck_outbox *o) {
    const char *params[PW_NCOLS];
    if (ncols != PW_NCOLS) return PROJ_TRANSIENT;
    for (int i = 0; i < ncols; i++)
        if (!(params[i] = pgarr_text(&cols[i]))) return PROJ_TRANSIENT; /* out of memory */
    PGresult *r = pg_exec(c, SQL_WEBHOOKS_ENTRIES, ncols, params);
    if (!pg_ok(r)) {
        proj_result res = proj_classify(c, r);
        PQclear(r);
        return res;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        const char *check = PQgetvalue(r, i, 0), *account = PQgetvalue(r, i, 1);
        char cmd_id[64];
        crypto_derive_id(cmd_id, sizeof cmd_id, "cmd_", check, "order_check", (const char *)NULL);
        Atsbridge__V1__AtsCommand cmd = ATSBRIDGE__V1__ATS_COMMAND__INIT;
        cmd.command_id = cmd_id;
        cmd.account_id = (char *)account;
        cmd.kind = ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK;
        cmd.opportunity_id = PQgetvalue(r, i, 2);
        cmd.check_id = (char *)check;
        cmd.posting_id = PQgetvalue(r, i, 3);
        cmd.contact_id = PQgetvalue(r, i, 4);
        queue_command(o, &cmd);
        queue_event(o, account, check, "check_requested", PQgetvalue(r, i, 5), "");
        pgarr_add(created, check, 0);
    }
    PQclear(r);
    return PROJ_OK;
}

/* The checks of the batch, locked in id order; the levels rise where the
 * status (and, for tags, a known opportunity) says so. The old values come
 * from the locked snapshot, so the caller sees each rise exactly once. */
static const char SQL_OUTBOX[] =
    "WITH o AS ("
    " SELECT check_id, tag_level AS old_level, reported_rank AS old_rank"
    " FROM status.background_checks WHERE check_id = ANY($1::text[] || $2::text[])"
    " ORDER BY check_id FOR UPDATE"
    "), t AS ("
    " UPDATE status.background_checks c SET"
    "  tag_level = CASE WHEN c.opportunity_id IS NULL THEN c.tag_level"
    "   ELSE greatest(c.tag_level, CASE c.status_rank WHEN 2 THEN 1 WHEN 3 THEN 1 WHEN 4 THEN 2"
    "    WHEN 5 THEN 3 ELSE 0 END) END,"
    "  reported_rank = greatest(c.reported_rank, c.status_rank)"
    " FROM o WHERE c.check_id = o.check_id AND (c.status_rank > c.reported_rank"
    "  OR (c.opportunity_id IS NOT NULL AND c.tag_level < CASE c.status_rank WHEN 2 THEN 1"
    "   WHEN 3 THEN 1 WHEN 4 THEN 2 WHEN 5 THEN 3 ELSE 0 END))"
    " RETURNING c.check_id, c.account_id, coalesce(c.opportunity_id, ''), c.status, c.status_rank,"
    "  o.old_level, c.tag_level, o.old_rank, coalesce(c.order_id, ''), coalesce(c.score, ''),"
    "  coalesce(c.report_url, '')"
    ")"
    " SELECT t.*, coalesce(a.bgcheck_status_tag_prefix, ''), coalesce(a.bgcheck_tag_prefix, '')"
    " FROM t LEFT JOIN status.accounts a ON a.account_id = t.account_id"
    " WHERE t.tag_level > t.old_level OR t.status_rank > t.old_rank"
    " ORDER BY t.check_id";

enum {
    OB_CHECK, OB_ACCOUNT, OB_OPP, OB_STATUS, OB_RANK, OB_OLD_LEVEL, OB_LEVEL, OB_OLD_RANK, OB_ORDER,
    OB_SCORE, OB_REPORT, OB_STATUS_PREFIX, OB_TAG_PREFIX
};

static void queue_tags(bgcheck_outbox *o, const PGresult *r, int row, int level) {
    const char *check = PQgetvalue(r, row, OB_CHECK), *account = PQgetvalue(r, row, OB_ACCOUNT);
    const char *label = bgcheck_level_label(level);
    char prefix[160], tags[3][300], ids[3][64];
    char *others[2];
    size_t nothers = 0;
    bgcheck_status_prefix(PQgetvalue(r, row, OB_STATUS_PREFIX), PQgetvalue(r, row, OB_TAG_PREFIX), prefix,
                          sizeof prefix);
    for (int l = BGCHECK_LEVEL_PENDING; l <= BGCHECK_LEVEL_COMPLETED; l++) {
        bgcheck_tag(prefix, l, tags[l - 1], sizeof tags[0]);
        if (l != level) others[nothers++] = tags[l - 1];
    }
    static const char *const kinds[] = {"remove_tags", "add_tags", "add_note"};
    for (int k = 0; k < 3; k++)
        crypto_derive_id(ids[k], sizeof ids[k], "cmd_", check, "status_tag", label, kinds[k], (const char *)NULL);

    Atsbridge__V1__AtsCommand cmd = ATSBRIDGE__V1__ATS_COMMAND__INIT;
    cmd.account_id = (char *)account;
    cmd.opportunity_id = PQgetvalue(r, row, OB_OPP);
    cmd.check_id = (char *)check;

    cmd.command_id = ids[0];
    cmd.kind = ATSBRIDGE__V1__ATS_COMMAND__KIND__REMOVE_TAGS;
    cmd.tags = others;
    cmd.n_tags = nothers;
    queue_command(o, &cmd);

    char *mine[] = {tags[level - 1]};
    cmd.command_id = ids[1];
    cmd.kind = ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_TAGS;
    cmd.tags = mine;
    cmd.n_tags = 1;
    queue_command(o, &cmd);

    char *note = bgcheck_note(prefix, level, PQgetvalue(r, row, OB_ORDER), PQgetvalue(r, row, OB_SCORE),
                              PQgetvalue(r, row, OB_REPORT));
    if (!note) {
        o->oom = 1;
        return;
    }
    cmd.command_id = ids[2];
    cmd.kind = ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE;
    cmd.tags = NULL;
    cmd.n_tags = 0;
    cmd.note = note;
    queue_command(o, &cmd);
    free(note);
}

int bgcheck_outbox_collect(PGconn *c, const char *update_ids, pgarr *created, bgcheck_outbox *o) {
    const char *p[2] = {update_ids ? update_ids : "{}", pgarr_text(created)};
    if (!p[1]) return PROJ_TRANSIENT;
    PGresult *r = pg_exec(c, SQL_OUTBOX, 2, p);
    if (!pg_ok(r)) {
        proj_result res = proj_classify(c, r);
        PQclear(r);
        return res;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int level = (int)strtol(PQgetvalue(r, i, OB_LEVEL), NULL, 10);
        int old_level = (int)strtol(PQgetvalue(r, i, OB_OLD_LEVEL), NULL, 10);
        int rank = (int)strtol(PQgetvalue(r, i, OB_RANK), NULL, 10);
        int old_rank = (int)strtol(PQgetvalue(r, i, OB_OLD_RANK), NULL, 10);
        if (level > old_level && bgcheck_level_label(level)) queue_tags(o, r, i, level);
        /* requested, ordered and failed have events of their own (status's
         * check_requested; delivery's check_ordered and check_failed). */
        const char *status = PQgetvalue(r, i, OB_STATUS);
        if (rank > old_rank && rank != RANK_ORDERED && strcmp(status, "requested") && strcmp(status, "failed"))
            queue_event(o, PQgetvalue(r, i, OB_ACCOUNT), PQgetvalue(r, i, OB_CHECK), "check_status", status,
                        status);
    }
    PQclear(r);
    return PROJ_OK;
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t left;
    int failed;
} send_wait;

static void on_report(rd_kafka_resp_err_t err, void *opaque) {
    send_wait *w = opaque;
    pthread_mutex_lock(&w->mu);
    if (err) w->failed = 1;
    w->left--;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int bgcheck_outbox_send(bgcheck_outbox *o, kafka_producer *p) {
    if (o->oom) return -1;
    if (o->n == 0) return 0;
    if (!p) return -1;
    send_wait w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    /* Count first: a report may arrive before the next message is queued. */
    pthread_mutex_lock(&w.mu);
    w.left = o->n;
    pthread_mutex_unlock(&w.mu);
    for (size_t i = 0; i < o->n; i++) {
        char topic[256];
        kafka_msg m = {.topic = kafka_topic(o->v[i].topic_base, topic, sizeof topic),
                       .key = o->v[i].key[0] ? o->v[i].key : NULL,
                       .payload = o->v[i].buf,
                       .len = o->v[i].len,
                       .schema = o->v[i].schema};
        if (kafka_producer_send_async(p, &m, on_report, &w)) {
            /* Never reported: count it out ourselves. */
            on_report(RD_KAFKA_RESP_ERR__FAIL, &w);
        }
    }
    /* Every queued message reports (message.timeout.ms bounds it), and the
     * reports write into w, so we must not return before the last one. */
    pthread_mutex_lock(&w.mu);
    while (w.left > 0) pthread_cond_wait(&w.cv, &w.mu);
    int failed = w.failed;
    pthread_mutex_unlock(&w.mu);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    return failed ? -1 : 0;
}
