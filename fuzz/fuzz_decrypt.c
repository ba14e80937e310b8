/* Record decryption with fixed secrets, through the whole dissector.
 *
 * The harness plays both peers of one connection whose secrets it knows:
 * it sends a ClientHello and a ServerHello for one of the scenarios below
 * (TLS 1.3 with every AEAD, TLS 1.2 AEAD and CBC suites, TLS 1.1/1.0 CBC,
 * SSL 3.0, RC4, NULL), gives the dissector a key log holding those secrets,
 * and then encrypts whatever plaintext the input asks for with the keys
 * the real peer would use.  So the records decrypt, and what is inside
 * them - padding, inner content types, handshake messages, KeyUpdate,
 * early data, oversized plaintext - comes from the fuzzer.
 *
 * Input: a scenario byte, an options byte (bit 0 offer 0-RTT, bit 1 record
 * steps, bit 2 secrets, bit 3 whole application data, bit 4
 * encrypt-then-MAC, bit 5 extended master secret, bit 6 the server key too,
 * bit 7 roles from the content), then operations, each one byte: bit 0 the
 * direction (0 client to server), bits 1-3 what, bits 4-7 an argument:
 *   0 a sealed record: content type byte, 2-byte length, plaintext
 *   1 a sealed handshake message: type byte, 2-byte body length, body
 *     (for 0 and 1 the argument: bits 0-1 CBC padding (0 minimal, 1 one
 *     block more, 2 none: the plaintext is padding and MAC itself, 3 a
 *     wrong MAC) or, for TLS 1.3, 5 zero bytes of padding per step; bit 2
 *     deliver in two halves; bit 3 flip the record's last byte)
 *   2 raw bytes of the stream: 2-byte length, bytes
 *   3 ChangeCipherSpec: send the record (unless argument bit 0) and, up to
 *     TLS 1.2, start sealing with the new keys (unless argument bit 1)
 *   4 TLS 1.3 keys: argument 0 none, 1 early, 2 handshake, 3 application
 *   5 TLS 1.3 KeyUpdate: the direction's next application keys
 *   6 a gap of argument + 1 bytes
 *   7 the connection ends and the same one starts again (argument bit 0:
 *     the new ClientHello resumes the session by its ID) */
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
#if defined(MBEDTLS_ARC4_C)
#include <mbedtls/arc4.h>
#endif

#include "dissect/keylog.h"
#include "dissect/names.h"
#include "dissect/prf.h"
#include "dissect/session.h"
#include "fuzz/fuzz.h"

typedef struct scenario {
    uint16_t version;
    uint16_t suite;
} scenario;

static const scenario scenarios[] = {
    { 0x0304, 0x1301 }, { 0x0304, 0x1302 }, { 0x0304, 0x1303 }, { 0x0304, 0x1304 }, { 0x0304, 0x1305 },
    { 0x0303, 0xc02f }, { 0x0303, 0xc030 }, { 0x0303, 0xcca8 }, { 0x0303, 0xc09c }, { 0x0303, 0xc0a0 },
    { 0x0303, 0x002f }, { 0x0303, 0x003d }, { 0x0302, 0x0035 }, { 0x0301, 0x002f }, { 0x0301, 0x000a },
    { 0x0300, 0x000a }, { 0x0303, 0x0002 }, { 0x0303, 0x0041 }, { 0x0303, 0xc07c }, { 0x0301, 0x0009 },
    { 0x0303, 0x0005 },
};
enum { N_SCENARIOS = sizeof scenarios / sizeof scenarios[0], MAX_PLAIN = 17000 };

/* ---- the secrets ---- */

enum { S_EARLY, S_CHS, S_SHS, S_CAP, S_SAP, S_EXPORTER, S_COUNT };
static const char *const labels13[S_COUNT] = {
    "CLIENT_EARLY_TRAFFIC_SECRET", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
    "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
};

