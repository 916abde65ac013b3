/* Posts N applications with C requests in flight and reports throughput and
 * latency (scripts/bench, bench/run.sh):
 *
 *   bench_apply ingest URL N C [--wait TYPE --events TOPIC] [options]
 *     POST URL/v1/applications (board key $BENCH_BOARD_KEY, default
 *     dev-stepstone-key). Without --wait: latency = request until 202. With
 *     --wait delivered (or resolved, ...): latency = 202 until the first
 *     event of that type for the application on TOPIC (application.events),
 *     throughput = applications done / (last done - first request).
 *
 *   bench_apply lever URL N C --tokens FILE [options]
 *     the pipeline's baseline: the same applications straight to the Lever
 *     API at URL (the simulator's .../lever/v1): POST /uploads with the CV,
 *     then POST /postings/{posting}/apply; latency = upload start until the
 *     apply answer (with --lookup: until the answer of the GET
 *     /opportunities?email&posting_id delivery sends next, since the apply
 *     answers only an application id). FILE holds one access token per
 *     account, one a line.
 *
 * Options: --accounts K (spread over accounts PREFIX0..K-1, default 1),
 * --account-prefix P (default bench-), --posting ID (load-lever-posting),
 * --run TAG (unique per run; default from the clock), --timeout S (300),
 * --rate R (open loop: application i is due at i/R seconds whatever the
 * answers, C only caps what is in flight, and every latency counts from
 * when the application was due: a late start is the system's delay too),
 * --warmup W (the first W applications are sent like the others but left
 * out of the latencies: connections, prepared statements and consumer
 * fetches of a just-started stack).
 * Prints one line: RESULT posted=.. ok=.. errors=.. done=.. elapsed_s=..
 * rate=.. post_rate=.. p50_ms=.. p99_ms=.. p999_ms=.. late=.. cpu_ms=..
 * (late: applications started more than 10 ms after they were due, C
 * being all in flight; cpu_ms: this client's CPU per application). */
#include "app_body.h"
#include "event_watch.h"
#include "topic_reader.h"

#include "config.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    char *data;
    size_t len;
} buf;

typedef struct {
    CURL *h;
    struct curl_slist *hdr;
    long idx;
    int step; /* lever: 0 upload, 1 apply, 2 opportunity lookup (--lookup) */
    int busy;
    char *body;
    buf resp;
} slot;

typedef struct {
    int lever;
    int lookup; /* lever: look the opportunity up after the apply, as delivery does */
    const char *url, *wait, *events, *tokens_file, *prefix, *posting;
    long n, conc, accounts, timeout_s, warmup;
    double rate; /* --rate: applications per second, open loop; 0: closed loop */
    char run[32];
    char **tokens;
    /* per application */
    double *t_start, *t_ok;
    char **app_id;
    long ok, errors;
} bench;

static size_t on_write(char *p, size_t sz, size_t nm, void *ud) {
    buf *b = ud;
    size_t n = sz * nm;
    char *d = realloc(b->data, b->len + n + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, n);
    b->data = d;
    b->len += n;
    d[b->len] = '\0';
    return n;
}

static long arg_long(const char *name, const char *v, long min, long max) {
    int64_t out;
    if (!v || config_parse_int(v, min, max, &out)) {
        fprintf(stderr, "bench_apply: %s expects a number in %ld..%ld\n", name, min, max);
        exit(2);
    }
    return (long)out;
}

/* A string field at a JSON path of up to two keys ("data","uri"). */
static int json_str(const char *body, const char *k1, const char *k2, char *out, size_t outlen) {
    json_object *o = body ? json_tokener_parse(body) : NULL, *v = o;
    int rc = -1;
    if (v && json_object_object_get_ex(v, k1, &v) && (!k2 || json_object_object_get_ex(v, k2, &v)) &&
        json_object_is_type(v, json_type_string)) {
        snprintf(out, outlen, "%s", json_object_get_string(v));
        rc = 0;
    }
    json_object_put(o);
    return rc;
}

static void load_tokens(bench *b) {
    b->tokens = calloc((size_t)b->accounts, sizeof *b->tokens);
    FILE *f = b->tokens_file ? fopen(b->tokens_file, "r") : NULL;
    char line[512];
    long k = 0;
    while (f && k < b->accounts && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line) b->tokens[k++] = strdup(line);
    }
    if (f) fclose(f);
    if (k < b->accounts) {
        fprintf(stderr, "bench_apply: --tokens needs %ld tokens, found %ld\n", b->accounts, k);
        exit(2);
    }
}

