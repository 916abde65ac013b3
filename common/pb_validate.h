#ifndef ATSB_PB_VALIDATE_H
#define ATSB_PB_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Validation of a decoded protobuf message before any work is done with it:
 * protobuf only promises the wire format, so a producer's bug (or a hostile
 * one) can hand a consumer invalid UTF-8, which PostgreSQL then refuses for
 * ever, or fields far beyond anything real. Walks every field through the
 * message's descriptor, sub-messages included. */

typedef struct {
    size_t max_string;   /* bytes of one string field */
    size_t max_repeated; /* elements of one repeated field */
    int max_depth;       /* nesting of sub-messages */
} pb_limits;

/* What any application message of ours stays within by far (ingest's own
 * limits are lower). */
#define PB_LIMITS_DEFAULT ((pb_limits){64 * 1024, 1000, 8})

/* 0 when every string of m is well-formed UTF-8 without NUL and within
 * lim, every repeated field within lim and the nesting within lim; else -1
 * with the first offending field's path and reason in why (e.g.
 * "application.candidate.first_name: not valid UTF-8"). Bytes fields are
 * not looked into. Pure. */
int pb_validate(const ProtobufCMessage *m, const pb_limits *lim, char *why, size_t len);

#endif
