/* Key derivation for every TLS version tlsview decrypts: the SSL 3.0
 * MD5/SHA-1 construction, the TLS 1.0/1.1 PRF (P_MD5 xor P_SHA1), the
 * TLS 1.2 PRF with the suite's hash, the master secret (RFC 5246 8.1,
 * RFC 7627 extended master secret), the key block and its partition
 * (RFC 5246 6.3), the Finished verify_data, and the TLS 1.3 HKDF key
 * schedule (RFC 8446 7.1-7.3, 4.4.4, 4.6.3).
 *
 * Every function returns 0 on success and -1 on a bad argument or a
 * failure inside mbedTLS; outputs are unspecified after -1.  Nothing here
 * keeps state or allocates beyond the stack. */
#ifndef TLSVIEW_PRF_H
#define TLSVIEW_PRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/names.h"

enum {
    TLS_VERSION_SSL30 = 0x0300,
    TLS_VERSION_TLS10 = 0x0301,
    TLS_VERSION_TLS11 = 0x0302,
    TLS_VERSION_TLS12 = 0x0303,
    TLS_VERSION_TLS13 = 0x0304,
};

enum {
    PRF_MASTER_LEN = 48,
    PRF_MAX_HASH = 48,          /* SHA-384, the largest hash a suite uses */
    PRF_MAX_KEY_BLOCK = 2 * 48 + 2 * 32 + 2 * 16,
};

/* The hash a key schedule runs on.  PRF_MD5_SHA1 is the TLS 1.0/1.1 pair. */
typedef enum prf_hash {
    PRF_HASH_NONE,
    PRF_MD5_SHA1,
    PRF_SHA256,
    PRF_SHA384,
} prf_hash;

/* Output size of the hash: 36 for MD5+SHA-1, 32, 48; 0 for NONE. */
size_t prf_hash_len(prf_hash h);
const char *prf_hash_name(prf_hash h);          /* "SHA-256", ... */
/* The PRF hash of a version and suite: MD5+SHA-1 below TLS 1.2, else the
 * suite's (SHA-384 for *_SHA384 suites, SHA-256 otherwise).  SSL 3.0 also
 * gives PRF_MD5_SHA1 (its own construction uses both). */
prf_hash prf_hash_for(uint16_t version, const tls_suite_info *suite);

/* ---- SSL 3.0 (RFC 6101 6.1, 6.2.2) ---- */

/* out = MD5(secret + SHA1("A" + secret + seed)) + MD5(secret + SHA1("BB" + ...)) ...
 * Up to 26 rounds (416 bytes). */
