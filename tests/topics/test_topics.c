/* atsb-topics (tools/topics) against a real Apache Kafka (ATSB_BROKER=kafka;
 * skipped on devbroker, which has no CreateTopics or DescribeConfigs): the
 * topics of DESIGN.md created with min.insync.replicas, a wrong
 * min.insync.replicas or retention reported by --check and fixed without
 * it, and a replication factor other than --replication reported (and
 * failing) either way. The test broker is one node, so every topic has one
 * replica: asking for 3 must be a mismatch. Each case runs under its own
 * ATSB_TOPIC_PREFIX, so its topics are new. */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char prefix[128];
static char log_path[256];

static void setup(void) {
    harness_env_load();
    const char *broker = getenv("ATSB_BROKER");
    if (!broker || strcmp(broker, "kafka") != 0)
        cr_skip_test("needs a real Kafka broker (ATSB_BROKER=kafka): devbroker has no CreateTopics");
    char u[96];
    harness_unique("topics", u, sizeof u);
    snprintf(prefix, sizeof prefix, "%s.", u);
    snprintf(log_path, sizeof log_path, "/tmp/atsb-test-topics-%d.log", (int)getpid());
}

static void teardown(void) {
    if (log_path[0]) unlink(log_path);
}

TestSuite(topics, .init = setup, .fini = teardown, .timeout = 240);

/* Runs atsb-topics with args (NULL-terminated) under this case's prefix;
 * returns its exit status, *out its stdout and stderr (malloc'd). */
static int run_topics(char **out, ...) {
    char bin[1024], prefix_env[256];
    snprintf(bin, sizeof bin, "%s/tools/topics/atsb-topics", ATSB_BIN_DIR);
    snprintf(prefix_env, sizeof prefix_env, "ATSB_TOPIC_PREFIX=%s", prefix);
    char *argv[24] = {bin};
    int argc = 1;
    va_list ap;
    va_start(ap, out);
    for (const char *a; (a = va_arg(ap, const char *)) && argc < 20;) argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc++] = "--wait";
    argv[argc++] = "30";
    argv[argc] = NULL;
    char *env[] = {prefix_env, NULL};
    unlink(log_path);
    pid_t pid = harness_spawn(argv, env, log_path);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    char *text = harness_read_file(log_path);
    *out = text ? text : strdup("");
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(topics, creates_every_topic_with_min_insync_replicas_and_checks_clean) {
    char *out;
    int rc = run_topics(&out, "--replication", "1", "--min-insync-replicas", "1", NULL);
    cr_assert_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "12 topic(s) ready (12 created"), "%s", out);
    free(out);
    rc = run_topics(&out, "--check", "--replication", "1", "--min-insync-replicas", "1", NULL);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "0 created, 12 existed, 0 fixed"), "%s", out);
    free(out);
}

Test(topics, check_reports_a_wrong_min_insync_replicas_and_a_run_without_it_fixes_it) {
    char *out;
    int rc = run_topics(&out, "--min-insync-replicas", "1", NULL);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = run_topics(&out, "--check", "--min-insync-replicas", "2", NULL);
    cr_expect_eq(rc, 1, "%s", out);
    char want[512];
    snprintf(want, sizeof want, "%sapplication.events has min.insync.replicas=1, expected 2\n", prefix);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "12 topic(s) with the wrong retention or min.insync.replicas"), "%s", out);
    free(out);
    rc = run_topics(&out, "--min-insync-replicas", "2", NULL);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "12 fixed"), "%s", out);
    free(out);
    /* Fixed, and the retention the fix rewrote beside it is still DESIGN's.
     * The brokers apply an altered configuration from the metadata log a
     * moment after AlterConfigs answers: ask again for up to 15 s. */
    for (int i = 0; i < 30; i++) {
        rc = run_topics(&out, "--check", "--min-insync-replicas", "2", NULL);
        if (rc == 0) break;
        free(out);
        usleep(500 * 1000);
    }
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(!strstr(out, "expected"), "%s", out);
    free(out);
}

Test(topics, a_replication_factor_other_than_asked_is_reported_and_fails) {
    char *out;
    int rc = run_topics(&out, "--replication", "1", NULL);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    char want[512];
    snprintf(want, sizeof want, "%sapplications.received has replication factor 1, expected 3\n", prefix);
    rc = run_topics(&out, "--check", "--replication", "3", "--min-insync-replicas", "2", NULL);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, want), "%s", out);
    cr_expect(strstr(out, "12 topic(s) with a replication factor other than 3"), "%s", out);
    /* The other mismatches of the same run are reported beside it. */
    char want_isr[512];
    snprintf(want_isr, sizeof want_isr, "%sapplications.received has min.insync.replicas=1, expected 2\n", prefix);
    cr_expect(strstr(out, want_isr), "%s", out);
    cr_expect(strstr(out, "12 topic(s) with the wrong retention or min.insync.replicas"), "%s", out);
    free(out);
    /* Not something a run can fix: it fails the same way without --check. */
    rc = run_topics(&out, "--replication", "3", NULL);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, want), "%s", out);
    free(out);
}

Test(topics, check_reports_a_wrong_retention) {
    char *out, name[256];
    snprintf(name, sizeof name, "%sapplications.deadletter", prefix);
    int rc = run_topics(&out, "--create", name, "--retention-ms", "60000", NULL);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = run_topics(&out, "--check", NULL);
    cr_expect_eq(rc, 1, "%s", out);
    char want[512];
    snprintf(want, sizeof want, "%s has retention.ms=60000 cleanup.policy=delete, expected 2592000000 and delete\n",
             name);
    cr_expect(strstr(out, want), "%s", out);
    free(out);
}

Test(topics, bad_usage_exits_2) {
    char *out;
    int rc = run_topics(&out, "--replication", "2", "--min-insync-replicas", "3", NULL);
    cr_expect_eq(rc, 2, "%s", out);
    cr_expect(strstr(out, "cannot exceed --replication"), "%s", out);
    free(out);
    rc = run_topics(&out, "--min-insync-replicas", "0", NULL);
    cr_expect_eq(rc, 2, "%s", out);
    free(out);
}
