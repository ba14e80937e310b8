#include "dissect/protect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/camellia.h>
#include <mbedtls/ccm.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/des.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#if defined(MBEDTLS_ARC4_C)
#include <mbedtls/arc4.h>
#endif

#include "dissect/aes_gcm.h"
#include "dissect/byteorder.h"
#include "dissect/chacha_poly.h"
#include "dissect/cursor.h"
#include "dissect/format.h"
#include "dissect/record.h"

typedef enum pkind {
    PK_NULL,        /* MAC only */
    PK_STREAM,      /* RC4 */
    PK_CBC,
    PK_GCM,
    PK_CCM,
    PK_CHACHA,
} pkind;

typedef enum pblock { PB_NONE, PB_AES, PB_CAMELLIA, PB_3DES, PB_DES } pblock;

struct protect_ctx {
    pkind kind;
    pblock blk;
    bool tls13;
    bool etm;
    bool ssl3;
    bool explicit_iv;          /* CBC, TLS 1.1+ */
    uint16_t version;
    tls_cipher_alg cipher;
    tls_mac_alg mac;
    size_t block;              /* CBC block size */
    size_t tag_len;            /* AEAD tag */
    size_t mac_len;            /* MAC output */
    uint8_t mac_key[48];
    size_t mac_key_len;
    uint8_t iv[16];            /* chained CBC IV / AEAD salt or IV */
    size_t iv_len;
    uint64_t seq;
    bool oversize;
    bool gcm_fast;             /* PK_GCM: u.fast_gcm, not mbedTLS's context */
    bool chacha_fast;          /* PK_CHACHA: u.chacha_key, not mbedTLS's context */
    size_t app_data_wanted;    /* see protect_params */
    char detail[128];
    char desc[64];
    union {
        mbedtls_aes_context aes;
        mbedtls_camellia_context camellia;
        mbedtls_des3_context des3;
        mbedtls_des_context des;
        mbedtls_gcm_context gcm;
        aes_gcm_key fast_gcm;
        uint8_t chacha_key[32];
        mbedtls_ccm_context ccm;
        mbedtls_chachapoly_context chacha;
#if defined(MBEDTLS_ARC4_C)
        mbedtls_arc4_context arc4;
#endif
    } u;
};

bool protect_cipher_supported(tls_cipher_alg c)
{
    switch (c) {
    case CIPHER_NULL:
    case CIPHER_DES_CBC: case CIPHER_3DES_EDE_CBC:
    case CIPHER_AES_128_CBC: case CIPHER_AES_256_CBC:
    case CIPHER_CAMELLIA_128_CBC: case CIPHER_CAMELLIA_256_CBC:
    case CIPHER_AES_128_GCM: case CIPHER_AES_256_GCM:
    case CIPHER_AES_128_CCM: case CIPHER_AES_256_CCM:
    case CIPHER_AES_128_CCM_8: case CIPHER_AES_256_CCM_8:
    case CIPHER_CAMELLIA_128_GCM: case CIPHER_CAMELLIA_256_GCM:
    case CIPHER_CHACHA20_POLY1305:
        return true;
#if defined(MBEDTLS_ARC4_C)
    case CIPHER_RC4_128:
        return true;
#endif
    default:
        return false;
    }
}

static const char *cipher_label(tls_cipher_alg c)
{
    switch (c) {
    case CIPHER_NULL: return "NULL";
    case CIPHER_RC4_128: return "RC4-128";
    case CIPHER_DES_CBC: return "DES-CBC";
    case CIPHER_3DES_EDE_CBC: return "3DES-EDE-CBC";
    case CIPHER_AES_128_CBC: return "AES-128-CBC";
    case CIPHER_AES_256_CBC: return "AES-256-CBC";
    case CIPHER_CAMELLIA_128_CBC: return "Camellia-128-CBC";
    case CIPHER_CAMELLIA_256_CBC: return "Camellia-256-CBC";
    case CIPHER_AES_128_GCM: return "AES-128-GCM";
    case CIPHER_AES_256_GCM: return "AES-256-GCM";
    case CIPHER_AES_128_CCM: return "AES-128-CCM";
    case CIPHER_AES_256_CCM: return "AES-256-CCM";
    case CIPHER_AES_128_CCM_8: return "AES-128-CCM-8";
    case CIPHER_AES_256_CCM_8: return "AES-256-CCM-8";
    case CIPHER_CAMELLIA_128_GCM: return "Camellia-128-GCM";
    case CIPHER_CAMELLIA_256_GCM: return "Camellia-256-GCM";
    case CIPHER_CHACHA20_POLY1305: return "ChaCha20-Poly1305";
    case CIPHER_RC4_40: return "RC4-40";
    case CIPHER_DES40_CBC: return "DES40-CBC";
    case CIPHER_ARIA_128_CBC: case CIPHER_ARIA_256_CBC:
    case CIPHER_ARIA_128_GCM: case CIPHER_ARIA_256_GCM: return "ARIA";
    case CIPHER_SEED_CBC: return "SEED";
    case CIPHER_IDEA_CBC: return "IDEA";
    case CIPHER_RC2_CBC_40: return "RC2-40";
    case CIPHER_SM4_GCM: case CIPHER_SM4_CCM: return "SM4";
    default: return "this cipher";
    }
}

