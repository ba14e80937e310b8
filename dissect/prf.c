#include "dissect/prf.h"

#include <string.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

static const mbedtls_md_info_t *md_of(mbedtls_md_type_t t)
{
    return mbedtls_md_info_from_type(t);
}

static mbedtls_md_type_t md_type(prf_hash h)
{
    switch (h) {
    case PRF_SHA256: return MBEDTLS_MD_SHA256;
    case PRF_SHA384: return MBEDTLS_MD_SHA384;
    default: return MBEDTLS_MD_NONE;
    }
}

size_t prf_hash_len(prf_hash h)
{
    switch (h) {
    case PRF_MD5_SHA1: return 36;
    case PRF_SHA256: return 32;
    case PRF_SHA384: return 48;
    default: return 0;
    }
}

const char *prf_hash_name(prf_hash h)
{
    switch (h) {
    case PRF_MD5_SHA1: return "MD5+SHA-1";
    case PRF_SHA256: return "SHA-256";
    case PRF_SHA384: return "SHA-384";
    default: return "none";
    }
}

prf_hash prf_hash_for(uint16_t version, const tls_suite_info *suite)
{
    if (version < TLS_VERSION_TLS12)
        return PRF_MD5_SHA1;
    if (suite && suite->prf == MAC_SHA384)
        return PRF_SHA384;
    return PRF_SHA256;
}

bool prf_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (uint8_t)(a[i] ^ b[i]);
    return d == 0;
}

int prf_hash_buf(prf_hash h, const uint8_t *in, size_t len, uint8_t *out)
{
    if (h == PRF_MD5_SHA1) {
        if (mbedtls_md(md_of(MBEDTLS_MD_MD5), in, len, out) != 0) return -1;
        return mbedtls_md(md_of(MBEDTLS_MD_SHA1), in, len, out + 16) != 0 ? -1 : 0;
    }
    const mbedtls_md_info_t *md = md_of(md_type(h));
    if (!md) return -1;
    return mbedtls_md(md, in, len, out) != 0 ? -1 : 0;
}

int prf_empty_hash(prf_hash h, uint8_t *out)
{
    static const uint8_t nothing[1] = { 0 };
    return prf_hash_buf(h, nothing, 0, out);
}

/* ---- SSL 3.0 ---- */

int prf_ssl3(const uint8_t *secret, size_t secret_len,
             const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    if (out_len > 26 * 16) return -1;
    const mbedtls_md_info_t *md5 = md_of(MBEDTLS_MD_MD5), *sha1 = md_of(MBEDTLS_MD_SHA1);
    mbedtls_md_context_t c5, c1;
    mbedtls_md_init(&c5);
    mbedtls_md_init(&c1);
    int rc = -1;
    uint8_t salt[26], inner[20], block[16];
    if (mbedtls_md_setup(&c5, md5, 0) != 0 || mbedtls_md_setup(&c1, sha1, 0) != 0)
        goto done;
    for (size_t i = 0, off = 0; off < out_len; i++, off += 16) {
        memset(salt, 'A' + (int)i, i + 1);
        if (mbedtls_md_starts(&c1) || mbedtls_md_update(&c1, salt, i + 1) ||
            mbedtls_md_update(&c1, secret, secret_len) ||
            mbedtls_md_update(&c1, seed, seed_len) || mbedtls_md_finish(&c1, inner))
            goto done;
        if (mbedtls_md_starts(&c5) || mbedtls_md_update(&c5, secret, secret_len) ||
            mbedtls_md_update(&c5, inner, sizeof inner) || mbedtls_md_finish(&c5, block))
            goto done;
        size_t n = out_len - off < 16 ? out_len - off : 16;
        memcpy(out + off, block, n);
    }
    rc = 0;
done:
    mbedtls_platform_zeroize(inner, sizeof inner);
    mbedtls_platform_zeroize(block, sizeof block);
    mbedtls_md_free(&c5);
    mbedtls_md_free(&c1);
    return rc;
}

/* ---- HMAC-SHA-256 from kept key states ----
 * Every TLS 1.2 PRF and TLS 1.3 HKDF step is an HMAC, most of them with a
 * short message: with the hash states after the key's inner and outer
 * pads kept, each costs two SHA-256 blocks instead of mbedTLS's four (it
 * hashes both pads again every time), and no allocation.  The other hashes
 * go through mbedTLS. */

typedef struct hmac256_keyed {
    mbedtls_sha256_context inner, outer;   /* after the key xor ipad / opad */
} hmac256_keyed;

