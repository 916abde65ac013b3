#include "documents.h"

#include "pg.h"
#include "text.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int starts(const uint8_t *d, size_t len, const void *magic, size_t mlen) {
    return len >= mlen && memcmp(d, magic, mlen) == 0;
}

/* Plain text: UTF-8 (optionally with a BOM) without NUL or control bytes
 * other than tab, line feed, form feed and carriage return. O(n). */
static int is_text(const uint8_t *d, size_t len) {
    if (starts(d, len, "\xef\xbb\xbf", 3)) {
        d += 3;
        len -= 3;
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t c = d[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f) return 0;
    }
    return utf8_valid((const char *)d, len);
}

/* A zip container: ODF puts an uncompressed "mimetype" entry first (ODF 1.2
 * part 3, 3.3); OOXML has [Content_Types].xml and a word/ part. Entry names
 * are stored uncompressed in the local headers, so a byte search suffices. */
static const char *detect_zip(const uint8_t *d, size_t len) {
    static const char odt[] = "mimetypeapplication/vnd.oasis.opendocument.text";
    if (len >= 30 + sizeof odt - 1 && memcmp(d + 30, odt, sizeof odt - 1) == 0) return DOC_TYPE_ODT;
    if (memmem(d, len, "[Content_Types].xml", 19) && memmem(d, len, "word/", 5)) return DOC_TYPE_DOCX;
    return NULL;
}

const char *documents_detect(const uint8_t *d, size_t len) {
    if (!d || len == 0) return NULL;
    if (starts(d, len, "%PDF-", 5)) return DOC_TYPE_PDF;
    if (starts(d, len, "{\\rtf", 5)) return DOC_TYPE_RTF;
    if (starts(d, len, "PK\x03\x04", 4)) return detect_zip(d, len);
    if (starts(d, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
        /* OLE2 holds Excel and PowerPoint too: Word files have a
         * "WordDocument" stream, named in UTF-16LE in the directory. */
        static const char wd[] = "W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
        return memmem(d, len, wd, sizeof wd - 1) ? DOC_TYPE_DOC : NULL;
    }
    return is_text(d, len) ? DOC_TYPE_TXT : NULL;
}

const char *documents_normalize_type(const char *declared) {
    static const struct {
        const char *declared;
        const char *type;
    } map[] = {
        {"application/pdf", DOC_TYPE_PDF}, {"application/msword", DOC_TYPE_DOC},
        {DOC_TYPE_DOCX, DOC_TYPE_DOCX},    {DOC_TYPE_ODT, DOC_TYPE_ODT},
        {"application/rtf", DOC_TYPE_RTF}, {"text/rtf", DOC_TYPE_RTF},
        {"text/plain", DOC_TYPE_TXT},
    };
    if (!declared) return NULL;
    while (*declared == ' ') declared++;
    size_t n = strcspn(declared, "; \t");
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].declared) == n && !strncasecmp(map[i].declared, declared, n)) return map[i].type;
    return NULL;
}

doc_check documents_check(const char *declared, const uint8_t *data, size_t len, const char **detected) {
    *detected = NULL;
    if (len == 0) return DOC_EMPTY;
    const char *d = documents_detect(data, len);
    int generic = !declared || !*declared || !strncasecmp(declared, "application/octet-stream", 24);
    const char *want = generic ? NULL : documents_normalize_type(declared);
    if (!generic && !want) return DOC_UNSUPPORTED;
    if (!d) return want ? DOC_MISMATCH : DOC_UNSUPPORTED;
    if (want && strcmp(want, d) != 0) return DOC_MISMATCH;
    *detected = d;
    return DOC_OK;
}

int documents_store(PGconn *c, const char *application_id, const char *sha256, const char *content_type,
                    const uint8_t *data, size_t len) {
    char size[32];
    snprintf(size, sizeof size, "%zu", len);
    const char *values[5] = {sha256, content_type, size, (const char *)data, application_id};
    int lengths[5] = {0, 0, 0, (int)len, 0};
    int formats[5] = {0, 0, 0, 1, 0};
    /* One round trip; the ref's foreign key is checked at the end of the
     * statement, when the document row is there. */
    PGresult *r = pg_exec_params(c,
                                 "WITH doc AS ("
                                 " INSERT INTO ingest.documents (sha256, content_type, size_bytes, content)"
                                 " VALUES ($1, $2, $3::bigint, $4::bytea) ON CONFLICT (sha256) DO NOTHING"
                                 ")"
                                 " INSERT INTO ingest.document_refs (sha256, application_id) VALUES ($1, $5)"
                                 " ON CONFLICT DO NOTHING",
                                 5, values, lengths, formats, 0);
    int rc = r && PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear(r);
    return rc;
}
