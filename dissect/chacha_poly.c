#include "dissect/chacha_poly.h"

#include <string.h>

#include "dissect/byteorder.h"

#if defined(__x86_64__)
#include <emmintrin.h>

/* ---- ChaCha20 (RFC 8439 2.3), four blocks side by side: vector i holds
 * word i of four consecutive blocks ---- */

static inline __m128i rotate_left(__m128i v, int n)
{
    return _mm_or_si128(_mm_slli_epi32(v, n), _mm_srli_epi32(v, 32 - n));
}

#define QUARTER(a, b, c, d) do { \
    x[a] = _mm_add_epi32(x[a], x[b]); x[d] = rotate_left(_mm_xor_si128(x[d], x[a]), 16); \
    x[c] = _mm_add_epi32(x[c], x[d]); x[b] = rotate_left(_mm_xor_si128(x[b], x[c]), 12); \
    x[a] = _mm_add_epi32(x[a], x[b]); x[d] = rotate_left(_mm_xor_si128(x[d], x[a]), 8); \
    x[c] = _mm_add_epi32(x[c], x[d]); x[b] = rotate_left(_mm_xor_si128(x[b], x[c]), 7); \
} while (0)

static void initial_state(uint32_t s[16], const uint8_t key[32], const uint8_t nonce[12], uint32_t counter)
{
    s[0] = 0x61707865; /* "expand 32-byte k" */
    s[1] = 0x3320646e;
    s[2] = 0x79622d32;
    s[3] = 0x6b206574;
    for (int i = 0; i < 8; i++) s[4 + i] = load_le32(key + 4 * i);
    s[12] = counter;
    for (int i = 0; i < 3; i++) s[13 + i] = load_le32(nonce + 4 * i);
}