static const char *mac_label(tls_mac_alg m)
{
    switch (m) {
    case MAC_MD5: return "MD5";
    case MAC_SHA1: return "SHA1";
    case MAC_SHA256: return "SHA256";
    case MAC_SHA384: return "SHA384";
    case MAC_SM3: return "SM3";
    default: return "none";
    }
}

static mbedtls_md_type_t mac_md(tls_mac_alg m)
{
    switch (m) {
    case MAC_MD5: return MBEDTLS_MD_MD5;
    case MAC_SHA1: return MBEDTLS_MD_SHA1;
    case MAC_SHA256: return MBEDTLS_MD_SHA256;
    case MAC_SHA384: return MBEDTLS_MD_SHA384;
    default: return MBEDTLS_MD_NONE;
    }
}

static void set_detail(protect_ctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(protect_ctx *pc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vformat(pc->detail, sizeof pc->detail, fmt, ap);
    va_end(ap);
}

static void free_cipher(protect_ctx *pc)
{
    switch (pc->kind) {
    case PK_CBC:
        switch (pc->blk) {
        case PB_AES: mbedtls_aes_free(&pc->u.aes); break;
        case PB_CAMELLIA: mbedtls_camellia_free(&pc->u.camellia); break;
        case PB_3DES: mbedtls_des3_free(&pc->u.des3); break;
        case PB_DES: mbedtls_des_free(&pc->u.des); break;
        default: break;
        }
        break;
    case PK_GCM:
        if (pc->gcm_fast) mbedtls_platform_zeroize(&pc->u.fast_gcm, sizeof pc->u.fast_gcm);
        else mbedtls_gcm_free(&pc->u.gcm);
        break;
    case PK_CCM: mbedtls_ccm_free(&pc->u.ccm); break;
    case PK_CHACHA:
        if (pc->chacha_fast) mbedtls_platform_zeroize(pc->u.chacha_key, sizeof pc->u.chacha_key);
        else mbedtls_chachapoly_free(&pc->u.chacha);
        break;
#if defined(MBEDTLS_ARC4_C)
    case PK_STREAM: mbedtls_arc4_free(&pc->u.arc4); break;
#endif
    default: break;
    }
}

void protect_free(protect_ctx *pc)
{
    if (!pc) return;
    free_cipher(pc);
    mbedtls_platform_zeroize(pc, sizeof *pc);
    free(pc);
}

static int setup_cipher(protect_ctx *pc, const protect_params *p, const char **why)
{
    size_t bits = p->key_len * 8;
    int rc = -1;
    switch (p->cipher) {
    case CIPHER_NULL:
        pc->kind = PK_NULL;
        return p->key_len == 0 ? 0 : -1;
#if defined(MBEDTLS_ARC4_C)
    case CIPHER_RC4_128:
        if (p->key_len != 16) return -1;
        pc->kind = PK_STREAM;
        mbedtls_arc4_init(&pc->u.arc4);
        mbedtls_arc4_setup(&pc->u.arc4, p->key, (unsigned)p->key_len);
        return 0;
#endif
    case CIPHER_AES_128_CBC: case CIPHER_AES_256_CBC:
        if (p->key_len != (p->cipher == CIPHER_AES_128_CBC ? 16u : 32u)) return -1;
        pc->kind = PK_CBC; pc->blk = PB_AES; pc->block = 16;
        mbedtls_aes_init(&pc->u.aes);
        rc = mbedtls_aes_setkey_dec(&pc->u.aes, p->key, (unsigned)bits);
        break;
    case CIPHER_CAMELLIA_128_CBC: case CIPHER_CAMELLIA_256_CBC:
        if (p->key_len != (p->cipher == CIPHER_CAMELLIA_128_CBC ? 16u : 32u)) return -1;
        pc->kind = PK_CBC; pc->blk = PB_CAMELLIA; pc->block = 16;
        mbedtls_camellia_init(&pc->u.camellia);
        rc = mbedtls_camellia_setkey_dec(&pc->u.camellia, p->key, (unsigned)bits);
        break;
    case CIPHER_3DES_EDE_CBC:
        if (p->key_len != 24) return -1;
        pc->kind = PK_CBC; pc->blk = PB_3DES; pc->block = 8;
        mbedtls_des3_init(&pc->u.des3);
        rc = mbedtls_des3_set3key_dec(&pc->u.des3, p->key);
        break;
    case CIPHER_DES_CBC:
        if (p->key_len != 8) return -1;
        pc->kind = PK_CBC; pc->blk = PB_DES; pc->block = 8;
        mbedtls_des_init(&pc->u.des);
        rc = mbedtls_des_setkey_dec(&pc->u.des, p->key);
        break;
    case CIPHER_AES_128_GCM: case CIPHER_AES_256_GCM:
    case CIPHER_CAMELLIA_128_GCM: case CIPHER_CAMELLIA_256_GCM: {
        bool camellia = p->cipher == CIPHER_CAMELLIA_128_GCM || p->cipher == CIPHER_CAMELLIA_256_GCM;
        if (p->key_len != 16 && p->key_len != 32) return -1;
        pc->kind = PK_GCM; pc->tag_len = 16;
        if (!camellia && aes_gcm_key_init(&pc->u.fast_gcm, p->key, p->key_len)) {
            pc->gcm_fast = true;
            rc = 0;
            break;
        }
        mbedtls_gcm_init(&pc->u.gcm);
        rc = mbedtls_gcm_setkey(&pc->u.gcm, camellia ? MBEDTLS_CIPHER_ID_CAMELLIA : MBEDTLS_CIPHER_ID_AES,
                                p->key, (unsigned)bits);
        break;
    }
    case CIPHER_AES_128_CCM: case CIPHER_AES_256_CCM:
    case CIPHER_AES_128_CCM_8: case CIPHER_AES_256_CCM_8:
        if (p->key_len != 16 && p->key_len != 32) return -1;
        pc->kind = PK_CCM;
        pc->tag_len = (p->cipher == CIPHER_AES_128_CCM_8 || p->cipher == CIPHER_AES_256_CCM_8) ? 8 : 16;
        mbedtls_ccm_init(&pc->u.ccm);
        rc = mbedtls_ccm_setkey(&pc->u.ccm, MBEDTLS_CIPHER_ID_AES, p->key, (unsigned)bits);
        break;
    case CIPHER_CHACHA20_POLY1305:
        if (p->key_len != 32) return -1;
        pc->kind = PK_CHACHA; pc->tag_len = 16;
        if (chacha_poly_fast_available()) {
            memcpy(pc->u.chacha_key, p->key, 32);
            pc->chacha_fast = true;
            rc = 0;
            break;
        }
        mbedtls_chachapoly_init(&pc->u.chacha);
        rc = mbedtls_chachapoly_setkey(&pc->u.chacha, p->key);
        break;
    default:
        if (why) *why = "the cipher is not supported for decryption";
        return -1;
    }
    return rc == 0 ? 0 : -1;
}

protect_ctx *protect_new(const protect_params *p, const char **why)
{
    if (why) *why = "bad key sizes for the cipher";
    if (!p || !protect_cipher_supported(p->cipher)) {
        if (why) *why = "the cipher is not supported for decryption";
        return NULL;
    }
    protect_ctx *pc = calloc(1, sizeof *pc);
    if (!pc) return NULL;
    pc->version = p->version;
    pc->app_data_wanted = p->app_data_wanted;
    pc->cipher = p->cipher;
    pc->mac = p->mac;
    pc->tls13 = p->version >= 0x0304;
    pc->ssl3 = p->version == 0x0300;
    pc->kind = PK_NULL;
    if (setup_cipher(pc, p, why) != 0) goto fail;
    bool aead = pc->kind == PK_GCM || pc->kind == PK_CCM || pc->kind == PK_CHACHA;
    if (pc->tls13 && !aead) goto fail;
    if (aead) {
        size_t want = pc->tls13 || pc->kind == PK_CHACHA ? 12 : 4;
        if (p->iv_len != want) goto fail;
    } else {
        pc->mac_len = 0;
        mbedtls_md_type_t t = mac_md(p->mac);
        const mbedtls_md_info_t *md = mbedtls_md_info_from_type(t);
        if (!md) {
            if (why) *why = "the record MAC is not supported";
            goto fail;
        }
        if (pc->ssl3 && t != MBEDTLS_MD_MD5 && t != MBEDTLS_MD_SHA1) goto fail;
        pc->mac_len = mbedtls_md_get_size(md);
        if (p->mac_key_len != pc->mac_len || p->mac_key_len > sizeof pc->mac_key) goto fail;
        memcpy(pc->mac_key, p->mac_key, p->mac_key_len);
        pc->mac_key_len = p->mac_key_len;
        pc->etm = p->encrypt_then_mac && pc->kind == PK_CBC;
        if (pc->kind == PK_CBC) {
            pc->explicit_iv = p->version >= 0x0302;
            if (pc->explicit_iv ? p->iv_len != 0 && p->iv_len != pc->block : p->iv_len != pc->block)
                goto fail;
        } else if (p->iv_len != 0) {
            goto fail;
        }
    }
    if (p->iv_len > sizeof pc->iv) goto fail;
    if (p->iv_len) memcpy(pc->iv, p->iv, p->iv_len);
    pc->iv_len = p->iv_len;
    if (aead)
        text_format(pc->desc, sizeof pc->desc, "%s", cipher_label(p->cipher));
    else
        text_format(pc->desc, sizeof pc->desc, "%s with %s%s%s", cipher_label(p->cipher),
                    pc->ssl3 ? "SSL3-MAC-" : "HMAC-", mac_label(p->mac),
                    pc->etm ? " (encrypt-then-MAC)" : "");
    if (why) *why = NULL;
    return pc;
fail:
    protect_free(pc);
    return NULL;
}

uint64_t protect_seq(const protect_ctx *pc) { return pc->seq; }
void protect_set_seq(protect_ctx *pc, uint64_t seq) { pc->seq = seq; }
const char *protect_detail(const protect_ctx *pc) { return pc->detail; }
bool protect_oversize(const protect_ctx *pc) { return pc->oversize; }
const char *protect_describe(const protect_ctx *pc) { return pc->desc; }
bool protect_is_aead(const protect_ctx *pc)
{
    return pc->kind == PK_GCM || pc->kind == PK_CCM || pc->kind == PK_CHACHA;
}

/* The MAC of a TLS record (RFC 5246 6.2.3.1) or an SSL 3.0 one (RFC 6101 5.2.3.1). */
static int record_mac(const protect_ctx *pc, uint8_t type, uint16_t version,
                      const uint8_t *data, size_t len, uint8_t *out)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(mac_md(pc->mac));
    uint8_t hdr[13];
    store_be64(hdr, pc->seq);
    hdr[8] = type;
    size_t hlen;
    if (pc->ssl3) {
        hdr[9] = (uint8_t)(len >> 8);
        hdr[10] = (uint8_t)len;
        hlen = 11;
    } else {
        hdr[9] = (uint8_t)(version >> 8);
        hdr[10] = (uint8_t)version;
        hdr[11] = (uint8_t)(len >> 8);
        hdr[12] = (uint8_t)len;
        hlen = 13;
    }
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = -1;
    if (!pc->ssl3) {
        if (mbedtls_md_setup(&ctx, md, 1) == 0 &&
            mbedtls_md_hmac_starts(&ctx, pc->mac_key, pc->mac_key_len) == 0 &&
            mbedtls_md_hmac_update(&ctx, hdr, hlen) == 0 &&
            mbedtls_md_hmac_update(&ctx, data, len) == 0 &&
            mbedtls_md_hmac_finish(&ctx, out) == 0)
            rc = 0;
    } else {
        /* hash(MAC_write_secret + pad_2 + hash(MAC_write_secret + pad_1 + seq_num +
         *      type + length + content)); pad is 48 bytes for MD5, 40 for SHA-1 */
        uint8_t pad[48], inner[20];
        size_t padn = pc->mac_len == 16 ? 48 : 40;
        memset(pad, 0x36, padn);
        if (mbedtls_md_setup(&ctx, md, 0) == 0 && mbedtls_md_starts(&ctx) == 0 &&
            mbedtls_md_update(&ctx, pc->mac_key, pc->mac_key_len) == 0 &&
            mbedtls_md_update(&ctx, pad, padn) == 0 && mbedtls_md_update(&ctx, hdr, hlen) == 0 &&
            mbedtls_md_update(&ctx, data, len) == 0 && mbedtls_md_finish(&ctx, inner) == 0) {
            memset(pad, 0x5c, padn);
            if (mbedtls_md_starts(&ctx) == 0 &&
                mbedtls_md_update(&ctx, pc->mac_key, pc->mac_key_len) == 0 &&
                mbedtls_md_update(&ctx, pad, padn) == 0 &&
                mbedtls_md_update(&ctx, inner, pc->mac_len) == 0 &&
                mbedtls_md_finish(&ctx, out) == 0)
                rc = 0;
        }
        mbedtls_platform_zeroize(inner, sizeof inner);
    }
    mbedtls_md_free(&ctx);
    return rc;
}

