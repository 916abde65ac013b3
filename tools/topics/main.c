/* atsb-topics: creates the topics of DESIGN.md on a real Kafka cluster.
 *
 * Every topic (names from kafka_conf.h, with ATSB_TOPIC_PREFIX) is created
 * with its partition count and retention (7 d; dead letters 30 d; the audit
 * trail 365 d; cleanup.policy=delete). Idempotent: an existing topic is fine,
 * and its retention.ms / cleanup.policy are checked with DescribeConfigs and
 * corrected with AlterConfigs (keeping the topic's other overrides), unless
 * --check asks only to report. With --min-insync-replicas N every topic gets
 * min.insync.replicas=N the same way (set at creation, corrected or reported
 * after). With --replication N (N >= 1) the replica count of every partition
 * of an existing topic is compared with N: a mismatch is reported and fails
 * the run with or without --check, since changing it takes a partition
 * reassignment atsb-topics does not do. Connection settings come from the
 * environment like every service's (ATSB_KAFKA_BROKERS, ATSB_KAFKA_PROP_*).
 *
 * Usage: atsb-topics [--bootstrap SERVERS] [--partitions N] [--replication N]
 *                    [--min-insync-replicas N] [--wait SECONDS] [--check] [--ping]
 *                    [--create NAME [--retention-ms MS]]
 * Exit: 0 ok, 1 failure (one line on stderr), 2 bad usage. */
#include "config.h"
#include "kafka_conf.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY_MS 86400000LL
#define MAX_TOPICS 12

typedef struct {
    char name[256];
    long long retention_ms;
    int existed;
} topic_spec;

static const struct {
    const char *base;
    long long retention_ms;
} design[MAX_TOPICS] = {
    {TOPIC_APPLICATIONS_RECEIVED, 7 * DAY_MS},  {TOPIC_APPLICATIONS_RESOLVED, 7 * DAY_MS},
    {TOPIC_APPLICATIONS_RETRY, 7 * DAY_MS},     {TOPIC_APPLICATIONS_DEADLETTER, 30 * DAY_MS},
    {TOPIC_ATS_WEBHOOKS, 7 * DAY_MS},           {TOPIC_BGCHECK_UPDATES, 7 * DAY_MS},
    {TOPIC_ATS_COMMANDS, 7 * DAY_MS},           {TOPIC_APPLICATION_EVENTS, 365 * DAY_MS},
    {TOPIC_APPLICATIONS_RETRY_5S, 7 * DAY_MS},  {TOPIC_APPLICATIONS_RETRY_1M, 7 * DAY_MS},
    {TOPIC_APPLICATIONS_RETRY_10M, 7 * DAY_MS}, {TOPIC_APPLICATIONS_RETRY_1H, 7 * DAY_MS},
};

static const char usage_text[] =
    "usage: atsb-topics [--bootstrap SERVERS] [--partitions N] [--replication N]\n"
    "                   [--min-insync-replicas N] [--wait SECONDS] [--check] [--ping]\n"
    "                   [--create NAME [--retention-ms MS]]\n"
    "  creates every topic of DESIGN.md (or only NAME with --create); --check reports retention\n"
    "  and min.insync.replicas mismatches of existing topics instead of fixing them; a replication\n"
    "  factor other than --replication N is always reported (and fails); --ping only waits for\n"
    "  the broker\n";

static _Noreturn void usage(const char *msg) {
    if (msg) fprintf(stderr, "atsb-topics: %s\n", msg);
    fputs(usage_text, stderr);
    exit(2);
}

static long long arg_num(const char *opt, const char *v, long long min, long long max) {
    int64_t out;
    if (!v || config_parse_int(v, min, max, &out)) {
        fprintf(stderr, "atsb-topics: %s expects an integer between %lld and %lld\n", opt, min, max);
        exit(2);
    }
    return (long long)out;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* librdkafka's own log lines (connection refused while waiting...) would
 * bury our one-line result; they are shown only with ATSB_LOG_LEVEL=debug. */
static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    if (strcmp(config_str("ATSB_LOG_LEVEL", "info"), "debug") == 0)
        fprintf(stderr, "atsb-topics: rdkafka %d %s: %s\n", level, fac, buf);
}

