/* RSA pre-master secret decryption: see rsa_private.h.
 *
 * m = c^d mod N by the Chinese remainder theorem (RFC 8017 5.1.2):
 * m1 = c^dP mod p, m2 = c^dQ mod q, h = qInv (m1 - m2) mod p,
 * m = m2 + q h.  c mod p comes from one Montgomery reduction of c itself
 * (c < N = p q < p R, as q < R), which gives c / R mod p; multiplying by
 * R^3 mod p makes it c R mod p, the Montgomery form of c mod p. */
#include "dissect/rsa_private.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/platform_util.h>

#include "dissect/montgomery.h"
#include "dissect/rsa_verify.h"

#if MONT_AVAILABLE

enum {
    HALF_MAX = MONT_MAX_LIMBS / 2,
    MIN_MODULUS_BYTES = 64,          /* 512 bits, as the signature checks */
    WINDOW_BITS = 4,
    TABLE_SIZE = 1 << WINDOW_BITS,
    PKCS1_MIN_PADDING = 8,           /* RFC 8017 7.2.2: PS is at least 8 octets */
    PKCS1_OVERHEAD = 11,             /* 0x00 0x02, 8 octets of PS, 0x00 */
};

struct rsa_private_key {
    const mbedtls_rsa_context *rsa;   /* for the public check of each result */
    size_t len;                       /* modulus length in bytes */
    size_t half;                      /* limbs of p and of q */
    uint64_t n[MONT_MAX_LIMBS];       /* N itself, to refuse c >= N as mbedTLS does */
    mont_modulus p, q;
    uint64_t dp[HALF_MAX], dq[HALF_MAX], qinv[HALF_MAX];
    uint64_t r3p[HALF_MAX], r3q[HALF_MAX];     /* R^3 mod p, mod q */
    uint64_t onep[HALF_MAX], oneq[HALF_MAX];   /* R mod p, mod q: 1 in Montgomery form */
};

/* 1 and R^3 in Montgomery form for m: REDC(R^2) = R, and R^2 R^2 / R. */
static void montgomery_constants(const mont_modulus *m, uint64_t *one, uint64_t *r3)
{
    uint64_t t[2 * HALF_MAX];
    size_t h = m->limbs;
    memcpy(t, m->r2, h * sizeof *t);
    memset(t + h, 0, h * sizeof *t);
    mont_reduce(one, t, m, false);
    mont_multiply(r3, m->r2, m->r2, t, m, false);
}

static bool positive(const mbedtls_mpi *x)
{
    return mbedtls_mpi_cmp_int(x, 0) > 0;
}

rsa_private_key *rsa_private_key_new(const mbedtls_rsa_context *rsa)
{
    if (!rsa || rsa->padding != MBEDTLS_RSA_PKCS_V15) return NULL;
    size_t len = mbedtls_rsa_get_len(rsa);
    if (len < MIN_MODULUS_BYTES || len > MONT_MAX_LIMBS * 8 || len != mbedtls_mpi_size(&rsa->N)) return NULL;
    if (!positive(&rsa->P) || !positive(&rsa->Q) || !positive(&rsa->DP) || !positive(&rsa->DQ) ||
        !positive(&rsa->QP))
        return NULL;
    /* Primes of one length, filling half of N's limbs each. */
    size_t pbits = mbedtls_mpi_bitlen(&rsa->P), half = (pbits + 63) / 64;
    if (mbedtls_mpi_bitlen(&rsa->Q) != pbits || 2 * half != (len + 7) / 8 || half > HALF_MAX) return NULL;
    /* The parts must make the key: p q = N. */
    mbedtls_mpi pq;
    mbedtls_mpi_init(&pq);
    bool whole = mbedtls_mpi_mul_mpi(&pq, &rsa->P, &rsa->Q) == 0 && mbedtls_mpi_cmp_mpi(&pq, &rsa->N) == 0;
    mbedtls_mpi_free(&pq);
    if (!whole) return NULL;

    rsa_private_key *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->rsa = rsa;
    k->len = len;
    k->half = half;
    uint64_t p[HALF_MAX], q[HALF_MAX];
    bool ok = mont_from_mpi(k->n, 2 * half, &rsa->N) && mont_from_mpi(p, half, &rsa->P) &&
              mont_from_mpi(q, half, &rsa->Q) && mont_from_mpi(k->dp, half, &rsa->DP) &&
              mont_from_mpi(k->dq, half, &rsa->DQ) && mont_from_mpi(k->qinv, half, &rsa->QP) &&
              mont_setup(&k->p, &rsa->P, p, half) && mont_setup(&k->q, &rsa->Q, q, half);
    mbedtls_platform_zeroize(p, sizeof p);
    mbedtls_platform_zeroize(q, sizeof q);
    if (!ok) {
        rsa_private_key_free(k);
        return NULL;
    }
    montgomery_constants(&k->p, k->onep, k->r3p);
    montgomery_constants(&k->q, k->oneq, k->r3q);
    return k;
}

