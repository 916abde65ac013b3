#ifndef STATUS_STATE_H
#define STATUS_STATE_H

/* Order of application states (DESIGN.md): received < held < resolved <
 * delivering/retrying by attempt (retrying after delivering of the same
 * attempt) < rejected < failed < delivered. The three terminal states rank
 * above everything else; among them delivered wins, so a failed application
 * replayed from the dead-letter topic and then delivered ends delivered, and
 * the result never depends on arrival order. The projection only ever raises
 * an application's rank. */

#define STATE_RANK_NONE (-1)

/* Rank of state at attempt (attempt is clamped to [0, STATE_MAX_ATTEMPT]).
 * Returns STATE_RANK_NONE for NULL, empty or unknown states. Can't fail. */
int state_rank(const char *state, int attempt);

/* True when s is one of the eight application states. */
int state_is_known(const char *s);

/* The state an event moves its application to: ev_state when set and known,
 * else type when type names a state (tolerates producers that leave `state`
 * empty), else NULL. */
const char *state_of_event(const char *ev_state, const char *type);

#define STATE_MAX_ATTEMPT 100000

/* Background checks: rank of a CheckStatus name ("requested", ...); terminal
 * statuses (completed, failed, cancelled) rank highest. STATE_RANK_NONE for
 * unknown values. */
int state_check_rank(int check_status);
/* Lowercase name of a CheckStatus value ("in_progress"), or NULL when unknown. */
const char *state_check_name(int check_status);

#endif
