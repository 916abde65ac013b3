#ifndef ATSB_DELIVERY_OFFSETS_H
#define ATSB_DELIVERY_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

/* Per-partition completion tracker. Messages of one partition are handed to
 * workers in offset order but finish in any order; an offset may be stored
 * (committed) only when it and every earlier offset of its partition are
 * done. The dispatcher registers each message (offsets_begin), workers mark
 * them done (offsets_done), and the dispatcher periodically collects the
 * contiguous completed prefix of every partition (offsets_collect).
 *
 * Thread-safe (own lock). A begin with an offset not above the partition's
 * last registered one means the partition was re-assigned and re-fetched
 * from an older position: the partition's entries are forgotten and tracking
 * restarts there (done marks for forgotten offsets are ignored), so a stale
 * completion can never store past an unfinished message. */

typedef struct offsets_tracker offsets_tracker;

/* Returns NULL when out of memory. */
offsets_tracker *offsets_new(void);
/* Frees t and everything it tracks. NULL is allowed. */
void offsets_free(offsets_tracker *t);

/* Registers offset as in flight. Returns 0, or -1 when out of memory
 * (nothing registered: the caller must not dispatch the message). */
int offsets_begin(offsets_tracker *t, const char *topic, int32_t partition, int64_t offset);

/* Marks offset done. Unknown offsets are ignored. Can't fail. */
void offsets_done(offsets_tracker *t, const char *topic, int32_t partition, int64_t offset);

typedef void (*offsets_store_fn)(void *ctx, const char *topic, int32_t partition, int64_t next_offset);

/* For every partition whose oldest entries are done, forgets that prefix and
 * calls fn with the offset to commit (last done + 1). Returns the number of
 * calls. fn runs under the tracker's lock: it must not call back into t. */
size_t offsets_collect(offsets_tracker *t, offsets_store_fn fn, void *ctx);

/* Forgets every registered offset of a partition (it was handed to another
 * consumer): later done marks for them are ignored, and tracking starts
 * afresh with the next begin. */
void offsets_forget(offsets_tracker *t, const char *topic, int32_t partition);

/* Number of registered offsets not yet collected (done or not). */
size_t offsets_pending(offsets_tracker *t);

#endif
