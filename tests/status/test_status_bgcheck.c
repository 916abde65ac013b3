/* Background checks in status: a stage change into the account's
 * background-check stage creates one check per entry and orders it once;
 * provider updates move it forward only and replace the opportunity's
 * status tag with a note, each command exactly once whatever the
 * redelivery or arrival order. The test produces AtsWebhook and
 * BackgroundCheckUpdate messages itself and reads ats.commands to its high
 * watermark (everything a batch emits is in Kafka before the batch commits,
 * so once the API shows a batch's effect, its commands are readable). */
#include "consume_loop.h"
#include "harness.h"
#include "kafka_conf.h"
#include "status_support.h"

#include "atsbridge/v1/ats.pb-c.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ACCOUNT "acme"
#define STAGE_ID "asurint-background-check" /* tools/atssim/seed.json */
#define KIND(k) ATSBRIDGE__V1__ATS_COMMAND__KIND__##k
#define ST(s) ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_##s

/* ---- ats.commands, read from the beginning without a group ---- */

typedef struct {
    rd_kafka_t *rk;
    char topic[256];
    int nparts;
    int64_t pos[16];
    Atsbridge__V1__AtsCommand *cmds[256];
    size_t n;
} reader;

static void reader_open(reader *r) {
    memset(r, 0, sizeof *r);
    char err[256];
    rd_kafka_conf_t *conf = kafka_conf_new("test-reader", err, sizeof err);
    cr_assert_not_null(conf, "%s", err);
    char group[96];
    harness_unique("reader", group, sizeof group);
    cr_assert_eq(kafka_conf_set(conf, "group.id", group, err, sizeof err), 0, "%s", err);
    cr_assert_eq(kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err), 0, "%s", err);
    r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    cr_assert_not_null(r->rk, "%s", err);
    kafka_topic(TOPIC_ATS_COMMANDS, r->topic, sizeof r->topic);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(r->rk, r->topic, NULL);
    cr_assert_eq(rd_kafka_metadata(r->rk, 0, t, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    r->nparts = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    cr_assert(r->nparts > 0 && r->nparts <= 16, "ats.commands has %d partitions", r->nparts);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(r->nparts);
    for (int p = 0; p < r->nparts; p++)
        rd_kafka_topic_partition_list_add(l, r->topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    cr_assert_eq(rd_kafka_assign(r->rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
}

/* Reads every command up to the current high watermarks. */
static void reader_drain(reader *r) {
    int64_t hi[16];
    for (int p = 0; p < r->nparts; p++) {
        int64_t lo;
        cr_assert_eq(rd_kafka_query_watermark_offsets(r->rk, r->topic, p, &lo, &hi[p], 10000),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
        if (r->pos[p] < lo) r->pos[p] = lo;
    }
    for (int waited = 0; waited < 60000; waited += 100) {
        int behind = 0;
        for (int p = 0; p < r->nparts; p++) behind += r->pos[p] < hi[p];
        if (!behind) return;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 100);
        if (!m) continue;
        if (!m->err && m->partition >= 0 && m->partition < r->nparts) {
            r->pos[m->partition] = m->offset + 1;
            cr_assert(consume_schema_is(m, "atsbridge.v1.AtsCommand"), "schema header");
            char key[64];
            cr_assert_str_eq(kafka_header(m, "producer", key, sizeof key), "status");
            cr_assert_eq(m->key_len, strlen(ACCOUNT), "key is the account id");
            cr_assert_eq(memcmp(m->key, ACCOUNT, m->key_len), 0);
            Atsbridge__V1__AtsCommand *c = atsbridge__v1__ats_command__unpack(NULL, m->len, m->payload);
            cr_assert_not_null(c);
            cr_assert_lt(r->n, 256);
            r->cmds[r->n++] = c;
        }
        rd_kafka_message_destroy(m);
    }
    cr_assert_fail("ats.commands not read to its high watermark");
}

static void reader_close(reader *r) {
    for (size_t i = 0; i < r->n; i++) atsbridge__v1__ats_command__free_unpacked(r->cmds[i], NULL);
    rd_kafka_consumer_close(r->rk);
    rd_kafka_destroy(r->rk);
}

/* Commands of kind for check (NULL: any check), counted; *last gets the latest. */
static size_t count(reader *r, int kind, const char *check, Atsbridge__V1__AtsCommand **last) {
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        if ((int)r->cmds[i]->kind == kind && (!check || !strcmp(r->cmds[i]->check_id, check))) {
            n++;
            if (last) *last = r->cmds[i];
        }
    return n;
}

/* ---- producing ---- */

static void webhook(status_proc *s, const char *id, const char *opp, const char *from, const char *to_id,
                    const char *to_name) {
    Atsbridge__V1__AtsWebhook w = ATSBRIDGE__V1__ATS_WEBHOOK__INIT;
    w.webhook_id = (char *)id;
    w.account_id = ACCOUNT;
    w.ats = "lever";
    w.event = "candidateStageChange";
    w.triggered_at_ms = st_now_ms();
    w.opportunity_id = (char *)opp;
    w.contact_id = "contact-1";
    w.from_stage_id = (char *)(from ? from : "");
    w.to_stage_id = (char *)(to_id ? to_id : "");
    w.to_stage_name = (char *)(to_name ? to_name : "");
    uint8_t buf[1024];
    size_t len = atsbridge__v1__ats_webhook__pack(&w, buf);
    st_raw(s, "ats.webhooks", "atsbridge.v1.AtsWebhook", buf, len, ACCOUNT);
}

static void update(status_proc *s, const char *uid, const char *check, const char *order, int status,
                   const char *score, const char *report, const char *reason) {
    Atsbridge__V1__BackgroundCheckUpdate u = ATSBRIDGE__V1__BACKGROUND_CHECK_UPDATE__INIT;
    u.update_id = (char *)uid;
    u.check_id = (char *)check;
    u.order_id = (char *)(order ? order : "");
    u.status = status;
    u.score = (char *)(score ? score : "");
    u.report_url = (char *)(report ? report : "");
    u.reason = (char *)(reason ? reason : "");
    u.occurred_at_ms = st_now_ms();
    u.account_id = ACCOUNT;
    uint8_t buf[1024];
    size_t len = atsbridge__v1__background_check_update__pack(&u, buf);
    st_raw(s, "bgcheck.updates", "atsbridge.v1.BackgroundCheckUpdate", buf, len, order && *order ? order : check);
}

static void start(status_proc *s, const char *account_body) {
    st_start(s, NULL);
    char path[64];
    snprintf(path, sizeof path, "/v1/accounts/%s", ACCOUNT);
    cr_assert_eq(st_http(s, "PUT", path, account_body ? account_body : "{\"ats\":\"lever\"}", ADMIN, NULL), 201);
    cr_assert_eq(st_http(s, "PUT", path,
                         "{\"features\":[\"background_checks\"],\"provider_client_id\":\"demo-asurint-client\"}",
                         ADMIN, NULL),
                 200);
}

/* ---- waiting on the API ---- */

/* Waits until webhook id is stored (its batch committed). */
static void wait_webhook(status_proc *s, const char *id) {
    long long n = 0;
    for (int i = 0; i < 300 && n == 0; i++) {
        n = st_sql_num(s, "SELECT count(*) FROM status.webhooks WHERE webhook_id = $1", id);
        if (!n) usleep(100 * 1000);
    }
    cr_assert_eq(n, 1, "webhook %s not stored", id);
}

static size_t list_len(json_object *o, const char *key) {
    json_object *a;
    return o && json_object_object_get_ex(o, key, &a) && a ? json_object_array_length(a) : 0;
}

static int checks_at_least(json_object *o, void *arg) {
    return list_len(o, "background_checks") >= (size_t)(intptr_t)arg;
}

/* The opportunity's checks once there are at least n (caller puts). */
static json_object *checks_of(status_proc *s, const char *opp, size_t n) {
    char path[128];
    snprintf(path, sizeof path, "/v1/background-checks?opportunity=%s", opp);
    json_object *o = st_poll(s, path, checks_at_least, (void *)(intptr_t)n, 30000);
    cr_assert(list_len(o, "background_checks") >= n, "%s: expected %zu checks", opp, n);
    return o;
}

/* The id of the opportunity's i-th check (oldest first). */
static void check_id(status_proc *s, const char *opp, size_t i, char *out, size_t len) {
    json_object *o = checks_of(s, opp, i + 1), *a;
    json_object_object_get_ex(o, "background_checks", &a);
    snprintf(out, len, "%s", st_str(json_object_array_get_idx(a, i), "check_id"));
    json_object_put(o);
}

static int has_update(json_object *o, void *arg) {
    json_object *a;
    if (!json_object_object_get_ex(o, "updates", &a)) return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++)
        if (!strcmp(st_str(json_object_array_get_idx(a, i), "update_id"), arg)) return 1;
    return 0;
}

/* Waits until update uid of check is stored (its batch committed); returns the check. */
static json_object *after_update(status_proc *s, const char *check, const char *uid) {
    char path[128];
    snprintf(path, sizeof path, "/v1/background-checks/%s", check);
    json_object *o = st_poll(s, path, has_update, (void *)uid, 30000);
    cr_assert(o && has_update(o, (void *)uid), "update %s of %s not stored", uid, check);
    return o;
}

static int has_event(json_object *o, const char *type, const char *detail) {
    json_object *a;
    if (!json_object_object_get_ex(o, "events", &a)) return 0;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *e = json_object_array_get_idx(a, i);
        if (!strcmp(st_str(e, "type"), type) && (!detail || !strcmp(st_str(e, "detail"), detail))) return 1;
    }
    return 0;
}

typedef struct {
    const char *type, *detail;
} want_event;

static int event_present(json_object *o, void *arg) {
    const want_event *w = arg;
    return has_event(o, w->type, w->detail);
}

static void expect_event(status_proc *s, const char *check, const char *type, const char *detail) {
    char path[128];
    snprintf(path, sizeof path, "/v1/background-checks/%s", check);
    want_event w = {type, detail};
    json_object *o = st_poll(s, path, event_present, &w, 30000);
    cr_expect(o && has_event(o, type, detail), "%s: no %s event (%s)", check, type, detail ? detail : "");
    json_object_put(o);
}

static int tags_are(const Atsbridge__V1__AtsCommand *c, const char *a, const char *b) {
    size_t want = b ? 2 : 1;
    if (c->n_tags != want) return 0;
    for (size_t i = 0; i < c->n_tags; i++)
        if (strcmp(c->tags[i], a) && (!b || strcmp(c->tags[i], b))) return 0;
    return 1;
}

/* The three commands of the transition of check to label: exactly once each. */
static void expect_transition(reader *r, const char *check, size_t nth, const char *label, const char *other1,
                              const char *other2) {
    Atsbridge__V1__AtsCommand *rm = NULL, *add = NULL, *note = NULL;
    cr_expect_eq(count(r, KIND(REMOVE_TAGS), check, &rm), nth, "REMOVE_TAGS for %s", label);
    cr_expect_eq(count(r, KIND(ADD_TAGS), check, &add), nth, "ADD_TAGS for %s", label);
    cr_expect_eq(count(r, KIND(ADD_NOTE), check, &note), nth, "ADD_NOTE for %s", label);
    cr_assert(rm && add && note);
    char tag[128], o1[128], o2[128];
    snprintf(tag, sizeof tag, "Asurint: %s", label);
    snprintf(o1, sizeof o1, "Asurint: %s", other1);
    snprintf(o2, sizeof o2, "Asurint: %s", other2);
    cr_expect(tags_are(add, tag, NULL), "ADD_TAGS %s", add->n_tags ? add->tags[0] : "(none)");
    cr_expect(tags_are(rm, o1, o2), "REMOVE_TAGS of the other status tags");
    char status_line[128];
    snprintf(status_line, sizeof status_line, "Status: %s", label);
    cr_expect(strstr(note->note, status_line), "note: %s", note->note);
    cr_expect_str_eq(note->opportunity_id, "opp-1");
    cr_expect_str_eq(rm->account_id, ACCOUNT);
    cr_expect_neq(strcmp(rm->command_id, add->command_id), 0);
}

static int delivered(json_object *o, void *arg) {
    (void)arg;
    return !strcmp(st_str(o, "state"), "delivered") && !strcmp(st_str(o, "ats_candidate_id"), "opp-9");
}

/* ---- tests ---- */

Test(status_bgcheck, stage_entry_creates_one_check_and_orders_it_once) {
    status_proc s;
    start(&s, NULL);
    reader r;
    reader_open(&r);
    /* By stage id (the simulator's slug of the default stage name). */
    webhook(&s, "wh-1", "opp-1", "phone-screen", STAGE_ID, NULL);
    webhook(&s, "wh-1", "opp-1", "phone-screen", STAGE_ID, NULL);   /* redelivered */
    webhook(&s, "wh-1b", "opp-1", "phone-screen", STAGE_ID, NULL);  /* the ATS sent the move twice */
    webhook(&s, "wh-2", "opp-2", "phone-screen", "offer", "Offer"); /* another stage */
    webhook(&s, "wh-3", "opp-3", "phone-screen", "9f0c-uuid", "asurint background check"); /* by name */
    webhook(&s, "wh-4", "opp-4", STAGE_ID, STAGE_ID, NULL);          /* not a move */
    char c1[64], c3[64];
    check_id(&s, "opp-1", 0, c1, sizeof c1);
    check_id(&s, "opp-3", 0, c3, sizeof c3);
    /* A marker on the same partition: once its check exists, everything before was applied. */
    webhook(&s, "wh-m", "opp-marker", "phone-screen", STAGE_ID, NULL);
    json_object_put(checks_of(&s, "opp-marker", 1));
    reader_drain(&r);

    json_object *o = checks_of(&s, "opp-1", 1);
    cr_expect_eq(list_len(o, "background_checks"), 1, "one check for one entry");
    json_object_put(o);
    o = NULL;
    cr_expect_eq(st_get(&s, "/v1/background-checks?opportunity=opp-2", &o), 200);
    cr_expect_eq(list_len(o, "background_checks"), 0);
    json_object_put(o);
    o = NULL;
    cr_expect_eq(st_get(&s, "/v1/background-checks?opportunity=opp-4", &o), 200);
    cr_expect_eq(list_len(o, "background_checks"), 0);
    json_object_put(o);

    Atsbridge__V1__AtsCommand *order = NULL;
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), NULL, NULL), 3, "opp-1, opp-3 and the marker");
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), c1, &order), 1);
    cr_assert_not_null(order);
    cr_expect_str_eq(order->opportunity_id, "opp-1");
    cr_expect_str_eq(order->contact_id, "contact-1");
    cr_expect_str_eq(order->account_id, ACCOUNT);
    cr_expect_str_eq(order->posting_id, "", "no posting known: delivery reads the opportunity");
    cr_expect_gt(strlen(order->command_id), 4);
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), c3, NULL), 1);
    cr_expect_eq(count(&r, KIND(ADD_TAGS), NULL, NULL), 0, "no tags before the order");

    char path[128];
    snprintf(path, sizeof path, "/v1/background-checks/%s", c1);
    cr_assert_eq(st_get(&s, path, &o), 200);
    cr_expect_str_eq(st_str(o, "status"), "requested");
    cr_expect_str_eq(st_str(o, "opportunity_id"), "opp-1");
    cr_expect_str_eq(st_str(o, "stage_entry"), "wh-1");
    json_object_put(o);
    expect_event(&s, c1, "check_requested", NULL);
    reader_close(&r);
    st_stop(&s);
}

