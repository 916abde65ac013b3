/* The per-partition completion tracker: only the contiguous completed
 * prefix of a partition is ever stored. */
#include "offsets.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char topic[64];
    int32_t partition;
    int64_t next;
    int calls;
} last_store;

static void record(void *ctx, const char *topic, int32_t partition, int64_t next) {
    last_store *l = ctx;
    snprintf(l->topic, sizeof l->topic, "%s", topic);
    l->partition = partition;
    l->next = next;
    l->calls++;
}

Test(offsets, stores_only_contiguous_prefix) {
    offsets_tracker *t = offsets_new();
    last_store l = {0};
    for (int64_t o = 10; o < 15; o++) cr_assert_eq(offsets_begin(t, "a", 0, o), 0);
    offsets_done(t, "a", 0, 12);
    offsets_done(t, "a", 0, 11);
    cr_assert_eq(offsets_collect(t, record, &l), 0, "offset 10 is not done: nothing to store");
    offsets_done(t, "a", 0, 10);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_eq(l.next, 13, "10, 11, 12 done: commit 13");
    cr_assert_eq(offsets_pending(t), 2);
    offsets_done(t, "a", 0, 14);
    cr_assert_eq(offsets_collect(t, record, &l), 0);
    offsets_done(t, "a", 0, 13);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_eq(l.next, 15);
    cr_assert_eq(offsets_pending(t), 0);
    offsets_free(t);
}

Test(offsets, partitions_are_independent) {
    offsets_tracker *t = offsets_new();
    last_store l = {0};
    offsets_begin(t, "a", 0, 1);
    offsets_begin(t, "a", 1, 5);
    offsets_begin(t, "b", 0, 7);
    offsets_done(t, "a", 1, 5);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_str_eq(l.topic, "a");
    cr_assert_eq(l.partition, 1);
    cr_assert_eq(l.next, 6);
    offsets_done(t, "b", 0, 7);
    offsets_done(t, "a", 0, 1);
    cr_assert_eq(offsets_collect(t, record, &l), 2);
    offsets_free(t);
}

Test(offsets, refetch_resets_partition_and_ignores_stale_done) {
    offsets_tracker *t = offsets_new();
    last_store l = {0};
    offsets_begin(t, "a", 0, 100);
    offsets_begin(t, "a", 0, 101);
    /* Re-assigned and fetched again from 90: tracking restarts there. */
    offsets_begin(t, "a", 0, 90);
    offsets_done(t, "a", 0, 101); /* a stale completion must not store past 90 */
    cr_assert_eq(offsets_collect(t, record, &l), 0);
    offsets_done(t, "a", 0, 90);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_eq(l.next, 91);
    offsets_free(t);
}

Test(offsets, unknown_done_is_ignored_and_grows) {
    offsets_tracker *t = offsets_new();
    last_store l = {0};
    offsets_done(t, "x", 3, 1);
    for (int64_t o = 0; o < 10000; o++) cr_assert_eq(offsets_begin(t, "a", 0, o * 2), 0);
    for (int64_t o = 9999; o >= 0; o--) offsets_done(t, "a", 0, o * 2);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_eq(l.next, 19999);
    offsets_free(t);
    offsets_free(NULL);
}

Test(offsets, forget_drops_a_handed_over_partition_only) {
    offsets_tracker *t = offsets_new();
    last_store l = {0};
    offsets_begin(t, "a", 0, 5);
    offsets_begin(t, "a", 0, 6);
    offsets_begin(t, "a", 1, 7);
    offsets_done(t, "a", 0, 5);
    offsets_forget(t, "a", 0); /* handed to another consumer */
    offsets_forget(t, "b", 9); /* unknown: nothing happens */
    cr_assert_eq(offsets_pending(t), 1, "only a[1] is still tracked");
    offsets_done(t, "a", 0, 6); /* late completion of forgotten work */
    cr_assert_eq(offsets_collect(t, record, &l), 0, "nothing stored for a forgotten partition");
    offsets_done(t, "a", 1, 7);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_eq(l.partition, 1);
    cr_assert_eq(l.next, 8);
    /* Assigned again later: tracking starts afresh. */
    cr_assert_eq(offsets_begin(t, "a", 0, 3), 0);
    offsets_done(t, "a", 0, 3);
    cr_assert_eq(offsets_collect(t, record, &l), 1);
    cr_assert_eq(l.next, 4);
    offsets_free(t);
}
