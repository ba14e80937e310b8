#include "dissect/keyring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/md.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>

#include "dissect/cursor.h"
#include "dissect/format.h"
#include "dissect/pms_pool.h"
#include "dissect/rsa_private.h"

struct server_key {
    char name[256];
    mbedtls_pk_context pk;
};

/* The last few decryptions.  The same encrypted pre-master secret comes
 * back whenever the same connection is in a capture twice (traffic seen
 * on two interfaces, merged files, the benchmark's cloned flows), and an
 * RSA private operation is the dearest thing tlsview does. */
enum { RECENT_ANSWERS = 64 };

typedef struct recent_answer {
    bool used;
    size_t key;                    /* index in keys[] */
    size_t len;
    uint8_t enc[MBEDTLS_MPI_MAX_SIZE];
    int ret;                       /* mbedTLS's answer */
    size_t olen;
    uint8_t pms[48];               /* when olen is 48 */
} recent_answer;

struct keyring {
    server_key *keys[KEYRING_MAX_KEYS];
    recent_answer *recent;         /* RECENT_ANSWERS of them, allocated on first use */
    size_t next_recent;
    size_t n;
    bool rng_ready;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    pms_pool *pool;                /* NULL until keyring_start_workers */
    rsa_private_key *fast[KEYRING_MAX_KEYS];   /* keys[i] for rsa_private.c, or NULL */
    const mbedtls_rsa_context *pool_keys[KEYRING_MAX_KEYS];
    size_t pool_index[KEYRING_MAX_KEYS];   /* keys[i] is the pool's key pool_index[i] */
};

keyring *keyring_new(void)
{
    keyring *kr = calloc(1, sizeof *kr);
    if (!kr) return NULL;
    mbedtls_entropy_init(&kr->entropy);
    mbedtls_ctr_drbg_init(&kr->drbg);
    return kr;
}

void keyring_free(keyring *kr)
{
    if (!kr) return;
    pms_pool_free(kr->pool);
    if (kr->recent) {
        mbedtls_platform_zeroize(kr->recent, RECENT_ANSWERS * sizeof *kr->recent);
        free(kr->recent);
    }
    for (size_t i = 0; i < kr->n; i++) {
        rsa_private_key_free(kr->fast[i]);      /* zeroises */
        mbedtls_pk_free(&kr->keys[i]->pk);      /* zeroises the key material */
        mbedtls_platform_zeroize(kr->keys[i], sizeof *kr->keys[i]);
        free(kr->keys[i]);
    }
    mbedtls_ctr_drbg_free(&kr->drbg);
    mbedtls_entropy_free(&kr->entropy);
    free(kr);
}

size_t keyring_count(const keyring *kr) { return kr ? kr->n : 0; }

size_t keyring_rsa_count(const keyring *kr)
{
    size_t n = 0;
    for (size_t i = 0; kr && i < kr->n; i++)
        n += server_key_is_rsa(kr->keys[i]);
    return n;
}

const server_key *keyring_key(const keyring *kr, size_t i) { return kr && i < kr->n ? kr->keys[i] : NULL; }
const char *server_key_name(const server_key *k) { return k->name; }
bool server_key_is_rsa(const server_key *k) { return mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_RSA); }
size_t server_key_bits(const server_key *k) { return mbedtls_pk_get_bitlen(&k->pk); }
const char *server_key_type(const server_key *k)
{
    switch (mbedtls_pk_get_type(&k->pk)) {
    case MBEDTLS_PK_RSA: case MBEDTLS_PK_RSASSA_PSS: return "RSA";
    case MBEDTLS_PK_ECKEY: case MBEDTLS_PK_ECKEY_DH: case MBEDTLS_PK_ECDSA: return "EC";
    default: return mbedtls_pk_get_name(&k->pk);
    }
}

/* ---- DER, just enough for PKCS#8 and a certificate's public key ---- */

/* One TLV with the expected tag; *inner is its content, *tlv and *tlv_len
 * the whole element.  Definite lengths up to 4 bytes only (DER). */
