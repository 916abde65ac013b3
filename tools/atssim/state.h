#ifndef ATSSIM_STATE_H
#define ATSSIM_STATE_H

#include <json-c/json.h>
#include <stddef.h>

/* The simulator's one lock, its seed and the reset/ledger plumbing.
 *
 * Every module keeps its mutable data in file-static variables guarded by the
 * state lock (state_lock/state_unlock). Handlers hold it only while reading
 * or changing that data: never while sleeping, parsing big bodies or doing
 * network I/O. Module functions documented "lock held" expect the caller to
 * hold it. */

/* Loads the seed file and brings every module to it. Returns 0, or -1 with
 * err filled (unreadable file, invalid JSON, a module rejecting its part). */
int state_init(const char *seed_path, char *err, size_t errlen);
void state_free(void);

void state_lock(void);
void state_unlock(void);

/* Re-reads the seed file (falling back to the last good seed when it no
 * longer parses) and resets every module, the faults, the global latency,
 * the request counters and the webhook log. Returns 0 or -1 with err. */
int state_reset(char *err, size_t errlen);

/* "http://host:port" of this simulator, for report and upload URLs. */
void state_set_base_url(const char *url);
const char *state_base_url(void);

/* GET /_sim/ledger body (caller puts it). Takes the lock itself. */
json_object *state_ledger(void);

#endif