static bool mac_matches(const protect_ctx *pc, uint8_t type, uint16_t version,
                        const uint8_t *data, size_t len, const uint8_t *mac)
{
    uint8_t want[48];
    if (record_mac(pc, type, version, data, len, want) != 0) return false;
    uint8_t d = 0;
    for (size_t i = 0; i < pc->mac_len; i++)
        d |= (uint8_t)(want[i] ^ mac[i]);
    return d == 0;
}

static int cbc_decrypt(protect_ctx *pc, uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out)
{
    switch (pc->blk) {
    case PB_AES: return mbedtls_aes_crypt_cbc(&pc->u.aes, MBEDTLS_AES_DECRYPT, n, iv, in, out);
    case PB_CAMELLIA:
        return mbedtls_camellia_crypt_cbc(&pc->u.camellia, MBEDTLS_CAMELLIA_DECRYPT, n, iv, in, out);
    case PB_3DES: return mbedtls_des3_crypt_cbc(&pc->u.des3, MBEDTLS_DES_DECRYPT, n, iv, in, out);
    case PB_DES: return mbedtls_des_crypt_cbc(&pc->u.des, MBEDTLS_DES_DECRYPT, n, iv, in, out);
    default: return -1;
    }
}

/* The last cipher block of a CBC record becomes the next record's IV
 * (SSL 3.0, TLS 1.0). */
