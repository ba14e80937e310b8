/* ChaCha20-Poly1305 against mbedTLS: the key stream from several
 * counters and at every length to 600 bytes, Poly1305 tags at every
 * length, the AEAD sealed by mbedTLS and opened here (and every kind of
 * damage refused), plus the examples of RFC 8439 2.5.2 and 2.8.2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/chacha20.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/poly1305.h>

#include "dissect/chacha_poly.h"
#include "tests/testlib.h"


static void rfc_examples(void)
{
    size_t n, mlen, tlen;
    uint8_t *key = test_unhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b", &n);
    const char *msg = "Cryptographic Forum Research Group";
    uint8_t *want = test_unhex("a8061dc1305136c6c22b8baf0c0127a9", &tlen);
    uint8_t tag[16];
    poly1305_tag(key, (const uint8_t *)msg, strlen(msg), tag);
    CHECK(memcmp(tag, want, 16) == 0);
    free(key);
    free(want);

    key = test_unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", &n);
    uint8_t *nonce = test_unhex("070000004041424344454647", &n);
    uint8_t *aad = test_unhex("50515253c0c1c2c3c4c5c6c7", &n);
    uint8_t *ct = test_unhex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                             "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                             "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                             "3ff4def08e4b7a9de576d26586cec64b6116", &mlen);
    want = test_unhex("1ae10b594f09e26a7e902ecbd0600691", &tlen);
    const char *plain = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
                        "future, sunscreen would be it.";
    uint8_t out[200];
    CHECK(chacha_poly_open(key, nonce, aad, 12, ct, mlen, want, out));
    CHECK(mlen == strlen(plain) && memcmp(out, plain, mlen) == 0);
    free(key), free(nonce), free(aad), free(ct), free(want);
}

static void key_stream(void)
{
    static const uint32_t counters[] = { 0, 1, 7, 0xfffffff0u };
    int differences = 0;
    for (size_t c = 0; c < 4; c++)
        for (size_t len = 0; len <= 600; len += (len < 300 ? 1 : 37)) {
            uint8_t key[32], nonce[12], in[600], ours[600], theirs[600];
            test_random_bytes(key, 32);
            test_random_bytes(nonce, 12);
            test_random_bytes(in, len);
            chacha20_xor(key, nonce, counters[c], in, len, ours);
            if (mbedtls_chacha20_crypt(key, nonce, counters[c], len, in, theirs) != 0) abort();
            test_checks++;
            if (memcmp(ours, theirs, len) != 0) differences++;
        }
    CHECK_EQ_INT(differences, 0);
}

static void tags(void)
{
    int differences = 0;
    for (size_t len = 0; len <= 300; len++) {
        uint8_t key[32], msg[300], ours[16], theirs[16];
        test_random_bytes(key, 32);
        test_random_bytes(msg, len);
        if (len % 50 == 0) memset(msg, 0xff, len);   /* carries all the way */
        poly1305_tag(key, msg, len, ours);
        if (mbedtls_poly1305_mac(key, msg, len, theirs) != 0) abort();
        test_checks++;
        if (memcmp(ours, theirs, 16) != 0) differences++;
    }
    CHECK_EQ_INT(differences, 0);
}

static int opened;

static void aead_case(size_t aad_len, size_t len)
{
    uint8_t key[32], nonce[12], aad[40], tag[16];
    uint8_t *plain = malloc(len + 1), *ct = malloc(len + 1), *out = malloc(len + 1);
    if (!plain || !ct || !out) abort();
    test_random_bytes(key, 32);
    test_random_bytes(nonce, 12);
    test_random_bytes(aad, aad_len);
    test_random_bytes(plain, len);
    mbedtls_chachapoly_context ctx;
    mbedtls_chachapoly_init(&ctx);
    if (mbedtls_chachapoly_setkey(&ctx, key) != 0 ||
        mbedtls_chachapoly_encrypt_and_tag(&ctx, len, nonce, aad, aad_len, plain, ct, tag) != 0)
        abort();
    mbedtls_chachapoly_free(&ctx);
    test_checks++;
    if (chacha_poly_open(key, nonce, aad, aad_len, ct, len, tag, out) && memcmp(out, plain, len) == 0) opened++;
    else test_fail(__FILE__, __LINE__, "aad %zu, text %zu: not opened", aad_len, len);
    /* The halves: the tag alone, then ranges of the plaintext (the middle
     * of 64-byte blocks included), each only where asked. */
    CHECK(chacha_poly_check(key, nonce, aad, aad_len, ct, len, tag));
    size_t ranges[][2] = { { 0, len }, { 0, len / 3 }, { len / 3, len }, { len / 5, len - len / 7 }, { len, len } };
    for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
        size_t from = ranges[r][0], to = ranges[r][1];
        memset(out, 0xee, len);
        chacha_poly_decrypt(key, nonce, ct, from, to, out);
        bool right = true;
        for (size_t i = 0; i < len; i++) right = right && out[i] == (i >= from && i < to ? plain[i] : 0xee);
        test_checks++;
        if (!right) test_fail(__FILE__, __LINE__, "text %zu: range %zu..%zu", len, from, to);
    }
    tag[len % 16] ^= 4;
    CHECK(!chacha_poly_check(key, nonce, aad, aad_len, ct, len, tag));
    CHECK(!chacha_poly_open(key, nonce, aad, aad_len, ct, len, tag, out));
    tag[len % 16] ^= 4;
    if (len) {
        ct[len - 1] ^= 0x80;
        CHECK(!chacha_poly_open(key, nonce, aad, aad_len, ct, len, tag, out));
        ct[len - 1] ^= 0x80;
    }
    if (aad_len) {
        aad[0] ^= 1;
        CHECK(!chacha_poly_open(key, nonce, aad, aad_len, ct, len, tag, out));
        aad[0] ^= 1;
    }
    nonce[0] ^= 1;
    CHECK(!chacha_poly_open(key, nonce, aad, aad_len, ct, len, tag, out));
    free(plain), free(ct), free(out);
}

int main(void)
{
    if (!chacha_poly_fast_available()) {
        printf("no fast path on this machine: nothing to test\n");
        return test_report("chacha_poly");
    }
    rfc_examples();
    key_stream();
    tags();
    int cases = 0;
    static const size_t aad_lens[] = { 0, 1, 5, 13, 16, 17, 40 };
    for (size_t a = 0; a < 7; a++)
        for (size_t len = 0; len <= 300; len++, cases++) aead_case(aad_lens[a], len);
    aead_case(5, 16384), cases++;
    aead_case(5, 16401), cases++;
    CHECK_EQ_INT(opened, cases);
    return test_report("chacha_poly");
}
