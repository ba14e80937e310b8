/* Names of TLS code points, from the IANA registries, kept in one place.
 * Every lookup returns NULL for a value the registry does not name; GREASE
 * values (RFC 8701) are recognised by tls_is_grease() and named "GREASE"
 * by the lookups of the registries they appear in. */
#ifndef TLSVIEW_NAMES_H
#define TLSVIEW_NAMES_H

#include <stdbool.h>
#include <stdint.h>

bool tls_is_grease(uint16_t v);                    /* 0x0a0a, 0x1a1a, ... 0xfafa */

/* "TLS 1.2", "SSL 3.0", "TLS 1.3", "DTLS 1.2", "TLS 1.3 draft 28"; NULL if unknown */
const char *tls_version_name(uint16_t v);
const char *tls_content_type_name(uint8_t t);      /* "handshake", "application_data", ... */
const char *tls_handshake_type_name(uint8_t t);    /* "client_hello", ... (snake_case RFC names) */

/* HandshakeType values the code acts on (the names table has them all). */
enum {
    HT_HELLO_REQUEST = 0, HT_CLIENT_HELLO = 1, HT_SERVER_HELLO = 2, HT_NEW_SESSION_TICKET = 4,
    HT_END_OF_EARLY_DATA = 5, HT_ENCRYPTED_EXTENSIONS = 8, HT_CERTIFICATE = 11,
    HT_SERVER_KEY_EXCHANGE = 12, HT_CERTIFICATE_REQUEST = 13, HT_SERVER_HELLO_DONE = 14,
    HT_CERTIFICATE_VERIFY = 15, HT_CLIENT_KEY_EXCHANGE = 16, HT_FINISHED = 20, HT_KEY_UPDATE = 24,
    HT_MESSAGE_HASH = 254,
};
const char *tls_cipher_suite_name(uint16_t cs);    /* "TLS_AES_128_GCM_SHA256" */
const char *tls_extension_name(uint16_t t);        /* "server_name", ... */
const char *tls_group_name(uint16_t g);            /* "x25519", "secp256r1", ... */
const char *tls_signature_scheme_name(uint16_t s); /* "rsa_pss_rsae_sha256", ... */
const char *tls_alert_description_name(uint8_t d); /* "handshake_failure", ... */
const char *tls_alert_level_name(uint8_t l);       /* "warning", "fatal" */
const char *tls_cert_compression_name(uint16_t a); /* "zlib", "brotli", "zstd" */
const char *tls_ec_point_format_name(uint8_t f);
const char *tls_psk_ke_mode_name(uint8_t m);       /* "psk_ke", "psk_dhe_ke" */
const char *tls_compression_method_name(uint8_t m);/* "null", "DEFLATE" */
const char *tls_hash_algorithm_name(uint8_t h);    /* TLS 1.2 SignatureAndHashAlgorithm halves */
const char *tls_signature_algorithm_name(uint8_t s);
const char *tls_client_certificate_type_name(uint8_t t);
const char *tls_certificate_status_type_name(uint8_t t);
const char *tls_name_type_name(uint8_t t);         /* server_name NameType: "host_name" */
const char *tls_heartbeat_mode_name(uint8_t m);
const char *tls_key_update_request_name(uint8_t r);

/* What a cipher suite is made of, for the key schedule and the narration.
 * Returns false for suites it does not know. */
typedef enum tls_kx {
    KX_NONE,        /* TLS 1.3: the key exchange is negotiated separately */
    KX_RSA, KX_DHE_RSA, KX_DHE_DSS, KX_DH_RSA, KX_DH_DSS, KX_DH_ANON,
    KX_ECDHE_RSA, KX_ECDHE_ECDSA, KX_ECDH_RSA, KX_ECDH_ECDSA, KX_ECDH_ANON,
    KX_PSK, KX_DHE_PSK, KX_RSA_PSK, KX_ECDHE_PSK, KX_SRP, KX_OTHER,
} tls_kx;

typedef enum tls_cipher_alg {
    CIPHER_NULL, CIPHER_RC4_128, CIPHER_RC4_40, CIPHER_DES_CBC, CIPHER_DES40_CBC,
    CIPHER_3DES_EDE_CBC, CIPHER_AES_128_CBC, CIPHER_AES_256_CBC,
    CIPHER_CAMELLIA_128_CBC, CIPHER_CAMELLIA_256_CBC, CIPHER_ARIA_128_CBC, CIPHER_ARIA_256_CBC,
    CIPHER_SEED_CBC, CIPHER_IDEA_CBC, CIPHER_RC2_CBC_40,
    CIPHER_AES_128_GCM, CIPHER_AES_256_GCM, CIPHER_AES_128_CCM, CIPHER_AES_256_CCM,
    CIPHER_AES_128_CCM_8, CIPHER_AES_256_CCM_8, CIPHER_CHACHA20_POLY1305,
    CIPHER_CAMELLIA_128_GCM, CIPHER_CAMELLIA_256_GCM, CIPHER_ARIA_128_GCM, CIPHER_ARIA_256_GCM,
    CIPHER_SM4_GCM, CIPHER_SM4_CCM, CIPHER_OTHER,
} tls_cipher_alg;

typedef enum tls_mac_alg {
    MAC_NONE,       /* AEAD */
    MAC_MD5, MAC_SHA1, MAC_SHA256, MAC_SHA384, MAC_SM3,
} tls_mac_alg;

typedef struct tls_suite_info {
    uint16_t code;
    tls_kx kx;
    tls_cipher_alg cipher;
    tls_mac_alg mac;         /* record MAC (MAC_NONE for AEAD) */
    tls_mac_alg prf;         /* TLS 1.2 PRF / TLS 1.3 HKDF hash: MAC_SHA256 or MAC_SHA384 */
    bool tls13;
    bool export_grade;
} tls_suite_info;

bool tls_suite_info_get(uint16_t cs, tls_suite_info *out);
const char *tls_kx_name(tls_kx kx);                /* "RSA", "ECDHE_RSA", ... */
bool tls_kx_is_forward_secret(tls_kx kx);

/* Self-checks, for the tests: each walks its tables and returns NULL when
 * every one is sorted by code with no duplicate, else the first bad table's name. */
const char *tls_names_check_tables(void);          /* names.c */
const char *tls_suites_check_table(void);          /* names_suites.c */

#endif
