/* Operator notifications from status: every event an operator must act on
 * notifies the account's notification_url, signed with the account's
 * secret, retried with backoff, throttled per (account, class) with a count,
 * given up after the last attempt, and each outcome is on the audit trail. */
#include "harness.h"
#include "notify_sink.h"
#include "status_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long wait_sql(status_proc *s, const char *sql, const char *param, long long want) {
    long long n = -1;
    for (int i = 0; i < 300; i++) {
        n = st_sql_num(s, sql, param);
        if (n >= want) break;
        usleep(100 * 1000);
    }
    return n;
}

/* Creates account id with the sink's URL; returns its secret (malloc'd). */
static char *account_with_sink(status_proc *s, const char *id, const char *url, const char *extra) {
    char body[512], path[128];
    snprintf(body, sizeof body, "{\"ats\":\"lever\",\"notification_url\":\"%s\"%s}", url, extra ? extra : "");
    snprintf(path, sizeof path, "/v1/accounts/%s", id);
    json_object *o = NULL;
    cr_assert_eq(st_http(s, "PUT", path, body, ADMIN, &o), 201);
    const char *secret = st_str(o, "notification_secret");
    cr_assert(!strncmp(secret, "nsec_", 5), "the first notification_url comes with a secret: %s",
              json_object_to_json_string(o));
    char *copy = strdup(secret);
    json_object_put(o);
    return copy;
}

/* An account-level event as delivery or status records it. */
static void account_event(status_proc *s, const char *account, const char *type, const char *subject,
                          const char *detail, const char *service) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    char id[256];
    snprintf(id, sizeof id, "ev-%s-%s-%s", type, subject, detail);
    ev.event_id = id;
    ev.account_id = (char *)account;
    ev.subject_id = (char *)subject;
    ev.type = (char *)type;
    ev.detail = (char *)detail;
    ev.service = (char *)service;
    st_emit(s, &ev);
}

static json_object *body_of(notify_sink *k, int i) {
    const notify_post *p = notify_sink_get(k, (size_t)i);
    cr_assert_not_null(p);
    json_object *o = json_tokener_parse(p->body);
    cr_assert_not_null(o, "not JSON: %s", p->body);
    return o;
}

Test(status_notify, every_event_an_operator_must_act_on_notifies, .timeout = 120) {
    char url[128];
    notify_sink *k = notify_sink_start(0, url, sizeof url);
    status_proc s;
    char *env[] = {"ATSB_FEED_CHECK_INTERVAL_S=1", "ATSB_HELD_NOTIFY_AFTER_S=2", "ATSB_NOTIFY_POLL_MS=100", NULL};
    st_start(&s, env);
    char *secret = account_with_sink(&s, "acme", url, ",\"feed_interval_s\":2");
    int64_t now = st_now_ms();
    st_event(&s, "ntf-failed-1", "acme", "failed", 3, now, "invalid_field", NULL, "the ATS refused a field");
    st_event(&s, "ntf-rejected-1", "acme", "rejected", 0, now, "unanswerable_question", NULL, NULL);
    st_event(&s, "ntf-held-1", "acme", "held", 0, now - 60000, NULL, NULL, "test_mode");
    account_event(&s, "acme", "connection_broken", "acme/Connection-OAuth-1", "connection_broken", "delivery");
    account_event(&s, "acme", "connection_broken", "acme/Connection-OAuth-1", "reauthorization_required",
                  "delivery");
    account_event(&s, "acme", "check_failed", "chk_ntf_1", "provider refused the order", "delivery");
    /* The feed monitor raises its alert by itself (no received event for 2 s). */
    static const struct {
        const char *cls, *subject, *code;
    } want[] = {
        {"application_failed", "ntf-failed-1", "invalid_field"},
        {"application_rejected", "ntf-rejected-1", "unanswerable_question"},
        {"application_held", "ntf-held-1", NULL},
        {"connection_broken", "acme/Connection-OAuth-1", "connection_broken"},
        {"reauthorization_required", "acme/Connection-OAuth-1", "reauthorization_required"},
        {"bgcheck_failed", "chk_ntf_1", NULL},
        {"feed_alert", "acme", NULL},
    };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int i = notify_sink_wait(k, want[w].cls, 30000);
        cr_assert_geq(i, 0, "a %s notification (log %s)", want[w].cls, s.log);
        cr_expect(notify_sink_verifies(k, (size_t)i, secret), "%s is signed with the account's secret",
                  want[w].cls);
        json_object *o = body_of(k, i);
        cr_expect_str_eq(st_str(o, "account_id"), "acme");
        cr_expect_eq(st_int(o, "count"), 1);
        cr_expect_str_eq(st_str(o, "notification_id"), notify_sink_get(k, (size_t)i)->id);
        cr_expect_neq(st_str(o, "message")[0], '\0');
        const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE);
        char quoted[160];
        snprintf(quoted, sizeof quoted, "\"%s\"", want[w].subject);
        cr_expect(strstr(text, quoted), "%s names %s: %s", want[w].cls, want[w].subject, text);
        if (want[w].code) {
            snprintf(quoted, sizeof quoted, "\"%s\"", want[w].code);
            cr_expect(strstr(text, quoted), "%s has code %s: %s", want[w].cls, want[w].code, text);
        }
        cr_expect_null(strstr(text, "provider refused"), "free text stays out: %s", text);
        json_object_put(o);
    }
    /* Each one sent is on the audit trail, without the secret. */
    cr_expect_eq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE account_id = $1"
                              " AND type = 'notification_sent'", "acme", 7), 7);
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.events WHERE strpos(coalesce(detail, ''), $1) > 0",
                            secret),
                 0);
    notify_sink_stop(k);
    free(secret);
    st_stop(&s);
}