static void hmac256_key(hmac256_keyed *k, const uint8_t *key, size_t len)
{
    uint8_t pad[64], hashed[32];
    if (len > sizeof pad) {
        mbedtls_sha256_ret(key, len, hashed, 0);
        key = hashed;
        len = sizeof hashed;
    }
    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < len; i++) pad[i] ^= key[i];
    mbedtls_sha256_init(&k->inner);
    mbedtls_sha256_starts_ret(&k->inner, 0);
    mbedtls_sha256_update_ret(&k->inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; i++) pad[i] ^= 0x36 ^ 0x5c;
    mbedtls_sha256_init(&k->outer);
    mbedtls_sha256_starts_ret(&k->outer, 0);
    mbedtls_sha256_update_ret(&k->outer, pad, sizeof pad);
    mbedtls_platform_zeroize(pad, sizeof pad);
    mbedtls_platform_zeroize(hashed, sizeof hashed);
}

/* out = HMAC(key, a | b | c); out may be one of the inputs. */
static void hmac256(const hmac256_keyed *k, const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                    const uint8_t *c, size_t c_len, uint8_t out[32])
{
    uint8_t inner[32];
    mbedtls_sha256_context w = k->inner;   /* a plain state: copying it is mbedTLS's own clone */
    if (a_len) mbedtls_sha256_update_ret(&w, a, a_len);
    if (b_len) mbedtls_sha256_update_ret(&w, b, b_len);
    if (c_len) mbedtls_sha256_update_ret(&w, c, c_len);
    mbedtls_sha256_finish_ret(&w, inner);
    w = k->outer;
    mbedtls_sha256_update_ret(&w, inner, sizeof inner);
    mbedtls_sha256_finish_ret(&w, out);
    mbedtls_platform_zeroize(&w, sizeof w);
    mbedtls_platform_zeroize(inner, sizeof inner);
}

static void hmac256_forget(hmac256_keyed *k)
{
    mbedtls_platform_zeroize(k, sizeof *k);
}

/* P_SHA256 (RFC 5246 5): A(i) and the output blocks from one keyed state. */
static void p_sha256(const uint8_t *secret, size_t secret_len, const char *label, size_t label_len,
                     const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len, bool xor_into)
{
    hmac256_keyed k;
    uint8_t a[32], block[32];
    hmac256_key(&k, secret, secret_len);
    hmac256(&k, (const uint8_t *)label, label_len, seed, seed_len, NULL, 0, a);
    for (size_t off = 0; off < out_len; off += sizeof block) {
        hmac256(&k, a, sizeof a, (const uint8_t *)label, label_len, seed, seed_len, block);
        size_t n = out_len - off < sizeof block ? out_len - off : sizeof block;
        for (size_t i = 0; i < n; i++) out[off + i] = xor_into ? (uint8_t)(out[off + i] ^ block[i]) : block[i];
        if (off + sizeof block < out_len) hmac256(&k, a, sizeof a, NULL, 0, NULL, 0, a);
    }
    hmac256_forget(&k);
    mbedtls_platform_zeroize(a, sizeof a);
    mbedtls_platform_zeroize(block, sizeof block);
}

/* HKDF-Expand (RFC 5869 2.3) with SHA-256; out_len <= 255 * 32. */
static void hkdf_expand_sha256(const uint8_t *prk, const uint8_t *info, size_t info_len, uint8_t *out,
                               size_t out_len)
{
    hmac256_keyed k;
    uint8_t t[32];
    hmac256_key(&k, prk, 32);
    for (size_t off = 0, i = 1; off < out_len; off += sizeof t, i++) {
        uint8_t counter = (uint8_t)i;
        hmac256(&k, t, off ? sizeof t : 0, info, info_len, &counter, 1, t);
        memcpy(out + off, t, out_len - off < sizeof t ? out_len - off : sizeof t);
    }
    hmac256_forget(&k);
    mbedtls_platform_zeroize(t, sizeof t);
}

static void hmac_sha256_once(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                             uint8_t out[32])
{
    hmac256_keyed k;
    hmac256_key(&k, key, key_len);
    hmac256(&k, msg, msg_len, NULL, 0, NULL, 0, out);
    hmac256_forget(&k);
}

/* ---- TLS PRF ---- */

