/* Tenants: who may write into an account and who may read what. Two
 * accounts (demo-lever granting stepstone_de and provenbase, acct-b granting
 * totaljobs and hireez), two boards and two sourcing tools with their keys,
 * the admin token and no credential; every endpoint of ingest and status
 * (checks by account and an export task's applications included)
 * tried with each. Prints the matrix and asserts every cell. */
#include "harness.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static stack S;

static void setup(void) {
    stack_start(&S, NULL);
    stack_seed(&S);
}

static void teardown(void) { stack_stop(&S); }

TestSuite(tenants, .init = setup, .fini = teardown, .timeout = 240);

enum { ADMIN, K1, K2, T1, T2, NONE, NCRED };
static const char *const cred_names[NCRED] = {"admin", "board1", "board2", "tool1", "tool2", "none"};
static const char *const creds[NCRED] = {
    STACK_ADMIN,
    "Authorization: Bearer " STACK_BOARD_KEY, /* stepstone_de */
    "Authorization: Bearer tenants-totaljobs-key",
    "Authorization: Bearer " STACK_TOOL_KEY, /* provenbase */
    "Authorization: Bearer tenants-hireez-key",
    NULL,
};

static int seq;

static void app_body(char *buf, size_t len, const char *board, const char *account) {
    int n = ++seq;
    snprintf(buf, len,
             "{\"board\":\"%s\",\"board_application_id\":\"TEN-%d\",\"account_id\":\"%s\","
             "\"candidate\":{\"first_name\":\"Ada\",\"last_name\":\"L\",\"email\":\"ada%d@example.org\"},"
             "\"consent\":{\"privacy_policy_accepted\":true}}",
             board, n, account, n);
}

static void export_body(char *buf, size_t len, const char *account) {
    int n = ++seq;
    snprintf(buf, len,
             "{\"name\":\"Task %d\",\"account_id\":\"%s\",\"candidates\":[{\"id\":\"c%d\",\"first_name\":\"Bo\","
             "\"last_name\":\"K\",\"email\":\"bo%d@example.org\"}]}",
             n, account, n, n);
}

/* One row of the matrix: an operation, the status each credential must get. */
typedef struct {
    char name[48];
    long want[NCRED];
    long got[NCRED];
} row;

static row rows[32];
static int nrows;

static row *add_row(const char *name, const long want[NCRED]) {
    row *r = &rows[nrows++];
    snprintf(r->name, sizeof r->name, "%s", name);
    memcpy(r->want, want, sizeof r->want);
    return r;
}

static void print_matrix(void) {
    printf("%-34s", "tenants matrix (got/want)");
    for (int c = 0; c < NCRED; c++) printf(" %9s", cred_names[c]);
    printf("\n");
    for (int i = 0; i < nrows; i++) {
        printf("%-34s", rows[i].name);
        for (int c = 0; c < NCRED; c++) {
            char cell[16];
            snprintf(cell, sizeof cell, "%ld%s", rows[i].got[c], rows[i].got[c] == rows[i].want[c] ? "" : "!");
            printf(" %9s", cell);
        }
        printf("\n");
    }
    fflush(stdout);
}

/* Counts the entries of list member name in a 200 answer; -1 otherwise. */
static int count_in(json_object *o, const char *name) {
    json_object *a = jo(o, name);
    return a ? (int)json_object_array_length(a) : -1;
}