Test(status_notify, signed_retried_recorded_and_rotated, .timeout = 120) {
    char url[128];
    notify_sink *k = notify_sink_start(2, url, sizeof url);
    status_proc s;
    char *env[] = {"ATSB_NOTIFY_POLL_MS=100", "ATSB_NOTIFY_BACKOFF_BASE_MS=200", "ATSB_NOTIFY_BACKOFF_CAP_MS=500",
                   NULL};
    st_start(&s, env);
    char *secret = account_with_sink(&s, "retry", url, NULL);
    st_event(&s, "ntf-retry-1", "retry", "failed", 1, st_now_ms(), "invalid_field", NULL, NULL);
    int i = notify_sink_wait(k, "application_failed", 30000);
    cr_assert_eq(i, 2, "503 twice, delivered on the third try (log %s)", s.log);
    for (size_t j = 0; j < 3; j++) {
        const notify_post *p = notify_sink_get(k, j);
        cr_expect_eq(p->status, j < 2 ? 503 : 200);
        cr_expect(notify_sink_verifies(k, j, secret), "attempt %zu is signed", j + 1);
        cr_expect_str_eq(p->id, notify_sink_get(k, 0)->id, "the same notification each time");
        cr_expect_str_eq(p->body, notify_sink_get(k, 0)->body);
    }
    cr_expect_eq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE type = 'notification_sent'"
                              " AND subject_id = $1 AND detail = 'attempts=3'", notify_sink_get(k, 2)->id, 1),
                 1, "sent after 3 attempts, on the audit trail");

    /* GET never shows the secret. */
    json_object *o = NULL;
    cr_assert_eq(st_get(&s, "/v1/accounts/retry", &o), 200);
    cr_expect(json_object_get_boolean(json_object_object_get(o, "notification_secret_set")));
    cr_expect_null(strstr(json_object_to_json_string(o), "nsec_"));
    json_object_put(o);

    /* Rotation: the next notification is signed with the new secret only. */
    cr_expect_eq(st_http(&s, "POST", "/v1/accounts/retry/notification-secret", NULL, NULL, NULL), 401);
    cr_expect_eq(st_http(&s, "POST", "/v1/accounts/nobody/notification-secret", NULL, ADMIN, NULL), 404);
    cr_assert_eq(st_http(&s, "POST", "/v1/accounts/retry/notification-secret", NULL, ADMIN, &o), 200);
    char *fresh = strdup(st_str(o, "notification_secret"));
    json_object_put(o);
    cr_assert(!strncmp(fresh, "nsec_", 5) && strcmp(fresh, secret));
    st_event(&s, "ntf-retry-2", "retry", "rejected", 0, st_now_ms(), "unanswerable_question", NULL, NULL);
    i = notify_sink_wait(k, "application_rejected", 30000);
    cr_assert_geq(i, 0);
    cr_expect(notify_sink_verifies(k, (size_t)i, fresh));
    cr_expect_not(notify_sink_verifies(k, (size_t)i, secret));
    cr_expect_geq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE account_id = $1"
                               " AND type = 'notification_secret_rotated'", "retry", 1), 1);
    notify_sink_stop(k);
    free(secret);
    free(fresh);
    st_stop(&s);
}