static void client_random(unsigned sc, uint8_t r[32])
{
    for (int i = 0; i < 32; i++) r[i] = (uint8_t)(sc * 7 + (unsigned)i * 13 + 1);
}

static void server_random(unsigned sc, uint8_t r[32])
{
    for (int i = 0; i < 32; i++) r[i] = (uint8_t)(sc * 5 + (unsigned)i * 3 + 0x40);
}

static void secret_of(unsigned sc, int which, uint8_t out[48])
{
    for (int i = 0; i < 48; i++) out[i] = (uint8_t)(sc * 11 + (unsigned)which * 29 + (unsigned)i * 17 + 5);
}

static void put_hex(char **p, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) *p += sprintf(*p, "%02x", b[i]);
}

static keylog *scenario_keylog(void)
{
    static keylog *kl;
    if (kl) return kl;
    static char text[N_SCENARIOS * 7 * 240];
    char *p = text;
    for (unsigned sc = 0; sc < N_SCENARIOS; sc++) {
        uint8_t r[32], s[48];
        client_random(sc, r);
        if (scenarios[sc].version == 0x0304) {
            size_t hl = scenarios[sc].suite == 0x1302 ? 48 : 32;
            for (int w = 0; w < S_COUNT; w++) {
                secret_of(sc, w, s);
                p += sprintf(p, "%s ", labels13[w]);
                put_hex(&p, r, 32);
                *p++ = ' ';
                put_hex(&p, s, hl);
                *p++ = '\n';
            }
        } else {
            secret_of(sc, 0, s);
            p += sprintf(p, "CLIENT_RANDOM ");
            put_hex(&p, r, 32);
            *p++ = ' ';
            put_hex(&p, s, 48);
            *p++ = '\n';
        }
    }
    kl = keylog_new(0);
    if (!kl || keylog_add_text(kl, "scenarios", text, (size_t)(p - text)) <= 0) fuzz_fail("scenario key log");
    return kl;
}

/* ---- the sealing side ---- */

typedef struct writer {
    bool on;
    uint16_t version;
    tls_cipher_alg cipher;
    tls_mac_alg mac;
    bool etm;
    uint8_t key[32], iv[16], mac_key[48];
    size_t key_len, iv_len, mac_key_len;
    uint64_t seq;
#if defined(MBEDTLS_ARC4_C)
    mbedtls_arc4_context arc4;   /* the key stream runs on across records */
    bool arc4_ready;
#endif
} writer;

typedef struct conn {
    unsigned sc;
    const scenario *s;
    tls_suite_info suite;
    bool have_suite;
    bool tls13;
    prf_hash h;
    uint8_t opt;
    writer w[2];                 /* by direction */
    tls_key_material km;         /* TLS <= 1.2 */
    bool have_km;
    uint8_t app[2][48];          /* TLS 1.3 current application secrets */
    dissector *d;
    tls_flow *f;
    bool wants;
    double ts;
    uint8_t rec[MAX_PLAIN + 512];
    uint8_t buf[MAX_PLAIN + 512];
} conn;

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static void feed(conn *c, int dir, const uint8_t *p, size_t n, bool halves)
{
    if (!c->wants || !n) return;
    /* side 0 is the client */
    c->ts += 0.001;
    if (halves && n > 1) {
        c->wants = dissector_data(c->d, c->f, dir, p, n / 2, c->ts);
        if (c->wants) c->wants = dissector_data(c->d, c->f, dir, p + n / 2, n - n / 2, c->ts);
    } else {
        c->wants = dissector_data(c->d, c->f, dir, p, n, c->ts);
    }
}

static mbedtls_md_type_t md_of(tls_mac_alg m)
{
    switch (m) {
    case MAC_MD5: return MBEDTLS_MD_MD5;
    case MAC_SHA1: return MBEDTLS_MD_SHA1;
    case MAC_SHA256: return MBEDTLS_MD_SHA256;
    case MAC_SHA384: return MBEDTLS_MD_SHA384;
    default: return MBEDTLS_MD_NONE;
    }
}

