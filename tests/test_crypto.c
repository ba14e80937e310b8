/* The decryption engine end to end:
 *  - server keys in every format (PEM/DER, PKCS#1/PKCS#8, encrypted),
 *    their errors, matching a key to a certificate;
 *  - TLS 1.2 / 1.0 / SSL 3.0 handshakes built independently
 *    (tests/gen_crypto_vectors.py): RSA decryption of the pre-master
 *    secret, extended master secret, session resumption by ID and by
 *    ticket, key log CLIENT_RANDOM and RSA lines, encrypt-then-MAC, Finished
 *    checks, and the reasons given when something is missing;
 *  - RFC 8448: the simple 1-RTT handshake (section 3), 0-RTT (section 4) and
 *    HelloRetryRequest (section 5) replayed from their records with the
 *    secrets as key log lines, plus a KeyUpdate;
 *  - signatures checked with the certificate's key, with and without
 *    secrets: ServerKeyExchange (RSA PKCS#1 v1.5, ECDSA, TLS 1.0's MD5+SHA-1
 *    and SHA-1 ECDSA), client CertificateVerify (TLS 1.2 with SHA-512, TLS
 *    1.0), RFC 8448's server CertificateVerify (RSA-PSS), altered
 *    signatures, missing certificates, unsupported schemes. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissect/conn.h"
#include "dissect/crypto.h"
#include "dissect/cursor.h"
#include "dissect/keylog.h"
#include "dissect/keyring.h"
#include "tests/testlib.h"

typedef struct flow_step {
    char kind;          /* 'H' plaintext handshake message, 'C' ChangeCipherSpec, 'R' protected record */
    int dir;
    uint8_t type;
    const char *hex;
    const char *plain;
} flow_step;

typedef struct flow {
    const char *name;
    uint16_t version, suite;
    bool ems, etm;
    const char *client_random, *server_random, *client_sid, *server_sid;
    const char *pms, *master;
    const char *keylog;
    const flow_step *steps;
    size_t n_steps;
} flow;

#include "tests/crypto_vectors.h"

typedef struct bytes {
    uint8_t *p;
    size_t n;
} bytes;

static bytes B(const char *hex)
{
    bytes b;
    b.p = test_unhex(hex, &b.n);
    return b;
}

static bool eq_hex(const uint8_t *p, size_t n, const char *hex)
{
    bytes b = B(hex);
    bool ok = b.n == n && memcmp(p, b.p, n) == 0;
    free(b.p);
    return ok;
}

/* ---- events ---- */

typedef struct event {
    char name[64];
    uint8_t value[128];
    size_t n;
    char text[320];
} event;

typedef struct events {
    event e[64];
    size_t n;
} events;

static void on_event(void *ctx, const char *name, const uint8_t *value, size_t n, const char *text)
{
    events *ev = ctx;
    if (ev->n == 64) return;
    event *e = &ev->e[ev->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->n = n < sizeof e->value ? n : sizeof e->value;
    memcpy(e->value, value, e->n);
    snprintf(e->text, sizeof e->text, "%s", text);
}

static const event *find_event(const events *ev, const char *name)
{
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->e[i].name, name) == 0) return &ev->e[i];
    return NULL;
}

#define CHECK_EVENT(ev, name, hex) check_event(__FILE__, __LINE__, ev, name, hex)
static void check_event(const char *file, int line, const events *ev, const char *name, const char *hex)
{
    const event *e = find_event(ev, name);
    test_checks++;
    if (!e) test_fail(file, line, "no \"%s\" event", name);
    else if (!eq_hex(e->value, e->n, hex)) test_fail(file, line, "event \"%s\" has the wrong value", name);
}

static bool has_note(const conn_state *c, const char *needle)
{
    for (unsigned i = 0; i < c->n_notes; i++)
        if (strstr(c->notes[i], needle)) return true;
    return false;
}

/* ---- key files ---- */

static keyring_result add_text_key(keyring *kr, const char *name, const char *pem, const char *pw,
                                   char *msg, size_t msglen)
{
    return keyring_add_buffer(kr, name, (const uint8_t *)pem, strlen(pem), pw, msg, msglen);
}

static void test_keyring(void)
{
    char msg[400];
    bytes cert = B(cert_der_hex);
    keyring_match_status st;

    keyring *kr = keyring_new();
    CHECK(keyring_match(kr, cert.p, cert.n, &st) == NULL);
    CHECK_EQ_INT(st, KEYRING_EMPTY);

    /* the wrong keys: another RSA key and an EC key */
    CHECK_EQ_INT(add_text_key(kr, "other.pem", other_rsa_pem, NULL, msg, sizeof msg), KEYRING_OK);
    CHECK_EQ_INT(add_text_key(kr, "ec.pem", ec_pem, NULL, msg, sizeof msg), KEYRING_NOT_RSA);
    CHECK(strstr(msg, "ec.pem is a 256-bit EC key") != NULL);
    CHECK(strstr(msg, "cannot decrypt") != NULL);
    CHECK(keyring_match(kr, cert.p, cert.n, &st) == NULL);
    CHECK_EQ_INT(st, KEYRING_NO_MATCH);

    /* the right one, PKCS#1 PEM */
    CHECK_EQ_INT(add_text_key(kr, "server.pem", rsa_pkcs1_pem, NULL, msg, sizeof msg), KEYRING_OK);
    const server_key *k = keyring_match(kr, cert.p, cert.n, &st);
    CHECK_EQ_INT(st, KEYRING_MATCH);
    CHECK(k && strcmp(server_key_name(k), "server.pem") == 0);
    CHECK(k && server_key_is_rsa(k) && server_key_bits(k) == 1024);
    CHECK_EQ_INT(keyring_count(kr), 3);
    CHECK_EQ_INT(keyring_rsa_count(kr), 2);

    /* not a certificate */
    CHECK(keyring_match(kr, (const uint8_t *)"\x30\x03\x02\x01\x00", 5, &st) == NULL);
    CHECK_EQ_INT(st, KEYRING_BAD_CERT);
    keyring_free(kr);

    struct { const char *name; const char *pem; bool der; } ok[] = {
        { "pkcs8.der", rsa_pkcs8_der_hex, true },
        { "pkcs8-aes.pem", rsa_pkcs8_aes_pem, false },
        { "pkcs8-3des.pem", rsa_pkcs8_3des_pem, false },
        { "traditional-aes.pem", rsa_trad_aes_pem, false },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        kr = keyring_new();
        keyring_result r;
        if (ok[i].der) {
            bytes der = B(ok[i].pem);
            r = keyring_add_buffer(kr, ok[i].name, der.p, der.n, NULL, msg, sizeof msg);
            free(der.p);
        } else {
            r = add_text_key(kr, ok[i].name, ok[i].pem, "tlsview", msg, sizeof msg);
        }
        if (r != KEYRING_OK) test_fail(__FILE__, __LINE__, "%s: %s", ok[i].name, msg);
        test_checks++;
        CHECK(keyring_match(kr, cert.p, cert.n, &st) != NULL);
        keyring_free(kr);
    }

    /* encrypted without the password, with a wrong one */
    const char *enc[] = { rsa_pkcs8_aes_pem, rsa_pkcs8_3des_pem, rsa_trad_aes_pem };
    for (size_t i = 0; i < 3; i++) {
        kr = keyring_new();
        CHECK_EQ_INT(add_text_key(kr, "k.pem", enc[i], NULL, msg, sizeof msg), KEYRING_ERROR);
        CHECK_STR(msg, "k.pem needs a password: give --key-password or set TLSVIEW_KEY_PASSWORD");
        CHECK_EQ_INT(add_text_key(kr, "k.pem", enc[i], "not it", msg, sizeof msg), KEYRING_ERROR);
        CHECK_STR(msg, "k.pem is encrypted: the password is wrong");
        CHECK_EQ_INT(keyring_count(kr), 0);
        keyring_free(kr);
    }

    /* things that are not keys */
    kr = keyring_new();
    CHECK_EQ_INT(add_text_key(kr, "cert.pem", cert_pem, NULL, msg, sizeof msg), KEYRING_ERROR);
    CHECK(strstr(msg, "cert.pem is a certificate, not a private key") != NULL);
    CHECK_EQ_INT(add_text_key(kr, "junk", "hello world\n", NULL, msg, sizeof msg), KEYRING_ERROR);
    CHECK(strstr(msg, "junk is not a private key") != NULL);
    CHECK_EQ_INT(keyring_add_file(kr, "/nonexistent-dir/key.pem", NULL, msg, sizeof msg), KEYRING_ERROR);
    CHECK(strstr(msg, "cannot open") != NULL);

    /* from a file */
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/tlsview-key-XXXXXX", dir && *dir ? dir : P_tmpdir);
    int fd = mkstemp(path);
    if (fd >= 0) {
        if (write(fd, rsa_pkcs8_aes_pem, strlen(rsa_pkcs8_aes_pem)) < 0) perror("write");
        close(fd);
        CHECK_EQ_INT(keyring_add_file(kr, path, "tlsview", msg, sizeof msg), KEYRING_OK);
        CHECK(keyring_match(kr, cert.p, cert.n, &st) != NULL);
        unlink(path);
    }
    keyring_free(kr);
    free(cert.p);
}

