/* atssim: the ATS simulator. One process playing Lever (OAuth + API +
 * signed webhooks), Eploy customer sites and a background-check provider,
 * with fault injection and a ledger of everything created (docs/simulator.md).
 *
 * Usage: atssim [--addr HOST:PORT] [--seed PATH] [--port-file PATH]
 * (ATSB_SIM_ADDR, default 127.0.0.1:8090; ATSB_SIM_SEED, default the seed
 * in the source tree). Port 0 picks a free port, printed on stdout and
 * written to --port-file. Runs until SIGTERM/SIGINT. */
#include "config.h"
#include "control.h"
#include "crypto.h"
#include "dispatch.h"
#include "eploy.h"
#include "http_server.h"
#include "lever.h"
#include "lever_oauth.h"
#include "log.h"
#include "provider.h"
#include "shutdown.h"
#include "state.h"
#include "webhooks.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ATSSIM_DEFAULT_SEED
#define ATSSIM_DEFAULT_SEED "tools/atssim/seed.json"
#endif

#define BIG_BODY (30u * 1024 * 1024) /* uploads and resumes */

enum {
    T_LEVER_AUTHORIZE, T_LEVER_TOKEN, T_LEVER_LIST_POSTINGS, T_LEVER_GET_POSTING, T_LEVER_APPLY_FORM,
    T_LEVER_APPLY, T_LEVER_CREATE_OPP, T_LEVER_LIST_OPPS, T_LEVER_GET_OPP, T_LEVER_ADD_TAGS,
    T_LEVER_REMOVE_TAGS, T_LEVER_ADD_NOTE, T_LEVER_UPDATE_STAGE, T_LEVER_UPLOAD, T_LEVER_STAGES,
    T_LEVER_USERS, T_EPLOY_TOKEN, T_EPLOY_SEARCH_VACANCIES, T_EPLOY_GET_VACANCY, T_EPLOY_QUESTIONS,
    T_EPLOY_CREATE_CANDIDATE, T_EPLOY_GET_CANDIDATE, T_EPLOY_SEARCH_CANDIDATES, T_EPLOY_UPLOAD_DOCUMENT,
    T_EPLOY_CREATE_APPLICATION, T_EPLOY_SEARCH_APPLICATIONS, T_PROVIDER_CREATE_ORDER, T_PROVIDER_GET_ORDER,
    T_PROVIDER_PACKAGES, T_PROVIDER_REPORT, T_COUNT
};

static const dispatch_target targets[T_COUNT] = {
    [T_LEVER_AUTHORIZE] = {"lever.authorize", REPLY_OAUTH, lever_oauth_authorize},
    [T_LEVER_TOKEN] = {"lever.token", REPLY_OAUTH, lever_oauth_token},
    [T_LEVER_LIST_POSTINGS] = {"lever.list_postings", REPLY_LEVER, lever_list_postings},
    [T_LEVER_GET_POSTING] = {"lever.get_posting", REPLY_LEVER, lever_get_posting},
    [T_LEVER_APPLY_FORM] = {"lever.get_apply_form", REPLY_LEVER, lever_get_apply_form},
    [T_LEVER_APPLY] = {"lever.apply", REPLY_LEVER, lever_apply},
    [T_LEVER_CREATE_OPP] = {"lever.create_opportunity", REPLY_LEVER, lever_create_opportunity},
    [T_LEVER_LIST_OPPS] = {"lever.list_opportunities", REPLY_LEVER, lever_list_opportunities},
    [T_LEVER_GET_OPP] = {"lever.get_opportunity", REPLY_LEVER, lever_get_opportunity},
    [T_LEVER_ADD_TAGS] = {"lever.add_tags", REPLY_LEVER, lever_add_tags},
    [T_LEVER_REMOVE_TAGS] = {"lever.remove_tags", REPLY_LEVER, lever_remove_tags},
    [T_LEVER_ADD_NOTE] = {"lever.add_note", REPLY_LEVER, lever_add_note},
    [T_LEVER_UPDATE_STAGE] = {"lever.update_stage", REPLY_LEVER, lever_update_stage},
    [T_LEVER_UPLOAD] = {"lever.upload", REPLY_LEVER, lever_upload},
    [T_LEVER_STAGES] = {"lever.list_stages", REPLY_LEVER, lever_list_stages},
    [T_LEVER_USERS] = {"lever.list_users", REPLY_LEVER, lever_list_users},
    [T_EPLOY_TOKEN] = {"eploy.token", REPLY_EPLOY, eploy_token},
    [T_EPLOY_SEARCH_VACANCIES] = {"eploy.search_vacancies", REPLY_EPLOY, eploy_search_vacancies},
    [T_EPLOY_GET_VACANCY] = {"eploy.get_vacancy", REPLY_EPLOY, eploy_get_vacancy},
    [T_EPLOY_QUESTIONS] = {"eploy.vacancy_questions", REPLY_EPLOY, eploy_vacancy_questions},
    [T_EPLOY_CREATE_CANDIDATE] = {"eploy.create_candidate", REPLY_EPLOY, eploy_create_candidate},
    [T_EPLOY_GET_CANDIDATE] = {"eploy.get_candidate", REPLY_EPLOY, eploy_get_candidate},
    [T_EPLOY_SEARCH_CANDIDATES] = {"eploy.search_candidates", REPLY_EPLOY, eploy_search_candidates},
    [T_EPLOY_UPLOAD_DOCUMENT] = {"eploy.upload_document", REPLY_EPLOY, eploy_upload_document},
    [T_EPLOY_CREATE_APPLICATION] = {"eploy.create_application", REPLY_EPLOY, eploy_create_application},
    [T_EPLOY_SEARCH_APPLICATIONS] = {"eploy.search_applications", REPLY_EPLOY, eploy_search_applications},
    [T_PROVIDER_CREATE_ORDER] = {"provider.create_order", REPLY_PROVIDER, provider_create_order},
    [T_PROVIDER_GET_ORDER] = {"provider.get_order", REPLY_PROVIDER, provider_get_order},
    [T_PROVIDER_PACKAGES] = {"provider.list_packages", REPLY_PROVIDER, provider_list_packages},
    [T_PROVIDER_REPORT] = {"provider.report", REPLY_PROVIDER, provider_report},
};

