/* Montgomery arithmetic: see montgomery.h. */
#include "dissect/montgomery.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "dissect/byteorder.h"

#if MONT_AVAILABLE

typedef unsigned __int128 u128;

/* limbs[0..count) = the big-endian number be[0..len), len <= 8 count. */
void mont_from_bytes(uint64_t *limbs, size_t count, const uint8_t *be, size_t len)
{
    size_t whole = len / 8, i;
    for (i = 0; i < whole; i++) limbs[i] = load_be64(be + len - 8 * (i + 1));
    if (len % 8) {
        uint64_t top = 0;
        for (size_t j = 0; j < len % 8; j++) top = top << 8 | be[j];
        limbs[i++] = top;
    }
    for (; i < count; i++) limbs[i] = 0;
}

bool mont_from_mpi(uint64_t *limbs, size_t count, const mbedtls_mpi *x)
{
    uint8_t be[MONT_MAX_LIMBS * 8];
    size_t len = count * 8;
    bool ok = len <= sizeof be && mbedtls_mpi_size(x) <= len && mbedtls_mpi_write_binary(x, be, len) == 0;
    if (ok) mont_from_bytes(limbs, count, be, len);
    mbedtls_platform_zeroize(be, sizeof be);   /* it may be part of a private key */
    return ok;
}

/* be[0..len) = the low len bytes of the number in limbs, big-endian. */
void mont_to_bytes(uint8_t *be, size_t len, const uint64_t *limbs)
{
    size_t whole = len / 8;
    for (size_t i = 0; i < whole; i++) store_be64(be + len - 8 * (i + 1), limbs[i]);
    uint64_t top = len % 8 ? limbs[whole] : 0;
    for (size_t j = len % 8; j-- > 0; top >>= 8) be[j] = (uint8_t)top;
}

/* Newton's iteration x <- x (2 - a x) doubles the number of correct low
 * bits; an odd a is its own inverse mod 8, so five steps give 96 >= 64. */
static uint64_t negated_inverse_mod_2_64(uint64_t odd)
{
    uint64_t inverse = odd;
    for (int i = 0; i < 5; i++) inverse *= 2 - odd * inverse;
    return 0 - inverse;
}

/* R^2 mod N with mbedTLS's bignums: once per modulus, so speed does not
 * matter. */
static bool compute_r_squared(mont_modulus *m, const mbedtls_mpi *modulus)
{
    mbedtls_mpi r2;
    mbedtls_mpi_init(&r2);
    bool ok = mbedtls_mpi_lset(&r2, 1) == 0 && mbedtls_mpi_shift_l(&r2, 2 * 64 * m->limbs) == 0 &&
              mbedtls_mpi_mod_mpi(&r2, &r2, modulus) == 0 && mont_from_mpi(m->r2, m->limbs, &r2);
    mbedtls_mpi_free(&r2);
    return ok;
}

bool mont_setup(mont_modulus *m, const mbedtls_mpi *modulus, const uint64_t *limbs, size_t count)
{
    if (count == 0 || count > MONT_MAX_LIMBS || !(limbs[0] & 1) || limbs[count - 1] == 0) return false;
    m->limbs = count;
    memcpy(m->n, limbs, count * sizeof *limbs);
    m->n0inv = negated_inverse_mod_2_64(limbs[0]);
    return compute_r_squared(m, modulus);
}

/* The sum of a column of a product: acc + hi 2^128.  Kept in locals, so
 * the compiler holds it in three registers and adds each partial product
 * with add/adc/adc. */
static inline void column_add(u128 *acc, uint64_t *hi, u128 x)
{
    *acc += x;
    *hi += *acc < x;
}

/* hi:acc += x for a single limb (spelt out so the compiler need not build
 * a 128-bit value for it). */
static inline void column_add_limb(u128 *acc, uint64_t *hi, uint64_t x)
{
    u128 sum = *acc + x;
    *hi += sum < *acc;
    *acc = sum;
}

/* Moves to the next column: the sum's low limb has been stored. */
static inline void column_shift(u128 *acc, uint64_t *hi)
{
    *acc = *acc >> 64 | (u128)*hi << 64;
    *hi = 0;
}

/* acc += x[0] y[0] + x[1] y[-1] + ... + x[count-1] y[-(count-1)]: one
 * column's run of partial products, x walking up while y walks down.
 * Unrolled twice by GCC, so the loop's own instructions weigh less against
 * the five of each product (measured: more copies are slower, the columns
 * being short); not by clang, whose vectorizer then turns the unrolled
 * loads into slower vector loads and shuffles. */
static inline void column_add_products(u128 *acc, uint64_t *hi, const uint64_t *x, const uint64_t *y, size_t count)
{
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 2
#endif
    for (size_t i = 0; i < count; i++) column_add(acc, hi, (u128)x[i] * *(y - i));
}

/* t[0..2n) = a * b */
void mont_multiply_wide(uint64_t *restrict t, const uint64_t *a, const uint64_t *b, size_t n)
{
    u128 acc = 0;
    uint64_t hi = 0;
    for (size_t col = 0; col < 2 * n - 1; col++) {
        size_t first = col < n ? 0 : col - n + 1, last = col < n ? col : n - 1;
        column_add_products(&acc, &hi, a + first, b + (col - first), last - first + 1);
        t[col] = (uint64_t)acc;
        column_shift(&acc, &hi);
    }
    t[2 * n - 1] = (uint64_t)acc;
}

/* t[0..2n) = the products a[i] a[j] with i < j, each once: half of the
 * square without its diagonal.  reduce_wide doubles it and adds the
 * squares a[i]^2 as it reads it, which costs less than a pass of its own.
 * About half the multiplications of mont_multiply_wide. */
