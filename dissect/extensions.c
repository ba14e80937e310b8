/* Hello extensions of every message that carries them.  Each decoder reads
 * one extension's body through its own cursor, so a bad one is reported
 * and the next one is read from where the outer framing says it starts. */
#include <stdio.h>
#include <string.h>

#include "dissect/hs_internal.h"
#include "dissect/format.h"


static bool is_client_side(const ext_ctx *x)
{
    return x->msg == EXT_CLIENT_HELLO || x->msg == EXT_CERTIFICATE_REQUEST;
}

/* ---- lists ---- */

/* A vector of 16-bit code points.  `store` (may be NULL) gets an arena
 * array of all values in order. */
field *ext_code16_list(ext_body *e, unsigned len_bytes, const char *name, const char *item,
                          const char *(*namefn)(uint16_t), bool sigalg, uint16_t **store, size_t *n_store)
{
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, len_bytes, name, &in)) return NULL;
    field *list = field_list(e->s, e->obj, name, off, cur_offset(e->b) - off);
    uint16_t *vals = NULL;
    size_t n = 0;
    if (store) vals = arena_alloc(&e->s->mem, (cur_left(&in) / 2 + 1) * sizeof *vals);
    while (cur_left(&in) >= 2) {
        uint16_t v;
        if (sigalg) hs_sigalg(e->s, list, item, &in, &v);
        else hs_code16(e->s, list, item, &in, namefn, &v);
        if (vals) vals[n] = v;
        n++;
    }
    if (cur_left(&in))
        field_malformed(e->s, list, cur_offset(&in), 1, "%s: odd length, each %s takes 2 bytes", name, item);
    if (store) {
        *store = vals;
        *n_store = n;
    }
    return list;
}

field *ext_code8_list(ext_body *e, const char *name, const char *item, const char *(*namefn)(uint8_t),
                         uint8_t **store, size_t *n_store)
{
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, 1, name, &in)) return NULL;
    field *list = field_list(e->s, e->obj, name, off, cur_offset(e->b) - off);
    uint8_t *vals = NULL;
    size_t n = 0;
    if (store) vals = arena_alloc(&e->s->mem, cur_left(&in) + 1);
    while (!cur_empty(&in)) {
        uint8_t v;
        hs_code8(e->s, list, item, &in, namefn, &v);
        if (vals) vals[n] = v;
        n++;
    }
    if (store) {
        *store = vals;
        *n_store = n;
    }
    return list;
}

/* ALPN's ProtocolNameList: a 2-byte length, then 1-byte-length names.
 * Returns the list; *first gets the first name's bytes. */
field *ext_protocol_list(ext_body *e, const char *name, char *joined, size_t joined_cap,
                            const uint8_t **first, size_t *first_len, unsigned *count)
{
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, 2, name, &in)) return NULL;
    field *list = field_list(e->s, e->obj, name, off, cur_offset(e->b) - off);
    size_t k = 0;
    unsigned n = 0;
    if (joined && joined_cap) joined[0] = '\0';
    while (!cur_empty(&in)) {
        cursor pn;
        if (!hs_block(e->s, list, &in, 1, "protocol name", &pn)) break;
        size_t poff = cur_offset(&pn);
        const uint8_t *p;
        size_t len;
        cur_skip_rest(&pn, &p, &len);
        if (!len) field_malformed(e->s, list, poff - 1, 1, "protocol name: empty, at least 1 byte expected");
        hs_text(e->s, list, "protocol", poff, p, len);
        if (n == 0 && first) {
            *first = p;
            *first_len = len;
        }
        if (joined && k + 2 < joined_cap) {
            char esc[256];
            hs_escape(esc, sizeof esc, p, len);
            k += (size_t)text_format(joined + k, joined_cap - k, "%s%s", n ? "," : "", esc);
            if (k >= joined_cap) k = joined_cap - 1;
        }
        n++;
    }
    if (count) *count = n;
    return list;
}

/* A vector of opaque items, each with its own length prefix. */
field *ext_opaque_list(ext_body *e, unsigned len_bytes, const char *name, unsigned item_len_bytes,
                          const char *item)
{
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, len_bytes, name, &in)) return NULL;
    field *list = field_list(e->s, e->obj, name, off, cur_offset(e->b) - off);
    while (!cur_empty(&in))
        if (!hs_opaque(e->s, list, item, &in, item_len_bytes, NULL, NULL)) break;
    return list;
}

/* ---- one decoder per extension type; false when it already reported a
 * problem (so no "unexpected bytes" is added on top). ---- */

