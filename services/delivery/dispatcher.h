#ifndef ATSB_DELIVERY_DISPATCHER_H
#define ATSB_DELIVERY_DISPATCHER_H

#include "dctx.h"

/* The consuming half of delivery: the calling thread polls
 * applications.resolved, ats.commands and the retry topics (every tier and
 * the single applications.retry of earlier versions), holds back tier
 * messages still inside their tier's delay (retry.h gate), registers every other
 * message with the offsets tracker and hands it to a bounded pool of
 * cfg.workers threads (queue of 2 x workers; the poller waits when it is
 * full, or when 3 x workers messages are held in all). Workers run
 * deliver_handle / commands_handle, or retry_hop for a retry message out of
 * its tier but not yet due, and move on; a delivery ends when the
 * broker has acknowledged its events (deliver.h), which does not hold a
 * worker. A message whose handling reports a database or broker failure is
 * queued again at the front and handled after a back-off (100 ms doubling
 * to 5 s); one that ends well is marked done, and the poller stores the
 * contiguous completed prefix of each partition.
 *
 * When a rebalance revokes partitions, queued messages of them are dropped
 * and those already started may finish (up to cfg.handover_ms) and have
 * their offsets stored before the consumer commits and lets them go.
 *
 * Runs until shutdown_requested(): then stops polling, lets the workers
 * finish the message each is on (queued ones are left for redelivery),
 * waits for the acknowledgements still due, stores the completed offsets,
 * commits and closes the consumer.
 * Returns 0, or -1 (one line on stderr) when the consumer cannot start. */
int dispatcher_run(dctx *x);

#endif
