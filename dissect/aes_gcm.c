#include "dissect/aes_gcm.h"

#include <string.h>

#include "dissect/byteorder.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

#define TARGET __attribute__((target("aes,pclmul,ssse3,sse4.1")))

/* ---- AES (FIPS 197) with AES-NI ---- */

/* One word-step of the key schedule: each 32-bit word is the xor of the
 * words before it in the previous round key and the transformed word
 * (broadcast by the caller's shuffle). */
TARGET static __m128i schedule_step(__m128i previous, __m128i transformed)
{
    previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
    previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
    previous = _mm_xor_si128(previous, _mm_slli_si128(previous, 4));
    return _mm_xor_si128(previous, transformed);
}

/* The round constant must be an immediate, hence a macro per round. */
#define EXPAND128(i, rcon) \
    rk[i] = schedule_step(rk[(i) - 1], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], rcon), 0xff))

TARGET static void expand_128(__m128i rk[15], const uint8_t key[16])
{
    rk[0] = _mm_loadu_si128((const __m128i *)key);
    EXPAND128(1, 0x01); EXPAND128(2, 0x02); EXPAND128(3, 0x04); EXPAND128(4, 0x08); EXPAND128(5, 0x10);
    EXPAND128(6, 0x20); EXPAND128(7, 0x40); EXPAND128(8, 0x80); EXPAND128(9, 0x1b); EXPAND128(10, 0x36);
}

/* AES-256 alternates: even round keys take RotWord+SubWord+Rcon of the
 * last word, odd ones SubWord alone. */
#define EXPAND256_EVEN(i, rcon) \
    rk[i] = schedule_step(rk[(i) - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], rcon), 0xff))
#define EXPAND256_ODD(i) \
    rk[i] = schedule_step(rk[(i) - 2], _mm_shuffle_epi32(_mm_aeskeygenassist_si128(rk[(i) - 1], 0), 0xaa))

TARGET static void expand_256(__m128i rk[15], const uint8_t key[32])
{
    rk[0] = _mm_loadu_si128((const __m128i *)key);
    rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
    EXPAND256_EVEN(2, 0x01); EXPAND256_ODD(3); EXPAND256_EVEN(4, 0x02); EXPAND256_ODD(5);
    EXPAND256_EVEN(6, 0x04); EXPAND256_ODD(7); EXPAND256_EVEN(8, 0x08); EXPAND256_ODD(9);
    EXPAND256_EVEN(10, 0x10); EXPAND256_ODD(11); EXPAND256_EVEN(12, 0x20); EXPAND256_ODD(13);
    EXPAND256_EVEN(14, 0x40);
}

TARGET static __m128i aes_encrypt(const aes_gcm_key *k, __m128i block)
{
    const __m128i *rk = (const __m128i *)k->round_keys;
    block = _mm_xor_si128(block, rk[0]);
    for (unsigned r = 1; r < k->rounds; r++) block = _mm_aesenc_si128(block, rk[r]);
    return _mm_aesenclast_si128(block, rk[k->rounds]);
}

/* Four independent blocks side by side, so each round's latency overlaps. */
TARGET static void aes_encrypt4(const aes_gcm_key *k, __m128i b[4])
{
    const __m128i *rk = (const __m128i *)k->round_keys;
    for (int i = 0; i < 4; i++) b[i] = _mm_xor_si128(b[i], rk[0]);
    for (unsigned r = 1; r < k->rounds; r++)
        for (int i = 0; i < 4; i++) b[i] = _mm_aesenc_si128(b[i], rk[r]);
    for (int i = 0; i < 4; i++) b[i] = _mm_aesenclast_si128(b[i], rk[k->rounds]);
}

/* ---- GHASH (SP 800-38D 6.4) with carry-less multiplication ----
 *
 * GCM numbers the bits of a block from the left: bit i of the block is the
 * coefficient of x^i.  With the 16 bytes reversed and read as one 128-bit
 * little-endian integer, the coefficient of x^i sits at integer bit
 * 127 - i: "reflected".  The carry-less product of two reflected values
 * puts x^n at bit 254 - n, so one left shift of the 256-bit product makes
 * its top half the reflected x^0..x^127 part and its bottom half the
 * x^128..x^255 part, which is folded back with x^128 = x^7 + x^2 + x + 1
 * (multiplying by x^k is a right shift by k in this form). */