static void chain_iv(protect_ctx *pc, const uint8_t *frag, size_t len)
{
    if (pc->kind != PK_CBC || pc->explicit_iv || len < pc->block) return;
    cursor c = cur_make(frag, len);
    const uint8_t *last;
    if (cur_skip(&c, len - pc->block) && cur_bytes(&c, pc->block, &last))
        memcpy(pc->iv, last, pc->block);
}

/* Checks and removes CBC padding from plain[0..*n): the last byte is the
 * padding length; TLS wants every padding byte equal to it, SSL 3.0 only a
 * length below the block size. */
static bool strip_padding(protect_ctx *pc, const uint8_t *plain, size_t *n)
{
    cursor c = cur_make(plain, *n);
    uint8_t padlen = 0;
    if (*n == 0 || !cur_peek_u8(&c, *n - 1, &padlen) || (size_t)padlen + 1 > *n) {
        set_detail(pc, "bad CBC padding (length %u)", *n ? (unsigned)padlen : 0u);
        return false;
    }
    if (pc->ssl3) {
        if (padlen >= pc->block) {
            set_detail(pc, "bad SSL 3.0 padding (length %u, block %zu)", padlen, pc->block);
            return false;
        }
    } else {
        const uint8_t *pad;
        cursor pc2 = cur_make(plain, *n);
        if (!cur_skip(&pc2, *n - padlen - 1) || !cur_bytes(&pc2, (size_t)padlen + 1, &pad))
            return false;
        uint8_t d = 0;
        for (size_t i = 0; i <= padlen; i++)
            d |= (uint8_t)(pad[i] ^ padlen);
        if (d) {
            set_detail(pc, "bad CBC padding (the padding bytes are not all %u)", padlen);
            return false;
        }
    }
    *n -= (size_t)padlen + 1;
    return true;
}

