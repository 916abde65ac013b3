/* Baselines for scripts/bench's ingest scenario: a bare libmicrohttpd server
 * in the same threading mode as common/http_server.c (thread per
 * connection) that reads the request body and answers 202 with a small JSON
 * body. What ingest adds on top (parsing, PostgreSQL, Kafka) is the
 * difference.
 *
 *   bench_bare202 PORT [TOPIC]
 *
 * With TOPIC (ATSB_KAFKA_BROKERS and the services' producer settings) each
 * request's body is produced there first and 202 follows the delivery
 * report, as ingest must answer: the bound of any durable acceptance at
 * that concurrency, without parsing or PostgreSQL. */
#include "kafka_producer.h"

#include <microhttpd.h>
#include <signal.h>
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
static const char *topic;

typedef struct {
    char *body;
    size_t len;
} req;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state) {
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    static int marker; /* the bare baseline keeps no state: nothing to allocate per request */
    if (!*state) {
        *state = producer ? calloc(1, sizeof(req)) : (void *)&marker;
        return *state ? MHD_YES : MHD_NO;
    }
    req *q = *state;
    if (*size) {
        if (producer) {
            char *b = realloc(q->body, q->len + *size);
            if (!b) return MHD_NO;
            memcpy(b + q->len, data, *size);
            q->body = b;
            q->len += *size;
        }
        *size = 0; /* the bare baseline discards the body */
        return MHD_YES;
    }
    int status = 202;
    if (producer) {
        kafka_msg m = {.topic = topic, .payload = q->body ? q->body : "", .len = q->len,
                       .schema = "atsbridge.v1.ApplicationReceived"};
        if (kafka_producer_send(producer, &m) != RD_KAFKA_RESP_ERR_NO_ERROR) status = 503;
    }
    static const char body[] = "{\"application_id\":\"app_0\",\"status_url\":\"http://127.0.0.1:8084/\"}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **state, enum MHD_RequestTerminationCode code) {
    (void)cls;
    (void)conn;
    (void)code;
    req *q = *state;
    if (producer && q) {
        free(q->body);
        free(q);
    }
    *state = NULL;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 8091;
    char err[512];
    if (argc > 2) {
        topic = argv[2];
        if (kafka_producer_new("bench-bare202", &producer, err, sizeof err)) {
            fprintf(stderr, "bare202: %s\n", err);
            return 1;
        }
    }
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                                MHD_USE_POLL,
                                            (uint16_t)port, NULL, NULL, on_request, NULL,
                                            MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bare202: cannot listen on %d\n", port);
        kafka_producer_destroy(producer, 1000);
        return 1;
    }
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    while (run) pause();
    MHD_stop_daemon(d);
    kafka_producer_destroy(producer, 5000);
    return 0;
}