void rsa_private_key_free(rsa_private_key *k)
{
    if (!k) return;
    mbedtls_platform_zeroize(k, sizeof *k);
    free(k);
}

/* dst = table[index], reading every entry: which one is taken shows
 * neither in the branches nor in the addresses. */
static void select_entry(uint64_t *dst, const uint64_t table[TABLE_SIZE][HALF_MAX], unsigned index, size_t h)
{
    memset(dst, 0, h * sizeof *dst);
    for (unsigned i = 0; i < TABLE_SIZE; i++) {
        uint64_t take = 0 - (((uint64_t)(i ^ index) - 1) >> 63);   /* all ones when i == index */
        for (size_t j = 0; j < h; j++) dst[j] |= table[i][j] & take;
    }
}

/* out = c^d R mod m (Montgomery form) for the 2h-limb c < m R, four bits of
 * d at a time from the top, with a multiplication for every window. */
static void exponentiate(uint64_t *out, const uint64_t *c, const uint64_t *d, const mont_modulus *m,
                         const uint64_t *one, const uint64_t *r3)
{
    size_t h = m->limbs;
    uint64_t t[2 * HALF_MAX], table[TABLE_SIZE][HALF_MAX], a[HALF_MAX], b[HALF_MAX], entry[HALF_MAX];
    memcpy(t, c, 2 * h * sizeof *t);
    mont_reduce(a, t, m, true);                        /* c / R */
    mont_multiply(table[1], a, r3, t, m, true);        /* c R */
    memcpy(table[0], one, h * sizeof *one);
    for (unsigned i = 2; i < TABLE_SIZE; i++) mont_multiply(table[i], table[i - 1], table[1], t, m, true);
    memcpy(a, one, h * sizeof *a);
    for (size_t bit = 64 * h; bit >= WINDOW_BITS; bit -= WINDOW_BITS) {
        mont_square(b, a, t, m, true);
        mont_square(a, b, t, m, true);
        mont_square(b, a, t, m, true);
        mont_square(a, b, t, m, true);
        size_t low = bit - WINDOW_BITS;
        unsigned digit = (unsigned)(d[low / 64] >> (low % 64)) & (TABLE_SIZE - 1);
        select_entry(entry, table, digit, h);
        mont_multiply(a, a, entry, t, m, true);
    }
    memcpy(out, a, h * sizeof *out);
    mbedtls_platform_zeroize(t, sizeof t);
    mbedtls_platform_zeroize(table, sizeof table);
    mbedtls_platform_zeroize(a, sizeof a);
    mbedtls_platform_zeroize(b, sizeof b);
    mbedtls_platform_zeroize(entry, sizeof entry);
}

/* r += b & mask over n limbs, the carry going on through r[n..total). */
static void add_masked(uint64_t *r, size_t total, const uint64_t *b, uint64_t mask, size_t n)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < total; i++) {
        unsigned __int128 sum = (unsigned __int128)r[i] + (i < n ? b[i] & mask : 0) + carry;
        r[i] = (uint64_t)sum;
        carry = (uint64_t)(sum >> 64);
    }
}

