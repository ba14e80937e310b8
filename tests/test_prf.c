/* Key derivation against independent answers:
 *  - the TLS 1.2 PRF test vectors published on the IETF TLS list (SHA-256
 *    and SHA-384), which OpenSSL's `openssl kdf ... TLS1-PRF` reproduces;
 *  - the TLS 1.0 PRF, master secret, key block and Finished values computed
 *    with `openssl kdf` (digest MD5-SHA1 / SHA256 / SHA384);
 *  - the SSL 3.0 construction computed with Python's hashlib;
 *  - the TLS 1.3 key schedule of RFC 8448 sections 3 and 4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include "dissect/names.h"
#include "dissect/prf.h"
#include "tests/testlib.h"

static uint8_t *H(const char *hex, size_t *n)
{
    size_t dummy;
    return test_unhex(hex, n ? n : &dummy);
}

#define CHECK_HEX(buf, len, hex) check_hex(__FILE__, __LINE__, #buf, buf, len, hex)
static void check_hex(const char *file, int line, const char *what, const uint8_t *buf, size_t len,
                      const char *hex)
{
    size_t n;
    uint8_t *want = H(hex, &n);
    test_checks++;
    if (n != len || memcmp(buf, want, n) != 0) {
        char got[2 * 256 + 1] = "";
        for (size_t i = 0; i < len && i < 256; i++) sprintf(got + 2 * i, "%02x", buf[i]);
        test_fail(file, line, "%s is %s, expected %s", what, got, hex);
    }
    free(want);
}

static void test_tls12_prf(void)
{
    /* TLS 1.2 PRF test vectors (IETF TLS mailing list), label "test label". */
    size_t sl, el;
    uint8_t *secret = H("9bbe436ba940f017b17652849a71db35", &sl);
    uint8_t *seed = H("a0ba9f936cda311827a6f796ffd5198c", &el);
    uint8_t out[160];
    CHECK_EQ_INT(prf_tls(PRF_SHA256, secret, sl, "test label", seed, el, out, 100), 0);
    CHECK_HEX(out, 100,
              "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa0"
              "22f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66");
    free(secret);
    free(seed);

    secret = H("b80b733d6ceefcdc71566ea48e5567df", &sl);
    seed = H("cd665cf6a8447dd6ff8b27555edb7465", &el);
    CHECK_EQ_INT(prf_tls(PRF_SHA384, secret, sl, "test label", seed, el, out, 148), 0);
    CHECK_HEX(out, 148,
              "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
              "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
              "91c8f3a26854308d5eaa3be85e0990703d73e56f");
    free(secret);
    free(seed);
}

static void test_tls10_prf(void)
{
    /* MD5 xor SHA-1 with an odd-length (47-byte) secret: both halves share
     * the middle byte.  Expected output from openssl kdf digest:MD5-SHA1. */
    uint8_t secret[47];
    for (int i = 0; i < 47; i++) secret[i] = (uint8_t)(i + 1);
    size_t el;
    uint8_t *seed = H("a0ba9f936cda311827a6f796ffd5198c", &el);
    uint8_t out[80];
    CHECK_EQ_INT(prf_tls(PRF_MD5_SHA1, secret, 47, "test label", seed, el, out, 80), 0);
    CHECK_HEX(out, 80,
              "e2473d14d71bcfd175d2f5b3085d5d7b9f5a4c775b76d0b6f0accd11e27161d40a34a625cf26fe68704c1abd3f8912214adea64b"
              "2dd80d4fbdb373909d0960a33112d0c0255ac8e8c9546da65b160abf");
    free(seed);
}

static uint8_t cr[32], sr[32];

static void randoms(void)
{
    for (int i = 0; i < 32; i++) {
        cr[i] = (uint8_t)(0x10 + i);
        sr[i] = (uint8_t)(0x40 + i);
    }
}