/* The record MAC as the sender computes it (TLS HMAC or the SSL 3.0 MAC). */
static size_t record_mac(const writer *w, uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(md_of(w->mac));
    if (!md) return 0;
    size_t ml = mbedtls_md_get_size(md);
    uint8_t hdr[13];
    put64(hdr, w->seq);
    hdr[8] = type;
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    if (w->version == 0x0300) {
        put16(hdr + 9, len);
        uint8_t pad[48], inner[48];
        size_t padn = ml == 16 ? 48 : 40;
        memset(pad, 0x36, padn);
        mbedtls_md_setup(&ctx, md, 0);
        mbedtls_md_starts(&ctx);
        mbedtls_md_update(&ctx, w->mac_key, w->mac_key_len);
        mbedtls_md_update(&ctx, pad, padn);
        mbedtls_md_update(&ctx, hdr, 11);
        mbedtls_md_update(&ctx, data, len);
        mbedtls_md_finish(&ctx, inner);
        memset(pad, 0x5c, padn);
        mbedtls_md_starts(&ctx);
        mbedtls_md_update(&ctx, w->mac_key, w->mac_key_len);
        mbedtls_md_update(&ctx, pad, padn);
        mbedtls_md_update(&ctx, inner, ml);
        mbedtls_md_finish(&ctx, out);
    } else {
        put16(hdr + 9, w->version);
        put16(hdr + 11, len);
        mbedtls_md_setup(&ctx, md, 1);
        mbedtls_md_hmac_starts(&ctx, w->mac_key, w->mac_key_len);
        mbedtls_md_hmac_update(&ctx, hdr, 13);
        mbedtls_md_hmac_update(&ctx, data, len);
        mbedtls_md_hmac_finish(&ctx, out);
    }
    mbedtls_md_free(&ctx);
    return ml;
}

static size_t block_of(tls_cipher_alg a)
{
    switch (a) {
    case CIPHER_AES_128_CBC: case CIPHER_AES_256_CBC:
    case CIPHER_CAMELLIA_128_CBC: case CIPHER_CAMELLIA_256_CBC: return 16;
    case CIPHER_3DES_EDE_CBC: case CIPHER_DES_CBC: return 8;
    default: return 0;
    }
}

static void cbc_encrypt(const writer *w, uint8_t *iv, const uint8_t *in, size_t n, uint8_t *out)
{
    switch (w->cipher) {
    case CIPHER_AES_128_CBC: case CIPHER_AES_256_CBC: {
        mbedtls_aes_context a;
        mbedtls_aes_init(&a);
        mbedtls_aes_setkey_enc(&a, w->key, (unsigned)w->key_len * 8);
        mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_ENCRYPT, n, iv, in, out);
        mbedtls_aes_free(&a);
        break;
    }
    case CIPHER_CAMELLIA_128_CBC: case CIPHER_CAMELLIA_256_CBC: {
        mbedtls_camellia_context a;
        mbedtls_camellia_init(&a);
        mbedtls_camellia_setkey_enc(&a, w->key, (unsigned)w->key_len * 8);
        mbedtls_camellia_crypt_cbc(&a, MBEDTLS_CAMELLIA_ENCRYPT, n, iv, in, out);
        mbedtls_camellia_free(&a);
        break;
    }
    case CIPHER_3DES_EDE_CBC: {
        mbedtls_des3_context a;
        mbedtls_des3_init(&a);
        mbedtls_des3_set3key_enc(&a, w->key);
        mbedtls_des3_crypt_cbc(&a, MBEDTLS_DES_ENCRYPT, n, iv, in, out);
        mbedtls_des3_free(&a);
        break;
    }
    case CIPHER_DES_CBC: {
        mbedtls_des_context a;
        mbedtls_des_init(&a);
        mbedtls_des_setkey_enc(&a, w->key);
        mbedtls_des_crypt_cbc(&a, MBEDTLS_DES_ENCRYPT, n, iv, in, out);
        mbedtls_des_free(&a);
        break;
    }
    default:
        break;
    }
}

