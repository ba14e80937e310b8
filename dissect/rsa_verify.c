/* RSA signature verification: see rsa_verify.h.
 *
 * The public-key operation is s^e mod N in Montgomery form (montgomery.h).
 * The exponent is public, so plain left-to-right square-and-multiply is
 * right, and the last multiplication, by the plain base rather than its
 * Montgomery form, leaves Montgomery form for free: for e = 65537, one
 * conversion in, 16 squarings and one multiplication.
 *
 * Needs unsigned __int128 (GCC and clang on 64-bit targets); without it
 * every call is left to mbedTLS. */
#include "dissect/rsa_verify.h"

#include <string.h>

#include <mbedtls/bignum.h>

#include "dissect/byteorder.h"
#include "dissect/montgomery.h"

#if MONT_AVAILABLE

enum {
    MIN_MODULUS_BITS = 512,
    MAX_MODULUS_BITS = 8192,
    MAX_MODULUS_BYTES = MAX_MODULUS_BITS / 8,
    KEY_CACHE_ENTRIES = 8,
    PKCS1_MIN_PADDING = 8,      /* RFC 8017 9.2 step 4: at least 8 octets 0xff */
    PSS_ZERO_PREFIX = 8,        /* RFC 8017 9.1.2 step 12: M' starts with 8 zero octets */
};

/* ================================================================ keys */

/* What a modulus and exponent need for Montgomery arithmetic, computed
 * once per key.  The cache key is the modulus (its limbs) with the
 * exponent. */
typedef struct mont_key {
    size_t len;                          /* modulus length in bytes; 0: slot unused */
    uint64_t exponent;
    size_t bits;
    mont_modulus mod;
} mont_key;

/* Per thread, so the dissector threads share nothing mutable.  A handful
 * of entries: a capture rarely has more certificate keys signing at once,
 * and a miss costs one R^2 computation. */
static _Thread_local struct {
    mont_key keys[KEY_CACHE_ENTRIES];
    unsigned next_victim;
} key_cache;

static bool setup_key(mont_key *key, const mbedtls_mpi *modulus, const uint64_t *limbs, size_t len, size_t bits,
                      uint64_t exponent)
{
    key->len = len;
    key->exponent = exponent;
    key->bits = bits;
    if (mont_setup(&key->mod, modulus, limbs, (len + 7) / 8)) return true;
    key->len = 0;
    return false;
}

/* The modulus as 64-bit limbs: mbedTLS's own when its limbs are 64-bit
 * (every platform with unsigned __int128), which spares writing it out on
 * every call; else converted into buf.  NULL if it cannot be had. */
static const uint64_t *modulus_limbs(const mbedtls_mpi *modulus, size_t len, uint64_t *buf)
{
    if (sizeof(mbedtls_mpi_uint) == sizeof(uint64_t)) return (const uint64_t *)modulus->p;
    return mont_from_mpi(buf, (len + 7) / 8, modulus) ? buf : NULL;
}

static bool exponent_value(const mbedtls_mpi *exponent, uint64_t *e)
{
    uint8_t be[8];
    if (mbedtls_mpi_write_binary(exponent, be, sizeof be) != 0) return false;
    *e = load_be64(be);
    return true;
}

/* The Montgomery constants of rsa's public key, or NULL when the fast path
 * does not take the key on.  The checks before the limits of this file are
 * those mbedtls_rsa_public makes (rsa_check_context): a key failing them
 * gets an error there, and that verdict is mbedTLS's to give. */
