#include "dissect/hex.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static const char hex_digit[] = "0123456789abcdef";

void hex_encode(char *out, const uint8_t *in, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    /* Each nibble n becomes '0' + n, plus 'a' - '0' - 10 when n > 9;
     * unpacking high and low nibbles side by side puts the digits in
     * reading order. */
    const __m128i low_nibbles = _mm_set1_epi8(0x0f);
    const __m128i zero_digit = _mm_set1_epi8('0');
    const __m128i nine = _mm_set1_epi8(9);
    const __m128i letter_gap = _mm_set1_epi8('a' - '0' - 10);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(in + i));
        __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), low_nibbles);
        __m128i lo = _mm_and_si128(x, low_nibbles);
        __m128i first = _mm_unpacklo_epi8(hi, lo);
        __m128i second = _mm_unpackhi_epi8(hi, lo);
        first = _mm_add_epi8(_mm_add_epi8(first, zero_digit),
                             _mm_and_si128(_mm_cmpgt_epi8(first, nine), letter_gap));
        second = _mm_add_epi8(_mm_add_epi8(second, zero_digit),
                              _mm_and_si128(_mm_cmpgt_epi8(second, nine), letter_gap));
        _mm_storeu_si128((__m128i *)(out + 2 * i), first);
        _mm_storeu_si128((__m128i *)(out + 2 * i + 16), second);
    }
#endif
    for (; i < n; i++) {
        out[2 * i] = hex_digit[in[i] >> 4];
        out[2 * i + 1] = hex_digit[in[i] & 15];
    }
}
