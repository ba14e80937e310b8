/* RSA signature verification with a faster public-key operation than
 * mbedTLS 2.28's: Montgomery arithmetic on 64-bit limbs, a dedicated
 * squaring, and per-key constants kept in a small per-thread cache, so a
 * certificate key that signs many handshakes costs no setup after the
 * first.  Nothing here is secret (public key, signature, digest), so
 * nothing needs to run in constant time.
 *
 * The verdict is the one mbedTLS gives for the same arguments:
 *   pss == false: mbedtls_pk_verify(pk, md, digest, dlen, sig, slen)
 *                 (EMSA-PKCS1-v1_5, RFC 8017 8.2.2; with MBEDTLS_MD_NONE
 *                 the digest itself is the payload, as TLS <= 1.1's
 *                 36-byte MD5+SHA-1 is)
 *   pss == true:  mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opts, ...)
 *                 with opts = { .mgf1_hash_id = md,
 *                               .expected_salt_len = (int)dlen }
 *                 (EMSA-PSS, RFC 8017 9.1.2, MGF1 with the same hash and a
 *                 salt exactly as long as the digest)
 * A signature of another length than the modulus is invalid (mbedTLS
 * returns VERIFY_FAILED when shorter and SIG_LEN_MISMATCH when longer), and
 * so is a signature value >= N.
 *
 * What the fast path does not take on it reports as RSA_VERIFY_UNHANDLED,
 * for the caller to ask mbedTLS: a modulus under 512 or over 8192 bits, an
 * even one, an exponent over 64 bits, a hash other than MD5, SHA-1,
 * SHA-224, SHA-256, SHA-384 and SHA-512, a digest whose length is not the
 * hash's, PSS without a hash, and a PKCS#1 v1.5 check on a context whose
 * padding mode is not v1.5 (mbedtls_pk_verify would then do PSS). */
#ifndef TLSVIEW_RSA_VERIFY_H
#define TLSVIEW_RSA_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/md.h>
#include <mbedtls/rsa.h>

typedef enum rsa_verify_result {
    RSA_VERIFY_UNHANDLED = -1,  /* not taken on: use mbedTLS */
    RSA_VERIFY_VALID = 0,
    RSA_VERIFY_INVALID = 1,
} rsa_verify_result;

rsa_verify_result rsa_verify_fast(const mbedtls_rsa_context *rsa, bool pss, mbedtls_md_type_t md,
                                  const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t slen);

/* The public-key operation alone: out[0..len) = sig^e mod N, big-endian,
 * where len is the modulus length in bytes and sig is len bytes.  Returns
 * RSA_VERIFY_INVALID when sig >= N, RSA_VERIFY_UNHANDLED for a key the
 * fast path does not take on; for tests and benchmarks. */
rsa_verify_result rsa_public_fast(const mbedtls_rsa_context *rsa, const uint8_t *sig, uint8_t *out);

#endif
