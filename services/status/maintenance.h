#ifndef STATUS_MAINTENANCE_H
#define STATUS_MAINTENANCE_H

#include "app.h"

#include <pthread.h>

/* A background thread for periodic work: the feed monitor (every
 * ATSB_FEED_CHECK_INTERVAL_S), retention (every
 * ATSB_RETENTION_CHECK_INTERVAL_S when ATSB_RETENTION_DAYS > 0) and the
 * applications-by-state gauge atsb_status_applications{state=...} (every
 * ATSB_STATUS_GAUGE_INTERVAL_S). Failures are logged and retried on the next
 * round; the thread stops when shutdown is requested. */
typedef struct {
    status_app *app;
    pthread_t thread;
    int running;
} maintenance;

/* Returns 0, or -1 when the thread could not be created. */
int maintenance_start(maintenance *m, status_app *app);
/* Waits for the thread after shutdown_request(). Safe when not started. */
void maintenance_join(maintenance *m);

/* One refresh of the applications-by-state gauge; 0 or -1. */
int maintenance_refresh_gauges(status_app *app);

#endif
