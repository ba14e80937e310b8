/* RSA decryption of pre-master secrets (RSAES-PKCS1-v1_5, RFC 8017 7.2.2)
 * with the private key, several times faster than mbedTLS 2.28's: the two
 * half-size exponentiations of the Chinese remainder theorem in the
 * Montgomery arithmetic of montgomery.h, four exponent bits at a time.
 * With a server key and many RSA key exchanges this is nearly all of the
 * work.
 *
 * The private key's arithmetic does not branch or index memory on secret
 * values: every window multiplies, the table entry is picked by masks from
 * a read of the whole table, and reductions subtract by mask.  The padding
 * check after it is plain code: tlsview answers no one, so a padding
 * oracle has no one to ask.  Every result is checked with the public key
 * before it is used (a wrong one, from a key whose parts disagree or from
 * a fault, goes to mbedTLS instead).
 *
 * The answer is mbedTLS's for the same arguments:
 *   mbedtls_rsa_pkcs1_decrypt(rsa, rng, rng_ctx, MBEDTLS_RSA_PRIVATE,
 *                             olen, input, output, output_max_len)
 * with rsa's modulus length of input.  What it does not take on it
 * reports as RSA_PRIVATE_UNHANDLED, for the caller to ask mbedTLS: a key
 * without its CRT parts, primes of different lengths, an input not below
 * the modulus, a padding mode other than v1.5. */
#ifndef TLSVIEW_RSA_PRIVATE_H
#define TLSVIEW_RSA_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/rsa.h>

/* Not an mbedTLS return code (those are 0 or negative). */
enum { RSA_PRIVATE_UNHANDLED = 1 };

typedef struct rsa_private_key rsa_private_key;

/* What the fast path needs of rsa (which must outlive it), or NULL when
 * it does not take the key on. */
rsa_private_key *rsa_private_key_new(const mbedtls_rsa_context *rsa);
/* Zeroises and frees; NULL is fine. */
void rsa_private_key_free(rsa_private_key *k);

int rsa_private_decrypt(const rsa_private_key *k, const uint8_t *input, uint8_t *output, size_t output_max_len,
                        size_t *olen);

#endif
