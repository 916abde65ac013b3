/* The multi-service chaos suite (labels chaos and, with 300 applications,
 * chaos-short; neither in the default run): N applications (ATSB_CHAOS_APPS,
 * default 5000) flow from a board through the whole stack, with two
 * replicas each of questions and delivery in one consumer group, into the
 * simulator's Lever while, one after the other, spread over the traffic:
 *   - each service process (ingest, both questions, both delivery, status)
 *     is SIGKILLed and started again on the same port, one at a time, so
 *     its partitions move to the other replica and back mid-delivery;
 *   - the harness's PostgreSQL stops at once (-m immediate) and comes back;
 *   - the simulated Lever answers a storm of 429s (Retry-After 1), then of
 *     503s, then commits applications and answers 500 (commit_then_fail);
 *   - on devbroker, the leaders of the pipeline's partitions move to other
 *     brokers, and later every broker goes down for a few seconds; on real
 *     Kafka (ATSB_BROKER=kafka) the stack runs on a broker of its own, which
 *     is SIGKILLed and started again on the same data and port instead.
 * The board posts with a bounded number of clients and retries 503s and
 * refused connections. Every fault is transient, so afterwards every
 * accepted application must be `delivered` in status (none lost, none
 * failed), and the simulator's ledger must hold exactly one Lever
 * opportunity, created once, for each (no duplicates); status's counts must
 * match the ledger. The counts and each fault's timing are printed on
 * stderr. */
#include "harness.h"
#include "kafka_conf.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 8
#define POSTING "demo-lever-posting"

static stack s;
static int n_apps;
static char (*app_ids)[64];    /* per application: the id ingest answered, "" until accepted */
static long *answers;          /* per application: the last HTTP status */
static atomic_int next_app, posted, finished, stop_posting;
static struct timespec t0;
static double pace_ms; /* application i is not posted before t0 + i * pace_ms */
static pthread_t clients[CLIENTS];
static int clients_running, brokers_down;

/* Progress and counts on stderr (ctest keeps them in Testing/Temporary/LastTest.log). */
#define say(...) (fprintf(stderr, "chaos: " __VA_ARGS__), fputc('\n', stderr))

static double since_ms(const struct timespec *from) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - from->tv_sec) * 1e3 + (double)(now.tv_nsec - from->tv_nsec) / 1e6;
}

static void board_ids(int i, char *board_id, size_t blen, char *email, size_t elen) {
    snprintf(board_id, blen, "CHAOS-%06d", i);
    snprintf(email, elen, "chaos-%06d@example.org", i);
}

/* Index from a chaos e-mail, or -1. */
static int email_index(const char *email) {
    int i = -1, end = 0;
    if (sscanf(email, "chaos-%6d@example.org%n", &i, &end) != 1 || email[end] || i < 0 || i >= n_apps) return -1;
    return i;
}

/* One board client: takes the next application, waits for its slot, posts
 * it until ingest accepts it (202, or 200 for a resend it already has),
 * retrying 503 and refused connections as a board would, for at most 3 min. */
static void *client(void *arg) {
    (void)arg;
    char body[4096], board_id[32], email[64];
    while (!atomic_load(&stop_posting)) {
        int i = atomic_fetch_add(&next_app, 1);
        if (i >= n_apps) break;
        double due = i * pace_ms - since_ms(&t0);
        if (due > 0) usleep((useconds_t)(due * 1000));
        board_ids(i, board_id, sizeof board_id, email, sizeof email);
        stack_lever_app_json(body, sizeof body, board_id, email, POSTING);
        atomic_fetch_add(&posted, 1);
        struct timespec first;
        clock_gettime(CLOCK_MONOTONIC, &first);
        long st;
        while ((st = stack_apply(&s, body, app_ids[i], sizeof app_ids[i])) == 503 || st == 0) {
            if (atomic_load(&stop_posting) || since_ms(&first) > 180000) break;
            usleep(500 * 1000);
        }
        if (st != 200 && st != 202) app_ids[i][0] = '\0';
        answers[i] = st;
        atomic_fetch_add(&finished, 1);
    }
    return NULL;
}

/* --- the faults --- */

