/* Handshake messages: RFC 8448's TLS 1.3 traces, hand-built TLS 1.2, 1.0
 * and SSL 3.0 flows (RSA, ECDHE, DHE, PSK, resumption, client
 * certificates), every other message type, the connection state each one
 * updates, summaries and narration, the offset invariant on every field,
 * and robustness against every truncation and many byte changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/handshake.h"
#include "dissect/names.h"
#include "tests/hs_check.h"
#include "tests/testlib.h"

/* ---- RFC 8448 section 3, "Simple 1-RTT Handshake" ---- */

static const char *RFC_CH =
    "01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83"
    "02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
    "00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00"
    "26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69"
    "1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01"
    "05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01";
static const char *RFC_SH =
    "02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e"
    "d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1"
    "56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04";
static const char *RFC_EE =
    "08 00 00 24 00 22 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 1c 00 02"
    "40 01 00 00 00 00";
static const char *RFC_CERT =
    "0b 00 01 b9 00 00 01 b5 00 01 b0 30 82 01 ac 30 82 01 15 a0 03 02 01 02 02 01 02 30 0d 06 09 2a 86 48"
    "86 f7 0d 01 01 0b 05 00 30 0e 31 0c 30 0a 06 03 55 04 03 13 03 72 73 61 30 1e 17 0d 31 36 30 37 33 30"
    "30 31 32 33 35 39 5a 17 0d 32 36 30 37 33 30 30 31 32 33 35 39 5a 30 0e 31 0c 30 0a 06 03 55 04 03 13"
    "03 72 73 61 30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00 b4"
    "bb 49 8f 82 79 30 3d 98 08 36 39 9b 36 c6 98 8c 0c 68 de 55 e1 bd b8 26 d3 90 1a 24 61 ea fd 2d e4 9a"
    "91 d0 15 ab bc 9a 95 13 7a ce 6c 1a f1 9e aa 6a f9 8c 7c ed 43 12 09 98 e1 87 a8 0e e0 cc b0 52 4b 1b"
    "01 8c 3e 0b 63 26 4d 44 9a 6d 38 e2 2a 5f da 43 08 46 74 80 30 53 0e f0 46 1c 8c a9 d9 ef bf ae 8e a6"
    "d1 d0 3e 2b d1 93 ef f0 ab 9a 80 02 c4 74 28 a6 d3 5a 8d 88 d7 9f 7f 1e 3f 02 03 01 00 01 a3 1a 30 18"
    "30 09 06 03 55 1d 13 04 02 30 00 30 0b 06 03 55 1d 0f 04 04 03 02 05 a0 30 0d 06 09 2a 86 48 86 f7 0d"
    "01 01 0b 05 00 03 81 81 00 85 aa d2 a0 e5 b9 27 6b 90 8c 65 f7 3a 72 67 17 06 18 a5 4c 5f 8a 7b 33 7d"
    "2d f7 a5 94 36 54 17 f2 ea e8 f8 a5 8c 8f 81 72 f9 31 9c f3 6b 7f d6 c5 5b 80 f2 1a 03 01 51 56 72 60"
    "96 fd 33 5e 5e 67 f2 db f1 02 70 2e 60 8c ca e6 be c1 fc 63 a4 2a 99 be 5c 3e b7 10 7c 3c 54 e9 b9 eb"
    "2b d5 20 3b 1c 3b 84 e0 a8 b2 f7 59 40 9b a3 ea c9 d9 1d 40 2d cc 0c c8 f8 96 12 29 ac 91 87 b4 2b 4d"
    "e1 00 00";
static const char *RFC_CV =
    "0f 00 00 84 08 04 00 80 5a 74 7c 5d 88 fa 9b d2 e5 5a b0 85 a6 10 15 b7 21 1f 82 4c d4 84 14 5a b3 ff"
    "52 f1 fd a8 47 7b 0b 7a bc 90 db 78 e2 d3 3a 5c 14 1a 07 86 53 fa 6b ef 78 0c 5e a2 48 ee aa a7 85 c4"
    "f3 94 ca b6 d3 0b be 8d 48 59 ee 51 1f 60 29 57 b1 54 11 ac 02 76 71 45 9e 46 44 5c 9e a5 8c 18 1e 81"
    "8e 95 b8 c3 fb 0b f3 27 84 09 d3 be 15 2a 3d a5 04 3e 06 3d da 65 cd f5 ae a2 0d 53 df ac d4 2f 74 f3";
static const char *RFC_SFIN =
    "14 00 00 20 9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f"
    "07 18";
static const char *RFC_CFIN =
    "14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5"
    "ce 61";
static const char *RFC_NST =
    "04 00 00 c9 00 00 00 1e fa d6 aa c5 02 00 00 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e c9 00 00 00 00 26"
    "2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be 78 5a bc 55 cd 22"
    "60 97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28 27 db 27 9c ce 14 50"
    "77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e 3d a2 67 7f a5 90"
    "6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f ac 5c 03 27 2e 97 07 27 c6"
    "21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 00 08 00 2a 00 04 00 00 04"
    "00";
/* Section 4: the resumed ClientHello with a pre_shared_key. */
static const char *RFC_RESUME_CH =
    "01 00 01 fc 03 03 1b c3 ce b6 bb e3 9c ff 93 83 55 b5 a5 0a db 6d b2 1b 7a 6a f6 49 d7 b4 bc 41 9d 78"
    "76 48 7d 95 00 00 06 13 01 13 03 13 02 01 00 01 cd 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
    "00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 33 00 26 00 24 00"
    "1d 00 20 e4 ff b6 8a c0 5f 8d 96 c9 9d a2 66 98 34 6c 6b e1 64 82 ba dd da fe 05 1a 66 b4 f1 8d 66 8f"
    "0b 00 2a 00 00 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01"
    "05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01 00 15 00 57 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 29 00 dd 00 b8 00 b2 2c 03 5d 82 93 59 ee 5f f7 af 4e"
    "c9 00 00 00 00 26 2a 64 94 dc 48 6d 2c 8a 34 cb 33 fa 90 bf 1b 00 70 ad 3c 49 88 83 c9 36 7c 09 a2 be"
    "78 5a bc 55 cd 22 60 97 a3 a9 82 11 72 83 f8 2a 03 a1 43 ef d3 ff 5d d3 6d 64 e8 61 be 7f d6 1d 28 27"
    "db 27 9c ce 14 50 77 d4 54 a3 66 4d 4e 6d a4 d2 9e e0 37 25 a6 a4 da fc d0 fc 67 d2 ae a7 05 29 51 3e"
    "3d a2 67 7f a5 90 6c 5b 3f 7d 8f 92 f2 28 bd a4 0d da 72 14 70 f9 fb f2 97 b5 ae a6 17 64 6f ac 5c 03"
    "27 2e 97 07 27 c6 21 a7 91 41 ef 5f 7d e6 50 5e 5b fb c3 88 e9 33 43 69 40 93 93 4a e4 d3 57 fa d6 aa"
    "cb 00 21 20 3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e"
    "5f 9d";
/* Section 5: the first ClientHello and the HelloRetryRequest. */
static const char *RFC_HRR_CH1 =
    "01 00 00 b0 03 03 b0 b1 c5 a5 aa 37 c5 91 9f 2e d1 d5 c6 ff f7 fc b7 84 97 16 94 5a 2b 8c ee 92 58 a3"
    "46 67 7b 6f 00 00 06 13 01 13 03 13 02 01 00 00 81 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01"
    "00 01 00 00 0a 00 08 00 06 00 1d 00 17 00 18 00 33 00 26 00 24 00 1d 00 20 e8 e8 e3 f3 b9 3a 25 ed 97"
    "a1 4a 7d ca cb 8a 27 2c 62 88 e5 85 c6 48 4d 05 26 2f ca d0 62 ad 1f 00 2b 00 03 02 03 04 00 0d 00 20"
    "00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d"
    "00 02 01 01 00 1c 00 02 40 01";