static const mont_key *key_of(const mbedtls_rsa_context *rsa)
{
    /* mbedTLS 2.28 has no accessors for N and E: the fields are public. */
    const mbedtls_mpi *modulus = &rsa->N, *exponent = &rsa->E;
    size_t len = mbedtls_rsa_get_len(rsa);
    if (len != mbedtls_mpi_size(modulus) || mbedtls_mpi_cmp_int(modulus, 0) <= 0 ||
        mbedtls_mpi_get_bit(modulus, 0) == 0 || mbedtls_mpi_cmp_int(exponent, 0) <= 0)
        return NULL;
    size_t bits = mbedtls_mpi_bitlen(modulus), limbs = (len + 7) / 8;
    uint64_t e, buf[MONT_MAX_LIMBS];
    if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS || mbedtls_mpi_bitlen(exponent) > 64 ||
        !exponent_value(exponent, &e))
        return NULL;
    /* mbedtls_mpi_size(N) == len: N has at least `limbs` limbs. */
    const uint64_t *n = modulus_limbs(modulus, len, buf);
    if (!n) return NULL;
    for (int i = 0; i < KEY_CACHE_ENTRIES; i++) {
        const mont_key *key = &key_cache.keys[i];
        if (key->len == len && key->exponent == e && memcmp(key->mod.n, n, limbs * sizeof *n) == 0) return key;
    }
    mont_key *key = &key_cache.keys[key_cache.next_victim];
    key_cache.next_victim = (key_cache.next_victim + 1) % KEY_CACHE_ENTRIES;
    return setup_key(key, modulus, n, len, bits, e) ? key : NULL;
}

/* ================================================================ arithmetic */

/* out = x^e mod N for x < N. */
static void raise_to_exponent(uint64_t *out, const uint64_t *x, const mont_key *key)
{
    size_t n = key->mod.limbs;
    uint64_t scratch[2 * MONT_MAX_LIMBS], x_mont[MONT_MAX_LIMBS], spare[MONT_MAX_LIMBS];
    uint64_t *value = out, *other = spare;   /* a square needs its input intact */
    mont_multiply(x_mont, x, key->mod.r2, scratch, &key->mod, false);
    memcpy(value, x_mont, n * sizeof *value);
    bool montgomery_form = true;
    uint64_t e = key->exponent;
    for (int bit = 62 - __builtin_clzll(e); bit >= 0; bit--) {
        mont_square(other, value, scratch, &key->mod, false);
        uint64_t *squared = other;
        other = value, value = squared;
        if (!(e >> bit & 1)) continue;
        /* x^k R times plain x is x^(k+1): out of Montgomery form. */
        bool last = bit == 0;
        mont_multiply(value, value, last ? x : x_mont, scratch, &key->mod, false);
        montgomery_form = !last;
    }
    if (montgomery_form) {   /* an even exponent, or 1 */
        memcpy(scratch, value, n * sizeof *value);
        memset(scratch + n, 0, n * sizeof *scratch);
        mont_reduce(value, scratch, &key->mod, false);
    }
    if (value != out) memcpy(out, value, n * sizeof *out);
}

/* out = sig^e mod N, both key->len bytes; false when sig >= N. */
static bool public_operation(const mont_key *key, const uint8_t *sig, uint8_t *out)
{
    uint64_t x[MONT_MAX_LIMBS], y[MONT_MAX_LIMBS];
    mont_from_bytes(x, key->mod.limbs, sig, key->len);
    if (!mont_below(x, key->mod.n, key->mod.limbs)) return false;
    raise_to_exponent(y, x, key);
    mont_to_bytes(out, key->len, y);
    return true;
}

/* ================================================================ encodings */

/* The DER of DigestInfo up to the digest itself, per hash (RFC 8017 9.2,
 * note 1): SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (digest) }. */
typedef struct digest_info_prefix {
    mbedtls_md_type_t md;
    uint8_t len;
    uint8_t der[19];
} digest_info_prefix;

static const digest_info_prefix DIGEST_INFO_PREFIXES[] = {
    { MBEDTLS_MD_MD5, 18, { 0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05,
                            0x05, 0x00, 0x04, 0x10 } },
    { MBEDTLS_MD_SHA1, 15, { 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
                             0x14 } },
    { MBEDTLS_MD_SHA224, 19, { 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                               0x04, 0x05, 0x00, 0x04, 0x1c } },
    { MBEDTLS_MD_SHA256, 19, { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                               0x01, 0x05, 0x00, 0x04, 0x20 } },
    { MBEDTLS_MD_SHA384, 19, { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                               0x02, 0x05, 0x00, 0x04, 0x30 } },
    { MBEDTLS_MD_SHA512, 19, { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                               0x03, 0x05, 0x00, 0x04, 0x40 } },
};

