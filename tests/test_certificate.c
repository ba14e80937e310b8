/* Certificates: the field tree of certificate_describe, the trust store,
 * and certificate_validate judged at the capture time.  The certificates
 * come from tests/data/certs/make-certs.sh; the fingerprints below are the
 * ones `openssl x509 -fingerprint -sha256` printed when it made them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "dissect/certificate.h"
#include "tests/testlib.h"

static const char *FP_LEAF =
    "17:B6:FC:E1:3E:05:F8:77:6A:25:BC:3F:5C:C5:4B:97:6C:E6:20:FF:CF:2F:90:92:A2:5E:B7:A8:E5:F4:5B:1C";
static const char *FP_CA =
    "FA:31:AB:A0:D3:C7:BC:B5:F3:01:F3:9F:FE:DA:CB:10:FE:53:6E:DE:32:C3:A8:96:F7:23:C8:E7:A4:5E:0C:0F";
static const char *FP_CHAIN_LEAF =
    "41:35:13:9F:A3:57:D3:BA:44:E2:69:CC:41:0D:F5:37:6C:3A:B7:FE:50:01:70:58:AA:00:7B:C6:50:47:20:8E";
static const char *FP_ODD =
    "49:B6:B5:2A:BD:C5:BF:16:3E:B2:E2:26:24:BE:CA:D2:34:61:CE:A9:7F:EC:DD:9A:DF:FB:6A:03:65:87:9A:D0";

/* Seconds since the epoch, UTC. */
enum {
    T_2019_06_01 = 1559347200,
    T_2020_01_01 = 1577836800,
    T_2020_06_01 = 1590969600,
    T_2021_01_01 = 1609459200,
    T_2021_06_01 = 1622505600,
    T_2025_06_01 = 1748736000,
};

static char data_dir[1024];

/* argv[1], else tests/data/certs/ next to this source file (meson
 * compiles it by a path relative to the build directory, where the tests
 * run), else tests/data/certs from the source root. */
static void find_data_dir(int argc, char **argv)
{
    if (argc > 1) {
        snprintf(data_dir, sizeof(data_dir), "%s", argv[1]);
        return;
    }
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    int dirlen = slash ? (int)(slash - src + 1) : 0;
    snprintf(data_dir, sizeof(data_dir), "%.*sdata/certs", dirlen, src);
    char probe[1100];
    snprintf(probe, sizeof(probe), "%s/leaf.der", data_dir);
    FILE *f = fopen(probe, "rb");
    if (f) fclose(f);
    else snprintf(data_dir, sizeof(data_dir), "tests/data/certs");
}

static char *data_path(const char *name)
{
    static char path[1200];
    snprintf(path, sizeof(path), "%s/%s", data_dir, name);
    return path;
}

static uint8_t *load(const char *name, size_t *len)
{
    FILE *f = fopen(data_path(name), "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s (give the certificate directory as the argument)\n", data_path(name));
        exit(2);
    }
    uint8_t *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static const field *child(const field *f, const char *name)
{
    return f ? field_child(f, name) : NULL;
}

static const char *text_of(const field *f, const char *name)
{
    const field *c = child(f, name);
    return c ? c->value : NULL;
}

static unsigned count_children(const field *f)
{
    unsigned n = 0;
    for (const field *c = f ? f->first : NULL; c; c = c->next) n++;
    return n;
}

static const char *nth_value(const field *f, unsigned i)
{
    for (const field *c = f ? f->first : NULL; c; c = c->next)
        if (i-- == 0) return c->value;
    return NULL;
}

/* Every field lies inside [lo, hi) of the step's bytes. */
static bool extents_inside(const field *f, size_t lo, size_t hi)
{
    for (const field *c = f->first; c; c = c->next) {
        if (c->offset < lo || c->offset + (size_t)c->length > hi) return false;
        if (!extents_inside(c, lo, hi)) return false;
    }
    return true;
}

/* Describes der placed at offset 5 of a step, as a handshake message
 * would hold it. */
