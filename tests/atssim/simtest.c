#include "simtest.h"

#include "harness.h"
#include "json_path.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

char simtest_base[64];
static pid_t sim_pid;
static char log_path[256];

void simtest_start_env(char *const *extra) {
    char port_file[256], seed[512], bin[512], parent[64];
    snprintf(port_file, sizeof port_file, "/tmp/atssim-test-%d.port", (int)getpid());
    snprintf(log_path, sizeof log_path, "/tmp/atssim-test-%d.log", (int)getpid());
    snprintf(seed, sizeof seed, "%s/tools/atssim/seed.json", ATSB_SOURCE_DIR);
    snprintf(bin, sizeof bin, "%s/tools/atssim/atssim", ATSB_BIN_DIR);
    snprintf(parent, sizeof parent, "ATSB_SIM_PARENT_PID=%d", (int)getpid());
    unlink(port_file);
    unlink(log_path);
    char *argv[] = {bin, "--addr", "127.0.0.1:0", "--seed", seed, "--port-file", port_file, NULL};
    char *env[16];
    size_t n = 0;
    env[n++] = parent;
    for (char *const *e = extra; e && *e && n < 15; e++) env[n++] = *e;
    env[n] = NULL;
    sim_pid = harness_spawn(argv, env, log_path);
    char *port = NULL;
    for (int i = 0; i < 200 && !port; i++) {
        usleep(50 * 1000);
        port = harness_read_file(port_file);
        if (port && !*port) {
            free(port);
            port = NULL;
        }
    }
    cr_assert(port, "atssim did not start (log %s)", log_path);
    snprintf(simtest_base, sizeof simtest_base, "http://127.0.0.1:%ld", strtol(port, NULL, 10));
    free(port);
    unlink(port_file);
    char url[128];
    snprintf(url, sizeof url, "%s/healthz", simtest_base);
    cr_assert_eq(harness_wait_http(url, 10000), 0, "atssim not healthy");
}

void simtest_start(void) { simtest_start_env(NULL); }

void simtest_stop(void) {
    if (sim_pid <= 0) return;
    kill(sim_pid, SIGTERM);
    int st = 0;
    waitpid(sim_pid, &st, 0);
    sim_pid = 0;
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "atssim exited uncleanly (status %d, log %s)", st,
              log_path);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) unlink(log_path);
}

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata) {
    return fwrite(ptr, size, nmemb, userdata);
}

void simtest_req(simtest_resp *r, const char *method, const char *path, const char *content_type,
                 const char *body, size_t body_len, const char *const *headers, long timeout_ms) {
    memset(r, 0, sizeof *r);
    CURL *c = curl_easy_init();
    size_t blen = 0, hlen = 0;
    FILE *bf = open_memstream(&r->body, &blen);
    FILE *hf = open_memstream(&r->headers, &hlen);
    char url[2048], ct[256];
    snprintf(url, sizeof url, "%s%s", simtest_base, path);
    struct curl_slist *h = NULL;
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    }
    h = curl_slist_append(h, "Expect:");
    for (const char *const *x = headers; x && *x; x++) h = curl_slist_append(h, *x);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 30000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, bf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, hf);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body_len ? body_len : strlen(body)));
    }
    r->curl_rc = (int)curl_easy_perform(c);
    if (r->curl_rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->seconds);
    fclose(bf);
    fclose(hf);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r->body && *r->body) r->json = json_tokener_parse(r->body);
}

void simtest_json(simtest_resp *r, const char *method, const char *path, const char *body, const char *token) {
    char auth[256];
    const char *headers[] = {auth, NULL};
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    simtest_req(r, method, path, body ? "application/json" : NULL, body, 0, token ? headers : NULL, 0);
}

void simtest_resp_free(simtest_resp *r) {
    free(r->body);
    free(r->headers);
    json_object_put(r->json);
    memset(r, 0, sizeof *r);
}

const char *simtest_header(const simtest_resp *r, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        if (!eol) eol = p + strlen(p);
        if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') v++;
            snprintf(out, outlen, "%.*s", (int)(eol - v), v);
            return out;
        }
        p = *eol ? eol + 2 : eol;
    }
    return NULL;
}

json_object *simtest_get(json_object *o, const char *path) { return json_path(o, path); }

const char *simtest_str(json_object *o, const char *path) {
    json_object *v = simtest_get(o, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

void simtest_lever_mint(const char *body, char *out, size_t outlen) {
    simtest_resp r;
    simtest_json(&r, "POST", "/_sim/lever/tokens", body, NULL);
    cr_assert_eq(r.status, 200, "%s", r.body);
    snprintf(out, outlen, "%s", simtest_str(r.json, "access_token"));
    simtest_resp_free(&r);
}

void simtest_lever_token(const char *site, char *out, size_t outlen) {
    char body[128];
    snprintf(body, sizeof body, "{\"site\":\"%s\"}", site);
    simtest_lever_mint(body, out, outlen);
}
