#ifndef ATSB_PB_JSON_H
#define ATSB_PB_JSON_H

#include <json-c/json.h>
#include <protobuf-c/protobuf-c.h>

/* Generic protobuf → JSON through protobuf-c descriptors, for the audit
 * reader. Field names as in the .proto; enums by name; int64 as JSON
 * numbers; bytes never printed (only their length). Unless show_personal is
 * set, every field of atsbridge.v1.Candidate, the values of
 * atsbridge.v1.Answer and atsbridge.v1.MappedAnswer and document file names
 * are replaced by "[redacted]". Sealed personal fields (common/personal.h)
 * that are not opened print as one string in place of each of candidate,
 * answers, documents and mapped_answers. */

/* Descriptor of a fully qualified message name (the `schema` header), or NULL. */
const ProtobufCMessageDescriptor *pb_json_descriptor(const char *schema);

/* Decodes payload as schema and returns a new JSON object (caller puts it),
 * or NULL when the schema is unknown or the payload does not decode. Sealed
 * personal fields print as "[sealed]". */
json_object *pb_json_decode(const char *schema, const void *payload, size_t len, int show_personal);

/* Called with the unpacked message before it is printed: may open its
 * sealed personal fields in place. Returns NULL when there is nothing
 * sealed left, else the string to print for each sealed personal field. */
typedef const char *(*pb_json_open_fn)(ProtobufCMessage *m, void *ctx);

/* pb_json_decode with open (ctx passed on) deciding about sealed fields. */
json_object *pb_json_decode_open(const char *schema, const void *payload, size_t len, int show_personal,
                                 pb_json_open_fn open, void *ctx);

#endif
