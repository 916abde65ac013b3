#ifndef ATSB_TEST_ATTACK_H
#define ATSB_TEST_ATTACK_H

/* Hostile HTTP clients for the hostile suite and `scripts/dev bench
 * hostile`, on loopback only: many connections from one source address
 * (127.0.0.2 by default, so the victim's per-address limits can tell the
 * attacker from the legitimate client on 127.0.0.1), driven by one poll
 * loop.
 *
 * A flood sends each connection's request head and then its body as fast as
 * the server takes it, until the server answers or closes; a body is a list
 * of segments, each a string repeated n times, so a 25 MB body costs no
 * memory here. Slowloris connections send an unfinished head and then one
 * header line every few seconds, and are held until told to stop. */

#include <stddef.h>

#define ATTACK_MAX_SEGMENTS 4

typedef struct {
    const char *text;
    size_t repeat;
} attack_segment;

typedef struct {
    const char *host; /* "127.0.0.1" */
    int port;
    const char *source; /* source address to bind, e.g. "127.0.0.2" */
    int connections;
    const char *head; /* request line and headers, without Content-Length and the blank line */
    attack_segment body[ATTACK_MAX_SEGMENTS];
    size_t declared_length; /* Content-Length sent; 0: the body's real length */
    int timeout_ms;         /* the whole flood */
} attack_flood;

typedef struct {
    int status_count[600]; /* answers by HTTP status */
    int no_answer;         /* closed or reset before any status line, or timed out */
    int connect_failed;
} attack_result;

/* Body length of a flood (sum of segment lengths). */
size_t attack_body_length(const attack_flood *f);

/* Runs the flood to the end. Returns 0, or -1 when no connection could be
 * made at all. */
int attack_flood_run(const attack_flood *f, attack_result *out);

/* Statuses of r as "401x200 413x3 none x2" into buf. */
const char *attack_result_text(const attack_result *r, char *buf, size_t len);

/* Slowloris: n connections from source holding unfinished requests, each
 * sending one more header line every interval_ms, on a thread of its own.
 * attack_slowloris_stop joins it and returns how many were still open (the
 * server had not closed them). */
typedef struct attack_slowloris attack_slowloris;
attack_slowloris *attack_slowloris_start(const char *host, int port, const char *source, int n,
                                         int interval_ms);
int attack_slowloris_open(attack_slowloris *s);
int attack_slowloris_stop(attack_slowloris *s);

/* Peak resident set (VmHWM) of pid in KiB; -1 when unreadable. */
long attack_peak_rss_kib(int pid);

#endif