static void test_ssl3(void)
{
    uint8_t pms[48], ms[48], kb[104];
    pms[0] = 3;
    pms[1] = 0;
    for (int i = 2; i < 48; i++) pms[i] = (uint8_t)i;
    CHECK_EQ_INT(prf_master_secret(TLS_VERSION_SSL30, PRF_MD5_SHA1, pms, 48, cr, sr, NULL, 0, ms), 0);
    CHECK_HEX(ms, 48, "497608d1bb0f3f82fe73ff6145c9f0773c6a3eb2c4b6fc6b31a596c59e6ccf67d760685b0a841c7cdb8e74e58b87834a");
    CHECK_EQ_INT(prf_key_block(TLS_VERSION_SSL30, PRF_MD5_SHA1, ms, cr, sr, kb, sizeof kb), 0);
    CHECK_HEX(kb, sizeof kb,
              "873900f125d5d8fb1fe0b77abda9d994a00a3afa33ad0e10c7c35ce2c74a34491a05d2f93e7b16bcc85474cde9504d6e8e8f24008d2b71a5"
              "18fca9876a5ee00d3606563321acc12bc547ab35c19d398a3d885b1a0d152a0221dffc9d46516ee257219fc54f39635e");
}

static void test_master_and_key_block(void)
{
    uint8_t pms[48], ms[48], kb[200], hh[48];
    pms[0] = 3;
    pms[1] = 3;
    for (int i = 2; i < 48; i++) pms[i] = (uint8_t)(0xa0 + i - 2);
    CHECK_EQ_INT(prf_master_secret(TLS_VERSION_TLS12, PRF_SHA256, pms, 48, cr, sr, NULL, 0, ms), 0);
    CHECK_HEX(ms, 48, "a970c98557186d62cc81cf8cc9b7a367589c58d9db69f3fc4f775ad23d4dc872c2e981e1fd805a2d35de30d9ab455b7f");

    /* RFC 7627: the session hash replaces the randoms */
    CHECK_EQ_INT(prf_hash_buf(PRF_SHA256, (const uint8_t *)"session", 7, hh), 0);
    uint8_t ems[48];
    CHECK_EQ_INT(prf_master_secret(TLS_VERSION_TLS12, PRF_SHA256, pms, 48, cr, sr, hh, 32, ems), 0);
    CHECK_HEX(ems, 48, "806f7401dfb3f0ad08395a387a5e79a110192269c8b5e862073266593d284f85dc50dab498940e0f0fce769045ca3d66");

    /* TLS_RSA_WITH_AES_128_CBC_SHA in TLS 1.2: 2 x 20 MAC + 2 x 16 key, no IVs */
    tls_suite_info si;
    CHECK(tls_suite_info_get(0x002f, &si));
    tls_key_material km;
    CHECK_EQ_INT(prf_key_material(TLS_VERSION_TLS12, &si, PRF_SHA256, ms, cr, sr, &km), 0);
    CHECK_EQ_INT(km.mac_key_len, 20);
    CHECK_EQ_INT(km.key_len, 16);
    CHECK_EQ_INT(km.iv_len, 0);
    const char *kb12 = "a005a5bbb5f1af670938c1abe310e7e15b23d2ab3853ebf8f24a68e86d2c292a89b5e5fd8479eba13f72d1f0c168ff2da869e99aa626ecff57411c950b3fd3c83d6fba98ec3e1667";
    CHECK_EQ_INT(prf_key_block(TLS_VERSION_TLS12, PRF_SHA256, ms, cr, sr, kb, 72), 0);
    CHECK_HEX(kb, 72, kb12);
    CHECK(memcmp(km.mac_key[0], kb, 20) == 0 && memcmp(km.mac_key[1], kb + 20, 20) == 0);
    CHECK(memcmp(km.key[0], kb + 40, 16) == 0 && memcmp(km.key[1], kb + 56, 16) == 0);

    /* TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: PRF-SHA384, 2 x 32 key + 2 x 4 salt */
    CHECK(tls_suite_info_get(0xc030, &si));
    CHECK_EQ_INT(prf_hash_for(TLS_VERSION_TLS12, &si), PRF_SHA384);
    CHECK_EQ_INT(prf_master_secret(TLS_VERSION_TLS12, PRF_SHA384, pms, 48, cr, sr, NULL, 0, ms), 0);
    CHECK_HEX(ms, 48, "3224e05a5cda1af799c9997f115cc31153d58727ccd505e8f27ef1923ac4f86ab3d9206dd99b3d1bd09dee2d0410a625");
    CHECK_EQ_INT(prf_key_material(TLS_VERSION_TLS12, &si, PRF_SHA384, ms, cr, sr, &km), 0);
    CHECK_EQ_INT(km.mac_key_len, 0);
    CHECK_EQ_INT(km.key_len, 32);
    CHECK_EQ_INT(km.iv_len, 4);
    CHECK_HEX(km.key[0], 32, "b20ee9ebb4312b4b8ea9993a7d8cc181429c522d986d3c7d0e109c74f9782652");
    CHECK_HEX(km.key[1], 32, "cb7ba80807f3124b3e69fc34cf7d75ee00a1038c3d91403748008e6b1e79c755");
    CHECK_HEX(km.iv[0], 4, "44c53f49");
    CHECK_HEX(km.iv[1], 4, "cb32f909");

    /* TLS 1.0, AES-128-CBC-SHA: MD5/SHA-1 PRF and IVs in the key block */
    uint8_t pms10[48];
    pms10[0] = 3;
    pms10[1] = 0;
    for (int i = 2; i < 48; i++) pms10[i] = (uint8_t)i;
    CHECK_EQ_INT(prf_master_secret(TLS_VERSION_TLS10, PRF_MD5_SHA1, pms10, 48, cr, sr, NULL, 0, ms), 0);
    CHECK_HEX(ms, 48, "a9dd86bcc220f7420d389c14012886b808da99f4395143e2d05d36af7ea5add383560c5904d616d6a0e9a9fb43709800");
    CHECK(tls_suite_info_get(0x002f, &si));
    CHECK_EQ_INT(prf_hash_for(TLS_VERSION_TLS10, &si), PRF_MD5_SHA1);
    CHECK_EQ_INT(prf_key_material(TLS_VERSION_TLS10, &si, PRF_MD5_SHA1, ms, cr, sr, &km), 0);
    CHECK_EQ_INT(km.iv_len, 16);
    CHECK_HEX(km.mac_key[0], 20, "770cba6e7a3354cbc7d052d91a5d13afd85e2d6f");
    CHECK_HEX(km.mac_key[1], 20, "8793cba260aacca03a7a4504b3298b191b7a6f97");
    CHECK_HEX(km.key[0], 16, "4c17f22327144dcac862d57223369ecf");
    CHECK_HEX(km.key[1], 16, "918a6978ea42d2a263fe7b09faf29768");
    CHECK_HEX(km.iv[0], 16, "5105c9aa0c24a4d5b2a8886907583913");
    CHECK_HEX(km.iv[1], 16, "be587ab1d95825d7f74e9a6a537e5ea2");

    /* Finished */
    uint8_t vd[12], ms12[48];
    CHECK_EQ_INT(prf_master_secret(TLS_VERSION_TLS12, PRF_SHA256, pms, 48, cr, sr, NULL, 0, ms12), 0);
    CHECK_EQ_INT(prf_hash_buf(PRF_SHA256, (const uint8_t *)"handshake", 9, hh), 0);
    CHECK_EQ_INT(prf_finished(PRF_SHA256, ms12, true, hh, 32, vd), 0);
    CHECK_HEX(vd, 12, "4802ad5706c0dd855b369b21");
    CHECK_EQ_INT(prf_hash_buf(PRF_MD5_SHA1, (const uint8_t *)"handshake", 9, hh), 0);
    CHECK_EQ_INT(prf_finished(PRF_MD5_SHA1, ms, false, hh, 36, vd), 0);
    CHECK_HEX(vd, 12, "cfab12f2c21130b122d82f9a");

    /* suites it cannot do */
    size_t a, b, c;
    CHECK(tls_suite_info_get(0x0003, &si));            /* RSA_EXPORT_WITH_RC4_40_MD5 */
    CHECK(!prf_suite_sizes(TLS_VERSION_TLS10, &si, &a, &b, &c));
    CHECK(tls_suite_info_get(0x0007, &si));            /* RSA_WITH_IDEA_CBC_SHA */
    CHECK(!prf_suite_sizes(TLS_VERSION_TLS10, &si, &a, &b, &c));
}

