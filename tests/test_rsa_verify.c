/* The fast RSA verification (dissect/rsa_verify.c) against mbedTLS, called
 * the way crypto.c calls it: every verdict must be mbedTLS's.
 *
 * Keys made deterministically (CTR_DRBG on fixed entropy): 1024, 1536,
 * 2048, 2056, 3072 and 4096 bits with e = 65537, 2048 bits with e = 3, and
 * two built from primes of uneven sizes, 1025 bits (PSS's encoded message
 * is then a byte shorter than the modulus) and 1027 bits.  For each: the
 * public operation on random and extreme values, byte for byte; valid
 * PKCS#1 v1.5 signatures (SHA-1, SHA-256, SHA-384, SHA-512, and TLS 1.0's
 * 36-byte MD5+SHA-1 with no DigestInfo) and PSS ones (SHA-256, SHA-384,
 * SHA-512, salt as long as the hash); then the same signatures damaged
 * (bits flipped, a byte short or long, another digest), PSS signed with
 * other salt lengths, encoded messages damaged before signing (header,
 * padding, DigestInfo, 0x01 separator, top bits, 0xbc trailer), and the
 * values 0, 1, N-1, N, N+1 and all 0xff.  The count of valid signatures is
 * checked too, so that the test cannot pass by finding everything invalid.
 * Last: what the fast path must leave to mbedTLS, keys that share a
 * modulus but not the exponent (the per-thread cache), and two threads. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "dissect/rsa_verify.h"
#include "tests/testlib.h"

enum { MAX_LEN = 512, TLS10_DIGEST_LEN = 36, THREAD_ROUNDS = 40 };

typedef struct test_key {
    const char *name;
    mbedtls_pk_context pk;
} test_key;

static mbedtls_ctr_drbg_context drbg;
static int valid_expected, valid_by_mbedtls, valid_by_fast_path;

/* ================================================================ keys */

/* Always the same bytes: the keys and signatures are the same every run. */
static void reseed(const char *personalization)
{
    test_drbg_reseed(&drbg, personalization);
}

static mbedtls_rsa_context *rsa_of(test_key *key)
{
    return mbedtls_pk_rsa(key->pk);
}

/* seed: the DRBG's personalization, chosen among a few for a generation
 * that finds its primes quickly. */
