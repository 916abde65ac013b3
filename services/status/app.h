#ifndef STATUS_APP_H
#define STATUS_APP_H

#include "service.h"

/* What the status service's modules share: the started service (database
 * pool, producer) and the settings read once at start-up. One instance lives
 * in main.c for the life of the process; handlers and threads only read it. */
typedef struct {
    service svc;
    const char *read_token;     /* ATSB_STATUS_READ_TOKEN, "" when unset */
    int feed_check_interval_s;  /* ATSB_FEED_CHECK_INTERVAL_S */
    int retention_days;         /* ATSB_RETENTION_DAYS, 0 = off */
    int retention_interval_s;   /* ATSB_RETENTION_CHECK_INTERVAL_S */
    int gauge_interval_s;       /* ATSB_STATUS_GAUGE_INTERVAL_S */
} status_app;

#endif