static bool der_next(cursor *c, uint8_t tag, cursor *inner, const uint8_t **tlv, size_t *tlv_len)
{
    cursor save = *c;
    size_t start = cur_offset(c);
    uint8_t t, l0;
    if (!cur_u8(c, &t) || t != tag || !cur_u8(c, &l0)) goto fail;
    size_t len = l0;
    if (l0 & 0x80) {
        unsigned nb = l0 & 0x7f;
        if (nb == 0 || nb > 4) goto fail;
        len = 0;
        for (unsigned i = 0; i < nb; i++) {
            uint8_t b;
            if (!cur_u8(c, &b)) goto fail;
            len = len << 8 | b;
        }
    }
    if (!cur_sub(c, len, inner)) goto fail;
    if (tlv) {
        if (!cur_span(c, start, cur_offset(c), tlv)) goto fail;
        *tlv_len = cur_offset(c) - start;
    }
    return true;
fail:
    *c = save;
    c->failed = true;
    return false;
}

static bool der_is(cursor *c, uint8_t tag)
{
    uint8_t t;
    return cur_peek_u8(c, 0, &t) && t == tag;
}

static bool oid_eq(cursor oid, const uint8_t *want, size_t n)
{
    const uint8_t *p;
    return cur_left(&oid) == n && cur_bytes(&oid, n, &p) && memcmp(p, want, n) == 0;
}

/* The whole content of an element, as a pointer and length. */
static const uint8_t *content(cursor c, size_t *n)
{
    const uint8_t *p;
    cur_skip_rest(&c, &p, n);
    return p;
}

enum { DER_SEQ = 0x30, DER_INT = 0x02, DER_OCTETS = 0x04, DER_OID = 0x06, DER_NULL = 0x05 };

static const uint8_t OID_PBES2[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d };
static const uint8_t OID_PBKDF2[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c };
static const uint8_t OID_HMAC_PREFIX[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02 };
static const uint8_t OID_AES_PREFIX[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01 };

/* PKCS#8 EncryptedPrivateKeyInfo with PBES2 / PBKDF2 / AES-CBC, which
 * mbedTLS 2.28 does not decrypt by itself.  Returns 0 with the decrypted
 * PrivateKeyInfo in *plain (malloc'd), 1 if the DER is not of that shape,
 * 2 if the password is wrong (bad padding), 4 if trying a password would
 * take too long, -1 on failure. */