static bool generate(test_key *key, const char *name, const char *seed, unsigned bits, int exponent)
{
    key->name = name;
    mbedtls_pk_init(&key->pk);
    reseed(seed);
    return mbedtls_pk_setup(&key->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0 &&
           mbedtls_rsa_gen_key(rsa_of(key), mbedtls_ctr_drbg_random, &drbg, bits, exponent) == 0;
}

/* A key whose modulus has exactly `bits` bits, odd counts included (which
 * mbedtls_rsa_gen_key does not make), from primes of p_bits and the rest. */
static bool from_primes(test_key *key, const char *name, size_t bits, size_t p_bits)
{
    key->name = name;
    mbedtls_pk_init(&key->pk);
    reseed(name);
    if (mbedtls_pk_setup(&key->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0) return false;
    mbedtls_mpi p, q, n, e;
    mbedtls_mpi_init(&p), mbedtls_mpi_init(&q), mbedtls_mpi_init(&n), mbedtls_mpi_init(&e);
    bool ok = false;
    for (int attempt = 0; attempt < 50 && !ok; attempt++) {
        if (mbedtls_mpi_gen_prime(&p, p_bits, 0, mbedtls_ctr_drbg_random, &drbg) != 0 ||
            mbedtls_mpi_gen_prime(&q, bits - p_bits, 0, mbedtls_ctr_drbg_random, &drbg) != 0 ||
            mbedtls_mpi_mul_mpi(&n, &p, &q) != 0 || mbedtls_mpi_lset(&e, 65537) != 0)
            break;
        if (mbedtls_mpi_bitlen(&n) != bits) continue;
        mbedtls_rsa_context *rsa = rsa_of(key);
        ok = mbedtls_rsa_import(rsa, &n, &p, &q, NULL, &e) == 0 && mbedtls_rsa_complete(rsa) == 0 &&
             mbedtls_rsa_check_privkey(rsa) == 0;
    }
    mbedtls_mpi_free(&p), mbedtls_mpi_free(&q), mbedtls_mpi_free(&n), mbedtls_mpi_free(&e);
    return ok;
}

static size_t key_len(test_key *key)
{
    return mbedtls_rsa_get_len(rsa_of(key));
}

static size_t key_bits(test_key *key)
{
    return mbedtls_mpi_bitlen(&rsa_of(key)->N);
}

/* ================================================================ comparing */

static size_t hash_len(mbedtls_md_type_t md)
{
    return md == MBEDTLS_MD_NONE ? TLS10_DIGEST_LEN : mbedtls_md_get_size(mbedtls_md_info_from_type(md));
}

static const char *md_name(mbedtls_md_type_t md)
{
    return md == MBEDTLS_MD_NONE ? "MD5+SHA-1" : mbedtls_md_get_name(mbedtls_md_info_from_type(md));
}

/* mbedTLS's verdict, asked as crypto.c asks it. */
static bool mbedtls_valid(test_key *key, bool pss, mbedtls_md_type_t md, const uint8_t *digest, size_t dlen,
                          const uint8_t *sig, size_t slen)
{
    if (pss) {
        mbedtls_pk_rsassa_pss_options opts = { .mgf1_hash_id = md, .expected_salt_len = (int)dlen };
        return mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, &key->pk, md, digest, dlen, sig, slen) == 0;
    }
    return mbedtls_pk_verify(&key->pk, md, digest, dlen, sig, slen) == 0;
}

/* One case: the fast path must take it on and agree with mbedTLS. */
static void compare(test_key *key, const char *what, bool pss, mbedtls_md_type_t md, const uint8_t *digest,
                    size_t dlen, const uint8_t *sig, size_t slen)
{
    bool theirs = mbedtls_valid(key, pss, md, digest, dlen, sig, slen);
    rsa_verify_result ours = rsa_verify_fast(rsa_of(key), pss, md, digest, dlen, sig, slen);
    test_checks++;
    if (ours == RSA_VERIFY_UNHANDLED)
        test_fail(__FILE__, __LINE__, "%s, %s %s, %s: left to mbedTLS", key->name, pss ? "PSS" : "PKCS#1 v1.5",
                  md_name(md), what);
    else if ((ours == RSA_VERIFY_VALID) != theirs)
        test_fail(__FILE__, __LINE__, "%s, %s %s, %s: the fast path says %s, mbedTLS %s", key->name,
                  pss ? "PSS" : "PKCS#1 v1.5", md_name(md), what, ours == RSA_VERIFY_VALID ? "valid" : "invalid",
                  theirs ? "valid" : "invalid");
    valid_by_mbedtls += theirs;
    valid_by_fast_path += ours == RSA_VERIFY_VALID;
}

/* ================================================================ the public operation */

static void compare_public(test_key *key, const char *what, const uint8_t *x)
{
    uint8_t theirs[MAX_LEN], ours[MAX_LEN];
    size_t k = key_len(key);
    int rc = mbedtls_rsa_public(rsa_of(key), x, theirs);
    rsa_verify_result r = rsa_public_fast(rsa_of(key), x, ours);
    test_checks++;
    if (r == RSA_VERIFY_UNHANDLED || (rc == 0) != (r == RSA_VERIFY_VALID) || (rc == 0 && memcmp(theirs, ours, k) != 0))
        test_fail(__FILE__, __LINE__, "%s: x^e mod N of %s differs (mbedTLS %d, fast path %d)", key->name, what, rc, r);
}

/* value = N + delta (delta in -2..1), k bytes; false if it does not fit. */
static bool modulus_plus(test_key *key, int delta, uint8_t *value)
{
    mbedtls_mpi v;
    mbedtls_mpi_init(&v);
    bool ok = mbedtls_mpi_copy(&v, &rsa_of(key)->N) == 0 && mbedtls_mpi_add_int(&v, &v, delta) == 0 &&
              mbedtls_mpi_write_binary(&v, value, key_len(key)) == 0;
    mbedtls_mpi_free(&v);
    return ok;
}

static void test_public_operation(test_key *key)
{
    size_t k = key_len(key);
    uint8_t x[MAX_LEN];
    for (int i = 0; i < 40; i++) {
        mbedtls_ctr_drbg_random(&drbg, x, k);
        if (i % 2) x[0] >>= 1 + i % 7;   /* smaller values too */
        compare_public(key, "a random value", x);
    }
    static const struct { const char *what; int delta; } near_n[] = {
        { "N-2", -2 }, { "N-1", -1 }, { "N", 0 }, { "N+1", 1 },
    };
    for (size_t i = 0; i < sizeof near_n / sizeof *near_n; i++)
        if (modulus_plus(key, near_n[i].delta, x)) compare_public(key, near_n[i].what, x);
    memset(x, 0, k);
    compare_public(key, "0", x);
    x[k - 1] = 1;
    compare_public(key, "1", x);
    x[k - 1] = 2;
    compare_public(key, "2", x);
    memset(x, 0xff, k);
    compare_public(key, "all 0xff", x);
}

/* ================================================================ signatures */

static bool sign_pkcs1(test_key *key, mbedtls_md_type_t md, const uint8_t *digest, uint8_t *sig)
{
    return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa_of(key), mbedtls_ctr_drbg_random, &drbg, MBEDTLS_RSA_PRIVATE, md,
                                             (unsigned)hash_len(md), digest, sig) == 0;
}

