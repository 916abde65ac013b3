#ifndef ATSB_LOG_H
#define ATSB_LOG_H

/* One JSON object per line on stderr:
 *   {"ts":"2026-11-25T18:00:00.123Z","level":"info","service":"ingest",
 *    "trace_id":"...","msg":"...", <extra string fields>}
 * Callers must never pass personal data or secrets: log ids, codes, counts.
 * Thread-safe; lines from concurrent threads never interleave. */

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Sets the service name written on every line and the minimum level
 * (ATSB_LOG_LEVEL: debug|info|warn|error). Can't fail; unknown levels mean info. */
void log_init(const char *service);

/* Writes one line. The variadic part is key/value pairs of const char *,
 * terminated by NULL; a NULL value writes JSON null. trace_id may be NULL. */
void log_event(log_level level, const char *trace_id, const char *msg, ...);

#define log_info(msg, ...) log_event(LOG_INFO, NULL, msg, ##__VA_ARGS__, (const char *)0)
#define log_warn(msg, ...) log_event(LOG_WARN, NULL, msg, ##__VA_ARGS__, (const char *)0)
#define log_error(msg, ...) log_event(LOG_ERROR, NULL, msg, ##__VA_ARGS__, (const char *)0)
#define log_debug(msg, ...) log_event(LOG_DEBUG, NULL, msg, ##__VA_ARGS__, (const char *)0)

#endif