/* Prepares s for its next request. */
static void prepare(bench *b, slot *s) {
    char url[1024], hdr[600], account[128];
    size_t len = 0;
    curl_slist_free_all(s->hdr);
    s->hdr = NULL;
    free(s->body);
    free(s->resp.data);
    s->resp = (buf){0};
    snprintf(account, sizeof account, "%s%ld", b->prefix, s->idx % b->accounts);
    if (!b->lever) {
        snprintf(url, sizeof url, "%s/v1/applications", b->url);
        s->body = body_ingest(b->run, s->idx, account, b->posting, &len);
        const char *key = getenv("BENCH_BOARD_KEY");
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", key ? key : "dev-stepstone-key");
        s->hdr = curl_slist_append(curl_slist_append(NULL, hdr), "Content-Type: application/json");
    } else {
        snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", b->tokens[s->idx % b->accounts]);
        s->hdr = curl_slist_append(NULL, hdr);
        if (s->step == 0) {
            snprintf(url, sizeof url, "%s/uploads", b->url);
            s->body = body_lever_upload(&len);
            s->hdr = curl_slist_append(s->hdr, "Content-Type: multipart/form-data; boundary=" BODY_LEVER_BOUNDARY);
        } else if (s->step == 1) {
            snprintf(url, sizeof url, "%s/postings/%s/apply?send_confirmation_email=false", b->url, b->posting);
            s->body = body_lever_apply(b->run, s->idx, b->app_id[s->idx], &len);
            s->hdr = curl_slist_append(s->hdr, "Content-Type: application/json");
        } else { /* the opportunity lookup delivery makes after an apply */
            char email[256];
            body_email(b->run, s->idx, email, sizeof email);
            char *e = curl_easy_escape(s->h, email, 0);
            snprintf(url, sizeof url, "%s/opportunities?email=%s&posting_id=%s&limit=1", b->url, e ? e : "",
                     b->posting);
            curl_free(e);
            s->body = NULL;
        }
    }
    curl_easy_setopt(s->h, CURLOPT_URL, url);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdr);
    if (s->body) {
        curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->body);
        curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE, (long)len);
    } else {
        curl_easy_setopt(s->h, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &s->resp);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, 60000L);
}

/* Handles a finished request; returns 1 when the slot has another request
 * of the same application to send. */
