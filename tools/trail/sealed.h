#ifndef ATSB_TRAIL_SEALED_H
#define ATSB_TRAIL_SEALED_H

#include <protobuf-c/protobuf-c.h>

/* trail's access to sealed personal fields (common/personal.h). With
 * ATSB_PG_DSN set, the data keys are read from that database (unwrapped
 * with ATSB_SECRET_KEY, which must then be set unless ATSB_DEV=1, as for
 * the services: exits 2 naming it); without it nothing is opened. */
typedef struct sealed_keys sealed_keys;

/* NULL when ATSB_PG_DSN is unset. The connection is made at the first
 * sealed message. */
sealed_keys *sealed_keys_new(void);
void sealed_keys_free(sealed_keys *k);

/* A pb_json_open_fn (ctx: a sealed_keys, or NULL): opens an unpacked
 * ApplicationReceived or ApplicationResolved in place. NULL when it was
 * opened or carried nothing sealed; else what to print for its personal
 * fields: "[erased]" (the key is destroyed) or "[sealed]" (no database,
 * the database unreachable, or bytes that do not open). */
const char *sealed_open(ProtobufCMessage *m, void *ctx);

#endif
