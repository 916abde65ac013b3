#include "shutdown.h"

#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag = 0;

static void on_signal(int sig) {
    (void)sig;
    stop_flag = 1;
}

void shutdown_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool shutdown_requested(void) { return stop_flag != 0; }
void shutdown_request(void) { stop_flag = 1; }

void shutdown_sleep_ms(long ms) {
    for (long slept = 0; slept < ms && !stop_flag; slept += 50)
        usleep((useconds_t)(ms - slept < 50 ? ms - slept : 50) * 1000);
}
