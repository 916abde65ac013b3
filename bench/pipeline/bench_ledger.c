/* The simulator's ledger for one bench run (bench/run.sh):
 *
 *   bench_ledger SIM_URL RUN
 *     reads SIM_URL/_sim/ledger and counts the Lever opportunities of the
 *     run's candidates (emails cand-RUN-<i>@...: bench/pipeline/app_body.c),
 *     the distinct candidates among them and the create requests they
 *     received (the simulator, like Lever, answers a second apply for the
 *     same email and posting with the first opportunity); prints
 *     RESULT opportunities=.. candidates=.. creates=..
 *     Every application in Lever exactly once: opportunities = candidates
 *     = N and creates = opportunities. */
#include "http_client.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int str_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: bench_ledger SIM_URL RUN\n");
        return 2;
    }
    int rc = 1;
    http_result res = {0};
    json_object *ledger = NULL;
    const char **emails_seen = NULL;
    char url[1024], prefix[256];
    snprintf(url, sizeof url, "%s/_sim/ledger", argv[1]);
    snprintf(prefix, sizeof prefix, "cand-%s-", argv[2]);
    /* A whole bench run's ledger: tens of MiB (loopback only, as the bench allows). */
    setenv("ATSB_HTTP_CLIENT_MAX_RESPONSE_MB", "1024", 0);
    if (http_client_request("GET", url, NULL, NULL, 0, 120000, &res) || res.status != 200) {
        fprintf(stderr, "bench_ledger: %s: %s\n", url, res.status ? "not 200" : res.error);
        goto done;
    }
    ledger = json_tokener_parse(res.body);
    json_object *lever, *opps;
    if (!json_object_object_get_ex(ledger, "lever", &lever) || !json_object_object_get_ex(lever, "opportunities", &opps) ||
        !json_object_is_type(opps, json_type_array)) {
        fprintf(stderr, "bench_ledger: no lever.opportunities in the ledger\n");
        goto done;
    }
    size_t n = json_object_array_length(opps), count = 0, distinct = 0;
    long long creates = 0;
    emails_seen = calloc(n ? n : 1, sizeof *emails_seen);
    if (!emails_seen) goto done;
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(opps, i), *emails, *req;
        if (!json_object_object_get_ex(o, "emails", &emails) || !json_object_is_type(emails, json_type_array) ||
            json_object_array_length(emails) == 0)
            continue;
        const char *email = json_object_get_string(json_object_array_get_idx(emails, 0));
        if (!email || strncmp(email, prefix, strlen(prefix))) continue;
        emails_seen[count++] = email;
        creates += json_object_object_get_ex(o, "create_requests", &req) ? json_object_get_int64(req) : 1;
    }
    qsort(emails_seen, count, sizeof *emails_seen, str_cmp);
    for (size_t i = 0; i < count; i++) distinct += !i || strcmp(emails_seen[i - 1], emails_seen[i]);
    printf("RESULT opportunities=%zu candidates=%zu creates=%lld\n", count, distinct, creates);
    rc = 0;
done:
    free(emails_seen);
    json_object_put(ledger);
    http_result_free(&res);
    return rc;
}