static bool server_name(ext_body *e)
{
    ext_ctx *x = e->x;
    if (x->hl) x->hl->has_sni = true;
    if (x->msg != EXT_CLIENT_HELLO) return true;   /* the server's acknowledgement is empty */
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, 2, "server_name_list", &in)) return false;
    field *list = field_list(e->s, e->obj, "server_name_list", off, cur_offset(e->b) - off);
    while (!cur_empty(&in)) {
        size_t eoff = cur_offset(&in);
        field *entry = field_object(e->s, list, "server_name", eoff, 0);
        uint8_t type;
        hs_code8(e->s, entry, "name_type", &in, tls_name_type_name, &type);
        cursor name;
        if (!hs_block(e->s, entry, &in, 2, "host_name", &name)) {
            field_set_extent(entry, eoff, cur_end_offset(&in) - eoff);
            return false;
        }
        size_t noff = cur_offset(&name);
        const uint8_t *p;
        size_t n;
        cur_skip_rest(&name, &p, &n);
        if (type == 0) {
            field *leaf = hs_text(e->s, entry, "host_name", noff, p, n);
            if (!x->sni_leaf) {
                x->sni_leaf = leaf;
                hs_escape(x->c->sni, sizeof x->c->sni, p, n);
            }
        } else {
            field_hex(e->s, entry, "name", noff, n, p, n);
        }
        field_set_extent(entry, eoff, cur_offset(&in) - eoff);
    }
    return true;
}

static const char *mfl_name(uint8_t v)
{
    switch (v) {
    case 1: return "2^9";
    case 2: return "2^10";
    case 3: return "2^11";
    case 4: return "2^12";
    }
    return NULL;
}

static bool max_fragment_length(ext_body *e)
{
    if (!hs_code8(e->s, e->obj, "max_fragment_length", e->b, mfl_name, NULL)) {
        hs_short(e->s, e->obj, e->b, "max_fragment_length", 1);
        return false;
    }
    return true;
}

static bool status_request(ext_body *e)
{
    if (cur_empty(e->b)) return true;   /* the server's acknowledgement */
    uint8_t type;
    if (!hs_code8(e->s, e->obj, "status_type", e->b, tls_certificate_status_type_name, &type)) return false;
    if (e->x->msg == EXT_CERTIFICATE) {
        /* TLS 1.3: the CertificateStatus itself, in a CertificateEntry. */
        return hs_opaque(e->s, e->obj, "ocsp_response", e->b, 3, NULL, NULL) != NULL;
    }
    if (type != 1) {
        hs_hex_rest(e->s, e->obj, "data", e->b);
        return true;
    }
    if (!ext_opaque_list(e, 2, "responder_ids", 2, "responder_id")) return false;
    return hs_opaque(e->s, e->obj, "request_extensions", e->b, 2, NULL, NULL) != NULL;
}

static bool supported_groups(ext_body *e)
{
    hello_lists *hl = e->x->hl;
    return ext_code16_list(e, 2, "groups", "group", hs_group_name, false, hl ? &hl->groups : NULL,
                       hl ? &hl->n_groups : NULL) != NULL;
}

static bool ec_point_formats(ext_body *e)
{
    hello_lists *hl = e->x->hl;
    return ext_code8_list(e, "point_formats", "point_format", tls_ec_point_format_name,
                      hl ? &hl->point_formats : NULL, hl ? &hl->n_point_formats : NULL) != NULL;
}

static bool signature_algorithms(ext_body *e, bool collect)
{
    hello_lists *hl = collect ? e->x->hl : NULL;
    return ext_code16_list(e, 2, "algorithms", "algorithm", NULL, true, hl ? &hl->sig_algs : NULL,
                       hl ? &hl->n_sig_algs : NULL) != NULL;
}

static bool alpn(ext_body *e)
{
    ext_ctx *x = e->x;
    if (x->msg == EXT_CLIENT_HELLO) {
        const uint8_t *first = NULL;
        size_t first_len = 0;
        field *list = ext_protocol_list(e, "protocols", x->c->alpn_offered, sizeof x->c->alpn_offered, &first,
                                    &first_len, NULL);
        if (!list) return false;
        x->alpn_list = list;
        if (x->hl) {
            x->hl->alpn_first = first;
            x->hl->alpn_first_len = first_len;
        }
        return true;
    }
    unsigned n = 0;
    field *list = ext_protocol_list(e, "protocols", x->alpn, sizeof x->alpn, NULL, NULL, &n);
    if (!list) return false;
    x->has_alpn = n > 0;
    if (n != 1)
        field_malformed(e->s, e->obj, list->offset, list->length,
                        "protocols: the server must choose exactly one protocol, found %u", n);
    return true;
}