static void kill_and_restart(int proc) {
    stack_kill(&s, proc);
    usleep(500 * 1000);
    stack_restart(&s, proc);
}
static void kill_ingest(void) { kill_and_restart(STACK_INGEST); }
static void kill_questions(void) { kill_and_restart(STACK_QUESTIONS); }
static void kill_delivery(void) { kill_and_restart(STACK_DELIVERY); }
static void kill_questions2(void) { kill_and_restart(STACK_QUESTIONS2); }
static void kill_delivery2(void) { kill_and_restart(STACK_DELIVERY2); }
static void kill_status(void) { kill_and_restart(STACK_STATUS); }
static void pg_restart(void) { stack_pg_restart(&s, 2); }

/* A storm of count(divisor) = max(minimum, N / divisor) hits of one fault. */
static void storm(const char *target, const char *mode, int status, int divisor, int minimum) {
    int count = n_apps / divisor > minimum ? n_apps / divisor : minimum;
    char body[256];
    snprintf(body, sizeof body, "{\"target\":\"%s\",\"mode\":\"%s\",\"status\":%d,\"retry_after_s\":1,\"count\":%d}",
             target, mode, status, count);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/faults", body, NULL));
}
static void storm_429(void) { storm("lever.*", "status", 429, 25, 10); }
static void storm_503(void) { storm("lever.*", "status", 503, 25, 10); }
static void storm_commit_then_fail(void) { storm("lever.apply", "commit_then_fail", 500, 200, 5); }

static void broker_outage(void) {
    if (stack_brokers("down") != 0) {
        say("not on devbroker, no broker outage");
        return;
    }
    brokers_down = 1;
    sleep(5);
    stack_brokers("up");
    brokers_down = 0;
}

static void kafka_kill(void) {
    if (stack_kafka_kill(&s, 3) != 0) say("not on real Kafka, no broker kill");
}

/* Every partition (the stack makes 2 per topic) of the topics the pipeline
 * consumes gets a new leader (devbroker's 3 brokers, round robin). */
static void leader_moves(void) {
    const char *control = getenv("ATSB_DEVBROKER_CONTROL");
    if (!control || !*control) {
        say("not on devbroker, no leader moves");
        return;
    }
    static const char *const topics[] = {TOPIC_APPLICATIONS_RECEIVED, TOPIC_APPLICATIONS_RESOLVED,
                                         TOPIC_APPLICATIONS_RETRY, TOPIC_APPLICATION_EVENTS,
                                         TOPIC_APPLICATIONS_RETRY_TIERS};
    static int round;
    round++;
    char url[256], body[512], t[256];
    snprintf(url, sizeof url, "%s/leader", control);
    for (size_t i = 0; i < sizeof topics / sizeof topics[0]; i++)
        for (int part = 0; part < 2; part++) {
            snprintf(body, sizeof body, "{\"topic\":\"%s\",\"partition\":%d,\"broker\":%d}",
                     kafka_topic(topics[i], t, sizeof t), part, (round + part + (int)i) % 3 + 1);
            cr_assert_eq(harness_http("POST", url, body, NULL, NULL), 200, "devbroker leader move: %s", body);
        }
}

static const struct {
    const char *name;
    void (*run)(void);
} faults[] = {
    {"SIGKILL ingest + restart", kill_ingest},
    {"Lever 429 storm", storm_429},
    {"SIGKILL questions + restart", kill_questions},
    {"PostgreSQL restart (immediate)", pg_restart},
    {"SIGKILL delivery + restart", kill_delivery},
    {"Lever 503 storm", storm_503},
    {"SIGKILL questions-2 + restart", kill_questions2},
    {"partition leaders move (devbroker only)", leader_moves},
    {"SIGKILL delivery-2 + restart", kill_delivery2},
    {"SIGKILL status + restart", kill_status},
    {"Kafka broker SIGKILL, back after 3 s (real Kafka only)", kafka_kill},
    {"Lever apply commit_then_fail storm", storm_commit_then_fail},
    {"all brokers down 5 s (devbroker only)", broker_outage},
};
#define N_FAULTS (sizeof faults / sizeof faults[0])

/* --- reading the outcome --- */

typedef struct {
    const char *id;
    int index;
} id_entry;

static int by_id(const void *a, const void *b) { return strcmp(((const id_entry *)a)->id, ((const id_entry *)b)->id); }

typedef struct {
    int delivered, failed, failed_without_reason, other, unknown;
    char (*state)[16];           /* per application, "" when status does not list it */
    char (*candidate)[64];       /* ats_candidate_id of delivered ones */
} status_view;

