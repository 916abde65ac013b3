#include "ingest_support.h"

#include "crypto.h"
#include "harness.h"
#include "personal.h"
#include "pg.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const topics[] = {"applications.received", "application.events", "ats.webhooks",
                                     "bgcheck.updates"};

const char *ingest_topic(const ingest_proc *p, const char *base, char *buf, size_t len) {
    snprintf(buf, len, "%s%s", p->prefix, base);
    return buf;
}

void db_exec(const char *dsn, const char *sql) {
    PGconn *c = PQconnectdb(dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
              PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

int64_t db_scalar(const char *dsn, const char *sql, int nparams, const char *const *params) {
    PGconn *c = PQconnectdb(dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    int64_t v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

Atsbridge__V1__ApplicationReceived *received_open(const ingest_proc *p, const rd_kafka_message_t *m) {
    cr_assert_eq(crypto_init(), 0); /* the service's ATSB_SECRET_KEY, from the same environment */
    Atsbridge__V1__ApplicationReceived *ar = atsbridge__v1__application_received__unpack(NULL, m->len, m->payload);
    cr_assert_not_null(ar, "not an ApplicationReceived");
    cr_assert_gt(ar->sealed.len, 0, "personal fields in clear");
    cr_assert_null(ar->candidate, "a candidate in clear beside the sealed one");
    cr_assert_eq(ar->n_answers + ar->n_documents, 0, "answers or documents in clear");
    PGconn *c = harness_connect(p->dsn);
    cr_assert_eq(personal_open_received(c, ar), PERSONAL_OK);
    PQfinish(c);
    return ar;
}

void erase_key(const ingest_proc *p, const char *application_id) {
    PGconn *c = harness_connect(p->dsn);
    cr_assert_eq(pg_run(c, "BEGIN", 0, NULL), 0);
    cr_assert_eq(data_keys_destroy(c, 1, &application_id), 0);
    cr_assert_eq(pg_run(c, "COMMIT", 0, NULL), 0);
    PQfinish(c);
}

void ingest_start(ingest_proc *p, int no_status) { ingest_start_env(p, no_status, NULL); }

void ingest_start_env(ingest_proc *p, int no_status, const char *extra) {
    harness_env_load();
    memset(p, 0, sizeof *p);
    harness_create_db(p->dsn, sizeof p->dsn);
    const char *db = strstr(p->dsn, "dbname=t_");
    cr_assert(db);
    snprintf(p->dbname, sizeof p->dbname, "%s", db + 7);
    if (!no_status) {
        /* The status service owns status.accounts: its own migrations make it. */
        PGconn *sc = harness_connect(p->dsn);
        harness_exec_dir(sc, ATSB_SOURCE_DIR "/services/status/migrations");
        PQfinish(sc);
        db_exec(p->dsn,
                "INSERT INTO status.accounts (account_id, ats, grants, features) VALUES"
                " ('demo-lever', 'lever', '{\"boards\": [\"stepstone_de\"], \"source_tools\": [\"provenbase\"]}', '[\"exports\"]'),"
                " ('demo-eploy', 'eploy', '{\"boards\": [\"stepstone_de\"], \"source_tools\": [\"provenbase\"]}', '[\"exports\"]'),"
                " ('other-employer', 'lever', '{\"boards\": [], \"source_tools\": []}', '[]');");
    }
    char unique[64], t[256];
    harness_unique("ing", unique, sizeof unique);
    snprintf(p->prefix, sizeof p->prefix, "%s.", unique);
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        harness_create_topic(ingest_topic(p, topics[i], t, sizeof t), 1);
    p->port = harness_free_port();
    snprintf(p->base, sizeof p->base, "http://127.0.0.1:%d", p->port);
    snprintf(p->log, sizeof p->log, "%s/testenv/ingest-%s.log", ATSB_BIN_DIR, unique);
    static char bin[512], addr[128], dsn_env[640], prefix_env[128];
    snprintf(bin, sizeof bin, "%s/services/ingest/atsb-ingest", ATSB_BIN_DIR);
    snprintf(addr, sizeof addr, "ATSB_INGEST_ADDR=127.0.0.1:%d", p->port);
    snprintf(dsn_env, sizeof dsn_env, "ATSB_PG_DSN=%s", p->dsn);
    snprintf(prefix_env, sizeof prefix_env, "ATSB_TOPIC_PREFIX=%s", p->prefix);
    char *argv[] = {bin, NULL};
    char *env[] = {addr, dsn_env, prefix_env, "ATSB_KAFKA_MESSAGE_TIMEOUT_MS=3000", "ATSB_PG_POOL=4",
                   "ATSB_INGEST_RETRY_AFTER_S=2", "ATSB_INGEST_BATCH_LINGER_MS=30", "ATSB_INGEST_PENDING_MAX=2",
                   (char *)extra, NULL};
    p->pid = harness_spawn(argv, env, p->log);
    char url[128];
    snprintf(url, sizeof url, "%s/readyz", p->base);
    cr_assert_eq(harness_wait_http(url, 30000), 0, "atsb-ingest not ready (see %s)", p->log);
    cr_assert_eq(ingest_admin_put(p, "/v1/admin/boards/stepstone_de/keys", "{\"key\":\"dev-stepstone-key\"}"), 200);
}

void ingest_stop(ingest_proc *p) {
    if (p->pid <= 0) return;
    kill(p->pid, SIGTERM);
    int st;
    waitpid(p->pid, &st, 0);
    p->pid = 0;
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "atsb-ingest did not exit cleanly (see %s)", p->log);
}

typedef struct {
    char *retry_after;
    size_t len;
} hdr_ud;

static size_t on_header(char *buf, size_t size, size_t n, void *vud) {
    hdr_ud *ud = vud;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(buf, "Retry-After:", 12)) {
        size_t i = 12;
        while (i < len && buf[i] == ' ') i++;
        size_t k = 0;
        while (i < len && buf[i] != '\r' && buf[i] != '\n' && k + 1 < ud->len) ud->retry_after[k++] = buf[i++];
        ud->retry_after[k] = '\0';
    }
    return len;
}

static size_t on_body(char *ptr, size_t size, size_t n, void *f) { return fwrite(ptr, size, n, f); }

void ingest_http(const char *method, const char *url, const char *content_type, const char *body, size_t len,
                 const char *const *headers, ingest_resp *out) {
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    size_t blen = 0;
    FILE *f = open_memstream(&out->body, &blen);
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char ct[256];
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    } else {
        h = curl_slist_append(h, "Content-Type:");
    }
    for (const char *const *x = headers; x && *x; x++) h = curl_slist_append(h, *x);
    hdr_ud ud = {out->retry_after, sizeof out->retry_after};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &ud);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    fclose(f);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

void ingest_resp_free(ingest_resp *r) {
    free(r->body);
    r->body = NULL;
}

void ingest_post_json(const ingest_proc *p, const char *path, const char *key, const char *json, ingest_resp *out) {
    char url[256], auth[256];
    snprintf(url, sizeof url, "%s%s", p->base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key ? key : "");
    const char *headers[] = {key ? auth : NULL, NULL};
    ingest_http("POST", url, "application/json", json, strlen(json), headers, out);
}

long ingest_admin_put(const ingest_proc *p, const char *path, const char *json) {
    char url[256];
    snprintf(url, sizeof url, "%s%s", p->base, path);
    const char *headers[] = {"Authorization: Bearer dev-admin-token", NULL};
    ingest_resp r;
    ingest_http("PUT", url, "application/json", json, strlen(json), headers, &r);
    long s = r.status;
    ingest_resp_free(&r);
    return s;
}

static rd_kafka_t *client(void) {
    static rd_kafka_t *rk;
    if (rk) return rk;
    char err[256], group[64];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    harness_unique("reader", group, sizeof group);
    rd_kafka_conf_set(conf, "bootstrap.servers", getenv("ATSB_KAFKA_BROKERS"), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", group, err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof err);
    rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    cr_assert(rk, "consumer: %s", err);
    return rk;
}

int64_t topic_count(const char *topic) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(client(), topic, 0, &lo, &hi, 10000);
    cr_assert_eq(e, RD_KAFKA_RESP_ERR_NO_ERROR, "watermarks of %s: %s", topic, rd_kafka_err2str(e));
    return hi;
}

rd_kafka_message_t *topic_read(const char *topic, int64_t offset) {
    rd_kafka_t *rk = client();
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, 0)->offset = offset;
    rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    for (int i = 0; i < 150; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (m->err || m->offset != offset) {
            rd_kafka_message_destroy(m);
            continue;
        }
        rd_kafka_assign(rk, NULL);
        return m;
    }
    rd_kafka_assign(rk, NULL);
    return NULL;
}

