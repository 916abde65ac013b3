#ifndef ATSB_DELIVERY_NOTIFY_H
#define ATSB_DELIVERY_NOTIFY_H

#include "accounts.h"

#include <libpq-fe.h>

/* Error notifications (seed 002): a permanent delivery failure or a broken
 * connection POSTs a JSON notification to the account's notification URL,
 * at most once per account and error class per hour (delivery.notifications,
 * so replicas share the throttle). The body carries ids and codes only:
 * {"account_id", "error_class", "error_code", "message", "application_id",
 *  "connection", "at_ms"}. Best effort: a notification that cannot be sent
 * is logged and not retried (the audit event is the record).
 * Returns 1 when sent, 0 when throttled or no URL, -1 when sending failed. */
int notify_error(PGconn *c, const account *a, const char *error_class, const char *error_code,
                 const char *message, const char *application_id, int timeout_ms);

#endif