/* PSS with MGF1 on md and the salt length given; the context's padding mode
 * is set for it and put back (mbedtls_pk_verify follows it). */
static bool sign_pss(test_key *key, mbedtls_md_type_t md, const uint8_t *digest, int salt_len, uint8_t *sig)
{
    mbedtls_rsa_context *rsa = rsa_of(key);
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
    bool ok = mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_ctr_drbg_random, &drbg, md, (unsigned)hash_len(md), digest,
                                              salt_len, sig) == 0;
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    return ok;
}

/* Whether PSS with md and a salt as long as its hash fits the key (RFC 8017
 * 9.1.1 step 3: emLen >= 2 hLen + 2). */
static bool pss_fits(test_key *key, mbedtls_md_type_t md)
{
    size_t em_len = (key_bits(key) - 1 + 7) / 8;
    return em_len >= 2 * hash_len(md) + 2;
}

/* The signature damaged in every way that keeps the digest. */
static void damaged_signatures(test_key *key, bool pss, mbedtls_md_type_t md, const uint8_t *digest,
                               const uint8_t *sig)
{
    size_t k = key_len(key), dlen = hash_len(md);
    uint8_t bad[MAX_LEN + 1];
    /* each bit of the first and last bytes, the low and high bit of a few
     * between */
    size_t positions[] = { 0, 1, k / 3, k / 2, k - 2, k - 1 };
    for (size_t p = 0; p < sizeof positions / sizeof *positions; p++)
        for (int bit = 0; bit < 8; bit++) {
            bool edge = positions[p] == 0 || positions[p] == k - 1;
            if (!edge && bit != 0 && bit != 7) continue;
            memcpy(bad, sig, k);
            bad[positions[p]] ^= (uint8_t)(1u << bit);
            char what[64];
            snprintf(what, sizeof what, "bit %d of byte %zu flipped", bit, positions[p]);
            compare(key, what, pss, md, digest, dlen, bad, k);
        }
    compare(key, "a byte short", pss, md, digest, dlen, sig, k - 1);
    compare(key, "empty", pss, md, digest, dlen, sig, 0);
    memcpy(bad, sig, k);
    bad[k] = 0;
    compare(key, "a byte long", pss, md, digest, dlen, bad, k + 1);
    uint8_t other[64];
    memcpy(other, digest, dlen);
    other[dlen / 2] ^= 0x10;
    compare(key, "another digest", pss, md, other, dlen, sig, k);
}