static int pbes2_aes_decrypt(const uint8_t *der, size_t len, const char *password,
                             uint8_t **plain, size_t *plain_len)
{
    cursor c = cur_make(der, len), epki, alg, oid, params, kdf, kdf_oid, kdf_params, salt, iter,
           scheme, enc_oid, iv, data;
    if (!der_next(&c, DER_SEQ, &epki, NULL, NULL)) return 1;
    if (!der_next(&epki, DER_SEQ, &alg, NULL, NULL) || !der_next(&alg, DER_OID, &oid, NULL, NULL) ||
        !oid_eq(oid, OID_PBES2, sizeof OID_PBES2) || !der_next(&alg, DER_SEQ, &params, NULL, NULL))
        return 1;
    if (!der_next(&params, DER_SEQ, &kdf, NULL, NULL) || !der_next(&kdf, DER_OID, &kdf_oid, NULL, NULL) ||
        !oid_eq(kdf_oid, OID_PBKDF2, sizeof OID_PBKDF2) ||
        !der_next(&kdf, DER_SEQ, &kdf_params, NULL, NULL) ||
        !der_next(&kdf_params, DER_OCTETS, &salt, NULL, NULL) ||
        !der_next(&kdf_params, DER_INT, &iter, NULL, NULL))
        return 1;
    uint64_t iterations = 0;
    while (!cur_empty(&iter)) {
        uint8_t b;
        cur_u8(&iter, &b);
        iterations = iterations << 8 | b;
        if (iterations > KEYRING_MAX_PBKDF2_ITERATIONS) return 4;
    }
    size_t key_len_field = 0;
    if (der_is(&kdf_params, DER_INT)) {
        cursor kl;
        if (!der_next(&kdf_params, DER_INT, &kl, NULL, NULL)) return 1;
        while (!cur_empty(&kl)) {
            uint8_t b;
            cur_u8(&kl, &b);
            key_len_field = key_len_field << 8 | b;
            if (key_len_field > 64) return 1;
        }
    }
    mbedtls_md_type_t prf = MBEDTLS_MD_SHA1;
    if (der_is(&kdf_params, DER_SEQ)) {
        cursor prf_alg, prf_oid;
        if (!der_next(&kdf_params, DER_SEQ, &prf_alg, NULL, NULL)) return 1;
        uint8_t last = 0;
        cursor prefix;
        if (!der_next(&prf_alg, DER_OID, &prf_oid, NULL, NULL) || cur_left(&prf_oid) != 8 ||
            !cur_sub(&prf_oid, sizeof OID_HMAC_PREFIX, &prefix) ||
            !oid_eq(prefix, OID_HMAC_PREFIX, sizeof OID_HMAC_PREFIX) || !cur_u8(&prf_oid, &last))
            return 1;
        switch (last) {
        case 7: prf = MBEDTLS_MD_SHA1; break;
        case 8: prf = MBEDTLS_MD_SHA224; break;
        case 9: prf = MBEDTLS_MD_SHA256; break;
        case 10: prf = MBEDTLS_MD_SHA384; break;
        case 11: prf = MBEDTLS_MD_SHA512; break;
        default: return 1;
        }
    }
    uint8_t aes_kind = 0;
    cursor aes_prefix;
    if (!der_next(&params, DER_SEQ, &scheme, NULL, NULL) ||
        !der_next(&scheme, DER_OID, &enc_oid, NULL, NULL) || cur_left(&enc_oid) != 9 ||
        !cur_sub(&enc_oid, sizeof OID_AES_PREFIX, &aes_prefix) ||
        !oid_eq(aes_prefix, OID_AES_PREFIX, sizeof OID_AES_PREFIX) || !cur_u8(&enc_oid, &aes_kind) ||
        !der_next(&scheme, DER_OCTETS, &iv, NULL, NULL) || cur_left(&iv) != 16 ||
        !der_next(&epki, DER_OCTETS, &data, NULL, NULL))
        return 1;
    size_t key_len;
    switch (aes_kind) {
    case 0x02: key_len = 16; break;     /* aes128-CBC */
    case 0x16: key_len = 24; break;     /* aes192-CBC */
    case 0x2a: key_len = 32; break;     /* aes256-CBC */
    default: return 1;
    }
    if (key_len_field && key_len_field != key_len) return 1;
    size_t n, salt_len, iv_len;
    const uint8_t *data_p = content(data, &n), *salt_p = content(salt, &salt_len), *iv_p = content(iv, &iv_len);
    if (n == 0 || n % 16) return 2;
    if (!password) return 3;

    uint8_t key[32], ivb[16];
    memcpy(ivb, iv_p, 16);
    mbedtls_md_context_t md;
    mbedtls_md_init(&md);
    int rc = -1;
    uint8_t *out = malloc(n);
    if (!out) goto done;
    if (mbedtls_md_setup(&md, mbedtls_md_info_from_type(prf), 1) != 0 ||
        mbedtls_pkcs5_pbkdf2_hmac(&md, (const uint8_t *)password, strlen(password), salt_p,
                                  salt_len, (unsigned)iterations, (uint32_t)key_len, key) != 0)
        goto done;
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    int arc = mbedtls_aes_setkey_dec(&aes, key, (unsigned)key_len * 8);
    if (arc == 0) arc = mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_DECRYPT, n, ivb, data_p, out);
    mbedtls_aes_free(&aes);
    if (arc != 0) goto done;
    /* PKCS#7 padding: 1..16 bytes of the pad length */
    cursor pc = cur_make(out, n);
    uint8_t pad = 0;
    cur_peek_u8(&pc, n - 1, &pad);
    bool ok = pad >= 1 && pad <= 16;
    for (size_t i = 0; ok && i < pad; i++) {
        uint8_t b = 0;
        cur_peek_u8(&pc, n - 1 - i, &b);
        ok = b == pad;
    }
    if (!ok) {
        rc = 2;
        goto done;
    }
    *plain = out;
    *plain_len = n - pad;
    out = NULL;
    rc = 0;
done:
    mbedtls_platform_zeroize(key, sizeof key);
    mbedtls_md_free(&md);
    if (out) {
        mbedtls_platform_zeroize(out, n);
        free(out);
    }
    return rc;
}

static bool has_text(const uint8_t *data, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0) return true;
    return false;
}