static void square_wide_half(uint64_t *restrict t, const uint64_t *a, size_t n)
{
    u128 acc = 0;
    uint64_t hi = 0;
    t[0] = 0;
    for (size_t col = 1; col < 2 * n - 2; col++) {
        size_t first = col < n ? 0 : col - n + 1;
        size_t pairs = (col - 2 * first + 1) / 2;    /* i < j, i + j = col */
        column_add_products(&acc, &hi, a + first, a + (col - first), pairs);
        t[col] = (uint64_t)acc;
        column_shift(&acc, &hi);
    }
    t[2 * n - 2] = (uint64_t)acc;
    t[2 * n - 1] = (uint64_t)(acc >> 64);
}

bool mont_below(const uint64_t *a, const uint64_t *b, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (a[i] != b[i]) return a[i] < b[i];
    return false;
}

/* With the x86 intrinsic it is one sbb a limb, which the 128-bit spelling
 * is not. */
uint64_t mont_subtract(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
#if defined(__x86_64__)
    unsigned char borrow = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned long long d;
        borrow = _subborrow_u64(borrow, a[i], b[i], &d);
        r[i] = d;
    }
    return borrow;
#else
    uint64_t borrow = 0;
    for (size_t i = 0; i < n; i++) {
        u128 difference = (u128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)difference;
        borrow = (uint64_t)(difference >> 64) & 1;
    }
    return borrow;
#endif
}

static void limbs_subtract(uint64_t *a, const uint64_t *b, size_t n)
{
    mont_subtract(a, a, b, n);
}

/* r -= N when r (with `over`, a carry worth R) is not below N.  With
 * constant_time, what happens does not depend on r: both results are made
 * and one is kept by a mask. */
static void subtract_if_not_below(uint64_t *r, const uint64_t *modulus, size_t n, bool over, bool constant_time)
{
    if (!constant_time) {
        if (over || !mont_below(r, modulus, n)) limbs_subtract(r, modulus, n);
        return;
    }
    uint64_t less[MONT_MAX_LIMBS];
    uint64_t borrow = mont_subtract(less, r, modulus, n);
    uint64_t keep_less = 0 - (uint64_t)(over | (borrow ^ 1));
    __asm__("" : "+r"(keep_less));   /* a mask, not a branch */
    for (size_t i = 0; i < n; i++) r[i] = (less[i] & keep_less) | (r[i] & ~keep_less);
}

/* Limb col of the number being reduced: t[col] itself, or, when t holds
 * the half square of a (square_wide_half), limb col of 2 t plus a[col/2]^2
 * for an even col (its high half lands in the next column through the
 * carry).  *shifted_out carries the top bit of t[col - 1]. */
static inline void column_add_input(u128 *acc, uint64_t *hi, const uint64_t *t, const uint64_t *squared,
                                    size_t col, uint64_t *shifted_out)
{
    if (!squared) {
        column_add_limb(acc, hi, t[col]);
        return;
    }
    column_add_limb(acc, hi, t[col] << 1 | *shifted_out);
    *shifted_out = t[col] >> 63;
    if (col % 2 == 0) column_add(acc, hi, (u128)squared[col / 2] * squared[col / 2]);
}

/* r = t / R mod N for t < N R (Montgomery reduction), t destroyed; with
 * squared, the number is a^2 given as its half square t (see above).
 * Column col < n picks the multiple m[col] of N that clears it; m[col]
 * takes t[col]'s place, which that column has consumed.  Columns n..2n-1
 * are then the result, below 2N, so one subtraction at most makes it below
 * N. */
static void reduce_wide(uint64_t *r, uint64_t *restrict t, const uint64_t *squared, const mont_modulus *mod,
                        bool constant_time)
{
    size_t n = mod->limbs;
    const uint64_t *modulus = mod->n;
    u128 acc = 0;
    uint64_t hi = 0, shifted_out = 0;
    for (size_t col = 0; col < n; col++) {
        column_add_products(&acc, &hi, t, modulus + col, col);
        column_add_input(&acc, &hi, t, squared, col, &shifted_out);
        uint64_t m = (uint64_t)acc * mod->n0inv;
        column_add(&acc, &hi, (u128)m * modulus[0]);   /* the low limb is now 0 */
        t[col] = m;
        column_shift(&acc, &hi);
    }
    for (size_t col = n; col < 2 * n; col++) {
        column_add_products(&acc, &hi, t + (col - n + 1), modulus + (n - 1), 2 * n - 1 - col);
        column_add_input(&acc, &hi, t, squared, col, &shifted_out);
        r[col - n] = (uint64_t)acc;
        column_shift(&acc, &hi);
    }
    subtract_if_not_below(r, modulus, n, acc != 0, constant_time);
}

void mont_reduce(uint64_t *r, uint64_t *restrict t, const mont_modulus *m, bool constant_time)
{
    reduce_wide(r, t, NULL, m, constant_time);
}

void mont_multiply(uint64_t *r, const uint64_t *a, const uint64_t *b, uint64_t *scratch, const mont_modulus *m,
                   bool constant_time)
{
    mont_multiply_wide(scratch, a, b, m->limbs);
    reduce_wide(r, scratch, NULL, m, constant_time);
}

void mont_square(uint64_t *restrict r, const uint64_t *restrict a, uint64_t *scratch, const mont_modulus *m,
                 bool constant_time)
{
    square_wide_half(scratch, a, m->limbs);
    reduce_wide(r, scratch, a, m, constant_time);
}

#else

bool mont_setup(mont_modulus *m, const mbedtls_mpi *modulus, const uint64_t *limbs, size_t count)
{
    (void)m, (void)modulus, (void)limbs, (void)count;
    return false;
}

#endif