Test(status_bgcheck, transitions_replace_the_tag_and_add_a_note_once_each) {
    status_proc s;
    start(&s, NULL);
    reader r;
    reader_open(&r);
    webhook(&s, "wh-1", "opp-1", "phone-screen", STAGE_ID, NULL);
    char c[64];
    check_id(&s, "opp-1", 0, c, sizeof c);

    /* delivery placed the order: the provider has e-mailed the candidate. */
    update(&s, "u-ordered", c, "ord-1", ST(ORDERED), NULL, NULL, NULL);
    json_object_put(after_update(&s, c, "u-ordered"));
    reader_drain(&r);
    expect_transition(&r, c, 1, "Pending Candidate", "In Progress", "Completed");
    Atsbridge__V1__AtsCommand *note = NULL;
    count(&r, KIND(ADD_NOTE), c, &note);
    cr_expect(strstr(note->note, "Order ID: ord-1"), "note: %s", note->note);

    /* The provider's own Pending Candidate: same tag, nothing new. */
    update(&s, "u-pending", c, "ord-1", ST(PENDING_CANDIDATE), NULL, "https://provider.example/r/1", NULL);
    json_object_put(after_update(&s, c, "u-pending"));
    reader_drain(&r);
    cr_expect_eq(count(&r, KIND(ADD_TAGS), c, NULL), 1);

    /* In Progress, redelivered, and repeated by the provider. */
    update(&s, "u-progress", c, "ord-1", ST(IN_PROGRESS), NULL, "https://provider.example/r/1", NULL);
    update(&s, "u-progress", c, "ord-1", ST(IN_PROGRESS), NULL, "https://provider.example/r/1", NULL);
    update(&s, "u-progress-2", c, "ord-1", ST(IN_PROGRESS), NULL, "https://provider.example/r/1", NULL);
    json_object_put(after_update(&s, c, "u-progress-2"));
    reader_drain(&r);
    expect_transition(&r, c, 2, "In Progress", "Pending Candidate", "Completed");
    count(&r, KIND(ADD_NOTE), c, &note);
    cr_expect(strstr(note->note, "Order ID: ord-1"), "note: %s", note->note);
    cr_expect(strstr(note->note, "Report: https://provider.example/r/1"), "note: %s", note->note);
    cr_expect_null(strstr(note->note, "Score:"));

    /* Completed with the score; then a late Pending Candidate. */
    update(&s, "u-done", c, "ord-1", ST(COMPLETED), "Eligible for Hire", "https://provider.example/r/1", NULL);
    json_object_put(after_update(&s, c, "u-done"));
    update(&s, "u-late", c, "ord-1", ST(PENDING_CANDIDATE), NULL, "https://provider.example/r/1", NULL);
    json_object *o = after_update(&s, c, "u-late");
    reader_drain(&r);
    expect_transition(&r, c, 3, "Completed", "Pending Candidate", "In Progress");
    count(&r, KIND(ADD_NOTE), c, &note);
    cr_expect(strstr(note->note, "Asurint background check: Completed"), "note: %s", note->note);
    cr_expect(strstr(note->note, "Score: Eligible for Hire"), "note: %s", note->note);
    cr_expect(strstr(note->note, "Report: https://provider.example/r/1"), "note: %s", note->note);
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), NULL, NULL), 1);
    cr_expect_eq(r.n, 10, "one order and three transitions of three commands");

    cr_expect_str_eq(st_str(o, "status"), "completed");
    cr_expect_str_eq(st_str(o, "score"), "Eligible for Hire");
    cr_expect_str_eq(st_str(o, "order_id"), "ord-1");
    cr_expect_str_eq(st_str(o, "report_url"), "https://provider.example/r/1");
    json_object_put(o);
    expect_event(&s, c, "check_status", "pending_candidate");
    expect_event(&s, c, "check_status", "in_progress");
    expect_event(&s, c, "check_status", "completed");
    reader_close(&r);
    st_stop(&s);
}

