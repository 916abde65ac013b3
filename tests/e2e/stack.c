#include "stack.h"

#include "harness.h"
#include "http_server.h"
#include "json_path.h"
#include "kafka_conf.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const names[STACK_NPROC] = {"atssim", "status",     "delivery",   "questions",
                                               "ingest", "delivery-2", "questions-2"};

static const char *const all_topics[] = {TOPIC_APPLICATIONS_RECEIVED, TOPIC_APPLICATIONS_RESOLVED,
                                         TOPIC_APPLICATIONS_RETRY,    TOPIC_APPLICATIONS_DEADLETTER,
                                         TOPIC_ATS_WEBHOOKS,          TOPIC_BGCHECK_UPDATES,
                                         TOPIC_ATS_COMMANDS,          TOPIC_APPLICATION_EVENTS,
                                         TOPIC_APPLICATIONS_RETRY_TIERS};

/* --- JSON --- */

json_object *jo(json_object *o, const char *path) { return json_path(o, path); }

const char *js(json_object *o, const char *path) {
    json_object *v = jo(o, path);
    return v ? json_object_get_string(v) : "";
}

long long ji(json_object *o, const char *path) {
    json_object *v = jo(o, path);
    return v ? (long long)json_object_get_int64(v) : -1;
}

/* --- HTTP --- */

long stack_http(stack *s, int proc, const char *method, const char *path, const char *body, const char *auth,
                json_object **out) {
    char url[1024], *resp = NULL;
    snprintf(url, sizeof url, "%s%s", s->url[proc], path);
    long st = harness_http(method, url, body, auth, &resp);
    if (out) *out = resp && *resp ? json_tokener_parse(resp) : NULL;
    free(resp);
    return st;
}

json_object *stack_ok(stack *s, int proc, const char *method, const char *path, const char *body,
                      const char *auth) {
    char url[1024], *resp = NULL;
    snprintf(url, sizeof url, "%s%s", s->url[proc], path);
    long st = harness_http(method, url, body, auth, &resp);
    cr_assert(st >= 200 && st < 300, "%s %s %s: %ld %s (logs in %s)", names[proc], method, path, st,
              resp ? resp : "", s->dir);
    json_object *o = resp && *resp ? json_tokener_parse(resp) : NULL;
    free(resp);
    return o;
}

static size_t to_file(char *ptr, size_t size, size_t n, void *f) { return fwrite(ptr, size, n, f); }

long stack_follow(const char *url, char *final_url, size_t urllen, char **body) {
    CURL *c = curl_easy_init();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_file);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        char *eff = NULL;
        curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
        if (final_url && urllen) snprintf(final_url, urllen, "%s", eff ? eff : "");
    }
    fclose(f);
    curl_easy_cleanup(c);
    if (body) *body = buf;
    else free(buf);
    return status;
}

json_object *stack_poll(stack *s, int proc, const char *path, int (*ok)(json_object *, void *), void *arg,
                        int timeout_ms) {
    json_object *last = NULL;
    for (int waited = 0; waited <= timeout_ms; waited += 200) {
        json_object *o = NULL;
        if (stack_http(s, proc, "GET", path, NULL, STACK_ADMIN, &o) == 200 && o) {
            json_object_put(last);
            last = o;
            if (!ok || ok(o, arg)) return last;
        } else {
            json_object_put(o);
        }
        usleep(200 * 1000);
    }
    return last;
}

long stack_apply(stack *s, const char *json, char *app_id, size_t idlen) {
    json_object *o = NULL;
    long st = stack_http(s, STACK_INGEST, "POST", "/v1/applications", json, "Authorization: Bearer " STACK_BOARD_KEY,
                         &o);
    if (app_id && idlen) snprintf(app_id, idlen, "%s", js(o, "application_id"));
    json_object_put(o);
    return st;
}

const char *stack_lever_answers(const char *posting) {
    return !strcmp(posting, "demo-lever-posting")
               ? "{\"question_id\":\"q-motivation\",\"value\":\"Ich liebe Logistik\"},"
                 "{\"question_id\":\"q-years\",\"value\":\"5\"},"
                 "{\"question_id\":\"q-forklift\",\"value\":\"yes\"},"
                 "{\"question_id\":\"q-start\",\"value\":\"2026-12-01\"},"
                 "{\"question_id\":\"q-shift\",\"value\":\"late\"},"
                 "{\"question_id\":\"q-langs\",\"values\":[\"de\"]}"
               : "{\"question_id\":\"q-years\",\"value\":\"3\"},"
                 "{\"question_id\":\"q-right-to-work\",\"value\":\"yes\"}";
}

