/* The TUI on steps built by hand, without a capture: a TLS 1.2 RSA
 * handshake, a failed one and an incomplete one.  Run with
 * TLSVIEW_TUI_SCRIPT set (see tui/script.c); `--one` gives only the first
 * connection, `--live` pretends to be a live capture. */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/conn.h"
#include "dissect/step.h"
#include "tui/tui.h"

static const double T0 = 1700000000.125;

static conn_state *new_conn(sink *k, unsigned id, const char *client, const char *server, double ts)
{
    conn_state *c = calloc(1, sizeof(*c));
    c->id = id;
    snprintf(c->client, sizeof c->client, "%s", client);
    snprintf(c->server, sizeof c->server, "%s", server);
    c->first_ts = c->last_ts = ts;
    k->conn_open(k, c);
    return c;
}

/* A handshake message: type, 24-bit length, then body bytes 0x00.. */
static step *message(unsigned conn, double ts, direction dir, const char *name, int type, size_t body)
{
    step *s = step_new(STEP_HANDSHAKE, conn, ts, dir, name);
    uint8_t buf[512];
    buf[0] = (uint8_t)type;
    buf[1] = (uint8_t)(body >> 16);
    buf[2] = (uint8_t)(body >> 8);
    buf[3] = (uint8_t)body;
    for (size_t i = 0; i < body && i + 4 < sizeof buf; i++) buf[4 + i] = (uint8_t)(i * 7 + type);
    step_set_bytes(s, buf, 4 + body);
    s->msg_type = type;
    s->length = (uint32_t)body;
    s->content_type = 22;
    field_code(s, NULL, "handshake_type", 0, 1, (uint32_t)type, 2, name);
    field_uint(s, NULL, "length", 1, 3, body);
    return s;
}

