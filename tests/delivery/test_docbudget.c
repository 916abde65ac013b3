/* doc_budget: deliveries wait while others hold too many document bytes,
 * and one larger than the whole budget still runs, alone. */
#include "docbudget.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

typedef struct {
    doc_budget *b;
    uint64_t bytes;
    atomic_int taken;
} taker;

static void *take(void *arg) {
    taker *t = arg;
    doc_budget_take(t->b, t->bytes);
    atomic_store(&t->taken, 1);
    return NULL;
}

/* Starts a thread taking bytes; returns whether it got them within 200 ms. */
static int taken_soon(taker *t, pthread_t *th) {
    cr_assert_eq(pthread_create(th, NULL, take, t), 0);
    for (int i = 0; i < 20 && !atomic_load(&t->taken); i++) usleep(10 * 1000);
    return atomic_load(&t->taken);
}

/* A take of want bytes waits until the test gives back give bytes. */
static void waits_until_given(doc_budget *b, uint64_t want, uint64_t give) {
    taker t = {.b = b, .bytes = want};
    pthread_t th;
    cr_assert_not(taken_soon(&t, &th));
    doc_budget_give(b, give);
    pthread_join(th, NULL);
    cr_assert(atomic_load(&t.taken));
}

Test(docbudget, waits_while_others_hold_too_much) {
    doc_budget b;
    doc_budget_init(&b, 100);
    doc_budget_take(&b, 60);
    doc_budget_take(&b, 40); /* exactly the limit */
    waits_until_given(&b, 1, 40);
    doc_budget_give(&b, 60);
    doc_budget_give(&b, 1);
    doc_budget_destroy(&b);
}

Test(docbudget, one_larger_than_the_budget_runs_alone) {
    doc_budget b;
    doc_budget_init(&b, 100);
    doc_budget_take(&b, 250);     /* nothing else held: it goes */
    waits_until_given(&b, 10, 250); /* the others wait for it */
    doc_budget_give(&b, 10);
    doc_budget_destroy(&b);
}

Test(docbudget, nothing_to_take_never_waits) {
    doc_budget b;
    doc_budget_init(&b, 1);
    doc_budget_take(&b, 1);
    doc_budget_take(&b, 0);
    doc_budget_give(&b, 0);
    doc_budget_give(&b, 1);
    doc_budget_destroy(&b);
}

Test(docbudget, a_large_one_waiting_is_not_overtaken) {
    doc_budget b;
    doc_budget_init(&b, 100);
    doc_budget_take(&b, 30);
    taker big = {.b = &b, .bytes = 90}, small = {.b = &b, .bytes = 10};
    pthread_t tb, ts;
    cr_assert_not(taken_soon(&big, &tb));
    cr_assert_not(taken_soon(&small, &ts)); /* would fit, but came later */
    doc_budget_give(&b, 30);
    pthread_join(tb, NULL);
    pthread_join(ts, NULL);
    cr_assert(atomic_load(&big.taken) && atomic_load(&small.taken));
    doc_budget_give(&b, 90);
    doc_budget_give(&b, 10);
    doc_budget_destroy(&b);
}
