/* JA3, JA3S and JA4, checked against published examples:
 *  - the two worked examples of the JA3 README (salesforce/ja3), whose
 *    strings and MD5 hashes it prints;
 *  - the worked example of the JA4 specification (FoxIO, JA4.md): cipher
 *    hash 8daaf6152771, extension hash e5627efa2ab1, its JA4_r string, and
 *    6d807ffa2a79 for the same extensions without signature algorithms;
 *  - a browser's published fingerprints (Chrome 143, as reported by a
 *    fingerprinting service): JA4 t13d1516h2_8daaf6152771_d8a2da3f94cd,
 *    JA3 98487aa16281980e7d1120d399efb6a4, rebuilt from its JA3 and JA4_ro
 *    strings;
 *  - RFC 8448's ClientHello, computed by hand: the intermediate strings are
 *    in the test.
 * Each example is rebuilt as a ClientHello on the wire (with GREASE added
 * where the example ignores it) and goes through the real decoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/fingerprint.h"
#include "dissect/handshake.h"
#include "tests/hs_check.h"
#include "tests/testlib.h"

static step *decode_tb(conn_state *c, tbuf *t)
{
    step *s = decode_msg(c, DIR_C2S, t->b, t->n);
    CHECK_EQ_INT(check_offsets(s, "fingerprint ClientHello"), 0);
    CHECK(!s->malformed);
    return s;
}

static void hello_start(tbuf *t, uint16_t version, const char *suites_hex)
{
    tb_init(t);
    tb_message(t, 1);
    tb_u16(t, version);
    tb_fill(t, 0x11, 32);
    tb_u8(t, 0);
    tb_open(t, 2);
    tb_hex(t, suites_hex);
    tb_close(t);
    tb_hex(t, "01 00");
}

static void test_ja3_readme(void)
{
    conn_state c;
    conn_init(&c);
    tbuf t;
    hello_start(&t, 0x0301, "002f 0035 0005 000a c009 c00a c013 c014 0032 0038 0013 0004");
    tb_open(&t, 2);
    tb_hex(&t, "0000 0010 000e 00 000b 6578616d706c652e636f6d");
    tb_hex(&t, "000a 0008 0006 0017 0018 0019");
    tb_hex(&t, "000b 0002 0100");
    tb_close(&t);
    tb_close(&t);
    step *s = decode_tb(&c, &t);
    CHECK_STR(fval(s, "ja3"), "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
    CHECK_STR(fval(s, "ja3_hash"), "ada70206e40642a3e4461f35503241d5");
    CHECK_STR(c.ja3, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
    CHECK_STR(c.ja3_hash, "ada70206e40642a3e4461f35503241d5");
    step_free(s);

    /* No extensions at all: the commas stay. */
    conn_init(&c);
    hello_start(&t, 0x0301, "0004 0005 000a 0009 0064 0062 0003 0006 0013 0012 0063");
    tb_close(&t);
    s = decode_tb(&c, &t);
    CHECK_STR(fval(s, "ja3"), "769,4-5-10-9-100-98-3-6-19-18-99,,,");
    CHECK_STR(fval(s, "ja3_hash"), "de350869b8c85de67a350c8d186f11e6");
    CHECK(fpath(s->root, "extensions") == NULL);
    /* JA4 of it: TLS 1.0, no SNI, 11 ciphers, no extensions, no ALPN. */
    CHECK(strncmp(fval(s, "ja4"), "t10i110000_", 11) == 0);
    CHECK(strcmp(fval(s, "ja4") + 24, "000000000000") == 0);
    step_free(s);
}