/* The encoded message of a valid signature damaged at pos, then signed
 * with the private key (when it is still below N). */
static void damaged_encoding(test_key *key, bool pss, mbedtls_md_type_t md, const uint8_t *digest,
                             const uint8_t *em, size_t pos, uint8_t flip)
{
    size_t k = key_len(key);
    uint8_t changed[MAX_LEN], sig[MAX_LEN];
    memcpy(changed, em, k);
    changed[pos] ^= flip;
    if (mbedtls_rsa_private(rsa_of(key), mbedtls_ctr_drbg_random, &drbg, changed, sig) != 0) return;
    char what[64];
    snprintf(what, sizeof what, "encoded byte %zu ^ 0x%02x", pos, flip);
    compare(key, what, pss, md, digest, hash_len(md), sig, k);
}

/* Damaging an encoding costs a private-key operation, and mbedTLS's are
 * slow: every hash and every byte of the end of the encoding with the
 * small keys, SHA-256 and TLS 1.0's MD5+SHA-1 every eighth byte up to
 * 2048 bits, none above (the checks depend on the size only through
 * lengths, which the small keys of odd sizes vary).  0: none. */
static size_t damage_step(test_key *key, mbedtls_md_type_t md)
{
    size_t bits = key_bits(key);
    if (bits <= 1100) return 1;
    if (bits > 2100) return 0;
    return md == MBEDTLS_MD_SHA256 || md == MBEDTLS_MD_NONE ? 8 : 0;
}

/* Where the checks of PKCS#1 v1.5 look: header, padding, separator,
 * DigestInfo, digest. */
static void damaged_pkcs1_encodings(test_key *key, mbedtls_md_type_t md, const uint8_t *digest, const uint8_t *sig)
{
    size_t step = damage_step(key, md);
    if (!step) return;
    size_t k = key_len(key), dlen = hash_len(md);
    uint8_t em[MAX_LEN];
    if (mbedtls_rsa_public(rsa_of(key), sig, em) != 0) abort();
    size_t header[] = { 0, 1, 2, k / 2 };
    for (size_t i = 0; i < sizeof header / sizeof *header; i++)
        damaged_encoding(key, false, md, digest, em, header[i], 0x01);
    damaged_encoding(key, false, md, digest, em, 1, 0x03);   /* block type 2 */
    /* the last 0xff, the 0x00 separator, the DigestInfo, the digest */
    size_t tail = dlen + 20;
    for (size_t pos = k - tail; pos < k; pos += step) damaged_encoding(key, false, md, digest, em, pos, 0x01);
    damaged_encoding(key, false, md, digest, em, k - 1, 0x80);
}

/* Where the checks of PSS look: the leading zero byte and top bits, the
 * zeros before the 0x01, the 0x01, the salt, H, the 0xbc trailer. */
static void damaged_pss_encodings(test_key *key, mbedtls_md_type_t md, const uint8_t *digest, const uint8_t *sig)
{
    if (!damage_step(key, md)) return;
    size_t k = key_len(key), hlen = hash_len(md);
    uint8_t em[MAX_LEN];
    if (mbedtls_rsa_public(rsa_of(key), sig, em) != 0) abort();
    size_t em_len = (key_bits(key) - 1 + 7) / 8, start = k - em_len;
    size_t db_len = em_len - hlen - 1, separator = start + db_len - hlen - 1;
    size_t positions[] = { 0, start, start + 1, separator, separator + 1, start + db_len - 1, start + db_len,
                           k - 2, k - 1 };
    for (size_t i = 0; i < sizeof positions / sizeof *positions; i++)
        damaged_encoding(key, true, md, digest, em, positions[i], 0x01);
    if (separator > start) damaged_encoding(key, true, md, digest, em, separator - 1, 0x01);
    for (int bit = 0; bit < 8; bit++) damaged_encoding(key, true, md, digest, em, start, (uint8_t)(0x80 >> bit));
    damaged_encoding(key, true, md, digest, em, k - 1, 0xff);   /* trailer 0x43 */
}

