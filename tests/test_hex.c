/* hex_encode against a byte-at-a-time model: every byte value, every length
 * around the sixteen-byte steps, and writes that stay inside the output. */
#include <stdio.h>
#include <string.h>

#include "dissect/hex.h"
#include "tests/testlib.h"

static void model(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", in[i]);
}

int main(void)
{
    uint8_t all[256];
    for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
    char want[2 * 256 + 1], got[2 * 256 + 1];
    model(want, all, 256);
    hex_encode(got, all, 256);
    got[512] = '\0';
    CHECK_STR(got, want);

    /* Random inputs of every length to 100, at every alignment to 16;
     * the byte after the digits must stay as it was. */
    uint8_t in[128];
    int mismatches = 0, overruns = 0;
    for (size_t len = 0; len <= 100; len++)
        for (size_t shift = 0; shift < 16; shift++) {
            test_random_bytes(in, sizeof in);
            model(want, in + shift, len);
            memset(got, '#', sizeof got);
            hex_encode(got, in + shift, len);
            if (got[2 * len] != '#') overruns++;
            got[2 * len] = '\0';
            want[2 * len] = '\0';
            test_checks++;
            if (strcmp(got, want) != 0 && mismatches++ < 5)
                test_fail(__FILE__, __LINE__, "length %zu at offset %zu: got %s, expected %s", len, shift, got, want);
        }
    CHECK_EQ_INT(overruns, 0);

    /* Decoding: back to the bytes in either case, every length to 40 at
     * every alignment; then each position in turn made a non-digit (every
     * byte value that is not one) must fail. */
    uint8_t back[128];
    int wrong = 0;
    for (size_t len = 0; len <= 40; len++)
        for (size_t shift = 0; shift < 16; shift++) {
            test_random_bytes(in, sizeof in);
            hex_encode(got, in, len);
            for (size_t i = 0; i < 2 * len; i += 3)   /* some upper case */
                if (got[i] >= 'a') got[i] = (char)(got[i] - 'a' + 'A');
            char text[300];
            memcpy(text + shift, got, 2 * len);
            memset(back, 0, sizeof back);
            test_checks++;
            if (!hex_decode(back, (const uint8_t *)text + shift, len) || memcmp(back, in, len) != 0) wrong++;
        }
    CHECK_EQ_INT(wrong, 0);
    int accepted = 0;
    for (size_t len = 1; len <= 24; len++)
        for (size_t at = 0; at < 2 * len; at++)
            for (int c = 0; c < 256; c++) {
                if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) continue;
                char text[64];
                memset(text, 'a', sizeof text);
                text[at] = (char)c;
                test_checks++;
                if (hex_decode(back, (const uint8_t *)text, len)) accepted++;
            }
    CHECK_EQ_INT(accepted, 0);
    return test_report("hex");
}