/* AEAD encryption; returns false for a cipher it does not know. */
static bool aead_seal(const writer *w, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag, size_t *tag_len)
{
    int rc = -1;
    switch (w->cipher) {
    case CIPHER_AES_128_GCM: case CIPHER_AES_256_GCM:
    case CIPHER_CAMELLIA_128_GCM: case CIPHER_CAMELLIA_256_GCM: {
        bool cam = w->cipher == CIPHER_CAMELLIA_128_GCM || w->cipher == CIPHER_CAMELLIA_256_GCM;
        mbedtls_gcm_context g;
        mbedtls_gcm_init(&g);
        *tag_len = 16;
        if (mbedtls_gcm_setkey(&g, cam ? MBEDTLS_CIPHER_ID_CAMELLIA : MBEDTLS_CIPHER_ID_AES, w->key,
                               (unsigned)w->key_len * 8) == 0)
            rc = mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, n, nonce, 12, aad, aad_len, in, out, 16, tag);
        mbedtls_gcm_free(&g);
        break;
    }
    case CIPHER_AES_128_CCM: case CIPHER_AES_256_CCM: case CIPHER_AES_128_CCM_8: case CIPHER_AES_256_CCM_8: {
        mbedtls_ccm_context m;
        mbedtls_ccm_init(&m);
        *tag_len = w->cipher == CIPHER_AES_128_CCM_8 || w->cipher == CIPHER_AES_256_CCM_8 ? 8 : 16;
        if (mbedtls_ccm_setkey(&m, MBEDTLS_CIPHER_ID_AES, w->key, (unsigned)w->key_len * 8) == 0)
            rc = mbedtls_ccm_encrypt_and_tag(&m, n, nonce, 12, aad, aad_len, in, out, tag, *tag_len);
        mbedtls_ccm_free(&m);
        break;
    }
    case CIPHER_CHACHA20_POLY1305: {
        mbedtls_chachapoly_context ch;
        mbedtls_chachapoly_init(&ch);
        *tag_len = 16;
        if (mbedtls_chachapoly_setkey(&ch, w->key) == 0)
            rc = mbedtls_chachapoly_encrypt_and_tag(&ch, n, nonce, aad, aad_len, in, out, tag);
        mbedtls_chachapoly_free(&ch);
        break;
    }
    default:
        break;
    }
    return rc == 0;
}

