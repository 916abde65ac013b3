/* Chaos against a real Apache Kafka (ATSB_BROKER=kafka; skipped on devbroker):
 * a child process produces N messages with the idempotent producer while the
 * broker is SIGKILLed and restarted on the same log directory, twice. Every
 * message whose delivery report said success must then be consumed exactly
 * once, and no message may appear twice.
 *
 * The test runs its own broker (scripts/kafka, under $ATSB_TESTENV_DIR) so
 * killing it never disturbs other tests; the fixture's `testenv stop` also
 * stops it should this process die before its fini. */
#include "config.h"
#include "harness.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_MSGS 2000

static char broker_dir[1024];
static char script_log[1100];
static pid_t producer_pid = -1;

static int kafka_script(const char *cmd, const char *arg) { return harness_kafka(cmd, broker_dir, arg, script_log); }

/* The last line scripts/kafka wrote (its one-line reason when it failed). */
static const char *script_reason(char *buf, size_t len) {
    char *text = harness_read_file(script_log);
    snprintf(buf, len, "no output");
    if (text) {
        size_t n = strlen(text);
        while (n > 0 && text[n - 1] == '\n') text[--n] = '\0';
        char *nl = strrchr(text, '\n');
        snprintf(buf, len, "%s", nl ? nl + 1 : text);
        free(text);
    }
    return buf;
}

static void teardown(void) {
    if (producer_pid > 0) {
        kill(producer_pid, SIGKILL);
        waitpid(producer_pid, NULL, 0);
        producer_pid = -1;
    }
    if (broker_dir[0]) kafka_script("stop", NULL);
}

static void on_report(rd_kafka_resp_err_t err, void *opaque) {
    *(char *)opaque = err == RD_KAFKA_RESP_ERR_NO_ERROR ? '1' : '0';
}

/* The child: produces N_MSGS payloads "id-NNNNN" at a steady pace, waits for
 * every delivery report, writes one byte per message ('1' acknowledged, '0'
 * failed) to acked_path, and exits 0. */
static _Noreturn void produce(const char *topic, const char *acked_path) {
    static char acked[N_MSGS];
    char err[256];
    kafka_producer *p;
    memset(acked, '?', sizeof acked);
    /* Long enough to outlive the broker's restarts: nothing may fail for time. */
    setenv("ATSB_KAFKA_MESSAGE_TIMEOUT_MS", "120000", 1);
    if (kafka_producer_new("chaos", &p, err, sizeof err)) {
        fprintf(stderr, "producer: %s\n", err);
        _exit(10);
    }
    for (int i = 0; i < N_MSGS; i++) {
        char payload[32], key[16];
        snprintf(payload, sizeof payload, "id-%05d", i);
        snprintf(key, sizeof key, "k%d", i % 16);
        kafka_msg m = {.topic = topic, .key = key, .payload = payload, .len = strlen(payload),
                       .schema = "test.Plain"};
        if (kafka_producer_send_async(p, &m, on_report, &acked[i])) acked[i] = '0';
        usleep(3000);
    }
    kafka_producer_destroy(p, 150000);
    FILE *f = fopen(acked_path, "w");
    if (!f || fwrite(acked, 1, sizeof acked, f) != sizeof acked || fclose(f) != 0) _exit(11);
    _exit(0);
}

