/* Lever scopes that follow an account's features, and what a grant covers. */
#include "accounts.h"
#include "lever_env.h"
#include "lever_scopes.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(lever_scopes, applications_only_is_the_job_board_link) {
    char s[512];
    cr_assert_eq(lever_scopes_for(0, s, sizeof s), 0);
    cr_assert_str_eq(s, "offline_access postings:read:admin postings:write:admin uploads:write:admin");
}

Test(lever_scopes, features_add_their_scopes_once) {
    char s[512];
    cr_assert_eq(lever_scopes_for(ACCOUNT_FEATURE_BGCHECKS | ACCOUNT_FEATURE_EXPORTS, s, sizeof s), 0);
    cr_assert_str_eq(s, "offline_access postings:read:admin postings:write:admin uploads:write:admin"
                        " opportunities:write:admin notes:write:admin stages:read:admin tags:read:admin"
                        " webhooks:write:admin");
    cr_assert_eq(lever_scopes_for(ACCOUNT_FEATURE_EXPORTS, s, sizeof s), 0);
    cr_assert_str_eq(s, LEVER_SCOPES_APPLY " opportunities:write:admin");
    cr_assert_eq(lever_scopes_for(ACCOUNT_FEATURE_BGCHECKS, s, 40), -1, "does not fit");
}

Test(lever_scopes, write_includes_read_but_not_the_reverse) {
    const char *g = "offline_access opportunities:write:admin postings:read:admin";
    cr_assert(lever_scope_has(g, "opportunities:read:admin"));
    cr_assert(lever_scope_has(g, "opportunities:write:admin"));
    cr_assert(lever_scope_has(g, "postings:read:admin"));
    cr_assert_not(lever_scope_has(g, "postings:write:admin"));
    cr_assert_not(lever_scope_has(g, "opportunities:write"), "whole words only");
    cr_assert_not(lever_scope_has("xopportunities:write:admin", "opportunities:write:admin"));
    cr_assert_not(lever_scope_has("", "offline_access"));
    cr_assert_not(lever_scope_has(NULL, "offline_access"));
}

Test(lever_scopes, missing_lists_what_the_grant_lacks) {
    char m[256];
    cr_assert_eq(lever_scopes_missing(LEVER_SCOPES_APPLY, LEVER_SCOPES_APPLY, m, sizeof m), 0);
    cr_assert_str_eq(m, "");
    cr_assert_eq(lever_scopes_missing(LEVER_SCOPES_APPLY, "notes:write:admin opportunities:read:admin", m, sizeof m), 2);
    cr_assert_str_eq(m, "notes:write:admin opportunities:read:admin");
}

Test(lever_scopes, a_grant_has_a_gap_when_the_environment_moved) {
    account a;
    memset(&a, 0, sizeof a);
    strcpy(a.lever_environment, "sandbox");
    char why[256];
    cr_assert_eq(lever_grant_gap(&a, "production", LEVER_SCOPES_APPLY, LEVER_SCOPES_APPLY, why, sizeof why), 1);
    cr_assert(strstr(why, "sandbox"), "%s", why);
    cr_assert_eq(lever_grant_gap(&a, "sandbox", LEVER_SCOPES_APPLY, LEVER_SCOPES_APPLY, why, sizeof why), 0);
    cr_assert_eq(lever_grant_gap(&a, "sandbox", LEVER_SCOPES_APPLY, "notes:write:admin", why, sizeof why), 1);
    cr_assert(strstr(why, "notes:write:admin"), "%s", why);
}

Test(lever_env, sandbox_exists_only_when_configured) {
    unsetenv("ATSB_DEV");
    unsetenv("ATSB_LEVER_SANDBOX_API_URL");
    setenv("ATSB_LEVER_API_URL", "https://api.lever.co/v1", 1);
    const lever_env *p = lever_env_get(NULL);
    cr_assert_not_null(p);
    cr_assert_str_eq(p->name, "production");
    cr_assert_str_eq(p->api_url, "https://api.lever.co/v1");
    cr_assert_eq(lever_env_get("production"), p);
    cr_assert_null(lever_env_get("sandbox"));
    cr_assert_null(lever_env_get("staging"));
}

Test(lever_env, sandbox_has_its_own_endpoints) {
    setenv("ATSB_LEVER_SANDBOX_API_URL", "https://api.sandbox.lever.co/v1", 1);
    setenv("ATSB_LEVER_SANDBOX_TOKEN_URL", "https://sandbox-lever.auth0.com/oauth/token", 1);
    const lever_env *s = lever_env_get("sandbox");
    cr_assert_not_null(s);
    cr_assert_str_eq(s->api_url, "https://api.sandbox.lever.co/v1");
    cr_assert_str_eq(s->token_url, "https://sandbox-lever.auth0.com/oauth/token");
    cr_assert_str_eq(s->audience, "https://api.sandbox.lever.co/v1/");
}
