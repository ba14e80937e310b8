/* Narration of the record-level steps: ChangeCipherSpec, alerts,
 * application data, and handshake records that cannot be read. */
#include <stdio.h>
#include <string.h>

#include "dissect/handshake.h"
#include "dissect/hs_internal.h"

void narrate_change_cipher_spec(const conn_state *c, step *s)
{
    const char *who = hs_who(s->dir);
    /* Before any ServerHello only TLS 1.3's compatibility CCS can come
     * (after a HelloRetryRequest, or ahead of 0-RTT data). */
    if (c->version == 0x0304 || !c->server_hello_seen) {
        const char *then;
        if (c->server_hello_seen) then = "Encryption has already begun.";
        else if (s->dir == DIR_C2S && c->client_offered_early_data)
            then = "The early data that follows is encrypted with a key from the ticket.";
        else then = "Nothing is encrypted yet: that starts after the ServerHello.";
        step_narrate(s, "%s: ChangeCipherSpec — in TLS 1.3 it means nothing: it is sent only so that middleboxes "
                        "expecting TLS 1.2 let the connection through. %s", who, then);
        return;
    }
    step_narrate(s, "%s: From now on everything I send is encrypted with the keys we just agreed on.", who);
}

typedef struct alert_text {
    uint8_t code;
    const char *text;
} alert_text;

/* What each alert usually means in practice. */
static const alert_text alert_texts[] = {
    { 10, "A message arrived that does not belong at this point of the protocol: usually a bug or two incompatible "
          "implementations." },
    { 20, "A record failed its integrity check: the two sides are using different keys (for example, they derived "
          "different secrets), or the data was corrupted or tampered with in transit." },
    { 21, "A record could not be decrypted properly (an old alert, kept for compatibility)." },
    { 22, "A record was longer than the protocol allows." },
    { 30, "Compressed data could not be decompressed." },
    { 40, "We could not agree on how to secure the connection: usually no common cipher suite, protocol version or "
          "key exchange group, or a required extension was missing." },
    { 41, "The client has no certificate to send (SSL 3.0)." },
    { 42, "A certificate was corrupt, or its signature did not verify." },
    { 43, "The kind of certificate sent is not supported." },
    { 44, "A certificate was revoked by its issuer." },
    { 45, "A certificate has expired or is not yet valid: check its dates and the clocks." },
    { 46, "A certificate was not accepted, often because its chain is not trusted." },
    { 47, "A field of the handshake had a value that is invalid or inconsistent with the rest." },
    { 48, "The certificate chain was not trusted: it does not lead to an authority the peer knows (self-signed, a "
          "private CA, or a missing intermediate certificate)." },
    { 49, "The peer's identity was valid but access was refused by policy." },
    { 50, "A message could not be parsed: a field had a wrong length or was cut short." },
    { 51, "A signature or a Finished check failed: wrong keys, a transcript that differs between the two sides, or a "
          "tampered handshake." },
    { 60, "An export restriction was violated (an old alert)." },
    { 70, "The peer does not support the offered protocol version: one side is too old or too new for the other." },
    { 71, "Every cipher suite offered is too weak for the peer." },
    { 80, "Something went wrong inside the peer itself, unrelated to the protocol." },
    { 86, "The client retried with a lower version than it supports: possibly a downgrade attack, so the server "
          "refuses." },
    { 90, "The application cancelled the handshake." },
    { 100, "The peer refuses to renegotiate." },
    { 109, "A required extension was missing." },
    { 110, "An extension arrived that was not offered or is not allowed in that message." },
    { 111, "A certificate could not be fetched from the URL given." },
    { 112, "The server does not host the name the client asked for (SNI)." },
    { 113, "The OCSP response about the certificate was invalid or unacceptable." },
    { 114, "A certificate's hash did not match." },
    { 115, "The server does not know the pre-shared key the client named." },
    { 116, "The server requires a client certificate and none was sent." },
    { 120, "There is no application protocol in common (ALPN)." },
    { 121, "The server requires Encrypted Client Hello and the client did not use it." },
};

void narrate_alert(const conn_state *c, step *s, uint8_t level, uint8_t description)
{
    const char *who = hs_who(s->dir);
    bool done = c->client_finished && c->server_finished;
    if ((s->encrypted && !s->decrypted) || description == 255) {
        if (done)
            step_narrate(s, "%s: An encrypted alert — at this point almost certainly close_notify, a polite goodbye.",
                         who);
        else
            step_narrate(s, "%s: An encrypted alert during the handshake — most likely an error, but without keys "
                            "tlsview cannot read which.", who);
        return;
    }
    const char *name = tls_alert_description_name(description);
    if (!name) name = "unknown";
    if (description == 0) {
        step_narrate(s, "%s: close_notify — a polite goodbye: I will send nothing more on this connection.", who);
        return;
    }
    if (description == 90) {
        step_narrate(s, "%s: user_canceled — the application gave up on this handshake.", who);
        return;
    }
    const char *lv = level == 2 ? "Fatal alert" : level == 1 ? "Warning alert" : "Alert";
    const char *text = NULL;
    for (size_t i = 0; i < sizeof alert_texts / sizeof alert_texts[0]; i++)
        if (alert_texts[i].code == description) text = alert_texts[i].text;
    if (text) step_narrate(s, "%s: %s %s. %s", who, lv, name, text);
    else step_narrate(s, "%s: %s %s (%u).", who, lv, name, description);
    if (level == 2) step_narrate(s, "The connection ends here.");
}