/* plaintext[0..n) ends with the record MAC: checks it and gives the
 * content's length. */
static protect_status check_trailing_mac(protect_ctx *pc, uint8_t type, uint16_t version, const uint8_t *plain,
                                         size_t n, size_t *out_len)
{
    size_t content = n - pc->mac_len;
    cursor pl = cur_make(plain, n);
    const uint8_t *mac = NULL;
    cur_skip(&pl, content);
    cur_bytes(&pl, pc->mac_len, &mac);
    if (!mac_matches(pc, type, version, plain, content, mac)) {
        set_detail(pc, "the record MAC (%s%s) does not match", pc->ssl3 ? "SSL3-MAC-" : "HMAC-",
                   mac_label(pc->mac));
        return PROTECT_AUTH_FAILED;
    }
    *out_len = content;
    return PROTECT_OK;
}

static protect_status open_cbc(protect_ctx *pc, uint8_t type, uint16_t version,
                               const uint8_t *frag, size_t len, uint8_t *out, size_t *out_len)
{
    cursor c = cur_make(frag, len);
    uint8_t iv[16];
    const uint8_t *mac = NULL, *ct = NULL;
    size_t ct_len;
    size_t min = pc->explicit_iv ? pc->block : 0;
    if (pc->etm) {
        /* RFC 7366: the MAC follows the ciphertext and covers IV + ciphertext. */
        if (len < min + pc->mac_len + pc->block || (len - pc->mac_len - min) % pc->block) {
            set_detail(pc, "a %zu-byte record cannot be %s", len, pc->desc);
            chain_iv(pc, frag, len);
            return PROTECT_MALFORMED;
        }
        size_t body = len - pc->mac_len;
        const uint8_t *body_p = NULL;
        cur_bytes(&c, body, &body_p);
        cur_bytes(&c, pc->mac_len, &mac);
        bool ok = mac_matches(pc, type, version, body_p, body, mac);
        cursor b = cur_make(body_p, body);
        if (pc->explicit_iv) cur_copy(&b, iv, pc->block);
        else memcpy(iv, pc->iv, pc->block);
        cur_skip_rest(&b, &ct, &ct_len);
        chain_iv(pc, body_p, body);
        if (!ok) {
            set_detail(pc, "the record MAC (HMAC-%s, encrypt-then-MAC) does not match", mac_label(pc->mac));
            return PROTECT_AUTH_FAILED;
        }
        if (cbc_decrypt(pc, iv, ct, ct_len, out) != 0) return PROTECT_MALFORMED;
        size_t n = ct_len;
        if (!strip_padding(pc, out, &n)) return PROTECT_AUTH_FAILED;
        *out_len = n;
        return PROTECT_OK;
    }
    /* MAC-then-encrypt: decrypt, check padding, then the MAC over the content. */
    if (len < min + pc->block || (len - min) % pc->block ||
        len - min < pc->mac_len + 1) {
        set_detail(pc, "a %zu-byte record cannot be %s", len, pc->desc);
        chain_iv(pc, frag, len);
        return PROTECT_MALFORMED;
    }
    if (pc->explicit_iv) cur_copy(&c, iv, pc->block);
    else memcpy(iv, pc->iv, pc->block);
    cur_skip_rest(&c, &ct, &ct_len);
    chain_iv(pc, frag, len);
    if (cbc_decrypt(pc, iv, ct, ct_len, out) != 0) return PROTECT_MALFORMED;
    size_t n = ct_len;
    if (!strip_padding(pc, out, &n)) return PROTECT_AUTH_FAILED;
    if (n < pc->mac_len) {
        set_detail(pc, "the record is too short for its MAC after padding");
        return PROTECT_AUTH_FAILED;
    }
    return check_trailing_mac(pc, type, version, out, n, out_len);
}

