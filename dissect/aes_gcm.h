#ifndef TLSVIEW_AES_GCM_H
#define TLSVIEW_AES_GCM_H

/* AES-GCM decryption with the CPU's AES and carry-less multiply
 * instructions, four blocks at a time.  mbedTLS 2.28 uses the same
 * instructions one block and one call at a time, which made GCM the
 * largest single cost of decrypting application data with a key log.
 * Only what TLS needs: 128- and 256-bit keys, 12-byte nonces, opening
 * (decrypt and check the tag).  Callers fall back to mbedTLS when
 * aes_gcm_fast_available() is false. */

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aes_gcm_key {
    alignas(16) uint8_t round_keys[15][16];
    alignas(16) uint8_t hash_powers[4][16];   /* H, H^2, H^3, H^4, byte-reversed */
    unsigned rounds;                          /* 10 or 14 */
} aes_gcm_key;

/* Whether this CPU has AES-NI, PCLMULQDQ and SSSE3/SSE4.1. */
bool aes_gcm_fast_available(void);

/* Expands a 16- or 32-byte key; false for other sizes or CPUs. */
bool aes_gcm_key_init(aes_gcm_key *k, const uint8_t *key, size_t key_len);

/* Decrypts ct[len] into out[len] and checks the tag (4 to 16 bytes);
 * false, with out zeroed, when the tag does not match. */
bool aes_gcm_open(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                  const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len, uint8_t *out);

/* The two halves of opening, for a caller that needs only part of the
 * plaintext: whether the tag matches (the whole ciphertext is
 * authenticated), and the plaintext of bytes [from, to) of it, written to
 * the same offsets of out (to <= the ciphertext's length). */
bool aes_gcm_check(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len);
void aes_gcm_decrypt(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                     uint8_t *out);

#endif