/* Waits up to wait_s seconds (at least one attempt) for a broker to answer
 * metadata. Returns 0, or -1 with err filled. */
static int wait_broker(rd_kafka_t *rk, int wait_s, char *err, size_t errlen) {
    double deadline = now_s() + wait_s;
    rd_kafka_resp_err_t e;
    do {
        const struct rd_kafka_metadata *md = NULL;
        e = rd_kafka_metadata(rk, 0, NULL, &md, 2000);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            int brokers = md->broker_cnt;
            rd_kafka_metadata_destroy(md);
            if (brokers > 0) return 0;
        }
        if (now_s() < deadline) usleep(250 * 1000);
    } while (now_s() < deadline);
    snprintf(err, errlen, "no broker answered metadata within %d s (%s)", wait_s, rd_kafka_err2str(e));
    return -1;
}

/* Runs one admin request already queued on q; returns its result event or
 * NULL with err filled. */
static rd_kafka_event_t *admin_result(rd_kafka_queue_t *q, const char *what, char *err, size_t errlen) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
    if (!ev) {
        snprintf(err, errlen, "%s timed out after 60 s", what);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "%s failed: %s", what, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op) {
    char e[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(o, 30000, e, sizeof e);
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS)
        rd_kafka_AdminOptions_set_operation_timeout(o, 30000, e, sizeof e);
    return o;
}

/* Creates the topics; marks those that already existed. Returns 0 or -1. */
static int create_topics(rd_kafka_t *rk, topic_spec *t, size_t n, int partitions, int replication,
                         int min_isr, int *created, char *err, size_t errlen) {
    rd_kafka_NewTopic_t *nt[MAX_TOPICS] = {0};
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = admin_options(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_event_t *ev = NULL;
    int rc = -1;
    char val[32], e[256];
    for (size_t i = 0; i < n; i++) {
        nt[i] = rd_kafka_NewTopic_new(t[i].name, partitions, replication, e, sizeof e);
        if (!nt[i]) {
            snprintf(err, errlen, "topic %.200s: %.200s", t[i].name, e);
            goto cleanup;
        }
        snprintf(val, sizeof val, "%lld", t[i].retention_ms);
        if (rd_kafka_NewTopic_set_config(nt[i], "retention.ms", val) ||
            rd_kafka_NewTopic_set_config(nt[i], "cleanup.policy", "delete")) {
            snprintf(err, errlen, "topic %.200s: cannot set its configuration", t[i].name);
            goto cleanup;
        }
        snprintf(val, sizeof val, "%d", min_isr);
        if (min_isr > 0 && rd_kafka_NewTopic_set_config(nt[i], "min.insync.replicas", val)) {
            snprintf(err, errlen, "topic %.200s: cannot set min.insync.replicas", t[i].name);
            goto cleanup;
        }
    }
    rd_kafka_CreateTopics(rk, nt, n, opts, q);
    ev = admin_result(q, "CreateTopics", err, errlen);
    if (!ev) goto cleanup;
    size_t cnt = 0;
    const rd_kafka_topic_result_t **res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &cnt);
    for (size_t i = 0; i < cnt; i++) {
        const char *name = rd_kafka_topic_result_name(res[i]);
        rd_kafka_resp_err_t te = rd_kafka_topic_result_error(res[i]);
        for (size_t j = 0; j < n; j++) {
            if (strcmp(t[j].name, name) != 0) continue;
            if (te == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                t[j].existed = 1;
            } else if (te) {
                const char *why = rd_kafka_topic_result_error_string(res[i]);
                snprintf(err, errlen, "cannot create topic %.200s: %.200s", name, why ? why : rd_kafka_err2str(te));
                goto cleanup;
            } else {
                (*created)++;
                printf("atsb-topics: created %s\n", name);
            }
        }
    }
    rc = 0;
cleanup:
    if (ev) rd_kafka_event_destroy(ev);
    for (size_t i = 0; i < n; i++)
        if (nt[i]) rd_kafka_NewTopic_destroy(nt[i]);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    return rc;
}

