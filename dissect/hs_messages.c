/* Handshake messages other than the hellos and the key exchanges:
 * certificates, requests and verifications, Finished, tickets, TLS 1.3's
 * EncryptedExtensions and KeyUpdate, and the small ones. */
#include <stdio.h>
#include <string.h>

#include "dissect/certificate.h"
#include "dissect/format.h"
#include "dissect/hs_internal.h"

/* TLS 1.3 when the ServerHello said so; without it, a guess from the
 * shape of the message (`looks13`). */
static bool tls13_or_guess(const conn_state *c, bool looks13)
{
    if (c->version) return hs_is_tls13(c->version);
    return looks13;
}

/* ---- Certificate ---- */

/* Certificates kept for validation, and decoded into fields: a chain
 * longer than that is hostile, and each entry costs memory. */
enum { CHAIN_MAX = 16, CERTS_DECODED_MAX = 64 };

/* The one place a certificate's DER becomes fields and a summary. */
static void describe_certificate(step *s, field *entry, size_t off, const uint8_t *der, size_t len,
                                 cert_summary *out)
{
    certificate_describe(s, entry, off, len, der, len, out);
}

void hs_certificate(conn_state *c, step *s, cursor *cur)
{
    uint32_t len12 = 0;
    cursor peek = *cur;
    bool looks12 = cur_u24(&peek, &len12) && len12 == cur_left(cur) - 3;
    bool tls13 = tls13_or_guess(c, !looks12);
    cert_summary leaf;
    memset(&leaf, 0, sizeof leaf);
    const uint8_t *ders[CHAIN_MAX];
    size_t lens[CHAIN_MAX];
    unsigned n = 0;
    size_t total = 0;

    if (tls13 && !hs_opaque(s, NULL, "certificate_request_context", cur, 1, NULL, NULL)) goto done;
    size_t off = cur_offset(cur);
    cursor list_cur;
    if (!hs_block(s, NULL, cur, 3, "certificates", &list_cur)) goto done;
    field *list = field_list(s, NULL, "certificates", off, cur_offset(cur) - off);
    while (!cur_empty(&list_cur)) {
        size_t eoff = cur_offset(&list_cur);
        if (n == CERTS_DECODED_MAX) {
            size_t rest = cur_left(&list_cur);
            field_uint(s, NULL, "bytes_not_decoded", eoff, rest, rest);
            conn_note(c, "A Certificate message held more than %u certificates; tlsview decoded the first %u.",
                      CERTS_DECODED_MAX, CERTS_DECODED_MAX);
            cur_skip_rest(&list_cur, NULL, NULL);
            break;
        }
        field *entry = field_object(s, list, "certificate", eoff, 0);
        uint32_t dlen;
        cursor dc = list_cur;
        if (!hs_u24(s, entry, "length", &dc, &dlen)) {
            hs_short(s, entry, &list_cur, "certificate length", 3);
            field_set_extent(entry, eoff, cur_left(&list_cur));
            break;
        }
        cursor der_cur;
        if (!cur_block(&list_cur, 3, &der_cur)) {
            list_cur.failed = false;
            field_malformed(s, entry, eoff, cur_left(&list_cur), "certificate: length %u runs past the end (%zu bytes left)",
                            dlen, cur_left(&list_cur) - 3);
            field_set_extent(entry, eoff, cur_left(&list_cur));
            break;
        }
        size_t doff = cur_offset(&der_cur);
        const uint8_t *der;
        size_t der_len;
        cur_skip_rest(&der_cur, &der, &der_len);
        field_hex(s, entry, "der", doff, der_len, der, der_len);
        describe_certificate(s, entry, doff, der, der_len, n == 0 ? &leaf : NULL);
        if (n < CHAIN_MAX) {
            ders[n] = der;
            lens[n] = der_len;
        }
        n++;
        total += der_len;
        bool ok = true;
        if (tls13) {
            ext_ctx x;
            memset(&x, 0, sizeof x);
            x.c = c;
            x.s = s;
            x.msg = EXT_CERTIFICATE;
            ok = ext_decode_block(&x, entry, &list_cur);
        }
        field_set_extent(entry, eoff, cur_offset(&list_cur) - eoff);
        if (!ok) break;
    }

done:
    if (s->dir == DIR_S2C) {
        c->server_cert = leaf;
        if (n && c->cfg && c->cfg->cas) {
            char detail[300];
            detail[0] = '\0';
            const char *v = certificate_validate(c->cfg->cas, ders, lens, n < CHAIN_MAX ? n : CHAIN_MAX,
                                                 c->sni[0] ? c->sni : NULL, s->ts, detail, sizeof detail);
            if (v) {
                text_format(c->server_cert.validation, sizeof c->server_cert.validation, "%s", v);
                field_text(s, NULL, "validation", 0, s->nbytes, "%s", v);
                if (detail[0]) {
                    field_text(s, NULL, "validation_detail", 0, s->nbytes, "%s", detail);
                    conn_note(c, "%s", detail);
                }
            }
        }
    } else {
        c->client_cert = leaf;
        c->client_certificate_sent = n > 0;
    }
    if (n == 0) step_summarize(s, "no certificate");
    else if (leaf.subject[0] && c->server_cert.validation[0] && s->dir == DIR_S2C)
        step_summarize(s, "%s (%u certificate%s, %s)", leaf.subject, n, n == 1 ? "" : "s", c->server_cert.validation);
    else if (leaf.subject[0])
        step_summarize(s, "%s (%u certificate%s)", leaf.subject, n, n == 1 ? "" : "s");
    else step_summarize(s, "%u certificate%s, %zu bytes", n, n == 1 ? "" : "s", total);
    narrate_certificate(c, s, n, total, n ? &leaf : NULL);
}