/* Builds the record for plaintext pt[0..n) into c->rec; returns its size. */
static size_t seal(conn *c, int dir, uint8_t type, const uint8_t *pt, size_t n, unsigned arg)
{
    writer *w = &c->w[dir];
    uint8_t *r = c->rec, *body = c->rec + 5;
    uint16_t rv = c->tls13 ? 0x0303 : c->s->version;
    size_t blen = 0;
    r[0] = type;
    put16(r + 1, rv);
    if (!w->on) {
        memcpy(body, pt, n);
        blen = n;
    } else if (c->tls13) {
        /* TLSInnerPlaintext: content, type, zeros; the header is the AAD */
        size_t zeros = (arg & 3) * 5;
        memcpy(c->buf, pt, n);
        c->buf[n] = type;
        memset(c->buf + n + 1, 0, zeros);
        size_t in = n + 1 + zeros, tl = w->cipher == CIPHER_AES_128_CCM_8 ? 8 : 16;
        r[0] = 23;
        put16(r + 3, in + tl);
        uint8_t nonce[12], seq[8];
        memcpy(nonce, w->iv, 12);
        put64(seq, w->seq);
        for (int i = 0; i < 8; i++) nonce[4 + i] ^= seq[i];
        if (!aead_seal(w, nonce, r, 5, c->buf, in, body, body + in, &tl)) return 0;
        blen = in + tl;
    } else if (w->cipher == CIPHER_AES_128_GCM || w->cipher == CIPHER_AES_256_GCM ||
               w->cipher == CIPHER_CAMELLIA_128_GCM || w->cipher == CIPHER_CAMELLIA_256_GCM ||
               w->cipher == CIPHER_AES_128_CCM || w->cipher == CIPHER_AES_256_CCM ||
               w->cipher == CIPHER_AES_128_CCM_8 || w->cipher == CIPHER_AES_256_CCM_8 ||
               w->cipher == CIPHER_CHACHA20_POLY1305) {
        uint8_t nonce[12], aad[13];
        put64(aad, w->seq);
        aad[8] = type;
        put16(aad + 9, rv);
        put16(aad + 11, n);
        size_t expl = 0, tl = 0;
        if (w->cipher == CIPHER_CHACHA20_POLY1305) {
            memcpy(nonce, w->iv, 12);
            for (int i = 0; i < 8; i++) nonce[4 + i] ^= aad[i];
        } else {
            memcpy(nonce, w->iv, 4);
            memcpy(nonce + 4, aad, 8);          /* the explicit part: the sequence number */
            memcpy(body, aad, 8);
            expl = 8;
        }
        if (!aead_seal(w, nonce, aad, 13, pt, n, body + expl, c->buf, &tl)) return 0;
        memcpy(body + expl + n, c->buf, tl);
        blen = expl + n + tl;
    } else if (block_of(w->cipher)) {
        size_t b = block_of(w->cipher), ml = 0, k = 0;
        uint8_t mac[48];
        unsigned pad_mode = arg & 3;
        uint8_t iv[16];
        bool explicit_iv = c->s->version >= 0x0302;
        if (explicit_iv)
            for (size_t i = 0; i < b; i++) iv[i] = (uint8_t)(w->seq * 3 + i);
        else
            memcpy(iv, w->iv, b);
        /* the plaintext to encrypt: content [+ MAC] + padding */
        memcpy(c->buf, pt, n);
        k = n;
        if (!w->etm && pad_mode != 2) {
            ml = record_mac(w, type, pt, n, mac);
            if (pad_mode == 3) mac[0] ^= 1;
            memcpy(c->buf + k, mac, ml);
            k += ml;
        }
        if (pad_mode == 2) {
            while (k % b) c->buf[k++] = 0;
            if (k == 0) {
                memset(c->buf, 0, b);
                k = b;
            }
        } else {
            size_t padlen = b - 1 - k % b;
            if (pad_mode == 1 && padlen + b <= 255) padlen += b;
            memset(c->buf + k, (int)padlen, padlen + 1);
            k += padlen + 1;
        }
        size_t at = 0;
        if (explicit_iv) {
            memcpy(body, iv, b);
            at = b;
        }
        uint8_t chain[16];
        memcpy(chain, iv, b);
        cbc_encrypt(w, chain, c->buf, k, body + at);
        blen = at + k;
        if (!explicit_iv) memcpy(w->iv, body + blen - b, b);
        if (w->etm) {
            ml = record_mac(w, type, body, blen, mac);
            if (pad_mode == 3) mac[0] ^= 1;
            memcpy(body + blen, mac, ml);
            blen += ml;
        }
    } else {
        /* stream cipher or NULL: content + MAC */
        uint8_t mac[48];
        size_t ml = record_mac(w, type, pt, n, mac);
        if ((arg & 3) == 3) mac[0] ^= 1;
        memcpy(c->buf, pt, n);
        memcpy(c->buf + n, mac, ml);
#if defined(MBEDTLS_ARC4_C)
        if (w->cipher == CIPHER_RC4_128) {
            if (!w->arc4_ready) {
                mbedtls_arc4_init(&w->arc4);
                mbedtls_arc4_setup(&w->arc4, w->key, (unsigned)w->key_len);
                w->arc4_ready = true;
            }
            mbedtls_arc4_crypt(&w->arc4, n + ml, c->buf, body);
        } else
#endif
            memcpy(body, c->buf, n + ml);
        blen = n + ml;
    }
    if (w->on) w->seq++;
    if (!c->tls13 || !w->on) put16(r + 3, blen);
    if ((arg & 8) && blen) body[blen - 1] ^= 0x80;
    return 5 + blen;
}

