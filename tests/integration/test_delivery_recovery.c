/* No duplicates, no losses: kill -9 of delivery in the middle of requests,
 * then a restart: every application ends with exactly one candidate. Also the
 * Lever activation flow (state single use, expiry) and ats.commands. */
#include "dtest.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_producer.h"

#include "atsbridge/v1/ats.pb-c.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static dtest t;
static void setup(void) { dtest_setup(&t); }
static void teardown(void) { dtest_teardown(&t); }
TestSuite(delivery_recovery, .init = setup, .fini = teardown, .timeout = 280);

#define N_APPS 10

Test(delivery_recovery, kill9_mid_batch_leaves_exactly_one_candidate_each) {
    dtest_account(&t, "acc", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");
    json_object_put(dtest_sim(&t, "POST", "/_sim/faults",
                              "{\"target\":\"lever.apply\",\"mode\":\"latency\",\"latency_ms\":700}"));
    dtest_app apps[N_APPS];
    for (int i = 0; i < N_APPS; i++) dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, i % 2, &apps[i]);
    /* Wait until some are delivered and others are in flight, then SIGKILL. */
    for (int i = 0; i < 600; i++) {
        char *n = dtest_query1(&t, "SELECT count(*) FROM delivery.ledger WHERE state='DELIVERED'", 0, NULL);
        long done = strtol(n, NULL, 10);
        free(n);
        if (done >= 2) break;
        usleep(100 * 1000);
    }
    char *inflight = dtest_query1(&t, "SELECT count(*) FROM delivery.ledger WHERE state='IN_FLIGHT'", 0, NULL);
    dtest_stop_delivery(&t, 1);
    cr_log_info("killed with %s in flight", inflight);
    free(inflight);
    json_object_put(dtest_sim(&t, "DELETE", "/_sim/faults", NULL));
    sleep(1); /* requests the dead process left behind complete at the simulator */
    dtest_start_delivery(&t);
    dtest_assert_delivered_once(&t, apps, N_APPS);
}

/* The callback URL from the simulator's 302 page: href="...", with &amp;. */
static char *redirect_target(const char *html) {
    const char *h = strstr(html, "href=\"");
    cr_assert_not_null(h, "%s", html);
    h += 6;
    const char *end = strchr(h, '"');
    char *out = calloc(1, (size_t)(end - h) + 1);
    size_t j = 0;
    for (const char *p = h; p < end; p++) {
        if (!strncmp(p, "&amp;", 5)) {
            out[j++] = '&';
            p += 4;
        } else {
            out[j++] = *p;
        }
    }
    return out;
}

/* Issues an activation link; follows it at the simulator; returns our callback URL. */
static char *activate(char *link_out, size_t link_len) {
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "%s/v1/accounts/acc/connections/lever", t.delivery);
    cr_assert_eq(harness_http("POST", url, "{}", "Authorization: Bearer dev-admin-token", &body), 201, "%s", body);
    json_object *o = json_tokener_parse(body);
    snprintf(link_out, link_len, "%s", dtest_jstr(o, "activation_url"));
    json_object_put(o);
    free(body);
    char *html = NULL;
    cr_assert_eq(harness_http("GET", link_out, NULL, NULL, &html), 302);
    char *cb = redirect_target(html);
    free(html);
    return cb;
}

