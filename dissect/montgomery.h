/* Montgomery arithmetic on 64-bit limbs, for RSA: the public operation of
 * signature checks (rsa_verify.c) and the private one of pre-master secret
 * decryption (rsa_private.c).
 *
 * Numbers are arrays of limbs, least significant first.  For an n-limb odd
 * modulus N, R = 2^(64 n); a number's Montgomery form is x R mod N.
 * mont_multiply(a, b) is a b / R mod N, so it keeps Montgomery forms, and
 * multiplying by R^2 (m->r2) enters it.
 *
 * Products are computed column by column ("product scanning"): a column's
 * running sum stays in three registers instead of going through memory for
 * every partial product.  A square computes each product off the diagonal
 * once; the reduction doubles them and adds the diagonal as it reads them.
 * The loops depend only on the number of limbs, never on the values; with
 * `constant_time` the final subtraction of a reduction does not either (for
 * secrets: the private key's operations).
 *
 * Needs unsigned __int128 (GCC and clang on 64-bit targets): MONT_AVAILABLE
 * says whether it is there. */
#ifndef TLSVIEW_MONTGOMERY_H
#define TLSVIEW_MONTGOMERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/bignum.h>

#if defined(__SIZEOF_INT128__)
#define MONT_AVAILABLE 1
#else
#define MONT_AVAILABLE 0
#endif

enum { MONT_MAX_LIMBS = 8192 / 64 };

typedef struct mont_modulus {
    size_t limbs;
    uint64_t n[MONT_MAX_LIMBS];
    uint64_t r2[MONT_MAX_LIMBS];     /* R^2 mod N */
    uint64_t n0inv;                  /* -N^-1 mod 2^64 */
} mont_modulus;

/* Sets m up for the odd modulus held in limbs[0..count) (which is also
 * `modulus` for mbedTLS, used once for R^2).  False for an even modulus,
 * too many limbs, or when mbedTLS fails. */
bool mont_setup(mont_modulus *m, const mbedtls_mpi *modulus, const uint64_t *limbs, size_t count);

/* limbs[0..count) = the big-endian number be[0..len), len <= 8 count. */
void mont_from_bytes(uint64_t *limbs, size_t count, const uint8_t *be, size_t len);
/* limbs[0..count) = x; false when x does not fit. */
bool mont_from_mpi(uint64_t *limbs, size_t count, const mbedtls_mpi *x);
/* be[0..len) = the low len bytes of the number in limbs, big-endian. */
void mont_to_bytes(uint8_t *be, size_t len, const uint64_t *limbs);

/* a < b, for public values (returns as soon as a limb differs). */
bool mont_below(const uint64_t *a, const uint64_t *b, size_t n);

/* r = a - b over n limbs (r may be a); returns the borrow out, 0 or 1.
 * Takes the same time whatever the values. */
uint64_t mont_subtract(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n);

/* t[0..2n) = a * b */
void mont_multiply_wide(uint64_t *restrict t, const uint64_t *a, const uint64_t *b, size_t n);

/* r = t / R mod N for t[0..2n) < N R; t is destroyed. */
void mont_reduce(uint64_t *r, uint64_t *restrict t, const mont_modulus *m, bool constant_time);

/* r = a b / R mod N; r may be a or b.  scratch holds 2n limbs. */
void mont_multiply(uint64_t *r, const uint64_t *a, const uint64_t *b, uint64_t *scratch, const mont_modulus *m,
                   bool constant_time);

/* r = a^2 / R mod N; r must not be a.  scratch holds 2n limbs. */
void mont_square(uint64_t *restrict r, const uint64_t *restrict a, uint64_t *scratch, const mont_modulus *m,
                 bool constant_time);

#endif