/* ---- replaying a TLS <= 1.2 flow ---- */

typedef struct replay_result {
    unsigned decrypted, no_keys, failed, plaintext;
    unsigned verified, mismatched, unchecked;
    unsigned sig_valid, sig_invalid, sig_unchecked;   /* signatures checked */
    char sig_detail[160];                             /* of the last one */
} replay_result;

/* Changes a handshake message before the engine sees it (in place; the
 * length stays); returning false drops the message. */
static bool (*hs_mutator)(uint8_t *m, size_t n);

static void count_signature(tls_crypto *t, replay_result *r)
{
    const char *detail;
    crypto_signature sig = crypto_last_signature(t, &detail);
    if (sig == CRYPTO_SIGNATURE_NONE) return;
    if (sig == CRYPTO_SIGNATURE_VERIFIED) r->sig_valid++;
    if (sig == CRYPTO_SIGNATURE_INVALID) r->sig_invalid++;
    if (sig == CRYPTO_SIGNATURE_UNCHECKED) r->sig_unchecked++;
    snprintf(r->sig_detail, sizeof r->sig_detail, "%s", detail);
}

static void set_hex(uint8_t *dst, size_t max, const char *hex, uint8_t *len)
{
    bytes b = B(hex);
    size_t n = b.n < max ? b.n : max;
    memcpy(dst, b.p, n);
    if (len) *len = (uint8_t)n;
    free(b.p);
}

/* What the hello decoders would record, read from the message itself. */
static void emulate_decoders(const flow *f, conn_state *c, const uint8_t *m, size_t n)
{
    if (n < 39 || (m[0] != 1 && m[0] != 2)) return;
    uint8_t sid_len = m[38];
    if (sid_len > 32 || n < 39u + sid_len) return;
    if (m[0] == 1) {
        c->client_hello_seen = true;
        c->client_legacy_version = (uint16_t)(m[4] << 8 | m[5]);
        memcpy(c->client_random, m + 6, 32);
        memcpy(c->client_session_id, m + 39, sid_len);
        c->client_session_id_len = sid_len;
    } else {
        c->server_hello_seen = true;
        c->version = f->version;
        c->cipher_suite = f->suite;
        c->have_cipher_suite = true;
        memcpy(c->server_random, m + 6, 32);
        memcpy(c->server_session_id, m + 39, sid_len);
        c->server_session_id_len = sid_len;
        c->extended_master_secret = f->ems;
        c->encrypt_then_mac = f->etm;
    }
}

/* Plays the flow's steps; after step `hook_at` calls hook(ctx). */
static replay_result replay(const flow *f, conn_state *c, tls_crypto *t, bool check_plain,
                            int hook_at, void (*hook)(void *), void *hook_ctx)
{
    replay_result r = { 0 };
    for (size_t i = 0; i < f->n_steps; i++) {
        const flow_step *s = &f->steps[i];
        bytes b = B(s->hex);
        if (s->kind == 'H') {
            if (!hs_mutator || hs_mutator(b.p, b.n)) {
                emulate_decoders(f, c, b.p, b.n);
                crypto_handshake(t, (direction)s->dir, b.p, b.n);
                count_signature(t, &r);
            }
        } else if (s->kind == 'C') {
            uint8_t out[8], inner;
            size_t n;
            CHECK_EQ_INT(crypto_open(t, (direction)s->dir, 20, f->version, b.p, b.n, out, &n, &inner),
                         CRYPTO_PLAINTEXT);
            crypto_change_cipher_spec(t, (direction)s->dir);
        } else {
            uint8_t *out = malloc(b.n + 1);
            size_t n = 0;
            uint8_t inner = 0;
            crypto_status st = crypto_open(t, (direction)s->dir, s->type, f->version, b.p, b.n, out, &n, &inner);
            if (st == CRYPTO_DECRYPTED) {
                r.decrypted++;
                if (check_plain && (!eq_hex(out, n, s->plain) || inner != s->type))
                    test_fail(__FILE__, __LINE__, "%s step %zu: wrong plaintext", f->name, i);
                if (inner == 20) crypto_change_cipher_spec(t, (direction)s->dir);
                if (inner == 22) {
                    emulate_decoders(f, c, out, n);
                    crypto_finished fin = crypto_handshake(t, (direction)s->dir, out, n);
                    count_signature(t, &r);
                    if (fin == CRYPTO_FINISHED_VERIFIED) r.verified++;
                    if (fin == CRYPTO_FINISHED_MISMATCH) r.mismatched++;
                    if (fin == CRYPTO_FINISHED_UNCHECKED) r.unchecked++;
                }
            } else if (st == CRYPTO_NO_KEYS) {
                r.no_keys++;
            } else if (st == CRYPTO_PLAINTEXT) {
                r.plaintext++;
            } else {
                r.failed++;
            }
            free(out);
        }
        free(b.p);
        if ((int)i == hook_at && hook) hook(hook_ctx);
    }
    return r;
}

static unsigned records_of(const flow *f)
{
    unsigned n = 0;
    for (size_t i = 0; i < f->n_steps; i++) n += f->steps[i].kind == 'R';
    return n;
}

static keyring *rfc_keyring(void)
{
    keyring *kr = keyring_new();
    char msg[256];
    add_text_key(kr, "server.pem", rsa_pkcs1_pem, NULL, msg, sizeof msg);
    return kr;
}

static keylog *keylog_of(const char *text)
{
    keylog *kl = keylog_new(0);
    keylog_add_text(kl, "test.keylog", text, strlen(text));
    return kl;
}

/* A whole flow must decrypt and every Finished verify. */
static void expect_full(const flow *f, dissect_config *cfg, crypto_cache *cache, unsigned id, events *ev)
{
    unsigned finished = 0;
    for (size_t i = 0; i < f->n_steps; i++)
        if (f->steps[i].kind == 'R' && strncmp(f->steps[i].plain, "14", 2) == 0) finished++;
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.id = id;
    tls_crypto *t = crypto_new(cfg, &c, cache);
    memset(ev, 0, sizeof *ev);
    crypto_set_event_sink(t, on_event, ev);
    replay_result r = replay(f, &c, t, true, -1, NULL, NULL);
    if (r.decrypted != records_of(f) || r.verified != finished)
        test_fail(__FILE__, __LINE__, "%s: %u of %u records decrypted, %u Finished verified (%s)", f->name,
                  r.decrypted, records_of(f), r.verified, crypto_detail(t));
    test_checks++;
    CHECK_EQ_INT(c.decryption, DEC_DECRYPTED);
    bool master_seen = false;    /* the last one: a renegotiation has two */
    for (size_t i = 0; i < ev->n; i++)
        if (strcmp(ev->e[i].name, "master_secret") == 0) master_seen = eq_hex(ev->e[i].value, ev->e[i].n, f->master);
    CHECK(master_seen);
    const uint8_t *vd;
    size_t n;
    CHECK(crypto_finished_expected(t, DIR_C2S, &vd, &n) && n == (f->version == 0x0300 ? 36u : 12u));
    crypto_free(t);
}

