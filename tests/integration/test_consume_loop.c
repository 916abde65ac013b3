/* The consume loop: batches, stores offsets only after LOOP_DONE, retries a
 * failed batch, and dead-letters poison messages with their origin. */
#include "consume_loop.h"
#include "harness.h"
#include "kafka_conf.h"
#include "shutdown.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int calls;
    int fail_first;
    int seen;
    kafka_producer *p;
} ctx_t;

static loop_result handler(void *vctx, rd_kafka_message_t **msgs, size_t n) {
    ctx_t *ctx = vctx;
    ctx->calls++;
    if (ctx->fail_first-- > 0) return LOOP_RETRY;
    for (size_t i = 0; i < n; i++) {
        if (!consume_schema_is(msgs[i], "test.Good")) {
            if (consume_deadletter(ctx->p, msgs[i], "unknown_schema", "schema not handled")) return LOOP_RETRY;
            continue;
        }
        ctx->seen++;
    }
    if (ctx->seen >= 3) shutdown_request();
    return LOOP_DONE;
}

static void produce(kafka_producer *p, const char *topic, const char *schema, const char *v) {
    kafka_msg m = {.topic = topic, .key = "k", .payload = v, .len = strlen(v), .schema = schema};
    cr_assert_eq(kafka_producer_send(p, &m), 0);
}

Test(consume_loop, retries_then_dead_letters_poison) {
    harness_env_load();
    char unique[64], prefix[80];
    snprintf(prefix, sizeof prefix, "%s.", harness_unique("cl", unique, sizeof unique));
    setenv("ATSB_TOPIC_PREFIX", prefix, 1);
    char in[256], dlq[256];
    kafka_topic("in", in, sizeof in);
    kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, dlq, sizeof dlq);
    harness_create_topic(in, 2);
    harness_create_topic(dlq, 1);
    char err[256];
    kafka_producer *p;
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0, "%s", err);
    produce(p, in, "test.Good", "1");
    produce(p, in, "test.Bad", "poison");
    produce(p, in, "test.Good", "2");
    produce(p, in, "test.Good", "3");

    ctx_t ctx = {.fail_first = 2, .p = p};
    const char *topics[] = {"in"};
    char group[64];
    loop_spec spec = {.service = "test", .group = harness_unique("g", group, sizeof group),
                      .topics = topics, .ntopics = 1, .handle = handler, .ctx = &ctx};
    cr_assert_eq(consume_loop_run(&spec), 0);
    cr_assert_eq(ctx.seen, 3);
    cr_assert_geq(ctx.calls, 3, "the failed batch must be handled again");

    /* The poison message is on the dead-letter topic with its origin. */
    kafka_consumer *c;
    const char *dl[] = {dlq};
    cr_assert_eq(kafka_consumer_new("test", "dlq-reader", dl, 1, &c, err, sizeof err), 0);
    rd_kafka_message_t *m = NULL;
    for (int i = 0; i < 300 && !m; i++) m = kafka_consumer_poll(c, 100);
    cr_assert_not_null(m);
    char h[256];
    cr_assert_str_eq(kafka_header(m, "error-code", h, sizeof h), "unknown_schema");
    cr_assert_str_eq(kafka_header(m, "original-topic", h, sizeof h), in);
    cr_assert_str_eq(kafka_header(m, "schema", h, sizeof h), "test.Bad");
    cr_assert_not_null(kafka_header(m, "original-offset", h, sizeof h));
    cr_assert_eq(m->len, 6);
    rd_kafka_message_destroy(m);
    kafka_consumer_destroy(c, 5000);
    kafka_producer_destroy(p, 5000);
}