/* P_hash(secret, label + seed), written into out (or xor-ed into it). */
static int p_hash(mbedtls_md_type_t t, const uint8_t *secret, size_t secret_len,
                  const char *label, const uint8_t *seed, size_t seed_len,
                  uint8_t *out, size_t out_len, bool xor_into)
{
    size_t label_len = strlen(label);
    if (t == MBEDTLS_MD_SHA256) {
        p_sha256(secret, secret_len, label, label_len, seed, seed_len, out, out_len, xor_into);
        return 0;
    }
    const mbedtls_md_info_t *md = md_of(t);
    if (!md) return -1;
    size_t hl = mbedtls_md_get_size(md);
    uint8_t a[64], block[64];
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = -1;
    if (mbedtls_md_setup(&ctx, md, 1) != 0 || mbedtls_md_hmac_starts(&ctx, secret, secret_len) != 0)
        goto done;
    /* A(1) = HMAC(secret, label + seed) */
    if (mbedtls_md_hmac_update(&ctx, (const uint8_t *)label, label_len) ||
        mbedtls_md_hmac_update(&ctx, seed, seed_len) || mbedtls_md_hmac_finish(&ctx, a))
        goto done;
    for (size_t off = 0; off < out_len; off += hl) {
        if (mbedtls_md_hmac_reset(&ctx) || mbedtls_md_hmac_update(&ctx, a, hl) ||
            mbedtls_md_hmac_update(&ctx, (const uint8_t *)label, label_len) ||
            mbedtls_md_hmac_update(&ctx, seed, seed_len) || mbedtls_md_hmac_finish(&ctx, block))
            goto done;
        size_t n = out_len - off < hl ? out_len - off : hl;
        for (size_t i = 0; i < n; i++)
            out[off + i] = xor_into ? (uint8_t)(out[off + i] ^ block[i]) : block[i];
        /* A(i+1) = HMAC(secret, A(i)) */
        if (mbedtls_md_hmac_reset(&ctx) || mbedtls_md_hmac_update(&ctx, a, hl) ||
            mbedtls_md_hmac_finish(&ctx, a))
            goto done;
    }
    rc = 0;
done:
    mbedtls_platform_zeroize(a, sizeof a);
    mbedtls_platform_zeroize(block, sizeof block);
    mbedtls_md_free(&ctx);
    return rc;
}

int prf_tls(prf_hash h, const uint8_t *secret, size_t secret_len, const char *label,
            const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    if (!label) return -1;
    if (h == PRF_MD5_SHA1) {
        /* RFC 2246 5: S1 is the first half, S2 the second; with an odd
         * length they share the middle byte. */
        size_t half = (secret_len + 1) / 2;
        if (p_hash(MBEDTLS_MD_MD5, secret, half, label, seed, seed_len, out, out_len, false) != 0)
            return -1;
        return p_hash(MBEDTLS_MD_SHA1, secret + (secret_len - half), half, label, seed, seed_len,
                      out, out_len, true);
    }
    if (h != PRF_SHA256 && h != PRF_SHA384) return -1;
    return p_hash(md_type(h), secret, secret_len, label, seed, seed_len, out, out_len, false);
}

int prf_master_secret(uint16_t version, prf_hash h, const uint8_t *pms, size_t pms_len,
                      const uint8_t client_random[32], const uint8_t server_random[32],
                      const uint8_t *session_hash, size_t session_hash_len,
                      uint8_t master[PRF_MASTER_LEN])
{
    uint8_t seed[64];
    memcpy(seed, client_random, 32);
    memcpy(seed + 32, server_random, 32);
    if (version == TLS_VERSION_SSL30)
        return prf_ssl3(pms, pms_len, seed, sizeof seed, master, PRF_MASTER_LEN);
    if (session_hash)
        return prf_tls(h, pms, pms_len, "extended master secret", session_hash, session_hash_len,
                       master, PRF_MASTER_LEN);
    return prf_tls(h, pms, pms_len, "master secret", seed, sizeof seed, master, PRF_MASTER_LEN);
}

int prf_key_block(uint16_t version, prf_hash h, const uint8_t master[PRF_MASTER_LEN],
                  const uint8_t client_random[32], const uint8_t server_random[32],
                  uint8_t *out, size_t out_len)
{
    uint8_t seed[64];
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    if (version == TLS_VERSION_SSL30)
        return prf_ssl3(master, PRF_MASTER_LEN, seed, sizeof seed, out, out_len);
    return prf_tls(h, master, PRF_MASTER_LEN, "key expansion", seed, sizeof seed, out, out_len);
}

static size_t mac_len_of(tls_mac_alg m)
{
    switch (m) {
    case MAC_MD5: return 16;
    case MAC_SHA1: return 20;
    case MAC_SHA256: return 32;
    case MAC_SHA384: return 48;
    default: return 0;
    }
}

