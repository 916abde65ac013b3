/* The OpenAPI descriptions against the running services: the whole stack
 * (tests/e2e/stack.c: atssim and the four services on free ports, one
 * database, topics of its own), seeded through the public APIs, then
 * tests/openapi/contract.js calls every documented operation from the
 * specs' examples and validates each answer against its spec with ajv
 * (JSON Schema 2020-12). Its output is in <dir>/contract.log. */
#include "harness.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

Test(openapi_contract, every_operation_answers_as_documented, .timeout = 240) {
    stack s;
    stack_start(&s, NULL);
    stack_seed(&s);
    static char urls[1024], source[600], node_path[600];
    snprintf(urls, sizeof urls,
             "ATSB_CONTRACT_URLS={\"ingest\":\"%s\",\"questions\":\"%s\",\"delivery\":\"%s\",\"status\":\"%s\","
             "\"atssim\":\"%s\"}",
             s.url[STACK_INGEST], s.url[STACK_QUESTIONS], s.url[STACK_DELIVERY], s.url[STACK_STATUS],
             s.url[STACK_SIM]);
    snprintf(source, sizeof source, "ATSB_SOURCE_DIR=%s", ATSB_SOURCE_DIR);
    snprintf(node_path, sizeof node_path, "NODE_PATH=%s/node/node_modules", ATSB_BIN_DIR);
    char *env[] = {urls, source, node_path, NULL};
    char *argv[] = {"/usr/bin/env", "node", ATSB_SOURCE_DIR "/tests/openapi/contract.js", NULL};
    char log[400];
    snprintf(log, sizeof log, "%s/contract.log", s.dir);
    int st = harness_run(argv, env, log);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "contract.js failed (above; logs in %s)", s.dir);
    stack_stop(&s);
}
