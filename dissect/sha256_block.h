#ifndef TLSVIEW_SHA256_BLOCK_H
#define TLSVIEW_SHA256_BLOCK_H

/* SHA-256's block function with the CPU's SHA instructions where it has
 * them.  mbedTLS 2.28 computes SHA-256 in plain C; a large share of
 * decrypting with a key log is SHA-256 (transcripts, HMAC, the PRF, HKDF),
 * and the instructions do a block several times faster.  This file also
 * defines mbedtls_internal_sha256_process, the block function mbedTLS
 * lets a build replace, so the library's own hashing takes the fast path:
 * the program must link this object (sha256_block_hw_available() is
 * called at start for that). */

#include <stdbool.h>
#include <stdint.h>

/* Whether the fast path is in use (the CPU has the SHA extensions). */
bool sha256_block_hw_available(void);

/* One 64-byte block into the state: the fast path when available. */
void sha256_block_hw(uint32_t state[8], const uint8_t data[64]);

/* The same in plain C (FIPS 180-4 6.2.2); for tests and other CPUs. */
void sha256_block_portable(uint32_t state[8], const uint8_t data[64]);

#endif