/* RFC 8879: the Certificate message, compressed. */
void hs_compressed_certificate(conn_state *c, step *s, cursor *cur)
{
    uint16_t alg = 0;
    uint32_t ulen = 0;
    size_t clen = 0;
    if (!hs_code16(s, NULL, "algorithm", cur, tls_cert_compression_name, &alg)) {
        hs_short(s, NULL, cur, "algorithm", 2);
    } else if (!hs_u24(s, NULL, "uncompressed_length", cur, &ulen)) {
        hs_short(s, NULL, cur, "uncompressed_length", 3);
    } else {
        hs_opaque(s, NULL, "compressed_data", cur, 3, NULL, &clen);
        hs_trailing(s, NULL, cur, "the compressed certificate");
    }
    const char *an = tls_cert_compression_name(alg);
    step_summarize(s, "%s, %zu -> %u bytes", an ? an : "unknown algorithm", clen, ulen);
    narrate_compressed_certificate(c, s, an, ulen, clen);
}

/* ---- CertificateRequest ---- */

void hs_certificate_request(conn_state *c, step *s, cursor *cur)
{
    uint8_t first = 1;
    cur_peek_u8(cur, 0, &first);
    bool tls13 = tls13_or_guess(c, first == 0);
    unsigned n_types = 0, n_cas = 0;
    c->certificate_requested = true;
    if (tls13) {
        if (hs_opaque(s, NULL, "certificate_request_context", cur, 1, NULL, NULL)) {
            ext_ctx x;
            memset(&x, 0, sizeof x);
            x.c = c;
            x.s = s;
            x.msg = EXT_CERTIFICATE_REQUEST;
            ext_decode_block(&x, NULL, cur);
            hs_trailing(s, NULL, cur, "the extensions");
        }
        step_summarize(s, "client certificate requested");
        narrate_certificate_request(c, s, 0, 0, true);
        return;
    }
    size_t off = cur_offset(cur);
    cursor in;
    if (!hs_block(s, NULL, cur, 1, "certificate_types", &in)) goto done;
    field *list = field_list(s, NULL, "certificate_types", off, cur_offset(cur) - off);
    while (!cur_empty(&in)) {
        hs_code8(s, list, "certificate_type", &in, tls_client_certificate_type_name, NULL);
        n_types++;
    }
    /* TLS 1.2 adds the signature algorithms it accepts. */
    bool sigalgs = c->version ? hs_has_sigalg(c->version) : false;
    if (!c->version) {
        /* Unknown version: TLS 1.2 when what follows parses that way. */
        cursor t = *cur, a, b;
        sigalgs = cur_block(&t, 2, &a) && cur_block(&t, 2, &b) && cur_empty(&t);
    }
    if (sigalgs) {
        off = cur_offset(cur);
        if (!hs_block(s, NULL, cur, 2, "signature_algorithms", &in)) goto done;
        list = field_list(s, NULL, "signature_algorithms", off, cur_offset(cur) - off);
        while (cur_left(&in) >= 2) hs_sigalg(s, list, "algorithm", &in, NULL);
        hs_trailing(s, list, &in, "the last signature algorithm (each takes 2 bytes)");
    }
    off = cur_offset(cur);
    if (!hs_block(s, NULL, cur, 2, "certificate_authorities", &in)) goto done;
    list = field_list(s, NULL, "certificate_authorities", off, cur_offset(cur) - off);
    while (!cur_empty(&in)) {
        if (!hs_opaque(s, list, "distinguished_name", &in, 2, NULL, NULL)) break;
        n_cas++;
    }
    hs_trailing(s, NULL, cur, "the certificate authorities");
done:
    step_summarize(s, "client certificate requested, %u type%s, %u authorit%s", n_types, n_types == 1 ? "" : "s",
                   n_cas, n_cas == 1 ? "y" : "ies");
    narrate_certificate_request(c, s, n_types, n_cas, false);
}