static const char *entry_value(const rd_kafka_ConfigResource_t *r, const char *name) {
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **ent = rd_kafka_ConfigResource_configs(r, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rd_kafka_ConfigEntry_name(ent[i]), name) == 0) return rd_kafka_ConfigEntry_value(ent[i]);
    return NULL;
}

/* AlterConfigs replaces every dynamic setting of the topic: keep its other
 * overrides and set ours. Returns 0 or -1. */
static int fix_topic(rd_kafka_t *rk, const rd_kafka_ConfigResource_t *cur, const topic_spec *t, int min_isr,
                     char *err, size_t errlen) {
    rd_kafka_ConfigResource_t *r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t->name);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = admin_options(rk, RD_KAFKA_ADMIN_OP_ALTERCONFIGS);
    rd_kafka_event_t *ev = NULL;
    int rc = -1;
    char val[32];
    size_t n = 0;
    const rd_kafka_ConfigEntry_t **ent = rd_kafka_ConfigResource_configs(cur, &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = rd_kafka_ConfigEntry_name(ent[i]);
        const char *v = rd_kafka_ConfigEntry_value(ent[i]);
        if (rd_kafka_ConfigEntry_source(ent[i]) != RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG || !v ||
            !strcmp(name, "retention.ms") || !strcmp(name, "cleanup.policy") ||
            (min_isr > 0 && !strcmp(name, "min.insync.replicas")))
            continue;
        rd_kafka_ConfigResource_set_config(r, name, v);
    }
    snprintf(val, sizeof val, "%lld", t->retention_ms);
    rd_kafka_ConfigResource_set_config(r, "retention.ms", val);
    rd_kafka_ConfigResource_set_config(r, "cleanup.policy", "delete");
    if (min_isr > 0) {
        snprintf(val, sizeof val, "%d", min_isr);
        rd_kafka_ConfigResource_set_config(r, "min.insync.replicas", val);
    }
    rd_kafka_AlterConfigs(rk, &r, 1, opts, q);
    ev = admin_result(q, "AlterConfigs", err, errlen);
    if (!ev) goto cleanup;
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **res =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(ev), &cnt);
    if (cnt != 1 || rd_kafka_ConfigResource_error(res[0])) {
        snprintf(err, errlen, "cannot fix the configuration of topic %.200s: %.200s", t->name,
                 cnt == 1 ? rd_kafka_ConfigResource_error_string(res[0]) : "no result");
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(r);
    return rc;
}

/* Verifies retention.ms and cleanup.policy (and min.insync.replicas when
 * min_isr > 0) of the topics that existed before; fixes mismatches unless
 * check_only. Returns 0, or -1 with err filled (a mismatch in check_only
 * mode is a failure). */