static void test_tls12_rsa(void)
{
    keyring *kr = rfc_keyring();
    dissect_config cfg = { .keys = kr };
    crypto_cache *cache = crypto_cache_new(0);
    events ev;

    expect_full(&tls12_rsa_gcm_ems, &cfg, cache, 1, &ev);
    CHECK_EVENT(&ev, "pre_master_secret", tls12_rsa_gcm_ems.pms);
    CHECK(strstr(find_event(&ev, "master_secret")->text, "extended master secret") != NULL);
    CHECK(find_event(&ev, "client_write_key") && find_event(&ev, "server_write_iv"));
    CHECK(find_event(&ev, "key_block") != NULL);

    /* resumption within the capture: by session ID, then by ticket */
    expect_full(&tls12_resume_id, &cfg, cache, 2, &ev);
    CHECK(strstr(find_event(&ev, "master_secret")->text, "connection 1") != NULL);
    CHECK(strstr(find_event(&ev, "master_secret")->text, "session ID") != NULL);
    expect_full(&tls12_resume_ticket, &cfg, cache, 3, &ev);
    CHECK(strstr(find_event(&ev, "master_secret")->text, "session ticket") != NULL);

    /* TLS 1.0 CBC (chained IVs, MD5+SHA-1 Finished), SSL 3.0 3DES */
    expect_full(&tls10_rsa_cbc, &cfg, cache, 4, &ev);
    CHECK(find_event(&ev, "client_write_iv") && find_event(&ev, "client_write_iv")->n == 16);
    expect_full(&ssl3_rsa_3des, &cfg, cache, 5, &ev);
    CHECK_EVENT(&ev, "pre_master_secret", ssl3_rsa_3des.pms);

    /* renegotiation: a second handshake inside the protected one; its keys
     * wait for its ChangeCipherSpec */
    expect_full(&tls12_renego, &cfg, cache, 6, &ev);
    unsigned masters = 0;
    for (size_t i = 0; i < ev.n; i++) masters += strcmp(ev.e[i].name, "master_secret") == 0;
    CHECK_EQ_INT(masters, 2);

    crypto_cache_free(cache);

    /* without a cache the resumed connection cannot be read */
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    tls_crypto *t = crypto_new(&cfg, &c, NULL);
    replay_result r = replay(&tls12_resume_id, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, 0);
    CHECK_EQ_INT(r.no_keys, records_of(&tls12_resume_id));
    CHECK(has_note(&c, "resumes a session"));
    crypto_free(t);
    keyring_free(kr);
}

static void test_no_certificate(void)
{
    /* the Certificate message is missing: the RSA key that decrypts the
     * pre-master secret is found by trying the keys of the right size.
     * (A flow without extended master secret: with EMS the missing message
     * would change the master secret too.) */
    const flow *f = &tls10_rsa_cbc;
    flow_step steps[64];
    size_t n = 0;
    for (size_t i = 0; i < f->n_steps && n < 64; i++)
        if (!(f->steps[i].kind == 'H' && strncmp(f->steps[i].hex, "0b", 2) == 0)) steps[n++] = f->steps[i];
    flow nocert = *f;
    nocert.steps = steps;
    nocert.n_steps = n;
    keyring *kr = keyring_new();
    char msg[256];
    add_text_key(kr, "other.pem", other_rsa_pem, NULL, msg, sizeof msg);   /* also 1024 bits */
    add_text_key(kr, "server.pem", rsa_pkcs1_pem, NULL, msg, sizeof msg);
    dissect_config cfg = { .keys = kr };
    events ev;
    memset(&ev, 0, sizeof ev);
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    tls_crypto *t = crypto_new(&cfg, &c, NULL);
    crypto_set_event_sink(t, on_event, &ev);
    crypto_transcript_gap(t);               /* what the session does when bytes are lost */
    replay_result r = replay(&nocert, &c, t, true, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, records_of(&nocert));
    CHECK_EQ_INT(r.mismatched, 0);
    CHECK_EQ_INT(r.unchecked, 2);
    CHECK_EVENT(&ev, "pre_master_secret", f->pms);
    CHECK(strstr(find_event(&ev, "pre_master_secret")->text, "server.pem") != NULL);
    CHECK_EQ_INT(r.verified, 0);            /* the transcript lacks the Certificate */
    crypto_free(t);
    keyring_free(kr);
}

static void test_client_version_note(void)
{
    /* the pre-master secret's version differs from the ClientHello's:
     * reported, not fatal */
    keyring *kr = rfc_keyring();
    dissect_config cfg = { .keys = kr };
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    tls_crypto *t = crypto_new(&cfg, &c, NULL);
    const flow *f = &tls12_rsa_gcm_ems;
    /* play up to the ClientKeyExchange with a different legacy version */
    for (size_t i = 0; i < f->n_steps && f->steps[i].kind == 'H'; i++) {
        bytes b = B(f->steps[i].hex);
        if (b.p[0] == 1) {
            set_hex(c.client_random, 32, f->client_random, NULL);
            c.client_legacy_version = 0x0301;
        } else if (b.p[0] == 2) {
            c.server_hello_seen = true;
            c.version = f->version;
            c.cipher_suite = f->suite;
            c.have_cipher_suite = true;
            set_hex(c.server_random, 32, f->server_random, NULL);
            c.extended_master_secret = true;
        }
        crypto_handshake(t, (direction)f->steps[i].dir, b.p, b.n);
        free(b.p);
    }
    CHECK(has_note(&c, "pre-master secret starts with version 0x0303"));
    crypto_free(t);
    keyring_free(kr);
}

static void test_reasons(void)
{
    conn_state c;
    tls_crypto *t;
    replay_result r;

    /* nothing given */
    dissect_config none = { 0 };
    memset(&c, 0, sizeof c);
    c.cfg = &none;
    t = crypto_new(&none, &c, NULL);
    r = replay(&tls12_rsa_gcm_ems, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.no_keys, records_of(&tls12_rsa_gcm_ems));
    CHECK_EQ_INT(r.verified, 0);
    CHECK_EQ_INT(c.decryption, DEC_NO_SECRETS);
    CHECK(has_note(&c, "no key log (-l) or server key (-k) given"));
    CHECK(strlen(crypto_detail(t)) > 0);
    crypto_free(t);

    /* a key that belongs to another server */
    keyring *other = keyring_new();
    char msg[256];
    add_text_key(other, "other.pem", other_rsa_pem, NULL, msg, sizeof msg);
    dissect_config wrong = { .keys = other };
    memset(&c, 0, sizeof c);
    c.cfg = &wrong;
    t = crypto_new(&wrong, &c, NULL);
    r = replay(&tls12_rsa_gcm_ems, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, 0);
    CHECK_EQ_INT(c.decryption, DEC_KEY_MISMATCH);
    CHECK(has_note(&c, "the key does not match the certificate"));
    crypto_free(t);
    keyring_free(other);

    /* ECDHE with only the server key: forward secret */
    keyring *kr = rfc_keyring();
    dissect_config keyonly = { .keys = kr };
    memset(&c, 0, sizeof c);
    c.cfg = &keyonly;
    t = crypto_new(&keyonly, &c, NULL);
    r = replay(&tls12_ecdhe_keylog, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, 0);
    CHECK_EQ_INT(c.decryption, DEC_NEEDS_KEY_LOG);
    CHECK(has_note(&c, "forward secret ((EC)DHE): a server key cannot decrypt this; give a key log with -l"));
    crypto_free(t);

    /* a key log without this connection */
    keylog *kl = keylog_of(tls10_rsa_cbc.keylog[0] ? tls10_rsa_cbc.keylog : tls12_etm_keylog.keylog);
    dissect_config other_log = { .keylog = kl };
    memset(&c, 0, sizeof c);
    c.cfg = &other_log;
    t = crypto_new(&other_log, &c, NULL);
    r = replay(&tls12_ecdhe_keylog, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, 0);
    CHECK_EQ_INT(c.decryption, DEC_NO_SECRETS);
    CHECK(has_note(&c, "no key log entry for client random "));
    crypto_free(t);
    keylog_free(kl);

    /* a key log with a wrong master secret: authentication fails */
    char bad[300];
    bytes cr = B(tls12_ecdhe_keylog.client_random);
    snprintf(bad, sizeof bad, "CLIENT_RANDOM %s %096d\n", tls12_ecdhe_keylog.client_random, 7);
    free(cr.p);
    kl = keylog_of(bad);
    dissect_config badlog = { .keylog = kl };
    memset(&c, 0, sizeof c);
    c.cfg = &badlog;
    t = crypto_new(&badlog, &c, NULL);
    r = replay(&tls12_ecdhe_keylog, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, 0);
    CHECK_EQ_INT(r.failed, records_of(&tls12_ecdhe_keylog));
    CHECK_EQ_INT(c.decryption, DEC_FAILED);
    CHECK(has_note(&c, "Authentication failed for the client's records"));
    CHECK(has_note(&c, "the secrets given do not fit this connection"));
    CHECK(strstr(crypto_detail(t), "authentication failed") != NULL);
    crypto_free(t);
    keylog_free(kl);
    keyring_free(kr);
}