TARGET static __m128i byte_reverse(__m128i v)
{
    return _mm_shuffle_epi8(v, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

/* 128-bit shifts built from the two 64-bit lanes. */
TARGET static __m128i shift_right(__m128i v, int n)   /* 0 < n < 64 */
{
    return _mm_or_si128(_mm_srli_epi64(v, n), _mm_srli_si128(_mm_slli_epi64(v, 64 - n), 8));
}

TARGET static __m128i shift_left_past_64(__m128i v, int n)   /* 64 <= n < 128 */
{
    return _mm_slli_si128(_mm_slli_epi64(v, n - 64), 8);
}

/* The unreduced product of a and b: hi:lo, 255 bits. */
TARGET static void clmul_wide(__m128i a, __m128i b, __m128i *hi, __m128i *lo)
{
    __m128i low = _mm_clmulepi64_si128(a, b, 0x00);
    __m128i high = _mm_clmulepi64_si128(a, b, 0x11);
    __m128i middle = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01), _mm_clmulepi64_si128(a, b, 0x10));
    *lo = _mm_xor_si128(low, _mm_slli_si128(middle, 8));
    *hi = _mm_xor_si128(high, _mm_srli_si128(middle, 8));
}

/* hi:lo (a sum of products, before the shift) to one reflected value. */
TARGET static __m128i reduce(__m128i hi, __m128i lo)
{
    /* the shift by one across both halves */
    __m128i carry = _mm_srli_si128(_mm_srli_epi64(lo, 63), 8);
    hi = _mm_or_si128(_mm_or_si128(_mm_slli_epi64(hi, 1), _mm_slli_si128(_mm_srli_epi64(hi, 63), 8)), carry);
    lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(_mm_srli_epi64(lo, 63), 8));
    /* lo * (1 + x + x^2 + x^7): the bits the right shifts would lose are
     * x^128 and up again, folded first (they are of degree < 7) */
    __m128i m = _mm_xor_si128(lo, _mm_xor_si128(shift_left_past_64(lo, 127),
                                                 _mm_xor_si128(shift_left_past_64(lo, 126), shift_left_past_64(lo, 121))));
    __m128i folded = _mm_xor_si128(_mm_xor_si128(m, shift_right(m, 1)), _mm_xor_si128(shift_right(m, 2), shift_right(m, 7)));
    return _mm_xor_si128(hi, folded);
}

TARGET static __m128i gf_multiply(__m128i a, __m128i b)
{
    __m128i hi, lo;
    clmul_wide(a, b, &hi, &lo);
    return reduce(hi, lo);
}

/* Folds blocks into the running hash y (reflected): four at a time as
 * ((y + x1)H^4 + x2 H^3 + x3 H^2 + x4 H), reduced once.  A short last
 * block is padded with zeros. */
TARGET static __m128i ghash(const aes_gcm_key *k, __m128i y, const uint8_t *p, size_t n)
{
    const __m128i *powers = (const __m128i *)k->hash_powers;
    while (n >= 64) {
        __m128i hi = _mm_setzero_si128(), lo = _mm_setzero_si128();
        for (int i = 0; i < 4; i++) {
            __m128i x = byte_reverse(_mm_loadu_si128((const __m128i *)(p + 16 * i)));
            if (i == 0) x = _mm_xor_si128(x, y);
            __m128i h, l;
            clmul_wide(x, powers[3 - i], &h, &l);
            hi = _mm_xor_si128(hi, h);
            lo = _mm_xor_si128(lo, l);
        }
        y = reduce(hi, lo);
        p += 64;
        n -= 64;
    }
    while (n) {
        uint8_t block[16] = { 0 };
        size_t take = n < 16 ? n : 16;
        memcpy(block, p, take);
        y = gf_multiply(_mm_xor_si128(y, byte_reverse(_mm_loadu_si128((const __m128i *)block))), powers[0]);
        p += take;
        n -= take;
    }
    return y;
}

/* ---- GCM (SP 800-38D 7.2) ---- */

TARGET static __m128i counter_block(const uint8_t nonce[12], uint32_t counter)
{
    uint8_t b[16];
    memcpy(b, nonce, 12);
    store_be32(b + 12, counter);
    return _mm_loadu_si128((const __m128i *)b);
}

/* CTR from counter 2 (counter 1 encrypts the tag): bytes [from, to) of
 * the ciphertext into the same bytes of out. */
