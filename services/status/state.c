#include "state.h"

#include <string.h>

static const char *const early[] = {"received", "held", "resolved"};

int state_rank(const char *state, int attempt) {
    if (!state || !*state) return STATE_RANK_NONE;
    for (int i = 0; i < 3; i++)
        if (!strcmp(state, early[i])) return i + 1;
    if (attempt < 0) attempt = 0;
    if (attempt > STATE_MAX_ATTEMPT) attempt = STATE_MAX_ATTEMPT;
    /* 10 + 2a for delivering, 11 + 2a for retrying: stays below 1e6. */
    if (!strcmp(state, "delivering")) return 10 + 2 * attempt;
    if (!strcmp(state, "retrying")) return 11 + 2 * attempt;
    if (!strcmp(state, "rejected")) return 1000001;
    if (!strcmp(state, "failed")) return 1000002;
    if (!strcmp(state, "delivered")) return 1000003;
    return STATE_RANK_NONE;
}

int state_is_known(const char *s) { return state_rank(s, 0) != STATE_RANK_NONE; }

const char *state_of_event(const char *ev_state, const char *type) {
    if (ev_state && *ev_state) return state_is_known(ev_state) ? ev_state : NULL;
    return type && state_is_known(type) ? type : NULL;
}

static const char *const check_names[] = {
    NULL, "requested", "ordered", "pending_candidate", "in_progress", "completed", "failed", "cancelled",
};

int state_check_rank(int check_status) {
    /* The enum order is the lifecycle order; terminals come last. */
    return check_status >= 1 && check_status <= 7 ? check_status : STATE_RANK_NONE;
}

const char *state_check_name(int check_status) {
    return check_status >= 1 && check_status <= 7 ? check_names[check_status] : NULL;
}
