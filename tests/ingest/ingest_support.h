#ifndef ATSB_TEST_INGEST_SUPPORT_H
#define ATSB_TEST_INGEST_SUPPORT_H

/* Helpers for ingest's integration tests: an atsb-ingest process on its own
 * database and topic prefix, HTTP with arbitrary content types and headers,
 * and reading the single-partition topics it produces to. */

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int port;
    char base[64];    /* http://127.0.0.1:port */
    char prefix[80];  /* ATSB_TOPIC_PREFIX */
    char dsn[512];
    char dbname[80];
    char log[512];
} ingest_proc;

/* Creates a database (with status.accounts holding demo-lever (lever) and
 * demo-eploy (eploy) unless no_status), the four topics with one partition,
 * starts atsb-ingest with ATSB_KAFKA_MESSAGE_TIMEOUT_MS=3000 (and a group
 * commit lingering 30 ms, so requests sent together share a batch; two
 * webhooks or callbacks waiting for Kafka at most) and waits for
 * /readyz. Registers dev-stepstone-key for stepstone_de. */
void ingest_start(ingest_proc *p, int no_status);
/* ingest_start with one more environment variable ("NAME=value"; NULL for none). */
void ingest_start_env(ingest_proc *p, int no_status, const char *extra);
void ingest_stop(ingest_proc *p);

/* Full topic name of base under p's prefix. */
const char *ingest_topic(const ingest_proc *p, const char *base, char *buf, size_t len);

typedef struct {
    long status;
    char *body;            /* malloc'd, NUL-terminated */
    char retry_after[32];  /* "" when absent */
} ingest_resp;

/* One request; headers is a NULL-terminated list of "Name: value" (may be
 * NULL). Content-Type is set only when content_type is not NULL. */
void ingest_http(const char *method, const char *url, const char *content_type, const char *body, size_t len,
                 const char *const *headers, ingest_resp *out);
void ingest_resp_free(ingest_resp *r);

/* POST JSON to base+path with a bearer key (NULL: none). */
void ingest_post_json(const ingest_proc *p, const char *path, const char *key, const char *json, ingest_resp *out);

/* Admin PUT with the dev admin token. Returns the status. */
long ingest_admin_put(const ingest_proc *p, const char *path, const char *json);

/* Messages in partition 0 of topic (its high watermark). */
int64_t topic_count(const char *topic);

/* Reads message at offset of partition 0 (NULL after 15 s). Destroy with
 * rd_kafka_message_destroy; the consumer is kept in a static cache. */
rd_kafka_message_t *topic_read(const char *topic, int64_t offset);

/* Header value of m into buf, or NULL. */
const char *msg_header(const rd_kafka_message_t *m, const char *name, char *buf, size_t len);

/* Runs sql on dsn with text params; returns the first column of the first
 * row as a number (or -1 on no rows); aborts on SQL errors. */
int64_t db_scalar(const char *dsn, const char *sql, int nparams, const char *const *params);
void db_exec(const char *dsn, const char *sql);

/* Unpacks an ApplicationReceived read from applications.received, asserts
 * that its personal fields travelled sealed, and opens them with the data
 * key in p's database (personal.h). Free with
 * atsbridge__v1__application_received__free_unpacked. */
struct Atsbridge__V1__ApplicationReceived;
struct Atsbridge__V1__ApplicationReceived *received_open(const ingest_proc *p, const rd_kafka_message_t *m);

/* Destroys the data key of an application as erasure does (data_keys.h). */
void erase_key(const ingest_proc *p, const char *application_id);

/* Base64 of data (malloc'd). */
char *b64(const void *data, size_t len);

/* A JSON application for stepstone_de with the given board id and first
 * name and an optional document (base64 text, NULL for none). malloc'd. */
char *sample_application(const char *board_app_id, const char *first_name, const char *doc_b64);

#endif
