/* common/erasure_listener.c: which messages of application.events are
 * erasures to act on; common/event_peek.c, its filter before decoding. */
#include "erasure_listener.h"
#include "event_peek.h"
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

/* common/event_peek.c: the listeners' filter before decoding. */
Test(event_peek, reads_the_type_like_the_decoder) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.event_id = "ev_1";
    ev.application_id = "app_42";
    ev.at_ms = 1700000000000;
    ev.attempt = 3;
    ev.type = "go_live";
    size_t len;
    uint8_t *buf = pack(&ev, &len);
    cr_expect_eq(event_type_is(buf, len, "go_live"), 1);
    cr_expect_eq(event_type_is(buf, len, "go_liv"), 0, "a prefix");
    cr_expect_eq(event_type_is(buf, len, "go_live_"), 0, "longer");
    cr_expect_eq(event_type_is(buf, len, "erasure_requested"), 0);
    cr_expect_eq(event_type_is(buf, len - 1, "go_live"), 0, "truncated");
    free(buf);
    ev.type = "";
    buf = pack(&ev, &len);
    cr_expect_eq(event_type_is(buf, len, ""), 1, "absent reads as empty");
    cr_expect_eq(event_type_is(buf, len, "go_live"), 0);
    free(buf);
    static const uint8_t twice[] = {0x22, 2, 'a', 'b', 0x22, 2, 'c', 'd'};
    cr_expect_eq(event_type_is(twice, sizeof twice, "cd"), 1, "the last occurrence counts");
    cr_expect_eq(event_type_is(twice, sizeof twice, "ab"), 0);
    static const uint8_t group[] = {0x23, 0x24, 0x22, 2, 'c', 'd'};
    cr_expect_eq(event_type_is(group, sizeof group, "cd"), 0, "a group: not a message we decode");
}