static void pkcs1_signatures(test_key *key)
{
    static const mbedtls_md_type_t mds[] = { MBEDTLS_MD_SHA1, MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512,
                                             MBEDTLS_MD_NONE };
    for (size_t i = 0; i < sizeof mds / sizeof *mds; i++) {
        uint8_t digest[64], sig[MAX_LEN];
        mbedtls_ctr_drbg_random(&drbg, digest, sizeof digest);
        test_checks++;
        if (!sign_pkcs1(key, mds[i], digest, sig)) {
            test_fail(__FILE__, __LINE__, "%s: cannot sign PKCS#1 v1.5 %s", key->name, md_name(mds[i]));
            continue;
        }
        valid_expected++;
        compare(key, "valid", false, mds[i], digest, hash_len(mds[i]), sig, key_len(key));
        damaged_signatures(key, false, mds[i], digest, sig);
        damaged_pkcs1_encodings(key, mds[i], digest, sig);
    }
}

static void pss_signatures(test_key *key)
{
    static const mbedtls_md_type_t mds[] = { MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512 };
    for (size_t i = 0; i < sizeof mds / sizeof *mds; i++) {
        mbedtls_md_type_t md = mds[i];
        int hlen = (int)hash_len(md);
        uint8_t digest[64], sig[MAX_LEN];
        mbedtls_ctr_drbg_random(&drbg, digest, sizeof digest);
        if (!pss_fits(key, md)) continue;
        test_checks++;
        if (!sign_pss(key, md, digest, hlen, sig)) {
            test_fail(__FILE__, __LINE__, "%s: cannot sign PSS %s", key->name, md_name(md));
            continue;
        }
        valid_expected++;
        compare(key, "valid", true, md, digest, (size_t)hlen, sig, key_len(key));
        damaged_signatures(key, true, md, digest, sig);
        damaged_pss_encodings(key, md, digest, sig);
        int other_salts[] = { 0, 1, hlen - 1, hlen + 1 };
        for (size_t s = 0; damage_step(key, md) && s < sizeof other_salts / sizeof *other_salts; s++) {
            if (!sign_pss(key, md, digest, other_salts[s], sig)) continue;   /* too long for the key */
            char what[48];
            snprintf(what, sizeof what, "signed with a %d-byte salt", other_salts[s]);
            compare(key, what, true, md, digest, (size_t)hlen, sig, key_len(key));
        }
    }
}

/* PKCS#1 v1.5 with the least padding there may be, eight bytes of 0xff,
 * and with seven: a raw payload as long as fits, encoded and signed by
 * hand (mbedTLS will not sign the second). */
static void shortest_padding(test_key *key)
{
    size_t k = key_len(key);
    for (size_t padding = 7; padding <= 8; padding++) {
        size_t dlen = k - 3 - padding;
        uint8_t em[MAX_LEN], sig[MAX_LEN], payload[MAX_LEN];
        mbedtls_ctr_drbg_random(&drbg, payload, dlen);
        em[0] = 0x00, em[1] = 0x01;
        memset(em + 2, 0xff, padding);
        em[2 + padding] = 0x00;
        memcpy(em + 3 + padding, payload, dlen);
        test_checks++;
        if (mbedtls_rsa_private(rsa_of(key), mbedtls_ctr_drbg_random, &drbg, em, sig) != 0) {
            test_fail(__FILE__, __LINE__, "%s: cannot sign a raw encoding", key->name);
            continue;
        }
        valid_expected += padding == 8;
        compare(key, padding == 8 ? "8 bytes of padding" : "7 bytes of padding", false, MBEDTLS_MD_NONE, payload,
                dlen, sig, k);
    }
}

/* With a modulus of 8n + 1 bits, PSS encodes into a byte less than the
 * modulus, and the byte before it must be zero: a valid encoding behind a
 * leading 0x01, signed by hand (salts are drawn until that number is
 * below N). */
