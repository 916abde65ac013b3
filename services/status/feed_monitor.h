#ifndef STATUS_FEED_MONITOR_H
#define STATUS_FEED_MONITOR_H

#include "app.h"

/* Feed monitoring (seed 002, "monitor receipt of scheduled extract"): an
 * account with feed_interval_s > 0 that has had no `received` event for that
 * long gets an alert, recorded as `feed_alert_raised` on application.events;
 * when traffic resumes (a received event within the interval) or monitoring
 * is switched off, `feed_alert_cleared`. The state lives in
 * status.account_sync (shown by GET /v1/accounts/{id}/sync) and in the gauge
 * atsb_feed_alert{account="..."}.
 *
 * One tick checks every monitored account. Replicas take turns through a
 * transaction-scoped advisory lock; an account's state changes only after its
 * event was durably produced, and the event id is derived from the moment
 * the silence began, so a retried tick does not record a second alert.
 * Returns the number of alerts changed, or -1 when the database was
 * unavailable. */
int feed_monitor_tick(status_app *app);

#endif
