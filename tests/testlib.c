#include "tests/testlib.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int test_failures;
int test_checks;

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: FAIL: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    test_failures++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

uint8_t *test_unhex(const char *hex, size_t *len)
{
    size_t cap = 0;
    for (const char *p = hex; *p; p++) cap++;
    uint8_t *out = malloc(cap / 2 + 1);
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v = hexval((unsigned char)*p);
        if (v < 0) continue;
        if (hi < 0) hi = v;
        else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    *len = n;
    return out;
}

void test_random_bytes(uint8_t *p, size_t n)
{
    static uint64_t state = 0x9e3779b97f4a7c15u;   /* xorshift64 */
    for (size_t i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        p[i] = (uint8_t)(state >> 24);
    }
}

int test_report(const char *name)
{
    printf("%s: %d checks, %d failures\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

void test_write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n)) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) out[i] = (unsigned char)(i * 151 + 7);
    return 0;
}

void test_drbg_reseed(mbedtls_ctr_drbg_context *drbg, const char *personalization)
{
    mbedtls_ctr_drbg_free(drbg);
    mbedtls_ctr_drbg_init(drbg);
    if (mbedtls_ctr_drbg_seed(drbg, fixed_entropy, NULL, (const unsigned char *)personalization,
                              strlen(personalization)) != 0) {
        fputs("cannot seed the test DRBG\n", stderr);
        exit(1);
    }
}