/* The prefix for md; MBEDTLS_MD_NONE has the empty one (the digest is the
 * whole payload); NULL for a hash without a prefix here. */
static const digest_info_prefix *prefix_of(mbedtls_md_type_t md)
{
    static const digest_info_prefix none = { MBEDTLS_MD_NONE, 0, { 0 } };
    if (md == MBEDTLS_MD_NONE) return &none;
    for (size_t i = 0; i < sizeof DIGEST_INFO_PREFIXES / sizeof *DIGEST_INFO_PREFIXES; i++)
        if (DIGEST_INFO_PREFIXES[i].md == md) return &DIGEST_INFO_PREFIXES[i];
    return NULL;
}

/* EMSA-PKCS1-v1_5 (RFC 8017 9.2), checked in place rather than built and
 * compared: EM = 0x00 0x01 0xff.. (at least 8) 0x00 prefix digest. */
static rsa_verify_result pkcs1_v15_check(const uint8_t *em, size_t k, const digest_info_prefix *prefix,
                                         const uint8_t *digest, size_t dlen)
{
    if (dlen > k || k - dlen < prefix->len + 3u + PKCS1_MIN_PADDING) return RSA_VERIFY_INVALID;
    size_t padding = k - dlen - prefix->len - 3;
    if (em[0] != 0x00 || em[1] != 0x01) return RSA_VERIFY_INVALID;
    for (size_t i = 0; i < padding; i++)
        if (em[2 + i] != 0xff) return RSA_VERIFY_INVALID;
    const uint8_t *t = em + 2 + padding;
    if (t[0] != 0x00 || memcmp(t + 1, prefix->der, prefix->len) != 0 ||
        memcmp(t + 1 + prefix->len, digest, dlen) != 0)
        return RSA_VERIFY_INVALID;
    return RSA_VERIFY_VALID;
}

/* out[0..len) ^= MGF1(seed) (RFC 8017 B.2.1). */
static bool mgf1_xor(uint8_t *out, size_t len, const uint8_t *seed, size_t hlen, const mbedtls_md_info_t *info)
{
    uint8_t input[MBEDTLS_MD_MAX_SIZE + 4], mask[MBEDTLS_MD_MAX_SIZE];
    memcpy(input, seed, hlen);
    uint32_t counter = 0;
    for (size_t done = 0; done < len; done += hlen, counter++) {
        for (int i = 0; i < 4; i++) input[hlen + i] = (uint8_t)(counter >> (24 - 8 * i));
        if (mbedtls_md(info, input, hlen + 4, mask) != 0) return false;
        size_t take = len - done < hlen ? len - done : hlen;
        for (size_t i = 0; i < take; i++) out[done + i] ^= mask[i];
    }
    return true;
}

/* EMSA-PSS verification (RFC 8017 9.1.2) of the k-byte public-key output
 * of a modulus of mod_bits bits, with MGF1 on the same hash and a salt as
 * long as the digest.  EM is the last emLen bytes of the output: one byte
 * shorter when mod_bits - 1 is a multiple of 8, and then the byte before
 * it must be zero (I2OSP to emLen fails otherwise). */
