/* Hello extensions, one by one, in each message that carries them: a valid
 * body decodes to the expected keys; a truncated body, an inner length
 * longer than the extension, and trailing bytes each give a malformed
 * field inside that extension while the next extension is still read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/handshake.h"
#include "tests/hs_check.h"
#include "tests/testlib.h"

typedef enum ctx {
    CH,     /* ClientHello */
    SH,     /* ServerHello (TLS 1.3) */
    SH12,   /* ServerHello (TLS 1.2) */
    HRR,    /* HelloRetryRequest */
    EE,     /* EncryptedExtensions */
    CR,     /* CertificateRequest (TLS 1.3) */
    NST,    /* NewSessionTicket (TLS 1.3) */
    CERT,   /* CertificateEntry (TLS 1.3) */
} ctx;

static const char *ctx_name(ctx c)
{
    static const char *const names[] = { "CH", "SH", "SH12", "HRR", "EE", "CR", "NST", "CERT" };
    return names[c];
}

typedef struct ext_case {
    ctx where;
    uint16_t type;
    const char *body;      /* hex */
    const char *key;       /* path inside the extension object */
    const char *value;     /* its value; NULL: only that it exists */
    int inner_len_at;      /* offset of an inner length to overflow; -1: none */
    int inner_len_bytes;   /* 1 or 2 */
    bool structured;       /* truncation / trailing bytes are errors */
} ext_case;

static const ext_case cases[] = {
    { CH, 0, "0009 00 0006 736572766572", "server_name_list/0/host_name", "server", 0, 2, true },
    { EE, 0, "", "type", "server_name", -1, 0, false },
    { CH, 1, "02", "max_fragment_length", "2^10", -1, 0, true },
    { CH, 5, "01 0000 0000", "status_type", "ocsp", 1, 2, true },
    { CH, 5, "01 0004 0002 abcd 0003 010203", "responder_ids/0", "abcd", 1, 2, true },
    { CERT, 5, "01 000004 30020500", "ocsp_response", "30020500", 3, 1, true },
    { CH, 10, "0004 001d 0017", "groups/1", "secp256r1", 0, 2, true },
    { EE, 10, "0002 001d", "groups/0", "x25519", 0, 2, true },
    { CH, 11, "02 0001", "point_formats/0", "uncompressed", 0, 1, true },
    { CH, 13, "0004 0403 0804", "algorithms/1", "rsa_pss_rsae_sha256", 0, 2, true },
    { CR, 13, "0002 0807", "algorithms/0", "ed25519", 0, 2, true },
    { CH, 50, "0002 0403", "algorithms/0", "ecdsa_secp256r1_sha256", 0, 2, true },
    { CH, 15, "01", "mode", "peer_allowed_to_send", -1, 0, true },
    { CH, 16, "000c 02 6832 08 687474702f312e31", "protocols/1", "http/1.1", 0, 2, true },
    { EE, 16, "0003 02 6832", "protocols/0", "h2", 0, 2, true },
    { SH12, 18, "0006 0004 01020304", "scts/0", "01020304", 0, 2, true },
    { CH, 18, "", "type", "signed_certificate_timestamp", -1, 0, false },
    { CH, 19, "02 0002", "certificate_types/1", "RawPublicKey", 0, 1, true },
    { EE, 20, "02", "certificate_type", "RawPublicKey", -1, 0, true },
    { CH, 21, "0000000000", "length", "5", -1, 0, false },
    { CH, 22, "", "type", "encrypt_then_mac", -1, 0, false },
    { CH, 23, "", "type", "extended_master_secret", -1, 0, false },
    { CH, 27, "04 0002 0001", "algorithms/0", "brotli", 0, 1, true },
    { CH, 28, "4001", "record_size_limit", "16385", -1, 0, true },
    { CH, 35, "a1a2a3", "ticket", "a1a2a3", -1, 0, false },
    { CH, 41, "000a 0004 c1c2c3c4 00000064 0009 08 0102030405060708", "identities/0/obfuscated_ticket_age", "100", 0,
      2, true },
    { SH, 41, "0000", "selected_identity", "0", -1, 0, true },
    { CH, 42, "", "type", "early_data", -1, 0, false },
    { NST, 42, "00004000", "max_early_data_size", "16384", -1, 0, true },
    { CH, 43, "04 0304 0303", "versions/1", "TLS 1.2", 0, 1, true },
    { SH, 43, "0304", "selected_version", "TLS 1.3", -1, 0, true },
    { HRR, 44, "0003 c0ffee", "cookie", "c0ffee", 0, 2, true },
    { CH, 45, "02 0001", "ke_modes/1", "psk_dhe_ke", 0, 1, true },
    { CR, 47, "0009 0007 30053103020100", "authorities/0", "30053103020100", 0, 2, true },
    { CR, 48, "0009 03 551d25 0003 060101", "filters/0/certificate_extension_values", "060101", 0, 2, true },
    { CR, 49, "", "type", "post_handshake_auth", -1, 0, false },
    { CH, 51, "0008 001d 0004 0a0b0c0d", "client_shares/0/key_exchange", "0a0b0c0d", 0, 2, true },
    { SH, 51, "001d 0004 0a0b0c0d", "server_share/group", "x25519", 2, 2, true },
    { HRR, 51, "0017", "selected_group", "secp256r1", -1, 0, true },
    { CH, 54, "02 abcd", "cid", "abcd", 0, 1, true },
    { CH, 57, "0102030405", "data", "0102030405", -1, 0, false },
    { CH, 0x4469, "0003 02 6832", "protocols/0", "h2", 0, 2, true },
    { EE, 0x4469, "a1a2", "settings", "a1a2", -1, 0, false },
    { CH, 0xfe0d, "00 0001 0001 07 0002 e1e2 0003 f1f2f3", "payload", "f1f2f3", 10, 2, true },
    { CH, 0xfe0d, "01", "ech_type", "inner", -1, 0, true },
    { EE, 0xfe0d, "00040102", "retry_configs", "00040102", -1, 0, false },
    { CH, 0xff01, "00", "renegotiated_connection", "", 0, 1, true },
    { SH12, 0xff01, "0c 0102030405060708090a0b0c", "renegotiated_connection", "0102030405060708090a0b0c", 0, 1, true },
    { SH12, 0x3374, "02 6832", "protocols/0", "h2", 0, 1, true },
    { CH, 0x2a2a, "", "type", "GREASE", -1, 0, false },
    { CH, 0xbeef, "c0de", "data", "c0de", -1, 0, false },
};

