/* A protobuf message with the standard headers, produced by one process and
 * consumed by another through the test broker. */
#include "atsbridge/v1/events.pb-c.h"
#include "harness.h"
#include "kafka_conf.h"
#include "kafka_consumer.h"
#include "kafka_producer.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void produce_in_child(const char *topic) {
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid > 0) {
        int st;
        waitpid(pid, &st, 0);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "producer process failed");
        return;
    }
    char err[256];
    kafka_producer *p;
    if (kafka_producer_new("ingest", &p, err, sizeof err)) _exit(1);
    Atsbridge__V1__ApplicationEvent ev = ATSBRIDGE__V1__APPLICATION_EVENT__INIT;
    ev.event_id = "ev-1";
    ev.application_id = "app-1";
    ev.type = "received";
    ev.service = "ingest";
    ev.at_ms = 1764000000000;
    size_t len = atsbridge__v1__application_event__get_packed_size(&ev);
    uint8_t *buf = malloc(len);
    atsbridge__v1__application_event__pack(&ev, buf);
    kafka_hdr extra[] = {{"attempt", "1"}};
    kafka_msg m = {.topic = topic, .key = "app-1", .payload = buf, .len = len,
                   .schema = "atsbridge.v1.ApplicationEvent", .trace_id = "trace-42",
                   .extra = extra, .nextra = 1};
    rd_kafka_resp_err_t e = kafka_producer_send(p, &m);
    free(buf);
    kafka_producer_destroy(p, 5000);
    _exit(e == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : 1);
}

Test(kafka, protobuf_with_headers_across_processes) {
    harness_env_load();
    char topic[128], group[128];
    harness_unique("roundtrip", topic, sizeof topic);
    harness_unique("g", group, sizeof group);
    harness_create_topic(topic, 4);
    produce_in_child(topic);

    char err[256];
    kafka_consumer *c;
    const char *topics[] = {topic};
    cr_assert_eq(kafka_consumer_new("status", group, topics, 1, &c, err, sizeof err), 0, "%s", err);
    rd_kafka_message_t *m = NULL;
    for (int i = 0; i < 300 && !m; i++) m = kafka_consumer_poll(c, 100);
    cr_assert_not_null(m, "no message within 30 s");
    char hb[128];
    cr_assert_str_eq(kafka_header(m, "schema", hb, sizeof hb), "atsbridge.v1.ApplicationEvent");
    cr_assert_str_eq(kafka_header(m, "producer", hb, sizeof hb), "ingest");
    cr_assert_str_eq(kafka_header(m, "trace-id", hb, sizeof hb), "trace-42");
    cr_assert_str_eq(kafka_header(m, "attempt", hb, sizeof hb), "1");
    cr_assert_eq(m->key_len, 5);
    cr_assert_eq(memcmp(m->key, "app-1", 5), 0);
    Atsbridge__V1__ApplicationEvent *ev =
        atsbridge__v1__application_event__unpack(NULL, m->len, m->payload);
    cr_assert_not_null(ev);
    cr_assert_str_eq(ev->event_id, "ev-1");
    cr_assert_str_eq(ev->type, "received");
    cr_assert_eq(ev->at_ms, 1764000000000);
    atsbridge__v1__application_event__free_unpacked(ev, NULL);
    cr_assert_eq(kafka_consumer_store(c, m), 0);
    rd_kafka_message_destroy(m);
    kafka_consumer_destroy(c, 10000);
}
