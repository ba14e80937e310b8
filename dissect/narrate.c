/* The narration: what each step means, said in plain sentences by the
 * side that sent it ("Client: ...", "Server: ..."), built from the values
 * the decoders found and from the connection state. */
#include <stdio.h>
#include <string.h>

#include "dissect/handshake.h"
#include "dissect/format.h"
#include "dissect/hs_internal.h"

const char *hs_who(direction d) { return d == DIR_C2S ? "Client" : "Server"; }

static const char *or_unknown(const char *s, const char *fallback) { return s ? s : fallback; }

static bool starts_with_vowel_sound(const char *w)
{
    if (!w || !*w) return false;
    return strchr("aeiouxAEIOUX8", w[0]) != NULL;
}

/* "a" or "an" for the word that follows. */
static const char *article(const char *w) { return starts_with_vowel_sound(w) ? "an" : "a"; }

static void duration(uint32_t secs, char *out, size_t cap)
{
    if (secs && secs % 86400 == 0) text_format(out, cap, "%u day%s", secs / 86400, secs == 86400 ? "" : "s");
    else if (secs && secs % 3600 == 0) text_format(out, cap, "%u hour%s", secs / 3600, secs == 3600 ? "" : "s");
    else if (secs && secs % 60 == 0) text_format(out, cap, "%u minute%s", secs / 60, secs == 60 ? "" : "s");
    else text_format(out, cap, "%u second%s", secs, secs == 1 ? "" : "s");
}

