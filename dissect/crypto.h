/* The per-connection decryption engine: transcript hashes, key schedule,
 * record protection state per direction, Finished verification, and the
 * reason why a connection cannot be decrypted.
 *
 * Call order (the session/record layer drives it):
 *
 *   cache = crypto_cache_new(0);                       once per dissector
 *   t = crypto_new(cfg, conn, cache);                  once per connection
 *   crypto_set_event_sink(t, fn, ctx);                 optional
 *   for every record, in capture order:
 *       st = crypto_open(t, dir, type, version, frag, len, out, &n, &inner);
 *         CRYPTO_PLAINTEXT  -> use frag as is (type is the content type)
 *         CRYPTO_DECRYPTED  -> use out[0..n) with content type `inner`
 *         CRYPTO_NO_KEYS / CRYPTO_AUTH_FAILED / CRYPTO_MALFORMED
 *                           -> the record stays opaque; crypto_detail() says why
 *       ChangeCipherSpec record (after crypto_open said PLAINTEXT or DECRYPTED):
 *           crypto_change_cipher_spec(t, dir);
 *       every complete handshake message taken from the (plaintext or
 *       decrypted) records, header included, in order, AFTER the handshake
 *       decoder has updated conn_state for it:
 *           fin = crypto_handshake(t, dir, msg, len);
 *       (an SSLv2-compatible ClientHello: crypto_sslv2_client_hello instead)
 *   bytes of the stream lost (gap) or a handshake message skipped:
 *           crypto_transcript_gap(t);
 *   crypto_free(t);
 *   crypto_cache_free(cache);                          after every connection
 *
 * Messages of one record must all go through crypto_handshake() before the
 * next record goes to crypto_open(): keys change at message boundaries
 * (Finished, KeyUpdate, EndOfEarlyData) and apply to the next record.
 *
 * crypto_handshake() checks a Finished message itself, against the
 * transcript before it, then adds it; the result is its return value, the
 * expected verify_data is available from crypto_finished_expected().  It
 * checks the signature of a ServerKeyExchange or CertificateVerify the same
 * way; crypto_last_signature() tells the result.
 *
 * Without any secret (no keys, no key log) the engine still keeps the
 * transcript and checks signatures; crypto_open() then only ever finds
 * records it has no keys for, so a caller that decrypts nothing need not
 * call it.
 *
 * What it reads from conn_state: client_random, server_random, version,
 * cipher_suite/have_cipher_suite, server_hello_seen, extended_master_secret,
 * encrypt_then_mac, client/server session ids, client_legacy_version,
 * client_offered_early_data, offered_versions.  What it writes:
 * c->decryption and notes (conn_note) explaining why a connection cannot be
 * decrypted.
 *
 * Key schedule events go to the sink as they happen (inside crypto_open,
 * crypto_change_cipher_spec or crypto_handshake): name (snake_case), the
 * value, and one sentence about where it came from.  The values are
 * secrets: the sink shows them only when cfg->secrets is set.  Names:
 *   TLS <= 1.2: pre_master_secret (RSA decryption or key log RSA line),
 *     master_secret (PRF / EMS / key log CLIENT_RANDOM / session cache),
 *     key_block, {client,server}_write_mac_key, {client,server}_write_key,
 *     {client,server}_write_iv (those the suite uses);
 *   TLS 1.3: client_early_traffic_secret, early_exporter_master_secret,
 *     {client,server}_handshake_traffic_secret,
 *     {client,server}_application_traffic_secret_<n> (0 from the key log,
 *     1.. after each KeyUpdate), exporter_master_secret, and the record keys
 *     {client,server}_{early,handshake,application}_{key,iv}. */
#ifndef TLSVIEW_CRYPTO_H
#define TLSVIEW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/config.h"
#include "dissect/conn.h"
#include "dissect/step.h"

typedef struct tls_crypto tls_crypto;
typedef struct crypto_cache crypto_cache;

enum { CRYPTO_CACHE_DEFAULT = 4096 };

/* Master secrets of this capture's TLS <= 1.2 sessions, by session ID and
 * by ticket, so a resumed connection later in the capture can be decrypted.
 * Bounded (oldest dropped); max 0 means CRYPTO_CACHE_DEFAULT.  Zeroised
 * when freed.  (TLS 1.3 resumption needs the resumption master secret,
 * which a key log does not give; the resumed connection's own key log
 * lines decrypt it.)  It also keeps the public keys of the last 16
 * certificates whose signatures were checked, so a server seen again is
 * not parsed again, and bounds the memory all connections use to keep
 * TLS <= 1.2 transcripts for client CertificateVerify checks.  Free it
 * after the engines that use it. */
crypto_cache *crypto_cache_new(size_t max);
void crypto_cache_free(crypto_cache *cache);
/* Sessions go to `shared` (see sessions.h) instead of the cache's own
 * store; shared and sync must outlive the cache. */
struct session_store;
struct shard_sync;
void crypto_cache_share_sessions(crypto_cache *cache, struct session_store *shared, const struct shard_sync *sync);

/* cache may be NULL (no resumption across connections). */
tls_crypto *crypto_new(const dissect_config *cfg, conn_state *c, crypto_cache *cache);
/* Zeroises every secret. */
void crypto_free(tls_crypto *t);

typedef void (*crypto_event_fn)(void *ctx, const char *name, const uint8_t *value, size_t n,
                                const char *explanation);
void crypto_set_event_sink(tls_crypto *t, crypto_event_fn fn, void *ctx);

