#ifndef TLSVIEW_CHACHA_POLY_H
#define TLSVIEW_CHACHA_POLY_H

/* ChaCha20-Poly1305 opening (RFC 8439 2.8): ChaCha20 four blocks at a
 * time in SSE2 vectors and Poly1305 in 44-bit limbs with 128-bit products.
 * mbedTLS 2.28 does both a word at a time, which made them a visible share
 * of decrypting TLS 1.3 with a key log.  x86-64 only (SSE2 is part of it);
 * elsewhere chacha_poly_fast_available() is false and callers keep using
 * mbedTLS. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool chacha_poly_fast_available(void);

/* Decrypts ct[len] into out[len] with the 32-byte key and 12-byte nonce
 * and checks the 16-byte tag; false, with out zeroed, when it does not
 * match. */
bool chacha_poly_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t len, const uint8_t tag[16], uint8_t *out);

/* The two halves of opening, for a caller that needs only part of the
 * plaintext: whether the tag matches, and the plaintext of bytes
 * [from, to) of the ciphertext, written to the same offsets of out. */
bool chacha_poly_check(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                       const uint8_t *ct, size_t len, const uint8_t tag[16]);
void chacha_poly_decrypt(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                         uint8_t *out);

/* The parts, for tests: the key stream xor-ed into in[len] from block
 * `counter` on, and a Poly1305 tag. */
void chacha20_xor(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter, const uint8_t *in, size_t len,
                  uint8_t *out);
void poly1305_tag(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16]);

#endif