static void test_keylog_flows(void)
{
    events ev;
    keylog *kl = keylog_of(tls12_ecdhe_keylog.keylog);
    keylog_add_text(kl, "test.keylog", tls12_etm_keylog.keylog, strlen(tls12_etm_keylog.keylog));
    dissect_config cfg = { .keylog = kl };
    expect_full(&tls12_ecdhe_keylog, &cfg, NULL, 1, &ev);
    CHECK(strstr(find_event(&ev, "master_secret")->text, "CLIENT_RANDOM") != NULL);
    expect_full(&tls12_etm_keylog, &cfg, NULL, 2, &ev);
    keylog_free(kl);

    /* the RSA key log line: first 8 bytes of the encrypted pre-master
     * secret -> pre-master secret */
    const flow *f = &tls10_rsa_cbc;
    const char *cke = NULL;
    for (size_t i = 0; i < f->n_steps; i++)
        if (f->steps[i].kind == 'H' && strncmp(f->steps[i].hex, "10", 2) == 0) cke = f->steps[i].hex;
    char line[300];
    snprintf(line, sizeof line, "RSA %.16s %s\n", cke + 12, f->pms);   /* 4-byte header, 2-byte length */
    kl = keylog_of(line);
    CHECK_EQ_INT(keylog_count(kl), 1);
    dissect_config rsalog = { .keylog = kl };
    expect_full(f, &rsalog, NULL, 1, &ev);
    CHECK(strstr(find_event(&ev, "pre_master_secret")->text, "RSA line") != NULL);
    keylog_free(kl);
}

/* Keys that arrive after the records (live capture): the key log grows
 * between records, the sequence numbers still line up. */
typedef struct late_ctx {
    keylog *kl;
    const char *line;
} late_ctx;

static void add_late(void *p)
{
    late_ctx *lc = p;
    keylog_add_text(lc->kl, "late.keylog", lc->line, strlen(lc->line));
}

static void test_late_keys(void)
{
    const flow *f = &tls12_ecdhe_keylog;
    keylog *kl = keylog_new(0);
    dissect_config cfg = { .keylog = kl };
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    tls_crypto *t = crypto_new(&cfg, &c, NULL);
    /* after the client's Finished record */
    int at = -1;
    for (size_t i = 0; i < f->n_steps; i++)
        if (f->steps[i].kind == 'R') {
            at = (int)i;
            break;
        }
    late_ctx lc = { kl, f->keylog };
    replay_result r = replay(f, &c, t, true, at, add_late, &lc);
    CHECK_EQ_INT(r.no_keys, 1);
    CHECK_EQ_INT(r.decrypted, records_of(f) - 1);
    CHECK_EQ_INT(r.mismatched, 0);      /* the client Finished was missed: not checked, not "wrong" */
    CHECK_EQ_INT(r.unchecked, 1);
    CHECK_EQ_INT(c.decryption, DEC_DECRYPTED);
    crypto_free(t);
    keylog_free(kl);
}

static void test_finished_mismatch(void)
{
    keyring *kr = rfc_keyring();
    dissect_config cfg = { .keys = kr };
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    tls_crypto *t = crypto_new(&cfg, &c, NULL);
    const flow *f = &tls12_rsa_gcm_ems;
    for (size_t i = 0; i < f->n_steps; i++) {
        const flow_step *s = &f->steps[i];
        if (s->kind == 'R') {
            /* instead of the client's Finished record: a Finished with a
             * wrong verify_data, as if decrypted */
            uint8_t fin[16] = { 20, 0, 0, 12 };
            CHECK_EQ_INT(crypto_handshake(t, DIR_C2S, fin, sizeof fin), CRYPTO_FINISHED_MISMATCH);
            CHECK(has_note(&c, "Finished does not match"));
            break;
        }
        bytes b = B(s->hex);
        if (s->kind == 'H' && b.p[0] == 1) set_hex(c.client_random, 32, f->client_random, NULL);
        if (s->kind == 'H' && b.p[0] == 2) {
            c.server_hello_seen = true;
            c.version = f->version;
            c.cipher_suite = f->suite;
            c.have_cipher_suite = true;
            c.client_legacy_version = f->version;
            c.extended_master_secret = true;
            set_hex(c.server_random, 32, f->server_random, NULL);
        }
        if (s->kind == 'H') crypto_handshake(t, (direction)s->dir, b.p, b.n);
        if (s->kind == 'C') crypto_change_cipher_spec(t, (direction)s->dir);
        free(b.p);
    }
    crypto_free(t);
    keyring_free(kr);
}

/* ---- TLS 1.3: RFC 8448 ---- */

/* Section 3 */
static const char s3_cr[] = "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7";
static const char s3_ch[] =
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b"
    "0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d00209938"
    "1de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e04030503060302030804080508"
    "0604010501060102010402050206020202002d00020101001c00024001";
static const char s3_sh[] =
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c98288"
    "76112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
static const char s3_server_flight[] =
    "d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb"
    "960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b"
    "8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f"
    "1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06a"
    "a6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3"
    "684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264e"
    "d6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49ee"
    "da0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc733"
    "9d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd8"
    "9fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa"
    "4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae"
    "69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de9"
    "3b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a6"
    "31ede42c1719bfdabf0253fe5175be898e750edc53370d2b";
static const char s3_client_finished[] =
    "75ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546";
static const char s3_nst[] =
    "3a6b8f90414a97d6959c3487680de5134a2b240e6cffac116e95d41d6af8f6b580dcf3d11d63c758db289a015940252f55713e061dc13e"
    "078891a38efbcf5753ad8ef170ad3c7353d16d9da773b9ca7f2b9fa1b6c0d4a3d03f75e09c30ba1e62972ac46f75f7b981be63439b2999"
    "ce13064615139891d5e4c5b406f16e3fc181a77ca475840025db2f0a77f81b5ab05b94c01346755f69232c86519d86cbeeac87aac347d1"
    "43f9605d64f650db4d023e70e952ca49fe5137121c74bc2697687e248746d6df353005f3bce18696129c8153556b3b6c6779b37bf15985"
    "684f";
static const char s3_client_app[] =
    "a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd"
    "1e3deae63aeebb21694915e4";
static const char s3_server_app[] =
    "2e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2"
    "abf332540dd032e167c2955d";
