/* trail: the audit-trail reader for Kafka.
 *
 *   trail tail TOPIC          one JSON line per message, decoded by its `schema` header
 *   trail app APPLICATION_ID  one application's timeline from application.events
 *   trail dlq list            dead letters with their error and origin
 *   trail dlq show P:O        one dead letter in full
 *   trail dlq replay P:O...|--all [--by NAME] [--reason TEXT]
 *                             re-drive dead letters to their original topic
 *                             with a fresh attempt budget (delivery records
 *                             `redriven` with who and why, then delivers)
 *
 * Options: --brokers B (default ATSB_KAFKA_BROKERS, else .dev/kafka.bootstrap,
 * else 127.0.0.1:9092), --from-beginning, --since TIME (RFC 3339 UTC or 30s,
 * 15m, 2h, 7d ago), --follow (tail: keep waiting; default stops at the end),
 * --show-personal (do not redact candidate fields and answers).
 * Document bytes never travel on Kafka, so they are never printed. Sealed
 * personal fields are opened with the data keys of ATSB_PG_DSN when it is
 * set (sealed.h): "[erased]" once erased, "[sealed]" without a database.
 * Exit: 0 ok, 1 runtime failure (one line on stderr), 2 bad usage. */
#include "config.h"
#include "dlq.h"
#include "events.h"
#include "kafka_conf.h"
#include "kafka_producer.h"
#include "pb_json.h"
#include "rfc3339.h"
#include "sealed.h"
#include "shutdown.h"
#include "topic_reader.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    read_opts ro;
    int show_personal;
    sealed_keys *keys; /* NULL: sealed fields stay sealed */
    const char *app_id;
    int replay_all;
    const char *by, *reason; /* dlq replay: who re-drives, and why */
    int ntargets;
    struct {
        int32_t partition;
        int64_t offset;
        int done;
    } targets[64];
    kafka_producer *producer;
    int replayed;
    int failed;
    /* app: the timeline's lines, printed sorted by event time at the end
     * (unless following): the services' events for one application share a
     * partition but are produced in the order their producers got acks, so
     * a later decision can be stored before an earlier one. */
    struct app_line {
        int64_t at_ms;
        size_t seq;
        char *text;
    } *lines;
    size_t nlines, caplines;
} trail_ctx;

static void usage(void) {
    fputs("usage: trail [--brokers B] [--from-beginning] [--since TIME] [--follow] [--show-personal]\n"
          "             tail TOPIC | app APPLICATION_ID | dlq list | dlq show P:O\n"
          "             | dlq replay (P:O...|--all) [--by NAME] [--reason TEXT]\n",
          stderr);
}

static _Noreturn void bad_usage(const char *why) {
    fprintf(stderr, "trail: %s\n", why);
    usage();
    exit(2);
}

/* An RFC 3339 time ("2026-11-25T10:00:00Z") or "<n>s|m|h|d" ago; returns -1
 * when unparsable. */
static int64_t parse_since(const char *s) {
    int64_t at;
    if (rfc3339_parse(s, &at) == 0) return at;
    size_t n = strlen(s);
    if (n < 2) return -1;
    char num[32];
    if (n - 1 >= sizeof num) return -1;
    memcpy(num, s, n - 1);
    num[n - 1] = '\0';
    int64_t v;
    if (config_parse_int(num, 0, 100000000, &v)) return -1;
    int64_t unit = s[n - 1] == 's' ? 1000 : s[n - 1] == 'm' ? 60000 : s[n - 1] == 'h' ? 3600000
                 : s[n - 1] == 'd' ? 86400000 : -1;
    return unit < 0 ? -1 : events_now_ms() - v * unit;
}

static const char *default_brokers(void) {
    static char buf[1024];
    const char *env = config_str("ATSB_KAFKA_BROKERS", NULL);
    if (env) return env;
    FILE *f = fopen(".dev/kafka.bootstrap", "r");
    if (f) {
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\r\n")] = '\0';
            fclose(f);
            if (buf[0]) return buf;
        } else {
            fclose(f);
        }
    }
    return "127.0.0.1:9092";
}

