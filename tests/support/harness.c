#include "harness.h"

#include <dirent.h>

#include "config.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *harness_read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = b;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf) buf = calloc(1, 1);
    else buf[len] = '\0';
    return buf;
}

PGconn *harness_connect(const char *dsn) {
    PGconn *c = PQconnectdb(dsn);
    cr_assert(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    return c;
}

void harness_exec_file(PGconn *c, const char *path) {
    char *sql = harness_read_file(path);
    cr_assert_not_null(sql, "%s", path);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    cr_assert(ok, "%s: %s", path, PQerrorMessage(c));
    PQclear(r);
    free(sql);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void harness_exec_dir(PGconn *c, const char *dir) {
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    char *names[64];
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL && n < 64;) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".sql")) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        harness_exec_file(c, path);
        free(names[i]);
    }
}

void harness_env_load(void) {
    const char *dir = getenv("ATSB_TESTENV_DIR");
    cr_assert(dir, "ATSB_TESTENV_DIR is not set: run the tests through ctest");
    char path[1024];
    snprintf(path, sizeof path, "%s/env", dir);
    char *text = harness_read_file(path);
    cr_assert(text, "no test environment at %s: the env_start fixture did not run", path);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        setenv(line, eq + 1, 1);
    }
    free(text);
}

const char *harness_unique(const char *prefix, char *buf, size_t len) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    srand((unsigned)(ts.tv_nsec ^ getpid()));
    snprintf(buf, len, "%s-%d-%08x", prefix, (int)getpid(), (unsigned)rand());
    return buf;
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata) {
    FILE *f = userdata;
    return fwrite(ptr, size, nmemb, f);
}

long harness_http(const char *method, const char *url, const char *body, const char *auth_header,
                  char **resp_body) {
    CURL *c = curl_easy_init();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (auth_header) h = curl_slist_append(h, auth_header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    fclose(f);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (resp_body) *resp_body = buf;
    else free(buf);
    return status;
}

void harness_create_topic(const char *name, int partitions) {
    const char *control = getenv("ATSB_DEVBROKER_CONTROL");
    if (control && *control) {
        char url[512], body[512];
        snprintf(url, sizeof url, "%s/topics", control);
        snprintf(body, sizeof body, "{\"name\":\"%s\",\"partitions\":%d}", name, partitions);
        cr_assert_eq(harness_http("POST", url, body, NULL, NULL), 200, "devbroker refused topic %s", name);
        return;
    }
    /* A real broker: CreateTopics through the Admin API. */
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", getenv("ATSB_KAFKA_BROKERS"), err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cr_assert(rk, "admin client: %s", err);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, partitions, 1, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    cr_assert(ev, "CreateTopics timed out");
    const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
    size_t n;
    const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
    cr_assert(n == 1 && (!rd_kafka_topic_result_error(tr[0]) ||
                         rd_kafka_topic_result_error(tr[0]) == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS),
              "CreateTopics %s failed", name);
    rd_kafka_event_destroy(ev);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

void harness_create_db(char *dsn, size_t len) {
    const char *base = getenv("ATSB_PG_DSN");
    cr_assert(base, "ATSB_PG_DSN not set");
    PGconn *c = PQconnectdb(base);
    cr_assert(PQstatus(c) == CONNECTION_OK, "postgres: %s", PQerrorMessage(c));
    char name[64];
    harness_unique("t", name, sizeof name);
    for (char *p = name; *p; p++)
        if (*p == '-') *p = '_';
    /* Identifiers cannot be parameters; the name is quoted by libpq. */
    char *ident = PQescapeIdentifier(c, name, strlen(name));
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", ident);
    PQfreemem(ident);
    PGresult *r = PQexec(c, sql);
    cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK, "create database: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    snprintf(dsn, len, "%s dbname=%s", base, name);
}

int harness_free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

int harness_low_free_port(void) {
    int base = (int)(getpid() % 4000);
    for (int i = 0; i < 4000; i += 2) {
        int port = 22000 + (base + i) % 8000;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert(fd >= 0, "socket failed");
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok) return port;
    }
    cr_assert_fail("no free port between 22000 and 30000");
    return -1;
}

int harness_kafka(const char *cmd, const char *dir, const char *arg, const char *log_path) {
    char script[1024], topics_env[1100];
    snprintf(script, sizeof script, "%s/scripts/kafka", ATSB_SOURCE_DIR);
    snprintf(topics_env, sizeof topics_env, "ATSB_TOPICS_BIN=%s/tools/topics/atsb-topics", ATSB_BIN_DIR);
    char *argv[] = {script, (char *)cmd, (char *)dir, (char *)arg, NULL};
    char *env[] = {topics_env, NULL};
    pid_t pid = harness_spawn(argv, env, log_path);
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

pid_t harness_spawn(char *const argv[], char *const env[], const char *log_path) {
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert(pid >= 0, "fork failed");
    if (pid == 0) {
        /* A test that fails (or skips) before stopping its child must not
         * leave the child running: it dies with the test process. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);
        for (char *const *e = env; e && *e; e++) putenv(*e);
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
            }
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int harness_run(char *const argv[], char *const env[], const char *log_path) {
    pid_t pid = harness_spawn(argv, env, log_path);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    char *out = harness_read_file(log_path);
    fprintf(stderr, "%s", out ? out : "");
    free(out);
    return st;
}

int harness_wait_http(const char *url, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms; waited += 100) {
        if (harness_http("GET", url, NULL, NULL, NULL) == 200) return 0;
        usleep(100 * 1000);
    }
    return -1;
}
