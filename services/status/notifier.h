#ifndef STATUS_NOTIFIER_H
#define STATUS_NOTIFIER_H

#include "app.h"

#include <pthread.h>

/* Operator notifications (DESIGN.md and docs/status.md "Operator
 * notifications"). The consumer writes the outbox
 * (status.notification_events) in the transaction that stores an event an
 * operator must act on; the notifier threads turn it into notifications and
 * deliver them:
 *
 *  - gather: the open outbox rows of an (account, class) become ONE
 *    notification with their count, when that pair has no notification in
 *    flight and none created within ATSB_NOTIFY_WINDOW_S (the first event of
 *    a quiet pair goes out at once; a flood becomes one notification per
 *    window with a count). One replica gathers at a time (advisory lock);
 *  - send: each due notification is claimed with a lease (SKIP LOCKED, so
 *    threads and replicas never send the same one at once), signed with the
 *    account's secret (notify_secret.h) and POSTed with a bounded timeout;
 *    a failure is retried with exponential backoff and full jitter
 *    (backoff.h) until ATSB_NOTIFY_MAX_ATTEMPTS or ATSB_NOTIFY_MAX_AGE_S,
 *    then given up. A slow or failing receiver delays only its own
 *    notifications: the others are claimed by the next round or thread;
 *  - each notification sent or given up is recorded on application.events
 *    (notification_sent / notification_failed: class, attempts, the last
 *    error code; never the secret, the URL or personal data) before its row
 *    is closed, so a crash in between sends it again (receivers deduplicate
 *    by X-Atsbridge-Notification-Id).
 * Finished notifications older than 30 days are deleted. */

#define NOTIFIER_MAX_THREADS 16

typedef struct notifier notifier;
typedef struct {
    notifier *n;
    int index; /* 0 also gathers */
    pthread_t tid;
} notifier_thread;
struct notifier {
    status_app *app;
    notifier_thread threads[NOTIFIER_MAX_THREADS];
    int nthreads;
};

/* Starts app->notify_senders threads (1-16). Returns 0, or -1 when not all
 * of them started (the caller requests shutdown and joins). */
int notifier_start(notifier *n, status_app *app);
/* Joins the threads (they stop on shutdown_request). */
void notifier_join(notifier *n);

/* One round of one thread: gather (when gather is set), then send every
 * due notification it can claim, at most 50. Returns how many were
 * finished (sent or given up), or -1 on a database error. */
int notifier_round(status_app *app, int gather);

#endif
