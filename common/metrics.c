#include "metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERIES 512
#define NBUCKETS 12

static const double bucket_bounds[NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,   0.25,   0.5,   1.0,  2.5,   10.0};


typedef struct {
    metrics_kind kind;
    int declared_only; /* metrics_declare's entry: HELP and TYPE, no sample */
    char name[96];
    char labels[160];
    double value; /* counter/gauge value, histogram sum */
    unsigned long long count;
    unsigned long long buckets[NBUCKETS];
} series;

static series table[MAX_SERIES];
static size_t nseries;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Returns the series, creating it; NULL when the table is full. Caller holds lock. */
static series *find(metrics_kind kind, const char *name, const char *labels) {
    if (!labels) labels = "";
    for (size_t i = 0; i < nseries; i++)
        if (!table[i].declared_only && table[i].kind == kind && !strcmp(table[i].name, name) &&
            !strcmp(table[i].labels, labels))
            return &table[i];
    if (nseries == MAX_SERIES) return NULL;
    series *s = &table[nseries++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->labels, sizeof s->labels, "%s", labels);
    return s;
}

void metrics_counter_add(const char *name, const char *labels, double v) {
    pthread_mutex_lock(&lock);
    series *s = find(METRICS_COUNTER, name, labels);
    if (s) s->value += v;
    pthread_mutex_unlock(&lock);
}

void metrics_gauge_set(const char *name, const char *labels, double v) {
    pthread_mutex_lock(&lock);
    series *s = find(METRICS_GAUGE, name, labels);
    if (s) s->value = v;
    pthread_mutex_unlock(&lock);
}

void metrics_observe(const char *name, const char *labels, double seconds) {
    pthread_mutex_lock(&lock);
    series *s = find(METRICS_HISTOGRAM, name, labels);
    if (s) {
        s->value += seconds;
        s->count++;
        for (int i = 0; i < NBUCKETS; i++)
            if (seconds <= bucket_bounds[i]) s->buckets[i]++;
    }
    pthread_mutex_unlock(&lock);
}

void metrics_declare(const char *name, metrics_kind kind) {
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < nseries && strcmp(table[i].name, name)) i++;
    if (i == nseries && nseries < MAX_SERIES) {
        series *s = &table[nseries++];
        memset(s, 0, sizeof *s);
        s->kind = kind;
        s->declared_only = 1;
        snprintf(s->name, sizeof s->name, "%s", name);
    }
    pthread_mutex_unlock(&lock);
}

static const char *kind_name(metrics_kind k) {
    return k == METRICS_COUNTER ? "counter" : k == METRICS_GAUGE ? "gauge" : "histogram";
}

static void render_series(FILE *f, const series *s) {
    if (s->declared_only) return;
    const char *sep = s->labels[0] ? "," : "";
    if (s->kind != METRICS_HISTOGRAM) {
        fprintf(f, "%s{%s} %.17g\n", s->name, s->labels, s->value);
        return;
    }
    for (int b = 0; b < NBUCKETS; b++)
        fprintf(f, "%s_bucket{%s%sle=\"%g\"} %llu\n", s->name, s->labels, sep, bucket_bounds[b], s->buckets[b]);
    fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", s->name, s->labels, sep, s->count);
    fprintf(f, "%s_sum{%s} %.17g\n", s->name, s->labels, s->value);
    fprintf(f, "%s_count{%s} %llu\n", s->name, s->labels, s->count);
}

char *metrics_render(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nseries; i++) {
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            if (!strcmp(table[j].name, table[i].name)) first = 0;
        if (!first) continue; /* rendered with the first series of its name */
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", table[i].name, metrics_help(table[i].name), table[i].name,
                kind_name(table[i].kind));
        for (size_t j = i; j < nseries; j++)
            if (!strcmp(table[j].name, table[i].name)) render_series(f, &table[j]);
    }
    pthread_mutex_unlock(&lock);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