static void client_hello(sink *k, conn_state *c, double ts)
{
    step *s = message(c->id, ts, DIR_C2S, "client_hello", 1, 80);
    field_code(s, NULL, "legacy_version", 4, 2, 0x0303, 4, "TLS 1.2");
    field_hex(s, NULL, "random", 6, 32, s->bytes + 6, 32);
    field_uint(s, NULL, "session_id_length", 38, 1, 0);
    static const struct {
        uint16_t code;
        const char *name;
    } offered[] = {
        { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256" },
        { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384" },
        { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" },
        { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" },
        { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" },
        { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA" },
        { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA" },
        { 0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA" },
        { 0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV" },
    };
    field *suites = field_list(s, NULL, "cipher_suites", 39, 20);
    for (size_t i = 0; i < sizeof offered / sizeof offered[0]; i++)
        field_code(s, suites, "suite", 41 + 2 * i, 2, offered[i].code, 4, offered[i].name);
    field *cm = field_list(s, NULL, "compression_methods", 59, 2);
    field_code(s, cm, "method", 60, 1, 0, 2, "null");
    field *exts = field_list(s, NULL, "extensions", 61, 23);
    field *sni = field_object(s, exts, "server_name", 63, 16);
    field_code(s, sni, "type", 63, 2, 0, 4, "server_name");
    field_uint(s, sni, "length", 65, 2, 12);
    field_text(s, sni, "host_name", 68, 11, "example.com");
    field *ems = field_object(s, exts, "extended_master_secret", 79, 4);
    field_code(s, ems, "type", 79, 2, 23, 4, "extended_master_secret");
    step_summarize(s, "TLS 1.2, 9 cipher suites, SNI example.com");
    step_narrate(s, "The client says hello: it can speak up to TLS 1.2, offers 9 cipher suites in order of "
                    "preference, and asks for the site example.com. Its 32 random bytes will go into every "
                    "key of this connection.");
    c->client_hello_seen = true;
    snprintf(c->sni, sizeof c->sni, "example.com");
    k->step(k, c, s);
}

static void server_flight(sink *k, conn_state *c, double ts)
{
    step *s = message(c->id, ts, DIR_S2C, "server_hello", 2, 70);
    field_code(s, NULL, "legacy_version", 4, 2, 0x0303, 4, "TLS 1.2");
    field_hex(s, NULL, "random", 6, 32, s->bytes + 6, 32);
    field_uint(s, NULL, "session_id_length", 38, 1, 32);
    field_hex(s, NULL, "session_id", 39, 32, s->bytes + 39, 32);
    field_code(s, NULL, "cipher_suite", 71, 2, 0x009c, 4, "TLS_RSA_WITH_AES_128_GCM_SHA256");
    step_summarize(s, "TLS 1.2, TLS_RSA_WITH_AES_128_GCM_SHA256");
    step_narrate(s, "The server picks TLS 1.2 and TLS_RSA_WITH_AES_128_GCM_SHA256: RSA key exchange, so the "
                    "client will encrypt the pre-master secret to the server's certificate key.");
    c->server_hello_seen = true;
    c->version = 0x0303;
    c->cipher_suite = 0x009c;
    c->have_cipher_suite = true;
    c->last_ts = ts;
    k->step(k, c, s);

    s = message(c->id, ts + 0.0001, DIR_S2C, "certificate", 11, 120);
    field *list = field_list(s, NULL, "certificates", 7, 117);
    field *cert = field_object(s, list, "certificate", 10, 114);
    field_text(s, cert, "subject", 10, 40, "CN=example.com");
    field_text(s, cert, "issuer", 50, 40, "CN=tlsview test CA");
    field_text(s, cert, "key", 90, 34, "2048-bit RSA key");
    step_summarize(s, "CN=example.com");
    step_narrate(s, "The server shows its certificate for example.com, issued by tlsview test CA. Its public "
                    "key is the one the client will encrypt to.");
    c->server_cert.present = true;
    snprintf(c->server_cert.subject_cn, sizeof c->server_cert.subject_cn, "example.com");
    snprintf(c->server_cert.issuer_cn, sizeof c->server_cert.issuer_cn, "tlsview test CA");
    snprintf(c->server_cert.key_desc, sizeof c->server_cert.key_desc, "2048-bit RSA key");
    k->step(k, c, s);

    s = message(c->id, ts + 0.0002, DIR_S2C, "server_hello_done", 14, 0);
    step_narrate(s, "The server is done with its hello: now it waits for the client.");
    k->step(k, c, s);
}

static void client_finish(sink *k, conn_state *c, double ts)
{
    step *s = message(c->id, ts, DIR_C2S, "client_key_exchange", 16, 130);
    field_uint(s, NULL, "encrypted_pre_master_secret_length", 4, 2, 128);
    field_hex(s, NULL, "encrypted_pre_master_secret", 6, 128, s->bytes + 6, 128);
    step_narrate(s, "The client sends the pre-master secret, encrypted with the server's RSA public key: only "
                    "the holder of the private key can read it.");
    k->step(k, c, s);

    s = step_new(STEP_KEYS, c->id, ts, DIR_C2S, "keys");
    field *pms = field_object(s, NULL, "pre_master_secret", 0, 0);
    field_text(s, pms, "value", 0, 0, "0303aabbccddeeff00112233445566778899aabbccddeeff0011223344556677"
                                       "8899aabbccddeeff00112233445566778899aabb");
    field_text(s, pms, "from", 0, 0, "ClientKeyExchange, decrypted with the server's RSA key");
    field *ms = field_object(s, NULL, "master_secret", 0, 0);
    field_text(s, ms, "value", 0, 0, "5f3a11c2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
                                      "92a3b4c5d6e7f8091a2b3c4d5e6f7081");
    field_text(s, ms, "from", 0, 0, "PRF(pre_master_secret, \"master secret\", client_random + server_random)");
    field *kb = field_object(s, NULL, "key_block", 0, 0);
    field_text(s, kb, "client_write_key", 0, 0, "00112233445566778899aabbccddeeff");
    field_text(s, kb, "server_write_key", 0, 0, "ffeeddccbbaa99887766554433221100");
    field_text(s, kb, "from", 0, 0, "PRF(master_secret, \"key expansion\", server_random + client_random)");
    step_summarize(s, "keys computed");
    step_narrate(s, "With the server's key, tlsview decrypts the pre-master secret and derives what both "
                    "sides now hold: the master secret and the record keys.");
    k->step(k, c, s);

    s = step_new(STEP_CHANGE_CIPHER_SPEC, c->id, ts + 0.0001, DIR_C2S, "change_cipher_spec");
    uint8_t one = 1;
    step_set_bytes(s, &one, 1);
    field_uint(s, NULL, "type", 0, 1, 1);
    step_narrate(s, "From here on, the client encrypts what it sends.");
    c->client_ccs = true;
    k->step(k, c, s);

    s = message(c->id, ts + 0.0002, DIR_C2S, "finished", 20, 12);
    s->encrypted = s->decrypted = true;
    field_hex(s, NULL, "verify_data", 4, 12, s->bytes + 4, 12);
    step_narrate(s, "The client's Finished, its first encrypted message: a MAC of the whole handshake so far.");
    c->client_finished = true;
    k->step(k, c, s);

    s = step_new(STEP_CHANGE_CIPHER_SPEC, c->id, ts + 0.001, DIR_S2C, "change_cipher_spec");
    step_set_bytes(s, &one, 1);
    field_uint(s, NULL, "type", 0, 1, 1);
    step_narrate(s, "The server switches to encryption too.");
    c->server_ccs = true;
    k->step(k, c, s);

    s = message(c->id, ts + 0.0011, DIR_S2C, "finished", 20, 12);
    s->encrypted = s->decrypted = true;
    field_hex(s, NULL, "verify_data", 4, 12, s->bytes + 4, 12);
    step_narrate(s, "The server's Finished: it proves the server derived the same keys.");
    c->server_finished = true;
    c->outcome = HS_COMPLETE;
    c->decryption = DEC_DECRYPTED;
    k->step(k, c, s);

    s = step_new(STEP_NOTE, c->id, ts + 0.0011, DIR_S2C, "finished_verified");
    field_bool(s, NULL, "client_finished_ok", 0, 0, true);
    field_bool(s, NULL, "server_finished_ok", 0, 0, true);
    step_summarize(s, "Finished verified");
    step_narrate(s, "Both Finished messages match the transcript: client and server derived the same keys, and "
                    "nobody altered the handshake.");
    k->step(k, c, s);
}

static void app_data(sink *k, conn_state *c, double ts, direction dir, uint32_t n)
{
    step *s = step_new(STEP_APP_DATA, c->id, ts, dir, "app_data");
    s->encrypted = true;
    s->length = n;
    field_uint(s, NULL, "length", 0, 0, n);
    step_summarize(s, "%u bytes", n);
    step_narrate(s, "Application data, encrypted.");
    k->step(k, c, s);
}

static void failed(sink *k)
{
    conn_state *c = new_conn(k, 2, "10.0.0.7:50122", "192.0.2.80:443", T0 + 2.5);
    client_hello(k, c, T0 + 2.5);
    snprintf(c->sni, sizeof c->sni, "old.example.net");
    step *s = step_new(STEP_ALERT, c->id, T0 + 2.501, DIR_S2C, "alert");
    uint8_t body[2] = { 2, 40 };
    step_set_bytes(s, body, 2);
    field_code(s, NULL, "level", 0, 1, 2, 2, "fatal");
    field_code(s, NULL, "description", 1, 1, 40, 2, "handshake_failure");
    step_summarize(s, "fatal handshake_failure");
    step_narrate(s, "The server gives up: none of the client's cipher suites is acceptable to it.");
    c->alert_seen = true;
    c->alert_level = 2;
    c->alert_description = 40;
    c->alert_dir = DIR_S2C;
    c->outcome = HS_FAILED;
    conn_note(c, "The server sent the alert handshake_failure.");
    k->step(k, c, s);
    k->conn_close(k, c);
    free(c);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bool one = argc > 1 && strcmp(argv[1], "--one") == 0;
    tui_options o = { .utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 };
    tui *t = tui_new(&o);
    sink *k = tui_sink(t);

    conn_state *c = new_conn(k, 1, "10.0.0.5:49152", "10.0.0.1:443", T0);
    client_hello(k, c, T0);
    server_flight(k, c, T0 + 0.0012);
    client_finish(k, c, T0 + 0.0030);
    app_data(k, c, T0 + 0.0052, DIR_C2S, 517);
    app_data(k, c, T0 + 0.0081, DIR_S2C, 1403);
    k->conn_close(k, c);
    free(c);
    if (!one) {
        failed(k);
        c = new_conn(k, 3, "[2001:db8::5]:40000", "[2001:db8::1]:8443", T0 + 3.75);
        client_hello(k, c, T0 + 3.75);
        k->conn_close(k, c);
        free(c);
    }
    tui_source src = { .name = "synthetic.pcap" };
    int rc = tui_run_source(t, &src);
    tui_free(t);
    return rc;
}