static bool signed_certificate_timestamp(ext_body *e)
{
    if (cur_empty(e->b)) return true;   /* the client's request */
    return ext_opaque_list(e, 2, "scts", 2, "sct") != NULL;
}

static const char *cert_type_name(uint8_t v)
{
    switch (v) {
    case 0: return "X509";
    case 1: return "OpenPGP";
    case 2: return "RawPublicKey";
    case 3: return "1609Dot2";
    }
    return NULL;
}

static bool certificate_type(ext_body *e)
{
    if (is_client_side(e->x))
        return ext_code8_list(e, "certificate_types", "certificate_type", cert_type_name, NULL, NULL) != NULL;
    if (!hs_code8(e->s, e->obj, "certificate_type", e->b, cert_type_name, NULL)) {
        hs_short(e->s, e->obj, e->b, "certificate_type", 1);
        return false;
    }
    return true;
}

static bool flag_extension(ext_body *e, uint16_t type)
{
    conn_state *c = e->x->c;
    bool client = e->x->msg == EXT_CLIENT_HELLO;
    bool server = e->x->msg == EXT_SERVER_HELLO || e->x->msg == EXT_ENCRYPTED_EXTENSIONS;
    if (type == 22) {
        if (client) c->client_sent_etm = true;
        else if (server) c->encrypt_then_mac = c->client_sent_etm;
    } else if (type == 23) {
        if (client) c->client_sent_ems = true;
        else if (server) c->extended_master_secret = c->client_sent_ems;
    }
    return true;
}

static bool record_size_limit(ext_body *e)
{
    if (!hs_u16(e->s, e->obj, "record_size_limit", e->b, NULL)) {
        hs_short(e->s, e->obj, e->b, "record_size_limit", 2);
        return false;
    }
    return true;
}

static bool session_ticket(ext_body *e)
{
    if (cur_empty(e->b)) return true;
    if (e->x->msg == EXT_CLIENT_HELLO) e->x->c->client_offered_ticket = true;
    hs_hex_rest(e->s, e->obj, "ticket", e->b);
    return true;
}

static bool next_protocol_negotiation(ext_body *e)
{
    if (e->x->msg == EXT_CLIENT_HELLO) return true;
    size_t off = cur_offset(e->b);
    field *list = field_list(e->s, e->obj, "protocols", off, cur_left(e->b));
    while (!cur_empty(e->b)) {
        cursor pn;
        if (!hs_block(e->s, list, e->b, 1, "protocol name", &pn)) return false;
        size_t poff = cur_offset(&pn);
        const uint8_t *p;
        size_t n;
        cur_skip_rest(&pn, &p, &n);
        if (!n) field_malformed(e->s, list, poff - 1, 1, "protocol name: empty, at least 1 byte expected");
        hs_text(e->s, list, "protocol", poff, p, n);
    }
    return true;
}

static bool heartbeat(ext_body *e)
{
    if (!hs_code8(e->s, e->obj, "mode", e->b, tls_heartbeat_mode_name, NULL)) {
        hs_short(e->s, e->obj, e->b, "mode", 1);
        return false;
    }
    return true;
}