#define SIM(method, pattern, t, max) {method, pattern, dispatch_handle, (void *)&targets[t], max, NULL, 0}
/* The control routes (control.h), no faults. */
#define CTL(method, pattern, fn) {method, pattern, fn, NULL, 0, NULL, 0},
/* A Lever route in both environments: production and the sandbox share the
 * target (so faults and counts cover both); lever_oauth tells them apart. */
#define LEVER(method, path, t, max) \
    SIM(method, LEVER_PRODUCTION_PREFIX path, t, max), SIM(method, LEVER_SANDBOX_PREFIX path, t, max)

static const http_route routes[] = {
    LEVER("GET", "/auth/authorize", T_LEVER_AUTHORIZE, 0),
    LEVER("POST", "/auth/authorize", T_LEVER_AUTHORIZE, 0),
    LEVER("POST", "/auth/oauth/token", T_LEVER_TOKEN, 0),
    LEVER("GET", "/v1/postings", T_LEVER_LIST_POSTINGS, 0),
    LEVER("GET", "/v1/postings/{id}", T_LEVER_GET_POSTING, 0),
    LEVER("GET", "/v1/postings/{id}/apply", T_LEVER_APPLY_FORM, 0),
    LEVER("POST", "/v1/postings/{id}/apply", T_LEVER_APPLY, 0),
    LEVER("POST", "/v1/opportunities", T_LEVER_CREATE_OPP, BIG_BODY),
    LEVER("GET", "/v1/opportunities", T_LEVER_LIST_OPPS, 0),
    LEVER("GET", "/v1/opportunities/{id}", T_LEVER_GET_OPP, 0),
    LEVER("POST", "/v1/opportunities/{id}/addTags", T_LEVER_ADD_TAGS, 0),
    LEVER("POST", "/v1/opportunities/{id}/removeTags", T_LEVER_REMOVE_TAGS, 0),
    LEVER("POST", "/v1/opportunities/{id}/notes", T_LEVER_ADD_NOTE, 0),
    LEVER("PUT", "/v1/opportunities/{id}/stage", T_LEVER_UPDATE_STAGE, 0),
    LEVER("POST", "/v1/uploads", T_LEVER_UPLOAD, BIG_BODY),
    LEVER("GET", "/v1/stages", T_LEVER_STAGES, 0),
    LEVER("GET", "/v1/users", T_LEVER_USERS, 0),
    SIM("POST", "/eploy/{site}/api/token", T_EPLOY_TOKEN, 0),
    SIM("POST", "/eploy/{site}/api/vacancies/search", T_EPLOY_SEARCH_VACANCIES, 0),
    SIM("GET", "/eploy/{site}/api/vacancies/{id}", T_EPLOY_GET_VACANCY, 0),
    SIM("GET", "/eploy/{site}/api/vacancies/{id}/questions", T_EPLOY_QUESTIONS, 0),
    SIM("POST", "/eploy/{site}/api/candidates", T_EPLOY_CREATE_CANDIDATE, 0),
    SIM("POST", "/eploy/{site}/api/candidates/search", T_EPLOY_SEARCH_CANDIDATES, 0),
    SIM("GET", "/eploy/{site}/api/candidates/{id}", T_EPLOY_GET_CANDIDATE, 0),
    SIM("POST", "/eploy/{site}/api/candidates/{id}/documents", T_EPLOY_UPLOAD_DOCUMENT, BIG_BODY),
    SIM("POST", "/eploy/{site}/api/applications", T_EPLOY_CREATE_APPLICATION, 0),
    SIM("POST", "/eploy/{site}/api/applications/search", T_EPLOY_SEARCH_APPLICATIONS, 0),
    SIM("POST", "/provider/v1/orders", T_PROVIDER_CREATE_ORDER, 0),
    SIM("GET", "/provider/v1/orders/{id}", T_PROVIDER_GET_ORDER, 0),
    SIM("GET", "/provider/v1/packages", T_PROVIDER_PACKAGES, 0),
    SIM("GET", "/provider/reports/{id}", T_PROVIDER_REPORT, 0),
    ATSSIM_CONTROL_ROUTES(CTL)
};

