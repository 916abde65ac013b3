/* common/erasure_listener.c: which messages of application.events are
 * erasures to act on. */
#include "erasure_listener.h"
#include "events.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *pack(const Atsbridge__V1__ApplicationEvent *ev, size_t *len) {
    *len = atsbridge__v1__application_event__get_packed_size(ev);
    uint8_t *buf = malloc(*len ? *len : 1);
    cr_assert_not_null(buf);
    atsbridge__v1__application_event__pack(ev, buf);
    return buf;
}

static int match(const char *schema, const Atsbridge__V1__ApplicationEvent *ev, erasure_target *t) {
    size_t len;
    uint8_t *buf = pack(ev, &len);
    int m = erasure_listener_match(schema, buf, len, t);
    free(buf);
    return m;
}

Test(erasure_listener, an_erasure_request_names_its_application_and_account) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.event_id = "ev_1";
    ev.application_id = "app_42";
    ev.account_id = "acme";
    ev.type = "erasure_requested";
    ev.detail = "admin";
    erasure_target t;
    cr_assert_eq(match(EVENT_SCHEMA, &ev, &t), 1);
    cr_expect_str_eq(t.application_id, "app_42");
    cr_expect_str_eq(t.account_id, "acme");
    ev.account_id = NULL; /* the account is optional */
    cr_assert_eq(match(EVENT_SCHEMA, &ev, &t), 1);
    cr_expect_str_eq(t.account_id, "");
}

Test(erasure_listener, everything_else_is_ignored) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = "app_42";
    ev.type = "erasure_done"; /* the confirmations come back on the same topic */
    erasure_target t;
    cr_expect_eq(match(EVENT_SCHEMA, &ev, &t), 0);
    ev.type = "delivered";
    cr_expect_eq(match(EVENT_SCHEMA, &ev, &t), 0);
    ev.type = "erasure_requested";
    cr_expect_eq(match("atsbridge.v1.AtsWebhook", &ev, &t), 0, "another schema");
    cr_expect_eq(match(NULL, &ev, &t), 0, "no schema header");
    ev.application_id = "";
    cr_expect_eq(match(EVENT_SCHEMA, &ev, &t), 0, "an account-level event names no application");
    char long_id[ERASURE_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    ev.application_id = long_id;
    cr_expect_eq(match(EVENT_SCHEMA, &ev, &t), 0, "an id longer than status accepts");
    long_id[ERASURE_ID_MAX] = '\0';
    cr_expect_eq(match(EVENT_SCHEMA, &ev, &t), 1, "the longest id status accepts");
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x01};
    cr_expect_eq(erasure_listener_match(EVENT_SCHEMA, junk, sizeof junk, &t), 0, "undecodable");
}
