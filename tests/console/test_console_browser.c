/* The console in a real headless Chromium: the whole stack (tests/e2e/stack.c)
 * with the simulator's Lever consent page on (ATSB_SIM_LEVER_AUTO_APPROVE=0),
 * atsb-console, then tests/console/browser.js (puppeteer-core, axe-core from
 * tools/node) drives Debian's chromium through the pages; screenshots in
 * <build>/console-screenshots, its output in <dir>/browser.log. */
#include "harness.h"
#include "stack.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

Test(console_browser, link_deliver_go_live_accessible, .timeout = 300) {
    cr_assert_eq(access("/usr/bin/chromium", X_OK), 0, "chromium is missing (scripts/dev bootstrap installs it)");
    setenv("ATSB_SIM_LEVER_AUTO_APPROVE", "0", 1); /* inherited by the simulator */
    int port = harness_free_port();
    static char console_url[64], origins[128];
    snprintf(console_url, sizeof console_url, "http://127.0.0.1:%d", port);
    snprintf(origins, sizeof origins, "ATSB_DELIVERY_RETURN_ORIGINS=%s", console_url);
    char *extra[] = {origins, NULL};
    stack s;
    stack_start(&s, extra);
    stack_seed(&s);

    stack_console_start(&s, port, console_url);

    /* The application the browser test submits: the demo Lever posting. */
    char json[16384], app_file[400];
    stack_lever_app_json(json, sizeof json, "browser-test-1", "browser.test@example.com", "demo-lever-posting");
    snprintf(app_file, sizeof app_file, "%s/browser-application.json", s.dir);
    FILE *f = fopen(app_file, "w");
    cr_assert_not_null(f);
    fputs(json, f);
    fclose(f);

    static char e_console[128], e_ingest[128], e_sim[128], e_shots[600], e_app[450], e_node[600];
    snprintf(e_console, sizeof e_console, "ATSB_CONSOLE_URL=%s", console_url);
    snprintf(e_ingest, sizeof e_ingest, "ATSB_INGEST_URL=%s", s.url[STACK_INGEST]);
    snprintf(e_sim, sizeof e_sim, "ATSB_SIM_URL=%s", s.url[STACK_SIM]);
    snprintf(e_shots, sizeof e_shots, "ATSB_SHOTS_DIR=%s/console-screenshots", ATSB_BIN_DIR);
    snprintf(e_app, sizeof e_app, "ATSB_APP_JSON=%s", app_file);
    snprintf(e_node, sizeof e_node, "NODE_PATH=%s/node/node_modules", ATSB_BIN_DIR);
    char *env[] = {e_console, e_ingest, e_sim, e_shots, e_app, e_node, NULL};
    char *argv[] = {"/usr/bin/env", "node", ATSB_SOURCE_DIR "/tests/console/browser.js", NULL};
    char log[400];
    snprintf(log, sizeof log, "%s/browser.log", s.dir);
    int status = harness_run(argv, env, log);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "browser.js failed (above; logs in %s)", s.dir);
    stack_stop(&s);
}
