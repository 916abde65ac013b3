/* produce_batch_then: the end of a batch reported once, after the broker's
 * acknowledgements, without a thread waiting for it. */
#include "harness.h"
#include "kafka_conf.h"
#include "produce_batch.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    atomic_int calls;
    atomic_int err;
} seen_t;

static void on_done(void *arg, rd_kafka_resp_err_t err) {
    seen_t *s = arg;
    atomic_store(&s->err, (int)err);
    atomic_fetch_add(&s->calls, 1);
}

static kafka_producer *producer(void) {
    harness_env_load();
    char unique[64], prefix[80], topic[256], err[256];
    snprintf(prefix, sizeof prefix, "%s.", harness_unique("pb", unique, sizeof unique));
    setenv("ATSB_TOPIC_PREFIX", prefix, 1);
    harness_create_topic(kafka_topic(TOPIC_APPLICATION_EVENTS, topic, sizeof topic), 1);
    kafka_producer *p;
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0, "%s", err);
    return p;
}

static void event(produce_batch *b, const char *app, const char *detail) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = (char *)app;
    ev.account_id = "acc";
    ev.type = "delivering";
    ev.detail = (char *)detail;
    produce_batch_event(b, &ev, "", "");
}

/* Up to 15 s for the report. */
static void wait_calls(seen_t *s) {
    for (int i = 0; i < 300 && atomic_load(&s->calls) == 0; i++) usleep(50 * 1000);
}

Test(produce_batch, then_reports_once_after_the_acks) {
    kafka_producer *p = producer();
    produce_batch *b = produce_batch_new(p, "test");
    cr_assert_not_null(b);
    event(b, "app-1", "");
    event(b, "app-2", "");
    seen_t s = {0};
    produce_batch_then(b, "events", on_done, &s);
    wait_calls(&s);
    usleep(200 * 1000);
    cr_assert_eq(atomic_load(&s.calls), 1);
    cr_assert_eq(atomic_load(&s.err), 0);
    kafka_producer_destroy(p, 5000);
}

Test(produce_batch, then_on_an_empty_batch_reports_at_once) {
    kafka_producer *p = producer();
    seen_t s = {0};
    produce_batch_then(produce_batch_new(p, "test"), "events", on_done, &s);
    cr_assert_eq(atomic_load(&s.calls), 1);
    cr_assert_eq(atomic_load(&s.err), 0);
    kafka_producer_destroy(p, 5000);
}

Test(produce_batch, then_reports_the_first_failure) {
    kafka_producer *p = producer();
    produce_batch *b = produce_batch_new(p, "test");
    size_t n = 2 * 1024 * 1024; /* above message.max.bytes: refused by the producer */
    char *big = malloc(n + 1);
    cr_assert_not_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    event(b, "app-1", "");
    event(b, "app-2", big);
    free(big);
    seen_t s = {0};
    produce_batch_then(b, "events", on_done, &s);
    wait_calls(&s);
    cr_assert_eq(atomic_load(&s.calls), 1);
    cr_assert_neq(atomic_load(&s.err), 0);
    kafka_producer_destroy(p, 5000);
}
