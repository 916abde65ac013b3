/* status housekeeping: feed alerts raised and cleared, erasure on request
 * and by retention, leaving no personal data behind. */
#include "harness.h"
#include "status_support.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *alert_state(json_object *o) {
    json_object *a;
    return json_object_object_get_ex(o, "alert", &a) ? st_str(a, "state") : "";
}

static int alert_is(json_object *o, void *want) { return !strcmp(alert_state(o), want); }

static char *metrics(status_proc *s) {
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", s->port);
    cr_assert_eq(harness_http("GET", url, NULL, NULL, &body), 200);
    return body;
}

static long long wait_sql(status_proc *s, const char *sql, const char *param, long long want) {
    long long n = -1;
    for (int i = 0; i < 200; i++) {
        n = st_sql_num(s, sql, param);
        if (n == want) break;
        usleep(100 * 1000);
    }
    return n;
}

Test(status_monitor, feed_alert_raised_when_silent_and_cleared_when_traffic_resumes) {
    status_proc s;
    char *env[] = {"ATSB_FEED_CHECK_INTERVAL_S=1", NULL};
    st_start(&s, env);
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/feedy", "{\"ats\":\"lever\",\"feed_interval_s\":4}",
                         ADMIN, NULL),
                 201);
    json_object *o = st_poll(&s, "/v1/accounts/feedy/sync", alert_is, "ok", 5000);
    cr_expect_str_eq(alert_state(o), "ok", "not yet silent for 4 s");
    json_object_put(o);
    o = st_poll(&s, "/v1/accounts/feedy/sync", alert_is, "raised", 15000);
    cr_assert_str_eq(alert_state(o), "raised");
    json_object_put(o);
    char *m = metrics(&s);
    cr_expect(strstr(m, "atsb_feed_alert{account=\"feedy\"} 1"), "%s", m);
    free(m);

    /* Traffic resumes. */
    st_event(&s, "feed-app-1", "feedy", "received", 0, st_now_ms(), NULL, NULL, NULL);
    o = st_poll(&s, "/v1/accounts/feedy/sync", alert_is, "ok", 3500);
    cr_assert_str_eq(alert_state(o), "ok");
    cr_expect_neq(st_str(o, "last_received_at")[0], '\0');
    json_object_put(o);
    m = metrics(&s);
    cr_expect(strstr(m, "atsb_feed_alert{account=\"feedy\"} 0"), "%s", m);
    free(m);

    /* Both transitions are on the audit trail. */
    cr_expect_geq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE account_id = $1"
                               " AND type = 'feed_alert_raised'", "feedy", 1), 1);
    cr_expect_geq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE account_id = $1"
                               " AND type = 'feed_alert_cleared'", "feedy", 1), 1);

    /* An account without an interval is not monitored. */
    cr_assert_eq(st_http(&s, "PUT", "/v1/accounts/quiet", "{\"ats\":\"lever\"}", ADMIN, NULL), 201);
    cr_assert_eq(st_get(&s, "/v1/accounts/quiet/sync", &o), 200);
    cr_expect_str_eq(alert_state(o), "off");
    json_object_put(o);
    st_stop(&s);
}

static int state_is(json_object *o, void *arg) { return !strcmp(st_str(o, "state"), arg); }

/* Every text column of every status table, searched for needle. */
static long long occurrences(status_proc *s, const char *needle) {
    return st_sql_num(s,
                      "SELECT count(*) FROM ("
                      " SELECT to_jsonb(t)::text AS j FROM status.applications t UNION ALL"
                      " SELECT to_jsonb(t)::text FROM status.events t UNION ALL"
                      " SELECT to_jsonb(t)::text FROM status.webhooks t UNION ALL"
                      " SELECT to_jsonb(t)::text FROM status.background_checks t UNION ALL"
                      " SELECT to_jsonb(t)::text FROM status.check_updates t) x"
                      " WHERE strpos(j, $1) > 0",
                      needle);
}

