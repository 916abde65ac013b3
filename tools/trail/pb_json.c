#include "pb_json.h"

#include "atsbridge/v1/applications.pb-c.h"
#include "atsbridge/v1/ats.pb-c.h"
#include "atsbridge/v1/common.pb-c.h"
#include "atsbridge/v1/events.pb-c.h"

#include <string.h>

static const ProtobufCMessageDescriptor *const known[] = {
    &atsbridge__v1__application_received__descriptor,
    &atsbridge__v1__application_resolved__descriptor,
    &atsbridge__v1__ats_webhook__descriptor,
    &atsbridge__v1__background_check_update__descriptor,
    &atsbridge__v1__ats_command__descriptor,
    &atsbridge__v1__application_event__descriptor,
};

const ProtobufCMessageDescriptor *pb_json_descriptor(const char *schema) {
    for (size_t i = 0; schema && i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(known[i]->name, schema)) return known[i];
    return NULL;
}

static json_object *message_json(const ProtobufCMessage *m, int show_personal);

static int redacted(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f) {
    if (!strcmp(d->name, "atsbridge.v1.Candidate")) return 1;
    if (!strcmp(d->name, "atsbridge.v1.DocumentRef")) return !strcmp(f->name, "filename");
    if (!strcmp(d->name, "atsbridge.v1.MappedAnswer")) return !strcmp(f->name, "values");
    return !strcmp(d->name, "atsbridge.v1.Answer") && (!strcmp(f->name, "value") || !strcmp(f->name, "values"));
}

/* One scalar or sub-message value at p. */
static json_object *value_json(const ProtobufCFieldDescriptor *f, const void *p, int show_personal) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: return json_object_new_int(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return json_object_new_int64(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: return json_object_new_int64(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return json_object_new_uint64(*(const uint64_t *)p);
    case PROTOBUF_C_TYPE_FLOAT: return json_object_new_double(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return json_object_new_double(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL: return json_object_new_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
        return ev ? json_object_new_string(ev->name) : json_object_new_int(*(const int *)p);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return json_object_new_string(s ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "bytes", json_object_new_int64((int64_t)((const ProtobufCBinaryData *)p)->len));
        return o;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        return sub ? message_json(sub, show_personal) : NULL;
    }
    }
    return NULL;
}

static size_t value_size(const ProtobufCFieldDescriptor *f) {
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    default: return 4;
    }
}

static json_object *message_json(const ProtobufCMessage *m, int show_personal) {
    const ProtobufCMessageDescriptor *d = m->descriptor;
    json_object *o = json_object_new_object();
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m;
        json_object *v = NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            if (n == 0) continue;
            const char *arr = *(char *const *)(base + f->offset);
            v = json_object_new_array();
            for (size_t k = 0; k < n; k++) {
                json_object *e = value_json(f, arr + k * value_size(f), show_personal);
                if (e) json_object_array_add(v, e);
            }
        } else {
            v = value_json(f, base + f->offset, show_personal);
            /* proto3: leave out defaults, like the canonical JSON mapping. */
            if (v && ((json_object_is_type(v, json_type_string) && !*json_object_get_string(v)) ||
                      (json_object_is_type(v, json_type_int) && json_object_get_int64(v) == 0) ||
                      (json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v)))) {
                json_object_put(v);
                v = NULL;
            }
        }
        if (!v) continue;
        if (!show_personal && redacted(d, f)) {
            json_object_put(v);
            v = json_object_new_string("[redacted]");
        }
        json_object_object_add(o, f->name, v);
    }
    return o;
}

/* Nothing opens sealed fields: they stay sealed. */
static const char *keep_sealed(ProtobufCMessage *m, void *ctx) {
    (void)ctx;
    if (m->descriptor == &atsbridge__v1__application_received__descriptor)
        return ((Atsbridge__V1__ApplicationReceived *)m)->sealed.len ? "[sealed]" : NULL;
    if (m->descriptor == &atsbridge__v1__application_resolved__descriptor) {
        const Atsbridge__V1__ApplicationResolved *r = (Atsbridge__V1__ApplicationResolved *)m;
        return r->sealed.len || (r->application && r->application->sealed.len) ? "[sealed]" : NULL;
    }
    return NULL;
}

static void mark_received(json_object *o, const Atsbridge__V1__ApplicationReceived *a, const char *text) {
    if (!o || !a || !a->sealed.len) return;
    static const char *const fields[] = {"candidate", "answers", "documents"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        json_object_object_add(o, fields[i], json_object_new_string(text));
}

/* text in place of each personal field that is still sealed. */
static void mark_sealed(json_object *o, const ProtobufCMessage *m, const char *text) {
    if (m->descriptor == &atsbridge__v1__application_received__descriptor) {
        mark_received(o, (const Atsbridge__V1__ApplicationReceived *)m, text);
    } else if (m->descriptor == &atsbridge__v1__application_resolved__descriptor) {
        const Atsbridge__V1__ApplicationResolved *r = (const Atsbridge__V1__ApplicationResolved *)m;
        json_object *app = NULL;
        if (r->sealed.len) json_object_object_add(o, "mapped_answers", json_object_new_string(text));
        if (json_object_object_get_ex(o, "application", &app)) mark_received(app, r->application, text);
    }
}

json_object *pb_json_decode_open(const char *schema, const void *payload, size_t len, int show_personal,
                                 pb_json_open_fn open, void *ctx) {
    const ProtobufCMessageDescriptor *d = pb_json_descriptor(schema);
    if (!d) return NULL;
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, len, payload);
    if (!m) return NULL;
    const char *sealed = open(m, ctx);
    json_object *o = message_json(m, show_personal);
    if (sealed) mark_sealed(o, m, sealed);
    protobuf_c_message_free_unpacked(m, NULL);
    return o;
}

json_object *pb_json_decode(const char *schema, const void *payload, size_t len, int show_personal) {
    return pb_json_decode_open(schema, payload, len, show_personal, keep_sealed, NULL);
}