static step *describe(const uint8_t *der, size_t len, cert_summary *sum, field **cert)
{
    uint8_t *msg = malloc(len + 5);
    memset(msg, 0xee, 5);
    memcpy(msg + 5, der, len);
    step *s = step_new(STEP_HANDSHAKE, 1, 0, DIR_S2C, "certificate");
    step_set_bytes(s, msg, len + 5);
    free(msg);
    *cert = field_object(s, NULL, "certificate", 5, len);
    certificate_describe(s, *cert, 5, len, s->bytes + 5, len, sum);
    return s;
}

/* Two trees alike but for offsets moved by delta. */
static int trees_differ(const field *a, const field *b, size_t delta)
{
    int differences = 0;
    for (; a || b; a = a ? a->next : NULL, b = b ? b->next : NULL) {
        if (!a || !b || strcmp(a->name, b->name) != 0 || (a->value == NULL) != (b->value == NULL) ||
            (a->value && strcmp(a->value, b->value) != 0) || a->json != b->json || a->shape != b->shape ||
            a->length != b->length || a->offset + delta != b->offset || a->malformed != b->malformed)
            return 1;
        differences += trees_differ(a->first, b->first, delta);
    }
    return differences;
}

/* Fields whose bytes run past n. */
static int spans_past(const field *f, size_t n)
{
    int past = 0;
    for (; f; f = f->next) past += ((size_t)f->offset + f->length > n) + spans_past(f->first, n);
    return past;
}

/* A certificate seen again is described from the parse kept the first
 * time: the same fields, at the new place, and the same summary. */
static void test_describe_again(void)
{
    size_t len;
    uint8_t *der = load("leaf.der", &len);
    certificate_cache_clear();
    cert_summary first, again;
    field *c1, *c2;
    step *s1 = describe(der, len, &first, &c1);
    step *s2 = step_new(STEP_HANDSHAKE, 2, 0, DIR_S2C, "certificate");
    uint8_t *msg = calloc(1, len + 100);
    memcpy(msg + 100, der, len);
    step_set_bytes(s2, msg, len + 100);
    c2 = field_object(s2, NULL, "certificate", 100, len);
    certificate_describe(s2, c2, 100, len, s2->bytes + 100, len, &again);
    CHECK(c1->first != NULL);
    CHECK_EQ_INT(trees_differ(c1->first, c2->first, 95), 0);
    CHECK(memcmp(&first, &again, sizeof first) == 0);
    /* and no value is shared with the first step or the cache */
    CHECK(c1->first->next->value != c2->first->next->value);
    step_free(s1);
    step_free(s2);

    /* Seen first with bytes after it (the whole-certificate spans then
     * cover them), then alone: no span may run past the shorter step. */
    uint8_t *longer = calloc(1, len + 700);
    memcpy(longer, der, len);
    cert_summary sum;
    field *c3, *c4;
    step *s3 = describe(longer, len + 700, &sum, &c3);
    step *s4 = describe(der, len, &sum, &c4);
    CHECK_EQ_INT(spans_past(c4->first, s4->nbytes), 0);
    step_free(s3);
    step_free(s4);
    free(longer);
    free(msg);
    free(der);
}

