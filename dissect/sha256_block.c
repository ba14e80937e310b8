#include "dissect/sha256_block.h"

#include <string.h>

#include <mbedtls/sha256.h>

#include "dissect/byteorder.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

void sha256_block_portable(uint32_t state[8], const uint8_t data[64])
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = load_be32(data + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + round_constants[t] + w[t];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
}

#if HAVE_X86
/* The SHA extensions keep the eight working variables as two vectors,
 * ABEF and CDGH (A and C in the top lane), and do two rounds per
 * instruction; the message schedule has its own two instructions. */
__attribute__((target("sha,sse4.1,ssse3")))
static void sha256_block_shani(uint32_t state[8], const uint8_t data[64])
{
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xb1);
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1b);
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xf0);
    const __m128i abef_start = abef, cdgh_start = cdgh;

    /* w[i] holds message words 4i..4i+3 of the last sixteen. */
    __m128i w[4];
    for (int i = 0; i < 4; i++)
        w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * i)), byte_swap);
    for (int group = 0; group < 16; group++) {
        __m128i words = w[group & 3];
        if (group >= 4) {
            /* words t-16..t-13 (the slot being replaced) plus sigma0 of
             * t-15..t-12, plus t-7..t-4, then sigma1 from t-2 and t-1 */
            __m128i older = _mm_sha256msg1_epu32(w[group & 3], w[(group + 1) & 3]);
            older = _mm_add_epi32(older, _mm_alignr_epi8(w[(group + 3) & 3], w[(group + 2) & 3], 4));
            words = _mm_sha256msg2_epu32(older, w[(group + 3) & 3]);
            w[group & 3] = words;
        }
        __m128i k = _mm_add_epi32(words, _mm_loadu_si128((const __m128i *)&round_constants[4 * group]));
        /* Two rounds leave the old ABEF as the new CDGH, so the two
         * variables trade roles and are back in place after four. */
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0e));
    }
    abef = _mm_add_epi32(abef, abef_start);
    cdgh = _mm_add_epi32(cdgh, cdgh_start);

    /* back to A..H in memory order: lanes A,B,E,F and G,H,C,D */
    __m128i ab_ef = _mm_shuffle_epi32(abef, 0x1b);
    __m128i gh_cd = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(ab_ef, gh_cd, 0xf0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(gh_cd, ab_ef, 8));
}

static bool cpu_has_sha_extensions(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    bool ssse3 = c & (1u << 9), sse41 = c & (1u << 19);
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    return ssse3 && sse41 && (b & (1u << 29));
}
#endif

enum { CHOICE_UNKNOWN, CHOICE_PORTABLE, CHOICE_SHANI };
static int choice = CHOICE_UNKNOWN;

static int chosen(void)
{
    int c = __atomic_load_n(&choice, __ATOMIC_RELAXED);
    if (c == CHOICE_UNKNOWN) {
#if HAVE_X86
        c = cpu_has_sha_extensions() ? CHOICE_SHANI : CHOICE_PORTABLE;
#else
        c = CHOICE_PORTABLE;
#endif
        __atomic_store_n(&choice, c, __ATOMIC_RELAXED);
    }
    return c;
}

bool sha256_block_hw_available(void)
{
    return chosen() == CHOICE_SHANI;
}

void sha256_block_hw(uint32_t state[8], const uint8_t data[64])
{
#if HAVE_X86
    if (sha256_block_hw_available()) {
        sha256_block_shani(state, data);
        return;
    }
#endif
    sha256_block_portable(state, data);
}

/* mbedTLS calls its block function through the dynamic linker (it is
 * exported so that builds can replace it), so this definition serves every
 * SHA-256 the library computes for us as well: HMAC, HKDF, the PRF,
 * signatures, certificates. */
int mbedtls_internal_sha256_process(mbedtls_sha256_context *ctx, const unsigned char data[64])
{
    sha256_block_hw(ctx->state, data);
    return 0;
}