static int verify_topics(rd_kafka_t *rk, topic_spec *t, size_t n, int check_only, int min_isr, int *fixed,
                         char *err, size_t errlen) {
    rd_kafka_ConfigResource_t *rs[MAX_TOPICS] = {0};
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_event_t *ev = NULL;
    size_t nr = 0;
    int rc = -1, mismatches = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].existed) rs[nr++] = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t[i].name);
    if (nr == 0) {
        rc = 0;
        goto cleanup;
    }
    size_t cnt = 0;
    const rd_kafka_ConfigResource_t **res = NULL;
    /* A topic just created by someone else may not be in the broker's
     * metadata yet: retry UNKNOWN_TOPIC_OR_PART for a few seconds. */
    for (int attempt = 0;; attempt++) {
        rd_kafka_DescribeConfigs(rk, rs, nr, opts, q);
        ev = admin_result(q, "DescribeConfigs", err, errlen);
        if (!ev) goto cleanup;
        res = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &cnt);
        int unknown = 0;
        for (size_t i = 0; i < cnt; i++)
            if (rd_kafka_ConfigResource_error(res[i]) == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) unknown = 1;
        if (!unknown || attempt >= 40) break;
        rd_kafka_event_destroy(ev);
        ev = NULL;
        usleep(250 * 1000);
    }
    for (size_t i = 0; i < cnt; i++) {
        const char *name = rd_kafka_ConfigResource_name(res[i]);
        if (rd_kafka_ConfigResource_error(res[i])) {
            snprintf(err, errlen, "cannot describe topic %.200s: %.200s", name,
                     rd_kafka_ConfigResource_error_string(res[i]));
            goto cleanup;
        }
        for (size_t j = 0; j < n; j++) {
            if (strcmp(t[j].name, name) != 0) continue;
            char want[32], want_isr[16];
            snprintf(want, sizeof want, "%lld", t[j].retention_ms);
            snprintf(want_isr, sizeof want_isr, "%d", min_isr);
            const char *ret = entry_value(res[i], "retention.ms");
            const char *pol = entry_value(res[i], "cleanup.policy");
            const char *isr = entry_value(res[i], "min.insync.replicas");
            int ret_ok = ret && !strcmp(ret, want) && pol && !strcmp(pol, "delete");
            int isr_ok = min_isr <= 0 || (isr && !strcmp(isr, want_isr));
            if (ret_ok && isr_ok) continue;
            mismatches++;
            if (!ret_ok)
                printf("atsb-topics: %s has retention.ms=%s cleanup.policy=%s, expected %s and delete%s\n", name,
                       ret ? ret : "?", pol ? pol : "?", want, check_only ? "" : "; fixing");
            if (!isr_ok)
                printf("atsb-topics: %s has min.insync.replicas=%s, expected %s%s\n", name, isr ? isr : "?",
                       want_isr, check_only ? "" : "; fixing");
            if (check_only) continue;
            if (fix_topic(rk, res[i], &t[j], min_isr, err, errlen)) goto cleanup;
            (*fixed)++;
        }
    }
    if (check_only && mismatches) {
        snprintf(err, errlen, "%d topic(s) with the wrong retention or min.insync.replicas (run without --check to fix)",
                 mismatches);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (ev) rd_kafka_event_destroy(ev);
    for (size_t i = 0; i < nr; i++) rd_kafka_ConfigResource_destroy(rs[i]);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    return rc;
}

/* Compares the replica count of every partition of the topics that existed
 * before with replication. A mismatch is reported, and fails in either mode:
 * changing it is a partition reassignment (kafka-reassign-partitions.sh, or
 * the KafkaTopic's spec.replicas under Strimzi), not a configuration change.
 * Returns 0, or -1 with err filled. */