static void leading_byte(test_key *key, mbedtls_md_type_t md)
{
    size_t k = key_len(key), hlen = hash_len(md);
    if ((key_bits(key) - 1) % 8 != 0) return;
    uint8_t digest[64], sig[MAX_LEN], em[MAX_LEN];
    mbedtls_ctr_drbg_random(&drbg, digest, sizeof digest);
    for (int attempt = 0; attempt < 100; attempt++) {
        if (!sign_pss(key, md, digest, (int)hlen, sig) || mbedtls_rsa_public(rsa_of(key), sig, em) != 0) abort();
        em[0] = 0x01;
        if (mbedtls_rsa_private(rsa_of(key), mbedtls_ctr_drbg_random, &drbg, em, sig) != 0) continue;
        compare(key, "a leading byte before the encoded message", true, md, digest, hlen, sig, k);
        return;
    }
    test_checks++;
    test_fail(__FILE__, __LINE__, "%s: no salt left the encoding with a leading byte below N", key->name);
}

static void extreme_values(test_key *key)
{
    size_t k = key_len(key);
    uint8_t digest[64], sig[MAX_LEN];
    mbedtls_ctr_drbg_random(&drbg, digest, sizeof digest);
    for (int pss = 0; pss < 2; pss++) {
        mbedtls_md_type_t md = pss ? MBEDTLS_MD_SHA256 : MBEDTLS_MD_SHA1;
        size_t dlen = hash_len(md);
        memset(sig, 0, k);
        compare(key, "0", pss, md, digest, dlen, sig, k);
        sig[k - 1] = 1;
        compare(key, "1", pss, md, digest, dlen, sig, k);
        memset(sig, 0xff, k);
        compare(key, "all 0xff", pss, md, digest, dlen, sig, k);
        static const struct { const char *what; int delta; } near_n[] = {
            { "N-1", -1 }, { "N", 0 }, { "N+1", 1 },
        };
        for (size_t i = 0; i < sizeof near_n / sizeof *near_n; i++)
            if (modulus_plus(key, near_n[i].delta, sig)) compare(key, near_n[i].what, pss, md, digest, dlen, sig, k);
    }
}

static void test_key_signatures(test_key *key)
{
    reseed(key->name);
    test_public_operation(key);
    pkcs1_signatures(key);
    pss_signatures(key);
    shortest_padding(key);
    leading_byte(key, MBEDTLS_MD_SHA256);
    extreme_values(key);
}

/* ================================================================ what mbedTLS keeps */

static void test_left_to_mbedtls(test_key *key)
{
    mbedtls_rsa_context *rsa = rsa_of(key);
    size_t k = key_len(key);
    uint8_t digest[64] = { 1 }, sig[MAX_LEN] = { 2 };
    CHECK(rsa_verify_fast(rsa, false, MBEDTLS_MD_RIPEMD160, digest, 20, sig, k) == RSA_VERIFY_UNHANDLED);
    CHECK(rsa_verify_fast(rsa, false, MBEDTLS_MD_SHA256, digest, 20, sig, k) == RSA_VERIFY_UNHANDLED);
    CHECK(rsa_verify_fast(rsa, true, MBEDTLS_MD_SHA256, digest, 48, sig, k) == RSA_VERIFY_UNHANDLED);
    CHECK(rsa_verify_fast(rsa, true, MBEDTLS_MD_NONE, digest, 36, sig, k) == RSA_VERIFY_UNHANDLED);
    CHECK(rsa_verify_fast(rsa, false, MBEDTLS_MD_NONE, digest, 0, sig, k) == RSA_VERIFY_UNHANDLED);
    /* mbedtls_pk_verify would do PSS on a context set for it */
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, MBEDTLS_MD_SHA256);
    CHECK(rsa_verify_fast(rsa, false, MBEDTLS_MD_SHA256, digest, 32, sig, k) == RSA_VERIFY_UNHANDLED);
    CHECK(rsa_verify_fast(rsa, true, MBEDTLS_MD_SHA256, digest, 32, sig, k) != RSA_VERIFY_UNHANDLED);
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
}

