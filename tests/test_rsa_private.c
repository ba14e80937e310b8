/* The fast RSA decryption (dissect/rsa_private.c) against mbedTLS, called
 * as the key ring and the decryption pool call it: for every ciphertext,
 * the same return code, the same length and the same bytes as
 * mbedtls_rsa_pkcs1_decrypt, or RSA_PRIVATE_UNHANDLED where the fast path
 * leaves the work to mbedTLS.
 *
 * Keys made deterministically (CTR_DRBG on fixed entropy): 1024, 1536,
 * 2048 and 3072 bits with e = 65537, 2048 bits with e = 3, and one from
 * primes of 1030 and 1026 bits (not taken on: the primes differ in
 * length).  For each: pre-master secrets and messages of every length
 * class encrypted by mbedTLS, output buffers too small, random
 * ciphertexts, encoded messages damaged before encryption (first byte,
 * block type, padding of 7 and of 8 bytes, no separator, separator last)
 * and the values 0, 1, N-1 and N.  The count of decryptions the fast path
 * made itself is checked, so that the test cannot pass by leaving them all
 * to mbedTLS. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/rsa.h>

#include "dissect/montgomery.h"
#include "dissect/rsa_private.h"
#include "tests/testlib.h"

enum { MAX_LEN = 512, PMS_LEN = 48, RANDOM_CASES = 40 };

static mbedtls_ctr_drbg_context drbg;
static int handled, compared;

static void reseed(const char *personalization)
{
    test_drbg_reseed(&drbg, personalization);
}

static bool generate(mbedtls_rsa_context *rsa, const char *seed, unsigned bits, int exponent)
{
    mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V15, 0);
    reseed(seed);
    return mbedtls_rsa_gen_key(rsa, mbedtls_ctr_drbg_random, &drbg, bits, exponent) == 0;
}

static bool from_primes(mbedtls_rsa_context *rsa, const char *seed, size_t p_bits, size_t q_bits)
{
    mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V15, 0);
    reseed(seed);
    mbedtls_mpi p, q, e;
    mbedtls_mpi_init(&p), mbedtls_mpi_init(&q), mbedtls_mpi_init(&e);
    bool ok = mbedtls_mpi_gen_prime(&p, p_bits, 0, mbedtls_ctr_drbg_random, &drbg) == 0 &&
              mbedtls_mpi_gen_prime(&q, q_bits, 0, mbedtls_ctr_drbg_random, &drbg) == 0 &&
              mbedtls_mpi_lset(&e, 65537) == 0 && mbedtls_rsa_import(rsa, NULL, &p, &q, NULL, &e) == 0 &&
              mbedtls_rsa_complete(rsa) == 0 && mbedtls_rsa_check_privkey(rsa) == 0;
    mbedtls_mpi_free(&p), mbedtls_mpi_free(&q), mbedtls_mpi_free(&e);
    return ok;
}

/* One ciphertext: the fast path's answer must be mbedTLS's, or none. */
static void compare(const char *name, const char *what, mbedtls_rsa_context *rsa, const rsa_private_key *fast,
                    const uint8_t *c, size_t cap)
{
    uint8_t want[MAX_LEN], got[MAX_LEN];
    size_t want_len = 0, got_len = 0;
    int want_ret = mbedtls_rsa_pkcs1_decrypt(rsa, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PRIVATE, &want_len, c,
                                             want, cap);
    int got_ret = rsa_private_decrypt(fast, c, got, cap, &got_len);
    compared++;
    if (got_ret == RSA_PRIVATE_UNHANDLED) return;
    handled++;
    bool same = got_ret == want_ret && (want_ret != 0 || (got_len == want_len && memcmp(got, want, want_len) == 0));
    if (!same)
        test_fail(__FILE__, __LINE__, "%s, %s: fast path %d (%zu bytes), mbedTLS %d (%zu bytes)", name, what, got_ret,
                  got_len, want_ret, want_len);
    test_checks++;
}

/* c = the raw RSA of the encoded message em (no padding added). */
static bool raw_encrypt(mbedtls_rsa_context *rsa, const uint8_t *em, uint8_t *c)
{
    return mbedtls_rsa_public(rsa, em, c) == 0;
}

/* EM = 0x00 0x02 PS 0x00 M with PS of `pad` nonzero bytes, then changed
 * by the caller. */
static void encode(uint8_t *em, size_t len, size_t pad)
{
    em[0] = 0x00;
    em[1] = 0x02;
    test_random_bytes(em + 2, len - 2);
    for (size_t i = 2; i < 2 + pad; i++)
        if (em[i] == 0) em[i] = 0x5a;
    em[2 + pad] = 0x00;
}

static void damaged(const char *name, mbedtls_rsa_context *rsa, const rsa_private_key *fast)
{
    size_t len = mbedtls_rsa_get_len(rsa);
    uint8_t em[MAX_LEN], c[MAX_LEN];
    static const size_t pads[] = { 7, 8, 9, 20 };
    for (size_t i = 0; i < sizeof pads / sizeof *pads; i++) {
        encode(em, len, pads[i]);
        if (raw_encrypt(rsa, em, c)) compare(name, "padding length", rsa, fast, c, MAX_LEN);
    }
    encode(em, len, 8);
    em[0] = 0x01;
    if (raw_encrypt(rsa, em, c)) compare(name, "first byte 1", rsa, fast, c, MAX_LEN);   /* may be >= N: refused */
    encode(em, len, 8);
    em[1] = 0x01;
    if (raw_encrypt(rsa, em, c)) compare(name, "block type 1", rsa, fast, c, MAX_LEN);
    encode(em, len, 8);
    for (size_t i = 2; i < len; i++)
        if (em[i] == 0) em[i] = 0x11;
    if (raw_encrypt(rsa, em, c)) compare(name, "no separator", rsa, fast, c, MAX_LEN);
    encode(em, len, len - 3);   /* the separator is the last byte: an empty message */
    if (raw_encrypt(rsa, em, c)) compare(name, "empty message", rsa, fast, c, MAX_LEN);
}

