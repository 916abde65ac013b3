#include "sealed.h"

#include "config.h"
#include "crypto.h"
#include "personal.h"

#include <stdio.h>
#include <stdlib.h>

struct sealed_keys {
    const char *dsn;
    PGconn *c;
    int ready;  /* crypto_init done */
    int warned; /* the keys were unreadable once: said so on stderr */
};

sealed_keys *sealed_keys_new(void) {
    const char *dsn = config_str("ATSB_PG_DSN", NULL);
    if (!dsn) return NULL;
    config_secret("ATSB_SECRET_KEY"); /* exits 2 when unset outside development */
    sealed_keys *k = calloc(1, sizeof *k);
    if (k) k->dsn = dsn;
    return k;
}

void sealed_keys_free(sealed_keys *k) {
    if (!k) return;
    if (k->c) PQfinish(k->c);
    free(k);
}

/* The connection, (re)made when needed; NULL when the keys cannot be read.
 * The master key is loaded at the first sealed message only, so runs that
 * meet none print nothing about it. */
static PGconn *conn(sealed_keys *k) {
    if (!k->ready && crypto_init() == 0) k->ready = 1;
    if (k->ready) {
        if (k->c && PQstatus(k->c) != CONNECTION_OK) PQreset(k->c);
        if (!k->c) k->c = PQconnectdb(k->dsn);
        if (k->c && PQstatus(k->c) == CONNECTION_OK) return k->c;
    }
    if (!k->warned) fprintf(stderr, "trail: database unreachable; sealed fields print as [sealed]\n");
    k->warned = 1;
    return NULL;
}

const char *sealed_open(ProtobufCMessage *m, void *ctx) {
    sealed_keys *k = ctx;
    personal_status st;
    if (m->descriptor == &atsbridge__v1__application_received__descriptor) {
        Atsbridge__V1__ApplicationReceived *a = (Atsbridge__V1__ApplicationReceived *)m;
        if (!a->sealed.len) return NULL;
        if (!k) return "[sealed]";
        st = personal_open_received(conn(k), a);
    } else if (m->descriptor == &atsbridge__v1__application_resolved__descriptor) {
        Atsbridge__V1__ApplicationResolved *r = (Atsbridge__V1__ApplicationResolved *)m;
        if (!r->sealed.len && !(r->application && r->application->sealed.len)) return NULL;
        if (!k) return "[sealed]";
        st = personal_open_resolved(conn(k), r);
    } else {
        return NULL;
    }
    return st == PERSONAL_OK ? NULL : st == PERSONAL_ERASED ? "[erased]" : "[sealed]";
}