int stack_sim_opportunities(stack *s, const char *email) {
    json_object *ledger = stack_ok(s, STACK_SIM, "GET", "/_sim/ledger", NULL, NULL);
    json_object *opps = jo(ledger, "lever.opportunities");
    int n = 0;
    for (size_t i = 0; opps && i < json_object_array_length(opps); i++)
        n += !strcmp(js(json_object_array_get_idx(opps, i), "emails.0"), email);
    json_object_put(ledger);
    return n;
}

int stack_erasure_complete(json_object *o, void *arg) {
    (void)arg;
    json_object *c = jo(o, "complete");
    return c && json_object_get_boolean(c);
}

void stack_lever_app_json(char *buf, size_t len, const char *board_app_id, const char *email, const char *posting) {
    const char *answers = stack_lever_answers(posting);
    snprintf(buf, len,
             "{\"board\":\"stepstone_de\",\"board_application_id\":\"%s\",\"account_id\":\"demo-lever\","
             "\"posting_id\":\"%s\",\"candidate\":{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
             "\"email\":\"%s\"},\"answers\":[%s],\"consent\":{\"privacy_policy_accepted\":true}}",
             board_app_id, posting, email, answers);
}

void stack_eploy_app_json(char *buf, size_t len, const char *board_app_id, const char *email) {
    char *cv = stack_pdf_b64(board_app_id);
    snprintf(buf, len,
             "{\"board\":\"stepstone_de\",\"board_application_id\":\"%s\",\"account_id\":\"demo-eploy\","
             "\"posting_id\":\"demo-eploy-posting\",\"candidate\":{\"first_name\":\"Siobhán\",\"last_name\":\"O'Brien\","
             "\"email\":\"%s\",\"phone\":\"+353 1 234 5678\"},"
             "\"answers\":[{\"question_id\":\"q-motivation\",\"value\":\"Ich koche gern\"},"
             "{\"question_id\":\"q-years\",\"value\":\"4\"},{\"question_id\":\"q-hygiene\",\"value\":\"yes\"},"
             "{\"question_id\":\"q-start\",\"value\":\"2026-12-01\"},{\"question_id\":\"q-shift\",\"value\":\"early\"},"
             "{\"question_id\":\"q-langs\",\"values\":[\"de\",\"en\"]}],"
             "\"consent\":{\"privacy_policy_accepted\":true},"
             "\"documents\":[{\"kind\":\"cv\",\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\","
             "\"content_base64\":\"%s\"}]}",
             board_app_id, email, cv);
    free(cv);
}

int stack_eploy_apps(json_object *ledger, const char *email, json_object **first) {
    json_object *cands = jo(ledger, "eploy.candidates"), *apps = jo(ledger, "eploy.applications");
    long long cid = -1;
    for (size_t i = 0; cands && i < json_object_array_length(cands); i++) {
        json_object *c = json_object_array_get_idx(cands, i);
        if (!strcasecmp(js(c, "EmailAddress"), email)) cid = ji(c, "CandidateId");
    }
    int n = 0;
    for (size_t i = 0; cid >= 0 && apps && i < json_object_array_length(apps); i++) {
        json_object *a = json_object_array_get_idx(apps, i);
        if (ji(a, "CandidateId") == cid && !n++ && first) *first = a;
    }
    return n;
}

void stack_lever_deliver(stack *s, const char *board_app_id, const char *email, const char *posting, char *opp,
                         size_t opplen) {
    char body[4096], app_id[128];
    stack_lever_app_json(body, sizeof body, board_app_id, email, posting);
    cr_assert_eq(stack_apply(s, body, app_id, sizeof app_id), 202, "application %s not accepted", board_app_id);
    json_object *a = stack_wait_app(s, app_id, "delivered", 60000);
    snprintf(opp, opplen, "%s", js(a, "ats_candidate_id"));
    cr_assert(*opp, "no opportunity id for %s", app_id);
    json_object_put(a);
}

void stack_sim_opportunity(stack *s, const char *email, const char *posting, char *opp, size_t opplen) {
    json_object *tok = stack_ok(s, STACK_SIM, "POST", "/_sim/lever/tokens", "{\"site\":\"demo-lever-site\"}", NULL);
    char auth[512], body[512];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", js(tok, "access_token"));
    json_object_put(tok);
    snprintf(body, sizeof body, "{\"name\":\"Grace Hopper\",\"emails\":[\"%s\"],\"postings\":[%s%s%s]}", email,
             posting ? "\"" : "", posting ? posting : "", posting ? "\"" : "");
    json_object *o = stack_ok(s, STACK_SIM, "POST", "/lever/v1/opportunities?perform_as=user-recruiter", body, auth);
    snprintf(opp, opplen, "%s", js(o, "data.id"));
    cr_assert(*opp, "no opportunity id from the simulator");
    json_object_put(o);
}