/* ---- CertificateVerify ---- */

void hs_certificate_verify(conn_state *c, step *s, cursor *cur)
{
    bool alg = hs_has_sigalg(c->version);
    if (!c->version) {
        uint16_t l;
        alg = cur_peek_u16(cur, 2, &l) && (size_t)l + 4 == cur_left(cur);
    }
    const char *name = NULL;
    size_t len = 0;
    uint16_t v;
    if (alg) {
        field *f = hs_sigalg(s, NULL, "signature_algorithm", cur, &v);
        if (!f) {
            hs_short(s, NULL, cur, "signature_algorithm", 2);
            goto done;
        }
        name = f->value;
    }
    if (hs_opaque(s, NULL, "signature", cur, 2, NULL, &len)) hs_trailing(s, NULL, cur, "the signature");
done:
    if (name) step_summarize(s, "%s, %zu-byte signature", name, len);
    else step_summarize(s, "%zu-byte signature", len);
    narrate_certificate_verify(c, s, name, len);
}

/* ---- Finished ---- */

void hs_finished(conn_state *c, step *s, cursor *cur)
{
    size_t len = cur_left(cur);
    hs_hex_rest(s, NULL, "verify_data", cur);
    if (!len) field_malformed(s, NULL, cur_offset(cur), 0, "verify_data: empty, expected 12 or more bytes");
    if (s->dir == DIR_C2S) c->client_finished = true;
    else c->server_finished = true;
    step_summarize(s, "verify_data, %zu bytes", len);
    narrate_finished(c, s, len);
}

/* ---- NewSessionTicket ---- */

void hs_new_session_ticket(conn_state *c, step *s, cursor *cur)
{
    uint32_t lifetime = 0;
    size_t ticket_len = 0;
    bool tls13 = tls13_or_guess(c, false);
    if (!c->version) {
        /* TLS 1.2: lifetime, then a ticket that fills the rest. */
        uint16_t l;
        tls13 = !(cur_peek_u16(cur, 4, &l) && (size_t)l + 6 == cur_left(cur));
    }
    ext_ctx x;
    memset(&x, 0, sizeof x);
    c->new_session_ticket = true;
    if (!tls13) {
        if (!hs_u32(s, NULL, "lifetime_hint", cur, &lifetime)) {
            hs_short(s, NULL, cur, "lifetime_hint", 4);
            goto done;
        }
        if (hs_opaque(s, NULL, "ticket", cur, 2, NULL, &ticket_len)) hs_trailing(s, NULL, cur, "the ticket");
        goto done;
    }
    if (!hs_u32(s, NULL, "lifetime", cur, &lifetime)) {
        hs_short(s, NULL, cur, "lifetime", 4);
        goto done;
    }
    if (!hs_u32(s, NULL, "age_add", cur, NULL)) {
        hs_short(s, NULL, cur, "age_add", 4);
        goto done;
    }
    if (!hs_opaque(s, NULL, "nonce", cur, 1, NULL, NULL)) goto done;
    if (!hs_opaque(s, NULL, "ticket", cur, 2, NULL, &ticket_len)) goto done;
    x.c = c;
    x.s = s;
    x.msg = EXT_NEW_SESSION_TICKET;
    ext_decode_block(&x, NULL, cur);
    hs_trailing(s, NULL, cur, "the extensions");
done:
    if (x.early_data) step_summarize(s, "lifetime %u s, ticket %zu bytes, early data up to %u bytes", lifetime,
                                     ticket_len, x.max_early_data);
    else step_summarize(s, "lifetime %u s, ticket %zu bytes", lifetime, ticket_len);
    narrate_new_session_ticket(c, s, tls13, lifetime, ticket_len, x.early_data, x.max_early_data);
}

/* ---- EncryptedExtensions ---- */

