/* Client and server fingerprints of a handshake:
 *
 *   JA3   MD5 of "version,ciphers,extensions,groups,point_formats", each
 *         list in wire order as decimal numbers joined by '-', GREASE left
 *         out (the salesforce/ja3 definition).
 *   JA3S  MD5 of "version,cipher,extensions" of the ServerHello.
 *   JA4   FoxIO's "t13d1516h2_8daaf6152771_e5627efa2ab1": protocol, version,
 *         SNI or not, counts, ALPN first/last character, then truncated
 *         SHA-256 of the sorted ciphers and of the sorted extensions (SNI
 *         and ALPN left out) followed by the signature algorithms in wire
 *         order.
 *
 * The inputs are plain lists the hello decoder collected; these functions
 * never see wire bytes. */
#ifndef TLSVIEW_FINGERPRINT_H
#define TLSVIEW_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a ClientHello offered, every list in wire order, GREASE included
 * (the functions below skip it). */
typedef struct fp_client_hello {
    bool quic;                        /* JA4 "q" instead of "t" */
    bool dtls;                        /* JA4 "d" instead of "t" */
    uint16_t legacy_version;
    const uint16_t *ciphers;
    size_t n_ciphers;
    const uint16_t *extensions;
    size_t n_extensions;
    const uint16_t *groups;           /* supported_groups */
    size_t n_groups;
    const uint8_t *point_formats;     /* ec_point_formats */
    size_t n_point_formats;
    const uint16_t *sig_algs;         /* signature_algorithms */
    size_t n_sig_algs;
    const uint16_t *versions;         /* supported_versions */
    size_t n_versions;
    bool has_sni;                     /* a server_name extension is present */
    const uint8_t *alpn_first;        /* first ALPN protocol, NULL if none */
    size_t alpn_first_len;
} fp_client_hello;

enum {
    FP_MD5_HEX = 33,                  /* 32 hex digits + NUL */
    FP_JA4_MAX = 40,                  /* "t13d1516h2_" + 12 + "_" + 12 + NUL = 37 */
};

/* Writes the JA3 string into out[cap] (always NUL-terminated when cap > 0)
 * and returns its full length, like snprintf: a result >= cap means it
 * was cut. */
size_t fp_ja3_string(const fp_client_hello *h, char *out, size_t cap);
/* The most characters the JA3 string of h can take (NUL not counted):
 * with cap above this the string is built in one pass, never cut. */
size_t fp_ja3_bound(const fp_client_hello *h);
/* The JA3S string of a ServerHello. */
size_t fp_ja3s_string(uint16_t version, uint16_t cipher, const uint16_t *extensions,
                      size_t n_extensions, char *out, size_t cap);
/* The most characters a JA3S string with n_extensions can take. */
size_t fp_ja3s_bound(size_t n_extensions);
/* Lowercase hex MD5 of text[0..n). */
void fp_md5_hex(const char *text, size_t n, char out[FP_MD5_HEX]);
/* JA4 into out[FP_JA4_MAX]. */
void fp_ja4(const fp_client_hello *h, char out[FP_JA4_MAX]);
/* JA4_r, the raw form before hashing (sorted lists), into out[cap];
 * returns the full length like fp_ja3_string. */
size_t fp_ja4_raw(const fp_client_hello *h, char *out, size_t cap);
/* The most characters the JA4_r string of h can take. */
size_t fp_ja4_raw_bound(const fp_client_hello *h);
/* JA4 and JA4_r at once: JA4 hashes parts of JA4_r, so the lists are
 * sorted and written once for both.  raw[cap] as in fp_ja4_raw. */
size_t fp_ja4_and_raw(const fp_client_hello *h, char ja4[FP_JA4_MAX], char *raw, size_t cap);

#endif