static void send_plain_record(conn *c, int dir, uint8_t type, uint16_t version, const uint8_t *p, size_t n)
{
    uint8_t *r = c->rec;
    r[0] = type;
    put16(r + 1, version);
    put16(r + 3, n);
    memcpy(r + 5, p, n);
    feed(c, dir, r, n + 5, false);
}

static void writer_off(writer *w)
{
#if defined(MBEDTLS_ARC4_C)
    if (w->arc4_ready) mbedtls_arc4_free(&w->arc4);
#endif
    memset(w, 0, sizeof *w);
}

/* TLS 1.3: the direction seals with keys from this traffic secret. */
static void writer13(conn *c, int dir, const uint8_t *secret)
{
    writer *w = &c->w[dir];
    writer_off(w);
    size_t mk, kl, ivl;
    if (!c->have_suite || !prf_suite_sizes(0x0304, &c->suite, &mk, &kl, &ivl)) return;
    if (tls13_traffic_keys(c->h, secret, w->key, kl, w->iv, ivl) != 0) return;
    w->on = true;
    w->version = 0x0304;
    w->cipher = c->suite.cipher;
    w->key_len = kl;
    w->iv_len = ivl;
}

/* TLS <= 1.2: the direction seals with its half of the key block. */
static void writer12(conn *c, int dir)
{
    writer *w = &c->w[dir];
    writer_off(w);
    if (!c->have_km) return;
    w->on = true;
    w->version = c->s->version;
    w->cipher = c->suite.cipher;
    w->mac = c->suite.mac;
    w->etm = (c->opt & 16) && block_of(c->suite.cipher);
    memcpy(w->key, c->km.key[dir], sizeof w->key);
    memcpy(w->iv, c->km.iv[dir], sizeof w->iv);
    memcpy(w->mac_key, c->km.mac_key[dir], sizeof w->mac_key);
    w->key_len = c->km.key_len;
    w->iv_len = c->km.iv_len;
    w->mac_key_len = c->km.mac_key_len;
}

/* ---- the hellos ---- */

static size_t ext(uint8_t *p, uint16_t type, const uint8_t *data, size_t n)
{
    put16(p, type);
    put16(p + 2, n);
    if (n) memcpy(p + 4, data, n);
    return 4 + n;
}