static int finish(bench *b, slot *s, CURLcode res) {
    long code = 0;
    char id[256];
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
    double t = bench_now();
    if (res != CURLE_OK || code < 200 || code > 299) {
        if (b->errors < 5)
            fprintf(stderr, "bench_apply: application %ld: %s %ld %.200s\n", s->idx, curl_easy_strerror(res), code,
                    s->resp.data ? s->resp.data : "");
        b->errors++;
        return 0;
    }
    if (!b->lever) {
        if (json_str(s->resp.data, "application_id", NULL, id, sizeof id) == 0) b->app_id[s->idx] = strdup(id);
        b->t_ok[s->idx] = t;
        b->ok++;
        return 0;
    }
    if (s->step == 0) {
        if (json_str(s->resp.data, "data", "uri", id, sizeof id)) {
            b->errors++;
            return 0;
        }
        b->app_id[s->idx] = strdup(id); /* the upload uri, used by the apply */
        s->step = 1;
        return 1;
    }
    if (s->step == 1 && b->lookup) {
        s->step = 2;
        return 1;
    }
    b->t_ok[s->idx] = t;
    b->ok++;
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, long n, double p) {
    if (n <= 0) return 0;
    long i = (long)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static void usage(void) {
    fprintf(stderr, "usage: bench_apply ingest|lever URL N C [--wait TYPE --events TOPIC] [--tokens FILE] [--lookup]\n"
                    "       [--accounts K] [--account-prefix P] [--posting ID] [--run TAG] [--timeout S] [--rate R]\n");
    exit(2);
}

int main(int argc, char **argv) {
    bench b = {0};
    if (argc < 5) usage();
    b.lever = !strcmp(argv[1], "lever");
    if (!b.lever && strcmp(argv[1], "ingest")) usage();
    b.url = argv[2];
    b.n = arg_long("N", argv[3], 1, 10000000);
    b.conc = arg_long("C", argv[4], 1, 10000);
    b.accounts = 1;
    b.prefix = "bench-";
    b.posting = "load-lever-posting";
    b.timeout_s = 300;
    snprintf(b.run, sizeof b.run, "%ld", (long)time(NULL));
    for (int i = 5; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--lookup")) {
            b.lookup = 1;
            continue;
        }
        if (!v) usage();
        if (!strcmp(a, "--wait")) b.wait = v;
        else if (!strcmp(a, "--events")) b.events = v;
        else if (!strcmp(a, "--tokens")) b.tokens_file = v;
        else if (!strcmp(a, "--accounts")) b.accounts = arg_long(a, v, 1, 100000);
        else if (!strcmp(a, "--account-prefix")) b.prefix = v;
        else if (!strcmp(a, "--posting")) b.posting = v;
        else if (!strcmp(a, "--run")) snprintf(b.run, sizeof b.run, "%s", v);
        else if (!strcmp(a, "--timeout")) b.timeout_s = arg_long(a, v, 1, 86400);
        else if (!strcmp(a, "--rate")) b.rate = (double)arg_long(a, v, 1, 1000000);
        else if (!strcmp(a, "--warmup")) b.warmup = arg_long(a, v, 0, 10000000);
        else usage();
        i++;
    }
    if ((b.wait && (b.lever || !b.events)) || (b.lever && !b.tokens_file)) usage();
    if (b.lever) load_tokens(&b);
    b.t_start = calloc((size_t)b.n, sizeof *b.t_start);
    b.t_ok = calloc((size_t)b.n, sizeof *b.t_ok);
    b.app_id = calloc((size_t)b.n, sizeof *b.app_id);
    if (!b.t_start || !b.t_ok || !b.app_id) return 1;
    double deadline = bench_now() + (double)b.timeout_s;

    event_watch w;
    if (b.wait && event_watch_start(&w, b.events, b.wait, b.n, deadline)) return 1;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, b.conc);
    slot *slots = calloc((size_t)b.conc, sizeof *slots);
    long next = 0, inflight = 0;
    double t0 = bench_now();
    for (long k = 0; k < b.conc; k++) slots[k].h = curl_easy_init();
    long late = 0;
    while ((next < b.n || inflight) && bench_now() < deadline) {
        for (long k = 0; k < b.conc && next < b.n; k++) {
            slot *s = &slots[k];
            if (s->busy) continue;
            double due = b.rate > 0 ? t0 + (double)next / b.rate : 0, now = bench_now();
            if (b.rate > 0 && now < due) break;
            late += b.rate > 0 && now - due > 0.010;
            s->busy = 1;
            s->idx = next++;
            s->step = 0;
            b.t_start[s->idx] = b.rate > 0 ? due : now;
            prepare(&b, s);
            curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
            curl_multi_add_handle(m, s->h);
            inflight++;
        }
        int running, nfds;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            slot *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode res = msg->data.result;
            curl_multi_remove_handle(m, s->h);
            if (finish(&b, s, res)) {
                prepare(&b, s);
                curl_multi_add_handle(m, s->h);
                continue;
            }
            inflight--;
            s->busy = 0;
        }
        int wait_ms = 50;
        if (b.rate > 0 && next < b.n) {
            double until = (t0 + (double)next / b.rate - bench_now()) * 1000;
            wait_ms = until < 1 ? 0 : until < 50 ? (int)until : 50;
        }
        curl_multi_poll(m, NULL, 0, wait_ms, &nfds);
    }
    double t_posted = bench_now();
    long done = 0, nlat = 0;
    double *lat = calloc((size_t)b.n, sizeof *lat), t_last = t0;
    if (b.wait) {
        atomic_store(&w.want, b.ok);
        event_watch_join(&w);
        for (long i = 0; i < b.n; i++) {
            if (!b.app_id[i]) continue;
            double t = event_watch_time(&w, b.app_id[i]);
            if (t < 0) continue;
            /* Closed loop: from the 202 (what the pipeline adds to it);
             * open loop: from when the application was due. */
            done++;
            if (i >= b.warmup)
                lat[nlat++] = t - (b.rate <= 0 && b.t_ok[i] > 0 && t >= b.t_ok[i] ? b.t_ok[i] : b.t_start[i]);
            if (t > t_last) t_last = t;
        }
        event_watch_free(&w);
    } else {
        for (long i = 0; i < b.n; i++) {
            if (b.t_ok[i] <= 0) continue;
            done++;
            if (i >= b.warmup) lat[nlat++] = b.t_ok[i] - b.t_start[i];
            if (b.t_ok[i] > t_last) t_last = b.t_ok[i];
        }
    }
    qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
    double el = t_last - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    printf("RESULT posted=%ld ok=%ld errors=%ld done=%ld elapsed_s=%.3f rate=%.1f post_rate=%.1f p50_ms=%.2f "
           "p99_ms=%.2f p999_ms=%.2f late=%ld cpu_ms=%.3f\n",
           next, b.ok, b.errors, done, el, el > 0 ? (double)done / el : 0.0,
           t_posted > t0 ? (double)b.ok / (t_posted - t0) : 0.0, pct(lat, nlat, 0.50) * 1000,
           pct(lat, nlat, 0.99) * 1000, pct(lat, nlat, 0.999) * 1000, late, done > 0 ? cpu_ms / (double)done : 0.0);
    for (long k = 0; k < b.conc; k++) {
        curl_easy_cleanup(slots[k].h);
        curl_slist_free_all(slots[k].hdr);
        free(slots[k].resp.data);
    }
    curl_multi_cleanup(m);
    curl_global_cleanup();
    return done == b.n ? 0 : 3;
}