static json_object *headers_json(const rd_kafka_message_t *m) {
    rd_kafka_headers_t *h = NULL;
    json_object *o = json_object_new_object();
    if (rd_kafka_message_headers(m, &h)) return o;
    const char *name;
    const void *val;
    size_t size;
    for (size_t i = 0; !rd_kafka_header_get_all(h, i, &name, &val, &size); i++)
        json_object_object_add(o, name, json_object_new_string_len(val ? val : "", (int)size));
    return o;
}

static json_object *envelope(const rd_kafka_message_t *m, trail_ctx *c) {
    json_object *o = json_object_new_object();
    char schema[160];
    json_object_object_add(o, "topic", json_object_new_string(rd_kafka_topic_name(m->rkt)));
    json_object_object_add(o, "partition", json_object_new_int(m->partition));
    json_object_object_add(o, "offset", json_object_new_int64(m->offset));
    json_object_object_add(o, "timestamp_ms", json_object_new_int64(rd_kafka_message_timestamp(m, NULL)));
    if (m->key) json_object_object_add(o, "key", json_object_new_string_len(m->key, (int)m->key_len));
    json_object_object_add(o, "headers", headers_json(m));
    const char *s = kafka_header(m, HDR_SCHEMA, schema, sizeof schema);
    json_object *msg = s ? pb_json_decode_open(s, m->payload, m->len, c->show_personal, sealed_open, c->keys) : NULL;
    if (msg) {
        json_object_object_add(o, "message", msg);
    } else {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "undecodable", json_object_new_string(s ? "payload does not decode"
                                                                            : "no schema header"));
        json_object_object_add(e, "bytes", json_object_new_int64((int64_t)m->len));
        json_object_object_add(o, "message", e);
    }
    return o;
}

static void print(json_object *o) {
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
}

static int on_tail(const rd_kafka_message_t *m, void *vctx) {
    trail_ctx *c = vctx;
    print(envelope(m, c));
    fflush(stdout);
    return 0;
}

static int on_app(const rd_kafka_message_t *m, void *vctx) {
    trail_ctx *c = vctx;
    size_t idlen = strlen(c->app_id);
    if (!m->key || m->key_len != idlen || memcmp(m->key, c->app_id, idlen) != 0) return 0;
    Atsbridge__V1__ApplicationEvent *ev = atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
    if (!ev) return 0;
    time_t secs = (time_t)(ev->at_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char at[32];
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm);
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (f) {
        fprintf(f, "%s.%03dZ  %-10s %-12s %s%s%s%s\n", at, (int)(ev->at_ms % 1000), ev->service, ev->type,
                ev->state[0] ? "state=" : "", ev->state, ev->state[0] ? " " : "", ev->detail);
        fclose(f);
    }
    int64_t at_ms = ev->at_ms;
    atsbridge__v1__application_event__free_unpacked(ev, NULL);
    if (!line) return 0;
    if (c->ro.follow) { /* nothing to wait for: print as it comes */
        fputs(line, stdout);
        fflush(stdout);
        free(line);
        return 0;
    }
    if (c->nlines == c->caplines) {
        size_t cap = c->caplines ? c->caplines * 2 : 64;
        struct app_line *n = realloc(c->lines, cap * sizeof *n);
        if (!n) {
            free(line);
            c->failed = 1;
            return 0;
        }
        c->lines = n;
        c->caplines = cap;
    }
    c->lines[c->nlines] = (struct app_line){at_ms, c->nlines, line};
    c->nlines++;
    return 0;
}