int prf_ssl3(const uint8_t *secret, size_t secret_len,
             const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* ---- TLS PRF (RFC 2246 5, RFC 5246 5) ---- */

/* PRF(secret, label, seed) with MD5 xor SHA-1 (h == PRF_MD5_SHA1) or
 * P_SHA256 / P_SHA384. */
int prf_tls(prf_hash h, const uint8_t *secret, size_t secret_len, const char *label,
            const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* The master secret from the pre-master secret.  With session_hash (RFC 7627
 * extended master secret) the label is "extended master secret" and the seed
 * is the session hash; otherwise "master secret" with the two randoms.
 * SSL 3.0 uses its own construction (and has no EMS). */
int prf_master_secret(uint16_t version, prf_hash h, const uint8_t *pms, size_t pms_len,
                      const uint8_t client_random[32], const uint8_t server_random[32],
                      const uint8_t *session_hash, size_t session_hash_len,
                      uint8_t master[PRF_MASTER_LEN]);

/* key_block = PRF(master, "key expansion", server_random + client_random). */
int prf_key_block(uint16_t version, prf_hash h, const uint8_t master[PRF_MASTER_LEN],
                  const uint8_t client_random[32], const uint8_t server_random[32],
                  uint8_t *out, size_t out_len);

/* The key block cut into its six parts (RFC 5246 6.3).  Index 0 is the
 * client write side, 1 the server write side. */
typedef struct tls_key_material {
    uint8_t mac_key[2][PRF_MAX_HASH];
    uint8_t key[2][32];
    uint8_t iv[2][16];
    size_t mac_key_len, key_len, iv_len;
} tls_key_material;

/* Sizes a suite's record protection needs, for a protocol version: MAC key,
 * cipher key, implicit IV from the key block (CBC below TLS 1.1: the block
 * size; AEAD: 4 for GCM/CCM, 12 for ChaCha20; TLS 1.1+ CBC: 0).  Returns
 * false for ciphers tlsview cannot decrypt (export, IDEA, SEED, ARIA, ...). */
bool prf_suite_sizes(uint16_t version, const tls_suite_info *suite,
                     size_t *mac_key_len, size_t *key_len, size_t *iv_len);
/* Derives and partitions the key block for the suite. */
int prf_key_material(uint16_t version, const tls_suite_info *suite, prf_hash h,
                     const uint8_t master[PRF_MASTER_LEN],
                     const uint8_t client_random[32], const uint8_t server_random[32],
                     tls_key_material *km);

/* The same from a key block already derived (len must be the suite's). */
int prf_split_key_block(uint16_t version, const tls_suite_info *suite, const uint8_t *block, size_t len,
                        tls_key_material *km);

/* Finished verify_data for TLS 1.0-1.2 (12 bytes):
 * PRF(master, "client finished" / "server finished", handshake_hash). */
int prf_finished(prf_hash h, const uint8_t master[PRF_MASTER_LEN], bool client,
                 const uint8_t *handshake_hash, size_t hash_len, uint8_t out[12]);

/* ---- TLS 1.3 (RFC 8446 7.1) ---- */

/* HKDF-Extract(salt, ikm); salt NULL or empty means HashLen zero bytes, ikm
 * NULL means HashLen zero bytes.  out gets HashLen bytes. */
int tls13_hkdf_extract(prf_hash h, const uint8_t *salt, size_t salt_len,
                       const uint8_t *ikm, size_t ikm_len, uint8_t *out);
/* HKDF-Expand-Label(secret, "tls13 " + label, context, out_len). */
int tls13_expand_label(prf_hash h, const uint8_t *secret, const char *label,
                       const uint8_t *context, size_t context_len,
                       uint8_t *out, size_t out_len);
/* Derive-Secret(secret, label, transcript_hash): the caller hashes the
 * messages.  out gets HashLen bytes. */
int tls13_derive_secret(prf_hash h, const uint8_t *secret, const char *label,
                        const uint8_t *transcript_hash, uint8_t *out);
/* Hash of the empty string (for Derive-Secret(., "derived", "")). */
int prf_empty_hash(prf_hash h, uint8_t *out);

/* The extract chain of the key schedule.  psk / dhe NULL stand for the
 * zero-filled inputs. */
int tls13_early_secret(prf_hash h, const uint8_t *psk, size_t psk_len, uint8_t *out);
int tls13_handshake_secret(prf_hash h, const uint8_t *early_secret,
                           const uint8_t *dhe, size_t dhe_len, uint8_t *out);
int tls13_master_secret(prf_hash h, const uint8_t *handshake_secret, uint8_t *out);

/* Record key and IV from a traffic secret ("key", "iv"). */
int tls13_traffic_keys(prf_hash h, const uint8_t *traffic_secret,
                       uint8_t *key, size_t key_len, uint8_t *iv, size_t iv_len);
/* application_traffic_secret_N+1 = Expand-Label(secret_N, "traffic upd", "", HashLen). */
int tls13_next_traffic_secret(prf_hash h, const uint8_t *secret, uint8_t *out);
/* finished_key = Expand-Label(base_key, "finished", "", HashLen). */
int tls13_finished_key(prf_hash h, const uint8_t *base_key, uint8_t *out);
/* verify_data = HMAC(finished_key(base_key), transcript_hash). */
int tls13_verify_data(prf_hash h, const uint8_t *base_key, const uint8_t *transcript_hash,
                      uint8_t *out);
/* PSK for a ticket: Expand-Label(resumption_master_secret, "resumption", nonce, HashLen). */
int tls13_resumption_psk(prf_hash h, const uint8_t *res_master,
                         const uint8_t *nonce, size_t nonce_len, uint8_t *out);

/* Plain one-shot hash (MD5+SHA-1 gives the 36-byte concatenation). */
int prf_hash_buf(prf_hash h, const uint8_t *in, size_t len, uint8_t *out);
/* Constant-time comparison. */
bool prf_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