Test(delivery_recovery, lever_activation_state_single_use_and_expiry) {
    dtest_account(&t, "acc", "lever", "live", NULL);
    dtest_start_delivery(&t);
    char link[2048];
    char *cb = activate(link, sizeof link);
    /* Exactly the seven parameters, in Lever's order. */
    const char *q = strchr(link, '?');
    cr_assert_not_null(q);
    static const char *const keys[] = {"client_id=", "redirect_uri=", "state=", "scope=", "response_type=code",
                                       "prompt=consent", "audience=https://api.lever.co/v1/"};
    const char *p = q + 1;
    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(strncmp(p, keys[i], strlen(keys[i])), 0, "param %zu in %s", i, link);
        p = strchr(p, '&');
        if (i < 6) cr_assert_not_null(p, "%s", link);
        if (p) p++;
    }
    cr_assert_null(p, "no extra parameters: %s", link);
    /* The account runs background checks and exports: their scopes too. */
    cr_assert_not_null(strstr(link, "scope=offline_access%20postings:read:admin%20postings:write:admin%20uploads:write:admin"
                                    "%20opportunities:write:admin%20notes:write:admin%20stages:read:admin"
                                    "%20tags:read:admin%20webhooks:write:admin&"),
                       "%s", link);
    char *body = NULL;
    cr_assert_eq(harness_http("GET", cb, NULL, NULL, &body), 200, "%s", body);
    free(body);
    cr_assert_eq(harness_http("GET", cb, NULL, NULL, &body), 400, "state is single use");
    cr_assert_not_null(strstr(body, "invalid_state"));
    free(body);
    free(cb);
    char *n = dtest_query1(&t, "SELECT count(*) FROM delivery.connections WHERE account_id='acc' AND secret_box IS NOT NULL", 0, NULL);
    cr_assert_str_eq(n, "1");
    free(n);
    /* Expired state. */
    cb = activate(link, sizeof link);
    dtest_sql(&t, "UPDATE delivery.oauth_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL");
    cr_assert_eq(harness_http("GET", cb, NULL, NULL, &body), 400);
    cr_assert_not_null(strstr(body, "state_expired"), "%s", body);
    free(body);
    free(cb);
    /* The connection works: an application gets delivered with the exchanged tokens. */
    dtest_app a;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0, "see %s", t.dir);
    char url[256];
    snprintf(url, sizeof url, "%s/v1/accounts/acc/connections/Connection-OAuth-1", t.delivery);
    cr_assert_eq(harness_http("DELETE", url, NULL, "Authorization: Bearer dev-admin-token", &body), 200);
    free(body);
    cr_assert_eq(harness_http("GET", url, NULL, "Authorization: Bearer dev-admin-token", &body), 200);
    cr_assert_not_null(strstr(body, "\"status\":\"revoked\""), "%s", body);
    free(body);
}

static void command(const char *id, Atsbridge__V1__AtsCommand__Kind kind, const char *opp, const char *posting) {
    Atsbridge__V1__AtsCommand c = ATSBRIDGE__V1__ATS_COMMAND__INIT;
    char *tags[] = {"atsbridge-test"};
    c.command_id = (char *)id;
    c.account_id = "acc";
    c.kind = kind;
    c.opportunity_id = (char *)opp;
    c.posting_id = (char *)posting;
    c.check_id = (char *)id;
    c.tags = tags;
    c.n_tags = 1;
    c.note = "Background check: ordered";
    size_t len = atsbridge__v1__ats_command__get_packed_size(&c);
    uint8_t *buf = malloc(len);
    atsbridge__v1__ats_command__pack(&c, buf);
    char err[256], topic[256];
    kafka_producer *p;
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0);
    kafka_msg m = {.topic = kafka_topic(TOPIC_ATS_COMMANDS, topic, sizeof topic), .key = "acc", .payload = buf,
                   .len = len, .schema = "atsbridge.v1.AtsCommand"};
    cr_assert_eq(kafka_producer_send(p, &m), 0);
    kafka_producer_destroy(p, 5000);
    free(buf);
}

static int wait_command(const char *id, const char *state) {
    const char *p[] = {id};
    for (int i = 0; i < 300; i++) {
        char *s = dtest_query1(&t, "SELECT state FROM delivery.commands WHERE command_id=$1", 1, p);
        int ok = !strcmp(s, state);
        free(s);
        if (ok) return 0;
        usleep(200 * 1000);
    }
    return -1;
}

