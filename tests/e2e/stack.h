#ifndef ATSB_TEST_E2E_STACK_H
#define ATSB_TEST_E2E_STACK_H

/* The whole atsbridge stack as processes for one end-to-end test binary:
 * the ATS simulator (atssim with the source tree's seed) and the four
 * services on free ports, one fresh database, every topic of DESIGN.md
 * under a unique ATSB_TOPIC_PREFIX (also set in the test process, so trail
 * and test consumers see the same topics). stack_seed() then configures it
 * only through the public APIs, the way an operator would: accounts on
 * status, the board key and webhook/callback secrets on ingest, the Lever
 * connection through delivery's activation link followed on the simulator,
 * the Eploy connection with client credentials, the simulator's Lever
 * webhook URL pointing at ingest.
 *
 * Every child gets PDEATHSIG (harness_spawn) and ATSB_SIM_PARENT_PID, so
 * none outlives the test; stack_stop() sends SIGTERM and waits. Logs go to
 * <dir>/<name>.log (dir printed in failure messages). */

#include <json-c/json.h>
#include <stddef.h>
#include <sys/types.h>

#define STACK_ADMIN "Authorization: Bearer dev-admin-token"
#define STACK_BOARD_KEY "dev-stepstone-key"
#define STACK_TOOL_KEY "dev-provenbase-key"

/* STACK_DELIVERY2 and STACK_QUESTIONS2: second replicas (same consumer
 * group, own port, logs delivery-2.log / questions-2.log), running only when
 * the stack was started with replicas = 2. */
enum {
    STACK_SIM,
    STACK_STATUS,
    STACK_DELIVERY,
    STACK_QUESTIONS,
    STACK_INGEST,
    STACK_DELIVERY2,
    STACK_QUESTIONS2,
    STACK_NPROC
};

typedef struct {
    pid_t pid[STACK_NPROC];
    int port[STACK_NPROC];
    char url[STACK_NPROC][64]; /* http://127.0.0.1:port */
    char dsn[512];
    char prefix[96]; /* ATSB_TOPIC_PREFIX */
    char dir[256];   /* logs */
    char activation_url[1024]; /* the Lever activation link stack_seed followed */
    char *extra_env[16]; /* "K=V" for every service (static strings), NULL-terminated */
    char *argv[STACK_NPROC][8];  /* how each process was started (malloc'd), for stack_restart */
    char *env[STACK_NPROC][48];
    int replicas;        /* processes of questions and of delivery: 1 or 2 */
    char kafka_dir[512]; /* the stack's own Kafka broker (scripts/kafka), "" when none */
    char kafka_log[600];
    pid_t console; /* stack_console_start's atsb-console, 0 when none */
} stack;

typedef struct {
    char *const *extra_env; /* NULL-terminated "K=V" list added to every service's environment, or NULL */
    int replicas;           /* questions and delivery processes each: 1 (also when 0) or 2 */
    int partitions;         /* of every topic; 0: 2 */
    /* On ATSB_BROKER=kafka: the stack runs on a real Kafka broker of its own
     * (under $ATSB_TESTENV_DIR, so the fixture's stop also ends it), which
     * stack_kafka_kill may SIGKILL without disturbing other tests. On
     * devbroker the harness's broker is used regardless. */
    int own_kafka;
} stack_opts;

/* Creates database and topics, starts everything and waits for /readyz.
 * extra_env: NULL-terminated "K=V" list added to every service's
 * environment (may be NULL). Aborts the test on failure. */
void stack_start(stack *s, char *const *extra_env);
/* The same with every topic made of `partitions` partitions (stack_start: 2). */
void stack_start_partitions(stack *s, char *const *extra_env, int partitions);
/* The same with options (see stack_opts). */
void stack_start_opts(stack *s, const stack_opts *o);
/* SIGTERM to every process (services first), waits, reports unclean exits. */
void stack_stop(stack *s);

/* Starts atsb-console on 127.0.0.1:port (its public URL url) over the
 * stack's status and delivery, log in s->dir/console.log, and waits for
 * /readyz; stack_stop stops it first. */
void stack_console_start(stack *s, int port, const char *url);

/* SIGKILL to one process (no chance to clean up) and reaps it. */
void stack_kill(stack *s, int proc);
/* Starts a killed or stopped service again with the same port and
 * environment and waits for its /readyz (not the simulator: its state
 * would be gone). */
void stack_restart(stack *s, int proc);
/* Restarts the harness's PostgreSQL (the ctest fixture's cluster, shared by
 * every database of the run): stopped at once (-m immediate, like a crash),
 * started again on the same port after down_s seconds
 * (`scripts/testenv pg-restart`). Aborts the test when it does not come back. */
void stack_pg_restart(stack *s, int down_s);
/* devbroker only: every broker "down" or "up" through its control port.
 * Returns 0, or -1 when the run is not on devbroker (nothing done). */