static int state_is(json_object *o, void *want) { return !strcmp(js(o, "state"), (const char *)want); }

json_object *stack_wait_app(stack *s, const char *app_id, const char *state, int timeout_ms) {
    char path[256];
    snprintf(path, sizeof path, "/v1/applications/%s", app_id);
    json_object *o = stack_poll(s, STACK_STATUS, path, state_is, (void *)state, timeout_ms);
    json_object *evs = jo(o, "events");
    json_object *last = evs && json_object_array_length(evs) ? json_object_array_get_idx(evs, json_object_array_length(evs) - 1) : NULL;
    cr_assert(o && state_is(o, (void *)state), "application %s: state %s, expected %s (logs in %s); last error %s; last event %s: %s",
              app_id, o ? js(o, "state") : "(none)", state, s->dir, js(o, "last_error"), js(last, "type"),
              js(last, "detail"));
    return o;
}

char *stack_trail(stack *s, const char *args, int *status) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "ATSB_TOPIC_PREFIX='%s' '%s/tools/trail/trail' --brokers '%s' %s 2>>'%s/trail.log'",
             s->prefix, ATSB_BIN_DIR, getenv("ATSB_KAFKA_BROKERS"), args, s->dir);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "popen trail");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) fwrite(chunk, 1, n, f);
    fclose(f);
    int st = pclose(p);
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

