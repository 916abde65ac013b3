#include "offsets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t offset;
    int done;
} entry;

typedef struct {
    char *topic;
    int32_t partition;
    entry *e;   /* e[head .. head+len) in offset order */
    size_t head, len, cap;
} part;

struct offsets_tracker {
    pthread_mutex_t mu;
    part *parts;
    size_t nparts, cap;
};

offsets_tracker *offsets_new(void) {
    offsets_tracker *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

void offsets_free(offsets_tracker *t) {
    if (!t) return;
    for (size_t i = 0; i < t->nparts; i++) {
        free(t->parts[i].topic);
        free(t->parts[i].e);
    }
    free(t->parts);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* The partition's slot, created when create is set. NULL when absent or out of memory. */
static part *find(offsets_tracker *t, const char *topic, int32_t partition, int create) {
    for (size_t i = 0; i < t->nparts; i++)
        if (t->parts[i].partition == partition && !strcmp(t->parts[i].topic, topic)) return &t->parts[i];
    if (!create) return NULL;
    if (t->nparts == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        part *p = realloc(t->parts, cap * sizeof *p);
        if (!p) return NULL;
        t->parts = p;
        t->cap = cap;
    }
    part *p = &t->parts[t->nparts];
    memset(p, 0, sizeof *p);
    p->topic = strdup(topic);
    if (!p->topic) return NULL;
    p->partition = partition;
    t->nparts++;
    return p;
}

int offsets_begin(offsets_tracker *t, const char *topic, int32_t partition, int64_t offset) {
    int rc = -1;
    pthread_mutex_lock(&t->mu);
    part *p = find(t, topic, partition, 1);
    if (!p) goto out;
    if (p->len && p->e[p->head + p->len - 1].offset >= offset) p->head = p->len = 0; /* re-fetched */
    if (p->head + p->len == p->cap) {
        if (p->head > 0) { /* compact before growing */
            memmove(p->e, p->e + p->head, p->len * sizeof *p->e);
            p->head = 0;
        }
        if (p->len == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 64;
            entry *e = realloc(p->e, cap * sizeof *e);
            if (!e) goto out;
            p->e = e;
            p->cap = cap;
        }
    }
    p->e[p->head + p->len] = (entry){offset, 0};
    p->len++;
    rc = 0;
out:
    pthread_mutex_unlock(&t->mu);
    return rc;
}

void offsets_done(offsets_tracker *t, const char *topic, int32_t partition, int64_t offset) {
    pthread_mutex_lock(&t->mu);
    part *p = find(t, topic, partition, 0);
    if (p && p->len) {
        /* Binary search: entries are strictly increasing. */
        size_t lo = p->head, hi = p->head + p->len;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p->e[mid].offset < offset) lo = mid + 1;
            else hi = mid;
        }
        if (lo < p->head + p->len && p->e[lo].offset == offset) p->e[lo].done = 1;
    }
    pthread_mutex_unlock(&t->mu);
}

size_t offsets_collect(offsets_tracker *t, offsets_store_fn fn, void *ctx) {
    size_t calls = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->nparts; i++) {
        part *p = &t->parts[i];
        int64_t last = -1;
        while (p->len && p->e[p->head].done) {
            last = p->e[p->head].offset;
            p->head++;
            p->len--;
        }
        if (!p->len) p->head = 0;
        if (last >= 0) {
            fn(ctx, p->topic, p->partition, last + 1);
            calls++;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return calls;
}

void offsets_forget(offsets_tracker *t, const char *topic, int32_t partition) {
    pthread_mutex_lock(&t->mu);
    part *p = find(t, topic, partition, 0);
    if (p) p->head = p->len = 0;
    pthread_mutex_unlock(&t->mu);
}

size_t offsets_pending(offsets_tracker *t) {
    size_t n = 0;
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->nparts; i++) n += t->parts[i].len;
    pthread_mutex_unlock(&t->mu);
    return n;
}
