#ifndef ATSB_HARNESS_H
#define ATSB_HARNESS_H

#include <libpq-fe.h>

#include <stddef.h>
#include <sys/types.h>

/* Test harness. scripts/testenv (run by the ctest fixture env_start) starts a
 * private PostgreSQL and a broker and writes KEY=VALUE lines to
 * $ATSB_TESTENV_DIR/env; harness_env_load() puts them into the environment
 * (ATSB_PG_DSN, ATSB_KAFKA_BROKERS, ATSB_DEVBROKER_CONTROL, ...). Every test
 * gets its own topics (harness_unique + harness_create_topic) and its own
 * database (harness_create_db), so tests never see each other's data. */

/* Loads the env file; aborts the test (cr_fatal) when it is missing. */
void harness_env_load(void);

/* Writes "<prefix>-<pid>-<random>" into buf. */
const char *harness_unique(const char *prefix, char *buf, size_t len);

/* Creates a topic on the test broker (devbroker control port, or the Admin
 * API on a real broker). Aborts the test on failure. */
void harness_create_topic(const char *name, int partitions);

/* Creates an empty database and writes a DSN for it into dsn. */
void harness_create_db(char *dsn, size_t len);

/* One HTTP request with libcurl. Returns the status (0 when the connection
 * failed); *body (malloc'd, may be NULL) receives the response body. */
long harness_http(const char *method, const char *url, const char *body, const char *auth_header,
                  char **resp_body);

/* Finds a free TCP port on 127.0.0.1. */
int harness_free_port(void);
/* A free TCP port on 127.0.0.1 below the ephemeral range (22000..30000), for
 * a broker a test kills and restarts: while it is down, its clients'
 * reconnects could otherwise be given its port as their local port and
 * connect to themselves (TCP simultaneous open), which keeps the port busy
 * and the restarted broker out. Aborts the test when none is free. */
int harness_low_free_port(void);

/* Runs scripts/kafka CMD DIR [ARG] (a real Kafka broker of the test's own:
 * start DIR PORT, stop, kill, restart --kill; see the script) with output
 * appended to log_path, and waits for it (the script bounds its own waits).
 * Returns its exit status, -1 when it did not exit normally. */
int harness_kafka(const char *cmd, const char *dir, const char *arg, const char *log_path);

/* fork+exec argv with extra environment (NULL-terminated "K=V" list); the
 * child gets SIGTERM when the test process exits, so none outlives its test;
 * stdout/stderr go to log_path when not NULL. Returns the pid. */
pid_t harness_spawn(char *const argv[], char *const env[], const char *log_path);

/* harness_spawn, then waits for the process and copies its log to stderr
 * (a checking script's report shows in the test's output). Returns the
 * wait status (WIFEXITED, WEXITSTATUS). */
int harness_run(char *const argv[], char *const env[], const char *log_path);

/* Waits up to timeout_ms for GET url to answer 200. Returns 0 or -1. */
int harness_wait_http(const char *url, int timeout_ms);

/* Reads a whole file into a malloc'd string, or NULL. */
char *harness_read_file(const char *path);

/* Connects to dsn; asserts success. */
PGconn *harness_connect(const char *dsn);

/* Runs a SQL file (a migration from the source tree) on c; asserts success. */
void harness_exec_file(PGconn *c, const char *path);
/* Runs every .sql file of dir in name order (a service's migrations, as its
 * migrate step would); aborts the test on the first failure. */
void harness_exec_dir(PGconn *c, const char *dir);

#endif