/* Pages through status's applications of demo-lever (500 a page). */
static void read_status(status_view *v, const id_entry *index, int n_accepted) {
    v->delivered = v->failed = v->failed_without_reason = v->other = v->unknown = 0;
    memset(v->state, 0, sizeof *v->state * (size_t)n_apps);
    char path[512], cursor[256] = "";
    do {
        snprintf(path, sizeof path, "/v1/applications?account=demo-lever&limit=500%s%s", *cursor ? "&cursor=" : "",
                 cursor);
        json_object *page = stack_ok(&s, STACK_STATUS, "GET", path, NULL, STACK_ADMIN);
        json_object *list = jo(page, "applications");
        for (size_t k = 0; list && k < json_object_array_length(list); k++) {
            json_object *a = json_object_array_get_idx(list, k);
            id_entry key = {js(a, "application_id"), -1};
            const id_entry *hit = bsearch(&key, index, (size_t)n_accepted, sizeof *index, by_id);
            if (!hit) {
                v->unknown++;
                continue;
            }
            const char *state = js(a, "state");
            snprintf(v->state[hit->index], sizeof v->state[hit->index], "%s", state);
            if (!strcmp(state, "delivered")) {
                v->delivered++;
                snprintf(v->candidate[hit->index], sizeof v->candidate[hit->index], "%s", js(a, "ats_candidate_id"));
            } else if (!strcmp(state, "failed")) {
                v->failed++;
                if (!*js(a, "last_error")) v->failed_without_reason++;
            } else {
                v->other++;
            }
        }
        snprintf(cursor, sizeof cursor, "%s", js(page, "next_cursor"));
        json_object_put(page);
    } while (*cursor);
}

/* How many faulted answers the simulator gave, per status, into buf. */
static void faults_served(char *buf, size_t len) {
    json_object *r = stack_ok(&s, STACK_SIM, "GET", "/_sim/requests", NULL, NULL);
    long long n429 = 0, n503 = 0, n500 = 0;
    json_object_object_foreach(jo(r, "targets") ? jo(r, "targets") : r, target, t) {
        if (strncmp(target, "lever.", 6)) continue;
        n429 += ji(t, "responses.429") > 0 ? ji(t, "responses.429") : 0;
        n503 += ji(t, "responses.503") > 0 ? ji(t, "responses.503") : 0;
        n500 += ji(t, "responses.500") > 0 ? ji(t, "responses.500") : 0;
    }
    snprintf(buf, len, "Lever answered 429 x%lld, 503 x%lld, 500 x%lld", n429, n503, n500);
    json_object_put(r);
}

/* --- the test --- */

static void setup(void) {
    /* Retries quick enough to recover in seconds; delivery's own Lever
     * buckets (and the simulator's, below) out of the way. */
    static char *env[] = {"ATSB_DELIVERY_BACKOFF_BASE_MS=200",
                          "ATSB_DELIVERY_BACKOFF_CAP_MS=2000",
                          "ATSB_DELIVERY_BUSY_RETRY_MS=300",
                          "ATSB_DELIVERY_MAX_ATTEMPTS=12",
                          "ATSB_LEVER_RATE=1000000",
                          "ATSB_LEVER_BURST=1000000",
                          "ATSB_LEVER_APPLY_RATE=1000000",
                          "ATSB_LEVER_APPLY_BURST=1000000",
                          "ATSB_INGEST_RETRY_AFTER_S=1",
                          NULL};
    stack_start_opts(&s, &(stack_opts){.extra_env = env, .replicas = 2, .own_kafka = 1});
    stack_seed(&s);
    json_object_put(stack_ok(&s, STACK_SIM, "POST", "/_sim/lever/rate-limit",
                             "{\"rate\":0,\"burst\":0,\"apply_rate\":0,\"apply_burst\":0}", NULL));
}

static void teardown(void) {
    atomic_store(&stop_posting, 1);
    for (int c = 0; c < clients_running; c++) pthread_join(clients[c], NULL);
    clients_running = 0;
    if (brokers_down) stack_brokers("up");
    stack_stop(&s);
    free(app_ids);
    free(answers);
}

TestSuite(chaos, .init = setup, .fini = teardown, .timeout = 900);