TARGET static void ctr_decrypt(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *in, size_t from,
                               size_t to, uint8_t *out)
{
    uint32_t counter = 2 + (uint32_t)(from / 16);
    size_t skip = from % 16;
    in += from;
    out += from;
    size_t n = to - from;
    if (skip && n) {                 /* into the middle of a block */
        uint8_t ks[16];
        _mm_storeu_si128((__m128i *)ks, aes_encrypt(k, counter_block(nonce, counter++)));
        size_t take = 16 - skip < n ? 16 - skip : n;
        for (size_t i = 0; i < take; i++) out[i] = in[i] ^ ks[skip + i];
        in += take;
        out += take;
        n -= take;
    }
    while (n >= 64) {
        __m128i ks[4];
        for (int i = 0; i < 4; i++) ks[i] = counter_block(nonce, counter++);
        aes_encrypt4(k, ks);
        for (int i = 0; i < 4; i++)
            _mm_storeu_si128((__m128i *)(out + 16 * i),
                             _mm_xor_si128(ks[i], _mm_loadu_si128((const __m128i *)(in + 16 * i))));
        in += 64;
        out += 64;
        n -= 64;
    }
    while (n) {
        uint8_t ks[16];
        _mm_storeu_si128((__m128i *)ks, aes_encrypt(k, counter_block(nonce, counter++)));
        size_t take = n < 16 ? n : 16;
        for (size_t i = 0; i < take; i++) out[i] = in[i] ^ ks[i];
        in += take;
        out += take;
        n -= take;
    }
}

TARGET static bool key_init(aes_gcm_key *k, const uint8_t *key, size_t key_len)
{
    __m128i rk[15];
    if (key_len == 16) {
        expand_128(rk, key);
        k->rounds = 10;
    } else {
        expand_256(rk, key);
        k->rounds = 14;
    }
    for (unsigned i = 0; i <= k->rounds; i++) _mm_store_si128((__m128i *)k->round_keys[i], rk[i]);
    __m128i h = byte_reverse(aes_encrypt(k, _mm_setzero_si128()));
    __m128i power = h;
    for (int i = 0; i < 4; i++) {
        _mm_store_si128((__m128i *)k->hash_powers[i], power);
        power = gf_multiply(power, h);
    }
    return true;
}

TARGET static bool tag_matches(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                               const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len)
{
    __m128i y = ghash(k, _mm_setzero_si128(), aad, aad_len);
    y = ghash(k, y, ct, len);
    uint8_t lengths[16];
    store_be64(lengths, (uint64_t)aad_len * 8);
    store_be64(lengths + 8, (uint64_t)len * 8);
    y = ghash(k, y, lengths, 16);
    uint8_t expected[16];
    _mm_storeu_si128((__m128i *)expected, _mm_xor_si128(byte_reverse(y), aes_encrypt(k, counter_block(nonce, 1))));
    uint8_t diff = 0;
    for (size_t i = 0; i < tag_len; i++) diff |= (uint8_t)(expected[i] ^ tag[i]);
    return diff == 0;
}

bool aes_gcm_fast_available(void)
{
    static int known = -1;
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        unsigned a, b, c, d;
        v = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 25)) /* AES */ && (c & (1u << 1)) /* PCLMULQDQ */ &&
            (c & (1u << 9)) /* SSSE3 */ && (c & (1u << 19)) /* SSE4.1 */;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v;
}

bool aes_gcm_key_init(aes_gcm_key *k, const uint8_t *key, size_t key_len)
{
    if ((key_len != 16 && key_len != 32) || !aes_gcm_fast_available()) return false;
    return key_init(k, key, key_len);
}

bool aes_gcm_check(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len)
{
    return tag_len >= 4 && tag_len <= 16 && tag_matches(k, nonce, aad, aad_len, ct, len, tag, tag_len);
}

void aes_gcm_decrypt(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                     uint8_t *out)
{
    if (from < to) ctr_decrypt(k, nonce, ct, from, to, out);
}

bool aes_gcm_open(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                  const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len, uint8_t *out)
{
    if (!aes_gcm_check(k, nonce, aad, aad_len, ct, len, tag, tag_len)) {
        memset(out, 0, len);
        return false;
    }
    aes_gcm_decrypt(k, nonce, ct, 0, len, out);
    return true;
}

#else

bool aes_gcm_fast_available(void) { return false; }

bool aes_gcm_key_init(aes_gcm_key *k, const uint8_t *key, size_t key_len)
{
    (void)k, (void)key, (void)key_len;
    return false;
}

bool aes_gcm_open(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                  const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len, uint8_t *out)
{
    (void)k, (void)nonce, (void)aad, (void)aad_len, (void)ct, (void)tag, (void)tag_len;
    memset(out, 0, len);
    return false;
}

bool aes_gcm_check(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                   const uint8_t *ct, size_t len, const uint8_t *tag, size_t tag_len)
{
    (void)k, (void)nonce, (void)aad, (void)aad_len, (void)ct, (void)len, (void)tag, (void)tag_len;
    return false;
}

void aes_gcm_decrypt(const aes_gcm_key *k, const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                     uint8_t *out)
{
    (void)k, (void)nonce, (void)ct;
    if (from < to) memset(out + from, 0, to - from);
}

#endif
