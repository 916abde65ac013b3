#ifndef ATSB_COND_CLOCK_H
#define ATSB_COND_CLOCK_H

#include <pthread.h>
#include <time.h>

/* Condition variables whose timed waits run on CLOCK_MONOTONIC, so that a
 * step of the wall clock can neither stretch nor cut a wait. */

/* pthread_cond_init with the monotonic clock. */
void cond_init_monotonic(pthread_cond_t *cv);

/* The monotonic time ms milliseconds from now: the deadline to give
 * pthread_cond_timedwait on such a condition variable. */
struct timespec cond_deadline_ms(long ms);

#endif
