#ifndef ATSB_METRICS_H
#define ATSB_METRICS_H

#include <stddef.h>

/* Process-wide Prometheus metrics. Series are identified by name plus a label
 * string in Prometheus syntax (e.g. `route="/v1/applications",code="202"`),
 * created on first use. Thread-safe. When the fixed series table is full, new
 * series are dropped silently (existing ones keep working): metrics must never
 * fail a request. */

void metrics_counter_add(const char *name, const char *labels, double v);
void metrics_gauge_set(const char *name, const char *labels, double v);
/* Histogram of seconds with fixed buckets from 1 ms to 10 s. */
void metrics_observe(const char *name, const char *labels, double seconds);

/* Declares a metric family: /metrics shows its HELP and TYPE lines from
 * now on, before its first series exists (so dashboards, alerts and
 * `promtool check metrics` see every family a service can export). A name
 * already declared or in use is left as it is. */
typedef enum { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM } metrics_kind;
void metrics_declare(const char *name, metrics_kind kind);

/* The HELP text of a metric (metrics_help.c); a generic one for a name it
 * does not know. */
const char *metrics_help(const char *name);

/* Renders every series in Prometheus text format 0.0.4, each metric's
 * series together under its HELP and TYPE lines. Returns a malloc'd
 * string the caller frees, or NULL when out of memory. */
char *metrics_render(void);

#endif