bool prf_suite_sizes(uint16_t version, const tls_suite_info *suite,
                     size_t *mac_key_len, size_t *key_len, size_t *iv_len)
{
    if (!suite || suite->export_grade) return false;
    size_t key = 0, block = 0, fixed_iv = 0;
    bool aead = false;
    switch (suite->cipher) {
    case CIPHER_NULL: break;
    case CIPHER_RC4_128: key = 16; break;
    case CIPHER_DES_CBC: key = 8; block = 8; break;
    case CIPHER_3DES_EDE_CBC: key = 24; block = 8; break;
    case CIPHER_AES_128_CBC: case CIPHER_CAMELLIA_128_CBC: key = 16; block = 16; break;
    case CIPHER_AES_256_CBC: case CIPHER_CAMELLIA_256_CBC: key = 32; block = 16; break;
    case CIPHER_AES_128_GCM: case CIPHER_AES_128_CCM: case CIPHER_AES_128_CCM_8:
    case CIPHER_CAMELLIA_128_GCM:
        key = 16; fixed_iv = 4; aead = true; break;
    case CIPHER_AES_256_GCM: case CIPHER_AES_256_CCM: case CIPHER_AES_256_CCM_8:
    case CIPHER_CAMELLIA_256_GCM:
        key = 32; fixed_iv = 4; aead = true; break;
    case CIPHER_CHACHA20_POLY1305: key = 32; fixed_iv = 12; aead = true; break;
    default: return false;
    }
    if (suite->tls13 || version == TLS_VERSION_TLS13) {
        if (!aead) return false;
        *mac_key_len = 0;
        *key_len = key;
        *iv_len = 12;
        return true;
    }
    size_t mac = aead ? 0 : mac_len_of(suite->mac);
    if (!aead && mac == 0) return false;       /* a MAC we do not implement */
    *mac_key_len = mac;
    *key_len = key;
    if (aead) *iv_len = fixed_iv;
    else if (block && version <= TLS_VERSION_TLS10) *iv_len = block;
    else *iv_len = 0;
    return true;
}

int prf_key_material(uint16_t version, const tls_suite_info *suite, prf_hash h,
                     const uint8_t master[PRF_MASTER_LEN],
                     const uint8_t client_random[32], const uint8_t server_random[32],
                     tls_key_material *km)
{
    memset(km, 0, sizeof *km);
    size_t mac, key, iv;
    if (!prf_suite_sizes(version, suite, &mac, &key, &iv)) return -1;
    uint8_t block[PRF_MAX_KEY_BLOCK];
    size_t need = 2 * (mac + key + iv);
    if (need > sizeof block) return -1;
    int rc = prf_key_block(version, h, master, client_random, server_random, block, need) != 0 ? -1
             : prf_split_key_block(version, suite, block, need, km);
    mbedtls_platform_zeroize(block, sizeof block);
    return rc;
}

int prf_split_key_block(uint16_t version, const tls_suite_info *suite, const uint8_t *block, size_t len,
                        tls_key_material *km)
{
    memset(km, 0, sizeof *km);
    size_t mac, key, iv;
    if (!prf_suite_sizes(version, suite, &mac, &key, &iv) || len != 2 * (mac + key + iv)) return -1;
    size_t off = 0;
    for (int i = 0; i < 2; i++, off += mac) memcpy(km->mac_key[i], block + off, mac);
    for (int i = 0; i < 2; i++, off += key) memcpy(km->key[i], block + off, key);
    for (int i = 0; i < 2; i++, off += iv) memcpy(km->iv[i], block + off, iv);
    km->mac_key_len = mac;
    km->key_len = key;
    km->iv_len = iv;
    return 0;
}

int prf_finished(prf_hash h, const uint8_t master[PRF_MASTER_LEN], bool client,
                 const uint8_t *handshake_hash, size_t hash_len, uint8_t out[12])
{
    return prf_tls(h, master, PRF_MASTER_LEN, client ? "client finished" : "server finished",
                   handshake_hash, hash_len, out, 12);
}

/* ---- TLS 1.3 ---- */

int tls13_hkdf_extract(prf_hash h, const uint8_t *salt, size_t salt_len,
                       const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
    const mbedtls_md_info_t *md = md_of(md_type(h));
    if (!md) return -1;
    static const uint8_t zeros[PRF_MAX_HASH];
    size_t hl = mbedtls_md_get_size(md);
    if (!salt || salt_len == 0) { salt = zeros; salt_len = hl; }
    if (!ikm) { ikm = zeros; ikm_len = hl; }
    if (h == PRF_SHA256) {     /* HKDF-Extract is HMAC(salt, IKM) */
        hmac_sha256_once(salt, salt_len, ikm, ikm_len, out);
        return 0;
    }
    return mbedtls_hkdf_extract(md, salt, salt_len, ikm, ikm_len, out) != 0 ? -1 : 0;
}

