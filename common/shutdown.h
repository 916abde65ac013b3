#ifndef ATSB_SHUTDOWN_H
#define ATSB_SHUTDOWN_H

#include <signal.h>
#include <stdbool.h>

/* Graceful shutdown: SIGTERM and SIGINT set a flag that loops poll; SIGPIPE
 * is ignored (sockets report EPIPE instead). Install once from main(). */
void shutdown_install(void);
bool shutdown_requested(void);
/* Lets code other than a signal (tests, fatal errors) request shutdown. */
void shutdown_request(void);
/* Sleeps ms milliseconds, returning early (within 50 ms) once shutdown is
 * requested. */
void shutdown_sleep_ms(long ms);

#endif