char *stack_pdf_b64(const char *marker) {
    char pdf[256];
    int n = snprintf(pdf, sizeof pdf, "%%PDF-1.4\n%% cv %s\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n", marker);
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc(((size_t)n + 2) / 3 * 4 + 1);
    size_t j = 0;
    for (int i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)pdf[i] << 16;
        if (i + 1 < n) v |= (unsigned char)pdf[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)pdf[i + 2];
        out[j++] = tbl[(v >> 18) & 63];
        out[j++] = tbl[(v >> 12) & 63];
        out[j++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[j++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[j] = '\0';
    return out;
}

/* --- processes --- */

static int parse_port(const char *text) {
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    return errno || end == text || v <= 0 || v > 65535 ? -1 : (int)v;
}

/* Starts proc as recorded in s->argv/s->env; waits for /readyz (services). */
static void launch(stack *s, int proc) {
    char log[512];
    snprintf(log, sizeof log, "%s/%s.log", s->dir, names[proc]);
    s->pid[proc] = harness_spawn(s->argv[proc], s->env[proc], log);
    if (proc == STACK_SIM) return;
    char url[128];
    snprintf(url, sizeof url, "%s/readyz", s->url[proc]);
    cr_assert_eq(harness_wait_http(url, 60000), 0, "%s not ready (see %s)", names[proc], log);
}

/* Records argv and env (+ the extra environment) for stack_restart, then launches. */
static void spawn(stack *s, int proc, char *const argv[], char **env, size_t n) {
    for (char *const *e = s->extra_env; *e && n < 46; e++) env[n++] = *e;
    for (size_t i = 0; argv[i] && i < 7; i++) s->argv[proc][i] = strdup(argv[i]);
    for (size_t i = 0; i < n; i++) s->env[proc][i] = strdup(env[i]);
    launch(s, proc);
}

void stack_kill(stack *s, int proc) {
    cr_assert(s->pid[proc] > 0, "%s is not running", names[proc]);
    kill(s->pid[proc], SIGKILL);
    waitpid(s->pid[proc], NULL, 0);
    s->pid[proc] = 0;
}

/* A second process of service `of` (same arguments and environment, the
 * same consumer group) on proc's own port: addr_var is the service's
 * address variable. */
static void spawn_replica(stack *s, int proc, int of, const char *addr_var) {
    size_t len = strlen(addr_var);
    for (size_t i = 0; s->argv[of][i]; i++) s->argv[proc][i] = strdup(s->argv[of][i]);
    for (size_t i = 0; s->env[of][i]; i++) {
        char addr[128];
        const char *e = s->env[of][i];
        if (!strncmp(e, addr_var, len) && e[len] == '=') {
            snprintf(addr, sizeof addr, "%s=127.0.0.1:%d", addr_var, s->port[proc]);
            e = addr;
        }
        s->env[proc][i] = strdup(e);
    }
    launch(s, proc);
}

void stack_restart(stack *s, int proc) {
    cr_assert(proc != STACK_SIM && s->pid[proc] == 0 && s->argv[proc][0], "cannot restart %s", names[proc]);
    launch(s, proc);
}

void stack_pg_restart(stack *s, int down_s) {
    char script[512], envdir[512], secs[16], log[512];
    snprintf(script, sizeof script, "%s/scripts/testenv", ATSB_SOURCE_DIR);
    snprintf(envdir, sizeof envdir, "%s", getenv("ATSB_TESTENV_DIR"));
    snprintf(secs, sizeof secs, "%d", down_s);
    snprintf(log, sizeof log, "%s/pg-restart.log", s->dir);
    char *argv[] = {script, "pg-restart", envdir, secs, NULL};
    pid_t pid = harness_spawn(argv, NULL, log);
    int st = 0;
    cr_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "PostgreSQL did not restart (see %s)", log);
}

int stack_brokers(const char *state) {
    const char *control = getenv("ATSB_DEVBROKER_CONTROL");
    if (!control || !*control) return -1;
    for (int id = 1; id <= 3; id++) {
        char url[256];
        snprintf(url, sizeof url, "%s/brokers/%d/%s", control, id, state);
        cr_assert_eq(harness_http("POST", url, "{}", NULL, NULL), 200, "devbroker %s", url);
    }
    return 0;
}

int stack_kafka_kill(stack *s, int down_s) {
    if (!s->kafka_dir[0]) return -1;
    cr_assert_eq(harness_kafka("kill", s->kafka_dir, NULL, s->kafka_log), 0, "Kafka kill failed (see %s)",
                 s->kafka_log);
    sleep((unsigned)down_s);
    cr_assert_eq(harness_kafka("start", s->kafka_dir, NULL, s->kafka_log), 0, "Kafka did not come back (see %s)",
                 s->kafka_log);
    return 0;
}

/* A real Kafka broker of the stack's own on a low port; the test process
 * and (through it) every service use it. */
static void start_own_kafka(stack *s) {
    char port[16], bootstrap[64];
    snprintf(s->kafka_dir, sizeof s->kafka_dir, "%s/kafka-stack-%d", getenv("ATSB_TESTENV_DIR"), (int)getpid());
    snprintf(s->kafka_log, sizeof s->kafka_log, "%s.log", s->kafka_dir);
    snprintf(port, sizeof port, "%d", harness_low_free_port());
    cr_assert_eq(harness_kafka("start", s->kafka_dir, port, s->kafka_log), 0, "the stack's Kafka did not start (see %s)",
                 s->kafka_log);
    snprintf(bootstrap, sizeof bootstrap, "127.0.0.1:%s", port);
    setenv("ATSB_KAFKA_BROKERS", bootstrap, 1);
}

#define ENV(...) (snprintf(buf[n], sizeof buf[n], __VA_ARGS__), env[n] = buf[n], n++)

void stack_start(stack *s, char *const *extra_env) { stack_start_opts(s, &(stack_opts){.extra_env = extra_env}); }

void stack_start_partitions(stack *s, char *const *extra_env, int partitions) {
    stack_start_opts(s, &(stack_opts){.extra_env = extra_env, .partitions = partitions});
}

void stack_start_opts(stack *s, const stack_opts *o) {
    memset(s, 0, sizeof *s);
    harness_env_load();
    s->replicas = o->replicas == 2 ? 2 : 1;
    const char *broker = getenv("ATSB_BROKER");
    if (o->own_kafka && broker && !strcmp(broker, "kafka")) start_own_kafka(s);
    size_t ne = 0;
    for (char *const *e = o->extra_env; e && *e && ne < 15; e++) s->extra_env[ne++] = *e;
    char unique[64];
    harness_unique("e2e", unique, sizeof unique);
    snprintf(s->prefix, sizeof s->prefix, "%s.", unique);
    setenv("ATSB_TOPIC_PREFIX", s->prefix, 1);
    snprintf(s->dir, sizeof s->dir, "%s/testenv/%s", ATSB_BIN_DIR, unique);
    mkdir(ATSB_BIN_DIR "/testenv", 0755);
    cr_assert(mkdir(s->dir, 0755) == 0, "mkdir %s", s->dir);
    for (size_t i = 0; i < sizeof all_topics / sizeof all_topics[0]; i++) {
        char t[256];
        harness_create_topic(kafka_topic(all_topics[i], t, sizeof t), o->partitions > 0 ? o->partitions : 2);
    }
    harness_create_db(s->dsn, sizeof s->dsn);
    for (int i = STACK_STATUS; i < STACK_NPROC; i++) {
        s->port[i] = harness_free_port();
        snprintf(s->url[i], sizeof s->url[i], "http://127.0.0.1:%d", s->port[i]);
    }

    /* The simulator picks its own port and reports it in a file. */
    char port_file[400], seed[400], parent[64];
    snprintf(port_file, sizeof port_file, "%s/atssim.port", s->dir);
    snprintf(seed, sizeof seed, "%s/tools/atssim/seed.json", ATSB_SOURCE_DIR);
    snprintf(parent, sizeof parent, "ATSB_SIM_PARENT_PID=%d", (int)getpid());
    char *sim_argv[] = {ATSB_BIN_DIR "/tools/atssim/atssim", "--addr", "127.0.0.1:0", "--seed", seed,
                        "--port-file", port_file, NULL};
    static char buf[48][768];
    char *env[48];
    size_t n = 0;
    ENV("%s", parent);
    spawn(s, STACK_SIM, sim_argv, env, n);
    char *port = NULL;
    for (int i = 0; i < 300 && !(port = harness_read_file(port_file)); i++) usleep(50 * 1000);
    cr_assert_not_null(port, "atssim did not start (see %s)", s->dir);
    s->port[STACK_SIM] = parse_port(port);
    free(port);
    cr_assert_gt(s->port[STACK_SIM], 0);
    snprintf(s->url[STACK_SIM], sizeof s->url[STACK_SIM], "http://127.0.0.1:%d", s->port[STACK_SIM]);
    char url[200];
    snprintf(url, sizeof url, "%s/_sim/faults", s->url[STACK_SIM]);
    cr_assert_eq(harness_wait_http(url, 20000), 0, "atssim not answering (see %s)", s->dir);
    const char *sim = s->url[STACK_SIM];

    /* status first (it owns status.accounts, which the others read), then
     * delivery (connections, read by questions), questions, ingest. */
    n = 0;
    ENV("ATSB_PG_DSN=%s", s->dsn);
    ENV("ATSB_TOPIC_PREFIX=%s", s->prefix);
    ENV("ATSB_PG_POOL=4");
    size_t common_n = n;
    ENV("ATSB_STATUS_ADDR=127.0.0.1:%d", s->port[STACK_STATUS]);
    ENV("ATSB_NOTIFY_POLL_MS=200");
    ENV("ATSB_NOTIFY_BACKOFF_BASE_MS=300");
    ENV("ATSB_NOTIFY_BACKOFF_CAP_MS=1000");
    ENV("ATSB_NOTIFY_TIMEOUT_MS=3000");
    char *st_argv[] = {ATSB_BIN_DIR "/services/status/atsb-status", NULL};
    spawn(s, STACK_STATUS, st_argv, env, n);

    n = common_n;
    ENV("ATSB_DELIVERY_ADDR=127.0.0.1:%d", s->port[STACK_DELIVERY]);
    ENV("ATSB_DELIVERY_GROUP=%sdelivery", s->prefix);
    ENV("ATSB_LEVER_API_URL=%s/lever/v1", sim);
    ENV("ATSB_LEVER_TOKEN_URL=%s/lever/auth/oauth/token", sim);
    ENV("ATSB_LEVER_AUTHORIZE_URL=%s/lever/auth/authorize", sim);
    ENV("ATSB_LEVER_SANDBOX_API_URL=%s/lever-sandbox/v1", sim);
    ENV("ATSB_LEVER_SANDBOX_TOKEN_URL=%s/lever-sandbox/auth/oauth/token", sim);
    ENV("ATSB_LEVER_SANDBOX_AUTHORIZE_URL=%s/lever-sandbox/auth/authorize", sim);
    ENV("ATSB_LEVER_REDIRECT_URI=%s/oauth/lever/callback", s->url[STACK_DELIVERY]);
    ENV("ATSB_PROVIDER_URL=%s/provider/v1", sim);
    ENV("ATSB_PROVIDER_CALLBACK_URL=%s/v1/callbacks/bgcheck/asurint", s->url[STACK_INGEST]);
    ENV("ATSB_DELIVERY_WORKERS=8");
    ENV("ATSB_PG_POOL=16");
    ENV("ATSB_DELIVERY_BACKOFF_BASE_MS=300");
    ENV("ATSB_DELIVERY_BACKOFF_CAP_MS=2000");
    ENV("ATSB_DELIVERY_BUSY_RETRY_MS=300");
    ENV("ATSB_DELIVERY_HTTP_TIMEOUT_MS=10000");
    char *dl_argv[] = {ATSB_BIN_DIR "/services/delivery/atsb-delivery", NULL};
    spawn(s, STACK_DELIVERY, dl_argv, env, n);
    if (s->replicas == 2) spawn_replica(s, STACK_DELIVERY2, STACK_DELIVERY, "ATSB_DELIVERY_ADDR");

    n = common_n;
    ENV("ATSB_QUESTIONS_ADDR=127.0.0.1:%d", s->port[STACK_QUESTIONS]);
    ENV("ATSB_QUESTIONS_GROUP=%squestions", s->prefix);
    ENV("ATSB_LEVER_API_URL=%s/lever/v1", sim);
    ENV("ATSB_LEVER_TOKEN_URL=%s/lever/auth/oauth/token", sim);
    ENV("ATSB_LEVER_SANDBOX_API_URL=%s/lever-sandbox/v1", sim);
    ENV("ATSB_LEVER_SANDBOX_TOKEN_URL=%s/lever-sandbox/auth/oauth/token", sim);
    ENV("ATSB_QUESTIONS_FETCH_TIMEOUT_MS=10000");
    char *qs_argv[] = {ATSB_BIN_DIR "/services/questions/atsb-questions", NULL};
    spawn(s, STACK_QUESTIONS, qs_argv, env, n);
    if (s->replicas == 2) spawn_replica(s, STACK_QUESTIONS2, STACK_QUESTIONS, "ATSB_QUESTIONS_ADDR");

    n = common_n;
    ENV("ATSB_INGEST_ADDR=127.0.0.1:%d", s->port[STACK_INGEST]);
    ENV("ATSB_INGEST_STATUS_URL_BASE=%s", s->url[STACK_STATUS]);
    char *in_argv[] = {ATSB_BIN_DIR "/services/ingest/atsb-ingest", NULL};
    spawn(s, STACK_INGEST, in_argv, env, n);
}

void stack_console_start(stack *s, int port, const char *url) {
    char addr[64], pub[160], st[160], dl[160], log[400], ready[192];
    snprintf(addr, sizeof addr, "ATSB_CONSOLE_ADDR=127.0.0.1:%d", port);
    snprintf(pub, sizeof pub, "ATSB_CONSOLE_PUBLIC_URL=%s", url);
    snprintf(st, sizeof st, "ATSB_CONSOLE_STATUS_URL=%s", s->url[STACK_STATUS]);
    snprintf(dl, sizeof dl, "ATSB_CONSOLE_DELIVERY_URL=%s", s->url[STACK_DELIVERY]);
    char *env[] = {addr, pub, st, dl, "ATSB_DEV=1", "ATSB_CONSOLE_COOKIE_SECURE=0",
                   "ATSB_OUTBOUND_ALLOW=127.0.0.0/8,::1", NULL};
    char *argv[] = {ATSB_BIN_DIR "/services/console/atsb-console", NULL};
    snprintf(log, sizeof log, "%s/console.log", s->dir);
    s->console = harness_spawn(argv, env, log);
    snprintf(ready, sizeof ready, "%s/readyz", url);
    cr_assert_eq(harness_wait_http(ready, 30000), 0, "the console is not ready (log %s)", log);
}

void stack_stop(stack *s) {
    /* The console first (it talks to status and delivery), then the
     * services (they may still be talking to the simulator). */
    if (s->console > 0) {
        kill(s->console, SIGTERM);
        waitpid(s->console, NULL, 0);
        s->console = 0;
    }
    static const int order[] = {STACK_INGEST, STACK_QUESTIONS2, STACK_QUESTIONS, STACK_DELIVERY2,
                                STACK_DELIVERY, STACK_STATUS,    STACK_SIM};
    for (size_t i = 0; i < STACK_NPROC; i++)
        if (s->pid[order[i]] > 0) kill(s->pid[order[i]], SIGTERM);
    int unclean = -1, code = 0;
    for (size_t i = 0; i < STACK_NPROC; i++) {
        int p = order[i];
        if (s->pid[p] <= 0) continue;
        int st = 0, done = 0;
        for (int k = 0; k < 600 && !done; k++) {
            if (waitpid(s->pid[p], &st, WNOHANG) == s->pid[p]) done = 1;
            else usleep(50 * 1000);
        }
        if (!done) {
            kill(s->pid[p], SIGKILL);
            waitpid(s->pid[p], &st, 0);
        }
        if (p != STACK_SIM && unclean < 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
            unclean = p;
            code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        s->pid[p] = 0;
    }
    for (size_t p = 0; p < STACK_NPROC; p++) {
        for (size_t i = 0; s->argv[p][i]; i++) free(s->argv[p][i]);
        for (size_t i = 0; s->env[p][i]; i++) free(s->env[p][i]);
    }
    memset(s->argv, 0, sizeof s->argv);
    memset(s->env, 0, sizeof s->env);
    if (s->kafka_dir[0]) harness_kafka("stop", s->kafka_dir, NULL, s->kafka_log);
    cr_expect(unclean < 0, "%s did not exit cleanly on SIGTERM (status %d, see %s)",
              unclean >= 0 ? names[unclean] : "", code, s->dir);
}

/* --- URLs --- */

json_object *stack_query_params(const char *url) {
    json_object *o = json_object_new_object();
    const char *q = strchr(url, '?');
    CURL *c = curl_easy_init();
    for (q = q ? q + 1 : ""; *q;) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (eq) {
            int klen = 0, vlen = 0;
            char *k = curl_easy_unescape(c, q, (int)(eq - q), &klen);
            char *v = curl_easy_unescape(c, eq + 1, (int)(n - (size_t)(eq - q) - 1), &vlen);
            cr_assert(!json_object_object_get_ex(o, k, NULL), "parameter %s twice", k);
            json_object_object_add(o, k, json_object_new_string(v));
            curl_free(k);
            curl_free(v);
        }
        q += n;
        if (*q == '&') q++;
    }
    curl_easy_cleanup(c);
    return o;
}

/* --- scanning what the stack stored --- */

/* 1 when any needle occurs in the len bytes at p. */
static int holds_needle(const void *p, size_t len, const char *const *needles) {
    for (const char *const *n = needles; p && *n; n++)
        if (memmem(p, len, *n, strlen(*n))) return 1;
    return 0;
}

long stack_topic_scan(stack *s, const char *topic_base, const char *const *needles, long *messages) {
    char err[256], topic[256], group[96];
    snprintf(topic, sizeof topic, "%s%s", s->prefix, topic_base);
    rd_kafka_conf_t *conf = kafka_conf_new("test-scan", err, sizeof err);
    cr_assert_not_null(conf, "%s", err);
    harness_unique("scan", group, sizeof group);
    cr_assert_eq(kafka_conf_set(conf, "group.id", group, err, sizeof err), 0, "%s", err);
    cr_assert_eq(kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err), 0, "%s", err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    cr_assert_not_null(rk, "%s", err);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    cr_assert_eq(rd_kafka_metadata(rk, 0, t, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR, "metadata of %s", topic);
    int nparts = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    cr_assert(nparts > 0 && nparts <= 64, "%s has %d partitions", topic, nparts);
    int64_t hi[64], pos[64];
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(nparts);
    for (int p = 0; p < nparts; p++) {
        int64_t lo;
        cr_assert_eq(rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi[p], 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
        pos[p] = lo;
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    cr_assert_eq(rd_kafka_assign(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
    long found = 0, seen = 0;
    for (int waited = 0; waited < 60000; waited += 100) {
        int behind = 0;
        for (int p = 0; p < nparts; p++) behind += pos[p] < hi[p];
        if (!behind) break;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err && m->partition >= 0 && m->partition < nparts) {
            pos[m->partition] = m->offset + 1;
            seen++;
            int hit = holds_needle(m->payload, m->len, needles) || holds_needle(m->key, m->key_len, needles);
            rd_kafka_headers_t *h = NULL;
            if (!hit && rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char *name;
                const void *v;
                size_t vlen;
                for (size_t i = 0; !hit && rd_kafka_header_get_all(h, i, &name, &v, &vlen) == 0; i++)
                    hit = holds_needle(v, vlen, needles);
            }
            if (hit) fprintf(stderr, "personal data in clear: %s[%d]@%lld\n", topic, (int)m->partition,
                             (long long)m->offset);
            found += hit;
        }
        rd_kafka_message_destroy(m);
    }
    for (int p = 0; p < nparts; p++) cr_assert_geq(pos[p], hi[p], "%s[%d] not read to its end", topic, p);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    if (messages) *messages = seen;
    return found;
}

long stack_db_scan(stack *s, const char *const *needles, long *tables, long *rows) {
    PGconn *c = PQconnectdb(s->dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    PGresult *t = PQexec(c, "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)"
                            " FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                            " AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
    cr_assert_eq(PQresultStatus(t), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    long found = 0, nrows = 0;
    for (int i = 0; i < PQntuples(t); i++) {
        char sql[512];
        /* Binary results: text as its bytes, bytea raw (documents are stored raw). */
        snprintf(sql, sizeof sql, "SELECT * FROM %s", PQgetvalue(t, i, 0));
        PGresult *r = PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 1);
        cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", PQgetvalue(t, i, 0), PQerrorMessage(c));
        for (int k = 0; k < PQntuples(r); k++, nrows++) {
            int hit = 0;
            for (int f = 0; f < PQnfields(r) && !hit; f++)
                hit = holds_needle(PQgetvalue(r, k, f), (size_t)PQgetlength(r, k, f), needles);
            if (hit) fprintf(stderr, "personal data in clear: table %s\n", PQgetvalue(t, i, 0));
            found += hit;
        }
        PQclear(r);
    }
    if (tables) *tables = PQntuples(t);
    if (rows) *rows = nrows;
    PQclear(t);
    PQfinish(c);
    return found;
}

/* --- seeding through the public APIs --- */

void stack_seed(stack *s) {
    json_object *o;
    /* Accounts (status admin API). */
    o = stack_ok(s, STACK_STATUS, "PUT", "/v1/accounts/demo-lever",
                 "{\"ats\":\"lever\",\"run_mode\":\"test\",\"company_name\":\"Demo Logistik GmbH\","
                 "\"privacy_policy_url\":\"https://example.org/privacy\",\"lever_perform_as\":\"user-atsbridge\","
                 "\"features\":[\"background_checks\",\"exports\"],\"provider_client_id\":\"demo-asurint-client\","
                 "\"grants\":{\"boards\":[\"stepstone_de\"],\"source_tools\":[\"provenbase\"]}}",
                 STACK_ADMIN);
    json_object_put(o);
    o = stack_ok(s, STACK_STATUS, "PUT", "/v1/accounts/demo-eploy",
                 "{\"ats\":\"eploy\",\"run_mode\":\"test\",\"source_labels\":{\"stepstone_de\":\"stepstone\"},"
                 "\"features\":[\"exports\"],"
                 "\"grants\":{\"boards\":[\"stepstone_de\"],\"source_tools\":[\"provenbase\"]}}",
                 STACK_ADMIN);
    json_object_put(o);

    /* ingest: board and sourcing-tool keys, Lever signature tokens, provider secret. */
    json_object_put(stack_ok(s, STACK_INGEST, "PUT", "/v1/admin/boards/stepstone_de/keys",
                             "{\"key\":\"" STACK_BOARD_KEY "\"}", STACK_ADMIN));
    json_object_put(stack_ok(s, STACK_INGEST, "PUT", "/v1/admin/source-tools/provenbase/keys",
                             "{\"key\":\"" STACK_TOOL_KEY "\"}", STACK_ADMIN));
    json_object_put(stack_ok(s, STACK_INGEST, "PUT", "/v1/admin/accounts/demo-lever/lever-webhook-tokens",
                             "{\"candidateStageChange\":\"whsec-demo-lever-stage-change\","
                             "\"applicationCreated\":\"whsec-demo-lever-application-created\","
                             "\"candidateHired\":\"whsec-demo-lever-candidate-hired\","
                             "\"candidateArchiveChange\":\"whsec-demo-lever-archive-change\"}",
                             STACK_ADMIN));
    json_object_put(stack_ok(s, STACK_INGEST, "PUT", "/v1/admin/providers/asurint/callback-secret",
                             "{\"secret\":\"dev-provider-callback-secret\"}", STACK_ADMIN));

    /* Lever: the activation link, followed on the simulator (accepted with
     * sim_decision, also when the consent page is on), which redirects to
     * delivery's callback. */
    o = stack_ok(s, STACK_DELIVERY, "POST", "/v1/accounts/demo-lever/connections/lever", "{}", STACK_ADMIN);
    const char *link = js(o, "activation_url");
    cr_assert(*link, "no activation_url");
    snprintf(s->activation_url, sizeof s->activation_url, "%s", link);
    char final[1024], *body = NULL, accept[1100];
    snprintf(accept, sizeof accept, "%s&sim_decision=accept", link);
    long st = stack_follow(accept, final, sizeof final, &body);
    cr_assert_eq(st, 200, "activation: %ld at %s: %s (logs in %s)", st, final, body ? body : "", s->dir);
    json_object *cb = json_tokener_parse(body ? body : "");
    cr_assert(cb && json_object_get_boolean(jo(cb, "connected")), "callback answer: %s", body ? body : "");
    cr_assert_str_eq(js(cb, "account_id"), "demo-lever");
    json_object_put(cb);
    free(body);
    json_object_put(o);

    /* Eploy: client credentials, validated by delivery with a token. */
    char req[512];
    snprintf(req, sizeof req,
             "{\"site_url\":\"%s/eploy/demo-eploy-site\",\"client_id\":\"demo-eploy-client\","
             "\"client_secret\":\"demo-eploy-secret\"}",
             s->url[STACK_SIM]);
    json_object_put(stack_ok(s, STACK_DELIVERY, "POST", "/v1/accounts/demo-eploy/connections/eploy", req, STACK_ADMIN));

    /* The simulator's Lever webhooks go to ingest. */
    snprintf(req, sizeof req, "{\"url\":\"%s/v1/webhooks/lever/demo-lever\",\"site\":\"demo-lever-site\"}",
             s->url[STACK_INGEST]);
    json_object_put(stack_ok(s, STACK_SIM, "POST", "/_sim/lever/webhooks", req, NULL));
}

char *stack_notification_url(stack *s, const char *account, const char *url) {
    char path[256], body[512];
    snprintf(path, sizeof path, "/v1/accounts/%s", account);
    snprintf(body, sizeof body, "{\"notification_url\":\"%s\"}", url);
    json_object *put = stack_ok(s, STACK_STATUS, "PUT", path, body, STACK_ADMIN);
    char *secret = strdup(js(put, "notification_secret"));
    json_object_put(put);
    cr_assert(secret && !strncmp(secret, "nsec_", 5), "the first notification_url comes with its secret");
    return secret;
}