static rsa_verify_result pss_check(const uint8_t *output, size_t k, size_t mod_bits, const mbedtls_md_info_t *info,
                                   const uint8_t *digest, size_t hlen)
{
    size_t em_bits = mod_bits - 1, em_len = (em_bits + 7) / 8, salt_len = hlen;
    const uint8_t *em = output + (k - em_len);
    if (k > em_len && output[0] != 0) return RSA_VERIFY_INVALID;
    if (em_len < hlen + salt_len + 2 || em[em_len - 1] != 0xbc) return RSA_VERIFY_INVALID;
    size_t db_len = em_len - hlen - 1;
    const uint8_t *h = em + db_len;
    uint8_t top_bits_mask = (uint8_t)(0xff >> (8 * em_len - em_bits));
    if (em[0] & (uint8_t)~top_bits_mask) return RSA_VERIFY_INVALID;

    uint8_t db[MAX_MODULUS_BYTES];
    memcpy(db, em, db_len);
    if (!mgf1_xor(db, db_len, h, hlen, info)) return RSA_VERIFY_UNHANDLED;
    db[0] &= top_bits_mask;
    size_t zeros = db_len - salt_len - 1;
    for (size_t i = 0; i < zeros; i++)
        if (db[i] != 0) return RSA_VERIFY_INVALID;
    if (db[zeros] != 0x01) return RSA_VERIFY_INVALID;

    uint8_t m_prime[PSS_ZERO_PREFIX + 2 * MBEDTLS_MD_MAX_SIZE], h_prime[MBEDTLS_MD_MAX_SIZE];
    memset(m_prime, 0, PSS_ZERO_PREFIX);
    memcpy(m_prime + PSS_ZERO_PREFIX, digest, hlen);
    memcpy(m_prime + PSS_ZERO_PREFIX + hlen, db + db_len - salt_len, salt_len);
    if (mbedtls_md(info, m_prime, PSS_ZERO_PREFIX + hlen + salt_len, h_prime) != 0) return RSA_VERIFY_UNHANDLED;
    return memcmp(h, h_prime, hlen) == 0 ? RSA_VERIFY_VALID : RSA_VERIFY_INVALID;
}

/* ================================================================ API */

rsa_verify_result rsa_public_fast(const mbedtls_rsa_context *rsa, const uint8_t *sig, uint8_t *out)
{
    const mont_key *key = rsa ? key_of(rsa) : NULL;
    if (!key) return RSA_VERIFY_UNHANDLED;
    return public_operation(key, sig, out) ? RSA_VERIFY_VALID : RSA_VERIFY_INVALID;
}

rsa_verify_result rsa_verify_fast(const mbedtls_rsa_context *rsa, bool pss, mbedtls_md_type_t md,
                                  const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t slen)
{
    if (!rsa || !sig || (!digest && dlen)) return RSA_VERIFY_UNHANDLED;
    const digest_info_prefix *prefix = prefix_of(md);
    if (!prefix) return RSA_VERIFY_UNHANDLED;
    const mbedtls_md_info_t *info = NULL;
    if (md != MBEDTLS_MD_NONE) {
        /* mbedtls_pk_verify takes the hash's length whatever dlen says;
         * leave such calls to it. */
        info = mbedtls_md_info_from_type(md);
        if (!info || dlen != mbedtls_md_get_size(info)) return RSA_VERIFY_UNHANDLED;
    } else if (pss || dlen == 0) {
        return RSA_VERIFY_UNHANDLED;
    }
    /* mbedtls_pk_verify dispatches on the context's padding mode. */
    if (!pss && rsa->padding != MBEDTLS_RSA_PKCS_V15) return RSA_VERIFY_UNHANDLED;
    const mont_key *key = key_of(rsa);
    if (!key) return RSA_VERIFY_UNHANDLED;

    if (slen != key->len) return RSA_VERIFY_INVALID;
    uint8_t output[MAX_MODULUS_BYTES];
    if (!public_operation(key, sig, output)) return RSA_VERIFY_INVALID;
    return pss ? pss_check(output, key->len, key->bits, info, digest, dlen)
               : pkcs1_v15_check(output, key->len, prefix, digest, dlen);
}

#else

rsa_verify_result rsa_public_fast(const mbedtls_rsa_context *rsa, const uint8_t *sig, uint8_t *out)
{
    (void)rsa, (void)sig, (void)out;
    return RSA_VERIFY_UNHANDLED;
}

rsa_verify_result rsa_verify_fast(const mbedtls_rsa_context *rsa, bool pss, mbedtls_md_type_t md,
                                  const uint8_t *digest, size_t dlen, const uint8_t *sig, size_t slen)
{
    (void)rsa, (void)pss, (void)md, (void)digest, (void)dlen, (void)sig, (void)slen;
    return RSA_VERIFY_UNHANDLED;
}

#endif
