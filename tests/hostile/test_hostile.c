/* Hostile input against a real stack: each attack runs from 127.0.0.2
 * while a legitimate board submits valid applications from 127.0.0.1.
 * Each test prints what it measured and asserts that every valid
 * application was answered 202 (none lost), that the attacker got the
 * documented status, and that ingest's peak RSS (VmHWM) stayed under
 * 64 MiB + its body budget (ATSB_HTTP_BODY_BUDGET_MB, 128 by default);
 * under AddressSanitizer the peak is printed, not asserted. */
#include "attack.h"
#include "harness.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_MIB 128
#define RSS_LIMIT_KIB ((64 + BUDGET_MIB) * 1024L)
#define ATTACKER "127.0.0.2"

static stack S;

static void setup(void) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    stack_start(&S, NULL);
    stack_seed(&S);
}

static void teardown(void) { stack_stop(&S); }

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 240);

/* The legitimate board: valid applications one after another until told to stop. */
typedef struct {
    pthread_t thread;
    atomic_int stop;
    int accepted, other, last_status;
    double seconds;
} board;

static size_t discard(char *p, size_t size, size_t n, void *ud) {
    (void)p;
    (void)ud;
    return size * n;
}

static void *board_main(void *arg) {
    board *b = arg;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Authorization: Bearer " STACK_BOARD_KEY);
    char url[128], body[4096], id[96], email[128];
    snprintf(url, sizeof url, "%s/v1/applications", S.url[STACK_INGEST]);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; !atomic_load(&b->stop); i++) {
        snprintf(id, sizeof id, "HOSTILE-%d-%d", (int)t0.tv_nsec, i);
        snprintf(email, sizeof email, "board%d@example.org", i);
        stack_lever_app_json(body, sizeof body, id, email, "demo-lever-posting");
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status == 202) {
            b->accepted++;
        } else {
            b->other++;
            b->last_status = (int)status;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    b->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static void board_start(board *b) {
    memset(b, 0, sizeof *b);
    pthread_create(&b->thread, NULL, board_main, b);
}

/* Stops the board and checks that every application it sent was accepted. */
static void board_check(board *b, const char *attack) {
    atomic_store(&b->stop, 1);
    pthread_join(b->thread, NULL);
    long peak = attack_peak_rss_kib(S.pid[STACK_INGEST]);
    printf("hostile %-28s board: %d accepted (%.0f/s), %d refused (last %d); ingest VmHWM %ld KiB (limit %ld)\n",
           attack, b->accepted, b->accepted / (b->seconds > 0 ? b->seconds : 1), b->other, b->last_status, peak,
           RSS_LIMIT_KIB);
    fflush(stdout);
    cr_expect_gt(b->accepted, 0, "%s: the board got no application through", attack);
    cr_expect_eq(b->other, 0, "%s: %d valid applications were not accepted (last status %d)", attack, b->other,
                 b->last_status);
#ifndef __SANITIZE_ADDRESS__ /* ASan's quarantine and shadow memory are not ingest's */
    cr_expect(peak > 0 && peak < RSS_LIMIT_KIB, "%s: ingest's peak RSS %ld KiB is over %ld KiB", attack, peak,
              RSS_LIMIT_KIB);
#endif
}

static attack_flood flood(const char *head, int connections) {
    attack_flood f = {.host = "127.0.0.1", .port = S.port[STACK_INGEST], .source = ATTACKER,
                      .connections = connections, .head = head, .timeout_ms = 60000};
    return f;
}

/* Runs f and expects every connection answered with status (or also with alt, when non-zero). */
static void flood_expect(const char *attack, attack_flood *f, int status, int alt) {
    attack_result r;
    char text[256];
    cr_assert_eq(attack_flood_run(f, &r), 0, "%s: no connection to ingest", attack);
    int expected = r.status_count[status] + (alt ? r.status_count[alt] : 0);
    printf("hostile %-28s attacker: %d connections, body %zu bytes declared %zu: %s\n", attack, f->connections,
           attack_body_length(f), f->declared_length, attack_result_text(&r, text, sizeof text));
    cr_expect_eq(expected, f->connections, "%s: answers %s, expected %d for all %d", attack, text, status,
                 f->connections);
}

#define APPLY "POST /v1/applications HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
#define BIG_BODY ((attack_segment){"0123456789abcdef", 25 * 1000 * 1000 / 16})

Test(hostile, unauthenticated_wrong_key_and_over_cap_bodies) {
    board b;
    board_start(&b);
    attack_flood f = flood(APPLY, 200);
    f.body[0] = BIG_BODY;
    flood_expect("unauthenticated 25 MB", &f, 401, 0);
    f = flood(APPLY "Authorization: Bearer not-a-key\r\n", 200);
    f.body[0] = BIG_BODY;
    flood_expect("wrong key 25 MB", &f, 401, 0);
    f = flood(APPLY "Authorization: Bearer " STACK_BOARD_KEY "\r\n", 200);
    f.body[0] = BIG_BODY;
    f.declared_length = 100 * 1000 * 1000;
    flood_expect("valid key, over the cap", &f, 413, 0);
    board_check(&b, "401/401/413 floods");
}

Test(hostile, json_bombs) {
    board b;
    board_start(&b);
    static const char *const key = APPLY "Authorization: Bearer " STACK_BOARD_KEY "\r\n";
    struct {
        const char *name;
        attack_segment seg[ATTACK_MAX_SEGMENTS];
    } bombs[] = {
        {"2.5 million empty objects",
         {{"{\"board\":\"stepstone_de\",\"x\":[", 1}, {"{},", 2500000}, {"{}]}", 1}}},
        {"nesting 100000 deep", {{"{\"x\":", 1}, {"[", 100000}, {"]", 100000}, {"}", 1}}},
        {"nesting at the limit, repeated",
         {{"{\"x\":[", 1}, {"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]],", 100000}, {"1]}", 1}}},
        {"a 7.5 MB string", {{"{\"board\":\"stepstone_de\",\"candidate\":{\"first_name\":\"", 1},
                             {"aaaaaaaaaaaaaaaaaaaaaaaaa", 300000}, {"\"}}", 1}}},
        {"a million keys", {{"{\"board\":\"stepstone_de\",\"x\":{", 1}, {"\"k\":1,", 1000000}, {"\"z\":1}}", 1}}},
    };
    for (size_t i = 0; i < sizeof bombs / sizeof bombs[0]; i++) {
        attack_flood f = flood(key, 50);
        memcpy(f.body, bombs[i].seg, sizeof f.body);
        /* 413 names the limit; 503 (Retry-After) when the attacker's share of the body budget is in use. */
        attack_result r;
        char text[256];
        cr_assert_eq(attack_flood_run(&f, &r), 0);
        printf("hostile %-28s attacker: 50 connections, body %zu bytes: %s\n", bombs[i].name,
               attack_body_length(&f), attack_result_text(&r, text, sizeof text));
        cr_expect_eq(r.status_count[413] + r.status_count[503], 50, "%s: %s", bombs[i].name,
                     text);
    }
    board_check(&b, "JSON bombs");
}

Test(hostile, slowloris) {
    board b;
    /* One header line every 2 s keeps the idle timeout (15 s) away; the per-address connection limit (512)
     * refuses the rest at once and the header deadline (10 s) ends the others. */
    attack_slowloris *sl = attack_slowloris_start("127.0.0.1", S.port[STACK_INGEST], ATTACKER, 1000, 2000);
    sleep(2);
    board_start(&b);
    sleep(4);
    int held = attack_slowloris_open(sl);
    sleep(8);
    /* The deadline ends them about 10 s in (the sweep runs every second);
     * the attacker learns it at its next writes, 2 s apart: allow a slow
     * (sanitized, loaded) run 10 s more before counting. */
    for (int i = 0; i < 20 && attack_slowloris_open(sl) > 0; i++) usleep(500 * 1000);
    int open = attack_slowloris_stop(sl);
    printf("hostile %-28s attacker: 1000 connections, %d held after 6 s, %d still open after 14-24 s\n",
           "slowloris", held, open);
    board_check(&b, "slowloris");
    cr_expect_leq(held, 512, "more connections from one address than ATSB_HTTP_MAX_CONNECTIONS_PER_IP");
    cr_expect_eq(open, 0, "%d slowloris connections outlived the header deadline", open);
}
