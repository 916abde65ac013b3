/* No development secret in production: outside development (ATSB_DEV unset)
 * each service refuses to start, exit 2 with one line on stderr naming the
 * variable, when a secret it uses is unset or equals its development
 * default; with its own secrets set (and no others) it gets past the check.
 * The services then fail to reach PostgreSQL on a closed loopback port
 * (ATSB_STARTUP_TIMEOUT_S=0): exit 1, which is all this test needs. No
 * test environment is used and nothing leaves loopback. */
#include "config.h"
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    const char *svc;
    const char *addr_var;
    const char *secrets[5]; /* what the service uses, NULL-terminated */
} service;

static const service INGEST = {"ingest", "ATSB_INGEST_ADDR", {"ATSB_ADMIN_TOKEN", "ATSB_SECRET_KEY"}};
static const service QUESTIONS = {"questions", "ATSB_QUESTIONS_ADDR", {"ATSB_SECRET_KEY", "ATSB_LEVER_CLIENT_SECRET"}};
static const service DELIVERY = {
    "delivery",
    "ATSB_DELIVERY_ADDR",
    {"ATSB_ADMIN_TOKEN", "ATSB_SECRET_KEY", "ATSB_LEVER_CLIENT_SECRET", "ATSB_PROVIDER_API_KEY"}};
static const service STATUS = {"status", "ATSB_STATUS_ADDR", {"ATSB_ADMIN_TOKEN"}};

/* A closed port on loopback: the service fails right after the secret check. */
#define PG_DSN "host=127.0.0.1 port=1 dbname=atsbridge user=atsbridge connect_timeout=2"
/* The default ATS and provider URLs are on loopback (the simulator's). */
#define OUTBOUND "ATSB_OUTBOUND_ALLOW=127.0.0.0/8,::1"

/* Production-like values: none is a development default. */
static const char *good_value(const char *name) {
    if (!strcmp(name, "ATSB_SECRET_KEY")) return "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    if (!strcmp(name, "ATSB_ADMIN_TOKEN")) return "startup-test-admin-token-4c1f";
    if (!strcmp(name, "ATSB_LEVER_CLIENT_SECRET")) return "startup-test-lever-secret-9a2e";
    return "startup-test-provider-key-7d30";
}

typedef enum { ALL_SET, UNSET, DEV_DEFAULT } variant;

/* Runs atsb-<svc> with exactly env (nothing inherited from this process) and
 * returns its exit status; its output (stdout and stderr) goes to *out. */
static int run_env(const service *s, char *const env[], char **out) {
    char bin[512], log[512];
    snprintf(bin, sizeof bin, "%s/services/%s/atsb-%s", ATSB_BIN_DIR, s->svc, s->svc);
    snprintf(log, sizeof log, "%s/startup-secrets-%s.log", ATSB_BIN_DIR, s->svc);
    unlink(log);
    clearenv();
    char *argv[] = {bin, NULL};
    pid_t pid = harness_spawn(argv, env, log);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    *out = harness_read_file(log);
    cr_assert_not_null(*out, "no output from atsb-%s", s->svc);
    cr_assert(WIFEXITED(st), "atsb-%s did not exit: %s", s->svc, *out);
    return WEXITSTATUS(st);
}

/* The service's secrets set to good values except `which` (unset or its
 * development default), ATSB_DEV as given (NULL: unset). */
static int run(const service *s, const char *which, variant v, const char *dev, char **out) {
    static char e[13][256];
    char *env[14];
    size_t n = 0;
    snprintf(e[n++], sizeof e[0], "%s=127.0.0.1:%d", s->addr_var, harness_free_port());
    snprintf(e[n++], sizeof e[0], "ATSB_PG_DSN=%s", PG_DSN);
    snprintf(e[n++], sizeof e[0], "ATSB_STARTUP_TIMEOUT_S=0");
    snprintf(e[n++], sizeof e[0], "ATSB_KAFKA_BROKERS=127.0.0.1:1");
    snprintf(e[n++], sizeof e[0], "%s", OUTBOUND);
    if (dev) snprintf(e[n++], sizeof e[0], "ATSB_DEV=%s", dev);
    for (size_t i = 0; s->secrets[i]; i++) {
        const char *name = s->secrets[i];
        int this = which && !strcmp(name, which);
        if (this && v == UNSET) continue;
        snprintf(e[n++], sizeof e[0], "%s=%s", name,
                 this && v == DEV_DEFAULT ? config_secret_dev_default(name) : good_value(name));
    }
    for (size_t i = 0; i < n; i++) env[i] = e[i];
    env[n] = NULL;
    return run_env(s, env, out);
}