static const char *RFC_HRR =
    "02 00 00 ac 03 03 cf 21 ad 74 e5 9a 61 11 be 1d 8c 02 1e 65 b8 91 c2 a2 11 16 7a bb 8c 5e 07 9e 09 e2"
    "c8 a8 33 9c 00 13 01 00 00 84 00 33 00 02 00 17 00 2c 00 74 00 72 71 dc d0 4b b8 8b c3 18 91 19 39 8a"
    "00 00 00 00 ee fa fc 76 c1 46 b8 23 b0 96 f8 aa ca d3 65 dd 00 30 95 3f 4e df 62 56 36 e5 f2 1b b2 e2"
    "3f cc 65 4b 1b 5b 40 31 8d 10 d1 37 ab cb b8 75 74 e3 6e 8a 1f 02 5f 7d fa 5d 6e 50 78 1b 5e da 4a a1"
    "5b 0c 8b e7 78 25 7d 16 aa 30 30 e9 e7 84 1d d9 e4 c0 34 22 67 e8 ca 0c af 57 1f b2 b7 cf f0 f9 34 b0"
    "00 2b 00 02 03 04";

static bool contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

#define CHECK_HAS(hay, needle) do { test_checks++; if (!contains((hay), (needle))) \
    test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", (hay) ? (hay) : "(null)", (needle)); } while (0)

/* Every message decoded by these tests goes through here: offsets are
 * checked and, unless it is meant to be broken, nothing is malformed. */
static step *dec(conn_state *c, direction dir, const uint8_t *b, size_t n, const char *label, bool clean)
{
    step *s = decode_msg(c, dir, b, n);
    CHECK_EQ_INT(check_offsets(s, label), 0);
    if (clean && s->malformed) {
        const field *m = first_malformed(s->root);
        test_fail(__FILE__, __LINE__, "%s: unexpected malformed field: %s", label, m ? m->value : "?");
    }
    test_checks++;
    if (!s->narration || !s->summary) test_fail(__FILE__, __LINE__, "%s: no narration or summary", label);
    return s;
}

static step *dec_hex(conn_state *c, direction dir, const char *hex, const char *label)
{
    size_t n;
    uint8_t *b = test_unhex(hex, &n);
    step *s = dec(c, dir, b, n, label, true);
    free(b);
    return s;
}

static step *dec_tb(conn_state *c, direction dir, tbuf *t, const char *label)
{
    return dec(c, dir, t->b, t->n, label, true);
}

static void fuzz_hex(const conn_state *base, direction dir, const char *hex, const char *label)
{
    size_t n;
    uint8_t *b = test_unhex(hex, &n);
    fuzz_message(base, dir, b, n, label);
    free(b);
}

/* ---- TLS 1.3 ---- */