static const char s3_server_close[] = "b58fd67166ebf599d24720cfbe7efa7a8864a9";
static const char s3_app_plain[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031";

typedef struct t13 {
    conn_state c;
    tls_crypto *t;
    events ev;
    crypto_signature sig;      /* the last signature checked */
    char sig_detail[160];
} t13;

static void t13_start(t13 *x, dissect_config *cfg, const char *cr, uint16_t suite)
{
    memset(x, 0, sizeof *x);
    x->c.cfg = cfg;
    x->t = crypto_new(cfg, &x->c, NULL);
    crypto_set_event_sink(x->t, on_event, &x->ev);
    set_hex(x->c.client_random, 32, cr, NULL);
    x->c.client_hello_seen = true;
    x->c.offered_versions[0] = 0x0304;
    x->c.n_offered_versions = 1;
    x->c.cipher_suite = suite;
}

static void t13_server_hello(t13 *x)
{
    x->c.server_hello_seen = true;
    x->c.version = 0x0304;
    x->c.have_cipher_suite = true;
}

static crypto_finished t13_hs(t13 *x, direction d, const char *hex)
{
    bytes b = B(hex);
    if (b.p[0] == 2) t13_server_hello(x);
    crypto_finished f = crypto_handshake(x->t, d, b.p, b.n);
    free(b.p);
    return f;
}

/* Opens a record and feeds any handshake messages in it; returns the
 * status, *fin the last Finished check, plaintext into out. */
static crypto_status t13_record(t13 *x, direction d, const char *hex, uint8_t *out, size_t *n,
                                uint8_t *inner, crypto_finished *fin)
{
    bytes b = B(hex);
    crypto_status st = crypto_open(x->t, d, 23, 0x0303, b.p, b.n, out, n, inner);
    if (fin) *fin = CRYPTO_FINISHED_NONE;
    if (st == CRYPTO_DECRYPTED && *inner == 22) {
        cursor c = cur_make(out, *n);
        while (!cur_empty(&c)) {
            size_t start = cur_offset(&c);
            uint8_t type;
            uint32_t len;
            if (!cur_u8(&c, &type) || !cur_u24(&c, &len) || !cur_skip(&c, len)) break;
            crypto_finished f = crypto_handshake(x->t, d, out + start, 4 + len);
            if (fin && f != CRYPTO_FINISHED_NONE) *fin = f;
            const char *detail;
            crypto_signature sig = crypto_last_signature(x->t, &detail);
            if (sig != CRYPTO_SIGNATURE_NONE) {
                x->sig = sig;
                snprintf(x->sig_detail, sizeof x->sig_detail, "%s", detail);
            }
        }
    }
    free(b.p);
    return st;
}

static void test_rfc8448_1rtt(void)
{
    char text[2000];
    snprintf(text, sizeof text,
             "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\n"
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n"
             "CLIENT_TRAFFIC_SECRET_0 %s 9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5\n"
             "SERVER_TRAFFIC_SECRET_0 %s a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\n"
             "EXPORTER_SECRET %s fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50\n",
             s3_cr, s3_cr, s3_cr, s3_cr, s3_cr);
    keylog *kl = keylog_of(text);
    dissect_config cfg = { .keylog = kl };
    t13 x;
    t13_start(&x, &cfg, s3_cr, 0x1301);
    uint8_t out[1024], inner;
    size_t n;
    crypto_finished fin;

    CHECK_EQ_INT(t13_hs(&x, DIR_C2S, s3_ch), CRYPTO_FINISHED_NONE);
    CHECK(!crypto_protected(x.t, DIR_S2C));
    CHECK_EQ_INT(t13_hs(&x, DIR_S2C, s3_sh), CRYPTO_FINISHED_NONE);
    CHECK(crypto_protected(x.t, DIR_S2C) && crypto_protected(x.t, DIR_C2S));
    CHECK_EVENT(&x.ev, "server_handshake_traffic_secret", "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    CHECK_EVENT(&x.ev, "server_handshake_key", "3fce516009c21727d0f2e4e86ee403bc");
    CHECK_EVENT(&x.ev, "server_handshake_iv", "5d313eb2671276ee13000b30");
    CHECK_EVENT(&x.ev, "client_handshake_key", "dbfaa693d1762c5b666af5d950258d01");
    CHECK_EVENT(&x.ev, "client_handshake_iv", "5bd3c71b836e0b76bb73265f");
    CHECK_STR(crypto_cipher_description(x.t, DIR_S2C), "AES-128-GCM");

    /* a middlebox-compatibility ChangeCipherSpec is never protected */
    const uint8_t ccs = 1;
    CHECK_EQ_INT(crypto_open(x.t, DIR_S2C, 20, 0x0303, &ccs, 1, out, &n, &inner), CRYPTO_PLAINTEXT);

    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_flight, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(inner, 22);
    CHECK_EQ_INT(n, 657);
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);
    /* the CertificateVerify (rsa_pss_rsae_sha256) verifies with the RSA key
     * of the certificate in the same flight */
    CHECK_EQ_INT(x.sig, CRYPTO_SIGNATURE_VERIFIED);
    CHECK_STR(x.sig_detail, "RSA-PSS with SHA-256 over the transcript hash, 1024-bit RSA key");
    const uint8_t *vd;
    size_t vn;
    CHECK(crypto_finished_expected(x.t, DIR_S2C, &vd, &vn) &&
          eq_hex(vd, vn, "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718"));
    CHECK_EVENT(&x.ev, "server_application_key", "9f02283b6c9c07efc26bb9f2ac92e356");
    CHECK_EVENT(&x.ev, "exporter_master_secret", "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");

    CHECK_EQ_INT(t13_record(&x, DIR_C2S, s3_client_finished, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);
    CHECK_EVENT(&x.ev, "client_application_key", "17422dda596ed5d9acd890e3c63f5051");
    CHECK_EVENT(&x.ev, "client_application_iv", "5b78923dee08579033e523d9");

    /* NewSessionTicket under the server's application keys */
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_nst, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(inner, 22);
    CHECK_EQ_INT(out[0], 4);
    CHECK_EQ_INT(t13_record(&x, DIR_C2S, s3_client_app, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(inner, 23);
    CHECK(eq_hex(out, n, s3_app_plain));
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_app, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK(eq_hex(out, n, s3_app_plain));
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_close, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(inner, 21);
    CHECK(eq_hex(out, n, "0100"));

    /* KeyUpdate from the client, then a record under the next keys */
    CHECK_EQ_INT(t13_record(&x, DIR_C2S, ku_record, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(out[0], 24);
    CHECK_EVENT(&x.ev, "client_application_traffic_secret_1", ku_secret1);
    CHECK_EQ_INT(t13_record(&x, DIR_C2S, ku_after, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK(n == 20 && memcmp(out, "after the key update", 20) == 0);
    /* the old generation no longer opens anything */
    CHECK_EQ_INT(t13_record(&x, DIR_C2S, s3_client_app, out, &n, &inner, NULL), CRYPTO_AUTH_FAILED);
    CHECK_EQ_INT(x.c.decryption, DEC_FAILED);
    crypto_free(x.t);

    /* the same with a server key only: forward secret */
    keyring *kr = rfc_keyring();
    dissect_config keyonly = { .keys = kr };
    t13_start(&x, &keyonly, s3_cr, 0x1301);
    t13_hs(&x, DIR_C2S, s3_ch);
    t13_hs(&x, DIR_S2C, s3_sh);
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_flight, out, &n, &inner, NULL), CRYPTO_NO_KEYS);
    CHECK_EQ_INT(x.c.decryption, DEC_NEEDS_KEY_LOG);
    CHECK(has_note(&x.c, "forward secret (TLS 1.3): a server key cannot decrypt this; give a key log with -l"));
    crypto_free(x.t);
    keyring_free(kr);

    /* a key log with only the server's side: the client's records stay
     * closed, with the reason */
    snprintf(text, sizeof text,
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n",
             s3_cr);
    keylog *half = keylog_of(text);
    dissect_config halfcfg = { .keylog = half };
    t13_start(&x, &halfcfg, s3_cr, 0x1301);
    t13_hs(&x, DIR_C2S, s3_ch);
    t13_hs(&x, DIR_S2C, s3_sh);
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_flight, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);
    CHECK_EQ_INT(t13_record(&x, DIR_C2S, s3_client_finished, out, &n, &inner, &fin), CRYPTO_NO_KEYS);
    CHECK(strstr(crypto_detail(x.t), "CLIENT_HANDSHAKE_TRAFFIC_SECRET") != NULL);
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_nst, out, &n, &inner, &fin), CRYPTO_NO_KEYS);
    CHECK(strstr(crypto_detail(x.t), "SERVER_TRAFFIC_SECRET_0") != NULL);
    crypto_free(x.t);
    keylog_free(half);
    keylog_free(kl);
}

/* Live capture: the key log line for the server's application secret
 * arrives after its first application record went by. */
static void test_tls13_late_keys(void)
{
    char text[1000];
    snprintf(text, sizeof text,
             "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21\n"
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n",
             s3_cr, s3_cr);
    keylog *kl = keylog_of(text);
    dissect_config cfg = { .keylog = kl };
    t13 x;
    t13_start(&x, &cfg, s3_cr, 0x1301);
    uint8_t out[1024], inner;
    size_t n;
    crypto_finished fin;
    t13_hs(&x, DIR_C2S, s3_ch);
    t13_hs(&x, DIR_S2C, s3_sh);
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_flight, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_nst, out, &n, &inner, NULL), CRYPTO_NO_KEYS);
    snprintf(text, sizeof text,
             "SERVER_TRAFFIC_SECRET_0 %s a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643\n", s3_cr);
    keylog_add_text(kl, "late", text, strlen(text));
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_app, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK(eq_hex(out, n, s3_app_plain));
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s3_server_close, out, &n, &inner, NULL), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(inner, 21);
    crypto_free(x.t);
    keylog_free(kl);
}