static void test_ja4_spec(void)
{
    conn_state c;
    conn_init(&c);
    tbuf t;
    hello_start(&t, 0x0303, "0a0a 1301 1302 1303 c02b c02f c02c c030 cca9 cca8 c013 c014 009c 009d 002f 0035");
    tb_open(&t, 2);
    tb_hex(&t, "2a2a 0000");                                            /* GREASE */
    tb_hex(&t, "001b 0003 02 0002");                                    /* compress_certificate */
    tb_hex(&t, "0000 000e 000c 00 0009 6c6f63616c686f7374");            /* server_name */
    tb_hex(&t, "0033 002b 0029 3a3a 0001 00 001d 0020");                /* key_share */
    tb_fill(&t, 0x44, 32);
    tb_hex(&t, "0010 000e 000c 02 6832 08 687474702f312e31");           /* ALPN */
    tb_hex(&t, "4469 0005 0003 02 6832");                               /* application_settings */
    tb_hex(&t, "0017 0000");                                            /* extended_master_secret */
    tb_hex(&t, "002d 0002 01 01");                                      /* psk_key_exchange_modes */
    tb_hex(&t, "000d 0012 0010 0403 0804 0401 0503 0805 0501 0806 0601"); /* signature_algorithms */
    tb_hex(&t, "0005 0005 01 0000 0000");                               /* status_request */
    tb_hex(&t, "0023 0000");                                            /* session_ticket */
    tb_hex(&t, "0012 0000");                                            /* signed_certificate_timestamp */
    tb_hex(&t, "002b 0007 06 5a5a 0304 0303");                          /* supported_versions */
    tb_hex(&t, "ff01 0001 00");                                         /* renegotiation_info */
    tb_hex(&t, "000b 0002 01 00");                                      /* ec_point_formats */
    tb_hex(&t, "000a 000a 0008 6a6a 001d 0017 0018");                   /* supported_groups */
    tb_hex(&t, "0015 0003 000000");                                     /* padding */
    tb_hex(&t, "fafa 0001 00");                                         /* GREASE */
    tb_close(&t);
    tb_close(&t);
    step *s = decode_tb(&c, &t);
    CHECK_STR(fval(s, "ja4"), "t13d1516h2_8daaf6152771_e5627efa2ab1");
    CHECK_STR(fval(s, "ja4_r"), "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
                                "cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,"
                                "0804,0401,0503,0805,0501,0806,0601");
    CHECK_STR(c.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    /* GREASE is left out of JA3 too. */
    CHECK_STR(fval(s, "ja3"), "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                              "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23-24,0");
    step_free(s);
}

static void test_chrome_example(void)
{
    conn_state c;
    conn_init(&c);
    tbuf t;
    hello_start(&t, 0x0303, "dada 1301 1302 1303 c02b c02f c02c c030 cca9 cca8 c013 c014 009c 009d 002f 0035");
    tb_open(&t, 2);
    tb_hex(&t, "0a0a 0000");
    tb_hex(&t, "002d 0002 01 01");
    tb_hex(&t, "0033 002b 0029 caca 0001 00 001d 0020");
    tb_fill(&t, 0x45, 32);
    tb_hex(&t, "0010 000e 000c 02 6832 08 687474702f312e31");
    tb_hex(&t, "fe0d 000e 00 0001 0001 2a 0002 e1e2 0002 f1f2");
    tb_hex(&t, "0017 0000");
    tb_hex(&t, "44cd 0005 0003 02 6832");
    tb_hex(&t, "0000 0019 0017 00 0014 746c732e62726f777365726c65616b732e636f6d");
    tb_hex(&t, "000b 0002 01 00");
    tb_hex(&t, "000a 000c 000a 8a8a 11ec 001d 0017 0018");
    tb_hex(&t, "002b 0007 06 1a1a 0304 0303");
    tb_hex(&t, "ff01 0001 00");
    tb_hex(&t, "0023 0000");
    tb_hex(&t, "0012 0000");
    tb_hex(&t, "0005 0005 01 0000 0000");
    tb_hex(&t, "000d 0012 0010 0403 0804 0401 0503 0805 0501 0806 0601");
    tb_hex(&t, "001b 0003 02 0002");
    tb_hex(&t, "3a3a 0001 00");
    tb_close(&t);
    tb_close(&t);
    step *s = decode_tb(&c, &t);
    CHECK_STR(fval(s, "ja3"), "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                              "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
    CHECK_STR(fval(s, "ja3_hash"), "98487aa16281980e7d1120d399efb6a4");
    CHECK_STR(fval(s, "ja4"), "t13d1516h2_8daaf6152771_d8a2da3f94cd");
    CHECK_STR(fval(s, "ja4_r"), "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,"
                                "cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,"
                                "0804,0401,0503,0805,0501,0806,0601");
    step_free(s);
}

static void test_rfc8448_by_hand(void)
{
    /* RFC 8448 section 3's ClientHello.  By hand:
     *   JA3 string  771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,
     *               29-23-24-25-256-257-258-259-260,
     *               (no ec_point_formats: the last field is empty)
     *   MD5         da4dea34fe6d4ce5f0725df3f2682fa0
     *   JA4 a       t 13 d 03 09 00 (no ALPN)
     *   JA4 b       sha256("1301,1302,1303")[:12] = 55b375c5d22e
     *   JA4 c       sha256("000a,000d,001c,0023,002b,002d,0033,ff01_0403,0503,0603,0203,0804,0805,0806,
     *               0401,0501,0601,0201,0402,0502,0602,0202")[:12] = 59cd3dafc54d */
    static const char *ch =
        "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83"
        "02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
        "00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00"
        "26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69"
        "1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01"
        "05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";
    conn_state c;
    conn_init(&c);
    step *s = decode_hex(&c, DIR_C2S, ch);
    CHECK_STR(fval(s, "ja3"), "771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,29-23-24-25-256-257-258-259-260,");
    CHECK_STR(fval(s, "ja3_hash"), "da4dea34fe6d4ce5f0725df3f2682fa0");
    CHECK_STR(fval(s, "ja4_r"), "t13d030900_1301,1302,1303_000a,000d,001c,0023,002b,002d,0033,ff01_0403,0503,0603,"
                                "0203,0804,0805,0806,0401,0501,0601,0201,0402,0502,0602,0202");
    CHECK_STR(fval(s, "ja4"), "t13d030900_55b375c5d22e_59cd3dafc54d");
    step_free(s);
}

static void test_ja3s(void)
{
    static const uint16_t exts[] = { 0xff01, 0x0000, 0x000b, 0x0023, 0x0005, 0x0010 };
    char buf[128];
    size_t n = fp_ja3s_string(0x0303, 0xc02f, exts, 6, buf, sizeof buf);
    CHECK_STR(buf, "771,49199,65281-0-11-35-5-16");
    CHECK_EQ_INT(n, strlen("771,49199,65281-0-11-35-5-16"));
    char md5[FP_MD5_HEX];
    fp_md5_hex("", 0, md5);
    CHECK_STR(md5, "d41d8cd98f00b204e9800998ecf8427e");
    /* A short buffer: cut but terminated, full length returned. */
    n = fp_ja3s_string(0x0303, 0xc02f, exts, 6, buf, 8);
    CHECK_STR(buf, "771,491");
    CHECK_EQ_INT(n, strlen("771,49199,65281-0-11-35-5-16"));
}

static void ja4_of(const fp_client_hello *h, char out[FP_JA4_MAX]) { fp_ja4(h, out); }

static void test_ja4_rules(void)
{
    static const uint16_t ciphers[] = { 0x1301 };
    static const uint16_t spec_exts[] = { 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                          0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015 };
    fp_client_hello h;
    char out[FP_JA4_MAX];
    memset(&h, 0, sizeof h);
    h.legacy_version = 0x0303;
    h.ciphers = ciphers;
    h.n_ciphers = 1;
    h.extensions = spec_exts;
    h.n_extensions = 16;
    /* No signature algorithms: no underscore before hashing (JA4.md). */
    ja4_of(&h, out);
    CHECK_STR(out + 24, "6d807ffa2a79");
    CHECK(strncmp(out, "t12i0116", 8) == 0);

    static const struct {
        const char *alpn;
        size_t len;
        const char *want;
    } alpns[] = {
        { "\xab", 1, "ab" }, { "\xab\xcd", 2, "ad" }, { "0\xab", 2, "3b" }, { "01\xab\xcd", 4, "3d" },
        { "0\xab\xcd" "1", 4, "01" }, { "h", 1, "hh" }, { "http/1.1", 8, "h1" }, { "", 0, "00" },
    };
    for (size_t i = 0; i < sizeof alpns / sizeof alpns[0]; i++) {
        h.alpn_first = (const uint8_t *)alpns[i].alpn;
        h.alpn_first_len = alpns[i].len;
        ja4_of(&h, out);
        test_checks++;
        if (strncmp(out + 8, alpns[i].want, 2) != 0)
            test_fail(__FILE__, __LINE__, "ALPN case %zu: %s, expected %s", i, out, alpns[i].want);
    }
    h.alpn_first = NULL;

    /* Counts stop at 99; no ciphers or no extensions hash to zeros. */
    uint16_t many[120];
    for (int i = 0; i < 120; i++) many[i] = (uint16_t)(0x0100 + i);
    h.ciphers = many;
    h.n_ciphers = 120;
    h.extensions = many;
    h.n_extensions = 120;
    ja4_of(&h, out);
    CHECK(strncmp(out, "t12i9999", 8) == 0);
    h.n_ciphers = 0;
    h.n_extensions = 0;
    ja4_of(&h, out);
    CHECK_STR(out, "t12i000000_000000000000_000000000000");
    static const uint16_t sni_alpn[] = { 0x0000, 0x0010, 0x0a0a };
    h.extensions = sni_alpn;
    h.n_extensions = 3;
    h.has_sni = true;
    ja4_of(&h, out);
    CHECK_STR(out, "t12d000200_000000000000_000000000000");

    /* Versions: supported_versions wins (GREASE ignored), else legacy. */
    static const uint16_t vers[] = { 0x7a7a, 0x0302, 0x0301 };
    h.versions = vers;
    h.n_versions = 3;
    ja4_of(&h, out);
    CHECK(strncmp(out, "t11", 3) == 0);
    h.n_versions = 0;
    h.legacy_version = 0x0300;
    ja4_of(&h, out);
    CHECK(strncmp(out, "ts3", 3) == 0);
    h.legacy_version = 0xfefd;
    h.dtls = true;
    ja4_of(&h, out);
    CHECK(strncmp(out, "dd2", 3) == 0);
    h.dtls = false;
    h.legacy_version = 0x1234;
    ja4_of(&h, out);
    CHECK(strncmp(out, "t00", 3) == 0);
    h.quic = true;
    ja4_of(&h, out);
    CHECK(out[0] == 'q');
}

/* Digests of texts seen before come from a per-thread memo: the same
 * text must give the same digest again, texts differing in one byte or
 * in length must not share one, and more texts than the memo holds must
 * still each get their own. */
static void test_digest_memo(void)
{
    char texts[9][40], first[9][FP_MD5_HEX], again[FP_MD5_HEX];
    for (int i = 0; i < 9; i++) {
        snprintf(texts[i], sizeof texts[i], "771,4865-4866-%d,0-10-11,29-23,0", i);
        fp_md5_hex(texts[i], strlen(texts[i]), first[i]);
        for (int j = 0; j < i; j++) CHECK(strcmp(first[i], first[j]) != 0);
    }
    for (int round = 0; round < 2; round++)
        for (int i = 8; i >= 0; i--) {
            fp_md5_hex(texts[i], strlen(texts[i]), again);
            CHECK_STR(again, first[i]);
        }
    /* a prefix of a remembered text is another text */
    fp_md5_hex(texts[3], strlen(texts[3]) - 1, again);
    CHECK(strcmp(again, first[3]) != 0);
    /* the digest itself: RFC 1321's "abc" */
    fp_md5_hex("abc", 3, again);
    CHECK_STR(again, "900150983cd24fb0d6963f7d28e17f72");
    fp_md5_hex("abc", 3, again);
    CHECK_STR(again, "900150983cd24fb0d6963f7d28e17f72");
}

int main(void)
{
    test_digest_memo();
    test_ja3_readme();
    test_ja4_spec();
    test_chrome_example();
    test_rfc8448_by_hand();
    test_ja3s();
    test_ja4_rules();
    return test_report("fingerprint");
}
