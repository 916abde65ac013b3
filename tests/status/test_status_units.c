/* status internals: state ranks, array literals, text checks, cursors. */
#include "bgcheck.h"
#include "pgarr.h"
#include "rfc3339.h"
#include "state.h"
#include "text.h"
#include "utf8.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdlib.h>

Test(status_state, order_never_goes_backwards) {
    const char *order[] = {"received", "held", "resolved"};
    for (int i = 0; i < 2; i++) cr_expect_lt(state_rank(order[i], 0), state_rank(order[i + 1], 0));
    cr_expect_lt(state_rank("resolved", 0), state_rank("delivering", 1));
    cr_expect_lt(state_rank("delivering", 1), state_rank("retrying", 1));
    cr_expect_lt(state_rank("retrying", 1), state_rank("delivering", 2));
    cr_expect_lt(state_rank("retrying", STATE_MAX_ATTEMPT), state_rank("rejected", 0));
    cr_expect_eq(state_rank("retrying", 2000000000), state_rank("retrying", STATE_MAX_ATTEMPT));
    cr_expect_lt(state_rank("rejected", 0), state_rank("failed", 0));
    cr_expect_lt(state_rank("failed", 0), state_rank("delivered", 0));
    cr_expect_eq(state_rank("go_live", 0), STATE_RANK_NONE);
    cr_expect_eq(state_rank(NULL, 0), STATE_RANK_NONE);
    cr_expect_str_eq(state_of_event("", "delivered"), "delivered");
    cr_expect_null(state_of_event("", "go_live"));
    cr_expect_null(state_of_event("bogus", "delivered"));
    cr_expect_str_eq(state_check_name(5), "completed");
    cr_expect_null(state_check_name(0));
}

Test(status_pgarr, quotes_escapes_and_nulls) {
    pgarr a;
    pgarr_init(&a);
    cr_expect_str_eq(pgarr_text(&a), "{}");
    pgarr_add(&a, "plain", 1);
    pgarr_add(&a, "", 1);
    pgarr_add(&a, "", 0);
    pgarr_add(&a, NULL, 0);
    pgarr_add(&a, "a\"b\\c,{}", 1);
    pgarr_add_int(&a, -42);
    cr_expect_str_eq(pgarr_text(&a), "{\"plain\",NULL,\"\",NULL,\"a\\\"b\\\\c,{}\",-42}");
    pgarr_reset(&a);
    for (int i = 0; i < 1000; i++) pgarr_add(&a, "xxxxxxxxxx", 0);
    cr_expect_eq(strlen(pgarr_text(&a)), 2 + 1000 * 12 + 999);
    pgarr_free(&a);
}

Test(status_text, utf8_ids_times_and_cursors) {
    cr_expect(utf8_str_valid("Zoë Müller"));
    cr_expect(!utf8_str_valid("caf\xc3"));
    cr_expect(!utf8_str_valid("\xc0\xaf"));       /* overlong */
    cr_expect(!utf8_str_valid("\xed\xa0\x80"));   /* surrogate */
    cr_expect(text_id_ok("app_1:a@b.c-d"));
    cr_expect(!text_id_ok(""));
    cr_expect(!text_id_ok("a b"));
    int64_t ms;
    cr_assert_eq(rfc3339_parse("2026-11-24T10:00:00Z", &ms), 0);
    cr_expect_eq(ms, 1795514400000LL);
    cr_assert_eq(rfc3339_parse("2026-11-24T11:00:00.5+01:00", &ms), 0);
    cr_expect_eq(ms, 1795514400500LL);
    cr_expect_neq(rfc3339_parse("2026-02-30T00:00:00Z", &ms), 0);
    cr_expect_neq(rfc3339_parse("yesterday", &ms), 0);
    cr_expect_neq(rfc3339_parse("2026-11-24T10:00:00", &ms), 0);
    cr_assert_eq(sodium_init() >= 0, 1);
    char cur[128], v[64];
    text_cursor_encode("app", "12345", cur, sizeof cur);
    cr_assert_eq(text_cursor_decode("app", cur, v, sizeof v), 0);
    cr_expect_str_eq(v, "12345");
    cr_expect_neq(text_cursor_decode("acc", cur, v, sizeof v), 0);
    cr_expect_neq(text_cursor_decode("app", "!!", v, sizeof v), 0);
}

Test(status_bgcheck, status_tag_prefix_is_configured_or_derived) {
    char out[64];
    bgcheck_status_prefix(NULL, "Asurint Package:", out, sizeof out);
    cr_expect_str_eq(out, "Asurint:");
    bgcheck_status_prefix("", "Checkr package :", out, sizeof out);
    cr_expect_str_eq(out, "Checkr:");
    bgcheck_status_prefix(NULL, "BG Check", out, sizeof out);
    cr_expect_str_eq(out, "BG Check:");
    bgcheck_status_prefix(NULL, "Package:", out, sizeof out);
    cr_expect_str_eq(out, "Background Check:");
    bgcheck_status_prefix(NULL, "Prepackage:", out, sizeof out);
    cr_expect_str_eq(out, "Prepackage:");
    bgcheck_status_prefix("Screening -", "Asurint Package:", out, sizeof out);
    cr_expect_str_eq(out, "Screening -");
    bgcheck_tag("Asurint:", BGCHECK_LEVEL_IN_PROGRESS, out, sizeof out);
    cr_expect_str_eq(out, "Asurint: In Progress");
}

Test(status_bgcheck, levels_follow_the_check_status) {
    cr_expect_eq(bgcheck_level_of_rank(1), BGCHECK_LEVEL_NONE);     /* requested */
    cr_expect_eq(bgcheck_level_of_rank(2), BGCHECK_LEVEL_PENDING);  /* ordered */
    cr_expect_eq(bgcheck_level_of_rank(3), BGCHECK_LEVEL_PENDING);
    cr_expect_eq(bgcheck_level_of_rank(4), BGCHECK_LEVEL_IN_PROGRESS);
    cr_expect_eq(bgcheck_level_of_rank(5), BGCHECK_LEVEL_COMPLETED);
    cr_expect_eq(bgcheck_level_of_rank(6), BGCHECK_LEVEL_NONE);     /* failed */
    cr_expect_eq(bgcheck_level_of_rank(7), BGCHECK_LEVEL_NONE);     /* cancelled */
    cr_expect_null(bgcheck_level_label(0));
    cr_expect_str_eq(bgcheck_level_label(3), "Completed");
}

Test(status_bgcheck, notes_carry_order_status_score_and_report) {
    char *n = bgcheck_note("Asurint:", BGCHECK_LEVEL_COMPLETED, "ord_1", "Review", "https://p.example/r/1");
    cr_assert_not_null(n);
    cr_expect_str_eq(n, "Asurint background check: Completed\nOrder ID: ord_1\nStatus: Completed\n"
                        "Score: Review\nReport: https://p.example/r/1");
    free(n);
    n = bgcheck_note("Asurint:", BGCHECK_LEVEL_PENDING, "ord_1", "Review", "");
    cr_expect_str_eq(n, "Asurint background check: Pending Candidate\nOrder ID: ord_1\nStatus: Pending Candidate");
    free(n);
    n = bgcheck_note("Asurint:", BGCHECK_LEVEL_IN_PROGRESS, "", NULL, NULL);
    cr_expect_str_eq(n, "Asurint background check: In Progress\nStatus: In Progress");
    free(n);
}