static protect_status open_stream(protect_ctx *pc, uint8_t type, uint16_t version,
                                  const uint8_t *frag, size_t len, uint8_t *out, size_t *out_len)
{
    if (pc->kind == PK_STREAM) {
#if defined(MBEDTLS_ARC4_C)
        if (mbedtls_arc4_crypt(&pc->u.arc4, len, frag, out) != 0) return PROTECT_MALFORMED;
#else
        return PROTECT_MALFORMED;
#endif
    } else if (len) {
        memcpy(out, frag, len);
    }
    if (len < pc->mac_len) {
        set_detail(pc, "a %zu-byte record is too short for its %zu-byte MAC", len, pc->mac_len);
        return PROTECT_MALFORMED;
    }
    return check_trailing_mac(pc, type, version, out, len, out_len);
}

/* Bytes [from, to) of the plaintext, with the fast AEAD in use. */
static void aead_decrypt(const protect_ctx *pc, const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                         uint8_t *out)
{
    if (pc->kind == PK_GCM) aes_gcm_decrypt(&pc->u.fast_gcm, nonce, ct, from, to, out);
    else chacha_poly_decrypt(pc->u.chacha_key, nonce, ct, from, to, out);
}

/* An AEAD record of which, if it is application data, only the first
 * app_data_wanted bytes of plaintext are needed: authenticated whole,
 * decrypted in part.  TLS 1.3 hides the real type after the content, so
 * the end is decrypted first, backwards until the type shows through the
 * padding; a record that is not application data then opens whole. */
