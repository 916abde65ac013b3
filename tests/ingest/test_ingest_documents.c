/* Document types come from magic bytes, not from what the sender declares. */
#include "documents.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define D(s) (const uint8_t *)(s), sizeof(s) - 1

static const char OLE_WORD[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t\0";
static const char OLE_XLS[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....W\0o\0r\0k\0b\0o\0o\0k\0";
static const char DOCX[] = "PK\x03\x04....[Content_Types].xml....word/document.xml";
static const char XLSX[] = "PK\x03\x04....[Content_Types].xml....xl/workbook.xml";
/* 30-byte local header, then the stored "mimetype" entry. */
static const char ODT[] = "PK\x03\x04" "aaaaaaaaaaaaaaaaaaaaaaaaaa" "mimetypeapplication/vnd.oasis.opendocument.text";

Test(documents, detects_each_allowed_type) {
    cr_assert_str_eq(documents_detect(D("%PDF-1.7\n...")), DOC_TYPE_PDF);
    cr_assert_str_eq(documents_detect(D("{\\rtf1\\ansi hello}")), DOC_TYPE_RTF);
    cr_assert_str_eq(documents_detect(D(OLE_WORD)), DOC_TYPE_DOC);
    cr_assert_str_eq(documents_detect(D(DOCX)), DOC_TYPE_DOCX);
    cr_assert_str_eq(documents_detect(D(ODT)), DOC_TYPE_ODT);
    cr_assert_str_eq(documents_detect(D("Gr\xc3\xbc\xc3\x9f" "e\r\n\tline two\n")), DOC_TYPE_TXT);
    cr_assert_str_eq(documents_detect(D("\xef\xbb\xbfwith BOM")), DOC_TYPE_TXT);
}

Test(documents, rejects_other_content) {
    cr_assert_null(documents_detect(D("MZ\x90\0\x03\0\0\0")), "executables");
    cr_assert_null(documents_detect(D("\x89PNG\r\n\x1a\n")), "images");
    cr_assert_null(documents_detect(D(OLE_XLS)), "Excel in OLE2");
    cr_assert_null(documents_detect(D(XLSX)), "xlsx");
    cr_assert_null(documents_detect(D("PK\x03\x04 just a zip")), "plain zip");
    cr_assert_null(documents_detect(D("text with a \0 NUL")), "binary text");
    cr_assert_null(documents_detect(D("latin1 \xe9t\xe9")), "not UTF-8");
    cr_assert_null(documents_detect(NULL, 0));
}

Test(documents, declared_type_must_match_content) {
    const char *t;
    cr_assert_eq(documents_check("application/pdf", D("%PDF-1.4"), &t), DOC_OK);
    cr_assert_str_eq(t, DOC_TYPE_PDF);
    cr_assert_eq(documents_check(NULL, D("%PDF-1.4"), &t), DOC_OK, "content decides when nothing is declared");
    cr_assert_eq(documents_check("application/octet-stream", D("{\\rtf1 x}"), &t), DOC_OK);
    cr_assert_str_eq(t, DOC_TYPE_RTF);
    cr_assert_eq(documents_check("text/rtf", D("{\\rtf1 x}"), &t), DOC_OK);
    cr_assert_eq(documents_check("TEXT/PLAIN; charset=utf-8", D("hello"), &t), DOC_OK);
    cr_assert_eq(documents_check("application/pdf", D("{\\rtf1 x}"), &t), DOC_MISMATCH);
    cr_assert_null(t);
    cr_assert_eq(documents_check("application/pdf", D("MZ\x90\0"), &t), DOC_MISMATCH);
    cr_assert_eq(documents_check("image/png", D("\x89PNG"), &t), DOC_UNSUPPORTED);
    cr_assert_eq(documents_check("image/png", D("%PDF-1.4"), &t), DOC_UNSUPPORTED, "declared type not allowed");
    cr_assert_eq(documents_check(NULL, D("MZ\x90\0"), &t), DOC_UNSUPPORTED);
    cr_assert_eq(documents_check("application/pdf", (const uint8_t *)"", 0, &t), DOC_EMPTY);
}

Test(documents, normalizes_declared_types) {
    cr_assert_str_eq(documents_normalize_type(" Application/MSWord"), DOC_TYPE_DOC);
    cr_assert_str_eq(documents_normalize_type(DOC_TYPE_DOCX), DOC_TYPE_DOCX);
    cr_assert_null(documents_normalize_type("application/pdfx"));
    cr_assert_null(documents_normalize_type(NULL));
}