Test(chaos, kills_restarts_storms_and_outages_leave_one_candidate_per_application) {
    const char *env_n = getenv("ATSB_CHAOS_APPS");
    n_apps = env_n && *env_n ? atoi(env_n) : 5000;
    cr_assert(n_apps >= 10 && n_apps <= 100000, "ATSB_CHAOS_APPS must be 10..100000");
    app_ids = calloc((size_t)n_apps, sizeof *app_ids);
    answers = calloc((size_t)n_apps, sizeof *answers);
    cr_assert(app_ids && answers);
    /* Traffic spread over 30..120 s (40 applications/s in between), so that
     * every fault meets applications in flight. */
    double span_s = n_apps / 40.0 < 30 ? 30 : n_apps / 40.0 > 120 ? 120 : n_apps / 40.0;
    pace_ms = span_s * 1000.0 / n_apps;
    say("%d applications over %.0f s, %d clients, 2 replicas of questions and delivery, %s", n_apps, span_s,
        CLIENTS, getenv("ATSB_DEVBROKER_CONTROL") && *getenv("ATSB_DEVBROKER_CONTROL") ? "devbroker" : "kafka");

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int c = 0; c < CLIENTS; c++) {
        cr_assert_eq(pthread_create(&clients[c], NULL, client, NULL), 0);
        clients_running++;
    }

    /* Fault k when k/(faults+1) of the applications have been posted. */
    for (size_t k = 0; k < N_FAULTS; k++) {
        int at = (int)((long)n_apps * (long)(k + 1) / (long)(N_FAULTS + 1));
        while (atomic_load(&posted) < at) usleep(50 * 1000);
        struct timespec f0;
        clock_gettime(CLOCK_MONOTONIC, &f0);
        faults[k].run();
        say("t=%5.1f s posted %d, accepted-or-done %d: %s (%.1f s)", since_ms(&t0) / 1e3,
                    atomic_load(&posted), atomic_load(&finished), faults[k].name, since_ms(&f0) / 1e3);
    }
    for (int c = 0; c < clients_running; c++) pthread_join(clients[c], NULL);
    clients_running = 0;
    double posting_s = since_ms(&t0) / 1e3;

    /* Every application was accepted (the board retried through the outages). */
    int n_accepted = 0, first_refused = -1;
    for (int i = 0; i < n_apps; i++) {
        if (app_ids[i][0]) n_accepted++;
        else if (first_refused < 0) first_refused = i;
    }
    say("%d of %d accepted in %.1f s", n_accepted, n_apps, posting_s);
    cr_expect_eq(n_accepted, n_apps, "application %d not accepted: last answer %ld (logs in %s)", first_refused,
                 first_refused >= 0 ? answers[first_refused] : 0, s.dir);

    id_entry *index = calloc((size_t)n_accepted + 1, sizeof *index);
    cr_assert(index);
    for (int i = 0, k = 0; i < n_apps; i++)
        if (app_ids[i][0]) index[k++] = (id_entry){app_ids[i], i};
    qsort(index, (size_t)n_accepted, sizeof *index, by_id);
    for (int k = 1; k < n_accepted; k++)
        cr_assert(strcmp(index[k - 1].id, index[k].id), "two applications got id %s", index[k].id);

    /* Wait until status shows every accepted application delivered or
     * failed; give up after 2 minutes without progress. */
    status_view v = {.state = calloc((size_t)n_apps, sizeof *v.state),
                     .candidate = calloc((size_t)n_apps, sizeof *v.candidate)};
    cr_assert(v.state && v.candidate);
    int last_done = -1;
    struct timespec progress;
    clock_gettime(CLOCK_MONOTONIC, &progress);
    for (;;) {
        read_status(&v, index, n_accepted);
        int done = v.delivered + v.failed;
        if (done == n_accepted) break;
        if (done != last_done) {
            last_done = done;
            clock_gettime(CLOCK_MONOTONIC, &progress);
        } else if (since_ms(&progress) > 120000) {
            break;
        }
        sleep(2);
    }
    double total_s = since_ms(&t0) / 1e3;
    int not_done = -1;
    for (int i = 0; i < n_apps && not_done < 0; i++)
        if (app_ids[i][0] && strcmp(v.state[i], "delivered") && strcmp(v.state[i], "failed")) not_done = i;
    if (not_done >= 0) {
        char path[128];
        snprintf(path, sizeof path, "/v1/applications/%s", app_ids[not_done]);
        json_object *a = NULL;
        stack_http(&s, STACK_STATUS, "GET", path, NULL, STACK_ADMIN, &a);
        say("stuck application %s (CHAOS-%06d): %s", app_ids[not_done], not_done,
                     a ? json_object_to_json_string(a) : "(not in status)");
        json_object_put(a);
    }

    /* The simulator's ledger: one opportunity per delivered application,
     * created once, the one status names; none for the others. */
    json_object *ledger = stack_ok(&s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    json_object *opps = jo(ledger, "lever.opportunities");
    int *n_opps = calloc((size_t)n_apps, sizeof *n_opps);
    cr_assert(n_opps);
    int duplicates = 0, strays = 0, missing = 0, in_lever_but_failed = 0, wrong_candidate = 0, first_bad = -1;
    const char **opp_id = calloc((size_t)n_apps, sizeof *opp_id);
    cr_assert(opp_id);
    for (size_t k = 0; opps && k < json_object_array_length(opps); k++) {
        json_object *o = json_object_array_get_idx(opps, k);
        int i = email_index(js(o, "emails.0"));
        if (i < 0) continue;
        if (!app_ids[i][0]) {
            strays++;
            continue;
        }
        n_opps[i]++;
        opp_id[i] = js(o, "id");
        long long creates = ji(o, "create_requests");
        int extra = (n_opps[i] - 1) + (creates > 1 ? (int)(creates - 1) : 0);
        if (extra > 0 && first_bad < 0) first_bad = i;
        duplicates += extra;
    }
    for (int i = 0; i < n_apps; i++) {
        if (!app_ids[i][0]) continue;
        int bad = 0;
        if (!strcmp(v.state[i], "delivered")) {
            if (n_opps[i] == 0) missing++, bad = 1;
            else if (strcmp(v.candidate[i], opp_id[i])) wrong_candidate++, bad = 1;
        } else if (n_opps[i] > 0) {
            in_lever_but_failed++, bad = 1;
        }
        if (bad && first_bad < 0) first_bad = i;
    }
    char served[160];
    faults_served(served, sizeof served);
    /* Lost: accepted by ingest and not delivered (failed, stuck, or unknown to status). */
    int lost = n_accepted - v.delivered;
    say("N=%d accepted=%d delivered=%d failed=%d (without reason %d) other=%d lost=%d duplicates=%d "
        "missing=%d failed-but-in-Lever=%d wrong-candidate=%d strays=%d; %s; %.1f s in all",
        n_apps, n_accepted, v.delivered, v.failed, v.failed_without_reason, v.other, lost, duplicates, missing,
        in_lever_but_failed, wrong_candidate, strays, served, total_s);
    if (first_bad >= 0)
        say("first inconsistent application CHAOS-%06d (%s): status %s with opportunity \"%s\"; "
            "the ledger has %d opportunities (%s)",
            first_bad, app_ids[first_bad], v.state[first_bad], v.candidate[first_bad], n_opps[first_bad],
            opp_id[first_bad] ? opp_id[first_bad] : "none");

    cr_expect_eq(not_done, -1, "accepted applications neither delivered nor failed (first CHAOS-%06d; logs in %s)",
                 not_done, s.dir);
    cr_expect_eq(v.unknown, 0, "status lists %d applications nobody accepted", v.unknown);
    cr_expect_eq(v.failed_without_reason, 0, "failed applications without a reason");
    /* Every fault was transient: nothing may end failed, nothing be lost. */
    cr_expect_eq(v.failed, 0, "applications failed after transient faults only (logs in %s)", s.dir);
    cr_expect_eq(lost, 0, "accepted applications not delivered (logs in %s)", s.dir);
    cr_expect_eq(duplicates, 0, "duplicate Lever opportunities (logs in %s)", s.dir);
    cr_expect_eq(missing, 0, "delivered applications missing in Lever (logs in %s)", s.dir);
    cr_expect_eq(in_lever_but_failed, 0, "applications in Lever that status calls failed (logs in %s)", s.dir);
    cr_expect_eq(wrong_candidate, 0, "status names another opportunity than the ledger's");
    cr_expect_eq(strays, 0, "opportunities for applications never accepted");
    int in_lever = 0;
    for (int i = 0; i < n_apps; i++) in_lever += n_opps[i] > 0;
    cr_expect_eq(v.delivered, in_lever, "status's delivered count against the ledger's opportunities");

    json_object_put(ledger);
    free(n_opps);
    free(opp_id);
    free(v.state);
    free(v.candidate);
    free(index);
}