/* Section 5: HelloRetryRequest */
static const char s5_cr[] = "b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f";
static const char s5_ch1[] =
    "010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010000810000000b"
    "0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3f3b93a25ed97a14a7dcacb8a272c"
    "6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e0403050306030203080408050806040105010601020104020502060"
    "20202002d00020101001c00024001";
static const char s5_hrr[] =
    "020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c001301000084003300020017002c007400"
    "7271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b4031"
    "8d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7"
    "cff0f934b0002b00020304";
static const char s5_ch2[] =
    "010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010001cd0000000b"
    "0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da7392ec591e17abfd535964b99894"
    "d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780002b0003020304"
    "000d0020001e040305030603020308040805080604010501060102010402050206020202002c0074007271dcd04bb88bc3189119398a00"
    "000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f02"
    "5f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00"
    "024001001500af000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000";
static const char s5_sh[] =
    "020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f003300450017004104583e"
    "054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3d9c547bc6528c4317d29"
    "4686093a6cad7d002b00020304";
static const char s5_server_flight[] =
    "99bee20baf5b7fc727bfab6223928a381e6d0cf9c4da653f9d2a7b23f7de11cce842d5cf75631763450ffb8b0cc1d238e658af7a12adc8"
    "6243114ab14a1da2fae42621ce483fb6242eabfaad52566b02b31d2eddedefeb80e66a9900d5f973b40c4fdf74719ecf1b68d7f9c3b6ce"
    "b903ca13dd1bb8f8187ae33417e1d152522c5822a1a03ad52c838c55953d610222874cce8e1790b229a2aa0b53c8d377ee720182951dc6"
    "181dc5d90bd1f0105ed1e84aa5f75957c6661897079e5ea5007449e3197bdc7c9beeedddeafdd844afa5c315ecfe65e576afe909812880"
    "620ec7048b42d7f5c78d76f299d6d82534bdd8f512febc0ed3814aca470cd8000d3e1cb9962b052fbb950df683a52c2ba77ed3713b1229"
    "37a6e5170964e2ab7969dcd980b3db9b458da7603124d6dc005e4d6e04b4d0c4baf3275db827dbba0a6db09672171fc057b3851d7e0268"
    "41e2978fbd2346bbefdd0376bb1108fe9acc92189f5650aa5e85d8e8c7b67ac510dba003d3d7e16350bb66d45013efd44c9b607c0d318c"
    "4c7d1a1f5cbc57e20611804e3787d7b4a4b5f08ed8fd70bdaeade02260b12ab842ef690b4a3ee7911e841b374ecd5ebbbc2a54d047b600"
    "336dd7d0c88b4bc10e58ee6cb656de7247fa20d8e91deb84628608cf80615b62e96c1491c7ac3755eb6901405d3474fe1ac79d106a0cee"
    "56c2577fc88480f96cb6b8c681b7b68b53c146093908f350888175bdfb0b1e31ad61e30ba0adfe6d223aa03c0783b5001a57587c328a9a"
    "fcfcfb978d1cd4328f7d9d60530e630befd96c0c816ee20b0100768ae2a6df51fc68f172740a79af11398ee3be1252491fa9c693479e87"
    "7f94ab7c5f8cad480203e6ab7b87dd71e8a0729113df17f5eee86ce108d1d72007ec1cd13c85a6c149621e77b7d78d805a30f0be030c31"
    "5e54";
static const char s5_client_finished[] =
    "d74f1923c662fd34137c6f502f3dd2b93d951d1b3bc97e42afe23c31abea92fe91b474999e85e3b791ce252fe8c3e9f939a4120cb2";

