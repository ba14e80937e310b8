/* AES-GCM with the CPU's instructions against mbedTLS: every length of
 * additional data and text around the 16- and 64-byte boundaries, both
 * key sizes, short tags, and every kind of damage, which must fail the
 * tag check; plus test case 4 of the GCM specification. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>

#include "dissect/aes_gcm.h"
#include "tests/testlib.h"


static int agreements;

/* Seals with mbedTLS, opens with ours, then damages one thing at a time. */
static void one_case(size_t key_len, size_t aad_len, size_t len, size_t tag_len)
{
    uint8_t key[32], nonce[12], aad[80], tag[16];
    test_random_bytes(key, key_len);
    test_random_bytes(nonce, sizeof nonce);
    test_random_bytes(aad, aad_len);
    uint8_t *plain = malloc(len + 1), *ct = malloc(len + 1), *out = malloc(len + 1);
    if (!plain || !ct || !out) abort();
    test_random_bytes(plain, len);
    mbedtls_gcm_context gcm;
    mbedtls_gcm_init(&gcm);
    if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, (unsigned)key_len * 8) != 0 ||
        mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, nonce, 12, aad, aad_len, plain, ct, tag_len, tag) != 0)
        abort();
    mbedtls_gcm_free(&gcm);

    aes_gcm_key k;
    CHECK(aes_gcm_key_init(&k, key, key_len));
    bool ok = aes_gcm_open(&k, nonce, aad, aad_len, ct, len, tag, tag_len, out);
    test_checks++;
    if (!ok || memcmp(out, plain, len) != 0) {
        test_fail(__FILE__, __LINE__, "key %zu, aad %zu, text %zu, tag %zu: not opened", key_len, aad_len, len,
                  tag_len);
    } else {
        agreements++;
    }
    /* The halves: the tag alone, then ranges of the plaintext (the middle
     * of blocks included), each only where asked. */
    CHECK(aes_gcm_check(&k, nonce, aad, aad_len, ct, len, tag, tag_len));
    size_t ranges[][2] = { { 0, len }, { 0, len / 3 }, { len / 3, len }, { len / 5, len - len / 7 }, { len, len } };
    for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
        size_t from = ranges[r][0], to = ranges[r][1];
        memset(out, 0xee, len);
        aes_gcm_decrypt(&k, nonce, ct, from, to, out);
        bool right = true;
        for (size_t i = 0; i < len; i++) right = right && out[i] == (i >= from && i < to ? plain[i] : 0xee);
        test_checks++;
        if (!right) test_fail(__FILE__, __LINE__, "text %zu: range %zu..%zu", len, from, to);
    }
    /* damage: a tag bit, a text bit, an additional data bit, the nonce */
    tag[len % tag_len] ^= 0x10;
    CHECK(!aes_gcm_check(&k, nonce, aad, aad_len, ct, len, tag, tag_len));
    CHECK(!aes_gcm_open(&k, nonce, aad, aad_len, ct, len, tag, tag_len, out));
    tag[len % tag_len] ^= 0x10;
    if (len) {
        ct[len / 2] ^= 0x01;
        CHECK(!aes_gcm_open(&k, nonce, aad, aad_len, ct, len, tag, tag_len, out));
        bool zeroed = true;
        for (size_t i = 0; i < len; i++) zeroed = zeroed && out[i] == 0;
        CHECK(zeroed);
        ct[len / 2] ^= 0x01;
    }
    if (aad_len) {
        aad[aad_len - 1] ^= 0x80;
        CHECK(!aes_gcm_open(&k, nonce, aad, aad_len, ct, len, tag, tag_len, out));
        aad[aad_len - 1] ^= 0x80;
    }
    nonce[11] ^= 1;
    CHECK(!aes_gcm_open(&k, nonce, aad, aad_len, ct, len, tag, tag_len, out));
    free(plain);
    free(ct);
    free(out);
}

/* SP 800-38D's reference document (McGrew and Viega), test case 4:
 * AES-128, 20 bytes of additional data, 60 of text. */
static void specification_case(void)
{
    size_t n;
    uint8_t *key = test_unhex("feffe9928665731c6d6a8f9467308308", &n);
    uint8_t *nonce = test_unhex("cafebabefacedbaddecaf888", &n);
    uint8_t *aad = test_unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", &n);
    size_t plen, clen, tlen;
    uint8_t *plain = test_unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                                "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", &plen);
    uint8_t *ct = test_unhex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
                             "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091", &clen);
    uint8_t *tag = test_unhex("5bc94fbc3221a5db94fae95ae7121a47", &tlen);
    aes_gcm_key k;
    uint8_t out[60];
    CHECK(aes_gcm_key_init(&k, key, 16));
    CHECK(aes_gcm_open(&k, nonce, aad, 20, ct, clen, tag, tlen, out));
    CHECK(plen == clen && memcmp(out, plain, plen) == 0);
    free(key), free(nonce), free(aad), free(plain), free(ct), free(tag);
}

int main(void)
{
    if (!aes_gcm_fast_available()) {
        printf("this CPU has no AES-NI/PCLMULQDQ: the fast path is not used, nothing to test\n");
        return test_report("aes_gcm");
    }
    specification_case();
    static const size_t aad_lens[] = { 0, 1, 5, 13, 15, 16, 17, 31, 32, 63, 64, 65, 80 };
    int cases = 0;
    for (size_t key = 16; key <= 32; key += 16)
        for (size_t a = 0; a < sizeof aad_lens / sizeof aad_lens[0]; a++)
            for (size_t len = 0; len <= 200; len++, cases++)
                one_case(key, aad_lens[a], len, 16);
    static const size_t big[] = { 1024, 4095, 16384, 16401 };
    for (size_t i = 0; i < 4; i++, cases += 3) {
        one_case(16, 13, big[i], 16);
        one_case(32, 5, big[i], 16);
        one_case(16, 5, big[i], 8);
    }
    for (size_t t = 4; t <= 16; t++, cases++) one_case(16, 13, 77, t);
    CHECK_EQ_INT(agreements, cases);
    return test_report("aes_gcm");
}