static protect_status open_aead_in_part(protect_ctx *pc, uint8_t type, const uint8_t nonce[12], const uint8_t *aad,
                                        size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
                                        uint8_t *out, size_t *out_len, uint8_t *inner_type)
{
    bool ok = pc->kind == PK_GCM ? aes_gcm_check(&pc->u.fast_gcm, nonce, aad, aad_len, ct, ct_len, tag, pc->tag_len)
                                 : chacha_poly_check(pc->u.chacha_key, nonce, aad, aad_len, ct, ct_len, tag);
    if (!ok) {
        set_detail(pc, "the %s tag does not match", pc->desc);
        return PROTECT_AUTH_FAILED;
    }
    size_t wanted = pc->app_data_wanted;
    if (!pc->tls13) {
        aead_decrypt(pc, nonce, ct, 0, ct_len < wanted ? ct_len : wanted, out);
        *out_len = ct_len;
        *inner_type = type;
        return PROTECT_OK;
    }
    size_t opened_from = ct_len;   /* [opened_from, ct_len) is decrypted */
    size_t n = ct_len;
    uint8_t b = 0;
    while (n > 0) {
        if (n == opened_from) {
            size_t from = opened_from > 64 ? opened_from - 64 : 0;
            aead_decrypt(pc, nonce, ct, from, opened_from, out);
            opened_from = from;
        }
        b = out[n - 1];
        if (b) break;
        n--;
    }
    if (n == 0) {
        set_detail(pc, "the decrypted record holds only padding, no content type");
        return PROTECT_MALFORMED;
    }
    size_t content = n - 1;
    size_t upto = b == CT_APPLICATION_DATA ? (content < wanted ? content : wanted) : opened_from;
    if (upto > opened_from) upto = opened_from;
    aead_decrypt(pc, nonce, ct, 0, upto, out);
    *inner_type = b;
    *out_len = content;
    return PROTECT_OK;
}

