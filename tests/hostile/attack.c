#include "attack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A non-blocking socket from source to host:port, connecting; -1 on failure. */
static int open_from(const char *host, int port, const char *source, int nonblocking) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if ((source && (inet_pton(AF_INET, source, &src.sin_addr) != 1 ||
                    bind(fd, (struct sockaddr *)&src, sizeof src) != 0)) ||
        inet_pton(AF_INET, host, &dst.sin_addr) != 1) {
        close(fd);
        return -1;
    }
    if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

size_t attack_body_length(const attack_flood *f) {
    size_t n = 0;
    for (int i = 0; i < ATTACK_MAX_SEGMENTS && f->body[i].text; i++) n += strlen(f->body[i].text) * f->body[i].repeat;
    return n;
}

/* Copies body bytes [off, off+n) into buf; returns how many there were. */
static size_t body_fill(const attack_flood *f, size_t off, char *buf, size_t n) {
    size_t done = 0, base = 0;
    for (int i = 0; i < ATTACK_MAX_SEGMENTS && f->body[i].text && done < n; i++) {
        size_t ul = strlen(f->body[i].text), seg = ul * f->body[i].repeat;
        while (done < n && off + done < base + seg) {
            size_t in = (off + done - base) % ul, take = ul - in;
            if (take > n - done) take = n - done;
            memcpy(buf + done, f->body[i].text + in, take);
            done += take;
        }
        base += seg;
    }
    return done;
}

typedef struct {
    int fd;
    size_t sent; /* bytes of head + body */
    int done;
} flood_conn;

/* Reads what the server sent; returns its status, 0 for none (yet), -1
 * when the connection ended without one. */
static int read_status(int fd) {
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return -1;
    if (n < 0) return 0;
    buf[n] = '\0';
    if (n < 12 || strncmp(buf, "HTTP/1.", 7) != 0) return -1;
    return atoi(buf + 9);
}

int attack_flood_run(const attack_flood *f, attack_result *out) {
    memset(out, 0, sizeof *out);
    size_t body_len = attack_body_length(f);
    char head[2048];
    int hl = snprintf(head, sizeof head, "%sContent-Length: %zu\r\n\r\n", f->head,
                      f->declared_length ? f->declared_length : body_len);
    size_t total = (size_t)hl + body_len;
    flood_conn *c = calloc((size_t)f->connections, sizeof *c);
    struct pollfd *p = calloc((size_t)f->connections, sizeof *p);
    char *chunk = malloc(65536);
    int opened = 0, left = 0;
    for (int i = 0; i < f->connections; i++) {
        c[i].fd = open_from(f->host, f->port, f->source, 1);
        if (c[i].fd < 0) {
            out->connect_failed++;
            c[i].done = 1;
        } else {
            opened++;
            left++;
        }
    }
    long deadline = now_ms() + f->timeout_ms;
    while (left > 0 && now_ms() < deadline) {
        int np = 0;
        for (int i = 0; i < f->connections; i++) {
            if (c[i].done) continue;
            p[np].fd = c[i].fd;
            p[np].events = POLLIN | (c[i].sent < total ? POLLOUT : 0);
            p[np].revents = 0;
            np++;
        }
        if (poll(p, (nfds_t)np, 200) <= 0) continue;
        for (int i = 0, k = 0; i < f->connections; i++) {
            if (c[i].done) continue;
            short ev = p[k++].revents;
            int status = 0;
            if (ev & (POLLIN | POLLERR | POLLHUP)) status = read_status(c[i].fd);
            if (status == 0 && (ev & POLLOUT)) {
                size_t n;
                const char *src;
                if (c[i].sent < (size_t)hl) {
                    src = head + c[i].sent;
                    n = (size_t)hl - c[i].sent;
                } else {
                    n = body_fill(f, c[i].sent - (size_t)hl, chunk, 65536);
                    src = chunk;
                }
                ssize_t w = send(c[i].fd, src, n, MSG_NOSIGNAL);
                if (w > 0) c[i].sent += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                    status = read_status(c[i].fd); /* the answer may be waiting */
                if (w < 0 && status == 0 && errno != EAGAIN && errno != EWOULDBLOCK) status = -1;
            }
            if (status == 0) continue;
            if (status > 0 && status < 600)
                out->status_count[status]++;
            else
                out->no_answer++;
            close(c[i].fd);
            c[i].done = 1;
            left--;
        }
    }
    for (int i = 0; i < f->connections; i++) {
        if (c[i].done) continue;
        out->no_answer++;
        close(c[i].fd);
    }
    free(c);
    free(p);
    free(chunk);
    return opened ? 0 : -1;
}

const char *attack_result_text(const attack_result *r, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (int s = 0; s < 600 && used < len; s++)
        if (r->status_count[s]) used += (size_t)snprintf(buf + used, len - used, "%s%dx%d", used ? " " : "", s, r->status_count[s]);
    if (r->no_answer && used < len) used += (size_t)snprintf(buf + used, len - used, "%snone x%d", used ? " " : "", r->no_answer);
    if (r->connect_failed && used < len)
        snprintf(buf + used, len - used, "%sconnect-failed x%d", used ? " " : "", r->connect_failed);
    return buf;
}

struct attack_slowloris {
    pthread_t thread;
    int *fds;
    int n, interval_ms;
    atomic_int stop, open;
};

static void *slowloris_main(void *arg) {
    attack_slowloris *s = arg;
    static const char start[] = "POST /v1/applications HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < s->n; i++)
        if (s->fds[i] >= 0 && send(s->fds[i], start, sizeof start - 1, MSG_NOSIGNAL) < 0) {
            close(s->fds[i]);
            s->fds[i] = -1;
        }
    while (!atomic_load(&s->stop)) {
        int open = 0;
        for (int i = 0; i < s->n; i++) {
            if (s->fds[i] < 0) continue;
            char b[64];
            ssize_t r = recv(s->fds[i], b, sizeof b, MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
                send(s->fds[i], "X-a: b\r\n", 8, MSG_NOSIGNAL) < 0) {
                close(s->fds[i]);
                s->fds[i] = -1;
                continue;
            }
            open++;
        }
        atomic_store(&s->open, open);
        for (int t = 0; t < s->interval_ms && !atomic_load(&s->stop); t += 100) usleep(100 * 1000);
    }
    return NULL;
}

attack_slowloris *attack_slowloris_start(const char *host, int port, const char *source, int n, int interval_ms) {
    attack_slowloris *s = calloc(1, sizeof *s);
    s->fds = calloc((size_t)n, sizeof *s->fds);
    s->n = n;
    s->interval_ms = interval_ms;
    for (int i = 0; i < n; i++) s->fds[i] = open_from(host, port, source, 0);
    atomic_store(&s->open, n);
    pthread_create(&s->thread, NULL, slowloris_main, s);
    return s;
}

int attack_slowloris_open(attack_slowloris *s) { return atomic_load(&s->open); }

int attack_slowloris_stop(attack_slowloris *s) {
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    /* Counted as they are now, not as the attacker's last round saw them. */
    int open = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->fds[i] < 0) continue;
        char b[64];
        ssize_t r = recv(s->fds[i], b, sizeof b, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) open++;
        close(s->fds[i]);
    }
    free(s->fds);
    free(s);
    return open;
}

long attack_peak_rss_kib(int pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}
