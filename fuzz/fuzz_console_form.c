/* console: the form parser and HTML escaping over any bytes. A parsed form
 * must hold at most FORM_MAX_FIELDS pairs of valid UTF-8 text without
 * control bytes (but tab, LF, CR), none longer than the body; refused input
 * leaves the form empty. Every name and value, and the raw bytes, escaped
 * must contain no '<', '>', '"', '\'' and no '&' that does not start one of
 * the five entities, and html_escape's answer (also truncated) must agree
 * with html_text's; any breach aborts. */
#include "form.h"
#include "fuzz.h"
#include "html.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static void check_escaped(const char *s, size_t n) {
    html_buf b = {0};
    html_textn(&b, s, n);
    size_t len = 0;
    char *page = html_take(&b, &len);
    if (!page) abort(); /* inputs are far below HTML_MAX */
    for (size_t i = 0; i < len; i++) {
        if (page[i] == '<' || page[i] == '>' || page[i] == '"' || page[i] == '\'') abort();
        if (page[i] == '&' && strncmp(page + i, "&amp;", 5) && strncmp(page + i, "&lt;", 4) &&
            strncmp(page + i, "&gt;", 4) && strncmp(page + i, "&quot;", 6) && strncmp(page + i, "&#39;", 5))
            abort();
        if ((unsigned char)page[i] < 0x20 && page[i] != '\t' && page[i] != '\n' && page[i] != '\r') abort();
    }
    size_t need = html_escape(s, n, NULL, 0);
    if (need != len) abort();
    char *copy = malloc(need + 1);
    if (!copy) abort();
    if (html_escape(s, n, copy, need + 1) != need || memcmp(copy, page, need + 1) != 0) abort();
    /* Truncated: a prefix of the whole, never half an entity. */
    size_t cut = need / 2 + 1;
    html_escape(s, n, copy, cut);
    size_t cl = strlen(copy);
    if (cl >= cut || memcmp(copy, page, cl) != 0) abort();
    const char *amp = strrchr(copy, '&');
    if (amp && !strchr(amp, ';')) abort(); /* half an entity */
    free(copy);
    free(page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    form f;
    form_result r = form_parse((const char *)data, size, &f);
    if (r != FORM_OK && (f.n != 0 || f.buf)) abort();
    if (r == FORM_OK) {
        if (f.n > FORM_MAX_FIELDS) abort();
        for (size_t i = 0; i < f.n; i++) {
            size_t nl = strlen(f.name[i]), vl = strlen(f.value[i]);
            if (nl > size || vl > size || !utf8_valid(f.name[i], nl) || !utf8_valid(f.value[i], vl)) abort();
            if (form_get(&f, f.name[i]) == NULL || form_count(&f, f.name[i]) == 0) abort();
            check_escaped(f.name[i], nl);
            check_escaped(f.value[i], vl);
        }
    }
    form_free(&f);
    check_escaped((const char *)data, size);
    return 0;
}
