/* A consumer killed with SIGKILL before storing its offset gets the message
 * again after restart; what it stored and committed is not redelivered. */
#include "harness.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void produce(const char *topic, const char *value) {
    char err[256];
    kafka_producer *p;
    cr_assert_eq(kafka_producer_new("test", &p, err, sizeof err), 0, "%s", err);
    kafka_msg m = {.topic = topic, .key = "k", .payload = value, .len = strlen(value),
                   .schema = "test.Plain"};
    cr_assert_eq(kafka_producer_send(p, &m), RD_KAFKA_RESP_ERR_NO_ERROR);
    kafka_producer_destroy(p, 5000);
}

static rd_kafka_message_t *next(kafka_consumer *c) {
    rd_kafka_message_t *m = NULL;
    for (int i = 0; i < 600 && !m; i++) m = kafka_consumer_poll(c, 100);
    return m;
}

static int is(const rd_kafka_message_t *m, const char *v) {
    return m && m->len == strlen(v) && memcmp(m->payload, v, m->len) == 0;
}

Test(redelivery, sigkill_before_store_redelivers) {
    harness_env_load();
    char topic[128], group[128];
    harness_unique("redeliver", topic, sizeof topic);
    harness_unique("g", group, sizeof group);
    harness_create_topic(topic, 1);
    produce(topic, "first");
    produce(topic, "second");
    const char *topics[] = {topic};

    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        char err[256];
        kafka_consumer *c;
        if (kafka_consumer_new("test", group, topics, 1, &c, err, sizeof err)) _exit(10);
        rd_kafka_message_t *m = next(c);
        if (!is(m, "first")) _exit(11);
        if (kafka_consumer_store(c, m) || kafka_consumer_commit(c)) _exit(12);
        rd_kafka_message_destroy(m);
        m = next(c);
        if (!is(m, "second")) _exit(13);
        raise(SIGKILL); /* effects of "second" never became durable */
        _exit(14);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child did not die by SIGKILL (status %d)",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);

    /* Let the dead member's session (6 s in tests) expire first: a member that
     * joins while the group still waits for the dead one can stall on a loaded
     * machine. Production restarts see the same wait, once. */
    sleep(7);
    char err[256];
    kafka_consumer *c;
    cr_assert_eq(kafka_consumer_new("test", group, topics, 1, &c, err, sizeof err), 0, "%s", err);
    rd_kafka_message_t *m = next(c);
    cr_assert(is(m, "second"), "expected the unstored message again");
    rd_kafka_message_destroy(m);
    kafka_consumer_destroy(c, 10000);
}