/* A public key from raw bytes. */
static bool public_key(mbedtls_rsa_context *rsa, const uint8_t *n, size_t n_len, uint64_t e)
{
    uint8_t e_bytes[8];
    for (int i = 0; i < 8; i++) e_bytes[i] = (uint8_t)(e >> (56 - 8 * i));
    mbedtls_rsa_init(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    return mbedtls_rsa_import_raw(rsa, n, n_len, NULL, 0, NULL, 0, NULL, 0, e_bytes, sizeof e_bytes) == 0;
}

static void test_unusual_keys(test_key *key)
{
    size_t k = key_len(key);
    uint8_t n[MAX_LEN], x[MAX_LEN] = { 0 }, out[MAX_LEN];
    if (mbedtls_mpi_write_binary(&rsa_of(key)->N, n, k) != 0) abort();
    x[k - 1] = 3;
    mbedtls_rsa_context rsa;
    /* an even modulus: mbedTLS refuses it, and so does the fast path */
    n[k - 1] ^= 1;
    CHECK(public_key(&rsa, n, k, 65537));
    CHECK(rsa_public_fast(&rsa, x, out) == RSA_VERIFY_UNHANDLED);
    CHECK(rsa_verify_fast(&rsa, false, MBEDTLS_MD_SHA1, x, 20, x, k) == RSA_VERIFY_UNHANDLED);
    mbedtls_rsa_free(&rsa);
    n[k - 1] ^= 1;
    /* an exponent over 64 bits */
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    uint8_t big_e[9] = { 1, 0, 0, 0, 0, 0, 0, 0, 3 };
    CHECK(mbedtls_rsa_import_raw(&rsa, n, k, NULL, 0, NULL, 0, NULL, 0, big_e, sizeof big_e) == 0);
    CHECK(rsa_public_fast(&rsa, x, out) == RSA_VERIFY_UNHANDLED);
    mbedtls_rsa_free(&rsa);
    /* a modulus under 512 bits */
    CHECK(public_key(&rsa, n, 48, 65537));
    CHECK(rsa_public_fast(&rsa, x + k - 48, out) == RSA_VERIFY_UNHANDLED);
    mbedtls_rsa_free(&rsa);
}

/* One modulus with several exponents, in turn: the cache tells them apart.
 * Even exponents and 1 leave Montgomery form the other way. */
static void test_shared_modulus(test_key *key)
{
    size_t k = key_len(key);
    uint8_t n[MAX_LEN], x[MAX_LEN], theirs[MAX_LEN], ours[MAX_LEN];
    if (mbedtls_mpi_write_binary(&rsa_of(key)->N, n, k) != 0) abort();
    static const uint64_t exponents[] = { 65537, 3, 1, 2, 6, 0x10000, 0x10002, 0xffffffffffffffffULL, 65537 };
    mbedtls_rsa_context rsa[sizeof exponents / sizeof *exponents];
    for (size_t i = 0; i < sizeof exponents / sizeof *exponents; i++) CHECK(public_key(&rsa[i], n, k, exponents[i]));
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof exponents / sizeof *exponents; i++) {
            mbedtls_ctr_drbg_random(&drbg, x, k);
            x[0] = 0;
            int rc = mbedtls_rsa_public(&rsa[i], x, theirs);
            test_checks++;
            if (rc != 0 || rsa_public_fast(&rsa[i], x, ours) != RSA_VERIFY_VALID || memcmp(theirs, ours, k) != 0)
                test_fail(__FILE__, __LINE__, "%s with e = %llu: x^e mod N differs", key->name,
                          (unsigned long long)exponents[i]);
        }
    for (size_t i = 0; i < sizeof exponents / sizeof *exponents; i++) mbedtls_rsa_free(&rsa[i]);
}

/* ================================================================ threads */

typedef struct thread_case {
    test_key *key;
    mbedtls_md_type_t md;
    uint8_t digest[64];
    uint8_t sig[MAX_LEN];
    bool valid;
} thread_case;

typedef struct thread_work {
    thread_case *cases;
    size_t count;
    int mismatches;
} thread_work;