/* "h2,http/1.1" -> "h2 or http/1.1", "a,b,c" -> "a, b or c". */
static void or_list(const char *csv, char *out, size_t cap)
{
    size_t n = 0, k = 0, items = 1;
    for (const char *p = csv; *p; p++)
        if (*p == ',') items++;
    out[0] = '\0';
    for (const char *p = csv; *p && k + 6 < cap; p++) {
        if (*p == ',') {
            n++;
            const char *sep = n == items - 1 ? " or " : ", ";
            size_t l = strlen(sep);
            if (k + l >= cap) break;
            memcpy(out + k, sep, l);
            k += l;
        } else {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
}

/* "TLS 1.3 and 1.2", "TLS 1.2, 1.1, 1.0 and SSL 3.0". */
static void version_list(const uint16_t *v, unsigned n, char *out, size_t cap)
{
    uint16_t sorted[16];
    unsigned m = 0;
    for (unsigned i = 0; i < n && m < 16; i++) {
        bool dup = false;
        for (unsigned j = 0; j < m; j++) dup |= sorted[j] == v[i];
        if (!dup) sorted[m++] = v[i];
    }
    /* Newest first; drafts (0x7fxx) count as TLS 1.3. */
    for (unsigned i = 1; i < m; i++)
        for (unsigned j = i; j > 0; j--) {
            uint16_t a = hs_is_tls13(sorted[j - 1]) ? 0x0304 : sorted[j - 1];
            uint16_t b = hs_is_tls13(sorted[j]) ? 0x0304 : sorted[j];
            if (a >= b) break;
            uint16_t t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    size_t k = 0;
    char family[16] = "";
    out[0] = '\0';
    for (unsigned i = 0; i < m && k < cap; i++) {
        char fallback[16];
        text_format(fallback, sizeof fallback, "0x%04x", sorted[i]);
        const char *name = or_unknown(tls_version_name(sorted[i]), fallback);
        const char *space = strchr(name, ' ');
        char fam[16] = "";
        if (space && (size_t)(space - name) < sizeof fam) {
            memcpy(fam, name, (size_t)(space - name));
            fam[space - name] = '\0';
        }
        const char *shown = fam[0] && strcmp(fam, family) == 0 ? space + 1 : name;
        text_format(family, sizeof family, "%s", fam);
        const char *sep = i == 0 ? "" : i == m - 1 ? " and " : ", ";
        k += (size_t)text_format(out + k, cap - k, "%s%s", sep, shown);
    }
}

static const char *group_or(uint16_t g) { return or_unknown(hs_group_name(g), "an unknown group"); }

/* ---- hellos ---- */

void narrate_client_hello(const conn_state *c, step *s, bool second_hello, bool renegotiation)
{
    if (!c->client_hello_seen) {
        step_narrate(s, "Client: Hello — but this ClientHello is too damaged to read.");
        return;
    }
    char versions[160], first[96], alpn[160];
    bool offers13 = false;
    for (unsigned i = 0; i < c->n_offered_versions; i++) offers13 |= hs_is_tls13(c->offered_versions[i]);
    if (c->n_offered_versions) {
        version_list(c->offered_versions, c->n_offered_versions, versions, sizeof versions);
    } else {
        text_format(versions, sizeof versions, "up to %s",
                    or_unknown(tls_version_name(c->client_legacy_version), "an unknown version"));
    }
    text_format(first, sizeof first, "%s", or_unknown(tls_cipher_suite_name(c->first_suite), "an unknown suite"));
    const char *hello = renegotiation ? "Hello again — let's renegotiate this connection, under the encryption we "
                                        "already share!"
                        : second_hello ? "Hello again!" : "Hello!";
    if (c->n_offered_suites)
        step_narrate(s, "Client: %s I speak %s and offer %u cipher suite%s, %s first.", hello, versions,
                     c->n_offered_suites, c->n_offered_suites == 1 ? "" : "s", first);
    else step_narrate(s, "Client: %s I speak %s but offer no cipher suite at all.", hello, versions);
    if (renegotiation) return;

    or_list(c->alpn_offered, alpn, sizeof alpn);
    if (c->sni[0] && c->alpn_offered[0]) step_narrate(s, "I want to reach %s and speak %s.", c->sni, alpn);
    else if (c->sni[0]) step_narrate(s, "I want to reach %s.", c->sni);
    else if (c->alpn_offered[0]) step_narrate(s, "I don't name a site (no SNI); I'd like to speak %s.", alpn);

    if (second_hello && c->n_client_key_shares) {
        step_narrate(s, "Here is the %s key share you asked for.", group_or(c->client_key_share_groups[0]));
    } else if (second_hello) {
        step_narrate(s, "I send my hello again as you asked.");
    } else if (offers13 && c->client_offered_psk) {
        step_narrate(s, "I also hold a ticket from an earlier session and would like to resume it%s.",
                     c->client_offered_early_data ? ", and I'm already sending early data" : "");
    } else if (offers13 && c->n_client_key_shares) {
        step_narrate(s, "I already send %s %s key share, so we can be done in one round trip%s.",
                     article(hs_group_name(c->client_key_share_groups[0])), group_or(c->client_key_share_groups[0]),
                     c->client_offered_ticket ? "; and should we settle on TLS 1.2, here is the session ticket you "
                                                "gave me last time" : "");
    } else if (c->client_offered_ticket) {
        step_narrate(s, "I present the session ticket you gave me last time, to resume that session.");
    } else if (!offers13 && c->client_session_id_len) {
        step_narrate(s, "I'd like to resume our earlier session (its id is in this hello).");
    }
}

void narrate_sslv2_client_hello(const conn_state *c, step *s)
{
    step_narrate(s,
                 "Client: Hello, in the old SSL 2.0 message format that servers of every age understand! "
                 "I speak up to %s and offer %u cipher spec%s. This format has no room for extensions, so I "
                 "cannot say which site I want.",
                 or_unknown(tls_version_name(c->client_legacy_version), "an unknown version"), c->n_offered_suites,
                 c->n_offered_suites == 1 ? "" : "s");
}

void narrate_server_hello(const conn_state *c, step *s, bool downgrade_marker)
{
    const char *vn = or_unknown(tls_version_name(c->version), "an unknown version");
    const char *sn = or_unknown(tls_cipher_suite_name(c->cipher_suite), "an unknown cipher suite");
    if (hs_is_tls13(c->version)) {
        if (c->server_accepted_psk && c->group)
            step_narrate(s, "Server: Let's use %s with %s and resume our earlier session with the ticket you offered, "
                            "adding a fresh %s key exchange.", vn, sn, group_or(c->group));
        else if (c->server_accepted_psk)
            step_narrate(s, "Server: Let's use %s with %s and resume our earlier session with the ticket you offered.",
                         vn, sn);
        else if (c->group)
            step_narrate(s, "Server: Let's use %s with %s and %s %s key exchange.", vn, sn,
                         article(hs_group_name(c->group)), group_or(c->group));
        else step_narrate(s, "Server: Let's use %s with %s.", vn, sn);
        step_narrate(s, "From here on everything I send is encrypted with keys derived from it.");
        return;
    }
    if (c->resumed) {
        step_narrate(s, "Server: I remember you: let's resume our earlier session and skip the certificate.");
        step_narrate(s, "We keep %s and %s.", vn, sn);
    } else {
        step_narrate(s, "Server: Let's use %s with %s.", vn, sn);
        tls_suite_info info;
        if (tls_suite_info_get(c->cipher_suite, &info)) {
            switch (info.kx) {
            case KX_RSA:
                step_narrate(s, "You will encrypt a secret with the public key in my certificate: simple, but "
                                "without forward secrecy.");
                break;
            case KX_ECDHE_RSA: case KX_ECDHE_ECDSA:
                step_narrate(s, "My certificate and my half of an elliptic-curve Diffie-Hellman exchange follow.");
                break;
            case KX_DHE_RSA: case KX_DHE_DSS:
                step_narrate(s, "My certificate and my half of a Diffie-Hellman exchange follow.");
                break;
            case KX_DH_ANON: case KX_ECDH_ANON:
                step_narrate(s, "This key exchange is anonymous: I will not prove who I am.");
                break;
            case KX_PSK: case KX_DHE_PSK: case KX_ECDHE_PSK: case KX_RSA_PSK:
                step_narrate(s, "We will rely on a key we already share.");
                break;
            default: break;
            }
        }
    }
    if (c->alpn[0]) step_narrate(s, "We'll speak %s.", c->alpn);
    if (downgrade_marker)
        step_narrate(s, "My random ends with the downgrade marker: I could speak TLS 1.3, but your hello did not "
                        "offer it. A client that did offer it would now know that someone removed it on the way.");
}

void narrate_hello_retry_request(const conn_state *c, step *s, bool has_group, uint16_t group, bool cookie)
{
    (void)c;
    if (has_group) {
        step_narrate(s, "Server: None of your key shares suits me; please try again with %s.", group_or(group));
        if (cookie) step_narrate(s, "Send this cookie back too.");
    } else if (cookie) {
        step_narrate(s, "Server: Please send your hello again with this cookie, before I commit anything.");
    } else {
        step_narrate(s, "Server: Please send your hello again with what I ask for here.");
    }
}

/* ---- certificates ---- */

void narrate_certificate(const conn_state *c, step *s, unsigned n_certs, size_t total_bytes,
                         const cert_summary *leaf)
{
    const char *who = hs_who(s->dir);
    bool client = s->dir == DIR_C2S;
    if (n_certs == 0) {
        if (client) step_narrate(s, "Client: I have no certificate to show you.");
        else step_narrate(s, "Server: I send an empty certificate list: nothing to prove who I am.");
        return;
    }
    if (!leaf || !leaf->present) {
        step_narrate(s, "%s: Here is my certificate chain: %u certificate%s, %zu bytes.", who, n_certs,
                     n_certs == 1 ? "" : "s", total_bytes);
        return;
    }
    char subject[300], issuer[300], tail[200] = "";
    if (leaf->subject_cn[0]) text_format(subject, sizeof subject, "CN=%s", leaf->subject_cn);
    else text_format(subject, sizeof subject, "%s", leaf->subject[0] ? leaf->subject : "no subject");
    if (leaf->issuer_cn[0]) text_format(issuer, sizeof issuer, "CN=%s", leaf->issuer_cn);
    else text_format(issuer, sizeof issuer, "%s", leaf->issuer[0] ? leaf->issuer : "an unnamed issuer");
    size_t k = 0;
    if (leaf->not_after[0]) k += (size_t)text_format(tail + k, sizeof tail - k, ", valid until %s", leaf->not_after);
    if (leaf->key_desc[0] && k < sizeof tail)
        text_format(tail + k, sizeof tail - k, ", %s %s", article(leaf->key_desc), leaf->key_desc);
    step_narrate(s, "%s: Here is my certificate%s: %s, issued by %s%s.", who, client ? ", as you asked" : "", subject,
                 issuer, tail);
    if (n_certs > 1)
        step_narrate(s, "%u more certificate%s link%s it to the authority that vouches for it.", n_certs - 1,
                     n_certs == 2 ? "" : "s", n_certs == 2 ? "s" : "");
    const cert_summary *mine = client ? &c->client_cert : &c->server_cert;
    if (mine->validation[0]) step_narrate(s, "Checked against the trusted authorities: %s.", mine->validation);
}

void narrate_compressed_certificate(const conn_state *c, step *s, const char *alg, uint32_t uncompressed,
                                    size_t compressed)
{
    (void)c;
    step_narrate(s, "%s: Here is my certificate chain, compressed with %s (%zu bytes instead of %u); tlsview does not "
                    "decompress it, so the certificates stay hidden.",
                 hs_who(s->dir), or_unknown(alg, "an unknown algorithm"), compressed, uncompressed);
}

/* ---- key exchange ---- */

static void kx_what(const kx_narration *k, char *out, size_t cap)
{
    if (k->ec && k->has_group) {
        const char *g = group_or(k->group);
        text_format(out, cap, "%s %s key exchange", article(g), g);
    } else if (k->ec) {
        text_format(out, cap, "an elliptic-curve Diffie-Hellman key exchange");
    } else if (k->dh && k->p_bits) {
        text_format(out, cap, "a %u-bit Diffie-Hellman key exchange", k->p_bits);
    } else {
        text_format(out, cap, "a Diffie-Hellman key exchange");
    }
}

void narrate_server_key_exchange(const conn_state *c, step *s, const kx_narration *k)
{
    (void)c;
    char what[120];
    kx_what(k, what, sizeof what);
    if (!k->known && !k->ec) {
        step_narrate(s, "Server: Here are my key exchange parameters; without the ServerHello tlsview cannot tell "
                        "their kind.");
        return;
    }
    if (k->rsa_export) {
        step_narrate(s, "Server: Here is a temporary %u-bit RSA key for an export-grade key exchange: deliberately "
                        "weak, breakable today.", k->rsa_bits);
        return;
    }
    if (k->kx == KX_SRP) {
        step_narrate(s, "Server: Here are my SRP parameters for a key exchange based on a password we both know.");
        return;
    }
    if (k->psk_hint && (k->ec || k->dh)) {
        step_narrate(s, "Server: Here is a hint about which pre-shared key to use, and my half of %s.", what);
        return;
    }
    if (k->psk_hint) {
        step_narrate(s, "Server: Here is a hint to help you pick the pre-shared key to use.");
        return;
    }
    if (k->kx == KX_DH_ANON || k->kx == KX_ECDH_ANON) {
        step_narrate(s, "Server: Here is my half of %s, unsigned: anyone in the middle could swap it for their own.",
                     what);
        return;
    }
    if (k->signed_params && k->sigalg)
        step_narrate(s, "Server: Here is my half of %s, signed with my certificate's key (%s) so you know it is "
                        "really me.", what, k->sigalg);
    else if (k->signed_params)
        step_narrate(s, "Server: Here is my half of %s, signed with my certificate's key so you know it is really me.",
                     what);
    else step_narrate(s, "Server: Here is my half of %s.", what);
}

void narrate_client_key_exchange(const conn_state *c, step *s, const kx_narration *k)
{
    (void)c;
    char what[120];
    kx_what(k, what, sizeof what);
    const field *idf = field_child(s->root, "psk_identity");
    const char *id = idf ? idf->value : "";
    if (!k->known) {
        step_narrate(s, "Client: Here is my part of the key exchange (%zu bytes); without the ServerHello tlsview "
                        "cannot tell its kind.", k->length);
        return;
    }
    switch (k->kx) {
    case KX_RSA:
        step_narrate(s, "Client: Here is the pre-master secret, encrypted with your public key (%zu bytes). Only the "
                        "holder of the private key can read it; from it we both derive the master secret.", k->length);
        return;
    case KX_RSA_PSK:
        step_narrate(s, "Client: I use the pre-shared key \"%s\" together with a secret encrypted with your public "
                        "key.", id);
        return;
    case KX_PSK:
        step_narrate(s, "Client: Let's use the pre-shared key I call \"%s\".", id);
        return;
    case KX_SRP:
        step_narrate(s, "Client: Here is my SRP public value; the secret we derive depends on the password we share.");
        return;
    default: break;
    }
    if (k->psk_hint) {
        step_narrate(s, "Client: Let's use the pre-shared key \"%s\", mixed with my half of %s.", id, what);
        return;
    }
    if ((k->ec || k->dh) && !k->length) {
        step_narrate(s, "Client: My certificate's key is my half of the key exchange, so this message is empty.");
        return;
    }
    if (k->ec || k->dh) {
        step_narrate(s, "Client: Here is my half of %s. Each of us combines its own private key with the other's "
                        "public one into the same secret, which no one watching can compute.", what);
        return;
    }
    step_narrate(s, "Client: Here is my part of the key exchange (%zu bytes).", k->length);
}

/* ---- the rest of the handshake ---- */

void narrate_certificate_request(const conn_state *c, step *s, unsigned n_types, unsigned n_cas, bool tls13)
{
    (void)c;
    (void)n_types;
    if (tls13) step_narrate(s, "Server: Please show me your certificate too, and prove that it is yours.");
    else if (n_cas == 1) step_narrate(s, "Server: Please show me a certificate too, issued by the authority I trust.");
    else if (n_cas)
        step_narrate(s, "Server: Please show me a certificate too, issued by one of the %u authorities I trust.", n_cas);
    else step_narrate(s, "Server: Please show me a certificate too.");
}

void narrate_certificate_verify(const conn_state *c, step *s, const char *sigalg, size_t sig_len)
{
    (void)c;
    (void)sig_len;
    char alg[96] = "";
    if (sigalg) text_format(alg, sizeof alg, " (%s)", sigalg);
    if (s->dir == DIR_S2C)
        step_narrate(s, "Server: Here is a signature over the whole handshake so far, made with my certificate's "
                        "private key%s: proof that the certificate is mine.", alg);
    else
        step_narrate(s, "Client: Here is a signature over the handshake so far, made with my certificate's private "
                        "key%s: proof that the certificate is mine.", alg);
}

void narrate_finished(const conn_state *c, step *s, size_t len)
{
    (void)c;
    (void)len;
    step_narrate(s, "%s: Finished — a MAC over the whole handshake under the new keys. If it checks out, we agree on "
                    "everything said so far.", hs_who(s->dir));
}

void narrate_new_session_ticket(const conn_state *c, step *s, bool tls13, uint32_t lifetime, size_t ticket_len,
                                bool early, uint32_t max_early)
{
    (void)c;
    char d[40];
    duration(lifetime, d, sizeof d);
    if (!tls13 && !ticket_len) {
        step_narrate(s, "Server: I promised a session ticket but send an empty one: no resumption this time.");
        return;
    }
    if (!tls13) {
        if (lifetime)
            step_narrate(s, "Server: Here is a session ticket (%zu bytes, keep it for up to %s): show it next time and "
                            "we can skip the full handshake.", ticket_len, d);
        else
            step_narrate(s, "Server: Here is a session ticket (%zu bytes): show it next time and we can skip the full "
                            "handshake.", ticket_len);
        return;
    }
    step_narrate(s, "Server: Here is a ticket for resuming later (%zu bytes, valid for up to %s); only I can read "
                    "what is inside.", ticket_len, d);
    if (early) step_narrate(s, "With it you may send up to %u bytes of early data before my reply.", max_early);
}

void narrate_encrypted_extensions(const conn_state *c, step *s, const ext_ctx *x)
{
    (void)c;
    char items[256] = "";
    size_t k = 0;
    bool sni_ack = false;
    for (size_t i = 0; i < x->n_types; i++) sni_ack |= x->types[i] == 0;
    if (x->has_alpn) k += (size_t)text_format(items + k, sizeof items - k, "%swe'll speak %s", k ? "; " : "", x->alpn);
    if (x->early_data && k < sizeof items)
        k += (size_t)text_format(items + k, sizeof items - k, "%sI accept your early data", k ? "; " : "");
    if (sni_ack && k < sizeof items)
        text_format(items + k, sizeof items - k, "%sI am the site you named", k ? "; " : "");
    if (items[0]) step_narrate(s, "Server: A few more settings, now encrypted: %s.", items);
    else if (x->count)
        step_narrate(s, "Server: A few more settings (%u extension%s), the first message under encryption.", x->count,
                     x->count == 1 ? "" : "s");
    else step_narrate(s, "Server: No further settings; this is the first message under encryption.");
}

void narrate_certificate_status(const conn_state *c, step *s, size_t len)
{
    (void)c;
    step_narrate(s, "Server: Here is a fresh OCSP response (%zu bytes) from my certificate's authority, vouching that "
                    "my certificate has not been revoked.", len);
}

void narrate_key_update(const conn_state *c, step *s, bool requested)
{
    (void)c;
    step_narrate(s, "%s: I'm switching to fresh keys now%s", hs_who(s->dir),
                 requested ? "; please update yours too." : ".");
}

void narrate_simple(const conn_state *c, step *s)
{
    (void)c;
    switch (s->msg_type) {
    case 0: step_narrate(s, "Server: Please start a new handshake (renegotiation)."); break;
    case 3:
        step_narrate(s, "Server: Before I do any work, prove you can receive at your address: send your hello again "
                        "with this cookie.");
        break;
    case 5: step_narrate(s, "Client: That was all my early data; the rest of the handshake follows."); break;
    case 14: step_narrate(s, "Server: That's all from me for now — your turn."); break;
    case 67: {
        const field *f = field_child(s->root, "selected_protocol");
        step_narrate(s, "Client: I pick the application protocol \"%s\" (Next Protocol Negotiation, the predecessor "
                        "of ALPN).", f ? f->value : "?");
        break;
    }
    case 254:
        step_narrate(s, "A stand-in for the first ClientHello: after a HelloRetryRequest the transcript keeps only its "
                        "hash.");
        break;
    default:
        step_narrate(s, "%s: A handshake message of type %d (%u bytes) that tlsview does not know.", hs_who(s->dir),
                     s->msg_type, s->length);
        break;
    }
}

void narrate_malformed(step *s)
{
    const field *f = hs_first_malformed(s->root);
    if (f) step_narrate(s, "Part of this message did not decode: %s.", f->value);
}
