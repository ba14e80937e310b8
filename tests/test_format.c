/* text_format against the C library's snprintf: every flag, width,
 * precision and size it handles itself, the edge values of each type, cut
 * buffers, and formats it leaves to the library. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <wchar.h>

#include "dissect/format.h"
#include "tests/testlib.h"

#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

static void compare(const char *fmt, int got_n, const char *got, int want_n, const char *want)
{
    test_checks++;
    if (got_n != want_n || strcmp(got, want) != 0)
        test_fail(__FILE__, __LINE__, "format \"%s\": got %d \"%s\", expected %d \"%s\"", fmt, got_n, got, want_n,
                  want);
}

/* Both functions on the same arguments, at several buffer sizes. */
#define BOTH(fmt, ...) do { \
    static const size_t caps_[] = { 0, 1, 2, 5, 200 }; \
    for (size_t c_ = 0; c_ < sizeof caps_ / sizeof caps_[0]; c_++) { \
        char got_[200] = "", want_[200] = ""; \
        int gn_ = text_format(got_, caps_[c_], fmt, __VA_ARGS__); \
        int wn_ = snprintf(want_, caps_[c_], fmt, __VA_ARGS__); \
        compare(fmt, gn_, got_, wn_, want_); \
    } \
} while (0)

static const long long values[] = {
    0, 1, -1, 7, 9, 10, 15, 16, 99, 255, 256, -128, 127, 32767, -32768, 65535, 65536, INT_MAX, INT_MIN,
    UINT_MAX, LLONG_MAX, LLONG_MIN, -1234567, 0xdeadbeefLL, 4294967296LL,
};

static void integers(void)
{
    static const char *const flags[] = { "", "-", "0", "-0", "0-" };
    static const char *const widths[] = { "", "1", "4", "12", "*" };
    static const char *const precisions[] = { "", ".", ".0", ".1", ".5", ".*" };
    static const char *const sizes[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
    static const char conversions[] = "diuxX";
    for (size_t f = 0; f < 5; f++)
        for (size_t w = 0; w < 5; w++)
            for (size_t p = 0; p < 6; p++)
                for (size_t s = 0; s < 8; s++)
                    for (size_t c = 0; c < 5; c++)
                        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
                            char fmt[32];
                            snprintf(fmt, sizeof fmt, "<%%%s%s%s%s%c>", flags[f], widths[w], precisions[p],
                                     sizes[s], conversions[c]);
                            long long x = values[v];
                            int star_w = (int)(v % 7) - 3, star_p = (int)(v % 5) - 1;
                            bool sw = strchr(widths[w], '*') != NULL, sp = strchr(precisions[p], '*') != NULL;
                            /* the argument list each combination of stars and size needs */
#define WITH(arg) do { \
    if (sw && sp) BOTH(fmt, star_w, star_p, arg); \
    else if (sw) BOTH(fmt, star_w, arg); \
    else if (sp) BOTH(fmt, star_p, arg); \
    else BOTH(fmt, arg); \
} while (0)
                            switch (s) {
                            case 3: WITH((long)x); break;
                            case 4: WITH(x); break;
                            case 5: WITH((size_t)x); break;
                            case 6: WITH((intmax_t)x); break;
                            case 7: WITH((ptrdiff_t)x); break;
                            default: WITH((int)x); break;
                            }
#undef WITH
                        }
}

static void strings_and_chars(void)
{
    static const char *const texts[] = { "", "a", "abc", "tlsview", "a longer text, past the widths" };
    static const char *const specs[] = { "%s", "%5s", "%-5s", "%.2s", "%.0s", "%8.3s", "%-8.3s", "%*s", "%-*s",
                                         "%.*s", "[%s|%s]" };
    for (size_t t = 0; t < 5; t++)
        for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
            const char *spec = specs[s];
            if (strchr(spec, '*')) BOTH(spec, (int)t * 3 - 4, texts[t]);
            else BOTH(spec, texts[t], texts[4 - t]);
        }
    BOTH("%c%c%c", 'a', 0x7f, '%');
    BOTH("%3c|%-3c|", 'x', 'y');
    BOTH("100%% of %s", "it");
    BOTH("%s", "no conversions here");
}

/* What it does not do itself goes to the library, whole. */
static void handed_over(void)
{
    BOTH("%9.6f s", 1.5);
    BOTH("%s: %.3f", "ratio", 2.0 / 3.0);
    BOTH("%+d %+d", 5, -5);
    BOTH("% d", 42);
    BOTH("%#x", 255u);
    BOTH("%p", (void *)0);
    const char *volatile nothing = NULL;   /* hidden from the compiler's checks */
    BOTH("%s and %s", "text", nothing);
    BOTH("%05s|", "ab");
    BOTH("%lc", (wint_t)'q');
    BOTH("%5%|", 0);
}

/* text_join3 cuts and counts as snprintf("%s%s%s") does. */
static void test_join3(void)
{
    static const size_t caps[] = { 0, 1, 2, 5, 9, 200 };
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        char got[200] = "untouched", want[200] = "untouched";
        size_t n = text_join3(got, caps[c], "the ", "alpn", " extension");
        int m = snprintf(want, caps[c], "%s%s%s", "the ", "alpn", " extension");
        compare("join3", (int)n, got, m, want);
    }
}

int main(void)
{
    test_join3();
    integers();
    strings_and_chars();
    handed_over();
    return test_report("format");
}