static void test_describe_leaf(void)
{
    size_t len;
    uint8_t *der = load("leaf.der", &len);
    cert_summary sum;
    field *c;
    step *s = describe(der, len, &sum, &c);

    CHECK(!s->malformed);
    CHECK_STR(text_of(c, "version"), "3");
    CHECK_STR(text_of(c, "serial"), "10:02");
    CHECK_STR(text_of(c, "subject"), "CN=tlsview.test, O=tlsview tests, C=XX");
    CHECK_STR(text_of(c, "issuer"), "CN=tlsview test root CA, O=tlsview tests, C=XX");
    CHECK_STR(text_of(c, "not_before"), "2020-01-01 00:00:00 UTC");
    CHECK_STR(text_of(c, "not_after"), "2021-01-01 00:00:00 UTC");
    CHECK_STR(text_of(c, "signature_algorithm"), "sha256WithRSAEncryption");

    const field *san = child(c, "san");
    CHECK(san && san->shape == FIELD_LIST);
    CHECK_EQ_INT(count_children(san), 4);
    CHECK_STR(nth_value(san, 0), "tlsview.test");
    CHECK_STR(nth_value(san, 1), "*.tlsview.test");
    CHECK_STR(nth_value(san, 2), "192.0.2.1");
    CHECK_STR(nth_value(san, 3), "2001:db8::1");
    /* Finer offsets: the first name's bytes are "tlsview.test". */
    const field *first = san ? san->first : NULL;
    CHECK(first && first->length == 12 && memcmp(s->bytes + first->offset, "tlsview.test", 12) == 0);

    const field *pk = child(c, "public_key");
    CHECK_STR(text_of(pk, "type"), "EC");
    CHECK_STR(text_of(pk, "bits"), "256");
    CHECK_STR(text_of(pk, "curve"), "secp256r1");

    const field *ku = child(c, "key_usage");
    CHECK_EQ_INT(count_children(ku), 1);
    CHECK_STR(nth_value(ku, 0), "digitalSignature");
    const field *eku = child(c, "extended_key_usage");
    CHECK_EQ_INT(count_children(eku), 2);
    CHECK_STR(nth_value(eku, 0), "serverAuth");
    CHECK_STR(nth_value(eku, 1), "clientAuth");
    const field *bc = child(c, "basic_constraints");
    CHECK_STR(text_of(bc, "ca"), "false");
    CHECK(child(bc, "path_len") == NULL);

    CHECK_STR(text_of(c, "sha256_fingerprint"), FP_LEAF);
    CHECK_STR(text_of(c, "self_signed"), "false");
    CHECK(extents_inside(c, 5, 5 + len));

    CHECK(sum.present);
    CHECK_STR(sum.subject, "CN=tlsview.test, O=tlsview tests, C=XX");
    CHECK_STR(sum.subject_cn, "tlsview.test");
    CHECK_STR(sum.issuer, "CN=tlsview test root CA, O=tlsview tests, C=XX");
    CHECK_STR(sum.issuer_cn, "tlsview test root CA");
    CHECK_STR(sum.not_after, "2021-01-01 00:00:00 UTC");
    CHECK_STR(sum.key_desc, "256-bit EC key (secp256r1)");
    CHECK_STR(sum.validation, "");

    step_free(s);
    free(der);
}

static void test_describe_others(void)
{
    size_t len;
    uint8_t *der;
    cert_summary sum;
    field *c;
    step *s;

    der = load("chain-leaf.der", &len);
    s = describe(der, len, &sum, &c);
    CHECK_STR(text_of(c, "signature_algorithm"), "ecdsa-with-SHA256");
    CHECK_STR(text_of(child(c, "public_key"), "type"), "RSA");
    CHECK_STR(text_of(child(c, "public_key"), "bits"), "3072");
    CHECK(child(child(c, "public_key"), "curve") == NULL);
    CHECK_STR(text_of(c, "issuer"), "CN=tlsview test intermediate CA, O=tlsview tests");
    CHECK_STR(nth_value(child(c, "key_usage"), 1), "keyEncipherment");
    CHECK_STR(text_of(c, "sha256_fingerprint"), FP_CHAIN_LEAF);
    CHECK_STR(sum.key_desc, "3072-bit RSA key");
    step_free(s);
    free(der);

    der = load("ca.der", &len);
    s = describe(der, len, &sum, &c);
    CHECK_STR(text_of(c, "self_signed"), "true");
    CHECK_STR(text_of(child(c, "basic_constraints"), "ca"), "true");
    CHECK(child(child(c, "basic_constraints"), "path_len") == NULL);
    CHECK_STR(nth_value(child(c, "key_usage"), 0), "keyCertSign");
    CHECK_STR(nth_value(child(c, "key_usage"), 1), "cRLSign");
    CHECK(child(c, "san") == NULL);
    CHECK(child(c, "extended_key_usage") == NULL);
    CHECK_STR(text_of(c, "sha256_fingerprint"), FP_CA);
    CHECK_STR(sum.subject_cn, "tlsview test root CA");
    step_free(s);
    free(der);

    der = load("inter.der", &len);
    s = describe(der, len, &sum, &c);
    CHECK_STR(text_of(c, "self_signed"), "false");
    CHECK_STR(text_of(child(c, "basic_constraints"), "path_len"), "0");
    CHECK_STR(text_of(child(c, "public_key"), "curve"), "secp384r1");
    CHECK_STR(sum.key_desc, "384-bit EC key (secp384r1)");
    step_free(s);
    free(der);

    /* Names that need decoding and escaping: a T61String (Latin-1) O, a
     * multi-valued RDN with a BMPString, RFC 4514 specials in the CN. */
    der = load("odd.der", &len);
    s = describe(der, len, &sum, &c);
    CHECK(!s->malformed);
    CHECK_STR(text_of(c, "subject"),
              "CN=odd\\, \\\"quoted\\\" name\\;x\\ , OU=a+OU=b\u20ac, O=\u00dcn\u00efc\u00f8d\u00e9 tests, C=XX");
    CHECK_STR(sum.subject_cn, "odd, \"quoted\" name;x ");
    CHECK_STR(text_of(c, "serial"), "A1:B2");
    CHECK_STR(text_of(c, "signature_algorithm"), "ecdsa-with-SHA256");
    CHECK_EQ_INT(count_children(child(c, "san")), 4);
    CHECK_STR(nth_value(child(c, "san"), 1), "email:odd@tlsview.test");
    CHECK_STR(nth_value(child(c, "san"), 2), "URI:https://odd.tlsview.test/");
    CHECK_STR(nth_value(child(c, "san"), 3), "198.51.100.7");
    CHECK_STR(text_of(c, "sha256_fingerprint"), FP_ODD);
    CHECK(extents_inside(c, 5, 5 + len));
    step_free(s);
    free(der);

    der = load("self.der", &len);
    s = describe(der, len, &sum, &c);
    CHECK_STR(text_of(c, "self_signed"), "true");
    CHECK_STR(text_of(c, "subject"), "CN=self.tlsview.test");
    CHECK_STR(text_of(child(c, "basic_constraints"), "ca"), "false");
    step_free(s);
    free(der);
}