int tls13_expand_label(prf_hash h, const uint8_t *secret, const char *label,
                       const uint8_t *context, size_t context_len,
                       uint8_t *out, size_t out_len)
{
    const mbedtls_md_info_t *md = md_of(md_type(h));
    if (!md || !label) return -1;
    static const char prefix[] = "tls13 ";
    size_t plen = sizeof prefix - 1, llen = strlen(label);
    if (plen + llen > 255 || context_len > 255 || out_len > 0xffff) return -1;
    /* struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(plen + llen);
    memcpy(info + n, prefix, plen); n += plen;
    memcpy(info + n, label, llen); n += llen;
    info[n++] = (uint8_t)context_len;
    if (context_len) memcpy(info + n, context, context_len);
    n += context_len;
    if (h == PRF_SHA256) {
        if (out_len > 255 * 32) return -1;
        hkdf_expand_sha256(secret, info, n, out, out_len);
        return 0;
    }
    return mbedtls_hkdf_expand(md, secret, mbedtls_md_get_size(md), info, n, out, out_len) != 0
        ? -1 : 0;
}

int tls13_derive_secret(prf_hash h, const uint8_t *secret, const char *label,
                        const uint8_t *transcript_hash, uint8_t *out)
{
    size_t hl = prf_hash_len(h);
    return tls13_expand_label(h, secret, label, transcript_hash, hl, out, hl);
}

int tls13_early_secret(prf_hash h, const uint8_t *psk, size_t psk_len, uint8_t *out)
{
    return tls13_hkdf_extract(h, NULL, 0, psk, psk_len, out);
}

static int extract_after_derived(prf_hash h, const uint8_t *prev, const uint8_t *ikm,
                                 size_t ikm_len, uint8_t *out)
{
    uint8_t empty[PRF_MAX_HASH], derived[PRF_MAX_HASH];
    size_t hl = prf_hash_len(h);
    int rc = -1;
    if (prf_empty_hash(h, empty) == 0 &&
        tls13_derive_secret(h, prev, "derived", empty, derived) == 0 &&
        tls13_hkdf_extract(h, derived, hl, ikm, ikm_len, out) == 0)
        rc = 0;
    mbedtls_platform_zeroize(derived, sizeof derived);
    return rc;
}

int tls13_handshake_secret(prf_hash h, const uint8_t *early_secret,
                           const uint8_t *dhe, size_t dhe_len, uint8_t *out)
{
    return extract_after_derived(h, early_secret, dhe, dhe_len, out);
}

int tls13_master_secret(prf_hash h, const uint8_t *handshake_secret, uint8_t *out)
{
    return extract_after_derived(h, handshake_secret, NULL, 0, out);
}

int tls13_traffic_keys(prf_hash h, const uint8_t *traffic_secret,
                       uint8_t *key, size_t key_len, uint8_t *iv, size_t iv_len)
{
    if (tls13_expand_label(h, traffic_secret, "key", NULL, 0, key, key_len) != 0) return -1;
    return tls13_expand_label(h, traffic_secret, "iv", NULL, 0, iv, iv_len);
}

int tls13_next_traffic_secret(prf_hash h, const uint8_t *secret, uint8_t *out)
{
    size_t hl = prf_hash_len(h);
    return tls13_expand_label(h, secret, "traffic upd", NULL, 0, out, hl);
}

int tls13_finished_key(prf_hash h, const uint8_t *base_key, uint8_t *out)
{
    size_t hl = prf_hash_len(h);
    return tls13_expand_label(h, base_key, "finished", NULL, 0, out, hl);
}

int tls13_verify_data(prf_hash h, const uint8_t *base_key, const uint8_t *transcript_hash,
                      uint8_t *out)
{
    const mbedtls_md_info_t *md = md_of(md_type(h));
    if (!md) return -1;
    size_t hl = mbedtls_md_get_size(md);
    uint8_t fk[PRF_MAX_HASH];
    int rc = -1;
    if (tls13_finished_key(h, base_key, fk) == 0) {
        if (h == PRF_SHA256) {
            hmac_sha256_once(fk, hl, transcript_hash, hl, out);
            rc = 0;
        } else if (mbedtls_md_hmac(md, fk, hl, transcript_hash, hl, out) == 0) {
            rc = 0;
        }
    }
    mbedtls_platform_zeroize(fk, sizeof fk);
    return rc;
}

int tls13_resumption_psk(prf_hash h, const uint8_t *res_master,
                         const uint8_t *nonce, size_t nonce_len, uint8_t *out)
{
    size_t hl = prf_hash_len(h);
    return tls13_expand_label(h, res_master, "resumption", nonce, nonce_len, out, hl);
}
