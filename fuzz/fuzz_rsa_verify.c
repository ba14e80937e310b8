/* The fast RSA verification (dissect/rsa_verify.c) against mbedTLS: the
 * verdict must be mbedTLS's whenever the fast path gives one, the fast path
 * must give one whenever it promises to, and its public-key operation must
 * give mbedTLS's bytes.
 *
 * Input:
 *   u8  key: one of three made at start (1024 bits; 1025 bits, whose PSS
 *       encoding is a byte shorter than the modulus; 1536 bits with e = 3)
 *   u8  scheme: bit 0 PSS, bits 1-3 the hash (none, MD5, SHA-1, SHA-224,
 *       SHA-256, SHA-384, SHA-512, RIPEMD-160)
 *   u8  how the signature is made: bits 0-1
 *         0  the rest of the input is the signature
 *         1  the rest is the encoded message, signed with the private key
 *            (taken as the signature itself when not below N)
 *         2, 3  a valid signature of the digest, then changed by the rest
 *            of the input as (u16 offset, u8 xor) triples
 *       bit 2: a digest length byte follows (else the hash's length, 36
 *       without a hash); bit 3: a PSS salt length byte follows (else the
 *       hash's length)
 *   [u8 digest length] [u8 salt length]
 *   the digest, then the rest as bit 0-1 say. */
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "dissect/rsa_verify.h"
#include "fuzz/fuzz.h"

enum { KEYS = 3, MAX_LEN = 256, DIGEST_MAX = 256, TLS10_DIGEST_LEN = 36, MAX_SIG = 600 };

/* ================================================================ keys */

static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++) out[i] = (unsigned char)(i * 151 + 7);
    return 0;
}

/* A modulus of exactly `bits` bits from primes of p_bits and the rest. */
static bool from_primes(mbedtls_rsa_context *rsa, mbedtls_ctr_drbg_context *drbg, size_t bits, size_t p_bits)
{
    mbedtls_mpi p, q, n, e;
    mbedtls_mpi_init(&p), mbedtls_mpi_init(&q), mbedtls_mpi_init(&n), mbedtls_mpi_init(&e);
    bool ok = false;
    for (int attempt = 0; attempt < 50 && !ok; attempt++) {
        if (mbedtls_mpi_gen_prime(&p, p_bits, 0, mbedtls_ctr_drbg_random, drbg) != 0 ||
            mbedtls_mpi_gen_prime(&q, bits - p_bits, 0, mbedtls_ctr_drbg_random, drbg) != 0 ||
            mbedtls_mpi_mul_mpi(&n, &p, &q) != 0 || mbedtls_mpi_lset(&e, 65537) != 0)
            break;
        ok = mbedtls_mpi_bitlen(&n) == bits && mbedtls_rsa_import(rsa, &n, &p, &q, NULL, &e) == 0 &&
             mbedtls_rsa_complete(rsa) == 0 && mbedtls_rsa_check_privkey(rsa) == 0;
    }
    mbedtls_mpi_free(&p), mbedtls_mpi_free(&q), mbedtls_mpi_free(&n), mbedtls_mpi_free(&e);
    return ok;
}

/* The same keys every run (a fixed seed), made once. */
static mbedtls_pk_context *keys(void)
{
    static mbedtls_pk_context made[KEYS];
    static bool done;
    if (done) return made;
    done = true;
    static const char *const names[KEYS] = { "fuzz-1024", "fuzz-1025", "fuzz-1536-e3" };
    for (int i = 0; i < KEYS; i++) {
        mbedtls_ctr_drbg_context drbg;
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_pk_init(&made[i]);
        bool ok = mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, (const unsigned char *)names[i],
                                        strlen(names[i])) == 0 &&
                  mbedtls_pk_setup(&made[i], mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0;
        mbedtls_rsa_context *rsa = ok ? mbedtls_pk_rsa(made[i]) : NULL;
        if (ok && i == 0) ok = mbedtls_rsa_gen_key(rsa, mbedtls_ctr_drbg_random, &drbg, 1024, 65537) == 0;
        if (ok && i == 1) ok = from_primes(rsa, &drbg, 1025, 513);
        if (ok && i == 2) ok = mbedtls_rsa_gen_key(rsa, mbedtls_ctr_drbg_random, &drbg, 1536, 3) == 0;
        mbedtls_ctr_drbg_free(&drbg);
        if (!ok) fuzz_fail("cannot make key %s", names[i]);
    }
    return made;
}