Test(delivery_recovery, commands_tags_notes_and_background_checks) {
    dtest_account(&t, "acc", "lever", "live", NULL);
    dtest_start_delivery(&t);
    dtest_lever_connection(&t, "acc");
    dtest_app a, b;
    dtest_produce(&t, "acc", "lever", "demo-lever-posting", 1, 0, &a);
    dtest_produce(&t, "acc", "lever", "lever-posting-unlisted-office", 1, 0, &b);
    cr_assert_eq(dtest_wait_state(&t, a.app_id, "DELIVERED", 60000), 0);
    cr_assert_eq(dtest_wait_state(&t, b.app_id, "DELIVERED", 60000), 0);
    const char *pa[] = {a.app_id}, *pb[] = {b.app_id};
    char *opp_a = dtest_query1(&t, "SELECT ats_candidate_id FROM delivery.ledger WHERE application_id=$1", 1, pa);
    char *opp_b = dtest_query1(&t, "SELECT ats_candidate_id FROM delivery.ledger WHERE application_id=$1", 1, pb);
    command("cmd-tag", ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_TAGS, opp_a, "");
    command("cmd-tag", ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_TAGS, opp_a, ""); /* same id again */
    command("cmd-note", ATSBRIDGE__V1__ATS_COMMAND__KIND__ADD_NOTE, opp_a, "");
    command("chk-1", ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK, opp_a, "demo-lever-posting");
    command("chk-2", ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK, opp_b, "lever-posting-unlisted-office");
    /* No posting in the command: delivery reads the opportunity's posting. */
    command("chk-3", ATSBRIDGE__V1__ATS_COMMAND__KIND__ORDER_CHECK, opp_a, "");
    cr_assert_eq(wait_command("cmd-tag", "DONE"), 0, "see %s", t.dir);
    cr_assert_eq(wait_command("cmd-note", "DONE"), 0);
    cr_assert_eq(wait_command("chk-1", "DONE"), 0);
    cr_assert_eq(wait_command("chk-2", "DONE"), 0);
    cr_assert_eq(wait_command("chk-3", "DONE"), 0);
    json_object *ledger = dtest_sim(&t, "GET", "/_sim/ledger", NULL), *lever, *tags, *notes, *prov, *orders;
    json_object_object_get_ex(ledger, "lever", &lever);
    json_object_object_get_ex(lever, "tags", &tags);
    json_object_object_get_ex(lever, "notes", &notes);
    json_object_object_get_ex(ledger, "provider", &prov);
    json_object_object_get_ex(prov, "orders", &orders);
    int ntags = 0, fix_note = 0, plain_note = 0;
    for (size_t i = 0; i < json_object_array_length(tags); i++) {
        json_object *tg = json_object_array_get_idx(tags, i);
        if (!strcmp(dtest_jstr(tg, "opportunity_id"), opp_a)) {
            ntags++;
            cr_assert_eq(dtest_jint(tg, "create_requests"), 1, "executed once per command id");
        }
    }
    for (size_t i = 0; i < json_object_array_length(notes); i++) {
        json_object *n = json_object_array_get_idx(notes, i);
        if (!strcmp(dtest_jstr(n, "opportunity_id"), opp_b) && strstr(dtest_jstr(n, "value"), "Asurint Package:"))
            fix_note++;
        if (!strcmp(dtest_jstr(n, "opportunity_id"), opp_a)) plain_note++;
    }
    cr_assert_eq(ntags, 1);
    cr_assert_eq(plain_note, 1);
    cr_assert_eq(fix_note, 1, "a note says what to fix");
    cr_assert_eq(json_object_array_length(orders), 2, "chk-1 and chk-3 ordered");
    json_object *order = NULL;
    for (size_t i = 0; i < json_object_array_length(orders); i++) {
        json_object *o = json_object_array_get_idx(orders, i);
        cr_assert_str_eq(dtest_jstr(o, "package"), "Basic Search + Employment + Education",
                         "the package of the opportunity's posting, also without posting_id");
        if (!strcmp(dtest_jstr(o, "reference"), "chk-1")) order = o;
    }
    cr_assert_not_null(order);
    json_object *upd = dtest_read_topic(&t, TOPIC_BGCHECK_UPDATES, 1000);
    cr_assert_eq(json_object_array_length(upd), 3, "ORDERED, FAILED and ORDERED reported");
    int by_order = 0;
    for (size_t i = 0; i < json_object_array_length(upd); i++) {
        json_object *u = json_object_array_get_idx(upd, i);
        by_order += !strcmp(dtest_jstr(u, "key"), dtest_jstr(order, "order_id"));
        if (!strcmp(dtest_jstr(u, "check_id"), "chk-2")) {
            cr_assert_eq(dtest_jint(u, "status"), ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_FAILED);
            cr_assert_str_eq(dtest_jstr(u, "reason"), "no package tag", "the contract's reason, exactly");
        } else {
            cr_assert_eq(dtest_jint(u, "status"), ATSBRIDGE__V1__CHECK_STATUS__CHECK_STATUS_ORDERED);
            cr_assert(strstr(dtest_jstr(u, "report_url"), "/provider/reports/"), "ORDERED carries the report link: %s",
                      dtest_jstr(u, "report_url"));
        }
    }
    cr_assert_eq(by_order, 1, "ORDERED keyed by the order id");
    json_object_put(upd);
    json_object_put(ledger);
    free(opp_a);
    free(opp_b);
}