static void send_hellos(conn *c, bool resume)
{
    uint8_t m[600], *p;
    uint8_t cr[32], sr[32], key[32];
    client_random(c->sc, cr);
    server_random(c->sc, sr);
    for (int i = 0; i < 32; i++) key[i] = (uint8_t)(0x90 + i);
    bool ssl3 = c->s->version == 0x0300, cbc = block_of(c->suite.cipher) != 0;
    uint16_t legacy = c->tls13 ? 0x0303 : c->s->version;

    /* ClientHello */
    p = m + 4;
    put16(p, legacy);
    memcpy(p + 2, cr, 32);
    p += 34;
    size_t sid = c->tls13 || resume ? 32 : 0;
    *p++ = (uint8_t)sid;
    memset(p, 0x22, sid);
    p += sid;
    put16(p, 4);
    put16(p + 2, c->s->suite);
    put16(p + 4, 0x00ff);
    p += 6;
    *p++ = 1;
    *p++ = 0;
    if (!ssl3) {
        uint8_t *exts = p;
        p += 2;
        static const uint8_t sni[] = { 0, 15, 0, 0, 12, 't', 'l', 's', 'v', 'i', 'e', 'w', '.', 't', 'e', 's', 't' };
        static const uint8_t groups[] = { 0, 2, 0, 0x1d }, sigs[] = { 0, 2, 8, 4 };
        p += ext(p, 0x0000, sni, sizeof sni);
        p += ext(p, 0x000a, groups, sizeof groups);
        p += ext(p, 0x000d, sigs, sizeof sigs);
        if (c->opt & 32) p += ext(p, 0x0017, NULL, 0);
        if (cbc && (c->opt & 16)) p += ext(p, 0x0016, NULL, 0);
        if (c->tls13) {
            static const uint8_t sv[] = { 2, 3, 4 }, modes[] = { 1, 1 };
            uint8_t ks[38] = { 0, 36, 0, 0x1d, 0, 32 };
            memcpy(ks + 6, key, 32);
            p += ext(p, 0x002b, sv, sizeof sv);
            p += ext(p, 0x0033, ks, sizeof ks);
            p += ext(p, 0x002d, modes, sizeof modes);
            if (c->opt & 1) {
                uint8_t psk[47] = { 0, 10, 0, 4, 0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 0, 0, 33, 32 };
                p += ext(p, 0x002a, NULL, 0);
                p += ext(p, 0x0029, psk, sizeof psk);
            }
        }
        put16(exts, (size_t)(p - exts - 2));
    }
    size_t n = (size_t)(p - m - 4);
    m[0] = 1;
    m[1] = 0;
    put16(m + 2, n);
    send_plain_record(c, 0, 22, 0x0301, m, n + 4);

    /* ServerHello */
    p = m + 4;
    put16(p, legacy);
    memcpy(p + 2, sr, 32);
    p += 34;
    *p++ = 32;
    memset(p, 0x22, 32);
    p += 32;
    put16(p, c->s->suite);
    p += 2;
    *p++ = 0;
    if (!ssl3) {
        uint8_t *exts = p;
        p += 2;
        if (c->opt & 32) p += ext(p, 0x0017, NULL, 0);
        if (cbc && (c->opt & 16)) p += ext(p, 0x0016, NULL, 0);
        if (c->tls13) {
            static const uint8_t sv[] = { 3, 4 };
            uint8_t ks[36] = { 0, 0x1d, 0, 32 };
            memcpy(ks + 4, key, 32);
            ks[4] ^= 0xff;
            p += ext(p, 0x002b, sv, sizeof sv);
            p += ext(p, 0x0033, ks, sizeof ks);
            if (c->opt & 1) {
                static const uint8_t chosen[] = { 0, 0 };
                p += ext(p, 0x0029, chosen, sizeof chosen);
            }
        }
        put16(exts, (size_t)(p - exts - 2));
    }
    n = (size_t)(p - m - 4);
    m[0] = 2;
    m[1] = 0;
    put16(m + 2, n);
    send_plain_record(c, 1, 22, legacy, m, n + 4);
}