Test(status_notify, throttled_with_a_count_and_given_up, .timeout = 120) {
    char url[128], dead_url[128];
    notify_sink *k = notify_sink_start(0, url, sizeof url);
    notify_sink *dead = notify_sink_start(1000, dead_url, sizeof dead_url);
    status_proc s;
    char *env[] = {"ATSB_NOTIFY_POLL_MS=100",       "ATSB_NOTIFY_WINDOW_S=4",
                   "ATSB_NOTIFY_MAX_ATTEMPTS=2",    "ATSB_NOTIFY_BACKOFF_BASE_MS=100",
                   "ATSB_NOTIFY_BACKOFF_CAP_MS=200", NULL};
    st_start(&s, env);
    char *secret = account_with_sink(&s, "flood", url, NULL);
    char *dead_secret = account_with_sink(&s, "dead", dead_url, NULL);

    /* A flood: the first notification goes out at once, the rest waits for
     * the window and comes as one notification with the count. */
    for (int n = 0; n < 5; n++) {
        char app[32];
        snprintf(app, sizeof app, "ntf-flood-%d", n);
        st_event(&s, app, "flood", "failed", 1, st_now_ms(), "invalid_field", NULL, NULL);
    }
    cr_assert_eq(wait_sql(&s, "SELECT count(*) FROM status.notification_events WHERE account_id = $1", "flood", 5),
                 5);
    int first = notify_sink_wait(k, "application_failed", 30000);
    cr_assert_eq(first, 0);
    json_object *o = body_of(k, first);
    int64_t c1 = st_int(o, "count");
    json_object_put(o);
    cr_assert(c1 >= 1 && c1 <= 5);
    if (c1 < 5) {
        usleep(1500 * 1000);
        cr_expect_eq(notify_sink_count(k), 1, "nothing more within the window");
        for (int waited = 0; waited < 15000 && notify_sink_count(k) < 2; waited += 100) usleep(100 * 1000);
        cr_assert_eq(notify_sink_count(k), 2, "the rest after the window, in one notification");
        o = body_of(k, 1);
        cr_expect_eq(st_int(o, "count"), 5 - c1, "with the count of what it stands for");
        json_object_put(o);
        cr_expect(notify_sink_verifies(k, 1, secret));
    }

    /* A receiver that never answers 2xx: given up after 2 attempts, recorded. */
    st_event(&s, "ntf-dead-1", "dead", "failed", 1, st_now_ms(), "invalid_field", NULL, NULL);
    cr_expect_eq(wait_sql(&s, "SELECT count(*) FROM status.events WHERE account_id = $1"
                              " AND type = 'notification_failed' AND detail = 'attempts=2 last_error=http_503'",
                          "dead", 1),
                 1, "given up and recorded (log %s)", s.log);
    cr_expect_eq(notify_sink_count(dead), 2);
    cr_expect(notify_sink_verifies(dead, 0, dead_secret));
    cr_expect_eq(st_sql_num(&s, "SELECT count(*) FROM status.notifications WHERE account_id = $1"
                                " AND state = 'failed'", "dead"),
                 1);
    notify_sink_stop(k);
    notify_sink_stop(dead);
    free(secret);
    free(dead_secret);
    st_stop(&s);
}
