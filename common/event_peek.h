#ifndef ATSB_EVENT_PEEK_H
#define ATSB_EVENT_PEEK_H

#include <stddef.h>
#include <stdint.h>

/* Whether a serialized ApplicationEvent's type (field 4) is type, read from
 * the protobuf wire format without decoding the message: the listeners on
 * application.events that act on one type in a thousand skip the others
 * without an allocation. Like a decoder, the last occurrence of the field
 * counts. 1 yes, 0 no or not a well-formed message (whose decoding would
 * fail too). Pure; fuzzed against the decoder (fuzz_event_peek). */
int event_type_is(const uint8_t *msg, size_t len, const char *type);

#endif
