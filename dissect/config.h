/* What the user asked of the dissector: limits, keys, what to show. */
#ifndef TLSVIEW_CONFIG_H
#define TLSVIEW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cert_store;   /* dissect/certificate.h */
struct keyring;      /* server private keys (decryption) */
struct keylog;       /* NSS key log (decryption) */

typedef struct dissect_config {
    bool records;                 /* also emit one step per TLS record */
    bool secrets;                 /* put secret values into key steps */
    bool data;                    /* keep whole application data plaintext */
    size_t max_message;           /* handshake message size cap (bytes) */
    const uint16_t *tls_ports;    /* ports treated as TLS even when the content does not say so */
    size_t n_tls_ports;
    struct cert_store *cas;       /* trust anchors; NULL: chains not validated */
    struct keyring *keys;
    struct keylog *keylog;
} dissect_config;

#define DISSECT_MAX_MESSAGE_DEFAULT (1u << 24)
/* Bytes of application data shown without `data`: the rest need not even
 * be decrypted (it is still authenticated). */
#define DISSECT_PREVIEW_BYTES 64

#endif