static void test_rfc8448_client_hello(void)
{
    conn_state c;
    conn_init(&c);
    step *s = dec_hex(&c, DIR_C2S, RFC_CH, "rfc8448 ClientHello");
    CHECK_STR(s->name, "client_hello");
    CHECK_EQ_INT(s->msg_type, 1);
    const field *f = fpath(s->root, "handshake_type");
    CHECK(f && f->json == FJ_CODE && f->code == 1 && f->code_digits == 2 && f->offset == 0 && f->length == 1);
    CHECK_STR(fval(s, "handshake_type"), "client_hello");
    CHECK_STR(fval(s, "length"), "192");
    f = fpath(s->root, "version");
    CHECK(f && f->code == 0x0303 && f->code_digits == 4 && f->offset == 4);
    CHECK_STR(fval(s, "version"), "TLS 1.2");
    CHECK_STR(fval(s, "random"), "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7");
    f = fpath(s->root, "random");
    CHECK(f && f->offset == 6 && f->length == 32);
    CHECK_STR(fval(s, "session_id"), "");
    f = fpath(s->root, "cipher_suites");
    CHECK(f && f->shape == FIELD_LIST && fcount(f) == 3 && f->offset == 39 && f->length == 8);
    CHECK_STR(fval(s, "cipher_suites/0"), "TLS_AES_128_GCM_SHA256");
    CHECK_STR(fval(s, "cipher_suites/1"), "TLS_CHACHA20_POLY1305_SHA256");
    CHECK_STR(fval(s, "cipher_suites/2"), "TLS_AES_256_GCM_SHA384");
    CHECK(fpath(s->root, "cipher_suites/1")->code == 0x1303 && fpath(s->root, "cipher_suites/1")->offset == 43);
    CHECK_STR(fval(s, "compression_methods/0"), "null");
    const field *exts = fpath(s->root, "extensions");
    CHECK_EQ_INT(fcount(exts), 9);
    f = fchild(exts, 0);
    CHECK(f && f->shape == FIELD_OBJECT && f->offset == 51 && f->length == 15);
    CHECK_STR(fval(s, "extensions/0/type"), "server_name");
    CHECK_STR(fval(s, "extensions/0/length"), "11");
    CHECK_STR(fval(s, "extensions/0/server_name_list/0/name_type"), "host_name");
    CHECK_STR(fval(s, "extensions/0/server_name_list/0/host_name"), "server");
    f = fpath(s->root, "extensions/0/server_name_list/0/host_name");
    CHECK(f && f->offset == 60 && f->length == 6);
    CHECK_STR(fval(s, "extensions/1/type"), "renegotiation_info");
    CHECK_STR(fval(s, "extensions/1/renegotiated_connection"), "");
    const field *groups = fpath(find_ext(exts, 10), "groups");
    CHECK_EQ_INT(fcount(groups), 9);
    CHECK_STR(fchild(groups, 0)->value, "x25519");
    CHECK_STR(fchild(groups, 1)->value, "secp256r1");
    CHECK_STR(fchild(groups, 8)->value, "ffdhe8192");
    CHECK(find_ext(exts, 35) && fcount(find_ext(exts, 35)) == 2);   /* session_ticket: type and length */
    const field *ks = find_ext(exts, 51);
    CHECK_STR(fpath(ks, "client_shares/0/group")->value, "x25519");
    f = fpath(ks, "client_shares/0/key_exchange");
    CHECK(f && f->offset == 109 && f->length == 32);
    CHECK_STR(f->value, "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
    CHECK_STR(fpath(find_ext(exts, 43), "versions/0")->value, "TLS 1.3");
    const field *algs = fpath(find_ext(exts, 13), "algorithms");
    CHECK_EQ_INT(fcount(algs), 15);
    CHECK_STR(fchild(algs, 0)->value, "ecdsa_secp256r1_sha256");
    CHECK_STR(fchild(algs, 4)->value, "rsa_pss_rsae_sha256");
    CHECK_STR(fpath(find_ext(exts, 45), "ke_modes/0")->value, "psk_dhe_ke");
    CHECK_STR(fpath(find_ext(exts, 28), "record_size_limit")->value, "16385");
    /* Convenience keys. */
    CHECK_STR(fval(s, "sni"), "server");
    CHECK(fpath(s->root, "sni")->offset == 60);
    CHECK(fpath(s->root, "supported_versions/0")->code == 0x0304);
    CHECK(fpath(s->root, "alpn") == NULL);
    CHECK_STR(fval(s, "ja3"), "771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,29-23-24-25-256-257-258-259-260,");
    CHECK_STR(fval(s, "ja3_hash"), "da4dea34fe6d4ce5f0725df3f2682fa0");
    CHECK_STR(fval(s, "ja4"), "t13d030900_55b375c5d22e_59cd3dafc54d");
    /* The connection state. */
    CHECK(c.client_hello_seen);
    CHECK_EQ_INT(c.client_legacy_version, 0x0303);
    CHECK_EQ_INT(c.n_offered_versions, 1);
    CHECK_EQ_INT(c.offered_versions[0], 0x0304);
    CHECK_EQ_INT(c.n_offered_suites, 3);
    CHECK_EQ_INT(c.first_suite, 0x1301);
    CHECK_EQ_INT(c.client_random[0], 0xcb);
    CHECK_EQ_INT(c.client_random[31], 0xe7);
    CHECK_STR(c.sni, "server");
    CHECK_EQ_INT(c.n_client_key_shares, 1);
    CHECK_EQ_INT(c.client_key_share_groups[0], 0x001d);
    CHECK(!c.client_offered_psk && !c.client_offered_ticket);
    CHECK_STR(c.ja3_hash, "da4dea34fe6d4ce5f0725df3f2682fa0");
    CHECK_STR(c.ja4, "t13d030900_55b375c5d22e_59cd3dafc54d");
    CHECK_STR(s->summary, "TLS 1.3, 3 suites, SNI server");
    CHECK_HAS(s->narration, "Client: Hello! I speak TLS 1.3 and offer 3 cipher suites, TLS_AES_128_GCM_SHA256 first.");
    CHECK_HAS(s->narration, "I want to reach server.");
    CHECK_HAS(s->narration, "I already send an x25519 key share");
    step_free(s);
}

static void test_rfc8448_server_flight(void)
{
    conn_state c;
    conn_init(&c);
    step_free(dec_hex(&c, DIR_C2S, RFC_CH, "ch"));
    step *s = dec_hex(&c, DIR_S2C, RFC_SH, "rfc8448 ServerHello");
    CHECK_STR(s->name, "server_hello");
    CHECK_EQ_INT(s->msg_type, 2);
    CHECK_STR(fval(s, "version"), "TLS 1.2");
    CHECK_STR(fval(s, "random"), "a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e26928");
    CHECK_STR(fval(s, "cipher_suite"), "TLS_AES_128_GCM_SHA256");
    CHECK(fpath(s->root, "cipher_suite")->offset == 39);
    CHECK_STR(fval(s, "compression_method"), "null");
    CHECK_STR(fval(s, "extensions/0/type"), "key_share");
    CHECK_STR(fval(s, "extensions/0/server_share/group"), "x25519");
    CHECK_STR(fval(s, "extensions/0/server_share/key_exchange"),
              "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
    CHECK_STR(fval(s, "extensions/1/selected_version"), "TLS 1.3");
    const field *sv = fpath(s->root, "selected_version");
    CHECK(sv && sv->code == 0x0304 && sv->offset == 88 && sv->length == 2);
    CHECK_STR(fval(s, "hello_retry_request"), "false");
    CHECK_STR(fval(s, "ja3s"), "771,4865,51-43");
    CHECK_STR(fval(s, "ja3s_hash"), "eb1d94daa7e0344597e756a1fb6e7054");
    CHECK(fpath(s->root, "downgrade_sentinel") == NULL);
    CHECK(c.server_hello_seen && !c.hello_retry_request);
    CHECK_EQ_INT(c.version, 0x0304);
    CHECK_EQ_INT(c.cipher_suite, 0x1301);
    CHECK(c.have_cipher_suite);
    CHECK_EQ_INT(c.group, 0x001d);
    CHECK(!c.resumed && !c.server_accepted_psk);
    CHECK_EQ_INT(c.server_random[0], 0xa6);
    CHECK_STR(c.ja3s, "771,4865,51-43");
    CHECK_STR(s->summary, "TLS 1.3, TLS_AES_128_GCM_SHA256, x25519");
    CHECK_HAS(s->narration, "Server: Let's use TLS 1.3 with TLS_AES_128_GCM_SHA256 and an x25519 key exchange.");
    step_free(s);

    s = dec_hex(&c, DIR_S2C, RFC_EE, "rfc8448 EncryptedExtensions");
    CHECK_STR(s->name, "encrypted_extensions");
    CHECK_EQ_INT(fcount(fpath(s->root, "extensions")), 3);
    CHECK_STR(fval(s, "extensions/0/groups/0"), "x25519");
    CHECK_STR(fval(s, "extensions/1/record_size_limit"), "16385");
    CHECK_STR(fval(s, "extensions/2/type"), "server_name");
    CHECK_HAS(s->narration, "I am the site you named");
    step_free(s);

    s = dec_hex(&c, DIR_S2C, RFC_CERT, "rfc8448 Certificate");
    CHECK_STR(s->name, "certificate");
    CHECK_STR(fval(s, "certificate_request_context"), "");
    CHECK_EQ_INT(fcount(fpath(s->root, "certificates")), 1);
    CHECK_STR(fval(s, "certificates/0/length"), "432");
    const field *der = fpath(s->root, "certificates/0/der");
    CHECK(der && der->offset == 11 && der->length == 432);
    CHECK(der && strncmp(der->value, "308201ac30820115", 16) == 0);
    CHECK(fpath(s->root, "certificates/0/extensions") && fcount(fpath(s->root, "certificates/0/extensions")) == 0);
    CHECK(c.server_cert.present);
    CHECK_STR(c.server_cert.subject_cn, "rsa");
    CHECK_HAS(s->narration, "Server: Here is my certificate: CN=rsa, issued by CN=rsa");
    step_free(s);

    s = dec_hex(&c, DIR_S2C, RFC_CV, "rfc8448 CertificateVerify");
    CHECK_STR(fval(s, "signature_algorithm"), "rsa_pss_rsae_sha256");
    CHECK(fpath(s->root, "signature")->length == 128);
    CHECK_HAS(s->narration, "Server: Here is a signature over the whole handshake so far");
    CHECK_STR(s->summary, "rsa_pss_rsae_sha256, 128-byte signature");
    step_free(s);

    s = dec_hex(&c, DIR_S2C, RFC_SFIN, "rfc8448 server Finished");
    CHECK_STR(fval(s, "verify_data"), "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");
    CHECK(c.server_finished && !c.client_finished);
    CHECK_HAS(s->narration, "Server: Finished — a MAC over the whole handshake under the new keys. If it checks out, "
                            "we agree on everything said so far.");
    step_free(s);
    s = dec_hex(&c, DIR_C2S, RFC_CFIN, "rfc8448 client Finished");
    CHECK(c.client_finished);
    CHECK_HAS(s->narration, "Client: Finished");
    step_free(s);

    s = dec_hex(&c, DIR_S2C, RFC_NST, "rfc8448 NewSessionTicket");
    CHECK_STR(fval(s, "lifetime"), "30");
    CHECK_STR(fval(s, "age_add"), "4208372421");
    CHECK_STR(fval(s, "nonce"), "0000");
    CHECK(fpath(s->root, "ticket")->length == 178);
    CHECK_STR(fval(s, "extensions/0/type"), "early_data");
    CHECK_STR(fval(s, "extensions/0/max_early_data_size"), "1024");
    CHECK(c.new_session_ticket);
    CHECK_HAS(s->narration, "valid for up to 30 seconds");
    CHECK_HAS(s->narration, "up to 1024 bytes of early data");
    step_free(s);
}

static void test_rfc8448_hrr(void)
{
    conn_state c;
    conn_init(&c);
    step_free(dec_hex(&c, DIR_C2S, RFC_HRR_CH1, "hrr ch1"));
    step *s = dec_hex(&c, DIR_S2C, RFC_HRR, "rfc8448 HelloRetryRequest");
    CHECK_STR(s->name, "server_hello");
    CHECK_EQ_INT(s->msg_type, 2);
    CHECK_STR(fval(s, "hello_retry_request"), "true");
    CHECK_STR(fval(s, "extensions/0/selected_group"), "secp256r1");
    CHECK(fpath(s->root, "extensions/1/cookie")->length == 0x72);
    CHECK_STR(fval(s, "selected_version"), "TLS 1.3");
    CHECK(c.hello_retry_request && !c.server_hello_seen);
    CHECK_EQ_INT(c.hrr_group, 0x0017);
    CHECK_STR(s->summary, "HelloRetryRequest, group secp256r1");
    CHECK_HAS(s->narration, "Server: None of your key shares suits me; please try again with secp256r1.");
    CHECK_HAS(s->narration, "cookie");
    step_free(s);

    /* The second ClientHello: a secp256r1 share and the cookie. */
    tbuf t;
    tb_init(&t);
    tb_message(&t, 1);
    tb_u16(&t, 0x0303);
    tb_fill(&t, 0x42, 32);
    tb_u8(&t, 0);
    tb_hex(&t, "0002 1301 0100");
    tb_open(&t, 2);
    tb_hex(&t, "0033 0047 0045 0017 0041");
    tb_u8(&t, 4);
    tb_fill(&t, 0x55, 64);
    tb_hex(&t, "002b 0003 02 0304   002c 0006 0004 01020304");
    tb_close(&t);
    tb_close(&t);
    s = dec_tb(&c, DIR_C2S, &t, "second ClientHello");
    CHECK_STR(fval(s, "extensions/0/client_shares/0/group"), "secp256r1");
    CHECK_STR(fval(s, "extensions/2/cookie"), "01020304");
    CHECK_HAS(s->narration, "Client: Hello again!");
    CHECK_HAS(s->narration, "Here is the secp256r1 key share you asked for.");
    step_free(s);

    tb_init(&t);
    tb_message(&t, 2);
    tb_u16(&t, 0x0303);
    tb_fill(&t, 0x33, 32);
    tb_u8(&t, 0);
    tb_hex(&t, "1301 00");
    tb_open(&t, 2);
    tb_hex(&t, "002b 0002 0304  0033 0045 0017 0041");
    tb_u8(&t, 4);
    tb_fill(&t, 0x66, 64);
    tb_close(&t);
    tb_close(&t);
    s = dec_tb(&c, DIR_S2C, &t, "ServerHello after HRR");
    CHECK_STR(fval(s, "hello_retry_request"), "false");
    CHECK(c.server_hello_seen);
    CHECK_EQ_INT(c.group, 0x0017);
    CHECK_HAS(s->narration, "a secp256r1 key exchange");
    step_free(s);
}

static void test_rfc8448_resumption(void)
{
    conn_state c;
    conn_init(&c);
    step *s = dec_hex(&c, DIR_C2S, RFC_RESUME_CH, "rfc8448 resumed ClientHello");
    const field *psk = find_ext(fpath(s->root, "extensions"), 41);
    CHECK(psk != NULL);
    CHECK(fpath(psk, "identities/0/identity")->length == 178);
    CHECK_STR(fpath(psk, "identities/0/obfuscated_ticket_age")->value, "4208372427");
    CHECK_STR(fpath(psk, "binders/0")->value, "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
    CHECK(find_ext(fpath(s->root, "extensions"), 21) != NULL);   /* padding */
    CHECK(c.client_offered_psk && c.client_offered_early_data);
    CHECK_HAS(s->summary, "PSK");
    CHECK_HAS(s->narration, "I also hold a ticket from an earlier session and would like to resume it, and I'm "
                            "already sending early data.");
    step_free(s);

    tbuf t;
    tb_init(&t);
    tb_message(&t, 2);
    tb_u16(&t, 0x0303);
    tb_fill(&t, 0x3c, 32);
    tb_u8(&t, 0);
    tb_hex(&t, "1301 00");
    tb_open(&t, 2);
    tb_hex(&t, "0029 0002 0000  002b 0002 0304  0033 0024 001d 0020");
    tb_fill(&t, 0x77, 32);
    tb_close(&t);
    tb_close(&t);
    s = dec_tb(&c, DIR_S2C, &t, "resumed ServerHello");
    CHECK_STR(fval(s, "extensions/0/selected_identity"), "0");
    CHECK(c.server_accepted_psk && c.resumed);
    CHECK_HAS(s->narration, "resume our earlier session with the ticket you offered, adding a fresh x25519 key exchange.");
    CHECK_HAS(s->summary, "resumed");
    step_free(s);

    /* EncryptedExtensions accepting early data, then EndOfEarlyData. */
    s = dec_hex(&c, DIR_S2C, "08 00 00 06 0004 002a 0000", "EE with early_data");
    CHECK_HAS(s->narration, "I accept your early data");
    step_free(s);
    s = dec_hex(&c, DIR_C2S, "05 00 00 00", "EndOfEarlyData");
    CHECK_STR(s->name, "end_of_early_data");
    CHECK_HAS(s->narration, "Client: That was all my early data");
    step_free(s);
}

/* ---- TLS 1.2 ---- */

static void build_ch12(tbuf *t, const uint8_t *sid, size_t sid_len)
{
    tb_init(t);
    tb_message(t, 1);
    tb_u16(t, 0x0303);
    tb_fill(t, 0xab, 32);
    tb_u8(t, (unsigned)sid_len);
    tb_bytes(t, sid, sid_len);
    tb_hex(t, "000c 0a0a c02f c030 009c 002f 00ff  01 00");
    tb_open(t, 2);
    tb_hex(t, "1a1a 0000");                                        /* GREASE */
    tb_hex(t, "0000 0010 000e 00 000b 6578616d706c652e636f6d");    /* server_name */
    tb_hex(t, "000b 0004 03 000102");                              /* ec_point_formats */
    tb_hex(t, "000a 0008 0006 2a2a 001d 0017");                    /* supported_groups */
    tb_hex(t, "0023 0000");                                        /* session_ticket */
    tb_hex(t, "0010 000e 000c 02 6832 08 687474702f312e31");       /* ALPN h2, http/1.1 */
    tb_hex(t, "0017 0000  0016 0000  ff01 0001 00");               /* EMS, ETM, renegotiation_info */
    tb_hex(t, "000d 0008 0006 0401 0403 0201");                    /* signature_algorithms */
    tb_hex(t, "0005 0005 01 0000 0000");                           /* status_request */
    tb_hex(t, "0012 0000");                                        /* signed_certificate_timestamp */
    tb_hex(t, "0015 0005 0000000000");                             /* padding */
    tb_close(t);
    tb_close(t);
}

static void build_sh12(tbuf *t, uint16_t suite, const uint8_t *sid, size_t sid_len, bool downgrade)
{
    tb_init(t);
    tb_message(t, 2);
    tb_u16(t, 0x0303);
    tb_fill(t, 0x5e, 24);
    if (downgrade) tb_hex(t, "444f574e47524401");
    else tb_fill(t, 0x5e, 8);
    tb_u8(t, (unsigned)sid_len);
    tb_bytes(t, sid, sid_len);
    tb_u16(t, suite);
    tb_u8(t, 0);
    tb_open(t, 2);
    tb_hex(t, "ff01 0001 00  0017 0000  0016 0000  000b 0002 0100");
    tb_hex(t, "0010 0005 0003 02 6832");
    tb_close(t);
    tb_close(t);
}

static void test_tls12_ecdhe(void)
{
    conn_state c;
    conn_init(&c);
    tbuf t;
    build_ch12(&t, NULL, 0);
    step *s = dec_tb(&c, DIR_C2S, &t, "TLS 1.2 ClientHello");
    CHECK_STR(fval(s, "cipher_suites/0"), "GREASE");
    CHECK(fpath(s->root, "cipher_suites/0")->code == 0x0a0a);
    CHECK_STR(fval(s, "cipher_suites/5"), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    CHECK_STR(fval(s, "extensions/0/type"), "GREASE");
    CHECK_STR(fval(s, "extensions/3/groups/0"), "GREASE");
    CHECK_STR(fval(s, "extensions/2/point_formats/1"), "ansiX962_compressed_prime");
    CHECK_STR(fval(s, "alpn/0"), "h2");
    CHECK_STR(fval(s, "alpn/1"), "http/1.1");
    CHECK_STR(fval(s, "sni"), "example.com");
    CHECK(fpath(s->root, "supported_versions") == NULL);
    CHECK_STR(fval(s, "extensions/9/algorithms/2"), "rsa_pkcs1_sha1");
    CHECK_STR(fval(s, "extensions/10/status_type"), "ocsp");
    CHECK_EQ_INT(c.n_offered_suites, 5);
    CHECK_EQ_INT(c.first_suite, 0xc02f);
    CHECK_STR(c.alpn_offered, "h2,http/1.1");
    CHECK(c.client_sent_ems && c.client_sent_etm && !c.client_offered_ticket);
    CHECK_EQ_INT(c.n_offered_versions, 0);
    CHECK_STR(s->summary, "TLS 1.2, 5 suites, SNI example.com, ALPN h2,http/1.1");
    CHECK_HAS(s->narration, "Client: Hello! I speak up to TLS 1.2 and offer 5 cipher suites, "
                            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 first.");
    CHECK_HAS(s->narration, "I want to reach example.com and speak h2 or http/1.1.");
    step_free(s);

    uint8_t sid[32];
    memset(sid, 0x99, sizeof sid);
    build_sh12(&t, 0xc02f, sid, 32, true);
    s = dec_tb(&c, DIR_S2C, &t, "TLS 1.2 ServerHello");
    CHECK_STR(fval(s, "selected_version"), "TLS 1.2");
    CHECK(fpath(s->root, "selected_version")->offset == 4);
    CHECK_STR(fval(s, "downgrade_sentinel"), "tls12");
    CHECK_STR(fval(s, "ja3s"), "771,49199,65281-23-22-11-16");
    CHECK_EQ_INT(c.version, 0x0303);
    CHECK(c.extended_master_secret && c.encrypt_then_mac && !c.resumed);
    CHECK_STR(c.alpn, "h2");
    CHECK_EQ_INT(c.server_session_id_len, 32);
    CHECK_HAS(s->narration, "Server: Let's use TLS 1.2 with TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.");
    CHECK_HAS(s->narration, "We'll speak h2.");
    CHECK_HAS(s->narration, "downgrade marker");
    step_free(s);

    size_t n;
    uint8_t *der = test_unhex(RFC_CERT, &n);
    tb_init(&t);
    tb_message(&t, 11);
    tb_open(&t, 3);
    for (int i = 0; i < 2; i++) {
        tb_open(&t, 3);
        tb_bytes(&t, der + 11, 432);
        tb_close(&t);
    }
    tb_close(&t);
    tb_close(&t);
    free(der);
    s = dec_tb(&c, DIR_S2C, &t, "TLS 1.2 Certificate");
    CHECK_EQ_INT(fcount(fpath(s->root, "certificates")), 2);
    CHECK(fpath(s->root, "certificate_request_context") == NULL);
    CHECK(fpath(s->root, "certificates/1/extensions") == NULL);
    CHECK(fpath(s->root, "certificates/1/der")->offset == 4 + 3 + 3 + 432 + 3);
    CHECK(c.server_cert.present);
    CHECK_HAS(s->narration, "1 more certificate links it to the authority that vouches for it.");
    step_free(s);

    tb_init(&t);
    tb_message(&t, 12);
    tb_hex(&t, "03 001d 20");
    tb_fill(&t, 0x21, 32);
    tb_hex(&t, "0804 0010");
    tb_fill(&t, 0x5a, 16);
    tb_close(&t);
    s = dec_tb(&c, DIR_S2C, &t, "ECDHE ServerKeyExchange");
    CHECK_STR(fval(s, "curve_type"), "named_curve");
    CHECK_STR(fval(s, "named_curve"), "x25519");
    CHECK(fpath(s->root, "public")->offset == 8 && fpath(s->root, "public")->length == 32);
    CHECK_STR(fval(s, "signature_algorithm"), "rsa_pss_rsae_sha256");
    CHECK(fpath(s->root, "signature")->length == 16);
    CHECK_EQ_INT(c.group, 0x001d);
    CHECK_STR(s->narration, "Server: Here is my half of an x25519 key exchange, signed with my certificate's key "
                            "(rsa_pss_rsae_sha256) so you know it is really me.");
    CHECK_STR(s->summary, "ECDHE_RSA x25519, rsa_pss_rsae_sha256");
    step_free(s);

    s = dec_hex(&c, DIR_S2C, "0e 00 00 00", "ServerHelloDone");
    CHECK_STR(s->name, "server_hello_done");
    CHECK_STR(s->narration, "Server: That's all from me for now — your turn.");
    step_free(s);

    tb_init(&t);
    tb_message(&t, 16);
    tb_u8(&t, 32);
    tb_fill(&t, 0x31, 32);
    tb_close(&t);
    s = dec_tb(&c, DIR_C2S, &t, "ECDHE ClientKeyExchange");
    CHECK(fpath(s->root, "public")->length == 32);
    CHECK_HAS(s->narration, "Client: Here is my half of an x25519 key exchange.");
    step_free(s);

    s = dec_hex(&c, DIR_C2S, "14 00 00 0c 010203040506070809101112", "TLS 1.2 Finished");
    CHECK_STR(fval(s, "verify_data"), "010203040506070809101112");
    CHECK(c.client_finished);
    step_free(s);

    /* A new ClientHello after both Finished: renegotiation. */
    c.server_finished = true;
    build_ch12(&t, NULL, 0);
    s = dec_tb(&c, DIR_C2S, &t, "renegotiation ClientHello");
    CHECK_HAS(s->narration, "Client: Hello again — let's renegotiate this connection");
    step_free(s);

    tb_init(&t);
    tb_message(&t, 4);
    tb_u32(&t, 7200);
    tb_u16(&t, 64);
    tb_fill(&t, 0x7e, 64);
    tb_close(&t);
    s = dec_tb(&c, DIR_S2C, &t, "TLS 1.2 NewSessionTicket");
    CHECK_STR(fval(s, "lifetime_hint"), "7200");
    CHECK(fpath(s->root, "ticket")->length == 64);
    CHECK(c.new_session_ticket);
    CHECK_HAS(s->narration, "Server: Here is a session ticket (64 bytes, keep it for up to 2 hours)");
    step_free(s);
}

static void test_tls12_rsa_and_resumption(void)
{
    conn_state c;
    conn_init(&c);
    tbuf t;
    uint8_t sid[32];
    memset(sid, 0x44, sizeof sid);
    build_ch12(&t, sid, 32);
    step *s = dec_tb(&c, DIR_C2S, &t, "ClientHello with a session id");
    CHECK_HAS(s->narration, "I'd like to resume our earlier session");
    step_free(s);
    build_sh12(&t, 0x002f, sid, 32, false);
    s = dec_tb(&c, DIR_S2C, &t, "resuming ServerHello");
    CHECK(c.resumed);
    CHECK_HAS(s->narration, "Server: I remember you: let's resume our earlier session and skip the certificate.");
    step_free(s);

    conn_init(&c);
    build_ch12(&t, NULL, 0);
    step_free(dec_tb(&c, DIR_C2S, &t, "ch"));
    build_sh12(&t, 0x002f, sid, 32, false);
    s = dec_tb(&c, DIR_S2C, &t, "RSA ServerHello");
    CHECK(!c.resumed);
    CHECK_HAS(s->narration, "without forward secrecy");
    step_free(s);
    tb_init(&t);
    tb_message(&t, 16);
    tb_u16(&t, 256);
    tb_fill(&t, 0xe1, 256);
    tb_close(&t);
    s = dec_tb(&c, DIR_C2S, &t, "RSA ClientKeyExchange");
    CHECK(fpath(s->root, "encrypted_pre_master")->length == 256);
    CHECK(fpath(s->root, "encrypted_pre_master")->offset == 6);
    CHECK_STR(s->narration, "Client: Here is the pre-master secret, encrypted with your public key (256 bytes). Only "
                            "the holder of the private key can read it; from it we both derive the master secret.");
    step_free(s);

    /* SSL 3.0: no length before the encrypted secret. */
    conn_init(&c);
    c.version = 0x0300;
    c.cipher_suite = 0x000a;
    c.have_cipher_suite = true;
    tb_init(&t);
    tb_message(&t, 16);
    tb_fill(&t, 0xe2, 128);
    tb_close(&t);
    s = dec_tb(&c, DIR_C2S, &t, "SSL 3.0 ClientKeyExchange");
    CHECK(fpath(s->root, "encrypted_pre_master")->length == 128);
    CHECK(fpath(s->root, "encrypted_pre_master")->offset == 4);
    step_free(s);
}

static void test_dhe_psk_and_old_versions(void)
{
    conn_state c;
    conn_init(&c);
    c.version = 0x0303;
    c.cipher_suite = 0x009e;   /* TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 */
    c.have_cipher_suite = true;
    tbuf t;
    tb_init(&t);
    tb_message(&t, 12);
    tb_u16(&t, 64);
    tb_fill(&t, 0xff, 64);
    tb_hex(&t, "0001 02");
    tb_u16(&t, 64);
    tb_fill(&t, 0x12, 64);
    tb_hex(&t, "0401 0004 deadbeef");
    tb_close(&t);
    step *s = dec_tb(&c, DIR_S2C, &t, "DHE ServerKeyExchange");
    CHECK_STR(fval(s, "p_bits"), "512");
    CHECK_STR(fval(s, "dh_g"), "02");
    CHECK(fpath(s->root, "dh_Ys")->length == 64);
    CHECK_STR(fval(s, "signature_algorithm"), "rsa_pkcs1_sha256");
    CHECK_STR(s->narration, "Server: Here is my half of a 512-bit Diffie-Hellman key exchange, signed with my "
                            "certificate's key (rsa_pkcs1_sha256) so you know it is really me.");
    step_free(s);
    tb_init(&t);
    tb_message(&t, 16);
    tb_u16(&t, 64);
    tb_fill(&t, 0x13, 64);
    tb_close(&t);
    s = dec_tb(&c, DIR_C2S, &t, "DHE ClientKeyExchange");
    CHECK(fpath(s->root, "dh_Yc")->length == 64);
    CHECK_HAS(s->narration, "Diffie-Hellman");
    step_free(s);

    /* TLS 1.0 ECDHE: no signature_algorithm before the signature. */
    conn_init(&c);
    c.version = 0x0301;
    c.cipher_suite = 0xc013;
    c.have_cipher_suite = true;
    tb_init(&t);
    tb_message(&t, 12);
    tb_hex(&t, "03 0017 41 04");
    tb_fill(&t, 0x22, 64);
    tb_hex(&t, "0080");
    tb_fill(&t, 0x23, 128);
    tb_close(&t);
    s = dec_tb(&c, DIR_S2C, &t, "TLS 1.0 ServerKeyExchange");
    CHECK(fpath(s->root, "signature_algorithm") == NULL);
    CHECK(fpath(s->root, "signature")->length == 128);
    CHECK_STR(s->narration, "Server: Here is my half of a secp256r1 key exchange, signed with my certificate's key so "
                            "you know it is really me.");
    step_free(s);

    /* PSK. */
    conn_init(&c);
    c.version = 0x0303;
    c.cipher_suite = 0x008c;   /* TLS_PSK_WITH_AES_128_CBC_SHA */
    c.have_cipher_suite = true;
    s = dec_hex(&c, DIR_S2C, "0c 00 00 06 0004 68696e74", "PSK ServerKeyExchange");
    CHECK_STR(fval(s, "psk_identity_hint"), "hint");
    CHECK_HAS(s->narration, "pre-shared key");
    step_free(s);
    s = dec_hex(&c, DIR_C2S, "10 00 00 09 0007 636c69656e7431", "PSK ClientKeyExchange");
    CHECK_STR(fval(s, "psk_identity"), "client1");
    CHECK_STR(s->narration, "Client: Let's use the pre-shared key I call \"client1\".");
    step_free(s);

    /* No ServerHello seen: the shape decides, or the bytes stay raw. */
    conn_init(&c);
    tb_init(&t);
    tb_message(&t, 12);
    tb_hex(&t, "03 001d 20");
    tb_fill(&t, 0x21, 32);
    tb_hex(&t, "0403 0002 abcd");
    tb_close(&t);
    s = dec_tb(&c, DIR_S2C, &t, "SKE without ServerHello");
    CHECK_STR(fval(s, "named_curve"), "x25519");
    CHECK_STR(fval(s, "signature_algorithm"), "ecdsa_secp256r1_sha256");
    step_free(s);
    s = dec_hex(&c, DIR_S2C, "0c 00 00 03 010203", "raw SKE");
    CHECK_STR(fval(s, "raw"), "010203");
    CHECK_HAS(s->narration, "cannot tell");
    step_free(s);
}

static void test_client_certificates(void)
{
    conn_state c;
    conn_init(&c);
    c.version = 0x0303;
    c.cipher_suite = 0xc02f;
    c.have_cipher_suite = true;
    step *s = dec_hex(&c, DIR_S2C,
                      "0d 00 00 19 02 01 40 0004 0401 0403 000e 0005 3003310100 0005 3003310102", "CertificateRequest 1.2");
    CHECK_STR(fval(s, "certificate_types/0"), "rsa_sign");
    CHECK_STR(fval(s, "certificate_types/1"), "ecdsa_sign");
    CHECK_STR(fval(s, "signature_algorithms/1"), "ecdsa_secp256r1_sha256");
    CHECK_EQ_INT(fcount(fpath(s->root, "certificate_authorities")), 2);
    CHECK_STR(fval(s, "certificate_authorities/1"), "3003310102");
    CHECK(c.certificate_requested);
    CHECK_HAS(s->narration, "issued by one of the 2 authorities I trust");
    step_free(s);

    s = dec_hex(&c, DIR_C2S, "0b 00 00 03 000000", "empty client Certificate");
    CHECK(!c.client_certificate_sent);
    CHECK_STR(s->narration, "Client: I have no certificate to show you.");
    step_free(s);

    size_t n;
    uint8_t *der = test_unhex(RFC_CERT, &n);
    tbuf t;
    tb_init(&t);
    tb_message(&t, 11);
    tb_open(&t, 3);
    tb_open(&t, 3);
    tb_bytes(&t, der + 11, 432);
    tb_close(&t);
    tb_close(&t);
    tb_close(&t);
    free(der);
    s = dec_tb(&c, DIR_C2S, &t, "client Certificate");
    CHECK(c.client_certificate_sent && c.client_cert.present);
    CHECK_HAS(s->narration, "Client: Here is my certificate, as you asked: CN=rsa");
    step_free(s);

    /* A hostile chain: only the first 64 entries become fields. */
    tb_init(&t);
    tb_message(&t, 11);
    tb_open(&t, 3);
    for (int i = 0; i < 70; i++) tb_hex(&t, "000001 00");
    tb_close(&t);
    tb_close(&t);
    s = dec(&c, DIR_S2C, t.b, t.n, "70 certificates", false);
    CHECK_EQ_INT(fcount(fpath(s->root, "certificates")), 64);
    CHECK_STR(fval(s, "bytes_not_decoded"), "24");
    step_free(s);

    s = dec_hex(&c, DIR_C2S, "0f 00 00 08 0401 0004 01020304", "CertificateVerify 1.2");
    CHECK_STR(fval(s, "signature_algorithm"), "rsa_pkcs1_sha256");
    CHECK_HAS(s->narration, "Client: Here is a signature over the handshake so far");
    step_free(s);

    c.version = 0x0301;
    s = dec_hex(&c, DIR_C2S, "0f 00 00 06 0004 01020304", "CertificateVerify 1.0");
    CHECK(fpath(s->root, "signature_algorithm") == NULL);
    CHECK_STR(fval(s, "signature"), "01020304");
    step_free(s);

    c.version = 0x0304;
    s = dec_hex(&c, DIR_S2C, "0d 00 00 0f 00 000c 000d 0008 0006 0804 0403 0401", "CertificateRequest 1.3");
    CHECK_STR(fval(s, "certificate_request_context"), "");
    CHECK_STR(fval(s, "extensions/0/algorithms/0"), "rsa_pss_rsae_sha256");
    CHECK_STR(s->narration, "Server: Please show me your certificate too, and prove that it is yours.");
    step_free(s);
}

static void test_other_messages(void)
{
    conn_state c;
    conn_init(&c);
    c.version = 0x0304;
    step *s = dec_hex(&c, DIR_S2C, "00 00 00 00", "HelloRequest");
    CHECK_STR(s->name, "hello_request");
    CHECK_HAS(s->narration, "renegotiation");
    step_free(s);
    s = dec_hex(&c, DIR_S2C, "16 00 00 0a 01 000006 010203040506", "CertificateStatus");
    CHECK_STR(fval(s, "status_type"), "ocsp");
    CHECK_STR(fval(s, "response_length"), "6");
    CHECK_STR(fval(s, "ocsp_response"), "010203040506");
    CHECK_HAS(s->narration, "OCSP response (6 bytes)");
    step_free(s);
    s = dec_hex(&c, DIR_C2S, "18 00 00 01 01", "KeyUpdate");
    CHECK_STR(fval(s, "request_update"), "update_requested");
    CHECK_STR(s->narration, "Client: I'm switching to fresh keys now; please update yours too.");
    CHECK_STR(s->summary, "update_requested");
    step_free(s);
    s = dec(&c, DIR_S2C, (const uint8_t *)"\x18\x00\x00\x01\x07", 5, "KeyUpdate with an invalid request", false);
    CHECK(s->malformed);
    CHECK_STR(s->summary, "invalid request_update 7");
    CHECK_HAS(fval(s, "malformed"), "neither update_not_requested (0) nor update_requested (1)");
    step_free(s);
    s = dec_hex(&c, DIR_C2S, "fe 00 00 04 a1b2c3d4", "message_hash");
    CHECK_STR(fval(s, "hash"), "a1b2c3d4");
    step_free(s);
    s = dec_hex(&c, DIR_S2C, "19 00 00 0d 0002 0003e8 000005 0102030405", "CompressedCertificate");
    CHECK_STR(fval(s, "algorithm"), "brotli");
    CHECK_STR(fval(s, "uncompressed_length"), "1000");
    CHECK_STR(fval(s, "compressed_data"), "0102030405");
    CHECK_HAS(s->narration, "compressed with brotli (5 bytes instead of 1000)");
    step_free(s);
    s = dec_hex(&c, DIR_S2C, "63 00 00 02 abcd", "unknown type");
    CHECK_STR(s->name, "unknown_handshake");
    CHECK_STR(fval(s, "raw"), "abcd");
    CHECK_HAS(s->narration, "that tlsview does not know");
    step_free(s);
    s = dec_hex(&c, DIR_S2C, "03 00 00 05 fefd 02 abcd", "HelloVerifyRequest");
    CHECK_STR(fval(s, "server_version"), "DTLS 1.2");
    CHECK_STR(fval(s, "cookie"), "abcd");
    step_free(s);
    s = dec_hex(&c, DIR_C2S, "43 00 00 06 02 6832 02 0000", "NextProtocol");
    CHECK_STR(fval(s, "selected_protocol"), "h2");
    CHECK_HAS(s->narration, "\"h2\"");
    step_free(s);
}

static void test_sslv2_hello(void)
{
    conn_state c;
    conn_init(&c);
    size_t n;
    uint8_t *b = test_unhex("8022 01 0301 0009 0000 0010 010080 00002f 0000ff"
                            "0102030405060708090a0b0c0d0e0f10", &n);
    step *s = step_new(STEP_HANDSHAKE, 1, 1.0, DIR_C2S, "client_hello");
    step_set_bytes(s, b, n);
    sslv2_client_hello_decode(&c, s);
    free(b);
    CHECK_EQ_INT(check_offsets(s, "SSLv2 hello"), 0);
    CHECK(!s->malformed);
    CHECK_STR(s->name, "client_hello");
    CHECK_STR(fval(s, "version"), "TLS 1.0");
    CHECK_STR(fval(s, "cipher_specs/0"), "SSL_CK_RC4_128_WITH_MD5");
    CHECK_STR(fval(s, "cipher_specs/1"), "TLS_RSA_WITH_AES_128_CBC_SHA");
    CHECK_STR(fval(s, "challenge"), "0102030405060708090a0b0c0d0e0f10");
    CHECK(c.sslv2_hello && c.client_hello_seen);
    CHECK_EQ_INT(c.client_legacy_version, 0x0301);
    CHECK_EQ_INT(c.n_offered_suites, 3);
    CHECK_EQ_INT(c.first_suite, 0x002f);
    CHECK_EQ_INT(c.client_random[15], 0);
    CHECK_EQ_INT(c.client_random[16], 1);
    CHECK_EQ_INT(c.client_random[31], 0x10);
    CHECK_HAS(s->narration, "old SSL 2.0 message format");
    step_free(s);
}

static void test_malformed(void)
{
    conn_state c;
    conn_init(&c);
    /* The ClientHello cut inside its cipher suites. */
    size_t n;
    uint8_t *b = test_unhex(RFC_CH, &n);
    step *s = dec(&c, DIR_C2S, b, 44, "truncated ClientHello", false);
    CHECK(s->malformed && c.malformed);
    CHECK_STR(fval(s, "malformed"), "length: the header says 192 bytes, only 40 are present");
    const field *m = first_malformed(s->root);
    CHECK(m != NULL);
    CHECK_STR(fpath(s->root, "random")->value, "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7");
    CHECK_EQ_INT(c.client_random[0], 0xcb);
    CHECK_HAS(s->narration, "Part of this message did not decode: length: the header says 192 bytes");
    step_free(s);
    /* Header fixed up: the cipher suites' own length runs past the end. */
    b[1] = 0;
    b[2] = 0;
    b[3] = 40;
    s = dec(&c, DIR_C2S, b, 44, "short ClientHello", false);
    bool found = false;
    for (const field *f = s->root->first; f; f = f->next)
        if (f->malformed && strcmp(f->value, "cipher_suites: length 6 runs past the end (3 bytes left)") == 0) found = true;
    CHECK(found);
    step_free(s);
    free(b);

    /* A bad extension is skipped and the next one is still read. */
    s = dec(&c, DIR_C2S,
            (const uint8_t *)"\x01\x00\x00\x35\x03\x03" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                             "\x00\x00\x02\x13\x01\x01\x00\x00\x0a\x00\x0a\x00\x02\x00\x05\x00\x17\x00\x00",
            57, "bad supported_groups", false);
    const field *exts = fpath(s->root, "extensions");
    CHECK_EQ_INT(fcount(exts), 2);
    CHECK(first_malformed(fchild(exts, 0)) != NULL);
    CHECK_STR(fval(s, "extensions/1/type"), "extended_master_secret");
    CHECK(c.client_sent_ems);
    step_free(s);

    s = dec(&c, DIR_S2C, (const uint8_t *)"\x0e\x00\x00\x01\x00", 5, "ServerHelloDone with a body", false);
    CHECK(s->malformed);
    CHECK_HAS(fval(s, "malformed"), "1 unexpected byte after the header");
    step_free(s);
    s = dec(&c, DIR_S2C, (const uint8_t *)"\x0e\x00", 2, "two bytes", false);
    CHECK(s->malformed);
    step_free(s);
    s = dec(&c, DIR_S2C, (const uint8_t *)"", 0, "nothing", false);
    CHECK(s->malformed);
    step_free(s);
}

static void test_record_level_narration(void)
{
    conn_state c;
    conn_init(&c);
    step *s = step_new(STEP_CHANGE_CIPHER_SPEC, 1, 1.0, DIR_C2S, "change_cipher_spec");
    c.version = 0x0304;
    c.server_hello_seen = true;
    narrate_change_cipher_spec(&c, s);
    CHECK_HAS(s->narration, "middleboxes");
    CHECK_HAS(s->narration, "Encryption has already begun.");
    step_free(s);
    s = step_new(STEP_CHANGE_CIPHER_SPEC, 1, 1.0, DIR_S2C, "change_cipher_spec");
    c.version = 0x0303;
    c.server_hello_seen = true;
    narrate_change_cipher_spec(&c, s);
    CHECK_STR(s->narration, "Server: From now on everything I send is encrypted with the keys we just agreed on.");
    step_free(s);

    static const struct {
        uint8_t level, desc;
        const char *want;
    } alerts[] = {
        { 2, 40, "no common cipher suite, protocol version or key exchange group" },
        { 2, 42, "signature did not verify" },
        { 2, 48, "chain was not trusted" },
        { 1, 0, "polite goodbye" },
        { 2, 116, "requires a client certificate" },
        { 2, 70, "does not support the offered protocol version" },
        { 2, 51, "Finished check failed" },
        { 2, 20, "different keys" },
        { 2, 112, "(SNI)" },
        { 2, 120, "no application protocol in common" },
        { 2, 200, "Fatal alert" },
    };
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
        s = step_new(STEP_ALERT, 1, 1.0, DIR_S2C, "alert");
        narrate_alert(&c, s, alerts[i].level, alerts[i].desc);
        CHECK_HAS(s->narration, alerts[i].want);
        CHECK(strncmp(s->narration, "Server: ", 8) == 0);
        step_free(s);
    }
    s = step_new(STEP_ALERT, 1, 1.0, DIR_C2S, "alert");
    s->encrypted = true;
    c.client_finished = c.server_finished = true;
    narrate_alert(&c, s, 0, 255);
    CHECK_HAS(s->narration, "almost certainly close_notify");
    step_free(s);

    s = step_new(STEP_APP_DATA, 1, 1.0, DIR_C2S, "app_data");
    s->encrypted = true;
    s->length = 512;
    narrate_app_data(&c, s);
    CHECK_STR(s->narration, "Client: 512 bytes of application data, encrypted with the keys derived during the "
                            "handshake.");
    step_free(s);

    c.client_finished = c.server_finished = false;
    s = step_new(STEP_ENCRYPTED_HANDSHAKE, 1, 1.0, DIR_C2S, "encrypted_handshake");
    s->length = 40;
    narrate_encrypted_handshake(&c, s);
    CHECK_HAS(s->narration, "almost certainly Finished");
    step_free(s);
    c.version = 0x0304;
    c.cipher_suite = 0x1302;   /* SHA-384: a Finished record is 4 + 48 + 1 + 16 bytes */
    c.have_cipher_suite = true;
    s = step_new(STEP_ENCRYPTED_HANDSHAKE, 1, 1.0, DIR_S2C, "encrypted_handshake");
    s->length = 2000;
    narrate_encrypted_handshake(&c, s);
    CHECK_HAS(s->narration, "EncryptedExtensions, Certificate, CertificateVerify and Finished");
    CHECK_HAS(s->narration, "key log");
    step_free(s);
    s = step_new(STEP_ENCRYPTED_HANDSHAKE, 1, 1.0, DIR_S2C, "encrypted_handshake");
    s->length = 69;
    narrate_encrypted_handshake(&c, s);
    CHECK_HAS(s->narration, "by its size, my Finished");
    step_free(s);

    /* A compatibility CCS before any ServerHello: nothing encrypted yet,
     * or 0-RTT data follows. */
    conn_init(&c);
    s = step_new(STEP_CHANGE_CIPHER_SPEC, 1, 1.0, DIR_C2S, "change_cipher_spec");
    narrate_change_cipher_spec(&c, s);
    CHECK_HAS(s->narration, "Nothing is encrypted yet");
    step_free(s);
    c.client_offered_early_data = true;
    s = step_new(STEP_CHANGE_CIPHER_SPEC, 1, 1.0, DIR_C2S, "change_cipher_spec");
    narrate_change_cipher_spec(&c, s);
    CHECK_HAS(s->narration, "early data that follows");
    step_free(s);
}

/* ---- robustness ---- */

static void test_fuzz(void)
{
    conn_state fresh, tls13, tls12, dhe, psk;
    conn_init(&fresh);
    conn_init(&tls13);
    tls13.version = 0x0304;
    tls13.cipher_suite = 0x1301;
    tls13.have_cipher_suite = true;
    tls13.server_hello_seen = true;
    conn_init(&tls12);
    tls12.version = 0x0303;
    tls12.cipher_suite = 0xc02f;
    tls12.have_cipher_suite = true;
    dhe = tls12;
    dhe.cipher_suite = 0x009e;
    psk = tls12;
    psk.cipher_suite = 0x00ae;   /* TLS_PSK_WITH_AES_128_CBC_SHA256 */

    fuzz_hex(&fresh, DIR_C2S, RFC_CH, "fuzz rfc8448 ClientHello");
    fuzz_hex(&fresh, DIR_S2C, RFC_SH, "fuzz rfc8448 ServerHello");
    fuzz_hex(&tls13, DIR_S2C, RFC_EE, "fuzz EncryptedExtensions");
    fuzz_hex(&tls13, DIR_S2C, RFC_CERT, "fuzz Certificate 1.3");
    fuzz_hex(&tls13, DIR_S2C, RFC_CV, "fuzz CertificateVerify");
    fuzz_hex(&tls13, DIR_S2C, RFC_SFIN, "fuzz Finished");
    fuzz_hex(&tls13, DIR_S2C, RFC_NST, "fuzz NewSessionTicket 1.3");
    fuzz_hex(&fresh, DIR_C2S, RFC_RESUME_CH, "fuzz resumed ClientHello");
    fuzz_hex(&fresh, DIR_S2C, RFC_HRR, "fuzz HelloRetryRequest");
    fuzz_hex(&fresh, DIR_S2C, RFC_CV, "fuzz CertificateVerify, no version");
    fuzz_hex(&fresh, DIR_S2C, RFC_NST, "fuzz NewSessionTicket, no version");
    fuzz_hex(&fresh, DIR_S2C, RFC_CERT, "fuzz Certificate, no version");

    tbuf t;
    build_ch12(&t, NULL, 0);
    fuzz_message(&fresh, DIR_C2S, t.b, t.n, "fuzz TLS 1.2 ClientHello");
    uint8_t sid[32] = { 0 };
    build_sh12(&t, 0xc02f, sid, 32, true);
    fuzz_message(&fresh, DIR_S2C, t.b, t.n, "fuzz TLS 1.2 ServerHello");
    fuzz_hex(&tls12, DIR_S2C, "0c 00 00 2c 03 001d 20 2121212121212121212121212121212121212121212121212121212121212121"
                              "0804 0004 5a5a5a5a", "fuzz ECDHE SKE");
    fuzz_hex(&fresh, DIR_S2C, "0c 00 00 2c 03 001d 20 2121212121212121212121212121212121212121212121212121212121212121"
                              "0804 0004 5a5a5a5a", "fuzz SKE, no suite");
    fuzz_hex(&dhe, DIR_S2C, "0c 00 00 15 0004 ffffffff 0001 02 0004 12121212 0401 0002 dead", "fuzz DHE SKE");
    fuzz_hex(&psk, DIR_S2C, "0c 00 00 06 0004 68696e74", "fuzz PSK SKE");
    fuzz_hex(&psk, DIR_C2S, "10 00 00 09 0007 636c69656e7431", "fuzz PSK CKE");
    fuzz_hex(&tls12, DIR_C2S, "10 00 00 05 04 31313131", "fuzz ECDHE CKE");
    fuzz_hex(&dhe, DIR_C2S, "10 00 00 06 0004 13131313", "fuzz DHE CKE");
    fuzz_hex(&fresh, DIR_C2S, "10 00 00 06 0004 13131313", "fuzz CKE, no suite");
    fuzz_hex(&tls12, DIR_S2C, "0d 00 00 19 02 01 40 0004 0401 0403 000e 0005 3003310100 0005 3003310102", "fuzz CR 1.2");
    fuzz_hex(&fresh, DIR_S2C, "0d 00 00 19 02 01 40 0004 0401 0403 000e 0005 3003310100 0005 3003310102", "fuzz CR");
    fuzz_hex(&tls13, DIR_S2C, "0d 00 00 0f 00 000c 000d 0008 0006 0804 0403 0401", "fuzz CR 1.3");
    fuzz_hex(&tls12, DIR_S2C, "04 00 00 0a 00001c20 0004 7e7e7e7e", "fuzz NST 1.2");
    fuzz_hex(&tls13, DIR_S2C, "16 00 00 0a 01 000006 010203040506", "fuzz CertificateStatus");
    fuzz_hex(&tls13, DIR_S2C, "19 00 00 0d 0002 0003e8 000005 0102030405", "fuzz CompressedCertificate");
    fuzz_hex(&tls13, DIR_C2S, "18 00 00 01 01", "fuzz KeyUpdate");
    fuzz_hex(&tls13, DIR_C2S, "43 00 00 06 02 6832 02 0000", "fuzz NextProtocol");
    fuzz_hex(&tls13, DIR_S2C, "03 00 00 05 fefd 02 abcd", "fuzz HelloVerifyRequest");

    /* The SSLv2 hello: every truncation and byte change. */
    size_t n;
    uint8_t *b = test_unhex("8022 01 0301 0009 0000 0010 010080 00002f 0000ff 0102030405060708090a0b0c0d0e0f10", &n);
    for (size_t k = 0; k <= n; k++) {
        for (size_t i = 0; i <= k; i++) {
            uint8_t *m = malloc(k + 1);
            memcpy(m, b, k);
            if (i < k) m[i] ^= 0xa5;
            conn_state c = fresh;
            step *s = step_new(STEP_HANDSHAKE, 1, 1.0, DIR_C2S, "client_hello");
            step_set_bytes(s, m, k);
            sslv2_client_hello_decode(&c, s);
            test_checks++;
            if (!s->narration) test_fail(__FILE__, __LINE__, "SSLv2 fuzz %zu/%zu: no narration", k, i);
            step_free(s);
            free(m);
        }
    }
    free(b);
}

int main(void)
{
    test_rfc8448_client_hello();
    test_rfc8448_server_flight();
    test_rfc8448_hrr();
    test_rfc8448_resumption();
    test_tls12_ecdhe();
    test_tls12_rsa_and_resumption();
    test_dhe_psk_and_old_versions();
    test_client_certificates();
    test_other_messages();
    test_sslv2_hello();
    test_malformed();
    test_record_level_narration();
    test_fuzz();
    return test_report("handshake");
}
