#ifndef ATSB_STATUS_SUPPORT_H
#define ATSB_STATUS_SUPPORT_H

/* Runs atsb-status as a process for one test: its own database, its own
 * topics (unique ATSB_TOPIC_PREFIX, also set in this process so the test's
 * producer writes to them), a free port. Helpers for HTTP with the admin
 * token, producing events, polling, and SQL on the test database. */

#include "atsbridge/v1/ats.pb-c.h"
#include "events.h"
#include "kafka_producer.h"

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <sys/types.h>

#define ADMIN "Authorization: Bearer dev-admin-token"

typedef struct {
    pid_t pid;
    int port;
    char dsn[512];
    char prefix[96];
    char log[512];
    kafka_producer *producer;
    PGconn *db;
} status_proc;

/* Starts the service with extra "K=V" environment entries (NULL-terminated,
 * may be NULL) and waits for /readyz. Aborts the test on failure. */
void st_start(status_proc *s, char *const *extra_env);
/* SIGTERM; asserts a clean exit 0; frees the producer and connection. */
void st_stop(status_proc *s);

/* HTTP against the service; path starts with "/". *out (may be NULL) gets
 * the parsed JSON body (caller puts it). Returns the status code. */
long st_http(status_proc *s, const char *method, const char *path, const char *body,
             const char *auth, json_object **out);
/* GET with the admin token. */
long st_get(status_proc *s, const char *path, json_object **out);

/* Polls GET path (admin token) until ok(body, arg) returns true or timeout_ms
 * passes; returns the last body (caller puts), NULL when never 200. */
json_object *st_poll(status_proc *s, const char *path, int (*ok)(json_object *, void *), void *arg,
                     int timeout_ms);

/* Produces an application event (state = type when type is a state name). */
void st_event(status_proc *s, const char *app, const char *account, const char *type, int attempt,
              int64_t at_ms, const char *error_code, const char *candidate, const char *detail);
/* Produces a fully built event (event id derived when empty). */
void st_emit(status_proc *s, Atsbridge__V1__ApplicationEvent *ev);
/* Produces raw bytes with a schema header to topic base name. */
void st_raw(status_proc *s, const char *topic_base, const char *schema, const void *payload,
            size_t len, const char *key);

/* First column of the first row of a one-parameter query as a number. */
long long st_sql_num(status_proc *s, const char *sql, const char *param);

/* JSON helpers: member as string ("" when null/absent), as int. */
const char *st_str(json_object *o, const char *key);
int64_t st_int(json_object *o, const char *key);

/* Milliseconds since the epoch. */
int64_t st_now_ms(void);

#endif
