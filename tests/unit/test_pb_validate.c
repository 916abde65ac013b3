/* pb_validate: every string of a decoded message, sub-messages included. */
#include "pb_validate.h"

#include "atsbridge/v1/applications.pb-c.h"
#include "atsbridge/v1/ats.pb-c.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static Atsbridge__V1__Candidate cand = ATSBRIDGE__V1__CANDIDATE__INIT;
static Atsbridge__V1__ApplicationReceived app = ATSBRIDGE__V1__APPLICATION_RECEIVED__INIT;
static Atsbridge__V1__ApplicationResolved res = ATSBRIDGE__V1__APPLICATION_RESOLVED__INIT;

static void init(void) {
    app.application_id = "app-1";
    app.account_id = "acc";
    cand.first_name = "Zoë";
    cand.last_name = "Ünal";
    app.candidate = &cand;
    res.application = &app;
    res.ats = "lever";
}
TestSuite(pb_validate, .init = init);

Test(pb_validate, well_formed_messages_pass) {
    char why[200];
    cr_assert_eq(pb_validate(&res.base, &PB_LIMITS_DEFAULT, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(why, "");
}

Test(pb_validate, names_the_field_with_invalid_utf8) {
    char why[200];
    cand.last_name = "\xed\xa0\x80"; /* a surrogate */
    cr_assert_eq(pb_validate(&res.base, &PB_LIMITS_DEFAULT, why, sizeof why), -1);
    cr_assert_str_eq(why, "application.candidate.last_name: not valid UTF-8");
}

Test(pb_validate, limits_strings_and_repeated_fields) {
    char why[200];
    pb_limits small = {8, 2, 8};
    cand.first_name = "123456789";
    cr_assert_eq(pb_validate(&res.base, &small, why, sizeof why), -1);
    cr_assert_str_eq(why, "application.candidate.first_name: too long");
    cand.first_name = "ok";
    cand.last_name = "ok";
    char *links[] = {"a", "b", "c"};
    cand.n_links = 3;
    cand.links = links;
    cr_assert_eq(pb_validate(&res.base, &small, why, sizeof why), -1);
    cr_assert_str_eq(why, "application.candidate.links: too many elements");
    cand.n_links = 2;
    links[1] = "\xff";
    cr_assert_eq(pb_validate(&res.base, &small, why, sizeof why), -1);
    cr_assert_str_eq(why, "application.candidate.links: not valid UTF-8");
}

Test(pb_validate, limits_nesting) {
    char why[200];
    pb_limits flat = {1024, 10, 1};
    cr_assert_eq(pb_validate(&res.base, &flat, why, sizeof why), -1);
    cr_assert(strstr(why, "nested too deep"), "%s", why);
}

Test(pb_validate, ats_commands_too) {
    char why[200];
    Atsbridge__V1__AtsCommand cmd = ATSBRIDGE__V1__ATS_COMMAND__INIT;
    cmd.command_id = "cmd-1";
    cmd.account_id = "acc\xff";
    cr_assert_eq(pb_validate(&cmd.base, &PB_LIMITS_DEFAULT, why, sizeof why), -1);
    cr_assert_str_eq(why, "account_id: not valid UTF-8");
}