void hs_encrypted_extensions(conn_state *c, step *s, cursor *cur)
{
    ext_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.s = s;
    x.msg = EXT_ENCRYPTED_EXTENSIONS;
    ext_decode_block(&x, NULL, cur);
    hs_trailing(s, NULL, cur, "the extensions");
    if (x.has_alpn) text_format(c->alpn, sizeof c->alpn, "%s", x.alpn);
    if (x.early_data) conn_note(c, "The server accepted the client's early (0-RTT) data.");
    if (x.has_alpn) step_summarize(s, "%u extension%s, ALPN %s", x.count, x.count == 1 ? "" : "s", x.alpn);
    else step_summarize(s, "%u extension%s", x.count, x.count == 1 ? "" : "s");
    narrate_encrypted_extensions(c, s, &x);
}

/* ---- the small ones ---- */

void hs_certificate_status(conn_state *c, step *s, cursor *cur)
{
    uint8_t type;
    uint32_t len = 0;
    if (!hs_code8(s, NULL, "status_type", cur, tls_certificate_status_type_name, &type)) {
        hs_short(s, NULL, cur, "status_type", 1);
    } else if (type == 1) {
        if (!hs_u24(s, NULL, "response_length", cur, &len)) {
            hs_short(s, NULL, cur, "response_length", 3);
        } else if (!hs_hex(s, NULL, "ocsp_response", cur, len, NULL)) {
            hs_short(s, NULL, cur, "ocsp_response", len);
            len = 0;
        } else {
            hs_trailing(s, NULL, cur, "the OCSP response");
        }
    } else {
        len = (uint32_t)cur_left(cur);
        hs_hex_rest(s, NULL, "data", cur);
    }
    step_summarize(s, "OCSP response, %u bytes", len);
    narrate_certificate_status(c, s, len);
}

void hs_key_update(conn_state *c, step *s, cursor *cur)
{
    uint8_t r = 0;
    size_t at = cur_offset(cur);
    if (!hs_code8(s, NULL, "request_update", cur, tls_key_update_request_name, &r))
        hs_short(s, NULL, cur, "request_update", 1);
    else hs_trailing(s, NULL, cur, "request_update");
    if (r > 1) {
        /* RFC 8446 4.6.3: any other value must end the connection. */
        field_malformed(s, NULL, at, 1, "request_update %u is neither update_not_requested (0) nor "
                        "update_requested (1); the peer must abort with illegal_parameter", r);
        step_summarize(s, "invalid request_update %u", r);
    } else {
        step_summarize(s, "%s", r == 1 ? "update_requested" : "update_not_requested");
    }
    narrate_key_update(c, s, r == 1);
}

void hs_empty_message(conn_state *c, step *s, cursor *cur)
{
    char what[64];
    text_format(what, sizeof what, "the header (a %s has no body)", s->name);
    hs_trailing(s, NULL, cur, what);
    narrate_simple(c, s);
}

void hs_message_hash(conn_state *c, step *s, cursor *cur)
{
    size_t n = cur_left(cur);
    hs_hex_rest(s, NULL, "hash", cur);
    step_summarize(s, "hash of the first ClientHello, %zu bytes", n);
    narrate_simple(c, s);
}

void hs_hello_verify_request(conn_state *c, step *s, cursor *cur)
{
    if (!hs_code16(s, NULL, "server_version", cur, hs_version_name, NULL)) hs_short(s, NULL, cur, "server_version", 2);
    else if (hs_opaque(s, NULL, "cookie", cur, 1, NULL, NULL)) hs_trailing(s, NULL, cur, "the cookie");
    step_summarize(s, "cookie");
    narrate_simple(c, s);
}

/* The client's choice under Next Protocol Negotiation (pre-ALPN). */
void hs_next_protocol(conn_state *c, step *s, cursor *cur)
{
    cursor in;
    if (hs_block(s, NULL, cur, 1, "selected_protocol", &in)) {
        size_t off = cur_offset(&in);
        const uint8_t *p;
        size_t n;
        cur_skip_rest(&in, &p, &n);
        field *f = hs_text(s, NULL, "selected_protocol", off, p, n);
        if (!c->alpn[0]) text_format(c->alpn, sizeof c->alpn, "%s", f->value);
        step_summarize(s, "%s", f->value);
        if (hs_opaque(s, NULL, "padding", cur, 1, NULL, NULL)) hs_trailing(s, NULL, cur, "the padding");
    }
    narrate_simple(c, s);
}

void hs_unknown(conn_state *c, step *s, cursor *cur)
{
    size_t n = cur_left(cur);
    hs_hex_rest(s, NULL, "raw", cur);
    step_summarize(s, "type %d, %zu bytes", s->msg_type, n);
    narrate_simple(c, s);
}