/* em = c^d mod N, len bytes, from the CRT parts. */
static void private_operation(const rsa_private_key *k, const uint64_t *c, uint8_t *em)
{
    size_t h = k->half;
    uint64_t m1[HALF_MAX], m2[HALF_MAX], m2p[HALF_MAX], diff[HALF_MAX], hq[HALF_MAX];
    uint64_t t[2 * HALF_MAX], m[MONT_MAX_LIMBS], unit[HALF_MAX] = { 1 };
    exponentiate(m1, c, k->dp, &k->p, k->onep, k->r3p);     /* m1 R mod p */
    exponentiate(m2, c, k->dq, &k->q, k->oneq, k->r3q);     /* m2 R mod q */
    mont_multiply(m2, m2, unit, t, &k->q, true);            /* m2 */
    /* m2 < q < R and R^2 mod p < p: their product is below p R. */
    mont_multiply(m2p, m2, k->p.r2, t, &k->p, true);        /* m2 R mod p */
    uint64_t borrow = mont_subtract(diff, m1, m2p, h);
    add_masked(diff, h, k->p.n, 0 - borrow, h);             /* (m1 - m2) R mod p */
    mont_multiply(hq, diff, k->qinv, t, &k->p, true);       /* qInv (m1 - m2) mod p */
    mont_multiply_wide(m, hq, k->q.n, h);                   /* q h */
    add_masked(m, 2 * h, m2, ~(uint64_t)0, h);              /* m2 + q h < N */
    mont_to_bytes(em, k->len, m);
    mbedtls_platform_zeroize(m1, sizeof m1);
    mbedtls_platform_zeroize(m2, sizeof m2);
    mbedtls_platform_zeroize(m2p, sizeof m2p);
    mbedtls_platform_zeroize(diff, sizeof diff);
    mbedtls_platform_zeroize(hq, sizeof hq);
    mbedtls_platform_zeroize(t, sizeof t);
    mbedtls_platform_zeroize(m, sizeof m);
}

/* EME-PKCS1-v1_5 decoding (RFC 8017 7.2.2 step 3): EM = 0x00 0x02 PS 0x00 M
 * with PS at least 8 nonzero octets; mbedTLS's verdicts and codes. */
static int unpad(const uint8_t *em, size_t len, uint8_t *output, size_t output_max_len, size_t *olen)
{
    unsigned bad = em[0] | (em[1] ^ 2);
    size_t separator = 0;   /* where the 0x00 after PS is; 0: none */
    for (size_t i = 2; i < len; i++) {
        size_t first_zero = (em[i] == 0) & (separator == 0);
        separator |= i & (0 - first_zero);
    }
    bad |= separator == 0;
    bad |= separator != 0 && separator - 2 < PKCS1_MIN_PADDING;
    if (bad) return MBEDTLS_ERR_RSA_INVALID_PADDING;
    size_t size = len - separator - 1;
    size_t max = output_max_len < len - PKCS1_OVERHEAD ? output_max_len : len - PKCS1_OVERHEAD;
    if (size > max) return MBEDTLS_ERR_RSA_OUTPUT_TOO_LARGE;
    memcpy(output, em + separator + 1, size);
    *olen = size;
    return 0;
}

int rsa_private_decrypt(const rsa_private_key *k, const uint8_t *input, uint8_t *output, size_t output_max_len,
                        size_t *olen)
{
    if (!k || !input || !output || !olen) return RSA_PRIVATE_UNHANDLED;
    uint64_t c[MONT_MAX_LIMBS];
    mont_from_bytes(c, 2 * k->half, input, k->len);
    if (!mont_below(c, k->n, 2 * k->half)) return RSA_PRIVATE_UNHANDLED;
    uint8_t em[MONT_MAX_LIMBS * 8], check[MONT_MAX_LIMBS * 8];
    private_operation(k, c, em);
    /* em^e must give the input back; anything else is mbedTLS's to answer. */
    int ret = RSA_PRIVATE_UNHANDLED;
    if (rsa_public_fast(k->rsa, em, check) == RSA_VERIFY_VALID && memcmp(check, input, k->len) == 0)
        ret = unpad(em, k->len, output, output_max_len, olen);
    mbedtls_platform_zeroize(em, sizeof em);
    return ret;
}

#else

rsa_private_key *rsa_private_key_new(const mbedtls_rsa_context *rsa)
{
    (void)rsa;
    return NULL;
}

void rsa_private_key_free(rsa_private_key *k)
{
    (void)k;
}

int rsa_private_decrypt(const rsa_private_key *k, const uint8_t *input, uint8_t *output, size_t output_max_len,
                        size_t *olen)
{
    (void)k, (void)input, (void)output, (void)output_max_len, (void)olen;
    return RSA_PRIVATE_UNHANDLED;
}

#endif