Test(status_bgcheck, out_of_order_callbacks_never_move_backwards) {
    status_proc s;
    start(&s, "{\"ats\":\"lever\",\"bgcheck_status_tag_prefix\":\"Asurint:\"}");
    reader r;
    reader_open(&r);
    webhook(&s, "wh-1", "opp-1", "phone-screen", NULL, "Asurint Background Check");
    char c[64];
    check_id(&s, "opp-1", 0, c, sizeof c);
    /* Completed overtakes everything, in one batch with an older In Progress. */
    update(&s, "u-done", c, "ord-7", ST(COMPLETED), "Review", "https://provider.example/r/7", NULL);
    update(&s, "u-progress", c, "ord-7", ST(IN_PROGRESS), NULL, "https://provider.example/r/7", NULL);
    json_object_put(after_update(&s, c, "u-progress"));
    update(&s, "u-pending", c, "ord-7", ST(PENDING_CANDIDATE), NULL, "https://provider.example/r/7", NULL);
    update(&s, "u-ordered", c, "ord-7", ST(ORDERED), NULL, NULL, NULL); /* delivery's report, late */
    json_object *o = after_update(&s, c, "u-ordered");
    json_object_put(after_update(&s, c, "u-pending"));
    reader_drain(&r);
    cr_expect_str_eq(st_str(o, "status"), "completed");
    cr_expect_str_eq(st_str(o, "score"), "Review");
    json_object_put(o);
    expect_transition(&r, c, 1, "Completed", "Pending Candidate", "In Progress");
    Atsbridge__V1__AtsCommand *note = NULL;
    count(&r, KIND(ADD_NOTE), c, &note);
    cr_expect(strstr(note->note, "Score: Review"), "note: %s", note->note);
    cr_expect_eq(r.n, 4, "the order and one transition");
    reader_close(&r);
    st_stop(&s);
}