typedef enum crypto_status {
    CRYPTO_PLAINTEXT,    /* no protection active for this record */
    CRYPTO_DECRYPTED,    /* out holds the plaintext, *inner_type its content type */
    CRYPTO_NO_KEYS,      /* protected, and we lack the keys */
    CRYPTO_AUTH_FAILED,  /* tag, MAC or padding wrong: the keys do not fit */
    CRYPTO_MALFORMED,    /* cannot be a protected record (too short, no content type) */
} crypto_status;

const char *crypto_status_name(crypto_status s);   /* "decrypted", ... */

/* One record of direction dir: the header's type and version, its fragment
 * rec[0..len).  out must have room for len bytes.  *inner_type is the
 * content type to use (TLS 1.3: the inner one).  Plaintext may exceed 2^14
 * (a buggy peer): it is returned, and crypto_detail() says so. */
crypto_status crypto_open(tls_crypto *t, direction dir, uint8_t content_type, uint16_t version,
                          const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len,
                          uint8_t *inner_type);

/* One sentence about the last crypto_open() that did not return
 * CRYPTO_PLAINTEXT/DECRYPTED, or an oddity of the last one that did; "" if
 * nothing. */
const char *crypto_detail(const tls_crypto *t);

/* TLS <= 1.2: the pending read state of that direction becomes active.
 * Ignored in TLS 1.3. */
void crypto_change_cipher_spec(tls_crypto *t, direction dir);

typedef enum crypto_finished {
    CRYPTO_FINISHED_NONE,       /* not a Finished message */
    CRYPTO_FINISHED_UNCHECKED,  /* a Finished, but we lack the secrets to check it */
    CRYPTO_FINISHED_VERIFIED,   /* verify_data is what the transcript and keys give */
    CRYPTO_FINISHED_MISMATCH,   /* it is not */
} crypto_finished;

/* A complete handshake message (4-byte header included), plaintext.  Keeps
 * the transcript hashes, derives keys at the right messages, and for a
 * Finished message returns the check of its verify_data. */
crypto_finished crypto_handshake(tls_crypto *t, direction dir, const uint8_t *msg, size_t len);

/* An SSLv2-compatible ClientHello: `msg` starts at its msg_type byte (after
 * the 2- or 3-byte SSLv2 record header); that is what the transcript hashes. */
void crypto_sslv2_client_hello(tls_crypto *t, const uint8_t *msg, size_t len);

/* The verify_data computed for the last Finished of that direction (12 bytes,
 * 36 for SSL 3.0, the hash size in TLS 1.3).  False when it was not computed. */
bool crypto_finished_expected(const tls_crypto *t, direction dir, const uint8_t **vd, size_t *n);

/* Handshake bytes were lost (a gap in the TCP stream, a message too large
 * to keep): the transcript is incomplete, so the Finished messages of this
 * handshake are reported CRYPTO_FINISHED_UNCHECKED rather than mismatched.
 * (Records crypto_open() could not decrypt count already.) */
void crypto_transcript_gap(tls_crypto *t);

/* Signatures: the ServerKeyExchange (TLS <= 1.2) and every CertificateVerify
 * checked with the public key of the certificate the signer sent.  They
 * need no secret, only the transcript, the hello randoms and the
 * certificate, so the engine is worth running without keys too.  After
 * crypto_handshake() of a message that carries a signature:
 *   CRYPTO_SIGNATURE_VERIFIED / _INVALID: *detail says what was checked
 *     ("RSA-PSS with SHA-256 over the transcript hash, 2048-bit RSA key",
 *     "... does not match the 2048-bit RSA key"), or why it cannot be
 *     valid ("the signature is RSA, but the certificate holds an EC key");
 *   CRYPTO_SIGNATURE_UNCHECKED: *detail is one of "not checked: unsupported
 *     scheme" (Ed25519, Ed448, DSA, GOST...: mbedTLS 2.28 has none of them),
 *     "not checked: no certificate" (not seen, empty, or mbedTLS cannot read
 *     its key), "not checked: transcript incomplete" (bytes lost, or the
 *     ClientHello not seen), "not checked: transcript too large" (a TLS <=
 *     1.2 client CertificateVerify over a hash the running transcript does
 *     not keep -- SHA-224, SHA-512, or any without secrets -- needs the
 *     messages themselves: 64 KiB per connection, 16 MiB in all), "not
 *     checked: SSL 3.0", "not checked: unreadable parameters";
 *   CRYPTO_SIGNATURE_NONE for any other message (detail "").
 * detail may be NULL. */
typedef enum crypto_signature {
    CRYPTO_SIGNATURE_NONE,
    CRYPTO_SIGNATURE_VERIFIED,
    CRYPTO_SIGNATURE_INVALID,
    CRYPTO_SIGNATURE_UNCHECKED,
} crypto_signature;

crypto_signature crypto_last_signature(const tls_crypto *t, const char **detail);

/* The server certificate (the first of the server's Certificate message,
 * DER).  crypto_handshake() finds it in the Certificate message itself; call
 * this only if the session gets it another way (e.g. after decompression). */
void crypto_server_certificate(tls_crypto *t, const uint8_t *der, size_t len);

/* Whether records of that direction are under protection now (keys or not). */
bool crypto_protected(const tls_crypto *t, direction dir);
/* Whether we hold the keys for that direction's current protection. */
bool crypto_has_keys(const tls_crypto *t, direction dir);
/* "AES-128-GCM", "AES-128-CBC with HMAC-SHA1", or NULL without keys. */
const char *crypto_cipher_description(const tls_crypto *t, direction dir);

#endif
