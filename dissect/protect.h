/* Record protection, the receiving side: one direction's read state of a
 * TLS connection opens one record at a time.
 *
 * Supported: AES-128/256-GCM, AES-128/256-CCM and CCM_8, ChaCha20-Poly1305,
 * Camellia-GCM (TLS 1.2 nonce rules: 4-byte implicit salt + 8-byte explicit
 * nonce for GCM/CCM, RFC 7905 XOR nonce for ChaCha20; TLS 1.3: iv XOR seq,
 * the record header as AAD, inner content type after the zero padding);
 * CBC with AES, Camellia, 3DES and DES under HMAC-MD5/SHA-1/SHA-256/SHA-384
 * or the SSL 3.0 MAC, MAC-then-encrypt or encrypt-then-MAC (RFC 7366), the
 * chained IV of SSL 3.0/TLS 1.0 and the explicit IV of TLS 1.1+; RC4 (when
 * mbedTLS has it); the NULL cipher with a MAC.
 *
 * Every tag, MAC and padding is checked: a wrong key gives
 * PROTECT_AUTH_FAILED, never plaintext. */
#ifndef TLSVIEW_PROTECT_H
#define TLSVIEW_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/names.h"

enum {
    PROTECT_MAX_PLAINTEXT = 1 << 14,   /* what RFC 5246 6.2.1 / RFC 8446 5.1 allow */
};

typedef enum protect_status {
    PROTECT_OK,
    PROTECT_AUTH_FAILED,   /* tag, MAC or padding wrong: these keys did not protect this record */
    PROTECT_MALFORMED,     /* cannot be a record of this cipher (too short, not whole blocks),
                              or TLS 1.3 inner plaintext with no content type */
} protect_status;

typedef struct protect_params {
    uint16_t version;            /* 0x0300 (SSL 3.0) .. 0x0304 (TLS 1.3) */
    tls_cipher_alg cipher;
    tls_mac_alg mac;             /* record MAC; ignored for AEAD and TLS 1.3 */
    bool encrypt_then_mac;       /* RFC 7366; CBC suites only */
    const uint8_t *key;
    size_t key_len;
    /* TLS 1.3: the 12-byte write IV.  TLS 1.2 AEAD: the 4-byte salt (GCM,
     * CCM) or 12-byte IV (ChaCha20).  CBC in SSL 3.0/TLS 1.0: the initial IV
     * (block size).  Otherwise empty. */
    const uint8_t *iv;
    size_t iv_len;
    const uint8_t *mac_key;
    size_t mac_key_len;
    /* 0: every record opens whole.  n > 0: of a record of application
     * data only the first n bytes of plaintext are wanted, and with AES-GCM
     * or ChaCha20-Poly1305 only those are decrypted (the rest of out is
     * left as it was); the whole record is still authenticated, and its
     * length is the same. */
    size_t app_data_wanted;
} protect_params;

typedef struct protect_ctx protect_ctx;

/* NULL when the parameters do not describe something it can decrypt; *why
 * (if given) then says what, e.g. "ARIA is not supported". */
protect_ctx *protect_new(const protect_params *p, const char **why);
/* Zeroises keys and state. */
void protect_free(protect_ctx *pc);

/* Opens one record.  `type` and `version` are the record header's fields
 * and frag[0..len) its fragment.  out must have room for len bytes.
 * On PROTECT_OK, out[0..*out_len) is the plaintext and *inner_type the
 * content type (TLS 1.3: from the inner plaintext; else `type`).
 * Whatever the result, the record counts as received: the sequence number
 * advances and a chained CBC IV moves on. */
protect_status protect_open(protect_ctx *pc, uint8_t type, uint16_t version,
                            const uint8_t *frag, size_t len,
                            uint8_t *out, size_t *out_len, uint8_t *inner_type);

/* Counts a record that was not opened: the sequence number advances, a
 * chained IV takes its last block, RC4 runs its key stream over it.
 * Returns false if that failed. */
bool protect_skip(protect_ctx *pc, const uint8_t *frag, size_t len);

/* One sentence about the last failure ("the GCM tag does not match", "bad
 * padding"), or about something odd in the last success ("plaintext is
 * 16400 bytes, more than the 16384 the protocol allows"); "" if nothing. */
const char *protect_detail(const protect_ctx *pc);
/* The last record's plaintext was longer than PROTECT_MAX_PLAINTEXT. */
bool protect_oversize(const protect_ctx *pc);

uint64_t protect_seq(const protect_ctx *pc);
void protect_set_seq(protect_ctx *pc, uint64_t seq);
/* True for the AEAD ciphers (their whole state is the sequence number). */
bool protect_is_aead(const protect_ctx *pc);
/* "AES-128-GCM", "AES-256-CBC with HMAC-SHA1", ... */
const char *protect_describe(const protect_ctx *pc);

/* Sizes: whether a cipher is supported, its block size (1 for stream and
 * AEAD ciphers). */
bool protect_cipher_supported(tls_cipher_alg c);

#endif