/* 256 bytes of key stream: blocks counter..counter+3. */
static void chacha20_four_blocks(const uint32_t s[16], uint32_t counter, uint8_t out[256])
{
    __m128i x[16], start[16];
    for (int i = 0; i < 16; i++) start[i] = _mm_set1_epi32((int)s[i]);
    start[12] = _mm_set_epi32((int)(counter + 3), (int)(counter + 2), (int)(counter + 1), (int)counter);
    memcpy(x, start, sizeof x);
    for (int round = 0; round < 10; round++) {
        QUARTER(0, 4, 8, 12);
        QUARTER(1, 5, 9, 13);
        QUARTER(2, 6, 10, 14);
        QUARTER(3, 7, 11, 15);
        QUARTER(0, 5, 10, 15);
        QUARTER(1, 6, 11, 12);
        QUARTER(2, 7, 8, 13);
        QUARTER(3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++) x[i] = _mm_add_epi32(x[i], start[i]);
    /* words w..w+3 of the four blocks, turned from per-word to per-block */
    for (int w = 0; w < 16; w += 4) {
        __m128i ab01 = _mm_unpacklo_epi32(x[w], x[w + 1]), ab23 = _mm_unpackhi_epi32(x[w], x[w + 1]);
        __m128i cd01 = _mm_unpacklo_epi32(x[w + 2], x[w + 3]), cd23 = _mm_unpackhi_epi32(x[w + 2], x[w + 3]);
        _mm_storeu_si128((__m128i *)(out + 0 * 64 + 4 * w), _mm_unpacklo_epi64(ab01, cd01));
        _mm_storeu_si128((__m128i *)(out + 1 * 64 + 4 * w), _mm_unpackhi_epi64(ab01, cd01));
        _mm_storeu_si128((__m128i *)(out + 2 * 64 + 4 * w), _mm_unpacklo_epi64(ab23, cd23));
        _mm_storeu_si128((__m128i *)(out + 3 * 64 + 4 * w), _mm_unpackhi_epi64(ab23, cd23));
    }
}

void chacha20_xor(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter, const uint8_t *in, size_t len,
                  uint8_t *out)
{
    uint32_t s[16];
    initial_state(s, key, nonce, counter);
    uint8_t stream[256];
    while (len) {
        chacha20_four_blocks(s, counter, stream);
        counter += 4;
        size_t take = len < sizeof stream ? len : sizeof stream;
        size_t i = 0;
        for (; i + 16 <= take; i += 16)
            _mm_storeu_si128((__m128i *)(out + i), _mm_xor_si128(_mm_loadu_si128((const __m128i *)(in + i)),
                                                                _mm_loadu_si128((const __m128i *)(stream + i))));
        for (; i < take; i++) out[i] = in[i] ^ stream[i];
        in += take;
        out += take;
        len -= take;
    }
}

/* ---- Poly1305 (RFC 8439 2.5): the accumulator and r in limbs of 44, 44
 * and 42 bits, so that the products fit 128 bits; 2^130 = 5 modulo the
 * prime folds the top back ---- */

#define MASK44 ((UINT64_C(1) << 44) - 1)
#define MASK42 ((UINT64_C(1) << 42) - 1)

typedef unsigned __int128 u128;

typedef struct poly1305 {
    uint64_t r[3], r20[3];   /* r and 20 r (2^132 = 20) */
    uint64_t h[3];
    uint64_t s[2];
    uint8_t partial[16];
    size_t partial_len;
} poly1305;

static void poly_init(poly1305 *p, const uint8_t key[32])
{
    uint64_t t0 = load_le64(key) & UINT64_C(0x0ffffffc0fffffff);   /* clamped */
    uint64_t t1 = load_le64(key + 8) & UINT64_C(0x0ffffffc0ffffffc);
    p->r[0] = t0 & MASK44;
    p->r[1] = (t0 >> 44 | t1 << 20) & MASK44;
    p->r[2] = t1 >> 24 & MASK42;
    for (int i = 0; i < 3; i++) p->r20[i] = p->r[i] * 20;
    p->h[0] = p->h[1] = p->h[2] = 0;
    p->s[0] = load_le64(key + 16);
    p->s[1] = load_le64(key + 24);
    p->partial_len = 0;
}

/* h = (h + block + top * 2^128) * r, partly reduced. */
static void poly_block(poly1305 *p, const uint8_t m[16], uint64_t top)
{
    uint64_t t0 = load_le64(m), t1 = load_le64(m + 8);
    uint64_t h0 = p->h[0] + (t0 & MASK44);
    uint64_t h1 = p->h[1] + ((t0 >> 44 | t1 << 20) & MASK44);
    uint64_t h2 = p->h[2] + ((t1 >> 24 & MASK42) | top << 40);
    const uint64_t *r = p->r, *r20 = p->r20;
    u128 d0 = (u128)h0 * r[0] + (u128)h1 * r20[2] + (u128)h2 * r20[1];
    u128 d1 = (u128)h0 * r[1] + (u128)h1 * r[0] + (u128)h2 * r20[2];
    u128 d2 = (u128)h0 * r[2] + (u128)h1 * r[1] + (u128)h2 * r[0];
    d1 += (uint64_t)(d0 >> 44);
    d2 += (uint64_t)(d1 >> 44);
    h0 = (uint64_t)d0 & MASK44;
    h1 = (uint64_t)d1 & MASK44;
    h2 = (uint64_t)d2 & MASK42;
    h0 += (uint64_t)(d2 >> 42) * 5;
    h1 += h0 >> 44;
    h0 &= MASK44;
    p->h[0] = h0;
    p->h[1] = h1;
    p->h[2] = h2;
}

static void poly_update(poly1305 *p, const uint8_t *m, size_t n)
{
    if (p->partial_len) {
        size_t take = 16 - p->partial_len < n ? 16 - p->partial_len : n;
        memcpy(p->partial + p->partial_len, m, take);
        p->partial_len += take;
        m += take;
        n -= take;
        if (p->partial_len < 16) return;
        poly_block(p, p->partial, 1);
        p->partial_len = 0;
    }
    for (; n >= 16; m += 16, n -= 16) poly_block(p, m, 1);
    memcpy(p->partial, m, n);
    p->partial_len = n;
}

/* The AEAD pads each part to 16 bytes with zeros. */
static void poly_pad(poly1305 *p)
{
    if (!p->partial_len) return;
    memset(p->partial + p->partial_len, 0, 16 - p->partial_len);
    poly_block(p, p->partial, 1);
    p->partial_len = 0;
}

static void poly_finish(poly1305 *p, uint8_t tag[16])
{
    if (p->partial_len) {
        /* a short last block: a one byte after it, then zeros, no 2^128 */
        p->partial[p->partial_len] = 1;
        memset(p->partial + p->partial_len + 1, 0, 15 - p->partial_len);
        poly_block(p, p->partial, 0);
    }
    uint64_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], c;
    c = h1 >> 44; h1 &= MASK44; h2 += c;
    c = h2 >> 42; h2 &= MASK42; h0 += c * 5;
    c = h0 >> 44; h0 &= MASK44; h1 += c;
    c = h1 >> 44; h1 &= MASK44; h2 += c;
    c = h2 >> 42; h2 &= MASK42; h0 += c * 5;
    c = h0 >> 44; h0 &= MASK44; h1 += c;
    /* h - p = h + 5 - 2^130: taken when it does not go below zero */
    uint64_t g0 = h0 + 5;
    c = g0 >> 44; g0 &= MASK44;
    uint64_t g1 = h1 + c;
    c = g1 >> 44; g1 &= MASK44;
    uint64_t g2 = h2 + c - (UINT64_C(1) << 42);
    uint64_t keep_g = (g2 >> 63) - 1;   /* all ones when g2 >= 0 */
    h0 = (h0 & ~keep_g) | (g0 & keep_g);
    h1 = (h1 & ~keep_g) | (g1 & keep_g);
    h2 = (h2 & ~keep_g) | (g2 & MASK42 & keep_g);
    /* (h + s) mod 2^128 */
    uint64_t lo = h0 | h1 << 44, hi = h1 >> 20 | h2 << 24;
    u128 sum = ((u128)hi << 64 | lo) + ((u128)p->s[1] << 64 | p->s[0]);
    store_le64(tag, (uint64_t)sum);
    store_le64(tag + 8, (uint64_t)(sum >> 64));
}

