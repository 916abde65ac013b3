#ifndef ATSB_DELIVERY_DISPATCHER_H
#define ATSB_DELIVERY_DISPATCHER_H

#include "dctx.h"

/* The consuming half of delivery: the calling thread polls
 * applications.resolved, applications.retry and ats.commands, holds back
 * retry messages that are not due (retry.h gate), registers every other
 * message with the offsets tracker and hands it to a bounded pool of
 * cfg.workers threads (queue of 2 x workers; the poller waits when it is
 * full). Workers run deliver_handle / commands_handle, repeating a message
 * whose handler reports a database or broker failure (100 ms doubling to
 * 5 s), and mark it done; the poller stores the contiguous completed prefix
 * of each partition.
 *
 * Runs until shutdown_requested(): then stops polling, lets the workers
 * finish the message each is on (queued ones are left for redelivery),
 * stores the completed offsets, commits and closes the consumer.
 * Returns 0, or -1 (one line on stderr) when the consumer cannot start. */
int dispatcher_run(dctx *x);

#endif