static void test_describe_garbage(void)
{
    static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05, 0xde, 0xad };
    cert_summary sum;
    field *c;
    step *s = describe(junk, sizeof(junk), &sum, &c);
    CHECK(s->malformed);
    const field *m = child(c, "malformed");
    CHECK(m && m->malformed && m->value && strstr(m->value, "mbedTLS") != NULL);
    CHECK(!sum.present);
    CHECK(child(c, "subject") == NULL);
    step_free(s);

    /* Nothing at all. */
    s = step_new(STEP_HANDSHAKE, 1, 0, DIR_S2C, "certificate");
    certificate_describe(s, NULL, 0, 0, NULL, 0, NULL);
    CHECK(s->malformed);
    step_free(s);
}

static const char *validate1(cert_store *cas, const uint8_t *der, size_t len, const char *name,
                             double at, char *detail, size_t dlen)
{
    const uint8_t *ders[1] = { der };
    size_t lens[1] = { len };
    return certificate_validate(cas, ders, lens, 1, name, at, detail, dlen);
}

/* Every prefix and every single-byte corruption of a valid certificate:
 * nothing may crash or read outside (run it under the sanitizers). */
static void test_damage(void)
{
    size_t len;
    uint8_t *der = load("leaf.der", &len);
    char err[256];
    cert_store *cas = cert_store_load(data_path("ca.pem"), err, sizeof(err));
    unsigned parsed = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, der, n);
        cert_summary sum;
        field *c;
        step *s = describe(cut, n, &sum, &c);
        CHECK(s->malformed);
        step_free(s);
        char detail[512];
        CHECK_STR(validate1(cas, cut, n, "tlsview.test", T_2020_06_01, detail, sizeof(detail)), "invalid");
        free(cut);
    }
    uint8_t *copy = malloc(len);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, der, len);
        copy[i] ^= (uint8_t)(i % 2 ? 0x80 : 0x01);
        cert_summary sum;
        field *c;
        step *s = describe(copy, len, &sum, &c);
        if (sum.present) parsed++;
        CHECK(extents_inside(c, 5, 5 + len));
        step_free(s);
        char detail[512];
        const char *v = validate1(cas, copy, len, "tlsview.test", T_2020_06_01, detail, sizeof(detail));
        /* The signature no longer matches, or the damage was harmless. */
        CHECK(v != NULL && detail[0] != '\0');
    }
    CHECK(parsed > 0);   /* some flips land in the signature or a name */
    free(copy);
    cert_store_free(cas);
    free(der);
}

