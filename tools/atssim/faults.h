#ifndef ATSSIM_FAULTS_H
#define ATSSIM_FAULTS_H

#include <json-c/json.h>
#include <stddef.h>

/* Injected faults, matched by target name ("lever.create_opportunity",
 * "lever.*", "*"). The first active fault that matches a request applies;
 * its count goes down by one each time it fires. Thread-safe (own lock). */

typedef enum {
    FAULT_NONE = 0,
    FAULT_STATUS,           /* answer `status` (+ Retry-After) without doing anything */
    FAULT_LATENCY,          /* wait latency_ms, then handle normally */
    FAULT_HANG,             /* never answer: hold the request latency_ms, then drop it */
    FAULT_COMMIT_THEN_FAIL, /* handle (and store) normally, then answer `status` */
    FAULT_DROP              /* close the connection without an answer */
} fault_mode;

typedef struct {
    fault_mode mode;
    int status;
    int retry_after_s; /* 0: no Retry-After */
    int latency_ms;
    int commit; /* DROP only: handle (and store) first, then drop */
} fault_hit;

#define FAULTS_MAX 64

/* The valid target names (the array must outlive the module). */
void faults_set_targets(const char *const *names, size_t n);
/* Adds a fault from its JSON description. Returns 0 with *out set to the
 * stored description (caller puts it), or -1 with err filled (nothing added). */
int faults_add(json_object *spec, json_object **out, char *err, size_t errlen);
/* Removes every fault and ends running hangs. */
void faults_clear(void);
/* Returns 1 and fills hit when a fault fires for target, else 0. */
int faults_match(const char *target, fault_hit *hit);
/* Active faults as a JSON array (caller puts it). */
json_object *faults_list(void);

/* Global added latency for every simulated API request (benchmarks). */
void faults_set_latency(int ms);
int faults_latency_ms(void);

/* Changes whenever faults are cleared; hanging requests watch it. */
const _Atomic unsigned *faults_generation(void);

#endif
