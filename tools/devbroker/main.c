/* devbroker: the embedded Kafka for local runs and tests.
 *
 * Hosts librdkafka's mock cluster (real Kafka protocol over TCP, in memory),
 * creates every topic of DESIGN.md, writes the bootstrap list to a file, and
 * serves a small HTTP control port so tests in other processes can inject
 * faults. Limits: data lives in memory only and each partition keeps about
 * 5 MiB / 100k batches; there is no CreateTopics (use POST /topics).
 *
 * Usage: devbroker [--brokers N] [--partitions N] [--bootstrap-file PATH]
 *                  [--control-addr HOST:PORT] [--control-file PATH]
 * Runs until SIGTERM/SIGINT. */
#include "config.h"
#include "http_server.h"
#include "kafka_conf.h"
#include "log.h"
#include "shutdown.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const topics[] = {
    TOPIC_APPLICATIONS_RECEIVED, TOPIC_APPLICATIONS_RESOLVED, TOPIC_APPLICATIONS_RETRY,
    TOPIC_APPLICATIONS_DEADLETTER, TOPIC_ATS_WEBHOOKS, TOPIC_BGCHECK_UPDATES,
    TOPIC_ATS_COMMANDS, TOPIC_APPLICATION_EVENTS, TOPIC_APPLICATIONS_RETRY_TIERS};

static rd_kafka_mock_cluster_t *mc;
static int nbrokers = 3;

static int arg_int(const char *name, const char *v, int min, int max) {
    int64_t out;
    if (config_parse_int(v, min, max, &out)) {
        fprintf(stderr, "devbroker: %s expects an integer between %d and %d\n", name, min, max);
        exit(2);
    }
    return (int)out;
}

/* Parses the JSON body into *out; answers 400 and returns -1 when it is not an object. */
static int body_json(const http_request *req, http_response *resp, json_object **out) {
    *out = json_tokener_parse(req->body);
    if (!*out || !json_object_is_type(*out, json_type_object)) {
        json_object_put(*out);
        http_error(resp, 400, "malformed_json", "Body must be a JSON object.");
        return -1;
    }
    return 0;
}

static int broker_id(const http_request *req, http_response *resp) {
    int64_t id;
    if (config_parse_int(req->params[0], 1, nbrokers, &id)) {
        http_error(resp, 404, "not_found", "No such broker.");
        return -1;
    }
    return (int)id;
}

static void ok(http_response *resp) {
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    http_json(resp, 200, o);
}

static void h_broker_down(const http_request *req, http_response *resp, void *ctx) {
    int id = broker_id(req, resp);
    if (id < 0) return;
    rd_kafka_mock_broker_set_down(mc, id);
    log_info("broker down", "broker", req->params[0]);
    (void)ctx;
    ok(resp);
}

static void h_broker_up(const http_request *req, http_response *resp, void *ctx) {
    int id = broker_id(req, resp);
    if (id < 0) return;
    rd_kafka_mock_broker_set_up(mc, id);
    log_info("broker up", "broker", req->params[0]);
    (void)ctx;
    ok(resp);
}

static void h_broker_rtt(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *o, *ms;
    int id = broker_id(req, resp);
    if (id < 0 || body_json(req, resp, &o)) return;
    if (!json_object_object_get_ex(o, "ms", &ms) || json_object_get_int(ms) < 0) {
        http_error(resp, 422, "invalid", "Field ms (integer >= 0) is required.");
    } else {
        rd_kafka_mock_broker_set_rtt(mc, id, json_object_get_int(ms));
        ok(resp);
    }
    json_object_put(o);
}

static void h_topic(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *o, *name, *parts;
    if (body_json(req, resp, &o)) return;
    int n = json_object_object_get_ex(o, "partitions", &parts) ? json_object_get_int(parts) : 8;
    if (!json_object_object_get_ex(o, "name", &name) || !json_object_is_type(name, json_type_string) ||
        n < 1 || n > 256) {
        http_error(resp, 422, "invalid", "Field name is required; partitions must be 1..256.");
    } else {
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, json_object_get_string(name), n,
                                                            nbrokers < 3 ? nbrokers : 3);
        if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            http_error(resp, 409, "topic_error", rd_kafka_err2str(e));
        else
            ok(resp);
    }
    json_object_put(o);
}

/* {"topic": T, "partition": P, "broker": B}: moves a partition's leader. */
static void h_leader(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *o, *t, *p, *b;
    if (body_json(req, resp, &o)) return;
    if (!json_object_object_get_ex(o, "topic", &t) || !json_object_object_get_ex(o, "partition", &p) ||
        !json_object_object_get_ex(o, "broker", &b)) {
        http_error(resp, 422, "invalid", "Fields topic, partition and broker are required.");
    } else if (rd_kafka_mock_partition_set_leader(mc, json_object_get_string(t), json_object_get_int(p),
                                                  json_object_get_int(b))) {
        http_error(resp, 404, "not_found", "No such topic partition or broker.");
    } else {
        ok(resp);
    }
    json_object_put(o);
}

