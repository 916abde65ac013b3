#ifndef ATSB_PB_JSON_H
#define ATSB_PB_JSON_H

#include <json-c/json.h>
#include <protobuf-c/protobuf-c.h>

/* Generic protobuf → JSON through protobuf-c descriptors, for the audit
 * reader. Field names as in the .proto; enums by name; int64 as JSON
 * numbers; bytes never printed (only their length). Unless show_personal is
 * set, every field of atsbridge.v1.Candidate and the values of
 * atsbridge.v1.Answer are replaced by "[redacted]". */

/* Descriptor of a fully qualified message name (the `schema` header), or NULL. */
const ProtobufCMessageDescriptor *pb_json_descriptor(const char *schema);

/* Decodes payload as schema and returns a new JSON object (caller puts it),
 * or NULL when the schema is unknown or the payload does not decode. */
json_object *pb_json_decode(const char *schema, const void *payload, size_t len, int show_personal);

#endif