static int verify_replication(rd_kafka_t *rk, const topic_spec *t, size_t n, int replication, char *err,
                              size_t errlen) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, 10000);
    if (e) {
        snprintf(err, errlen, "cannot read topic metadata: %s", rd_kafka_err2str(e));
        return -1;
    }
    int mismatches = 0;
    for (size_t j = 0; j < n; j++) {
        if (!t[j].existed) continue;
        int found = 0;
        for (int i = 0; i < md->topic_cnt; i++) {
            const struct rd_kafka_metadata_topic *mt = &md->topics[i];
            if (strcmp(mt->topic, t[j].name) != 0) continue;
            found = 1;
            int lo = -1, hi = -1;
            for (int p = 0; p < mt->partition_cnt; p++) {
                int r = mt->partitions[p].replica_cnt;
                if (lo < 0 || r < lo) lo = r;
                if (r > hi) hi = r;
            }
            if (lo == replication && hi == replication) break;
            mismatches++;
            if (lo == hi)
                printf("atsb-topics: %s has replication factor %d, expected %d\n", t[j].name, lo, replication);
            else
                printf("atsb-topics: %s has replication factor %d to %d across its partitions, expected %d\n",
                       t[j].name, lo, hi, replication);
            break;
        }
        if (!found) {
            mismatches++;
            printf("atsb-topics: %s is missing from the broker's metadata\n", t[j].name);
        }
    }
    rd_kafka_metadata_destroy(md);
    if (mismatches) {
        snprintf(err, errlen,
                 "%d topic(s) with a replication factor other than %d (atsb-topics cannot change it: reassign "
                 "the partitions)",
                 mismatches, replication);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *create = NULL;
    int partitions = 8, replication = -1, min_isr = 0, wait_s = 10, check_only = 0, ping = 0;
    long long retention_ms = 7 * DAY_MS;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--check")) check_only = 1;
        else if (!strcmp(a, "--ping")) ping = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!v) usage("missing value or unknown option");
        else if (!strcmp(a, "--bootstrap")) bootstrap = argv[++i];
        else if (!strcmp(a, "--create")) create = argv[++i];
        else if (!strcmp(a, "--partitions")) partitions = (int)arg_num(a, argv[++i], 1, 10000);
        else if (!strcmp(a, "--replication")) replication = (int)arg_num(a, argv[++i], -1, 32);
        else if (!strcmp(a, "--min-insync-replicas")) min_isr = (int)arg_num(a, argv[++i], 1, 32);
        else if (!strcmp(a, "--wait")) wait_s = (int)arg_num(a, argv[++i], 0, 3600);
        else if (!strcmp(a, "--retention-ms")) retention_ms = arg_num(a, argv[++i], -1, 100 * 365 * DAY_MS);
        else usage("unknown option");
    }
    if (replication == 0) usage("--replication must be -1 (broker default) or at least 1");
    if (replication > 0 && min_isr > replication)
        usage("--min-insync-replicas cannot exceed --replication (no write could ever be acknowledged)");
    if (create && (!*create || strlen(create) >= sizeof(((topic_spec *)0)->name)))
        usage("--create needs a topic name");

    topic_spec t[MAX_TOPICS];
    size_t n = 0;
    memset(t, 0, sizeof t);
    if (create) {
        snprintf(t[0].name, sizeof t[0].name, "%s", create);
        t[0].retention_ms = retention_ms;
        n = 1;
    } else {
        for (; n < MAX_TOPICS; n++) {
            kafka_topic(design[n].base, t[n].name, sizeof t[n].name);
            t[n].retention_ms = design[n].retention_ms;
        }
    }

    char err[512];
    int rc = 1, created = 0, fixed = 0;
    rd_kafka_t *rk = NULL;
    rd_kafka_conf_t *conf = kafka_conf_new("atsb-topics", err, sizeof err);
    if (!conf) goto cleanup;
    if (bootstrap && kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err)) goto cleanup;
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) goto cleanup;
    conf = NULL; /* owned by rk */
    if (wait_broker(rk, wait_s, err, sizeof err)) goto cleanup;
    if (ping) {
        rc = 0;
        goto cleanup;
    }
    if (create_topics(rk, t, n, partitions, replication, min_isr, &created, err, sizeof err)) goto cleanup;
    /* Every mismatch is reported before the run fails on any of them. */
    char rerr[256] = "";
    int bad_config = verify_topics(rk, t, n, check_only, min_isr, &fixed, err, sizeof err);
    int bad_replication = replication > 0 && verify_replication(rk, t, n, replication, rerr, sizeof rerr);
    if (bad_config && bad_replication) {
        size_t l = strlen(err);
        snprintf(err + l, sizeof err - l, "; %s", rerr);
    } else if (bad_replication) {
        snprintf(err, sizeof err, "%s", rerr);
    }
    if (bad_config || bad_replication) goto cleanup;
    printf("atsb-topics: %zu topic(s) ready (%d created, %zu existed, %d fixed)\n", n, created,
           n - (size_t)created, fixed);
    rc = 0;
cleanup:
    if (rc) fprintf(stderr, "atsb-topics: %s\n", err);
    if (conf) rd_kafka_conf_destroy(conf);
    if (rk) rd_kafka_destroy(rk);
    return rc;
}
