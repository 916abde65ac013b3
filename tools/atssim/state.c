#include "state.h"

#include "dispatch.h"
#include "eploy.h"
#include "faults.h"
#include "lever.h"
#include "lever_oauth.h"
#include "provider.h"
#include "webhooks.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *seed_path;
static json_object *seed; /* last good seed; read-only */
static char base_url[128] = "http://127.0.0.1:8090";

void state_lock(void) { pthread_mutex_lock(&mu); }
void state_unlock(void) { pthread_mutex_unlock(&mu); }

void state_set_base_url(const char *url) { snprintf(base_url, sizeof base_url, "%s", url); }
const char *state_base_url(void) { return base_url; }

static json_object *load_seed(const char *path, char *err, size_t errlen) {
    json_object *o = json_object_from_file(path);
    if (!o) {
        snprintf(err, errlen, "cannot read seed %s: %s", path, json_util_get_last_err());
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        snprintf(err, errlen, "seed %s: top level must be an object", path);
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Applies seed s to every module (lock held). */
static int apply(json_object *s, char *err, size_t errlen) {
    json_object *lever = NULL, *eploy = NULL, *provider = NULL;
    json_object_object_get_ex(s, "lever", &lever);
    json_object_object_get_ex(s, "eploy", &eploy);
    json_object_object_get_ex(s, "provider", &provider);
    if (lever_oauth_reset(lever, err, errlen) || lever_reset(lever, err, errlen) ||
        eploy_reset(eploy, err, errlen) || provider_reset(provider, err, errlen))
        return -1;
    return 0;
}

int state_init(const char *path, char *err, size_t errlen) {
    seed_path = strdup(path);
    if (!seed_path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    seed = load_seed(path, err, errlen);
    if (!seed) return -1;
    state_lock();
    int rc = apply(seed, err, errlen);
    state_unlock();
    return rc;
}

void state_free(void) {
    state_lock();
    lever_oauth_reset(NULL, NULL, 0);
    lever_reset(NULL, NULL, 0);
    eploy_reset(NULL, NULL, 0);
    provider_reset(NULL, NULL, 0);
    json_object_put(seed);
    seed = NULL;
    free(seed_path);
    seed_path = NULL;
    state_unlock();
}

int state_reset(char *err, size_t errlen) {
    char ignored[256];
    json_object *fresh = load_seed(seed_path, ignored, sizeof ignored);
    faults_clear();
    faults_set_latency(0);
    dispatch_reset_counts();
    webhooks_reset();
    state_lock();
    int rc = -1;
    if (fresh && apply(fresh, err, errlen) == 0) {
        json_object_put(seed);
        seed = fresh;
        fresh = NULL;
        rc = 0;
    } else {
        rc = apply(seed, err, errlen); /* the last good seed */
    }
    state_unlock();
    json_object_put(fresh);
    return rc;
}

json_object *state_ledger(void) {
    json_object *o = json_object_new_object();
    state_lock();
    json_object_object_add(o, "lever", lever_ledger());
    json_object_object_add(o, "eploy", eploy_ledger());
    json_object_object_add(o, "provider", provider_ledger());
    state_unlock();
    return o;
}