Test(kafka_chaos, sigkill_broker_while_producing_idempotently, .fini = teardown, .timeout = 280) {
    harness_env_load();
    const char *broker = getenv("ATSB_BROKER");
    if (!broker || strcmp(broker, "kafka") != 0)
        cr_skip_test("needs a real Kafka broker (ATSB_BROKER=kafka)");

    const char *envdir = getenv("ATSB_TESTENV_DIR");
    snprintf(broker_dir, sizeof broker_dir, "%s/kafka-chaos-%d", envdir, (int)getpid());
    snprintf(script_log, sizeof script_log, "%s.log", broker_dir);
    char port[16];
    snprintf(port, sizeof port, "%d", harness_low_free_port());
    char why[512];
    cr_assert_eq(kafka_script("start", port), 0, "broker did not start: %s", script_reason(why, sizeof why));
    char bootstrap[64];
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%s", port);
    setenv("ATSB_KAFKA_BROKERS", bootstrap, 1);

    char topic[128], group[128], acked_path[1200];
    harness_unique("chaos", topic, sizeof topic);
    harness_unique("g", group, sizeof group);
    snprintf(acked_path, sizeof acked_path, "%s/acked", broker_dir);
    harness_create_topic(topic, 4);

    producer_pid = fork();
    cr_assert(producer_pid >= 0, "fork failed");
    if (producer_pid == 0) produce(topic, acked_path);

    /* Two kills: one while producing, one right after the broker is back,
     * while the messages queued during the outage are being delivered. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    usleep(1500 * 1000);
    cr_assert_eq(kafka_script("restart", "--kill"), 0, "first restart failed: %s", script_reason(why, sizeof why));
    usleep(300 * 1000);
    cr_assert_eq(kafka_script("restart", "--kill"), 0, "second restart failed: %s", script_reason(why, sizeof why));

    int st = 0;
    pid_t done = 0;
    for (int i = 0; i < 1800 && done == 0; i++) {
        done = waitpid(producer_pid, &st, WNOHANG);
        if (done == 0) usleep(100 * 1000);
    }
    cr_assert_eq(done, producer_pid, "producer did not finish within 180 s");
    producer_pid = -1;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "producer process failed (status %d)",
              WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    char *acked = harness_read_file(acked_path);
    cr_assert(acked && strlen(acked) == N_MSGS, "no delivery record from the producer");
    int nacked = 0;
    for (int i = 0; i < N_MSGS; i++) nacked += acked[i] == '1';
    cr_log_info("chaos: %d of %d messages acknowledged in %.1f s across two broker kills", nacked, N_MSGS,
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    /* The producer retries through the outages; most messages must make it,
     * or the check below would prove little. */
    cr_assert(nacked >= N_MSGS / 2, "only %d of %d messages acknowledged", nacked, N_MSGS);

    char err[256];
    kafka_consumer *c;
    const char *topics[] = {topic};
    cr_assert_eq(kafka_consumer_new("chaos", group, topics, 1, &c, err, sizeof err), 0, "%s", err);
    static int seen[N_MSGS];
    memset(seen, 0, sizeof seen);
    int acked_seen = 0, dups = 0, strays = 0, idle = 0;
    /* Read until every acknowledged message arrived, then 2 s more for
     * duplicates; give up after 20 s without a message. */
    while (idle < (acked_seen == nacked ? 20 : 200)) {
        rd_kafka_message_t *m = kafka_consumer_poll(c, 100);
        if (!m) {
            idle++;
            continue;
        }
        idle = 0;
        int64_t id = -1;
        char buf[16];
        if (m->len > 3 && m->len < sizeof buf && !memcmp(m->payload, "id-", 3)) {
            memcpy(buf, (const char *)m->payload + 3, m->len - 3);
            buf[m->len - 3] = '\0';
            if (config_parse_int(buf, 0, N_MSGS - 1, &id)) id = -1;
        }
        if (id < 0) {
            strays++;
        } else {
            if (++seen[id] > 1) dups++;
            else if (acked[id] == '1') acked_seen++;
        }
        kafka_consumer_store(c, m);
        rd_kafka_message_destroy(m);
    }
    kafka_consumer_destroy(c, 10000);
    int lost = 0, first_lost = -1;
    for (int i = 0; i < N_MSGS; i++)
        if (acked[i] == '1' && seen[i] == 0 && lost++ == 0) first_lost = i;
    free(acked);
    cr_assert_eq(strays, 0, "%d messages that the producer never sent", strays);
    cr_assert_eq(dups, 0, "%d duplicate messages", dups);
    cr_assert_eq(lost, 0, "%d acknowledged messages lost (first: id-%05d)", lost, first_lost);
}