/* How many certificates a store loaded from path holds; -1 for no store. */
static int certificates_loaded(const char *path)
{
    char err[512];
    cert_store *cas = cert_store_load(path, err, sizeof(err));
    int n = cas ? (int)cert_store_count(cas) : -1;
    cert_store_free(cas);
    return n;
}

static void test_store(void)
{
    char err[512];
    cert_store *cas = cert_store_load(data_path("ca.pem"), err, sizeof(err));
    CHECK(cas != NULL);
    CHECK_EQ_INT(cert_store_count(cas), 1);
    CHECK_STR(cert_store_source(cas), data_path("ca.pem"));
    cert_store_free(cas);

    cas = cert_store_load(data_path("ca.der"), err, sizeof(err));
    CHECK(cas != NULL);
    CHECK_EQ_INT(cert_store_count(cas), 1);
    cert_store_free(cas);

    /* A directory: every certificate once (ca and leaf come as PEM and DER). */
    cas = cert_store_load(data_dir, err, sizeof(err));
    CHECK(cas != NULL);
    CHECK_EQ_INT(cert_store_count(cas), 6);
    cert_store_free(cas);

    err[0] = '\0';
    cas = cert_store_load(data_path("no-such-file.pem"), err, sizeof(err));
    CHECK(cas == NULL);
    CHECK(strstr(err, "no-such-file.pem") != NULL);
    CHECK(strchr(err, '\n') == NULL);

    err[0] = '\0';
    cas = cert_store_load(data_path("make-certs.sh"), err, sizeof(err));
    CHECK(cas == NULL);
    CHECK(strstr(err, "make-certs.sh") != NULL && strstr(err, "no certificate") != NULL);

    /* A bundle with commentary, a broken block and the OpenSSL "TRUSTED
     * CERTIFICATE" label: the usable certificates load, the rest is skipped. */
    {
        size_t n;
        uint8_t *pem = load("ca.pem", &n);
        char tmpl[1100];
        const char *tmpdir = getenv("TMPDIR");
        snprintf(tmpl, sizeof(tmpl), "%s/tlsview-test-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        int fd = mkstemp(tmpl);
        CHECK(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fputs("# a comment\n-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n", f);
        fputs("-----BEGIN TRUSTED CERTIFICATE-----\n", f);
        const char *body = strchr((const char *)pem, '\n') + 1;
        const char *end = strstr(body, "-----END");
        fwrite(body, 1, (size_t)(end - body), f);
        fputs("-----END TRUSTED CERTIFICATE-----\n", f);
        fclose(f);
        CHECK_EQ_INT(certificates_loaded(tmpl), 1);

        /* Windows line ends, the body on one line, a key block between:
         * the same certificate each time (so one in the store), and a
         * block cut short of its padding is not one. */
        f = fopen(tmpl, "w");
        for (const char *p = (const char *)pem; *p; p++) {
            if (*p == '\n') fputc('\r', f);
            fputc(*p, f);
        }
        fputs("-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", f);
        fputs("-----BEGIN CERTIFICATE-----\n", f);
        for (const char *p = body; p < end; p++)
            if (*p != '\n') fputc(*p, f);
        fputs("\n-----END CERTIFICATE-----\n", f);
        fclose(f);
        CHECK_EQ_INT(certificates_loaded(tmpl), 1);
        f = fopen(tmpl, "w");
        fputs("-----BEGIN CERTIFICATE-----\n", f);
        fwrite(body, 1, (size_t)(end - body) - 2, f);   /* the last character and its line end cut */
        fputs("\n-----END CERTIFICATE-----\n", f);
        fclose(f);
        CHECK_EQ_INT(certificates_loaded(tmpl), -1);

        f = fopen(tmpl, "w");
        fclose(f);
        cas = cert_store_load(tmpl, err, sizeof(err));
        CHECK(cas == NULL && strstr(err, tmpl) != NULL);
        remove(tmpl);
        free(pem);
    }

    /* The system bundle, or an empty store: never an error.  The bundle
     * gives as many certificates as mbedTLS's own PEM reader finds. */
    cas = cert_store_load(NULL, err, sizeof(err));
    CHECK(cas != NULL);
    if (cert_store_count(cas) > 0) {
        mbedtls_x509_crt chain;
        mbedtls_x509_crt_init(&chain);
        CHECK(mbedtls_x509_crt_parse_file(&chain, cert_store_source(cas)) >= 0);
        unsigned parsed = 0;
        for (const mbedtls_x509_crt *k = &chain; k && k->raw.p; k = k->next) parsed++;
        CHECK_EQ_INT(cert_store_count(cas), parsed);
        printf("system bundle %s: %u certificates\n", cert_store_source(cas), parsed);
        mbedtls_x509_crt_free(&chain);
    }
    cert_store_free(cas);
    CHECK_EQ_INT(cert_store_count(NULL), 0);
    cert_store_free(NULL);
}

static void test_validate(void)
{
    char err[256], detail[1024];
    cert_store *cas = cert_store_load(data_path("ca.pem"), err, sizeof(err));
    cert_store *selfs = cert_store_load(data_path("self.der"), err, sizeof(err));
    CHECK(cas && selfs);
    size_t leaf_len, self_len, chain_len, inter_len, ca_len;
    uint8_t *leaf = load("leaf.der", &leaf_len);
    uint8_t *self = load("self.der", &self_len);
    uint8_t *chain_leaf = load("chain-leaf.der", &chain_len);
    uint8_t *inter = load("inter.der", &inter_len);
    uint8_t *ca = load("ca.der", &ca_len);

    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");
    CHECK(strstr(detail, "tlsview test root CA") != NULL);
    /* Asked again, the remembered verdict is the same, words and all; the
     * same chain a year later is judged afresh. */
    char again[1024];
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2020_06_01, again, sizeof(again)), "trusted");
    CHECK_STR(again, detail);
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2020_06_01 + 365.0 * 86400, again, sizeof(again)),
              "expired");
    CHECK_STR(validate1(cas, leaf, leaf_len, "other.test", T_2020_06_01, again, sizeof(again)), "name mismatch");
    CHECK_STR(validate1(cas, leaf, leaf_len, "www.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, "WWW.TLSview.Test.", T_2020_06_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, "192.0.2.1", T_2020_06_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, "2001:db8:0::1", T_2020_06_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, NULL, T_2020_06_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, "", T_2020_06_01, NULL, 0), "trusted");
    /* The validity period's ends are inside it. */
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2020_01_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2021_01_01, detail, sizeof(detail)), "trusted");
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2021_01_01 + 1, detail, sizeof(detail)), "expired");
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2020_01_01 - 1, detail, sizeof(detail)), "not yet valid");

    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2021_06_01, detail, sizeof(detail)), "expired");
    CHECK(strstr(detail, "2021-01-01 00:00:00 UTC") != NULL && strstr(detail, "2021-06-01") != NULL);
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", T_2019_06_01, detail, sizeof(detail)), "not yet valid");
    CHECK(strstr(detail, "2020-01-01 00:00:00 UTC") != NULL);

    CHECK_STR(validate1(cas, leaf, leaf_len, "other.test", T_2020_06_01, detail, sizeof(detail)), "name mismatch");
    CHECK(strstr(detail, "other.test") != NULL && strstr(detail, "tlsview.test") != NULL);
    /* A wildcard stands for one label only. */
    CHECK_STR(validate1(cas, leaf, leaf_len, "a.b.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "name mismatch");
    CHECK_STR(validate1(cas, leaf, leaf_len, "xtlsview.test", T_2020_06_01, detail, sizeof(detail)), "name mismatch");
    CHECK_STR(validate1(cas, leaf, leaf_len, "192.0.2.2", T_2020_06_01, detail, sizeof(detail)), "name mismatch");
    /* Two problems: the first by precedence, the other in the detail. */
    CHECK_STR(validate1(cas, leaf, leaf_len, "other.test", T_2021_06_01, detail, sizeof(detail)), "expired");
    CHECK(strstr(detail, "other.test") != NULL);

    CHECK_STR(validate1(NULL, leaf, leaf_len, "tlsview.test", T_2020_06_01, detail, sizeof(detail)), "unknown issuer");
    CHECK(strstr(detail, "tlsview test root CA") != NULL);
    CHECK_STR(validate1(selfs, leaf, leaf_len, "tlsview.test", T_2020_06_01, detail, sizeof(detail)), "unknown issuer");

    CHECK_STR(validate1(cas, self, self_len, "self.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "self-signed");
    CHECK_STR(validate1(NULL, self, self_len, "self.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "self-signed");
    /* A self-signed certificate the user trusts. */
    CHECK_STR(validate1(selfs, self, self_len, "self.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");

    /* Chains with an intermediate. */
    {
        const uint8_t *ders[3] = { chain_leaf, inter, ca };
        size_t lens[3] = { chain_len, inter_len, ca_len };
        CHECK_STR(certificate_validate(cas, ders, lens, 2, "chain.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");
        CHECK_STR(certificate_validate(cas, ders, lens, 3, "chain.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");
        CHECK_STR(certificate_validate(cas, ders, lens, 1, "chain.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "unknown issuer");
        CHECK(strstr(detail, "tlsview test intermediate CA") != NULL);
        CHECK_STR(certificate_validate(cas, ders, lens, 2, "chain.tlsview.test", T_2021_06_01, detail, sizeof(detail)), "expired");
        CHECK_STR(certificate_validate(NULL, ders, lens, 3, "chain.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "unknown issuer");
        CHECK(strstr(detail, "tlsview test root CA") != NULL);
    }
    {
        /* Junk in the middle of the chain is left out. */
        static const uint8_t junk[] = { 0x30, 0x00 };
        const uint8_t *ders[3] = { chain_leaf, junk, inter };
        size_t lens[3] = { chain_len, sizeof(junk), inter_len };
        CHECK_STR(certificate_validate(cas, ders, lens, 3, "chain.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");
        CHECK(strstr(detail, "did not parse") != NULL);
    }
    {
        /* An extra certificate that plays no part is not judged: the
         * leaf expired in 2021, the self-signed one is valid until 2030. */
        const uint8_t *ders[2] = { self, leaf };
        size_t lens[2] = { self_len, leaf_len };
        CHECK_STR(certificate_validate(selfs, ders, lens, 2, "self.tlsview.test", T_2025_06_01, detail, sizeof(detail)), "trusted");
    }
    {
        /* Nothing, or a leaf that does not parse. */
        static const uint8_t junk[] = { 0x04, 0x02, 0x00, 0x00 };
        CHECK_STR(certificate_validate(cas, NULL, NULL, 0, "x", T_2020_06_01, detail, sizeof(detail)), "invalid");
        CHECK_STR(validate1(cas, junk, sizeof(junk), "x", T_2020_06_01, detail, sizeof(detail)), "invalid");
        CHECK(strstr(detail, "does not parse") != NULL);
    }
    {
        /* A long chain: only the first certificates are looked at. */
        const uint8_t *ders[40];
        size_t lens[40];
        ders[0] = chain_leaf;
        lens[0] = chain_len;
        for (int i = 1; i < 40; i++) {
            ders[i] = inter;
            lens[i] = inter_len;
        }
        CHECK_STR(certificate_validate(cas, ders, lens, 40, "chain.tlsview.test", T_2020_06_01, detail, sizeof(detail)), "trusted");
        CHECK(strstr(detail, "first 16 of the 40") != NULL);
    }
    /* Odd capture times do not upset the arithmetic. */
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", NAN, detail, sizeof(detail)), "not yet valid");
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", 1e300, detail, sizeof(detail)), "expired");
    CHECK_STR(validate1(cas, leaf, leaf_len, "tlsview.test", -1e300, detail, sizeof(detail)), "not yet valid");
    /* A tiny detail buffer is cut, never overrun. */
    char tiny[8];
    CHECK_STR(validate1(cas, leaf, leaf_len, "other.test", T_2020_06_01, tiny, sizeof(tiny)), "name mismatch");
    CHECK(strlen(tiny) < sizeof(tiny));

    free(leaf);
    free(self);
    free(chain_leaf);
    free(inter);
    free(ca);
    cert_store_free(cas);
    cert_store_free(selfs);
}

int main(int argc, char **argv)
{
    find_data_dir(argc, argv);
    test_describe_leaf();
    test_describe_again();
    test_describe_others();
    test_describe_garbage();
    test_store();
    test_validate();
    test_damage();
    return test_report("certificate");
}