keyring_result keyring_add_buffer(keyring *kr, const char *name, const uint8_t *data, size_t len,
                                  const char *password, char *msg, size_t msglen)
{
    if (kr->n == KEYRING_MAX_KEYS) {
        text_format(msg, msglen, "%s: too many keys (at most %d)", name, KEYRING_MAX_KEYS);
        return KEYRING_ERROR;
    }
    bool pem = has_text(data, len, "-----BEGIN");
    /* mbedTLS wants PEM text NUL-terminated, the NUL counted. */
    uint8_t *buf = malloc(len + 1);
    if (!buf) {
        text_format(msg, msglen, "%s: out of memory", name);
        return KEYRING_ERROR;
    }
    memcpy(buf, data, len);
    buf[len] = 0;
    size_t buflen = pem ? len + 1 : len;
    const uint8_t *pw = (const uint8_t *)password;
    size_t pwlen = password ? strlen(password) : 0;

    server_key *k = calloc(1, sizeof *k);
    if (!k) {
        mbedtls_platform_zeroize(buf, len + 1);
        free(buf);
        text_format(msg, msglen, "%s: out of memory", name);
        return KEYRING_ERROR;
    }
    text_format(k->name, sizeof k->name, "%s", name);
    mbedtls_pk_init(&k->pk);
    int r = mbedtls_pk_parse_key(&k->pk, buf, buflen, pw, pwlen);
    bool too_costly = false;
    if (r != 0 && r != MBEDTLS_ERR_PK_PASSWORD_REQUIRED && r != MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        /* PKCS#8 with PBES2 + AES: decrypt it here, then parse the result. */
        const uint8_t *der = buf;
        size_t der_len = len;
        mbedtls_pem_context pemctx;
        mbedtls_pem_init(&pemctx);
        if (pem) {
            size_t used;
            if (mbedtls_pem_read_buffer(&pemctx, "-----BEGIN ENCRYPTED PRIVATE KEY-----",
                                        "-----END ENCRYPTED PRIVATE KEY-----", buf, NULL, 0,
                                        &used) == 0)
            {
                der = pemctx.buf;
                der_len = pemctx.buflen;
            }
            else
                der = NULL;
        }
        uint8_t *plain = NULL;
        size_t plain_len = 0;
        int d = der ? pbes2_aes_decrypt(der, der_len, password, &plain, &plain_len) : 1;
        if (d == 0) {
            mbedtls_pk_free(&k->pk);
            mbedtls_pk_init(&k->pk);
            r = mbedtls_pk_parse_key(&k->pk, plain, plain_len, NULL, 0);
            if (r != 0) r = MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
            mbedtls_platform_zeroize(plain, plain_len);
            free(plain);
        } else if (d == 2) {
            r = MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
        } else if (d == 3) {
            r = MBEDTLS_ERR_PK_PASSWORD_REQUIRED;
        } else if (d == 4) {
            too_costly = true;
        }
        mbedtls_pem_free(&pemctx);
    }
    bool is_cert = has_text(buf, len, "-----BEGIN CERTIFICATE");
    bool is_pub = has_text(buf, len, "PUBLIC KEY-----");
    mbedtls_platform_zeroize(buf, len + 1);
    free(buf);
    if (too_costly) {
        text_format(msg, msglen, "%s is encrypted with more than %u PBKDF2 iterations, which would take minutes to "
                    "try: decrypt it first (openssl pkey) or re-encrypt it with fewer (openssl pkcs8 -topk8 -iter)",
                    name, (unsigned)KEYRING_MAX_PBKDF2_ITERATIONS);
        mbedtls_pk_free(&k->pk);
        free(k);
        return KEYRING_ERROR;
    }
    if (r != 0) {
        if (r == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
            text_format(msg, msglen, "%s needs a password: give --key-password or set TLSVIEW_KEY_PASSWORD", name);
        else if (r == MBEDTLS_ERR_PK_PASSWORD_MISMATCH)
            text_format(msg, msglen, "%s is encrypted: the password is wrong", name);
        else if (is_cert)
            text_format(msg, msglen, "%s is a certificate, not a private key: give the server's private key file", name);
        else if (is_pub)
            text_format(msg, msglen, "%s is a public key: decryption needs the server's private key", name);
        else
            text_format(msg, msglen, "%s is not a private key tlsview can read: expected PEM or DER, PKCS#1 or PKCS#8", name);
        mbedtls_pk_free(&k->pk);
        free(k);
        return KEYRING_ERROR;
    }
    kr->keys[kr->n++] = k;
    if (!server_key_is_rsa(k)) {
        text_format(msg, msglen,
                    "%s is a %zu-bit %s key: kept to recognise its server, but it cannot decrypt "
                    "anything (only RSA key exchange can be decrypted with a server key; use a key log, -l)",
                    name, server_key_bits(k), server_key_type(k));
        return KEYRING_NOT_RSA;
    }
    kr->fast[kr->n - 1] = rsa_private_key_new(mbedtls_pk_rsa(k->pk));
    if (msglen) msg[0] = 0;
    return KEYRING_OK;
}

keyring_result keyring_add_file(keyring *kr, const char *path, const char *password,
                                char *msg, size_t msglen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        text_format(msg, msglen, "%s: cannot open the key file: %s", path, strerror(errno));
        return KEYRING_ERROR;
    }
    uint8_t *data = malloc(KEYRING_MAX_FILE + 1);
    if (!data) {
        fclose(fp);
        text_format(msg, msglen, "%s: out of memory", path);
        return KEYRING_ERROR;
    }
    size_t n = fread(data, 1, KEYRING_MAX_FILE + 1, fp);
    bool err = ferror(fp) != 0;
    fclose(fp);
    keyring_result res;
    if (err) {
        text_format(msg, msglen, "%s: cannot read the key file", path);
        res = KEYRING_ERROR;
    } else if (n > KEYRING_MAX_FILE) {
        text_format(msg, msglen, "%s is larger than %d bytes: not a key file", path, KEYRING_MAX_FILE);
        res = KEYRING_ERROR;
    } else if (n == 0) {
        text_format(msg, msglen, "%s is empty: expected a private key", path);
        res = KEYRING_ERROR;
    } else {
        res = keyring_add_buffer(kr, path, data, n, password, msg, msglen);
    }
    mbedtls_platform_zeroize(data, n < KEYRING_MAX_FILE + 1 ? n : KEYRING_MAX_FILE + 1);
    free(data);
    return res;
}