int stack_brokers(const char *state);
/* The stack's own Kafka broker (stack_opts.own_kafka) SIGKILLed, started
 * again on the same data directory and port after down_s seconds. Returns 0,
 * or -1 when the stack has no broker of its own (nothing done); aborts the
 * test when the broker does not come back. */
int stack_kafka_kill(stack *s, int down_s);

/* The operator's setup of the demo accounts (see file comment). */
void stack_seed(stack *s);

/* HTTP to one process. Returns the status; *out (may be NULL) gets the
 * parsed JSON answer (caller puts; NULL when not JSON). */
long stack_http(stack *s, int proc, const char *method, const char *path, const char *body, const char *auth,
                json_object **out);
/* The same, aborting the test unless the answer is 2xx; returns the JSON. */
json_object *stack_ok(stack *s, int proc, const char *method, const char *path, const char *body,
                      const char *auth);
/* GET url following redirects; returns the final status, *final_url (may be
 * NULL) the last URL, *body (may be NULL) the final body (malloc'd). */
long stack_follow(const char *url, char *final_url, size_t urllen, char **body);

/* The query parameters of url as a JSON object (decoded; a parameter given
 * twice fails the test). Caller puts. */
json_object *stack_query_params(const char *url);

/* Reads topic (base name; the stack's prefix is applied) from the start of
 * every partition to its current end, raw: key, value and headers. Returns
 * how many messages hold any of needles (each is printed), the count read
 * into *messages (may be NULL). */
long stack_topic_scan(stack *s, const char *topic_base, const char *const *needles, long *messages);

/* Reads every row of every table of the stack's database, each column as
 * text and bytea as raw bytes. Returns how many rows hold any of needles
 * (each table is printed), the tables and rows read into *tables, *rows. */
long stack_db_scan(stack *s, const char *const *needles, long *tables, long *rows);

/* Polls GET path on proc (admin token) until ok(json, arg) or timeout;
 * returns the last 200 answer (caller puts) or NULL. */
json_object *stack_poll(stack *s, int proc, const char *path, int (*ok)(json_object *, void *), void *arg,
                        int timeout_ms);

/* POST /v1/applications on ingest with the board key; returns the status,
 * app_id (may be NULL) gets application_id. */
long stack_apply(stack *s, const char *json, char *app_id, size_t idlen);

/* A stepstone_de application JSON for a demo-lever-site posting with its
 * required answers (form-demo for demo-lever-posting, form-short else) and
 * consent; account demo-lever. */
void stack_lever_app_json(char *buf, size_t len, const char *board_app_id, const char *email, const char *posting);
/* A stepstone_de application JSON for demo-eploy-posting (account
 * demo-eploy) with its answers, consent and a CV. */
void stack_eploy_app_json(char *buf, size_t len, const char *board_app_id, const char *email);
/* How many applications the simulator's Eploy holds for the candidate with
 * this e-mail; the first in *first (borrowed from ledger) when not NULL. */
int stack_eploy_apps(json_object *ledger, const char *email, json_object **first);
/* The answers (a JSON array's members) the simulator's Lever postings require. */
const char *stack_lever_answers(const char *posting);
/* How many opportunities the simulator's Lever holds for email. */
int stack_sim_opportunities(stack *s, const char *email);
/* A stack_poll condition: an erasure answer (GET /v1/erasures/{id}) that is complete. */
int stack_erasure_complete(json_object *o, void *arg);
/* Applies it and waits until status shows `delivered`; the opportunity id
 * (status's ats_candidate_id) into opp. */
void stack_lever_deliver(stack *s, const char *board_app_id, const char *email, const char *posting, char *opp,
                         size_t opplen);
/* Creates an opportunity directly in the simulator's Lever (as a recruiter
 * would, not through atsbridge); posting may be NULL. Its id into opp. */
void stack_sim_opportunity(stack *s, const char *email, const char *posting, char *opp, size_t opplen);

/* Waits until status shows the application in state; returns the last
 * answer (caller puts), aborting when the state is not reached. */
json_object *stack_wait_app(stack *s, const char *app_id, const char *state, int timeout_ms);

/* Runs build/tools/trail/trail with args against the stack's broker and
 * prefix; returns its stdout (malloc'd) and *status the exit status. */
char *stack_trail(stack *s, const char *args, int *status);

/* JSON helpers: member (dotted path, digits index arrays) as string ("" when
 * absent or null), as int64 (-1), the object itself (NULL). */
const char *js(json_object *o, const char *path);
long long ji(json_object *o, const char *path);
json_object *jo(json_object *o, const char *path);

/* A small PDF (valid magic) as base64, malloc'd. */
char *stack_pdf_b64(const char *marker);

/* Sets account's notification_url (status admin API) and returns the
 * signing secret its answer carries (malloc'd), aborting the test when there
 * is none. Receivers: tests/support/notify_sink.h. */
char *stack_notification_url(stack *s, const char *account, const char *url);

#endif
