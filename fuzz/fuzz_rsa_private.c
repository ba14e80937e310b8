/* The fast RSA decryption (dissect/rsa_private.c) against mbedTLS: when
 * the fast path answers, its return code, length and bytes must be
 * mbedtls_rsa_pkcs1_decrypt's; for a ciphertext below N with these keys
 * it must answer.
 *
 * Input:
 *   u8  key: one of two made at start (1024 bits; 1536 bits with e = 3)
 *   u8  how: bit 0 clear: the rest is the ciphertext (cut or padded with
 *       zeros to the modulus length); set: the rest is the encoded message
 *       (cut or padded the same way), encrypted with the raw public
 *       operation, so that the padding under test is the input's
 *   u8  room: the output buffer is room + 1 bytes (bit 1 of how clear) or
 *       the modulus length (set)
 *   the rest. */
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/rsa.h>

#include "dissect/montgomery.h"
#include "dissect/rsa_private.h"
#include "fuzz/fuzz.h"

enum { KEYS = 2, MAX_LEN = 256 };

static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) out[i] = (unsigned char)(i * 151 + 7);
    return 0;
}

/* The same keys every run (a fixed seed), made once, with their fast
 * forms. */
static mbedtls_rsa_context made[KEYS];
static rsa_private_key *fast[KEYS];
static mbedtls_ctr_drbg_context drbg;

static void make_keys(void)
{
    static bool done;
    if (done) return;
    done = true;
    static const char *const names[KEYS] = { "fuzz-private-1024", "fuzz-private-1536-e3" };
    static const unsigned bits[KEYS] = { 1024, 1536 };
    static const int exponents[KEYS] = { 65537, 3 };
    for (int i = 0; i < KEYS; i++) {
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_rsa_init(&made[i], MBEDTLS_RSA_PKCS_V15, 0);
        if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, (const unsigned char *)names[i], strlen(names[i])) != 0 ||
            mbedtls_rsa_gen_key(&made[i], mbedtls_ctr_drbg_random, &drbg, bits[i], exponents[i]) != 0)
            fuzz_fail("cannot make key %s", names[i]);
        mbedtls_ctr_drbg_free(&drbg);
        fast[i] = rsa_private_key_new(&made[i]);
        if (MONT_AVAILABLE && !fast[i]) fuzz_fail("the fast path does not take key %s", names[i]);
    }
    /* mbedTLS blinds with it; the answer does not depend on it. */
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, (const unsigned char *)"blinding", 8) != 0)
        fuzz_fail("cannot seed the DRBG");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_keys();
    if (size < 3) return 0;
    int k = data[0] % KEYS;
    uint8_t how = data[1], room = data[2];
    data += 3, size -= 3;
    mbedtls_rsa_context *rsa = &made[k];
    size_t len = mbedtls_rsa_get_len(rsa);
    uint8_t given[MAX_LEN] = { 0 }, c[MAX_LEN];
    memcpy(given, data, size < len ? size : len);
    if (how & 1) {
        if (mbedtls_rsa_public(rsa, given, c) != 0) return 0;   /* not below N */
    } else {
        memcpy(c, given, len);
    }
    size_t cap = how & 2 ? len : (size_t)room + 1;
    uint8_t want[MAX_LEN], got[MAX_LEN];
    size_t want_len = 0, got_len = 0;
    int want_ret = mbedtls_rsa_pkcs1_decrypt(rsa, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PRIVATE, &want_len, c,
                                             want, cap);
    int got_ret = rsa_private_decrypt(fast[k], c, got, cap, &got_len);
    if (got_ret == RSA_PRIVATE_UNHANDLED) {
        /* Only a value not below N may be left to mbedTLS with these keys. */
        if (MONT_AVAILABLE && mbedtls_rsa_public(rsa, c, want) == 0) fuzz_fail("a decryption left to mbedTLS");
        return 0;
    }
    if (got_ret != want_ret) fuzz_fail("key %d: fast path %d, mbedTLS %d", k, got_ret, want_ret);
    if (got_ret == 0 && (got_len != want_len || memcmp(got, want, want_len) != 0))
        fuzz_fail("key %d: fast path %zu bytes, mbedTLS %zu bytes, or other bytes", k, got_len, want_len);
    return 0;
}
