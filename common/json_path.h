#ifndef ATSB_JSON_PATH_H
#define ATSB_JSON_PATH_H

#include <json-c/json.h>

/* The value at a dotted path below o: "data.0.id" is member "data", its
 * element 0 (a segment of digits indexes an array), that element's member
 * "id". NULL when o is NULL, when a step is missing, out of range or JSON
 * null, when the path walks into a scalar, or when a segment is empty or
 * longer than 127 bytes. An empty path is o itself. Allocates nothing; the
 * result belongs to o. */
json_object *json_path(json_object *o, const char *path);

#endif