static void expect_refused(const service *s, const char *name, variant v) {
    char *out = NULL;
    int rc = run(s, name, v, NULL, &out);
    cr_expect_eq(rc, 2, "atsb-%s with %s %s: exit %d (%s)", s->svc, name, v == UNSET ? "unset" : "the dev default",
                 rc, out);
    char want[160];
    snprintf(want, sizeof want, "atsb-%s: %s %s", s->svc, name,
             v == UNSET ? "is not set (set ATSB_DEV=1 for development)" : "equals the development default");
    cr_expect(!strncmp(out, want, strlen(want)), "atsb-%s: expected \"%s...\", got: %s", s->svc, want, out);
    const char *nl = strchr(out, '\n');
    cr_expect(nl && nl[1] == '\0', "atsb-%s: expected one line, got: %s", s->svc, out);
    free(out);
}

/* Past the secret check: exit 1 (PostgreSQL unreachable), never 2. */
static void expect_started(int rc, const service *s, const char *what, char *out) {
    cr_expect_eq(rc, 1, "atsb-%s %s: exit %d (%s)", s->svc, what, rc, out);
    cr_expect_null(strstr(out, "(set ATSB_DEV=1 for development)"), "atsb-%s %s: %s", s->svc, what, out);
    cr_expect_null(strstr(out, "equals the development default"), "atsb-%s %s: %s", s->svc, what, out);
    free(out);
}

static void check(const service *s) {
    char *out;
    for (size_t i = 0; s->secrets[i]; i++) {
        expect_refused(s, s->secrets[i], UNSET);
        expect_refused(s, s->secrets[i], DEV_DEFAULT);
    }
    /* Only the secrets it uses are required: every other one is unset here. */
    int rc = run(s, NULL, ALL_SET, NULL, &out);
    expect_started(rc, s, "with its secrets set", out);
    /* Development: ATSB_DEV=1 and no secret at all, today's behaviour. */
    char addr[128];
    snprintf(addr, sizeof addr, "%s=127.0.0.1:%d", s->addr_var, harness_free_port());
    char *dev[] = {addr, "ATSB_DEV=1", "ATSB_PG_DSN=" PG_DSN, "ATSB_STARTUP_TIMEOUT_S=0",
                   "ATSB_KAFKA_BROKERS=127.0.0.1:1", OUTBOUND, NULL};
    rc = run_env(s, dev, &out);
    expect_started(rc, s, "with ATSB_DEV=1 and no secrets", out);
}

Test(startup_secrets, ingest, .timeout = 60) { check(&INGEST); }
Test(startup_secrets, questions, .timeout = 60) { check(&QUESTIONS); }
Test(startup_secrets, delivery, .timeout = 60) { check(&DELIVERY); }
Test(startup_secrets, status, .timeout = 60) { check(&STATUS); }

/* A value differing from the development default only in case is refused too. */
Test(startup_secrets, development_default_in_other_case, .timeout = 60) {
    char addr[128], *out;
    snprintf(addr, sizeof addr, "ATSB_STATUS_ADDR=127.0.0.1:%d", harness_free_port());
    char *env[] = {addr, "ATSB_ADMIN_TOKEN=DEV-Admin-Token", "ATSB_PG_DSN=" PG_DSN, "ATSB_STARTUP_TIMEOUT_S=0",
                   OUTBOUND, NULL};
    cr_expect_eq(run_env(&STATUS, env, &out), 2, "%s", out);
    cr_expect(strstr(out, "atsb-status: ATSB_ADMIN_TOKEN equals the development default"), "%s", out);
    free(out);
}