const char *msg_header(const rd_kafka_message_t *m, const char *name, char *buf, size_t len) {
    rd_kafka_headers_t *h = NULL;
    const void *v;
    size_t n;
    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, name, &v, &n)) return NULL;
    snprintf(buf, len, "%.*s", (int)n, (const char *)v);
    return buf;
}

char *b64(const void *data, size_t len) {
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

char *sample_application(const char *board_app_id, const char *first_name, const char *doc_b64) {
    const char *fmt =
        "{\"board\":\"stepstone_de\",\"board_application_id\":\"%s\",\"account_id\":\"demo-lever\","
        "\"posting_id\":\"demo-lever-posting\",\"candidate\":{\"first_name\":\"%s\",\"last_name\":\"M\\u00fcller\","
        "\"email\":\"zoe@example.org\",\"phone\":\"+49 30 1234567\",\"location\":\"Berlin\","
        "\"links\":[\"https://example.org/zoe\"]},\"answers\":[{\"question_id\":\"q-years\",\"value\":\"7\"},"
        "{\"question_id\":\"q-langs\",\"values\":[\"de\",\"en\"]}],\"consent\":{\"privacy_policy_accepted\":true,"
        "\"accepted_at\":\"2026-11-24T10:00:00Z\"}%s%s%s}";
    const char *pre = doc_b64 ? ",\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv.pdf\",\"content_type\":"
                                "\"application/pdf\",\"content_base64\":\""
                              : "";
    const char *post = doc_b64 ? "\"}]" : "";
    size_t n = strlen(fmt) + strlen(board_app_id) + strlen(first_name) + strlen(pre) + strlen(post) +
               (doc_b64 ? strlen(doc_b64) : 0) + 1;
    char *s = malloc(n);
    snprintf(s, n, fmt, board_app_id, first_name, pre, doc_b64 ? doc_b64 : "", post);
    return s;
}