Test(status_bgcheck, reentry_after_an_ended_check_creates_a_new_one_and_failures_show) {
    status_proc s;
    start(&s, NULL);
    reader r;
    reader_open(&r);
    webhook(&s, "wh-1", "opp-1", "phone-screen", STAGE_ID, NULL);
    char c1[64], c2[64], c3[64];
    check_id(&s, "opp-1", 0, c1, sizeof c1);
    /* Leaving and re-entering while the check is open: no new check. */
    webhook(&s, "wh-2", "opp-1", STAGE_ID, "offer", NULL);
    webhook(&s, "wh-3", "opp-1", "offer", STAGE_ID, NULL);
    wait_webhook(&s, "wh-3"); /* another topic: the completion must come after it */
    update(&s, "u-1", c1, "ord-1", ST(COMPLETED), "Eligible for Hire", "https://provider.example/r/1", NULL);
    json_object_put(after_update(&s, c1, "u-1"));
    /* After completion: re-entry creates a second check. */
    webhook(&s, "wh-4", "opp-1", STAGE_ID, "offer", NULL);
    webhook(&s, "wh-5", "opp-1", "offer", STAGE_ID, NULL);
    check_id(&s, "opp-1", 1, c2, sizeof c2);
    cr_expect_neq(strcmp(c1, c2), 0);

    /* No package tag: delivery noted it on the opportunity and reports FAILED. */
    update(&s, "u-2", c2, NULL, ST(FAILED), NULL, NULL, "no package tag");
    json_object *o = after_update(&s, c2, "u-2");
    cr_expect_str_eq(st_str(o, "status"), "failed");
    cr_expect_str_eq(st_str(o, "reason"), "no package tag");
    json_object_put(o);
    /* Fixed and moved again: a third check; the connection is revoked meanwhile. */
    webhook(&s, "wh-6", "opp-1", STAGE_ID, "offer", NULL);
    webhook(&s, "wh-7", "opp-1", "offer", STAGE_ID, NULL);
    check_id(&s, "opp-1", 2, c3, sizeof c3);
    update(&s, "u-3", c3, NULL, ST(FAILED), NULL, NULL, "connection revoked");
    o = after_update(&s, c3, "u-3");
    cr_expect_str_eq(st_str(o, "status"), "failed");
    cr_expect_str_eq(st_str(o, "reason"), "connection revoked");
    json_object_put(o);
    /* A marker so the last webhooks are surely applied. */
    webhook(&s, "wh-m", "opp-marker", "phone-screen", STAGE_ID, NULL);
    json_object_put(checks_of(&s, "opp-marker", 1));
    reader_drain(&r);

    o = checks_of(&s, "opp-1", 3);
    cr_expect_eq(list_len(o, "background_checks"), 3);
    json_object_put(o);
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), NULL, NULL), 4, "three entries of opp-1 and the marker");
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), c1, NULL), 1);
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), c2, NULL), 1);
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), c3, NULL), 1);
    /* Only the completed check tagged the opportunity; failures leave tags and notes to delivery. */
    cr_expect_eq(count(&r, KIND(ADD_TAGS), NULL, NULL), 1);
    cr_expect_eq(count(&r, KIND(ADD_NOTE), NULL, NULL), 1);
    reader_close(&r);
    st_stop(&s);
}