static bool decode_body(ext_body *e, uint16_t type)
{
    ext_ctx *x = e->x;
    if (tls_is_grease(type)) {
        hs_hex_rest(e->s, e->obj, "data", e->b);
        return true;
    }
    switch (type) {
    case 0: return server_name(e);
    case 1: return max_fragment_length(e);
    case 5: return status_request(e);
    case 10: return supported_groups(e);
    case 11: return ec_point_formats(e);
    case 13: return signature_algorithms(e, x->msg == EXT_CLIENT_HELLO);
    case 15: return heartbeat(e);
    case 16: return alpn(e);
    case 18: return signed_certificate_timestamp(e);
    case 19: case 20: return certificate_type(e);
    case 21: cur_skip_rest(e->b, NULL, NULL); return true;   /* padding: its length says it all */
    case 22: case 23: return flag_extension(e, type);
    case 27:
        return ext_code16_list(e, 1, "algorithms", "algorithm", tls_cert_compression_name, false, NULL, NULL) != NULL;
    case 28: return record_size_limit(e);
    case 34:
        if (x->msg == EXT_CLIENT_HELLO || x->msg == EXT_CERTIFICATE_REQUEST) return signature_algorithms(e, false);
        hs_hex_rest(e->s, e->obj, "data", e->b);
        return true;
    case 35: return session_ticket(e);
    case 41: return ext_pre_shared_key(e);
    case 42: return ext_early_data(e);
    case 43: return ext_supported_versions(e);
    case 44: return ext_cookie(e);
    case 45: return ext_code8_list(e, "ke_modes", "ke_mode", tls_psk_ke_mode_name, NULL, NULL) != NULL;
    case 47: return ext_opaque_list(e, 2, "authorities", 2, "distinguished_name") != NULL;
    case 48: return ext_oid_filters(e);
    case 49: return true;   /* post_handshake_auth: empty */
    case 50: return signature_algorithms(e, false);
    case 51: return ext_key_share(e);
    case 54: return hs_opaque(e->s, e->obj, "cid", e->b, 1, NULL, NULL) != NULL;
    case 0x3374: return next_protocol_negotiation(e);
    case 0x4469: case 0x44cd: return ext_application_settings(e);
    case 0xfe0d: return ext_encrypted_client_hello(e);
    case 0xff01: return hs_opaque(e->s, e->obj, "renegotiated_connection", e->b, 1, NULL, NULL) != NULL;
    default:
        /* quic_transport_parameters and everything else: raw. */
        hs_hex_rest(e->s, e->obj, "data", e->b);
        return true;
    }
}

bool ext_decode_block(ext_ctx *x, field *parent, cursor *cur)
{
    step *s = x->s;
    size_t start = cur_offset(cur);
    bool framing = true;
    uint16_t total;
    if (!cur_u16(cur, &total)) {
        cur->failed = false;
        hs_short(s, parent, cur, "extensions length", 2);
        cur_skip_rest(cur, NULL, NULL);   /* reported: they belong to this block */
        return false;
    }
    cursor blk;
    if (total > cur_left(cur)) {
        field_malformed(s, parent, start, cur_left(cur) + 2,
                        "extensions: length %u runs past the end of the message (%zu bytes left)", total,
                        cur_left(cur));
        framing = false;
        cur_sub(cur, cur_left(cur), &blk);
    } else {
        cur_sub(cur, total, &blk);
    }
    field *list = field_list(s, parent, "extensions", start, cur_offset(cur) - start);
    x->types = arena_alloc(&s->mem, (cur_left(&blk) / 4 + 1) * sizeof *x->types);
    x->n_types = 0;
    /* One bit per type, to catch duplicates; the bits set here are
     * cleared again below, so the table costs nothing per block. */
    static _Thread_local uint8_t seen[8192];
    while (!cur_empty(&blk)) {
        size_t eoff = cur_offset(&blk);
        uint16_t type = 0, len = 0;
        if (cur_left(&blk) < 4) {
            field_malformed(s, list, eoff, cur_left(&blk),
                            "extension: expected a 4-byte type and length, found %zu byte%s", cur_left(&blk),
                            cur_left(&blk) == 1 ? "" : "s");
            framing = false;
            break;
        }
        cur_u16(&blk, &type);
        cur_u16(&blk, &len);
        const char *name = hs_ext_name(type);
        field *obj = field_object(s, list, "extension", eoff, 4 + (size_t)len);
        field_code(s, obj, "type", eoff, 2, type, 4, name);
        field_uint(s, obj, "length", eoff + 2, 2, len);
        if (len > cur_left(&blk)) {
            field_set_extent(obj, eoff, cur_end_offset(&blk) - eoff);
            field_malformed(s, obj, eoff + 2, cur_end_offset(&blk) - eoff - 2,
                            "%s: length %u runs past the end of the extensions (%zu bytes left)",
                            name ? name : "extension", len, cur_left(&blk));
            framing = false;
            break;
        }
        x->types[x->n_types++] = type;
        if (seen[type >> 3] & (1u << (type & 7)))
            field_malformed(s, obj, eoff, 2, "%s: the extension appears more than once", name ? name : "extension");
        seen[type >> 3] |= (uint8_t)(1u << (type & 7));
        cursor body;
        cur_sub(&blk, len, &body);
        char what[96];   /* for messages: "the <name> extension" */
        text_join3(what, sizeof what, "the ", name ? name : "unknown", " extension");
        ext_body e = { x, s, obj, &body, what };
        if (decode_body(&e, type)) hs_trailing(s, obj, &body, what);
        x->count++;
    }
    for (size_t i = 0; i < x->n_types; i++) seen[x->types[i] >> 3] = 0;
    return framing;
}