/* ================================================================ signing */

/* Randomness for blinding and salts that depends on the input only, so
 * that a failing input fails again. */
static int input_random(void *state, unsigned char *out, size_t len)
{
    uint64_t *s = state;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
        out[i] = (unsigned char)*s;
    }
    return 0;
}

static uint64_t input_seed(const uint8_t *data, size_t size)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 0x100000001b3ULL;
    return h | 1;
}

static size_t hash_len(mbedtls_md_type_t md)
{
    return md == MBEDTLS_MD_NONE ? TLS10_DIGEST_LEN : mbedtls_md_get_size(mbedtls_md_info_from_type(md));
}

/* A valid signature of digest; false if mbedTLS cannot make one. */
static bool sign(mbedtls_rsa_context *rsa, bool pss, mbedtls_md_type_t md, const uint8_t *digest, size_t dlen,
                 int salt_len, uint64_t *rng, uint8_t *sig)
{
    if (!pss)
        return mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, input_random, rng, MBEDTLS_RSA_PRIVATE, md, (unsigned)dlen,
                                                 digest, sig) == 0;
    if (md == MBEDTLS_MD_NONE) return false;
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, md);
    bool ok = mbedtls_rsa_rsassa_pss_sign_ext(rsa, input_random, rng, md, (unsigned)hash_len(md), digest, salt_len,
                                              sig) == 0;
    mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
    return ok;
}

/* ================================================================ checks */

/* mbedTLS's verdict, asked as dissect/crypto.c asks it. */
static bool mbedtls_valid(mbedtls_pk_context *pk, bool pss, mbedtls_md_type_t md, const uint8_t *digest, size_t dlen,
                          const uint8_t *sig, size_t slen)
{
    if (pss) {
        mbedtls_pk_rsassa_pss_options opts = { .mgf1_hash_id = md, .expected_salt_len = (int)dlen };
        return mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, pk, md, digest, dlen, sig, slen) == 0;
    }
    return mbedtls_pk_verify(pk, md, digest, dlen, sig, slen) == 0;
}

/* What rsa_verify.h promises to take on with these keys. */
static bool promised(bool pss, mbedtls_md_type_t md, size_t dlen)
{
    if (md == MBEDTLS_MD_NONE) return !pss && dlen > 0;
    return md != MBEDTLS_MD_RIPEMD160 && dlen == hash_len(md);
}

static void check_public_operation(mbedtls_rsa_context *rsa, const uint8_t *sig)
{
    uint8_t theirs[MAX_LEN], ours[MAX_LEN];
    int rc = mbedtls_rsa_public(rsa, sig, theirs);
    rsa_verify_result r = rsa_public_fast(rsa, sig, ours);
    if (r == RSA_VERIFY_UNHANDLED) fuzz_fail("the public operation was left to mbedTLS");
    if ((rc == 0) != (r == RSA_VERIFY_VALID))
        fuzz_fail("mbedTLS %s the value, the fast path %s", rc ? "refuses" : "takes",
                  r == RSA_VERIFY_VALID ? "takes it" : "refuses it");
    if (rc == 0 && memcmp(theirs, ours, mbedtls_rsa_get_len(rsa)) != 0) fuzz_fail("x^e mod N differs");
}

/* The fast path's verdict must be mbedTLS's, and it must give one when
 * it promises to. */