Test(tenants, every_credential_on_every_endpoint) {
    /* Account B with its own board and tool, and their keys. */
    json_object_put(stack_ok(&S, STACK_STATUS, "PUT", "/v1/accounts/acct-b",
                             "{\"ats\":\"lever\",\"features\":[\"exports\"],"
                             "\"grants\":{\"boards\":[\"totaljobs\"],\"source_tools\":[\"hireez\"]}}",
                             STACK_ADMIN));
    json_object_put(stack_ok(&S, STACK_INGEST, "PUT", "/v1/admin/boards/totaljobs/keys",
                             "{\"key\":\"tenants-totaljobs-key\"}", STACK_ADMIN));
    json_object_put(stack_ok(&S, STACK_INGEST, "PUT", "/v1/admin/source-tools/hireez/keys",
                             "{\"key\":\"tenants-hireez-key\"}", STACK_ADMIN));
    static const char *const owner_board[NCRED] = {"stepstone_de", "stepstone_de", "totaljobs", "provenbase",
                                                   "hireez", "stepstone_de"};
    char body[1024], path[256];

    /* Writes: a key into the account that grants it, else 403 not_granted; a key of the other kind 403;
     * the admin token is no API key (401). */
    static const struct {
        const char *name, *account;
        long want[NCRED];
    } writes[] = {
        {"POST /v1/applications -> A", "demo-lever", {401, 202, 403, 403, 403, 401}},
        {"POST /v1/applications -> B", "acct-b", {401, 403, 202, 403, 403, 401}},
        {"POST /v1/applications -> nowhere", "no-such-account", {401, 403, 403, 403, 403, 401}},
        {"POST /v1/exports -> A", "demo-lever", {401, 403, 403, 202, 403, 401}},
        {"POST /v1/exports -> B", "acct-b", {401, 403, 403, 403, 202, 401}},
        {"POST /v1/exports -> nowhere", "no-such-account", {401, 403, 403, 403, 403, 401}},
    };
    char app_a[96] = "", app_b[96] = "", task_a[96] = "", task_b[96] = "";
    for (size_t w = 0; w < sizeof writes / sizeof writes[0]; w++) {
        row *r = add_row(writes[w].name, writes[w].want);
        int is_export = strstr(writes[w].name, "exports") != NULL;
        for (int c = 0; c < NCRED; c++) {
            if (is_export)
                export_body(body, sizeof body, writes[w].account);
            else
                app_body(body, sizeof body, owner_board[c], writes[w].account);
            json_object *o = NULL;
            r->got[c] = stack_http(&S, STACK_INGEST, "POST", is_export ? "/v1/exports" : "/v1/applications", body,
                                   creds[c], &o);
            if (r->got[c] == 202 && !is_export)
                snprintf(c == K1 ? app_a : app_b, sizeof app_a, "%s", js(o, "application_id"));
            if (r->got[c] == 202 && is_export)
                snprintf(c == T1 ? task_a : task_b, sizeof task_a, "%s", js(o, "export_task_id"));
            json_object_put(o);
        }
    }
    cr_assert(*app_a && *app_b && *task_a && *task_b, "the granted writes did not all get 202");
    /* Reads need status to have seen them (in whatever state). */
    for (int i = 0; i < 300; i++) {
        json_object *o = NULL;
        int ready = 1;
        const char *apps[] = {app_a, app_b};
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof path, "/v1/applications/%s", apps[k]);
            ready = ready && stack_http(&S, STACK_STATUS, "GET", path, NULL, STACK_ADMIN, NULL) == 200;
        }
        snprintf(path, sizeof path, "/v1/exports/%s", task_b);
        long st = stack_http(&S, STACK_STATUS, "GET", path, NULL, STACK_ADMIN, &o);
        ready = ready && st == 200 && js(o, "source_tool")[0];
        json_object_put(o);
        snprintf(path, sizeof path, "/v1/exports/%s", task_a);
        st = stack_http(&S, STACK_STATUS, "GET", path, NULL, STACK_ADMIN, &o);
        ready = ready && st == 200 && js(o, "source_tool")[0];
        json_object_put(o);
        if (ready) break;
        usleep(100 * 1000);
    }

    /* Reads: the admin token everything; a key what it submitted; anything else 404; no credential 401. */
    struct {
        char path[256];
        long want[NCRED];
    } reads[] = {
        {"", {200, 200, 404, 404, 404, 401}},
        {"", {200, 404, 200, 404, 404, 401}},
        {"", {200, 404, 404, 200, 404, 401}},
        {"", {200, 404, 404, 404, 200, 401}},
        {"/v1/exports", {200, 404, 404, 200, 200, 401}},
        {"/v1/applications", {200, 200, 200, 200, 200, 401}},
        {"/v1/accounts/demo-lever/sync", {200, 404, 404, 404, 404, 401}},
        {"/v1/background-checks?opportunity=opp-x", {200, 404, 404, 404, 404, 401}},
        {"/v1/accounts/demo-lever", {200, 401, 401, 401, 401, 401}},
        /* Checks by account: 404 to every key, whether the key's owner writes into that account or not. */
        {"/v1/background-checks?account=demo-lever", {200, 404, 404, 404, 404, 401}},
        {"/v1/background-checks?account=acct-b", {200, 404, 404, 404, 404, 401}},
        {"", {200, 404, 404, 200, 404, 401}},
        {"", {200, 404, 404, 404, 200, 401}},
        {"/v1/applications?board=totaljobs", {200, 200, 200, 200, 200, 401}},
    };
    snprintf(reads[0].path, sizeof reads[0].path, "/v1/applications/%s", app_a);
    snprintf(reads[1].path, sizeof reads[1].path, "/v1/applications/%s", app_b);
    snprintf(reads[2].path, sizeof reads[2].path, "/v1/exports/%s", task_a);
    snprintf(reads[3].path, sizeof reads[3].path, "/v1/exports/%s", task_b);
    snprintf(reads[11].path, sizeof reads[11].path, "/v1/exports/%s/applications", task_a);
    snprintf(reads[12].path, sizeof reads[12].path, "/v1/exports/%s/applications", task_b);
    static const char *const read_names[] = {"GET app of board1 in A",  "GET app of board2 in B",  "GET task of tool1 in A",
                                             "GET task of tool2 in B",  "GET /v1/exports",         "GET /v1/applications",
                                             "GET /v1/accounts/A/sync", "GET /v1/background-checks", "GET /v1/accounts/A",
                                             "GET checks of account A", "GET checks of account B",
                                             "GET task of tool1's applications", "GET task of tool2's applications",
                                             "GET /v1/applications?board=B's"};
    int listed[NCRED] = {0}, foreign_listed = 0, tasks_listed[NCRED] = {0}, foreign_tasks = 0;
    for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++) {
        row *r = add_row(read_names[k], reads[k].want);
        for (int c = 0; c < NCRED; c++) {
            json_object *o = NULL;
            r->got[c] = stack_http(&S, STACK_STATUS, "GET", reads[k].path, NULL, creds[c], &o);
            if (r->got[c] == 200 && !strcmp(reads[k].path, "/v1/applications?board=totaljobs")) {
                json_object *a = jo(o, "applications");
                for (size_t i = 0; a && i < json_object_array_length(a); i++)
                    if (c != ADMIN && c != K2) foreign_listed++; /* only totaljobs's key may see totaljobs's */
            }
            if (r->got[c] == 200 && !strcmp(reads[k].path, "/v1/applications")) {
                listed[c] = count_in(o, "applications");
                json_object *a = jo(o, "applications");
                for (size_t i = 0; c != ADMIN && a && i < json_object_array_length(a); i++)
                    if (strcmp(js(json_object_array_get_idx(a, i), "board"), owner_board[c]) != 0) foreign_listed++;
            }
            if (r->got[c] == 200 && !strcmp(reads[k].path, "/v1/exports")) {
                tasks_listed[c] = count_in(o, "exports");
                json_object *a = jo(o, "exports");
                for (size_t i = 0; c != ADMIN && a && i < json_object_array_length(a); i++)
                    if (strcmp(js(json_object_array_get_idx(a, i), "source_tool"), owner_board[c]) != 0)
                        foreign_tasks++;
            }
            json_object_put(o);
        }
    }
    print_matrix();
    printf("tenants lists: applications admin %d, board1 %d, board2 %d, tool1 %d, tool2 %d; tasks admin %d, "
           "tool1 %d, tool2 %d\n",
           listed[ADMIN], listed[K1], listed[K2], listed[T1], listed[T2], tasks_listed[ADMIN], tasks_listed[T1],
           tasks_listed[T2]);
    for (int i = 0; i < nrows; i++)
        for (int c = 0; c < NCRED; c++)
            cr_expect_eq(rows[i].got[c], rows[i].want[c], "%s with %s: got %ld, want %ld", rows[i].name,
                         cred_names[c], rows[i].got[c], rows[i].want[c]);
    cr_expect_eq(foreign_listed, 0, "a key listed applications of another board or tool");
    cr_expect_eq(foreign_tasks, 0, "a tool listed another tool's export tasks");
    cr_expect(listed[K1] >= 1 && listed[K2] >= 1 && listed[T1] >= 1 && listed[T2] >= 1);
    cr_expect(listed[ADMIN] >= listed[K1] + listed[K2] + listed[T1] + listed[T2]);
    cr_expect_eq(tasks_listed[T1], 1);
    cr_expect_eq(tasks_listed[T2], 1);
    cr_expect_eq(tasks_listed[ADMIN], 2);

    /* A sourcing tool named like a board reads none of the board's applications. */
    json_object_put(stack_ok(&S, STACK_INGEST, "PUT", "/v1/admin/source-tools/stepstone_de/keys",
                             "{\"key\":\"tenants-clash-key\"}", STACK_ADMIN));
    snprintf(path, sizeof path, "/v1/applications/%s", app_a);
    cr_expect_eq(stack_http(&S, STACK_STATUS, "GET", path, NULL, "Authorization: Bearer tenants-clash-key", NULL), 404);
    json_object *o = NULL;
    cr_expect_eq(stack_http(&S, STACK_STATUS, "GET", "/v1/applications", NULL, "Authorization: Bearer tenants-clash-key",
                            &o),
                 200);
    cr_expect_eq(count_in(o, "applications"), 0, "a tool named like a board listed the board's applications");
    json_object_put(o);
}
