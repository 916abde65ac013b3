/* Baselines for the ingest scenario of scripts/dev bench: a bare handler on
 * the services' own HTTP server (common/http_server.c: epoll event threads,
 * a worker pool, suspended connections) that answers POST
 * /v1/applications with 202 and a small JSON body, without parsing,
 * PostgreSQL or anything else. What ingest adds on top is the difference.
 *
 *   bench_bare202 PORT [TOPIC]
 *
 * With TOPIC (ATSB_KAFKA_BROKERS and the services' producer settings) each
 * request produces what ingest produces for an application (an
 * ApplicationReceived carrying the body as its sealed part, keyed by a
 * fresh id, and its `received` event) and is answered after Kafka's
 * acknowledgement of both, its connection suspended meanwhile (no thread
 * waits): the bound of any durable acceptance at that concurrency. */
#include "atsbridge/v1/applications.pb-c.h"
#include "http_server.h"
#include "kafka_conf.h" /* SCHEMA_RECEIVED */
#include "kafka_producer.h"
#include "produce_batch.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t run = 1;
static void stop(int sig) {
    (void)sig;
    run = 0;
}

static kafka_producer *producer; /* NULL: answer at once */
static char topic[256];
static atomic_ulong next_id;

static const char accepted[] = "{\"application_id\":\"app_0\",\"status_url\":\"http://127.0.0.1:8084/\"}";

static void answer(http_response *resp, int status) {
    resp->status = status;
    resp->body = strdup(accepted);
    resp->body_len = resp->body ? sizeof accepted - 1 : 0;
    resp->content_type = "application/json";
}

static void acknowledged(void *arg, rd_kafka_resp_err_t err) {
    http_response resp = {0};
    answer(&resp, err == RD_KAFKA_RESP_ERR_NO_ERROR ? 202 : 503);
    http_deferred_answer(arg, &resp);
}

static void post(const http_request *req, http_response *resp, void *ctx) {
    (void)ctx;
    if (!producer) {
        answer(resp, 202);
        return;
    }
    produce_batch *b = produce_batch_new(producer, "bench");
    if (!b) {
        answer(resp, 503);
        return;
    }
    char id[32];
    snprintf(id, sizeof id, "app_%lu", atomic_fetch_add(&next_id, 1));
    Atsbridge__V1__ApplicationReceived m = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
    m.application_id = id;
    m.sealed.data = (uint8_t *)req->body;
    m.sealed.len = req->body_len;
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.application_id = id;
    ev.type = "received";
    ev.state = "received";
    produce_batch_proto(b, topic, id, SCHEMA_RECEIVED, &m.base, NULL);
    produce_batch_event(b, &ev, NULL, NULL);
    produce_batch_then(b, "bare202", acknowledged, http_defer(req));
}

int main(int argc, char **argv) {
    int port = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 8091;
    char err[512];
    if (argc > 2) {
        snprintf(topic, sizeof topic, "%s", argv[2]);
        if (kafka_producer_new("bench-bare202", &producer, err, sizeof err)) {
            fprintf(stderr, "bare202: %s\n", err);
            return 1;
        }
    }
    static const http_route routes[] = {{"POST", "/v1/applications", post, NULL, 0, NULL, HTTP_ACCEPT_JSON}};
    http_server *srv = NULL;
    if (http_server_start("127.0.0.1", port, routes, 1, NULL, NULL, &srv, err, sizeof err)) {
        fprintf(stderr, "bare202: %s\n", err);
        kafka_producer_destroy(producer, 1000);
        return 1;
    }
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    while (run) pause();
    http_server_stop(srv);
    kafka_producer_destroy(producer, 5000);
    return 0;
}
