#include "faults.h"

#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int id;
    char target[96];
    fault_hit hit;
    long count; /* < 0: unlimited */
    long skip;  /* matching requests let through before the fault starts */
    double probability;
    long fired;
} fault;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static fault faults[FAULTS_MAX];
static _Atomic size_t nfaults;
static int next_id = 1;
static _Atomic unsigned generation;
static _Atomic int global_latency_ms;
static const char *const *targets;
static size_t ntargets;

void faults_set_targets(const char *const *names, size_t n) {
    targets = names;
    ntargets = n;
}

static int target_matches(const char *pattern, const char *target) {
    size_t n = strlen(pattern);
    if (!strcmp(pattern, "*")) return 1;
    if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.')
        return strncmp(pattern, target, n - 1) == 0;
    return strcmp(pattern, target) == 0;
}

static int target_valid(const char *pattern) {
    for (size_t i = 0; i < ntargets; i++)
        if (target_matches(pattern, targets[i])) return 1;
    return 0;
}

static json_object *describe(const fault *f) {
    static const char *const modes[] = {"none", "status", "latency", "hang", "commit_then_fail", "drop"};
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int(f->id));
    json_object_object_add(o, "target", json_object_new_string(f->target));
    json_object_object_add(o, "mode", json_object_new_string(modes[f->hit.mode]));
    json_object_object_add(o, "status", json_object_new_int(f->hit.status));
    json_object_object_add(o, "retry_after_s", json_object_new_int(f->hit.retry_after_s));
    json_object_object_add(o, "latency_ms", json_object_new_int(f->hit.latency_ms));
    json_object_object_add(o, "commit", json_object_new_boolean(f->hit.commit));
    json_object_object_add(o, "count", f->count < 0 ? NULL : json_object_new_int64(f->count));
    json_object_object_add(o, "skip", json_object_new_int64(f->skip));
    json_object_object_add(o, "probability", json_object_new_double(f->probability));
    json_object_object_add(o, "fired", json_object_new_int64(f->fired));
    return o;
}

static int int_field(json_object *spec, const char *key, int64_t def, int64_t min, int64_t max,
                     int64_t *out, char *err, size_t errlen) {
    json_object *v;
    if (!json_object_object_get_ex(spec, key, &v) || !v) {
        *out = def;
        return 0;
    }
    if (util_jint(spec, key, out) != 0 || *out < min || *out > max) {
        snprintf(err, errlen, "%s must be an integer between %lld and %lld", key, (long long)min,
                 (long long)max);
        return -1;
    }
    return 0;
}

int faults_add(json_object *spec, json_object **out, char *err, size_t errlen) {
    fault f;
    memset(&f, 0, sizeof f);
    const char *target = util_jstr(spec, "target");
    const char *mode = util_jstr(spec, "mode");
    if (!target || !*target || strlen(target) >= sizeof f.target || !target_valid(target)) {
        snprintf(err, errlen, "target must name a known target (GET /_sim/faults/targets lists them)");
        return -1;
    }
    snprintf(f.target, sizeof f.target, "%s", target);
    if (!mode) {
        snprintf(err, errlen, "mode must be one of status, latency, hang, commit_then_fail, drop");
        return -1;
    }
    if (!strcmp(mode, "status")) f.hit.mode = FAULT_STATUS;
    else if (!strcmp(mode, "latency")) f.hit.mode = FAULT_LATENCY;
    else if (!strcmp(mode, "hang")) f.hit.mode = FAULT_HANG;
    else if (!strcmp(mode, "commit_then_fail")) f.hit.mode = FAULT_COMMIT_THEN_FAIL;
    else if (!strcmp(mode, "drop")) f.hit.mode = FAULT_DROP;
    else {
        snprintf(err, errlen, "mode must be one of status, latency, hang, commit_then_fail, drop");
        return -1;
    }
    int64_t status, retry, latency, count, skip;
    int64_t def_latency = f.hit.mode == FAULT_HANG ? 30000 : 1000;
    if (int_field(spec, "status", f.hit.mode == FAULT_STATUS ? 503 : 500, 400, 599, &status, err, errlen) ||
        int_field(spec, "retry_after_s", 0, 0, 86400, &retry, err, errlen) ||
        int_field(spec, "latency_ms", def_latency, 0, 600000, &latency, err, errlen) ||
        int_field(spec, "count", -1, -1, 1000000000, &count, err, errlen) ||
        int_field(spec, "skip", 0, 0, 1000000000, &skip, err, errlen))
        return -1;
    f.hit.status = (int)status;
    f.hit.retry_after_s = (int)retry;
    f.hit.latency_ms = (int)latency;
    f.hit.commit = util_jbool(spec, "commit", 0);
    f.count = count;
    f.skip = skip;
    f.probability = 1.0;
    json_object *p;
    if (json_object_object_get_ex(spec, "probability", &p) && p) {
        if (!json_object_is_type(p, json_type_double) && !json_object_is_type(p, json_type_int)) {
            snprintf(err, errlen, "probability must be a number between 0 and 1");
            return -1;
        }
        f.probability = json_object_get_double(p);
        if (!(f.probability >= 0.0 && f.probability <= 1.0)) {
            snprintf(err, errlen, "probability must be a number between 0 and 1");
            return -1;
        }
    }
    pthread_mutex_lock(&mu);
    if (nfaults == FAULTS_MAX) {
        pthread_mutex_unlock(&mu);
        snprintf(err, errlen, "too many faults (at most %d); DELETE /_sim/faults first", FAULTS_MAX);
        return -1;
    }
    f.id = next_id++;
    faults[nfaults++] = f;
    *out = describe(&f);
    pthread_mutex_unlock(&mu);
    return 0;
}

void faults_clear(void) {
    pthread_mutex_lock(&mu);
    nfaults = 0;
    generation++;
    pthread_mutex_unlock(&mu);
}

int faults_match(const char *target, fault_hit *hit) {
    int fired = 0;
    if (!nfaults) return 0; /* racy fast path: a fault added concurrently may be missed once */
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nfaults; i++) {
        fault *f = &faults[i];
        if (f->count == 0 || !target_matches(f->target, target)) continue;
        if (f->skip > 0) {
            f->skip--;
            continue;
        }
        if (f->probability < 1.0 && randombytes_uniform(1000000) >= (uint32_t)(f->probability * 1e6))
            continue;
        if (f->count > 0) f->count--;
        f->fired++;
        *hit = f->hit;
        fired = 1;
        break;
    }
    pthread_mutex_unlock(&mu);
    return fired;
}

json_object *faults_list(void) {
    json_object *a = json_object_new_array();
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < nfaults; i++) json_object_array_add(a, describe(&faults[i]));
    pthread_mutex_unlock(&mu);
    return a;
}

void faults_set_latency(int ms) { global_latency_ms = ms; }
int faults_latency_ms(void) { return global_latency_ms; }
const _Atomic unsigned *faults_generation(void) { return &generation; }