static void extremes(const char *name, mbedtls_rsa_context *rsa, const rsa_private_key *fast)
{
    size_t len = mbedtls_rsa_get_len(rsa);
    uint8_t c[MAX_LEN];
    memset(c, 0, len);
    compare(name, "zero", rsa, fast, c, MAX_LEN);
    c[len - 1] = 1;
    compare(name, "one", rsa, fast, c, MAX_LEN);
    mbedtls_mpi x;
    mbedtls_mpi_init(&x);
    if (mbedtls_mpi_copy(&x, &rsa->N) == 0 && mbedtls_mpi_write_binary(&x, c, len) == 0) {
        uint8_t got[MAX_LEN];
        size_t got_len = 0;
        CHECK_EQ_INT(rsa_private_decrypt(fast, c, got, MAX_LEN, &got_len), RSA_PRIVATE_UNHANDLED);   /* N */
        if (mbedtls_mpi_sub_int(&x, &x, 1) == 0 && mbedtls_mpi_write_binary(&x, c, len) == 0)
            compare(name, "N - 1", rsa, fast, c, MAX_LEN);
    }
    mbedtls_mpi_free(&x);
}

static void messages(const char *name, mbedtls_rsa_context *rsa, const rsa_private_key *fast)
{
    size_t len = mbedtls_rsa_get_len(rsa);
    uint8_t m[MAX_LEN], c[MAX_LEN];
    for (int i = 0; i < RANDOM_CASES; i++) {
        test_random_bytes(m, PMS_LEN);
        m[0] = 0x03, m[1] = 0x03;
        if (mbedtls_rsa_pkcs1_encrypt(rsa, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PUBLIC, PMS_LEN, m, c) != 0)
            continue;
        compare(name, "pre-master secret", rsa, fast, c, MAX_LEN);
        compare(name, "pre-master secret, room for 47 bytes", rsa, fast, c, PMS_LEN - 1);
    }
    static const size_t lengths[] = { 0, 1, 16 };
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths + 1; i++) {
        size_t n = i < sizeof lengths / sizeof *lengths ? lengths[i] : len - 11;   /* and the longest */
        test_random_bytes(m, n);
        if (mbedtls_rsa_pkcs1_encrypt(rsa, mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PUBLIC, n, m, c) != 0) continue;
        compare(name, "message", rsa, fast, c, MAX_LEN);
    }
    for (int i = 0; i < RANDOM_CASES; i++) {
        test_random_bytes(c, len);
        c[0] &= 0x7f;   /* mostly below N */
        compare(name, "random ciphertext", rsa, fast, c, MAX_LEN);
    }
}

static void key_cases(const char *name, mbedtls_rsa_context *rsa, bool expect_fast)
{
    rsa_private_key *fast = rsa_private_key_new(rsa);
    if (MONT_AVAILABLE) CHECK_EQ_INT(fast != NULL, expect_fast);
    int before = handled;
    messages(name, rsa, fast);
    damaged(name, rsa, fast);
    extremes(name, rsa, fast);
    if (MONT_AVAILABLE && expect_fast && handled - before < 2 * RANDOM_CASES) {
        test_fail(__FILE__, __LINE__, "%s: the fast path took on only %d decryptions", name, handled - before);
    }
    rsa_private_key_free(fast);
}

int main(void)
{
    static const struct {
        const char *name, *seed;
        unsigned bits;
        int exponent;
    } keys[] = {
        { "rsa-1024", "tlsview rsa 1024", 1024, 65537 },
        { "rsa-1536", "tlsview rsa 1536", 1536, 65537 },
        { "rsa-2048", "tlsview rsa 2048", 2048, 65537 },
        { "rsa-2048-e3", "tlsview rsa 2048 e3", 2048, 3 },
        { "rsa-3072", "tlsview rsa 3072", 3072, 65537 },
    };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        mbedtls_rsa_context rsa;
        if (!generate(&rsa, keys[i].seed, keys[i].bits, keys[i].exponent)) {
            test_fail(__FILE__, __LINE__, "%s: cannot make the key", keys[i].name);
            continue;
        }
        key_cases(keys[i].name, &rsa, true);
        mbedtls_rsa_free(&rsa);
    }
    mbedtls_rsa_context uneven;
    if (from_primes(&uneven, "tlsview rsa uneven", 1030, 1026)) key_cases("rsa-uneven", &uneven, false);
    else test_fail(__FILE__, __LINE__, "cannot make the uneven key");
    mbedtls_rsa_free(&uneven);
    CHECK(handled > 0);
    printf("%d of %d decryptions made by the fast path\n", handled, compared);
    mbedtls_ctr_drbg_free(&drbg);
    return test_report("rsa_private");
}