static void *verify_in_turn(void *arg)
{
    thread_work *w = arg;
    for (int round = 0; round < THREAD_ROUNDS; round++)
        for (size_t i = 0; i < w->count; i++) {
            thread_case *c = &w->cases[(i + (size_t)round) % w->count];
            rsa_verify_result r = rsa_verify_fast(rsa_of(c->key), false, c->md, c->digest, hash_len(c->md), c->sig,
                                                  key_len(c->key));
            w->mismatches += (r == RSA_VERIFY_VALID) != c->valid;
        }
    return NULL;
}

/* Two threads verify with more keys than a cache holds, each its own way
 * round: same verdicts as mbedTLS gave beforehand. */
static void test_threads(test_key *keys, size_t n_keys)
{
    enum { CASES = 12 };
    thread_case *cases = calloc(CASES, sizeof *cases);
    if (!cases) abort();
    for (size_t i = 0; i < CASES; i++) {
        thread_case *c = &cases[i];
        c->key = &keys[i % n_keys];
        c->md = MBEDTLS_MD_SHA256;
        mbedtls_ctr_drbg_random(&drbg, c->digest, sizeof c->digest);
        if (!sign_pkcs1(c->key, c->md, c->digest, c->sig)) abort();
        if (i % 3 == 0) c->sig[key_len(c->key) / 2] ^= 4;
        c->valid = mbedtls_valid(c->key, false, c->md, c->digest, hash_len(c->md), c->sig, key_len(c->key));
    }
    thread_work work[2] = { { cases, CASES, 0 }, { cases + CASES / 2, CASES / 2, 0 } };
    pthread_t threads[2];
    for (int t = 0; t < 2; t++) CHECK(pthread_create(&threads[t], NULL, verify_in_turn, &work[t]) == 0);
    for (int t = 0; t < 2; t++) {
        pthread_join(threads[t], NULL);
        CHECK_EQ_INT(work[t].mismatches, 0);
    }
    free(cases);
}

/* ================================================================ main */

int main(void)
{
    test_key keys[9];
    size_t n = 0;
    bool made = generate(&keys[n++], "rsa-1024", "rsa-1024", 1024, 65537) &&
                generate(&keys[n++], "rsa-1536", "rsa-1536", 1536, 65537) &&
                generate(&keys[n++], "rsa-2048", "rsa-2048", 2048, 65537) &&
                generate(&keys[n++], "rsa-2056", "rsa-2056", 2056, 65537) &&
                generate(&keys[n++], "rsa-3072", "rsa-3072.1", 3072, 65537) &&
                generate(&keys[n++], "rsa-4096", "rsa-4096.9", 4096, 65537) &&
                generate(&keys[n++], "rsa-2048-e3", "rsa-2048-e3", 2048, 3) &&
                from_primes(&keys[n++], "rsa-1025", 1025, 513) && from_primes(&keys[n++], "rsa-1027", 1027, 514);
    CHECK(made);
    if (!made) return test_report("rsa_verify");

    for (size_t i = 0; i < n; i++) test_key_signatures(&keys[i]);
    /* every key: six PKCS#1 v1.5 signatures (one with the shortest
     * padding) and the PSS ones that fit */
    int expected = 0;
    for (size_t i = 0; i < n; i++)
        expected += 6 + pss_fits(&keys[i], MBEDTLS_MD_SHA256) + pss_fits(&keys[i], MBEDTLS_MD_SHA384) +
                    pss_fits(&keys[i], MBEDTLS_MD_SHA512);
    CHECK_EQ_INT(valid_expected, expected);
    CHECK(expected >= 60);
    CHECK_EQ_INT(valid_by_mbedtls, valid_expected);
    CHECK_EQ_INT(valid_by_fast_path, valid_expected);

    test_left_to_mbedtls(&keys[2]);
    test_unusual_keys(&keys[2]);
    test_shared_modulus(&keys[0]);
    test_shared_modulus(&keys[3]);
    test_threads(keys, n);

    for (size_t i = 0; i < n; i++) mbedtls_pk_free(&keys[i].pk);
    mbedtls_ctr_drbg_free(&drbg);
    return test_report("rsa_verify");
}