/* The SubjectPublicKeyInfo element of a DER certificate. */
static bool cert_spki(const uint8_t *der, size_t len, const uint8_t **spki, size_t *spki_len)
{
    cursor c = cur_make(der, len), cert, tbs, skip;
    if (!der_next(&c, DER_SEQ, &cert, NULL, NULL) || !der_next(&cert, DER_SEQ, &tbs, NULL, NULL))
        return false;
    if (der_is(&tbs, 0xa0) && !der_next(&tbs, 0xa0, &skip, NULL, NULL)) return false;  /* version */
    if (!der_next(&tbs, DER_INT, &skip, NULL, NULL)) return false;                      /* serial */
    for (int i = 0; i < 4; i++)   /* signature, issuer, validity, subject */
        if (!der_next(&tbs, DER_SEQ, &skip, NULL, NULL)) return false;
    return der_next(&tbs, DER_SEQ, &skip, spki, spki_len);
}

const server_key *keyring_match(const keyring *kr, const uint8_t *cert_der, size_t len,
                                keyring_match_status *status)
{
    keyring_match_status dummy;
    if (!status) status = &dummy;
    if (!kr || kr->n == 0) {
        *status = KEYRING_EMPTY;
        return NULL;
    }
    const uint8_t *spki;
    size_t spki_len;
    mbedtls_pk_context pub;
    mbedtls_pk_init(&pub);
    if (!cert_spki(cert_der, len, &spki, &spki_len) ||
        mbedtls_pk_parse_public_key(&pub, spki, spki_len) != 0) {
        mbedtls_pk_free(&pub);
        *status = KEYRING_BAD_CERT;
        return NULL;
    }
    const server_key *found = NULL;
    for (size_t i = 0; i < kr->n && !found; i++)
        if (mbedtls_pk_get_type(&pub) == mbedtls_pk_get_type(&kr->keys[i]->pk) &&
            mbedtls_pk_check_pair(&pub, &kr->keys[i]->pk) == 0)
            found = kr->keys[i];
    mbedtls_pk_free(&pub);
    *status = found ? KEYRING_MATCH : KEYRING_NO_MATCH;
    return found;
}

static const recent_answer *recent_find(const keyring *kr, size_t key, const uint8_t *enc, size_t len)
{
    for (size_t j = 0; kr->recent && j < RECENT_ANSWERS; j++) {
        const recent_answer *a = &kr->recent[j];
        if (a->used && a->key == key && a->len == len && memcmp(a->enc, enc, len) == 0) return a;
    }
    return NULL;
}

static void recent_keep(keyring *kr, size_t key, const uint8_t *enc, size_t len, int ret, size_t olen,
                        const uint8_t *out)
{
    if (!kr->recent) kr->recent = calloc(RECENT_ANSWERS, sizeof *kr->recent);
    if (!kr->recent || len > MBEDTLS_MPI_MAX_SIZE) return;
    recent_answer *a = &kr->recent[kr->next_recent];
    kr->next_recent = (kr->next_recent + 1) % RECENT_ANSWERS;
    *a = (recent_answer){ .used = true, .key = key, .len = len, .ret = ret, .olen = olen };
    memcpy(a->enc, enc, len);
    if (ret == 0 && olen == 48) memcpy(a->pms, out, 48);
}