static int line_cmp(const void *a, const void *b) {
    const struct app_line *x = a, *y = b;
    if (x->at_ms != y->at_ms) return x->at_ms < y->at_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Prints the collected timeline in event-time order (ties: read order) and frees it. */
static void print_lines(trail_ctx *c) {
    if (c->nlines) qsort(c->lines, c->nlines, sizeof *c->lines, line_cmp); /* NULL when empty */
    for (size_t i = 0; i < c->nlines; i++) {
        fputs(c->lines[i].text, stdout);
        free(c->lines[i].text);
    }
    fflush(stdout);
    free(c->lines);
    c->lines = NULL;
    c->nlines = c->caplines = 0;
}

static int on_dlq_list(const rd_kafka_message_t *m, void *vctx) {
    (void)vctx;
    static const char *const keep[] = {"error-code", "error-message", "original-topic", "original-partition",
                                       "original-offset", "attempt", "first-failure-ms", HDR_SCHEMA};
    json_object *o = json_object_new_object();
    char buf[1024];
    snprintf(buf, sizeof buf, "%d:%lld", (int)m->partition, (long long)m->offset);
    json_object_object_add(o, "ref", json_object_new_string(buf));
    if (m->key) json_object_object_add(o, "key", json_object_new_string_len(m->key, (int)m->key_len));
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (kafka_header(m, keep[i], buf, sizeof buf)) json_object_object_add(o, keep[i], json_object_new_string(buf));
    print(o);
    return 0;
}

static int target_index(trail_ctx *c, const rd_kafka_message_t *m) {
    for (int i = 0; i < c->ntargets; i++)
        if (c->targets[i].partition == m->partition && c->targets[i].offset == m->offset) return i;
    return -1;
}

static int all_done(const trail_ctx *c) {
    for (int i = 0; i < c->ntargets; i++)
        if (!c->targets[i].done) return 0;
    return 1;
}

static int on_dlq_show(const rd_kafka_message_t *m, void *vctx) {
    trail_ctx *c = vctx;
    int i = target_index(c, m);
    if (i < 0) return 0;
    c->targets[i].done = 1;
    print(envelope(m, c));
    return all_done(c);
}

static int replay(trail_ctx *c, const rd_kafka_message_t *m) {
    char err[256];
    if (dlq_replay(c->producer, m, c->by, c->reason, err, sizeof err)) {
        fprintf(stderr, "trail: replay of %d:%lld failed: %s\n", (int)m->partition, (long long)m->offset, err);
        return -1;
    }
    dlq_entry e;
    dlq_describe(m, &e);
    printf("{\"replayed\":\"%s\",\"to\":\"%s\"}\n", e.ref, e.original_topic);
    return 0;
}

static int on_dlq_replay(const rd_kafka_message_t *m, void *vctx) {
    trail_ctx *c = vctx;
    int i = c->replay_all ? -1 : target_index(c, m);
    if (!c->replay_all && i < 0) return 0;
    if (i >= 0) c->targets[i].done = 1;
    if (replay(c, m)) c->failed++;
    else c->replayed++;
    return !c->replay_all && all_done(c);
}

static void parse_ref(trail_ctx *c, const char *ref) {
    const char *colon = strchr(ref, ':');
    char part[16];
    int64_t p, o;
    if (!colon || (size_t)(colon - ref) >= sizeof part || c->ntargets == 64) bad_usage("expected PARTITION:OFFSET");
    memcpy(part, ref, (size_t)(colon - ref));
    part[colon - ref] = '\0';
    if (config_parse_int(part, 0, 100000, &p) || config_parse_int(colon + 1, 0, INT64_MAX, &o))
        bad_usage("expected PARTITION:OFFSET");
    c->targets[c->ntargets].partition = (int32_t)p;
    c->targets[c->ntargets].offset = o;
    c->ntargets++;
}

int main(int argc, char **argv) {
    trail_ctx c;
    memset(&c, 0, sizeof c);
    const char *brokers = NULL;
    const char *pos[70];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--by") || !strcmp(a, "--reason")) {
            if (i + 1 >= argc) bad_usage("option needs a value");
            if (a[2] == 'b') c.by = argv[++i];
            else c.reason = argv[++i];
        } else if (!strcmp(a, "--brokers") || !strcmp(a, "--since")) {
            if (i + 1 >= argc) bad_usage("option needs a value");
            if (a[2] == 'b') {
                brokers = argv[++i];
            } else {
                c.ro.since_ms = parse_since(argv[++i]);
                if (c.ro.since_ms < 0) bad_usage("--since expects 2026-11-25T10:00:00Z or 30s/15m/2h/7d");
                c.ro.start = READ_SINCE;
            }
        } else if (!strcmp(a, "--from-beginning")) {
            c.ro.start = READ_FROM_BEGINNING;
        } else if (!strcmp(a, "--follow")) {
            c.ro.follow = 1;
        } else if (!strcmp(a, "--show-personal")) {
            c.show_personal = 1;
        } else if (!strcmp(a, "--all")) {
            c.replay_all = 1;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (a[0] == '-' && a[1] == '-') {
            bad_usage("unknown option");
        } else if (npos < 70) {
            pos[npos++] = a;
        }
    }
    if (npos == 0) bad_usage("missing command");
    if (!c.by) c.by = config_str("USER", "trail");
    if (!c.reason) c.reason = "";
    shutdown_install();
    setenv("ATSB_KAFKA_BROKERS", brokers ? brokers : default_brokers(), 1);
    char topic[256], err[512];
    read_fn fn = NULL;
    const char *cmd = pos[0];
    if (!strcmp(cmd, "tail")) {
        if (npos != 2) bad_usage("tail needs one TOPIC");
        c.ro.topic = pos[1];
        c.keys = sealed_keys_new();
        fn = on_tail;
    } else if (!strcmp(cmd, "app")) {
        if (npos != 2) bad_usage("app needs one APPLICATION_ID");
        c.app_id = pos[1];
        c.ro.topic = kafka_topic(TOPIC_APPLICATION_EVENTS, topic, sizeof topic);
        if (c.ro.start == READ_FROM_END) c.ro.start = READ_FROM_BEGINNING;
        fn = on_app;
    } else if (!strcmp(cmd, "dlq")) {
        if (npos < 2) bad_usage("dlq needs list, show or replay");
        c.ro.topic = kafka_topic(TOPIC_APPLICATIONS_DEADLETTER, topic, sizeof topic);
        if (c.ro.start == READ_FROM_END) c.ro.start = READ_FROM_BEGINNING;
        c.ro.follow = 0;
        for (int i = 2; i < npos; i++) parse_ref(&c, pos[i]);
        if (!strcmp(pos[1], "list")) {
            fn = on_dlq_list;
        } else if (!strcmp(pos[1], "show")) {
            if (c.ntargets == 0) bad_usage("dlq show needs PARTITION:OFFSET");
            c.keys = sealed_keys_new();
            fn = on_dlq_show;
        } else if (!strcmp(pos[1], "replay")) {
            if (c.ntargets == 0 && !c.replay_all) bad_usage("dlq replay needs PARTITION:OFFSET... or --all");
            if (kafka_producer_new("trail", &c.producer, err, sizeof err)) {
                fprintf(stderr, "trail: %s\n", err);
                return 1;
            }
            fn = on_dlq_replay;
        } else {
            bad_usage("dlq needs list, show or replay");
        }
    } else {
        bad_usage("unknown command");
    }
    int rc = reader_run(&c.ro, fn, &c, err, sizeof err);
    print_lines(&c);
    sealed_keys_free(c.keys);
    if (c.producer) kafka_producer_destroy(c.producer, 10000);
    if (rc) {
        fprintf(stderr, "trail: %s\n", err);
        return 1;
    }
    if (fn == on_dlq_show && !all_done(&c)) {
        fprintf(stderr, "trail: no such dead letter\n");
        return 1;
    }
    return c.failed ? 1 : 0;
}
