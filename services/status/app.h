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
    /* Operator notifications (notifier.h, held_watch.h). */
    int notify_window_s;        /* ATSB_NOTIFY_WINDOW_S */
    int notify_timeout_ms;      /* ATSB_NOTIFY_TIMEOUT_MS */
    int notify_max_attempts;    /* ATSB_NOTIFY_MAX_ATTEMPTS */
    int notify_max_age_s;       /* ATSB_NOTIFY_MAX_AGE_S */
    int notify_backoff_base_ms; /* ATSB_NOTIFY_BACKOFF_BASE_MS */
    int notify_backoff_cap_ms;  /* ATSB_NOTIFY_BACKOFF_CAP_MS */
    int notify_senders;         /* ATSB_NOTIFY_SENDERS */
    int notify_poll_ms;         /* ATSB_NOTIFY_POLL_MS */
    int held_notify_after_s;    /* ATSB_HELD_NOTIFY_AFTER_S, 0 = off */
} status_app;

#endif
