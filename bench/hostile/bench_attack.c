/* bench_attack PORT KIND SECONDS: repeats one attack on ingest at
 * 127.0.0.1:PORT from 127.0.0.2 until SECONDS have passed, then prints
 * "RESULT rounds=N answers=<status>xN ...". KIND is one of unauth,
 * wrongkey, overcap (200 connections of 25 MB each), bombs (50 connections
 * of each JSON bomb in turn), slowloris (1000 connections held open).
 * Loopback only. */
#include "attack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define APPLY "POST /v1/applications HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
#define KEY "Authorization: Bearer dev-stepstone-key\r\n"

static void add(attack_result *sum, const attack_result *r) {
    for (int s = 0; s < 600; s++) sum->status_count[s] += r->status_count[s];
    sum->no_answer += r->no_answer;
    sum->connect_failed += r->connect_failed;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: bench_attack PORT unauth|wrongkey|overcap|bombs|slowloris SECONDS\n");
        return 2;
    }
    int port = atoi(argv[1]), seconds = atoi(argv[3]);
    const char *kind = argv[2];
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    time_t end = time(NULL) + seconds;
    if (!strcmp(kind, "slowloris")) {
        attack_slowloris *s = attack_slowloris_start("127.0.0.1", port, "127.0.0.2", 1000, 2000);
        while (time(NULL) < end) sleep(1);
        printf("RESULT rounds=1 answers=open:%d\n", attack_slowloris_stop(s));
        return 0;
    }
    attack_flood f = {.host = "127.0.0.1", .port = port, .source = "127.0.0.2", .timeout_ms = 60000};
    attack_segment big = {"0123456789abcdef", 25 * 1000 * 1000 / 16};
    static const attack_segment bombs[][ATTACK_MAX_SEGMENTS] = {
        {{"{\"board\":\"stepstone_de\",\"x\":[", 1}, {"{},", 2500000}, {"{}]}", 1}},
        {{"{\"x\":", 1}, {"[", 100000}, {"]", 100000}, {"}", 1}},
        {{"{\"board\":\"stepstone_de\",\"candidate\":{\"first_name\":\"", 1}, {"aaaaaaaaaaaaaaaaaaaaaaaaa", 300000},
         {"\"}}", 1}},
        {{"{\"board\":\"stepstone_de\",\"x\":{", 1}, {"\"k\":1,", 1000000}, {"\"z\":1}}", 1}},
    };
    if (!strcmp(kind, "unauth")) {
        f.head = APPLY;
    } else if (!strcmp(kind, "wrongkey")) {
        f.head = APPLY "Authorization: Bearer not-a-key\r\n";
    } else if (!strcmp(kind, "overcap")) {
        f.head = APPLY KEY;
        f.declared_length = 100 * 1000 * 1000;
    } else if (!strcmp(kind, "bombs")) {
        f.head = APPLY KEY;
    } else {
        fprintf(stderr, "bench_attack: unknown attack %s\n", kind);
        return 2;
    }
    attack_result sum = {0}, r;
    int rounds = 0;
    while (time(NULL) < end) {
        if (!strcmp(kind, "bombs")) {
            f.connections = 50;
            memcpy(f.body, bombs[rounds % 4], sizeof f.body);
        } else {
            f.connections = 200;
            f.body[0] = big;
        }
        if (attack_flood_run(&f, &r) != 0) {
            fprintf(stderr, "bench_attack: cannot connect to 127.0.0.1:%d\n", port);
            return 1;
        }
        add(&sum, &r);
        rounds++;
    }
    char text[512];
    attack_result_text(&sum, text, sizeof text);
    for (char *p = text; *p; p++)
        if (*p == ' ') *p = ',';
    printf("RESULT rounds=%d answers=%s\n", rounds, text);
    return 0;
}