static void check_verdict(mbedtls_pk_context *pk, bool pss, mbedtls_md_type_t md, const uint8_t *digest, size_t dlen,
                          const uint8_t *sig, size_t slen)
{
    bool theirs = mbedtls_valid(pk, pss, md, digest, dlen, sig, slen);
    rsa_verify_result ours = rsa_verify_fast(mbedtls_pk_rsa(*pk), pss, md, digest, dlen, sig, slen);
    const char *scheme = pss ? "PSS" : "PKCS#1 v1.5";
    if (ours == RSA_VERIFY_UNHANDLED) {
        if (promised(pss, md, dlen)) fuzz_fail("left to mbedTLS: %s, hash %d, %zu-byte digest", scheme, (int)md, dlen);
    } else if ((ours == RSA_VERIFY_VALID) != theirs) {
        fuzz_fail("%s, hash %d, %zu-byte digest, %zu-byte signature: mbedTLS says %s, the fast path %s", scheme,
                  (int)md, dlen, slen, theirs ? "valid" : "invalid", ours == RSA_VERIFY_VALID ? "valid" : "invalid");
    }
}

/* The signature as the input says (see the top) into sig; its length. */
static size_t make_signature(cursor *in, mbedtls_rsa_context *rsa, int mode, bool pss, mbedtls_md_type_t md,
                             const uint8_t *digest, size_t dlen, int salt_len, uint64_t *rng, uint8_t *sig)
{
    size_t k = mbedtls_rsa_get_len(rsa), got;
    if (mode >= 2 && !sign(rsa, pss, md, digest, md == MBEDTLS_MD_NONE ? dlen : hash_len(md), salt_len, rng, sig))
        mode = 0;
    if (mode == 0) {
        const uint8_t *p = fz_bytes(in, MAX_SIG, &got);
        if (got) memcpy(sig, p, got);
        return got;
    }
    if (mode == 1) {
        uint8_t em[MAX_LEN] = { 0 };
        const uint8_t *p = fz_bytes(in, k, &got);
        if (got) memcpy(em, p, got);
        if (mbedtls_rsa_private(rsa, input_random, rng, em, sig) != 0) memcpy(sig, em, k);
        return k;
    }
    while (cur_left(in) >= 3) {
        size_t offset = fz_u16(in) % k;
        sig[offset] ^= fz_u8(in);
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mbedtls_md_type_t mds[8] = { MBEDTLS_MD_NONE,   MBEDTLS_MD_MD5,    MBEDTLS_MD_SHA1,
                                              MBEDTLS_MD_SHA224, MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384,
                                              MBEDTLS_MD_SHA512, MBEDTLS_MD_RIPEMD160 };
    cursor in = cur_make(data, size);
    mbedtls_pk_context *pk = &keys()[fz_u8(&in) % KEYS];
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*pk);
    uint8_t scheme = fz_u8(&in), how = fz_u8(&in);
    bool pss = scheme & 1;
    mbedtls_md_type_t md = mds[scheme >> 1 & 7];
    size_t dlen = how & 4 ? fz_u8(&in) : hash_len(md);
    int salt_len = how & 8 ? fz_u8(&in) : (int)hash_len(md);

    /* mbedTLS reads the hash's length of digest whatever dlen says */
    uint8_t digest[DIGEST_MAX] = { 0 };
    size_t got;
    const uint8_t *p = fz_bytes(&in, dlen, &got);
    if (got) memcpy(digest, p, got);

    uint64_t rng = input_seed(data, size);
    uint8_t sig[MAX_SIG] = { 0 };
    size_t slen = make_signature(&in, rsa, how & 3, pss, md, digest, dlen, salt_len, &rng, sig);
    check_verdict(pk, pss, md, digest, dlen, sig, slen);
    if (slen >= mbedtls_rsa_get_len(rsa)) check_public_operation(rsa, sig);
    return 0;
}
