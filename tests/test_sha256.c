/* SHA-256's block function: the FIPS 180-2 examples through mbedTLS (which
 * must be using ours), and the CPU's instructions against plain C on many
 * random blocks and chained states. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "dissect/sha256_block.h"
#include "tests/testlib.h"

static void check_digest(const char *what, const uint8_t *in, size_t len, const char *want_hex)
{
    uint8_t got[32];
    size_t n;
    uint8_t *want = test_unhex(want_hex, &n);
    test_checks++;
    if (mbedtls_sha256_ret(in, len, got, 0) != 0 || n != 32 || memcmp(got, want, 32) != 0)
        test_fail(__FILE__, __LINE__, "SHA-256 of %s is wrong", what);
    free(want);
}

static void fips_examples(void)
{
    check_digest("\"abc\"", (const uint8_t *)"abc", 3,
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_digest("the 448-bit message", (const uint8_t *)two_blocks, strlen(two_blocks),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    check_digest("the empty message", (const uint8_t *)"", 0,
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    size_t million = 1000000;
    uint8_t *a = malloc(million);
    if (!a) abort();
    memset(a, 'a', million);
    check_digest("a million 'a's", a, million,
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* mbedTLS reaches its block function through the dynamic linker; ours
 * must be the one it finds, or the library hashes at its own speed. */
static void mbedtls_uses_ours(void)
{
    void *found = dlsym(RTLD_DEFAULT, "mbedtls_internal_sha256_process");
    CHECK(found == (void *)&mbedtls_internal_sha256_process);
}

static void fast_path_matches_plain_c(void)
{
    printf("SHA instructions: %s\n", sha256_block_hw_available() ? "used" : "not available (plain C both ways)");
    uint32_t fast[8], plain[8];
    for (int i = 0; i < 8; i++) fast[i] = plain[i] = (uint32_t)i * 0x01010101u;
    int differences = 0;
    for (int round = 0; round < 20000; round++) {
        uint8_t block[64];
        test_random_bytes(block, sizeof block);
        if (round % 1000 == 0) memset(block, round % 2000 ? 0xff : 0x00, sizeof block);
        sha256_block_hw(fast, block);
        sha256_block_portable(plain, block);
        if (memcmp(fast, plain, sizeof fast) != 0) {
            differences++;
            memcpy(fast, plain, sizeof fast);
        }
    }
    CHECK_EQ_INT(differences, 0);
}

int main(void)
{
    fips_examples();
    mbedtls_uses_ours();
    fast_path_matches_plain_c();
    return test_report("sha256");
}