static int write_port_file(const char *path, int port) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

int main(int argc, char **argv) {
    const char *seed = config_str("ATSB_SIM_SEED", ATSSIM_DEFAULT_SEED);
    const char *port_file = NULL;
    /* Every option takes a value: step over both. */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: atssim [--addr HOST:PORT] [--seed PATH] [--port-file PATH]\n");
            return 0;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "atssim: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--addr")) setenv("ATSB_SIM_ADDR", v, 1);
        else if (!strcmp(a, "--seed")) seed = v;
        else if (!strcmp(a, "--port-file")) port_file = v;
        else {
            fprintf(stderr, "atssim: unknown option %s\n", a);
            return 2;
        }
    }
    char host[128];
    int port;
    config_addr("ATSB_SIM_ADDR", "127.0.0.1:8090", host, sizeof host, &port);
    log_init("atssim");
    shutdown_install();
    if (crypto_init() != 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "atssim: cannot initialise libsodium or libcurl\n");
        return 1;
    }
    if (dispatch_register(targets, T_COUNT) != 0) {
        fprintf(stderr, "atssim: too many targets\n");
        return 1;
    }
    char err[512];
    int rc = 1;
    http_server *http = NULL;
    int webhooks = 0, provider = 0;
    if (state_init(seed, err, sizeof err) != 0) {
        fprintf(stderr, "atssim: %s\n", err);
        goto out;
    }
    if (webhooks_start() != 0 || !(webhooks = 1) || provider_start() != 0 || !(provider = 1)) {
        fprintf(stderr, "atssim: cannot start background threads\n");
        goto out;
    }
    /* An ATS answers however many requests arrive, slow or faulty ones
     * included: more workers and a larger body budget than a service's. */
    setenv("ATSB_HTTP_WORKERS", "512", 0);
    setenv("ATSB_HTTP_BODY_BUDGET_MB", "1024", 0);
    if (http_server_start(host, port, routes, sizeof routes / sizeof routes[0], NULL, NULL, &http, err,
                          sizeof err) != 0) {
        fprintf(stderr, "atssim: %s\n", err);
        goto out;
    }
    char base[160], portstr[16];
    snprintf(base, sizeof base, "http://%s:%d", host, http_server_port(http));
    snprintf(portstr, sizeof portstr, "%d", http_server_port(http));
    state_set_base_url(base);
    if (port_file && write_port_file(port_file, http_server_port(http)) != 0) {
        fprintf(stderr, "atssim: cannot write %s\n", port_file);
        goto out;
    }
    printf("atssim listening on %s\n", base);
    fflush(stdout);
    log_info("atssim ready", "url", base, "port", portstr, "seed", seed);
    /* Tests set ATSB_SIM_PARENT_PID so a simulator never outlives its test. */
    int64_t parent = config_int("ATSB_SIM_PARENT_PID", 0, 0, INT32_MAX);
    while (!shutdown_requested()) {
        usleep(100 * 1000);
        if (parent > 0 && getppid() != (pid_t)parent) shutdown_request();
    }
    rc = 0;
out:
    http_server_stop(http);
    if (provider) provider_stop();
    if (webhooks) webhooks_stop();
    state_free();
    curl_global_cleanup();
    return rc;
}