void poly1305_tag(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16])
{
    poly1305 p;
    poly_init(&p, key);
    poly_update(&p, msg, len);
    poly_finish(&p, tag);
}

bool chacha_poly_fast_available(void) { return true; }

/* Whether the tag matches; first[] gets key stream blocks 0 to 3 (block 0
 * keys Poly1305, 1 to 3 start the message's). */
static bool tag_matches(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                        const uint8_t *ct, size_t len, const uint8_t tag[16], uint8_t first[256])
{
    uint32_t s[16];
    initial_state(s, key, nonce, 0);
    chacha20_four_blocks(s, 0, first);
    poly1305 p;
    poly_init(&p, first);
    poly_update(&p, aad, aad_len);
    poly_pad(&p);
    poly_update(&p, ct, len);
    poly_pad(&p);
    uint8_t lengths[16], expected[16];
    store_le64(lengths, aad_len);
    store_le64(lengths + 8, len);
    poly_update(&p, lengths, sizeof lengths);
    poly_finish(&p, expected);
    uint8_t diff = 0;
    for (int i = 0; i < 16; i++) diff |= (uint8_t)(expected[i] ^ tag[i]);
    return diff == 0;
}

bool chacha_poly_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t len, const uint8_t tag[16], uint8_t *out)
{
    uint8_t first[256];
    if (!tag_matches(key, nonce, aad, aad_len, ct, len, tag, first)) {
        memset(out, 0, len);
        return false;
    }
    /* blocks 1 to 3 are already there; the rest from block 4 */
    size_t head = len < 192 ? len : 192;
    for (size_t i = 0; i < head; i++) out[i] = ct[i] ^ first[64 + i];
    if (len > head) chacha20_xor(key, nonce, 4, ct + head, len - head, out + head);
    return true;
}

bool chacha_poly_check(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                       const uint8_t *ct, size_t len, const uint8_t tag[16])
{
    uint8_t first[256];
    return tag_matches(key, nonce, aad, aad_len, ct, len, tag, first);
}

void chacha_poly_decrypt(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                         uint8_t *out)
{
    if (from >= to) return;
    /* From the start of from's block: the key stream comes in whole
     * 64-byte blocks, the message's first being block 1. */
    size_t start = from - from % 64;
    uint8_t block[64];
    if (start < from) {
        size_t end = start + 64 < to ? start + 64 : to;
        chacha20_xor(key, nonce, 1 + (uint32_t)(start / 64), ct + start, end - start, block);
        memcpy(out + from, block + (from - start), end - from);
        start = end;
    }
    if (start < to) chacha20_xor(key, nonce, 1 + (uint32_t)(start / 64), ct + start, to - start, out + start);
}

#else

bool chacha_poly_fast_available(void) { return false; }

bool chacha_poly_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t len, const uint8_t tag[16], uint8_t *out)
{
    (void)key, (void)nonce, (void)aad, (void)aad_len, (void)ct, (void)tag;
    memset(out, 0, len);
    return false;
}

void chacha20_xor(const uint8_t key[32], const uint8_t nonce[12], uint32_t counter, const uint8_t *in, size_t len,
                  uint8_t *out)
{
    (void)key, (void)nonce, (void)counter, (void)in;
    memset(out, 0, len);
}

bool chacha_poly_check(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                       const uint8_t *ct, size_t len, const uint8_t tag[16])
{
    (void)key, (void)nonce, (void)aad, (void)aad_len, (void)ct, (void)len, (void)tag;
    return false;
}

void chacha_poly_decrypt(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ct, size_t from, size_t to,
                         uint8_t *out)
{
    (void)key, (void)nonce, (void)ct;
    if (from < to) memset(out + from, 0, to - from);
}

void poly1305_tag(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16])
{
    (void)key, (void)msg, (void)len;
    memset(tag, 0, 16);
}

#endif