void narrate_app_data(const conn_state *c, step *s)
{
    (void)c;
    const char *who = hs_who(s->dir);
    size_t n = s->length ? s->length : s->nbytes;
    if (s->decrypted)
        step_narrate(s, "%s: %zu bytes of application data, decrypted with the keys derived during the handshake.",
                     who, n);
    else if (s->encrypted)
        step_narrate(s, "%s: %zu bytes of application data, encrypted with the keys derived during the handshake.",
                     who, n);
    else
        step_narrate(s, "%s: %zu bytes of application data sent in the clear, before any keys were agreed.", who, n);
}

/* The record length of an encrypted TLS 1.3 Finished under the chosen
 * suite (header, verify_data, inner content type, tag), 0 if unknown. */
static size_t tls13_finished_record(const conn_state *c)
{
    tls_suite_info info;
    if (!c->have_cipher_suite || !tls_suite_info_get(c->cipher_suite, &info)) return 0;
    size_t hash = info.prf == MAC_SHA384 ? 48 : 32;
    size_t tag = info.cipher == CIPHER_AES_128_CCM_8 || info.cipher == CIPHER_AES_256_CCM_8 ? 8 : 16;
    return 4 + hash + 1 + tag;
}

void narrate_encrypted_handshake(const conn_state *c, step *s)
{
    size_t n = s->length ? s->length : s->nbytes;
    bool client = s->dir == DIR_C2S;
    bool mine_done = client ? c->client_finished : c->server_finished;
    const char *who = hs_who(s->dir);
    if (c->version == 0x0304) {
        bool finished_size = n && n == tls13_finished_record(c);
        if (!mine_done && finished_size)
            step_narrate(s, "%s: An encrypted handshake record (%zu bytes) — by its size, my Finished: a MAC over the "
                            "whole handshake.", who, n);
        else if (!client && !mine_done)
            step_narrate(s, "Server: An encrypted handshake record (%zu bytes). In TLS 1.3 everything after the "
                            "ServerHello travels encrypted: EncryptedExtensions, Certificate, CertificateVerify and "
                            "Finished; a key log (SSLKEYLOGFILE) would let tlsview read them.", n);
        else if (!mine_done)
            step_narrate(s, "Client: An encrypted handshake record (%zu bytes): my Certificate and CertificateVerify "
                            "if you asked for them, or my Finished; a key log would show which.", n);
        else
            step_narrate(s, "%s: An encrypted handshake message (%zu bytes) after the handshake — a session ticket or a "
                            "key update; a key log would show it.", who, n);
        return;
    }
    if (!mine_done)
        step_narrate(s, "%s: An encrypted handshake message (%zu bytes) — almost certainly Finished, the first message "
                        "under the new keys: a MAC over the whole handshake.", who, n);
    else
        step_narrate(s, "%s: An encrypted handshake message (%zu bytes) after the handshake — perhaps a "
                        "renegotiation.", who, n);
}

void narrate_keys(const conn_state *c, step *s, const char *first_secret)
{
    const char *f = first_secret ? first_secret : "";
    if (strcmp(f, "pre_master_secret") == 0) {
        step_narrate(s, "Both sides now hold the same pre-master secret: the server decrypted it with its "
                        "private key, and so did tlsview with the key you gave. From it each side derives the "
                        "master secret, and from that the keys that will protect its records.");
    } else if (strcmp(f, "master_secret") == 0) {
        step_narrate(s, "%s", c->resumed ? "Resuming, both sides reuse the master secret of their earlier session "
                                           "and derive fresh keys from it and the new randoms."
                                         : "Both sides have computed the same master secret; from it each "
                                           "derives the keys that will protect its records.");
    } else if (strstr(f, "early")) {
        step_narrate(s, "The client derives early-data keys from the resumption secret, so it can send "
                        "application data before the server has even answered.");
    } else if (strstr(f, "handshake_traffic")) {
        step_narrate(s, "From the key exchange both sides derive the handshake secrets: everything after the "
                        "ServerHello is encrypted with them.");
    } else if (strstr(f, "application_traffic")) {
        step_narrate(s, "%s", strstr(f, "_0") ? "With the handshake done, both sides derive the application "
                                                "traffic secrets that protect the data from now on."
                                              : "The keys are updated: the next generation of traffic secret "
                                                "is derived from the previous one.");
    } else {
        step_narrate(s, "The keys that protect the records are derived.");
    }
}