/* ---- RFC 8448 ---- */

static const char ch[] =
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b"
    "0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d00209938"
    "1de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e04030503060302030804080508"
    "0604010501060102010402050206020202002d00020101001c00024001";
static const char sh[] =
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c98288"
    "76112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
static const char ee[] = "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
static const char cert[] =
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a060355040313"
    "03727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f"
    "300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a24"
    "61eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda"
    "430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a30183009"
    "0603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a72"
    "67170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102"
    "702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187"
    "b42b4de10000";
static const char cv[] =
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653"
    "fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf327"
    "8409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";
static const char sfin[] = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
static const char cfin[] = "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

/* SHA-256 over the concatenation of messages. */
static void transcript(const char *const *msgs, size_t n, uint8_t out[32])
{
    size_t total = 0, len;
    uint8_t *all = NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t *m = H(msgs[i], &len);
        all = realloc(all, total + len);
        memcpy(all + total, m, len);
        total += len;
        free(m);
    }
    prf_hash_buf(PRF_SHA256, all, total, out);
    free(all);
}

static void test_rfc8448_simple(void)
{
    const prf_hash h = PRF_SHA256;
    uint8_t early[32], hs[32], master[32], th[32], chts[32], shts[32], cats[32], sats[32], x[32];
    size_t n;

    CHECK_EQ_INT(tls13_early_secret(h, NULL, 0, early), 0);
    CHECK_HEX(early, 32, "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    uint8_t empty[32];
    prf_empty_hash(h, empty);
    CHECK_EQ_INT(tls13_derive_secret(h, early, "derived", empty, x), 0);
    CHECK_HEX(x, 32, "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");

    uint8_t *dhe = H("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d", &n);
    CHECK_EQ_INT(tls13_handshake_secret(h, early, dhe, n, hs), 0);
    CHECK_HEX(hs, 32, "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
    free(dhe);

    const char *m1[] = { ch, sh };
    transcript(m1, 2, th);
    CHECK_HEX(th, 32, "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
    CHECK_EQ_INT(tls13_derive_secret(h, hs, "c hs traffic", th, chts), 0);
    CHECK_HEX(chts, 32, "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    CHECK_EQ_INT(tls13_derive_secret(h, hs, "s hs traffic", th, shts), 0);
    CHECK_HEX(shts, 32, "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");

    CHECK_EQ_INT(tls13_master_secret(h, hs, master), 0);
    CHECK_HEX(master, 32, "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");

    uint8_t key[16], iv[12];
    CHECK_EQ_INT(tls13_traffic_keys(h, shts, key, 16, iv, 12), 0);
    CHECK_HEX(key, 16, "3fce516009c21727d0f2e4e86ee403bc");
    CHECK_HEX(iv, 12, "5d313eb2671276ee13000b30");
    CHECK_EQ_INT(tls13_traffic_keys(h, chts, key, 16, iv, 12), 0);
    CHECK_HEX(key, 16, "dbfaa693d1762c5b666af5d950258d01");
    CHECK_HEX(iv, 12, "5bd3c71b836e0b76bb73265f");

    /* server Finished over ClientHello..CertificateVerify */
    CHECK_EQ_INT(tls13_finished_key(h, shts, x), 0);
    CHECK_HEX(x, 32, "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
    const char *m2[] = { ch, sh, ee, cert, cv };
    transcript(m2, 5, th);
    CHECK_EQ_INT(tls13_verify_data(h, shts, th, x), 0);
    CHECK_HEX(x, 32, "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");

    /* application secrets over ClientHello..server Finished */
    const char *m3[] = { ch, sh, ee, cert, cv, sfin };
    transcript(m3, 6, th);
    CHECK_EQ_INT(tls13_derive_secret(h, master, "c ap traffic", th, cats), 0);
    CHECK_HEX(cats, 32, "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
    CHECK_EQ_INT(tls13_derive_secret(h, master, "s ap traffic", th, sats), 0);
    CHECK_HEX(sats, 32, "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
    CHECK_EQ_INT(tls13_derive_secret(h, master, "exp master", th, x), 0);
    CHECK_HEX(x, 32, "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
    CHECK_EQ_INT(tls13_traffic_keys(h, sats, key, 16, iv, 12), 0);
    CHECK_HEX(key, 16, "9f02283b6c9c07efc26bb9f2ac92e356");
    CHECK_HEX(iv, 12, "cf782b88dd83549aadf1e984");
    CHECK_EQ_INT(tls13_traffic_keys(h, cats, key, 16, iv, 12), 0);
    CHECK_HEX(key, 16, "17422dda596ed5d9acd890e3c63f5051");
    CHECK_HEX(iv, 12, "5b78923dee08579033e523d9");

    /* client Finished: verify_data over ..server Finished */
    CHECK_EQ_INT(tls13_verify_data(h, chts, th, x), 0);
    CHECK_HEX(x, 32, "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");

    /* resumption master secret over ..client Finished, and the ticket PSK */
    const char *m4[] = { ch, sh, ee, cert, cv, sfin, cfin };
    transcript(m4, 7, th);
    CHECK_HEX(th, 32, "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d");
    uint8_t res[32], psk[32];
    CHECK_EQ_INT(tls13_derive_secret(h, master, "res master", th, res), 0);
    CHECK_HEX(res, 32, "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
    const uint8_t nonce[2] = { 0, 0 };
    CHECK_EQ_INT(tls13_resumption_psk(h, res, nonce, 2, psk), 0);
    CHECK_HEX(psk, 32, "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");

    /* KeyUpdate: "traffic upd" (expected value from an independent HKDF) */
    CHECK_EQ_INT(tls13_next_traffic_secret(h, cats, x), 0);
    CHECK_HEX(x, 32, "fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207");

    /* section 4: the resumed early secret from that PSK */
    CHECK_EQ_INT(tls13_early_secret(h, psk, 32, early), 0);
    CHECK_HEX(early, 32, "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c");
    CHECK_EQ_INT(tls13_derive_secret(h, early, "res binder", empty, x), 0);
    CHECK_HEX(x, 32, "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256");
    uint8_t *chh = H("08ad0fa05d7c7233b1775ba2ff9f4c5b8b59276b7f227f13a976245f5d960913", &n);
    CHECK_EQ_INT(tls13_derive_secret(h, early, "c e traffic", chh, x), 0);
    CHECK_HEX(x, 32, "3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62");
    CHECK_EQ_INT(tls13_traffic_keys(h, x, key, 16, iv, 12), 0);
    CHECK_HEX(key, 16, "920205a5b7bf2115e6fc5c2942834f54");
    CHECK_HEX(iv, 12, "6d475f0993c8e564610db2b9");
    free(chh);
    uint8_t *dhe2 = H("f44194756ff9ec9d25180635d66ea6824c6ab3bf179977be37f723570e7ccb2e", &n);
    CHECK_EQ_INT(tls13_handshake_secret(h, early, dhe2, n, hs), 0);
    CHECK_HEX(hs, 32, "005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6");
    free(dhe2);
}

static void test_sha384_schedule(void)
{
    /* A SHA-384 traffic secret (the illustrated TLS 1.3 capture's server
     * handshake secret) to AES-256-GCM key and IV; expected values from an
     * independent HKDF-Expand. */
    size_t n;
    uint8_t *s = H("23323da031634b241dd37d61032b62a4f450584d1f7f47983ba2f7cc0cdcc39a68f481f2b019f9403a3051908a5d1622", &n);
    uint8_t key[32], iv[12];
    CHECK_EQ_INT(tls13_traffic_keys(PRF_SHA384, s, key, 32, iv, 12), 0);
    CHECK_HEX(key, 32, "9f13575ce3f8cfc1df64a77ceaffe89700b492ad31b4fab01c4792be1b266b7f");
    CHECK_HEX(iv, 12, "9563bc8b590f671f488d2da3");
    free(s);
    CHECK_EQ_INT(prf_hash_len(PRF_SHA384), 48);
    CHECK_EQ_INT(prf_hash_len(PRF_MD5_SHA1), 36);
}

static void test_bad_args(void)
{
    uint8_t out[64], s[32] = { 0 };
    CHECK_EQ_INT(prf_tls(PRF_HASH_NONE, s, 32, "x", s, 32, out, 32), -1);
    CHECK_EQ_INT(tls13_expand_label(PRF_MD5_SHA1, s, "key", NULL, 0, out, 16), -1);
    char longlabel[300];
    memset(longlabel, 'a', sizeof longlabel - 1);
    longlabel[sizeof longlabel - 1] = 0;
    CHECK_EQ_INT(tls13_expand_label(PRF_SHA256, s, longlabel, NULL, 0, out, 16), -1);
    CHECK_EQ_INT(prf_ssl3(s, 32, s, 32, out, 1000), -1);
}

/* The SHA-256 PRF and HKDF (computed from kept HMAC key states) against
 * the same definitions built on mbedTLS's HMAC, for secrets shorter and
 * longer than a hash block (long ones are hashed first) and outputs of
 * several blocks. */
static void reference_p_sha256(const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *seed,
                               size_t seed_len, uint8_t *out, size_t out_len)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    uint8_t ls[512], a[32], block[32], msg[32 + 512];
    size_t ll = strlen(label);
    memcpy(ls, label, ll);
    memcpy(ls + ll, seed, seed_len);
    mbedtls_md_hmac(md, secret, secret_len, ls, ll + seed_len, a);
    for (size_t off = 0; off < out_len; off += 32) {
        memcpy(msg, a, 32);
        memcpy(msg + 32, ls, ll + seed_len);
        mbedtls_md_hmac(md, secret, secret_len, msg, 32 + ll + seed_len, block);
        memcpy(out + off, block, out_len - off < 32 ? out_len - off : 32);
        mbedtls_md_hmac(md, secret, secret_len, a, 32, a);
    }
}

static void test_sha256_against_mbedtls(void)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    static const size_t secret_lens[] = { 0, 1, 32, 48, 63, 64, 65, 128, 256, 300 };
    static const size_t out_lens[] = { 1, 12, 32, 33, 40, 104, 200 };
    uint8_t secret[300], seed[64], want[200], got[200];
    int mismatches = 0;
    for (size_t i = 0; i < sizeof secret_lens / sizeof *secret_lens; i++)
        for (size_t j = 0; j < sizeof out_lens / sizeof *out_lens; j++) {
            test_random_bytes(secret, sizeof secret);
            test_random_bytes(seed, sizeof seed);
            reference_p_sha256(secret, secret_lens[i], "key expansion", seed, sizeof seed, want, out_lens[j]);
            memset(got, 0, sizeof got);
            CHECK_EQ_INT(prf_tls(PRF_SHA256, secret, secret_lens[i], "key expansion", seed, sizeof seed, got,
                                 out_lens[j]), 0);
            if (memcmp(got, want, out_lens[j]) != 0) mismatches++;
            /* HKDF: Extract with this salt, Expand of this many bytes. */
            uint8_t prk_want[32], prk_got[32];
            mbedtls_hkdf_extract(md, secret, secret_lens[i], seed, sizeof seed, prk_want);
            if (secret_lens[i]) {
                CHECK_EQ_INT(tls13_hkdf_extract(PRF_SHA256, secret, secret_lens[i], seed, sizeof seed, prk_got), 0);
                if (memcmp(prk_got, prk_want, 32) != 0) mismatches++;
            }
            uint8_t info[] = { 0, (uint8_t)out_lens[j], 9, 't', 'l', 's', '1', '3', ' ', 'k', 'e', 'y', 0 };
            mbedtls_hkdf_expand(md, prk_want, 32, info, sizeof info, want, out_lens[j]);
            CHECK_EQ_INT(tls13_expand_label(PRF_SHA256, prk_want, "key", NULL, 0, got, out_lens[j]), 0);
            if (memcmp(got, want, out_lens[j]) != 0) mismatches++;
        }
    CHECK_EQ_INT(mismatches, 0);
}

int main(void)
{
    randoms();
    test_sha256_against_mbedtls();
    test_tls12_prf();
    test_tls10_prf();
    test_ssl3();
    test_master_and_key_block();
    test_rfc8448_simple();
    test_sha384_schedule();
    test_bad_args();
    return test_report("prf");
}
