/* Baseline for bench/ingest/run.sh: a bare libmicrohttpd server in the same
 * threading mode as common/http_server.c (thread per connection) that reads
 * the request body and answers 202 with a small JSON body. What ingest adds
 * on top (parsing, PostgreSQL, Kafka) is the difference. */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t run = 1;
static void stop(int sig) {
    (void)sig;
    run = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state) {
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)data;
    static int marker;
    if (!*state) {
        *state = &marker;
        return MHD_YES;
    }
    if (*size) {
        *size = 0; /* discard the body */
        return MHD_YES;
    }
    static const char body[] = "{\"application_id\":\"app_0\",\"status_url\":\"http://127.0.0.1:8084/\"}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, 202, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 8091;
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                                                MHD_USE_POLL,
                                            (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bare202: cannot listen on %d\n", port);
        return 1;
    }
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    while (run) pause();
    MHD_stop_daemon(d);
    return 0;
}