/* {"api_key": K, "error": E, "count": N}: the next N requests of ApiKey K fail with E. */
static void h_errors(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    json_object *o, *k, *e, *n;
    if (body_json(req, resp, &o)) return;
    if (!json_object_object_get_ex(o, "api_key", &k) || !json_object_object_get_ex(o, "error", &e)) {
        http_error(resp, 422, "invalid", "Fields api_key and error are required.");
    } else {
        int cnt = json_object_object_get_ex(o, "count", &n) ? json_object_get_int(n) : 1;
        if (cnt < 1 || cnt > 1000) cnt = 1;
        rd_kafka_resp_err_t *errs = calloc((size_t)cnt, sizeof *errs);
        for (int i = 0; errs && i < cnt; i++) errs[i] = (rd_kafka_resp_err_t)json_object_get_int(e);
        if (errs)
            rd_kafka_mock_push_request_errors_array(mc, (int16_t)json_object_get_int(k), (size_t)cnt, errs);
        free(errs);
        ok(resp);
    }
    json_object_put(o);
}

static void h_clear_errors(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    for (int16_t k = 0; k < 70; k++) rd_kafka_mock_clear_request_errors(mc, k);
    ok(resp);
}

static void h_info(const http_request *req, http_response *resp, void *ctx) {
    (void)req;
    (void)ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "bootstrap", json_object_new_string(rd_kafka_mock_cluster_bootstraps(mc)));
    json_object_object_add(o, "brokers", json_object_new_int(nbrokers));
    http_json(resp, 200, o);
}

static const http_route routes[] = {
    {"GET", "/info", h_info, NULL, 0, NULL, 0},
    {"POST", "/brokers/{id}/down", h_broker_down, NULL, 0, NULL, 0},
    {"POST", "/brokers/{id}/up", h_broker_up, NULL, 0, NULL, 0},
    {"POST", "/brokers/{id}/rtt", h_broker_rtt, NULL, 0, NULL, 0},
    {"POST", "/topics", h_topic, NULL, 0, NULL, 0},
    {"POST", "/leader", h_leader, NULL, 0, NULL, 0},
    {"POST", "/errors", h_errors, NULL, 0, NULL, 0},
    {"DELETE", "/errors", h_clear_errors, NULL, 0, NULL, 0},
};

static int write_file(const char *path, const char *text) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%s\n", text);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

int main(int argc, char **argv) {
    int partitions = 8;
    const char *bootstrap_file = NULL, *control_file = NULL;
    const char *control_addr = "127.0.0.1:0";
    /* Every option takes a value: step over both. */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "devbroker: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--brokers")) nbrokers = arg_int(a, v, 1, 9);
        else if (!strcmp(a, "--partitions")) partitions = arg_int(a, v, 1, 256);
        else if (!strcmp(a, "--bootstrap-file")) bootstrap_file = v;
        else if (!strcmp(a, "--control-file")) control_file = v;
        else if (!strcmp(a, "--control-addr")) control_addr = v;
        else {
            fprintf(stderr, "devbroker: unknown option %s\n", a);
            return 2;
        }
    }
    log_init("devbroker");
    shutdown_install();

    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "devbroker: %s\n", err);
        return 1;
    }
    mc = rd_kafka_mock_cluster_new(rk, nbrokers);
    if (!mc) {
        fprintf(stderr, "devbroker: cannot create mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    char name[256];
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        rd_kafka_mock_topic_create(mc, kafka_topic(topics[i], name, sizeof name), partitions,
                                   nbrokers < 3 ? nbrokers : 3);

    char host[128];
    int port;
    setenv("ATSB_DEVBROKER_CONTROL_ADDR", control_addr, 1);
    config_addr("ATSB_DEVBROKER_CONTROL_ADDR", control_addr, host, sizeof host, &port);
    http_server *http = NULL;
    int rc = 1;
    if (http_server_start(host, port, routes, sizeof routes / sizeof routes[0], NULL, NULL, &http, err,
                          sizeof err)) {
        fprintf(stderr, "devbroker: control port: %s\n", err);
        goto out;
    }
    char control[160];
    snprintf(control, sizeof control, "http://%s:%d", host, http_server_port(http));
    const char *bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
    if ((bootstrap_file && write_file(bootstrap_file, bootstraps)) ||
        (control_file && write_file(control_file, control))) {
        fprintf(stderr, "devbroker: cannot write the bootstrap or control file\n");
        goto out;
    }
    log_info("devbroker ready", "bootstrap", bootstraps, "control", control);
    while (!shutdown_requested()) usleep(100 * 1000);
    rc = 0;
out:
    http_server_stop(http);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc;
}