static protect_status open_aead(protect_ctx *pc, uint8_t type, uint16_t version,
                                const uint8_t *frag, size_t len, uint8_t *out, size_t *out_len,
                                uint8_t *inner_type)
{
    cursor c = cur_make(frag, len);
    uint8_t nonce[12], aad[13];
    size_t aad_len;
    const uint8_t *ct = NULL, *tag = NULL;
    size_t ct_len;
    bool explicit_nonce = !pc->tls13 && pc->kind != PK_CHACHA;
    size_t overhead = pc->tag_len + (explicit_nonce ? 8 : 0);
    if (len < overhead) {
        set_detail(pc, "a %zu-byte record is too short for %s", len, pc->desc);
        return PROTECT_MALFORMED;
    }
    if (explicit_nonce) {
        memcpy(nonce, pc->iv, 4);
        cur_copy(&c, nonce + 4, 8);
    } else {
        /* RFC 8446 5.3 / RFC 7905 2: the IV xor the 64-bit sequence number,
         * left-padded to 12 bytes. */
        uint8_t seq[8];
        store_be64(seq, pc->seq);
        memcpy(nonce, pc->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= seq[i];
    }
    ct_len = cur_left(&c) - pc->tag_len;
    cur_bytes(&c, ct_len, &ct);
    cur_bytes(&c, pc->tag_len, &tag);
    if (pc->tls13) {
        /* additional_data = the record header as sent */
        aad[0] = type;
        aad[1] = (uint8_t)(version >> 8);
        aad[2] = (uint8_t)version;
        aad[3] = (uint8_t)(len >> 8);
        aad[4] = (uint8_t)len;
        aad_len = 5;
    } else {
        /* seq_num + type + version + length of the plaintext */
        store_be64(aad, pc->seq);
        aad[8] = type;
        aad[9] = (uint8_t)(version >> 8);
        aad[10] = (uint8_t)version;
        aad[11] = (uint8_t)(ct_len >> 8);
        aad[12] = (uint8_t)ct_len;
        aad_len = 13;
    }
    if (pc->app_data_wanted && (pc->tls13 || type == CT_APPLICATION_DATA) &&
        ((pc->kind == PK_GCM && pc->gcm_fast) || (pc->kind == PK_CHACHA && pc->chacha_fast)))
        return open_aead_in_part(pc, type, nonce, aad, aad_len, ct, ct_len, tag, out, out_len, inner_type);
    int rc;
    switch (pc->kind) {
    case PK_GCM:
        if (pc->gcm_fast) {
            rc = aes_gcm_open(&pc->u.fast_gcm, nonce, aad, aad_len, ct, ct_len, tag, pc->tag_len, out) ? 0 : -1;
            break;
        }
        rc = mbedtls_gcm_auth_decrypt(&pc->u.gcm, ct_len, nonce, 12, aad, aad_len, tag,
                                      pc->tag_len, ct, out);
        break;
    case PK_CCM:
        rc = mbedtls_ccm_auth_decrypt(&pc->u.ccm, ct_len, nonce, 12, aad, aad_len, ct, out,
                                      tag, pc->tag_len);
        break;
    case PK_CHACHA:
        if (pc->chacha_fast) {
            rc = chacha_poly_open(pc->u.chacha_key, nonce, aad, aad_len, ct, ct_len, tag, out) ? 0 : -1;
            break;
        }
        rc = mbedtls_chachapoly_auth_decrypt(&pc->u.chacha, ct_len, nonce, aad, aad_len, tag,
                                             ct, out);
        break;
    default:
        return PROTECT_MALFORMED;
    }
    if (rc != 0) {
        set_detail(pc, "the %s tag does not match", pc->desc);
        return PROTECT_AUTH_FAILED;
    }
    if (!pc->tls13) {
        *out_len = ct_len;
        *inner_type = type;
        return PROTECT_OK;
    }
    /* TLSInnerPlaintext: content, then the real type, then zeros. */
    size_t n = ct_len;
    cursor pl = cur_make(out, ct_len);
    uint8_t b = 0;
    while (n > 0 && cur_peek_u8(&pl, n - 1, &b) && b == 0)
        n--;
    if (n == 0) {
        set_detail(pc, "the decrypted record holds only padding, no content type");
        return PROTECT_MALFORMED;
    }
    *inner_type = b;
    *out_len = n - 1;
    return PROTECT_OK;
}

protect_status protect_open(protect_ctx *pc, uint8_t type, uint16_t version,
                            const uint8_t *frag, size_t len,
                            uint8_t *out, size_t *out_len, uint8_t *inner_type)
{
    pc->detail[0] = 0;
    pc->oversize = false;
    *out_len = 0;
    *inner_type = type;
    protect_status st;
    switch (pc->kind) {
    case PK_CBC: st = open_cbc(pc, type, version, frag, len, out, out_len); break;
    case PK_GCM: case PK_CCM: case PK_CHACHA:
        st = open_aead(pc, type, version, frag, len, out, out_len, inner_type);
        break;
    default: st = open_stream(pc, type, version, frag, len, out, out_len); break;
    }
    pc->seq++;
    if (st != PROTECT_OK) {
        *out_len = 0;
        return st;
    }
    if (*out_len > PROTECT_MAX_PLAINTEXT) {
        pc->oversize = true;
        set_detail(pc, "plaintext is %zu bytes, more than the %u the protocol allows",
                   *out_len, (unsigned)PROTECT_MAX_PLAINTEXT);
    }
    return PROTECT_OK;
}

bool protect_skip(protect_ctx *pc, const uint8_t *frag, size_t len)
{
    if (pc->kind == PK_STREAM) {
#if defined(MBEDTLS_ARC4_C)
        /* Run the key stream over the record so the next one lines up. */
        uint8_t scratch[256];
        cursor c = cur_make(frag, len);
        while (!cur_empty(&c)) {
            size_t n = cur_left(&c) < sizeof scratch ? cur_left(&c) : sizeof scratch;
            const uint8_t *p;
            cur_bytes(&c, n, &p);
            if (mbedtls_arc4_crypt(&pc->u.arc4, n, p, scratch) != 0) return false;
        }
        mbedtls_platform_zeroize(scratch, sizeof scratch);
#else
        return false;
#endif
    }
    /* encrypt-then-MAC: the IV is the last block before the MAC */
    chain_iv(pc, frag, pc->etm && len >= pc->mac_len ? len - pc->mac_len : len);
    pc->seq++;
    return true;
}