Test(status_bgcheck, stage_and_tag_prefix_come_from_the_account) {
    status_proc s;
    start(&s, "{\"ats\":\"lever\",\"bgcheck_stage\":\"stage-bg\",\"bgcheck_tag_prefix\":\"Checkr Package:\"}");
    reader r;
    reader_open(&r);
    webhook(&s, "wh-0", "opp-0", "phone-screen", STAGE_ID, "Asurint Background Check"); /* not this account's */
    webhook(&s, "wh-1", "opp-1", "phone-screen", "stage-bg", NULL);
    char c[64];
    check_id(&s, "opp-1", 0, c, sizeof c);
    update(&s, "u-1", c, "ord-1", ST(IN_PROGRESS), NULL, NULL, NULL);
    json_object_put(after_update(&s, c, "u-1"));
    reader_drain(&r);
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), NULL, NULL), 1);
    Atsbridge__V1__AtsCommand *add = NULL, *note = NULL;
    cr_expect_eq(count(&r, KIND(ADD_TAGS), c, &add), 1);
    cr_expect_eq(count(&r, KIND(ADD_NOTE), c, &note), 1);
    cr_assert(add && note);
    cr_expect(tags_are(add, "Checkr: In Progress", NULL), "tag %s", add->n_tags ? add->tags[0] : "");
    cr_expect(strstr(note->note, "Checkr background check: In Progress"), "note: %s", note->note);
    cr_expect_null(strstr(note->note, "Report:"), "no report link known yet");
    json_object *o = NULL;
    cr_expect_eq(st_get(&s, "/v1/background-checks?opportunity=opp-0", &o), 200);
    cr_expect_eq(list_len(o, "background_checks"), 0);
    json_object_put(o);

    /* The posting: the application atsbridge delivered as the opportunity. */
    st_event(&s, "app-9", ACCOUNT, "received", 0, 0, NULL, NULL, NULL); /* posting-1 */
    st_event(&s, "app-9", ACCOUNT, "delivered", 1, 0, NULL, "opp-9", NULL);
    json_object_put(st_poll(&s, "/v1/applications/app-9", delivered, NULL, 30000));
    webhook(&s, "wh-9", "opp-9", "phone-screen", "stage-bg", NULL);
    check_id(&s, "opp-9", 0, c, sizeof c);
    reader_drain(&r);
    Atsbridge__V1__AtsCommand *order = NULL;
    cr_expect_eq(count(&r, KIND(ORDER_CHECK), c, &order), 1);
    cr_expect_str_eq(order ? order->posting_id : "", "posting-1");
    reader_close(&r);
    st_stop(&s);
}

Test(status_bgcheck, no_check_for_an_account_without_the_feature) {
    status_proc s;
    st_start(&s, NULL);
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/" ACCOUNT, "{\"ats\":\"lever\"}", ADMIN, NULL), 201);
    webhook(&s, "wh-1", "opp-1", "phone-screen", STAGE_ID, "Asurint Background Check");
    wait_webhook(&s, "wh-1");
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.background_checks WHERE opportunity_id = $1", "opp-1"), 0,
                 "background_checks is not among the account's features");
    st_stop(&s);
}