/* Without the pool: on this thread, by rsa_private.c when it takes the key
 * on, else by mbedTLS. */
static int decrypt_here(keyring *kr, size_t i, mbedtls_rsa_context *rsa, const uint8_t *enc, uint8_t *out,
                        size_t cap, size_t *olen)
{
    int r = rsa_private_decrypt(i < kr->n ? kr->fast[i] : NULL, enc, out, cap, olen);
    if (r != RSA_PRIVATE_UNHANDLED) return r;
    return mbedtls_rsa_pkcs1_decrypt(rsa, mbedtls_ctr_drbg_random, &kr->drbg, MBEDTLS_RSA_PRIVATE, olen, enc, out,
                                     cap);
}

pms_status keyring_decrypt_pms(keyring *kr, const server_key *k, const uint8_t *enc, size_t len,
                               uint16_t client_version, uint8_t pms[48], uint16_t *pms_version)
{
    if (!server_key_is_rsa(k)) return PMS_NOT_RSA;
    mbedtls_rsa_context *rsa = mbedtls_pk_rsa(k->pk);
    size_t klen = mbedtls_rsa_get_len(rsa);
    if (len != klen || klen > MBEDTLS_MPI_MAX_SIZE) return PMS_BAD_LENGTH;
    if (!kr->rng_ready) {
        static const char pers[] = "tlsview keyring";
        if (mbedtls_ctr_drbg_seed(&kr->drbg, mbedtls_entropy_func, &kr->entropy,
                                  (const uint8_t *)pers, sizeof pers - 1) != 0)
            return PMS_BAD_PADDING;
        kr->rng_ready = true;
    }
    uint8_t out[MBEDTLS_MPI_MAX_SIZE];
    size_t olen = 0;
    int r;
    size_t i = 0;
    while (i < kr->n && kr->keys[i] != k) i++;
    const recent_answer *seen = recent_find(kr, i, enc, len);
    if (seen) {
        r = seen->ret;
        olen = seen->olen;
        if (r == 0 && olen == 48) memcpy(out, seen->pms, 48);
    } else {
        if (kr->pool && i < kr->n)
            r = pms_pool_decrypt(kr->pool, (int)kr->pool_index[i], enc, len, out, sizeof out, &olen);
        else
            r = decrypt_here(kr, i, rsa, enc, out, sizeof out, &olen);
        recent_keep(kr, i, enc, len, r, olen, out);
    }
    pms_status st;
    if (r != 0) {
        st = PMS_BAD_PADDING;
    } else if (olen != 48) {
        st = PMS_BAD_LENGTH;
    } else {
        memcpy(pms, out, 48);
        *pms_version = (uint16_t)(out[0] << 8 | out[1]);
        st = *pms_version == client_version ? PMS_OK : PMS_VERSION_MISMATCH;
    }
    mbedtls_platform_zeroize(out, sizeof out);
    return st;
}

bool keyring_start_workers(keyring *kr, unsigned workers)
{
    if (!kr || kr->pool || workers == 0) return kr && kr->pool;
    size_t n = 0;
    for (size_t i = 0; i < kr->n; i++) {
        if (!server_key_is_rsa(kr->keys[i])) continue;
        kr->pool_index[i] = n;
        kr->pool_keys[n++] = mbedtls_pk_rsa(kr->keys[i]->pk);
    }
    if (n == 0) return false;
    /* Enough room for the reader to stay a few dozen connections ahead. */
    kr->pool = pms_pool_new(kr->pool_keys, n, workers, 64);
    return kr->pool != NULL;
}

bool keyring_prefetch_pms(keyring *kr, const uint8_t *enc, size_t len, uint64_t tag)
{
    if (!kr || !kr->pool) return false;
    int key = pms_pool_key_for_length(kr->pool, len);
    return key >= 0 && pms_pool_submit(kr->pool, key, enc, len, tag);
}

void keyring_prefetch_advance(keyring *kr, uint64_t tag)
{
    if (kr && kr->pool) pms_pool_advance(kr->pool, tag);
}

void keyring_prefetch_cancel(keyring *kr)
{
    if (kr && kr->pool) pms_pool_shutdown(kr->pool);
}

uint64_t keyring_prefetch_queued(keyring *kr)
{
    return kr && kr->pool ? pms_pool_queued(kr->pool) : 0;
}
