/* X.509 certificates: what a certificate says (a field tree and a
 * cert_summary) and whether a chain was trustworthy when it was captured.
 *
 * mbedTLS parses the DER; tlsview walks only the pieces mbedTLS 2.28 does
 * not expose (iPAddress and other subjectAltName entries, the text of
 * distinguished-name values), through the cursor.  Extensions mbedTLS does
 * not know are accepted even when marked critical: an inspector shows such
 * a certificate rather than refusing it. */
#ifndef TLSVIEW_CERTIFICATE_H
#define TLSVIEW_CERTIFICATE_H

#include <stddef.h>
#include <stdint.h>

#include "dissect/config.h"
#include "dissect/conn.h"
#include "dissect/step.h"

typedef struct cert_store cert_store;

/* Loads trust anchors.  `path` is a PEM file (any number of CERTIFICATE or
 * TRUSTED CERTIFICATE blocks), a DER file holding one certificate, or a
 * directory of such files (duplicates are kept once; files without a
 * certificate are skipped).  NULL means the system bundle: $SSL_CERT_FILE
 * when set, else the first of the usual distribution locations that exists
 * (/etc/ssl/certs/ca-certificates.crt on Debian); when none exists the
 * store is empty and that is not an error.  Blocks mbedTLS cannot parse are
 * skipped.  Returns NULL, with one line in err naming the file and what to
 * do, when the file cannot be read or holds no usable certificate. */
cert_store *cert_store_load(const char *path, char *err, size_t errlen);
void cert_store_free(cert_store *cas);
/* How many certificates the store holds (0 for NULL). */
unsigned cert_store_count(const cert_store *cas);
/* The file or directory it came from, "" when nothing was found. */
const char *cert_store_source(const cert_store *cas);

/* Decodes one DER certificate that sits at [off, off+len) of s->bytes
 * (`der` points at it) and adds under `parent`:
 *   version (number), serial ("10:02", uppercase hex with colons),
 *   signature_algorithm ("sha256WithRSAEncryption", "ecdsa-with-SHA256", ...),
 *   issuer, subject (RFC 4514 order: "CN=tlsview.test, O=..., C=XX"),
 *   not_before, not_after ("2020-01-01 00:00:00 UTC"),
 *   public_key {type "RSA"/"EC"/..., bits, curve (EC only)},
 *   san [list: DNS names as is, IP addresses in text form ("2001:db8::1"),
 *        the rest "email:...", "URI:...", "other:<oid>", "RID:<oid>",
 *        "dirName"; child names dns_name, ip_address, email, ...] (when present),
 *   key_usage [list, e.g. "digitalSignature"] (when present),
 *   extended_key_usage [list, e.g. "serverAuth"] (when present),
 *   basic_constraints {ca, path_len (when limited)} (when present),
 *   sha256_fingerprint (uppercase hex with colons, as openssl prints it),
 *   self_signed (issuer equals subject and its own key verifies it).
 * Offsets: the serial, names, public key and extension entries point at
 * their own bytes; the rest cover the whole certificate.
 * A certificate mbedTLS cannot parse becomes a malformed field carrying
 * mbedTLS's reason (plus the fingerprint).  `out` (may be NULL) is cleared,
 * then filled when the certificate parses; its `validation` stays empty. */
void certificate_describe(step *s, field *parent, size_t off, size_t len,
                          const uint8_t *der, size_t der_len, cert_summary *out);

/* certificate_describe keeps the last few certificates it parsed, per
 * thread; this frees the calling thread's.  dissector_free calls it. */
void certificate_cache_clear(void);

/* Judges the chain a peer sent (ders[0] the end-entity certificate, then
 * whatever it sent after it) as of `at_time` (seconds since the epoch: the
 * capture time, not today) against `cas` (NULL or empty: no anchors), and
 * for `server_name` (the SNI; NULL or "" skips the name check; wildcards
 * "*.example.com" match exactly one label; an IP address is matched against
 * iPAddress entries).  Returns one of, in this order of precedence:
 *   "invalid"         the end-entity certificate does not parse, nothing
 *                     was sent, or the chain breaks a rule other than those
 *                     below (unusable key, algorithm, ...)
 *   "self-signed"     the end-entity certificate signed itself and is not
 *                     in the store
 *   "unknown issuer"  the chain does not lead to a certificate of the store
 *   "expired"         a certificate of the chain had expired at at_time
 *   "not yet valid"   a certificate of the chain was not yet valid at at_time
 *   "name mismatch"   the end-entity certificate is not for server_name
 *   "trusted"
 * and writes plain sentences to detail (which may be NULL; cut to fit):
 * why, then "Also, ..." for the other problems found.  Only the
 * certificates mbedTLS chains together are judged (extra ones a server
 * sends are ignored, as clients ignore them), and only the first 16 sent.
 * SHA-1 signatures and RSA keys of 1024 to 2047 bits are accepted, as they
 * were when older captures were made, and mentioned in the detail; MD5
 * signatures and shorter keys make the chain "invalid".  Checks the chain
 * for a server; for a client certificate pass server_name NULL. */
const char *certificate_validate(cert_store *cas, const uint8_t *const *ders,
                                 const size_t *lens, unsigned n, const char *server_name,
                                 double at_time, char *detail, size_t detail_len);

#endif
