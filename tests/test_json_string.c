/* JSON strings as the writer escapes them, against a byte-at-a-time
 * model of the rules: printable ASCII as it is except the quote and the
 * backslash, \n \r \t, well-formed UTF-8 sequences kept, every other byte
 * \u00XX.  Each special byte is tried at every position of strings from 1
 * to 40 bytes, so the sixteen-byte scan meets it in every lane and in the
 * tail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/render.h"
#include "tests/testlib.h"

static size_t utf8_length(const unsigned char *p)
{
    size_t n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    return n;
}

static void model(const char *s, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    char *o = out;
    *o++ = '"';
    while (*p) {
        size_t n;
        if (*p == '"' || *p == '\\') {
            *o++ = '\\';
            *o++ = (char)*p++;
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            *o++ = '\\';
            *o++ = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
            p++;
        } else if (*p >= 0x20 && *p < 0x7f) {
            *o++ = (char)*p++;
        } else if (*p >= 0x80 && (n = utf8_length(p)) != 0) {
            memcpy(o, p, n);
            o += n;
            p += n;
        } else {
            o += sprintf(o, "\\u00%02x", *p++);
        }
    }
    *o++ = '"';
    *o = '\0';
}

static void written(const char *s, char *out, size_t cap)
{
    FILE *f = fmemopen(out, cap, "w");
    if (!f) abort();
    json_write_string(f, s);
    fclose(f);
}

int main(void)
{
    static const char *const specials[] = { "\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\x80", "\xff",
                                            "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92", "\xc3", "\xe2\x82" };
    char s[64], want[512], got[512];
    int mismatches = 0, cases = 0;
    for (size_t len = 1; len <= 40; len++)
        for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++)
            for (size_t at = 0; at + strlen(specials[k]) <= len; at++) {
                memset(s, 'a' + (int)(len % 26), len);
                s[len] = '\0';
                memcpy(s + at, specials[k], strlen(specials[k]));
                model(s, want);
                memset(got, 0, sizeof got);
                written(s, got, sizeof got);
                cases++;
                if (strcmp(got, want) != 0 && mismatches++ < 5)
                    test_fail(__FILE__, __LINE__, "special %zu at %zu of %zu: got %s, expected %s", k, at, len, got,
                              want);
            }
    test_checks += cases;
    CHECK_EQ_INT(mismatches, 0);
    written("", got, sizeof got);
    CHECK_STR(got, "\"\"");
    return test_report("json_string");
}
