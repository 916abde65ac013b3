#include "status_support.h"

#include "harness.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int64_t st_now_ms(void) { return events_now_ms(); }

void st_start(status_proc *s, char *const *extra_env) {
    memset(s, 0, sizeof *s);
    harness_env_load();
    harness_create_db(s->dsn, sizeof s->dsn);
    char unique[64];
    snprintf(s->prefix, sizeof s->prefix, "%s.", harness_unique("st", unique, sizeof unique));
    setenv("ATSB_TOPIC_PREFIX", s->prefix, 1);
    static const char *const topics[] = {TOPIC_APPLICATION_EVENTS, TOPIC_ATS_WEBHOOKS,
                                         TOPIC_BGCHECK_UPDATES, TOPIC_ATS_COMMANDS,
                                         TOPIC_APPLICATIONS_DEADLETTER};
    for (size_t i = 0; i < 5; i++) {
        char t[256];
        harness_create_topic(kafka_topic(topics[i], t, sizeof t), i == 4 ? 1 : 4);
    }
    s->port = harness_free_port();
    char bin[512], addr[128], dsn_env[640], url[256];
    snprintf(bin, sizeof bin, "%s/services/status/atsb-status", ATSB_BIN_DIR);
    snprintf(addr, sizeof addr, "ATSB_STATUS_ADDR=127.0.0.1:%d", s->port);
    snprintf(dsn_env, sizeof dsn_env, "ATSB_PG_DSN=%s", s->dsn);
    snprintf(s->log, sizeof s->log, "%s/testenv/status-%s.log", ATSB_BIN_DIR, unique);
    char *env[16];
    size_t n = 0;
    env[n++] = addr;
    env[n++] = dsn_env;
    for (char *const *e = extra_env; e && *e && n < 15; e++) env[n++] = *e;
    env[n] = NULL;
    char *argv[] = {bin, NULL};
    s->pid = harness_spawn(argv, env, s->log);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/readyz", s->port);
    cr_assert_eq(harness_wait_http(url, 30000), 0, "atsb-status not ready (see %s)", s->log);
    char err[256];
    cr_assert_eq(kafka_producer_new("test", &s->producer, err, sizeof err), 0, "%s", err);
    s->db = PQconnectdb(s->dsn);
    cr_assert(PQstatus(s->db) == CONNECTION_OK, "postgres: %s", PQerrorMessage(s->db));
}

void st_stop(status_proc *s) {
    kill(s->pid, SIGTERM);
    int st;
    waitpid(s->pid, &st, 0);
    kafka_producer_destroy(s->producer, 5000);
    PQfinish(s->db);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "atsb-status did not exit cleanly (see %s)",
              s->log);
}

long st_http(status_proc *s, const char *method, const char *path, const char *body,
             const char *auth, json_object **out) {
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    char *resp = NULL;
    long code = harness_http(method, url, body, auth, &resp);
    if (out) *out = resp ? json_tokener_parse(resp) : NULL;
    free(resp);
    return code;
}

long st_get(status_proc *s, const char *path, json_object **out) {
    return st_http(s, "GET", path, NULL, ADMIN, out);
}

json_object *st_poll(status_proc *s, const char *path, int (*ok)(json_object *, void *), void *arg,
                     int timeout_ms) {
    json_object *last = NULL;
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        json_object *o = NULL;
        long code = st_get(s, path, &o);
        if (code == 200) {
            json_object_put(last);
            last = o;
            if (!ok || ok(o, arg)) return last;
        } else {
            json_object_put(o);
        }
        usleep(100 * 1000);
    }
    return last;
}

void st_emit(status_proc *s, Atsbridge__V1__ApplicationEvent *ev) {
    char id[64];
    events_prepare(ev, ev->service && *ev->service ? ev->service : "test", "t", id, sizeof id);
    cr_assert_eq(events_emit(s->producer, ev, NULL), 0, "event not produced");
    ev->event_id = ""; /* id_buf goes out of scope */
}

static int is_state(const char *t) {
    static const char *const states[] = {"received", "held",      "resolved", "delivering",
                                         "retrying", "delivered", "failed",   "rejected", NULL};
    for (const char *const *p = states; *p; p++)
        if (!strcmp(*p, t)) return 1;
    return 0;
}

void st_event(status_proc *s, const char *app, const char *account, const char *type, int attempt,
              int64_t at_ms, const char *error_code, const char *candidate, const char *detail) {
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = (char *)app;
    ev.account_id = (char *)account;
    ev.type = (char *)type;
    ev.state = is_state(type) ? (char *)type : "";
    ev.attempt = attempt;
    ev.at_ms = at_ms;
    ev.error_code = (char *)(error_code ? error_code : "");
    ev.ats_candidate_id = (char *)(candidate ? candidate : "");
    ev.detail = (char *)(detail ? detail : "");
    ev.service = !strcmp(type, "received") ? "ingest"
                 : !strcmp(type, "resolved") || !strcmp(type, "held") || !strcmp(type, "rejected")
                     ? "questions"
                     : "delivery";
    if (!strcmp(type, "received")) {
        ev.board = "stepstone_de";
        ev.posting_id = "posting-1";
    }
    if (!strcmp(type, "resolved")) ev.ats = "lever";
    st_emit(s, &ev);
}

void st_raw(status_proc *s, const char *topic_base, const char *schema, const void *payload,
            size_t len, const char *key) {
    char topic[256];
    kafka_msg m = {.topic = kafka_topic(topic_base, topic, sizeof topic), .key = key,
                   .payload = payload, .len = len, .schema = schema};
    cr_assert_eq(kafka_producer_send(s->producer, &m), 0, "raw message not produced");
}

long long st_sql_num(status_proc *s, const char *sql, const char *param) {
    const char *p[] = {param};
    PGresult *r = PQexecParams(s->db, sql, param ? 1 : 0, NULL, param ? p : NULL, NULL, NULL, 0);
    cr_assert(PQresultStatus(r) == PGRES_TUPLES_OK, "sql: %s", PQerrorMessage(s->db));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return v;
}

const char *st_str(json_object *o, const char *key) {
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return "";
    return json_object_get_string(v);
}

int64_t st_int(json_object *o, const char *key) {
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return -1;
    return json_object_get_int64(v);
}