static void start(conn *c, bool resume)
{
    const char *a = "198.51.100.1:51000", *b = "198.51.100.2:8443";
    bool client0 = !(c->opt & 128);
    c->f = dissector_open(c->d, a, b, 51000, 8443, client0, c->ts);
    c->wants = c->f != NULL;
    writer_off(&c->w[0]);
    writer_off(&c->w[1]);
    send_hellos(c, resume);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static conn c;
    cursor in = cur_make(data, size);
    memset(&c, 0, sizeof c);
    c.sc = fz_u8(&in) % N_SCENARIOS;
    c.s = &scenarios[c.sc];
    c.opt = fz_u8(&in);
    c.tls13 = c.s->version == 0x0304;
    c.have_suite = tls_suite_info_get(c.s->suite, &c.suite);
    c.h = c.have_suite ? prf_hash_for(c.s->version, &c.suite) : PRF_HASH_NONE;
    c.ts = 1.7e9;
    if (!c.tls13 && c.have_suite) {
        uint8_t master[48], cr[32], sr[32];
        secret_of(c.sc, 0, master);
        client_random(c.sc, cr);
        server_random(c.sc, sr);
        c.have_km = prf_key_material(c.s->version, &c.suite, c.h, master, cr, sr, &c.km) == 0;
    }
    for (int d = 0; d < 2; d++) secret_of(c.sc, d ? S_SAP : S_CAP, c.app[d]);

    dissect_config cfg = {
        .records = c.opt & 2,
        .secrets = c.opt & 4,
        .data = c.opt & 8,
        .max_message = DISSECT_MAX_MESSAGE_DEFAULT,
        .keylog = scenario_keylog(),
        .keys = c.opt & 64 ? fuzz_sample_keyring() : NULL,
    };
    c.d = dissector_new(&cfg, fuzz_checking_sink());
    if (!c.d) return 0;
    start(&c, false);

    static uint8_t msg[MAX_PLAIN + 4];
    while (!cur_empty(&in) && c.f) {
        uint8_t op = fz_u8(&in);
        int dir = op & 1;
        unsigned what = (op >> 1) & 7, arg = op >> 4;
        size_t n, len;
        const uint8_t *p;
        switch (what) {
        case 0: {
            uint8_t type = fz_u8(&in);
            len = fz_u16(&in);
            p = fz_bytes(&in, len < MAX_PLAIN ? len : MAX_PLAIN, &n);
            size_t r = seal(&c, dir, type, p, n, arg);
            feed(&c, dir, c.rec, r, arg & 4);
            break;
        }
        case 1: {
            msg[0] = fz_u8(&in);
            len = fz_u16(&in);
            p = fz_bytes(&in, len < MAX_PLAIN ? len : MAX_PLAIN, &n);
            msg[1] = (uint8_t)(n >> 16);
            put16(msg + 2, n);
            if (n) memcpy(msg + 4, p, n);
            size_t r = seal(&c, dir, 22, msg, n + 4, arg);
            feed(&c, dir, c.rec, r, arg & 4);
            break;
        }
        case 2:
            len = fz_u16(&in);
            p = fz_bytes(&in, len, &n);
            feed(&c, dir, p, n, false);
            break;
        case 3:
            if (!(arg & 1)) {
                static const uint8_t one = 1;
                size_t r = c.tls13 ? 0 : seal(&c, dir, 20, &one, 1, 0);
                if (c.tls13) send_plain_record(&c, dir, 20, 0x0303, &one, 1);
                else feed(&c, dir, c.rec, r, false);
            }
            if (!(arg & 2) && !c.tls13) writer12(&c, dir);
            break;
        case 4:
            if (c.tls13) {
                uint8_t s[48];
                switch (arg & 3) {
                case 0: writer_off(&c.w[dir]); break;
                case 1: secret_of(c.sc, S_EARLY, s); writer13(&c, dir, s); break;
                case 2: secret_of(c.sc, dir ? S_SHS : S_CHS, s); writer13(&c, dir, s); break;
                default:
                    secret_of(c.sc, dir ? S_SAP : S_CAP, c.app[dir]);
                    writer13(&c, dir, c.app[dir]);
                    break;
                }
            } else {
                writer_off(&c.w[dir]);
            }
            break;
        case 5:
            if (c.tls13 && c.have_suite) {
                uint8_t next[48];
                if (tls13_next_traffic_secret(c.h, c.app[dir], next) == 0) memcpy(c.app[dir], next, 48);
                writer13(&c, dir, c.app[dir]);
            }
            break;
        case 6:
            if (c.wants) dissector_gap(c.d, c.f, dir, arg + 1u, c.ts);
            break;
        default:
            c.ts += 1;
            dissector_close(c.d, c.f, "fin", c.ts);
            start(&c, arg & 1);
            break;
        }
    }
    writer_off(&c.w[0]);
    writer_off(&c.w[1]);
    dissector_free(c.d);
    return 0;
}
