#ifndef STATUS_HELD_WATCH_H
#define STATUS_HELD_WATCH_H

#include "app.h"

/* Held too long: an application that has been in state held (test mode,
 * answers, connection) for more than ATSB_HELD_NOTIFY_AFTER_S gets one
 * held_too_long event on application.events (id derived from the
 * application, so repeats are stored once); the consumer turns it into an
 * operator notification (notifier.h). At most 200 a call, oldest first.
 * Returns how many were reported, 0 when off, or -1 when the database or
 * the broker was unavailable. */
int held_watch_tick(status_app *app);

#endif