Test(status_monitor, erasure_leaves_no_personal_data) {
    status_proc s;
    st_start(&s, NULL);
    st_event(&s, "gone-1", "acme", "received", 0, 0, NULL, NULL, NULL);
    st_event(&s, "gone-1", "acme", "resolved", 0, 0, NULL, NULL, NULL);
    st_event(&s, "gone-1", "acme", "delivered", 1, 0, NULL, "opp-secret-42", NULL);
    st_event(&s, "kept-1", "acme", "received", 0, 0, NULL, NULL, NULL);
    Atsbridge__V1__AtsWebhook wh = ATSBRIDGE__V1__ATS_WEBHOOK__INIT;
    wh.webhook_id = "wh-9";
    wh.account_id = "acme";
    wh.event = "candidateStageChange";
    wh.opportunity_id = "opp-secret-42";
    wh.contact_id = "contact-secret-7";
    uint8_t buf[256];
    size_t len = atsbridge__v1__ats_webhook__pack(&wh, buf);
    st_raw(&s, "ats.webhooks", "atsbridge.v1.AtsWebhook", buf, len, "acme");
    json_object_put(st_poll(&s, "/v1/applications/gone-1", state_is, "delivered", 20000));
    cr_assert_eq(wait_sql(&s, "SELECT count(*) FROM status.webhooks WHERE webhook_id = $1", "wh-9", 1), 1);
    cr_assert_gt(occurrences(&s, "opp-secret-42"), 0);

    cr_expect_eq(st_http(&s, "DELETE", "/v1/applications/gone-1", NULL, NULL, NULL), 401);
    cr_expect_eq(st_http(&s, "DELETE", "/v1/applications/never-seen", NULL, ADMIN, NULL), 404);
    json_object *o = NULL;
    cr_assert_eq(st_http(&s, "DELETE", "/v1/applications/gone-1", NULL, ADMIN, &o), 202);
    cr_expect_str_eq(st_str(o, "erasure"), "requested");
    json_object_put(o);

    cr_expect_eq(st_get(&s, "/v1/applications/gone-1", &o), 404);
    json_object *e;
    cr_expect(json_object_object_get_ex(o, "error", &e) && !strcmp(st_str(e, "code"), "erased"));
    json_object_put(o);
    cr_expect_eq(occurrences(&s, "opp-secret-42"), 0, "ATS candidate id left behind");
    cr_expect_eq(occurrences(&s, "contact-secret-7"), 0, "ATS contact id left behind");
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.applications WHERE application_id = $1", "gone-1"), 0);

    /* The request itself is on application.events (and back in status). */
    cr_expect_eq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE application_id = $1"
                              " AND type = 'erasure_requested'", "gone-1", 1), 1);
    /* Late redelivery does not resurrect it; another service confirms. */
    st_event(&s, "gone-1", "acme", "delivered", 1, 0, NULL, "opp-secret-42", NULL);
    Atsbridge__V1__ApplicationEvent done = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    done.application_id = "gone-1";
    done.account_id = "acme";
    done.type = "erasure_done";
    done.service = "delivery";
    st_emit(&s, &done);
    st_event(&s, "marker", "acme", "received", 0, 0, NULL, NULL, NULL);
    json_object_put(st_poll(&s, "/v1/applications/marker", NULL, NULL, 20000));
    cr_expect_eq(st_get(&s, "/v1/applications/gone-1", NULL), 404);
    cr_expect_eq(occurrences(&s, "opp-secret-42"), 0);
    o = st_poll(&s, "/v1/erasures/gone-1", NULL, NULL, 5000);
    cr_assert_not_null(o);
    cr_expect_str_eq(st_str(o, "reason"), "admin");
    json_object *conf;
    for (int i = 0; i < 50; i++) {
        if (json_object_object_get_ex(o, "confirmations", &conf) && json_object_array_length(conf) == 2) break;
        json_object_put(o);
        o = NULL;
        st_get(&s, "/v1/erasures/gone-1", &o);
        usleep(100 * 1000);
    }
    /* status confirms its own part; delivery's came from outside. */
    cr_assert(json_object_object_get_ex(o, "confirmations", &conf) && json_object_array_length(conf) == 2);
    cr_expect_str_eq(st_str(json_object_array_get_idx(conf, 0), "service"), "delivery");
    cr_expect_str_eq(st_str(json_object_array_get_idx(conf, 1), "service"), "status");
    json_object *b, *pending;
    cr_expect(json_object_object_get_ex(o, "complete", &b) && !json_object_get_boolean(b));
    cr_assert(json_object_object_get_ex(o, "pending", &pending) && json_object_array_length(pending) == 2);
    cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(pending, 0)), "ingest");
    cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(pending, 1)), "questions");
    json_object_put(o);
    /* The application's data key is destroyed (a tombstone row). */
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM keys.data_keys WHERE subject_id = $1"
                                " AND wrapped IS NULL AND destroyed_at IS NOT NULL", "gone-1"), 1);
    /* Repeating the request is harmless; the other application is untouched. */
    cr_expect_eq(st_http(&s, "DELETE", "/v1/applications/gone-1", NULL, ADMIN, NULL), 202);
    cr_expect_eq(st_get(&s, "/v1/applications/kept-1", NULL), 200);
    st_stop(&s);
}

Test(status_monitor, retention_erases_applications_past_the_window) {
    status_proc s;
    char *env[] = {"ATSB_RETENTION_DAYS=30", "ATSB_RETENTION_CHECK_INTERVAL_S=1", NULL};
    st_start(&s, env);
    int64_t now = st_now_ms();
    st_event(&s, "ancient", "acme", "received", 0, now - 40LL * 86400 * 1000, NULL, NULL, NULL);
    st_event(&s, "recent", "acme", "received", 0, now, NULL, NULL, NULL);
    json_object_put(st_poll(&s, "/v1/applications/recent", NULL, NULL, 20000));
    cr_expect_eq(wait_sql(&s, "SELECT count(*) FROM status.erasures WHERE application_id = $1", "ancient", 1), 1);
    json_object *o = NULL;
    cr_expect_eq(st_get(&s, "/v1/applications/ancient", NULL), 404);
    cr_assert_eq(st_get(&s, "/v1/erasures/ancient", &o), 200);
    cr_expect_str_eq(st_str(o, "reason"), "retention");
    json_object_put(o);
    cr_expect_eq(st_get(&s, "/v1/applications/recent", NULL), 200);
    st_stop(&s);
}
