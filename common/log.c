#include "log.h"

#include "config.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static char log_service[64] = "atsbridge";
static log_level log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *service) {
    snprintf(log_service, sizeof log_service, "%s", service ? service : "atsbridge");
    const char *lvl = config_str("ATSB_LOG_LEVEL", "info");
    log_min = LOG_INFO;
    for (int i = 0; lvl && i < 4; i++)
        if (strcasecmp(lvl, level_names[i]) == 0) log_min = (log_level)i;
}

void log_event(log_level level, const char *trace_id, const char *msg, ...) {
    if (level < log_min) return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

    json_object *o = json_object_new_object();
    json_object_object_add(o, "ts", json_object_new_string(ts));
    json_object_object_add(o, "level", json_object_new_string(level_names[level]));
    json_object_object_add(o, "service", json_object_new_string(log_service));
    if (trace_id && *trace_id) json_object_object_add(o, "trace_id", json_object_new_string(trace_id));
    json_object_object_add(o, "msg", json_object_new_string(msg ? msg : ""));
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k) break;
        const char *v = va_arg(ap, const char *);
        json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
    }
    va_end(ap);
    const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    pthread_mutex_lock(&log_lock);
    fputs(line, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    json_object_put(o);
}
