#ifndef ATSB_TEST_DTEST_H
#define ATSB_TEST_DTEST_H

/* Shared set-up of delivery's integration tests: its own database (with
 * status.accounts and ingest.documents from their services' migrations),
 * its own topics (unique ATSB_TOPIC_PREFIX), an atssim process on a free
 * port with the project seed, and atsb-delivery processes pointed at both. */

#include "atsbridge/v1/applications.pb-c.h"
#include "kafka_producer.h"

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    char dsn[512];
    char prefix[96];
    char group[96];
    char sim[128];       /* http://127.0.0.1:port of atssim */
    char delivery[128];  /* http://127.0.0.1:port of atsb-delivery */
    char dir[256];       /* logs */
    pid_t sim_pid;
    pid_t delivery_pid;
    int delivery_port;
    pid_t delivery2_pid; /* a second replica (same group), when started */
    int delivery2_port;
    const char *extra_env[16]; /* additional KEY=VALUE for atsb-delivery */
    size_t nextra;
    int seal; /* how dtest_produce seals personal fields: DTEST_SEAL_* (0: in clear) */
    const char *produce_topic;     /* where dtest_produce produces (base name; NULL: applications.resolved) */
    const kafka_hdr *produce_hdrs; /* and extra headers it adds (may be NULL) */
    size_t produce_nhdrs;
} dtest;

/* dtest.seal: sealed (personal.h) with a new data key; with a key destroyed
 * (erased) before the message is produced; with a key the store does not
 * hold (the message does not open). Needs atsb-delivery started (it applies
 * the keys component). */
enum { DTEST_SEAL_NONE = 0, DTEST_SEAL_KEY, DTEST_SEAL_ERASED, DTEST_SEAL_WRONG_KEY };

/* Environment, database, topics and the simulator. */
void dtest_setup(dtest *t);
/* Stops every process started (SIGKILL when needed). */
void dtest_teardown(dtest *t);

/* Starts atsb-delivery (ATSB_DELIVERY_* tuned for tests + extra_env) and waits for /readyz. */
void dtest_start_delivery(dtest *t);
/* Stops it: SIGTERM (graceful) or SIGKILL. */
void dtest_stop_delivery(dtest *t, int kill9);
/* A second atsb-delivery in the same consumer group (own port, log
 * delivery2.log), started the same way; dtest_teardown stops it. */
void dtest_start_second_delivery(dtest *t);

PGconn *dtest_db(dtest *t);
/* Runs SQL (no parameters); aborts the test on failure. */
void dtest_sql(dtest *t, const char *sql);
/* First column of the first row of a parameterized query, malloc'd ("" when no row). */
char *dtest_query1(dtest *t, const char *sql, int n, const char *const *params);

/* An account row in status.accounts. */
void dtest_account(dtest *t, const char *id, const char *ats, const char *run_mode, const char *notification_url);
/* A Lever connection for account using a token pair minted by the simulator. */
void dtest_lever_connection(dtest *t, const char *account);
/* An Eploy connection through delivery's API (validated by a token). Returns the HTTP status. */
long dtest_eploy_connection(dtest *t, const char *account, const char *client_id, const char *secret);

/* Stores a document in ingest.documents; writes its sha256 into sha (65 bytes). */
void dtest_document(dtest *t, const void *data, size_t len, const char *content_type, char *sha);

/* A resolved application for (account, posting) with a unique id and email. */
typedef struct {
    char app_id[64];
    char email[128];
    char cv_sha[65];
} dtest_app;
/* Builds and produces it. ats "lever"/"eploy"; answers chosen for the seed's demo postings. */
void dtest_produce(dtest *t, const char *account, const char *ats, const char *posting, int posting_is_test,
                   int with_cv, dtest_app *out);

/* GET/POST against the simulator (path starting with "/"); returns the parsed body (caller puts). */
json_object *dtest_sim(dtest *t, const char *method, const char *path, const char *body);
/* Ledger state of an application in delivery.ledger ("" when none), malloc'd. */
char *dtest_ledger_state(dtest *t, const char *app_id);
/* Waits until the ledger state equals want (up to timeout_ms). 0 or -1. */
int dtest_wait_state(dtest *t, const char *app_id, const char *want, int timeout_ms);
/* Lever opportunities (or Eploy candidates) in the sim ledger with this e-mail: count, and the first (borrowed from *ledger). */
int dtest_lever_opps(json_object *ledger, const char *email, json_object **first);
int dtest_eploy_candidates(json_object *ledger, const char *email, json_object **first);
/* Waits (up to 120 s each) until every one of the n applications is
 * DELIVERED, then asserts the simulator's Lever holds exactly one
 * opportunity for each, created by one request. */
void dtest_assert_delivered_once(dtest *t, const dtest_app *apps, int n);

/* Member k of object o (o may be NULL) as a string (NULL when absent or
 * null), as an int64 (-1 when absent). */
const char *dtest_jstr(json_object *o, const char *k);
int64_t dtest_jint(json_object *o, const char *k);

/* Reads every message of a topic (base name) so far, up to wait_ms after the
 * last one: returns a JSON array of {"headers": {...}, "payload_len", "key"}
 * for non-event topics; for application.events the decoded events
 * {"type","application_id","attempt","error_code","detail","ats_candidate_id","state"}. */
json_object *dtest_read_topic(dtest *t, const char *base, int wait_ms);
/* The same for n (1 to 8) topics read by one consumer; every object also
 * has "topic" (the full name). */
json_object *dtest_read_topics(dtest *t, const char *const *bases, size_t n, int wait_ms);

#endif