static void test_rfc8448_hrr(void)
{
    char text[600];
    snprintf(text, sizeof text,
             "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s 158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566\n"
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s 3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1\n",
             s5_cr, s5_cr);
    keylog *kl = keylog_of(text);
    dissect_config cfg = { .keylog = kl };
    t13 x;
    t13_start(&x, &cfg, s5_cr, 0x1301);
    uint8_t out[1024], inner;
    size_t n;
    crypto_finished fin;
    t13_hs(&x, DIR_C2S, s5_ch1);
    /* the decoder records the HRR like a ServerHello; the engine knows it
     * by its random and does not start protection */
    x.c.hello_retry_request = true;
    x.c.version = 0x0304;
    x.c.have_cipher_suite = true;
    bytes hrr = B(s5_hrr);
    crypto_handshake(x.t, DIR_S2C, hrr.p, hrr.n);
    free(hrr.p);
    CHECK(!crypto_protected(x.t, DIR_S2C));
    t13_hs(&x, DIR_C2S, s5_ch2);
    t13_hs(&x, DIR_S2C, s5_sh);
    CHECK_EQ_INT(t13_record(&x, DIR_S2C, s5_server_flight, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);       /* transcript with message_hash(ClientHello1) */
    const uint8_t *vd;
    size_t vn;
    CHECK(crypto_finished_expected(x.t, DIR_S2C, &vd, &vn) &&
          eq_hex(vd, vn, "8863e6bfb0420a927fa27f34336a70ae426e968e3eb884945b96856dba3976d1"));
    CHECK_EQ_INT(t13_record(&x, DIR_C2S, s5_client_finished, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);
    crypto_free(x.t);
    keylog_free(kl);
}

/* Section 4: resumed handshake with 0-RTT data */
static const char s4_cr[] = "1bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d95";
static const char s4_ch[] =
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d95000006130113031302010001cd0000000b"
    "0009000006736572766572ff01000100000a00140012001d00170018001901000101010201030104003300260024001d0020e4ffb68ac0"
    "5f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b0003020304000d0020001e0403050306030203080408"
    "05080604010501060102010402050206020202002d00020101001c00024001001500570000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000002900dd00b800b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad"
    "3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d454a366"
    "4d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac"
    "5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d357fad6aacb0021203add4fb2d8fdf822a0ca3cf7678ef5"
    "e88dae990141c5924d57bb6fa31b9e5f9d";
static const char s4_early_data[] = "ab1df420e75c457a7cc5d2844f76d5aee4b4edbf049be0";
static const char s4_sh[] =
    "0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100003400290002000000330024001d"
    "0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304";
static const char s4_server_flight[] =
    "dc48237b4b879f50d0d4d262ea8b4716eb40ddc1eb957e11126e8a7149c2d012d37a7115957e64ce30008b9e0323f2c05a9c1c77b4f378"
    "49a695ab255060a33fee770ca95cb8486bfd0843b87024865ca35cc41c4e515c64dcb1369f98635bc7a5";
static const char s4_eoed[] = "aca6fc944841298df99593725f9bf9754429b12f09";
static const char s4_client_finished[] =
    "00f8b467d14cf22a4b3f0b6ae0d8e6cc8d08e0db3515ef5c2bdf1922eafbb70009964716d834fb70c3d2a56c5b1f5f6bdba6c333cf";

static void test_rfc8448_0rtt(void)
{
    for (int with_early = 1; with_early >= 0; with_early--) {
        char text[800];
        snprintf(text, sizeof text,
                 "%s%s%s"
                 "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s 2faac08f851d35fea3604fcb4de82dc62c9b164a70974d0462e27f1ab278700f\n"
                 "SERVER_HANDSHAKE_TRAFFIC_SECRET %s fe927ae271312e8bf0275b581c54eef020450dc4ecffaa05a1a35d27518e7803\n",
                 with_early ? "CLIENT_EARLY_TRAFFIC_SECRET " : "", with_early ? s4_cr : "",
                 with_early ? " 3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62\n" : "",
                 s4_cr, s4_cr);
        keylog *kl = keylog_of(text);
        dissect_config cfg = { .keylog = kl };
        t13 x;
        t13_start(&x, &cfg, s4_cr, 0x1301);
        x.c.client_offered_early_data = true;
        x.c.client_offered_psk = true;
        uint8_t out[512], inner;
        size_t n;
        crypto_finished fin;
        t13_hs(&x, DIR_C2S, s4_ch);
        CHECK(crypto_protected(x.t, DIR_C2S));
        crypto_status st = t13_record(&x, DIR_C2S, s4_early_data, out, &n, &inner, NULL);
        if (with_early) {
            CHECK_EQ_INT(st, CRYPTO_DECRYPTED);
            CHECK_EQ_INT(inner, 23);
            CHECK(eq_hex(out, n, "414243444546"));
            CHECK_EVENT(&x.ev, "client_early_key", "920205a5b7bf2115e6fc5c2942834f54");
            CHECK_EVENT(&x.ev, "client_early_iv", "6d475f0993c8e564610db2b9");
        } else {
            CHECK_EQ_INT(st, CRYPTO_NO_KEYS);
            CHECK(strstr(crypto_detail(x.t), "CLIENT_EARLY_TRAFFIC_SECRET") != NULL);
        }
        x.c.server_accepted_psk = true;
        t13_hs(&x, DIR_S2C, s4_sh);
        CHECK_EQ_INT(t13_record(&x, DIR_S2C, s4_server_flight, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
        CHECK_EQ_INT(fin, CRYPTO_FINISHED_VERIFIED);
        /* EndOfEarlyData under the early keys, then the Finished under the
         * handshake keys */
        st = t13_record(&x, DIR_C2S, s4_eoed, out, &n, &inner, &fin);
        CHECK_EQ_INT(st, with_early ? CRYPTO_DECRYPTED : CRYPTO_NO_KEYS);
        if (with_early) CHECK(eq_hex(out, n, "05000000"));
        CHECK_EQ_INT(t13_record(&x, DIR_C2S, s4_client_finished, out, &n, &inner, &fin), CRYPTO_DECRYPTED);
        /* without the EndOfEarlyData in the transcript the Finished is not
         * checked (rather than called wrong) */
        CHECK_EQ_INT(fin, with_early ? CRYPTO_FINISHED_VERIFIED : CRYPTO_FINISHED_UNCHECKED);
        CHECK_EQ_INT(x.c.decryption, DEC_DECRYPTED);
        crypto_free(x.t);
        keylog_free(kl);
    }
}

/* ---- signatures ---- */

static int flip_type = -1;

/* Flips the last byte (of the signature) of messages of type flip_type. */
static bool flip_last_byte(uint8_t *m, size_t n)
{
    if (m[0] == flip_type) m[n - 1] ^= 0x01;
    return true;
}

static bool drop_certificates(uint8_t *m, size_t n)
{
    (void)n;
    return m[0] != 11;
}

/* The signature algorithm of an ECDHE ServerKeyExchange becomes new_sigalg. */
static uint16_t new_sigalg;
static bool change_ske_sigalg(uint8_t *m, size_t n)
{
    if (m[0] != 12) return true;
    cursor c = cur_make(m, n), point;
    if (!cur_skip(&c, 4 + 3) || !cur_block(&c, 1, &point) || cur_left(&c) < 2) return true;
    size_t at = cur_offset(&c);
    m[at] = (uint8_t)(new_sigalg >> 8);
    m[at + 1] = (uint8_t)new_sigalg;
    return true;
}

static void gap_now(void *t) { crypto_transcript_gap(t); }

static crypto_cache *sig_cache;   /* the engines of expect_signature share it when set */

#define EXPECT_SIG(f, cfg, valid, invalid, unchecked, detail) \
    expect_signature(__LINE__, f, cfg, valid, invalid, unchecked, detail)
static void expect_signature(int line, const flow *f, dissect_config *cfg, unsigned valid, unsigned invalid,
                             unsigned unchecked, const char *detail)
{
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    tls_crypto *t = crypto_new(cfg, &c, sig_cache);
    replay_result r = replay(f, &c, t, false, -1, NULL, NULL);
    test_checks++;
    if (r.sig_valid != valid || r.sig_invalid != invalid || r.sig_unchecked != unchecked)
        test_fail(__FILE__, line, "%s: %u valid, %u invalid, %u unchecked signatures (expected %u, %u, %u): %s",
                  f->name, r.sig_valid, r.sig_invalid, r.sig_unchecked, valid, invalid, unchecked, r.sig_detail);
    test_checks++;
    if (detail && !strstr(r.sig_detail, detail))
        test_fail(__FILE__, line, "%s: signature detail \"%s\", expected \"%s\"", f->name, r.sig_detail, detail);
    crypto_free(t);
}

static void test_signatures(void)
{
    keyring *kr = rfc_keyring();
    dissect_config none = { 0 }, keys = { .keys = kr };
    events ev;

    /* The new flows decrypt with their key log, or the server key, and
     * their Finished messages verify (a CertificateVerify is part of the
     * transcript). */
    const flow *logged[] = { &tls10_ecdhe_rsa, &tls12_ecdhe_ecdsa, &tls10_ecdhe_ecdsa };
    for (size_t i = 0; i < 3; i++) {
        keylog *kl = keylog_of(logged[i]->keylog);
        dissect_config cfg = { .keylog = kl };
        expect_full(logged[i], &cfg, NULL, 1, &ev);
        keylog_free(kl);
    }
    expect_full(&tls12_mtls, &keys, NULL, 1, &ev);
    expect_full(&tls10_mtls, &keys, NULL, 1, &ev);

    /* ServerKeyExchange: the randoms and the parameters, no secret needed */
    const flow *ske[] = { &tls12_ecdhe_keylog, &tls10_ecdhe_rsa, &tls12_ecdhe_ecdsa, &tls10_ecdhe_ecdsa };
    const char *how[] = {
        "RSA PKCS#1 v1.5 with SHA-256 over the hello randoms and the key exchange parameters, 1024-bit RSA key",
        "RSA PKCS#1 v1.5 over MD5 and SHA-1 over the hello randoms",
        "ECDSA with SHA-256 over the hello randoms and the key exchange parameters, 256-bit EC key",
        "ECDSA with SHA-1 over",
    };
    for (size_t i = 0; i < 4; i++) {
        EXPECT_SIG(ske[i], &none, 1, 0, 0, how[i]);
        EXPECT_SIG(ske[i], &keys, 1, 0, 0, how[i]);
    }

    /* Client CertificateVerify: TLS 1.2 with SHA-512 (a hash the running
     * transcript does not keep), TLS 1.0 with MD5 and SHA-1 (running with
     * secrets, from the kept messages without) */
    EXPECT_SIG(&tls12_mtls, &none, 1, 0, 0, "RSA PKCS#1 v1.5 with SHA-512 over the handshake messages");
    EXPECT_SIG(&tls12_mtls, &keys, 1, 0, 0, "RSA PKCS#1 v1.5 with SHA-512 over the handshake messages");
    EXPECT_SIG(&tls10_mtls, &none, 1, 0, 0, "RSA PKCS#1 v1.5 over MD5 and SHA-1 over the handshake messages");
    EXPECT_SIG(&tls10_mtls, &keys, 1, 0, 0, "RSA PKCS#1 v1.5 over MD5 and SHA-1 over the handshake messages");

    /* Keys parsed once and shared through the cache, connection after
     * connection, RSA and EC alike */
    sig_cache = crypto_cache_new(0);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 4; i++) EXPECT_SIG(ske[i], &none, 1, 0, 0, how[i]);
        EXPECT_SIG(&tls12_mtls, &none, 1, 0, 0, "RSA PKCS#1 v1.5 with SHA-512 over the handshake messages");
    }
    crypto_cache_free(sig_cache);
    sig_cache = NULL;

    /* One flipped bit in the signature: not valid */
    hs_mutator = flip_last_byte;
    flip_type = 12;
    for (size_t i = 0; i < 4; i++) EXPECT_SIG(ske[i], &none, 0, 1, 0, "does not match");
    flip_type = 15;
    EXPECT_SIG(&tls12_mtls, &none, 0, 1, 0, "does not match the 1024-bit RSA key");
    EXPECT_SIG(&tls10_mtls, &keys, 0, 1, 0, "does not match the 1024-bit RSA key");

    /* No certificate (the capture lost it): not checked */
    hs_mutator = drop_certificates;
    EXPECT_SIG(&tls12_ecdhe_keylog, &none, 0, 0, 1, "not checked: no certificate");
    EXPECT_SIG(&tls12_mtls, &none, 0, 0, 1, "not checked: no certificate");

    /* Schemes mbedTLS 2.28 lacks: Ed25519, Ed448, DSA */
    hs_mutator = change_ske_sigalg;
    static const uint16_t unsupported[] = { 0x0807, 0x0808, 0x0402 };
    for (size_t i = 0; i < 3; i++) {
        new_sigalg = unsupported[i];
        EXPECT_SIG(&tls12_ecdhe_keylog, &none, 0, 0, 1, "not checked: unsupported scheme");
    }
    /* An algorithm that does not fit the certificate's key */
    new_sigalg = 0x0403;
    EXPECT_SIG(&tls12_ecdhe_keylog, &none, 0, 1, 0, "the signature is ECDSA, but the certificate holds an RSA key");
    new_sigalg = 0x0401;
    EXPECT_SIG(&tls12_ecdhe_ecdsa, &none, 0, 1, 0, "the signature is RSA, but the certificate holds an EC key");
    /* The right key type, another hash: the signature does not match */
    new_sigalg = 0x0501;
    EXPECT_SIG(&tls12_ecdhe_keylog, &none, 0, 1, 0, "RSA PKCS#1 v1.5 with SHA-384");
    new_sigalg = 0x0804;
    EXPECT_SIG(&tls12_ecdhe_keylog, &none, 0, 1, 0, "RSA-PSS with SHA-256");
    hs_mutator = NULL;

    /* Handshake bytes lost before the CertificateVerify: not checked */
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &none;
    tls_crypto *t = crypto_new(&none, &c, NULL);
    replay_result r = replay(&tls12_mtls, &c, t, false, 2, gap_now, t);
    CHECK_EQ_INT(r.sig_unchecked, 1);
    CHECK_STR(r.sig_detail, "not checked: transcript incomplete");
    crypto_free(t);

    /* Other messages say nothing */
    memset(&c, 0, sizeof c);
    c.cfg = &none;
    t = crypto_new(&none, &c, NULL);
    replay(&tls12_rsa_gcm_ems, &c, t, false, -1, NULL, NULL);
    const char *detail = NULL;
    CHECK_EQ_INT(crypto_last_signature(t, &detail), CRYPTO_SIGNATURE_NONE);
    CHECK_STR(detail, "");
    crypto_free(t);
    keyring_free(kr);
}

/* RFC 8448 section 3 with one byte of the CertificateVerify's signature
 * changed (after decryption): the signature fails, and so does the server
 * Finished, whose transcript now holds the altered message. */
static void test_rfc8448_altered_signature(void)
{
    char text[600];
    snprintf(text, sizeof text,
             "SERVER_HANDSHAKE_TRAFFIC_SECRET %s b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n", s3_cr);
    keylog *kl = keylog_of(text);
    dissect_config cfg = { .keylog = kl };
    t13 x;
    t13_start(&x, &cfg, s3_cr, 0x1301);
    t13_hs(&x, DIR_C2S, s3_ch);
    t13_hs(&x, DIR_S2C, s3_sh);
    bytes rec = B(s3_server_flight);
    uint8_t out[1024], inner;
    size_t n;
    CHECK_EQ_INT(crypto_open(x.t, DIR_S2C, 23, 0x0303, rec.p, rec.n, out, &n, &inner), CRYPTO_DECRYPTED);
    free(rec.p);
    cursor c = cur_make(out, n);
    crypto_signature sig = CRYPTO_SIGNATURE_NONE;
    crypto_finished fin = CRYPTO_FINISHED_NONE;
    char detail[160] = "";
    while (!cur_empty(&c)) {
        size_t start = cur_offset(&c);
        uint8_t type;
        uint32_t len;
        if (!cur_u8(&c, &type) || !cur_u24(&c, &len) || !cur_skip(&c, len)) break;
        if (type == 15) out[start + 4 + len - 1] ^= 0x80;
        crypto_finished f = crypto_handshake(x.t, DIR_S2C, out + start, 4 + len);
        if (type == 15) {
            const char *d;
            sig = crypto_last_signature(x.t, &d);
            snprintf(detail, sizeof detail, "%s", d);
        }
        if (type == 20) fin = f;
    }
    CHECK_EQ_INT(sig, CRYPTO_SIGNATURE_INVALID);
    CHECK_STR(detail, "RSA-PSS with SHA-256 over the transcript hash does not match the 1024-bit RSA key");
    CHECK_EQ_INT(fin, CRYPTO_FINISHED_MISMATCH);
    crypto_free(x.t);
    keylog_free(kl);
}

static void test_cache_bounds(void)
{
    /* a tiny cache forgets the oldest session */
    keyring *kr = rfc_keyring();
    dissect_config cfg = { .keys = kr };
    crypto_cache *cache = crypto_cache_new(1);
    events ev;
    expect_full(&tls12_rsa_gcm_ems, &cfg, cache, 1, &ev);   /* stores session ID and ticket: 2 entries */
    conn_state c;
    memset(&c, 0, sizeof c);
    c.cfg = &cfg;
    tls_crypto *t = crypto_new(&cfg, &c, cache);
    replay_result r = replay(&tls12_resume_id, &c, t, false, -1, NULL, NULL);
    CHECK_EQ_INT(r.decrypted, 0);                             /* the ID entry was pushed out */
    crypto_free(t);
    expect_full(&tls12_resume_ticket, &cfg, cache, 3, &ev);   /* the ticket one is still there */
    crypto_cache_free(cache);
    keyring_free(kr);
}

int main(void)
{
    test_keyring();
    test_tls12_rsa();
    test_no_certificate();
    test_client_version_note();
    test_reasons();
    test_keylog_flows();
    test_late_keys();
    test_finished_mismatch();
    test_rfc8448_1rtt();
    test_tls13_late_keys();
    test_rfc8448_hrr();
    test_rfc8448_0rtt();
    test_cache_bounds();
    test_signatures();
    test_rfc8448_altered_signature();
    return test_report("crypto");
}
