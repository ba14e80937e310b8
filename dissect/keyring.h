/* Server private keys (-k FILE, repeatable) for RSA key exchange.
 *
 * Keys may be PEM or DER, PKCS#1 or PKCS#8, optionally encrypted
 * (traditional PEM encryption, PKCS#8 PBES1/PBES2 including OpenSSL's
 * default PBKDF2-HMAC-SHA256 + AES-CBC).  A key is used for a connection
 * only when its public half equals the public key of the server's
 * certificate.  Non-RSA keys are kept (they still match certificates) but
 * cannot decrypt anything: RSA key exchange needs an RSA key.
 * Keys are zeroised when freed.  Not thread-safe. */
#ifndef TLSVIEW_KEYRING_H
#define TLSVIEW_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/config.h"

typedef struct keyring keyring;
typedef struct server_key server_key;

/* PBKDF2 iteration counts above the last are refused: a key crafted with
 * billions would stall tlsview (OpenSSL's default is 2048). */
enum { KEYRING_MAX_KEYS = 64, KEYRING_MAX_FILE = 1 << 20, KEYRING_MAX_PBKDF2_ITERATIONS = 10000000 };

typedef enum keyring_result {
    KEYRING_ERROR = -1,   /* not loaded; the message says why and what to do */
    KEYRING_OK = 0,       /* an RSA key */
    KEYRING_NOT_RSA = 1,  /* loaded, but it cannot decrypt; the message explains */
} keyring_result;

keyring *keyring_new(void);
void keyring_free(keyring *kr);

/* Loads a key file.  `password` may be NULL (the cli passes --key-password
 * or TLSVIEW_KEY_PASSWORD).  `msg` gets one line naming the file: the error
 * and its fix ("server.key is encrypted: the password is wrong", "... needs
 * a password: give --key-password or set TLSVIEW_KEY_PASSWORD", "... is not
 * a private key ...") or, for KEYRING_NOT_RSA, why it cannot be used. */
keyring_result keyring_add_file(keyring *kr, const char *path, const char *password,
                                char *msg, size_t msglen);
/* The same for key bytes in memory; `name` stands for the file in messages. */
keyring_result keyring_add_buffer(keyring *kr, const char *name, const uint8_t *data, size_t len,
                                  const char *password, char *msg, size_t msglen);

size_t keyring_count(const keyring *kr);
size_t keyring_rsa_count(const keyring *kr);

typedef enum keyring_match_status {
    KEYRING_MATCH,        /* a key belongs to the certificate */
    KEYRING_NO_MATCH,     /* keys given, none belongs to it */
    KEYRING_BAD_CERT,     /* the certificate's public key could not be read */
    KEYRING_EMPTY,        /* no keys */
} keyring_match_status;

/* The key whose public half is the certificate's public key (cert_der is
 * one DER X.509 certificate), or NULL with *status telling why. */
const server_key *keyring_match(const keyring *kr, const uint8_t *cert_der, size_t len,
                                keyring_match_status *status);

/* The i-th key (in the order added), or NULL. */
const server_key *keyring_key(const keyring *kr, size_t i);

const char *server_key_name(const server_key *k);   /* the file it came from */
bool server_key_is_rsa(const server_key *k);
size_t server_key_bits(const server_key *k);
const char *server_key_type(const server_key *k);   /* "RSA", "EC", ... */

typedef enum pms_status {
    PMS_OK,
    PMS_VERSION_MISMATCH,  /* decrypted, but its first two bytes are not the ClientHello version
                              (RFC 5246 7.4.7.1; some old clients send the negotiated one) */
    PMS_BAD_PADDING,       /* PKCS#1 v1.5 decryption failed: wrong key or corrupted */
    PMS_BAD_LENGTH,        /* ciphertext not the modulus size, or plaintext not 48 bytes */
    PMS_NOT_RSA,
} pms_status;

/* RSA PKCS#1 v1.5 decryption of an encrypted pre-master secret.  On PMS_OK
 * and PMS_VERSION_MISMATCH, pms holds the 48 bytes and *pms_version its
 * first two. */
pms_status keyring_decrypt_pms(keyring *kr, const server_key *k, const uint8_t *enc, size_t len,
                               uint16_t client_version, uint8_t pms[48], uint16_t *pms_version);

/* Decrypting ahead on other cores (see pms_pool.h).  keyring_start_workers
 * starts `workers` threads with copies of the RSA keys; false if there is
 * no RSA key or the threads cannot be had (decryption then stays on the
 * caller's thread).  Once started, keyring_decrypt_pms must be called from
 * one thread only, and no key may be added. */
bool keyring_start_workers(keyring *kr, unsigned workers);
/* From the thread reading ahead: queue the decryption of an encrypted
 * pre-master secret, when exactly one RSA key has its size.  Waits while
 * the queue is full; false when nothing was queued (no workers, no key of
 * that size, or shutting down: the reader should stop). */
bool keyring_prefetch_pms(keyring *kr, const uint8_t *enc, size_t len, uint64_t tag);
/* The dissector has read every packet up to the count `tag`: answers
 * queued with a tag at or below it that nobody asked for are dropped. */
void keyring_prefetch_advance(keyring *kr, uint64_t tag);
/* Makes the reader's waiting and later keyring_prefetch_pms calls return
 * false (it should then stop); decryption goes on as before. */
void keyring_prefetch_cancel(keyring *kr);
/* How many decryptions were queued ahead so far (0 without workers). */
uint64_t keyring_prefetch_queued(keyring *kr);

#endif