static size_t der_len;
static uint8_t *der;

/* The empty extension placed after the one under test. */
static unsigned follow_type(ctx where, uint16_t type)
{
    if (where == CERT) return 18;
    return type == 23 ? 22 : 23;
}

/* A message of the case's kind holding the extension `type` with `body`,
 * followed by extended_master_secret (or, for a certificate entry, a
 * second copy of status_request's neighbour: signed_certificate_timestamp). */
static void build(tbuf *t, ctx where, uint16_t type, const uint8_t *body, size_t n)
{
    tb_init(t);
    switch (where) {
    case CH:
        tb_message(t, 1);
        tb_u16(t, 0x0303);
        tb_fill(t, 0x01, 32);
        tb_hex(t, "00 0002 1301 0100");
        break;
    case SH: case SH12: case HRR:
        tb_message(t, 2);
        tb_u16(t, 0x0303);
        if (where == HRR)
            tb_hex(t, "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
        else tb_fill(t, 0x02, 32);
        tb_hex(t, where == SH12 ? "00 c02f 00" : "00 1301 00");
        break;
    case EE: tb_message(t, 8); break;
    case CR:
        tb_message(t, 13);
        tb_u8(t, 0);
        break;
    case NST:
        tb_message(t, 4);
        tb_hex(t, "00000e10 01020304 01 00 0002 abcd");
        break;
    case CERT:
        tb_message(t, 11);
        tb_u8(t, 0);
        tb_open(t, 3);
        tb_open(t, 3);
        tb_bytes(t, der, der_len);
        tb_close(t);
        break;
    }
    tb_open(t, 2);
    tb_u16(t, type);
    tb_u16(t, (unsigned)n);
    tb_bytes(t, body, n);
    tb_u16(t, follow_type(where, type));
    tb_u16(t, 0);
    tb_close(t);
    if (where == CERT) tb_close(t);
    tb_close(t);
}

static conn_state base_state(ctx where)
{
    conn_state c;
    conn_init(&c);
    if (where != CH && where != SH && where != SH12 && where != HRR) {
        c.version = 0x0304;
        c.cipher_suite = 0x1301;
        c.have_cipher_suite = true;
    }
    return c;
}

static const field *ext_list(const step *s, ctx where)
{
    if (where == CERT) return fpath(s->root, "certificates/0/extensions");
    return fpath(s->root, "extensions");
}

static direction dir_of(ctx where) { return where == CH ? DIR_C2S : DIR_S2C; }

/* Decodes one variant; returns the step for the caller to inspect. */
static step *run(const ext_case *k, const uint8_t *body, size_t n, const char *variant)
{
    tbuf t;
    build(&t, k->where, k->type, body, n);
    conn_state c = base_state(k->where);
    step *s = decode_msg(&c, dir_of(k->where), t.b, t.n);
    char label[96];
    snprintf(label, sizeof label, "%s ext 0x%04x %s", ctx_name(k->where), k->type, variant);
    CHECK_EQ_INT(check_offsets(s, label), 0);
    const field *list = ext_list(s, k->where);
    test_checks++;
    if (fcount(list) != 2) test_fail(__FILE__, __LINE__, "%s: %u extensions decoded, expected 2", label, fcount(list));
    const field *next = fchild(list, 1);
    const field *nt = next ? field_child(next, "type") : NULL;
    test_checks++;
    if (!nt || nt->code != follow_type(k->where, k->type))
        test_fail(__FILE__, __LINE__, "%s: the extension after it was not read", label);
    return s;
}

static void expect_malformed(const ext_case *k, const uint8_t *body, size_t n, const char *variant)
{
    step *s = run(k, body, n, variant);
    const field *e = fchild(ext_list(s, k->where), 0);
    test_checks++;
    if (!first_malformed(e))
        test_fail(__FILE__, __LINE__, "%s ext 0x%04x %s: no malformed field inside the extension", ctx_name(k->where),
                  k->type, variant);
    test_checks++;
    if (first_malformed(fchild(ext_list(s, k->where), 1)))
        test_fail(__FILE__, __LINE__, "%s ext 0x%04x %s: the next extension is marked malformed", ctx_name(k->where),
                  k->type, variant);
    step_free(s);
}

static void test_case(const ext_case *k)
{
    size_t n;
    uint8_t *body = test_unhex(k->body, &n);
    uint8_t buf[300];

    step *s = run(k, body, n, "valid");
    const field *e = fchild(ext_list(s, k->where), 0);
    const field *f = fpath(e, k->key);
    test_checks++;
    if (!f) test_fail(__FILE__, __LINE__, "%s ext 0x%04x: no key %s", ctx_name(k->where), k->type, k->key);
    else if (k->value) CHECK_STR(f->value, k->value);
    test_checks++;
    if (first_malformed(e))
        test_fail(__FILE__, __LINE__, "%s ext 0x%04x: valid body reported malformed: %s", ctx_name(k->where), k->type,
                  first_malformed(e)->value);
    CHECK(e && field_child(e, "type") && field_child(e, "type")->code == k->type);
    step_free(s);

    if (k->structured && n > 0) expect_malformed(k, body, n - 1, "truncated");
    if (k->structured) {
        memcpy(buf, body, n);
        buf[n] = 0;
        expect_malformed(k, buf, n + 1, "with a trailing byte");
    }
    if (k->inner_len_at >= 0) {
        memcpy(buf, body, n);
        size_t at = (size_t)k->inner_len_at;
        unsigned v = k->inner_len_bytes == 1 ? buf[at] : (unsigned)(buf[at] << 8 | buf[at + 1]);
        v++;
        if (k->inner_len_bytes == 1) buf[at] = (uint8_t)v;
        else {
            buf[at] = (uint8_t)(v >> 8);
            buf[at + 1] = (uint8_t)v;
        }
        expect_malformed(k, buf, n, "with an inner length past the end");
    }

    /* Robustness: every truncation and change of the whole message. */
    tbuf t;
    build(&t, k->where, k->type, body, n);
    conn_state c = base_state(k->where);
    char label[64];
    snprintf(label, sizeof label, "fuzz %s ext 0x%04x", ctx_name(k->where), k->type);
    if (k->where != CERT) fuzz_message(&c, dir_of(k->where), t.b, t.n, label);
    free(body);
}

/* The connection state the extensions feed. */
static void test_state(void)
{
    conn_state c;
    conn_init(&c);
    tbuf t;
    tb_init(&t);
    tb_message(&t, 1);
    tb_u16(&t, 0x0303);
    tb_fill(&t, 0x01, 32);
    tb_hex(&t, "00 0002 1301 0100");
    tb_open(&t, 2);
    tb_hex(&t, "0000 000c 000a 00 0007 6578 0a6d 706c 65");  /* a host name with a control byte */
    tb_hex(&t, "0010 000a 0008 02 6832 02 6833 01 78");
    tb_hex(&t, "002b 0007 06 0a0a 0304 0303");
    tb_hex(&t, "0033 000e 000c 0a0a 0001 00 001d 0003 010203");
    tb_hex(&t, "0023 0002 abcd  0016 0000  0017 0000  002a 0000");
    tb_close(&t);
    tb_close(&t);
    step *s = decode_msg(&c, DIR_C2S, t.b, t.n);
    CHECK_EQ_INT(check_offsets(s, "state ClientHello"), 0);
    CHECK_STR(c.sni, "ex\\x0ample");
    CHECK_STR(fval(s, "sni"), "ex\\x0ample");
    CHECK_STR(c.alpn_offered, "h2,h3,x");
    CHECK_EQ_INT(c.n_offered_versions, 2);
    CHECK_EQ_INT(c.offered_versions[0], 0x0304);
    CHECK_EQ_INT(c.n_client_key_shares, 1);
    CHECK_EQ_INT(c.client_key_share_groups[0], 0x001d);
    CHECK(c.client_offered_ticket && c.client_sent_etm && c.client_sent_ems && c.client_offered_early_data);
    CHECK_STR(fval(s, "supported_versions/0"), "GREASE");
    CHECK_STR(fval(s, "alpn/2"), "x");
    step_free(s);

    /* A TLS 1.2 server that answers with EMS but not ETM. */
    tb_init(&t);
    tb_message(&t, 2);
    tb_u16(&t, 0x0303);
    tb_fill(&t, 0x02, 32);
    tb_hex(&t, "00 c02f 00");
    tb_open(&t, 2);
    tb_hex(&t, "0017 0000  0010 0005 0003 02 6832");
    tb_close(&t);
    tb_close(&t);
    s = decode_msg(&c, DIR_S2C, t.b, t.n);
    CHECK(c.extended_master_secret && !c.encrypt_then_mac);
    CHECK_STR(c.alpn, "h2");
    step_free(s);

    /* ALPN in a server message must name exactly one protocol. */
    conn_init(&c);
    c.version = 0x0304;
    s = decode_hex(&c, DIR_S2C, "08 00 00 0e 000c 0010 0008 0006 02 6832 02 6833");
    CHECK(s->malformed);
    CHECK(strstr(fval(s, "extensions/0/malformed"), "exactly one protocol") != NULL);
    step_free(s);

    /* A duplicate extension is reported. */
    conn_init(&c);
    s = decode_hex(&c, DIR_C2S, "01 00 00 33 0303 0101010101010101010101010101010101010101010101010101010101010101"
                                "00 0002 1301 0100 0008 0017 0000 0017 0000");
    CHECK(s->malformed);
    CHECK(strstr(fval(s, "extensions/1/malformed"), "more than once") != NULL);
    step_free(s);

    /* The extensions block longer than the message, and a cut header. */
    s = decode_hex(&c, DIR_C2S, "01 00 00 2f 0303 0101010101010101010101010101010101010101010101010101010101010101"
                                "00 0002 1301 0100 0010 0017 0000");
    CHECK(s->malformed);
    CHECK(strstr(fval(s, "malformed"), "extensions: length 16 runs past the end of the message") != NULL);
    CHECK_STR(fval(s, "extensions/0/type"), "extended_master_secret");
    CHECK(fval(s, "ja3") == NULL);
    step_free(s);
    s = decode_hex(&c, DIR_C2S, "01 00 00 2e 0303 0101010101010101010101010101010101010101010101010101010101010101"
                                "00 0002 1301 0100 0003 0017 00");
    CHECK(strstr(fval(s, "extensions/malformed"), "expected a 4-byte type and length") != NULL);
    step_free(s);
}

int main(void)
{
    /* RFC 8448's server certificate (section 3). */
    static const char *cert_msg =
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
    size_t msg_len;
    uint8_t *msg = test_unhex(cert_msg, &msg_len);
    der_len = 432;
    der = malloc(der_len);
    memcpy(der, msg + 11, der_len);
    free(msg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_case(&cases[i]);
    test_state();
    free(der);
    return test_report("extensions");
}
