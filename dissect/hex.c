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

static int digit_value(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;   /* lower case */
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool hex_is_digit(uint8_t c)
{
    return digit_value(c) >= 0;
}

bool hex_decode(uint8_t *out, const uint8_t *in, size_t n)
{
    size_t i = 0;
#if defined(__SSE2__)
    /* Sixteen digits a turn: each byte is a decimal digit or (folded to
     * lower case) a letter a-f, found by unsigned range checks; pairs of
     * nibbles then merge within 16-bit lanes and pack to bytes. */
    const __m128i zero_digit = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    const __m128i lower = _mm_set1_epi8(0x20), letter_a = _mm_set1_epi8('a'), five = _mm_set1_epi8(5);
    const __m128i ten = _mm_set1_epi8(10), low_byte = _mm_set1_epi16(0x00ff);
    for (; i + 8 <= n; i += 8) {
        __m128i v = _mm_loadu_si128((const __m128i *)(in + 2 * i));
        __m128i d = _mm_sub_epi8(v, zero_digit);
        __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);              /* d <= 9 */
        __m128i l = _mm_sub_epi8(_mm_or_si128(v, lower), letter_a);
        __m128i is_letter = _mm_cmpeq_epi8(_mm_min_epu8(l, five), l);            /* l <= 5 */
        if (_mm_movemask_epi8(_mm_or_si128(is_digit, is_letter)) != 0xffff) return false;
        __m128i nibble = _mm_or_si128(_mm_and_si128(is_digit, d), _mm_and_si128(is_letter, _mm_add_epi8(l, ten)));
        /* little-endian lanes: the first digit of a pair is the low byte */
        __m128i high = _mm_and_si128(nibble, low_byte), low = _mm_srli_epi16(nibble, 8);
        __m128i bytes = _mm_or_si128(_mm_slli_epi16(high, 4), low);
        _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(bytes, bytes));
    }
#endif
    for (; i < n; i++) {
        int hi = digit_value(in[2 * i]), lo = digit_value(in[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}
