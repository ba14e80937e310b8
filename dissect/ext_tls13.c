/* TLS 1.3-era hello extensions: pre_shared_key, early_data,
 * supported_versions, cookie, oid_filters, key_share, Encrypted Client
 * Hello and application_settings.  The rest, and the framing, are in
 * extensions.c. */
#include <stdio.h>
#include <string.h>

#include "dissect/hs_internal.h"

bool ext_pre_shared_key(ext_body *e)
{
    ext_ctx *x = e->x;
    if (x->msg == EXT_SERVER_HELLO) {
        if (!hs_u16(e->s, e->obj, "selected_identity", e->b, NULL)) {
            hs_short(e->s, e->obj, e->b, "selected_identity", 2);
            return false;
        }
        x->has_psk = true;
        return true;
    }
    if (x->msg == EXT_CLIENT_HELLO) x->c->client_offered_psk = true;
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, 2, "identities", &in)) return false;
    field *list = field_list(e->s, e->obj, "identities", off, cur_offset(e->b) - off);
    while (!cur_empty(&in)) {
        size_t ioff = cur_offset(&in);
        field *id = field_object(e->s, list, "psk_identity", ioff, 0);
        bool ok = hs_opaque(e->s, id, "identity", &in, 2, NULL, NULL) != NULL;
        if (ok && !hs_u32(e->s, id, "obfuscated_ticket_age", &in, NULL)) {
            hs_short(e->s, id, &in, "obfuscated_ticket_age", 4);
            ok = false;
        }
        field_set_extent(id, ioff, (ok ? cur_offset(&in) : cur_end_offset(&in)) - ioff);
        if (!ok) return false;
    }
    return ext_opaque_list(e, 2, "binders", 1, "binder") != NULL;
}

bool ext_early_data(ext_body *e)
{
    ext_ctx *x = e->x;
    x->early_data = true;
    if (x->msg == EXT_NEW_SESSION_TICKET) {
        if (!hs_u32(e->s, e->obj, "max_early_data_size", e->b, &x->max_early_data)) {
            hs_short(e->s, e->obj, e->b, "max_early_data_size", 4);
            return false;
        }
        return true;
    }
    if (x->msg == EXT_CLIENT_HELLO) x->c->client_offered_early_data = true;
    return true;
}

bool ext_supported_versions(ext_body *e)
{
    ext_ctx *x = e->x;
    if (x->msg == EXT_SERVER_HELLO || x->msg == EXT_HELLO_RETRY_REQUEST) {
        x->selected_version_off = cur_offset(e->b);
        if (!hs_code16(e->s, e->obj, "selected_version", e->b, hs_version_name, &x->selected_version)) {
            hs_short(e->s, e->obj, e->b, "selected_version", 2);
            return false;
        }
        x->has_selected_version = true;
        return true;
    }
    uint16_t *vals = NULL;
    size_t n = 0;
    field *list = ext_code16_list(e, 1, "versions", "version", hs_version_name, false, &vals, &n);
    if (!list) return false;
    x->versions_list = list;
    if (x->hl) {
        x->hl->versions = vals;
        x->hl->n_versions = n;
    }
    if (x->msg == EXT_CLIENT_HELLO) {
        conn_state *c = x->c;
        for (size_t i = 0; i < n; i++) {
            if (tls_is_grease(vals[i])) continue;
            if (c->n_offered_versions < sizeof c->offered_versions / sizeof c->offered_versions[0])
                c->offered_versions[c->n_offered_versions++] = vals[i];
        }
    }
    return true;
}

bool ext_cookie(ext_body *e)
{
    e->x->has_cookie = true;
    return hs_opaque(e->s, e->obj, "cookie", e->b, 2, NULL, NULL) != NULL;
}

bool ext_oid_filters(ext_body *e)
{
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, 2, "filters", &in)) return false;
    field *list = field_list(e->s, e->obj, "filters", off, cur_offset(e->b) - off);
    while (!cur_empty(&in)) {
        size_t foff = cur_offset(&in);
        field *f = field_object(e->s, list, "filter", foff, 0);
        bool ok = hs_opaque(e->s, f, "certificate_extension_oid", &in, 1, NULL, NULL) &&
                  hs_opaque(e->s, f, "certificate_extension_values", &in, 2, NULL, NULL);
        field_set_extent(f, foff, (ok ? cur_offset(&in) : cur_end_offset(&in)) - foff);
        if (!ok) return false;
    }
    return true;
}

/* group + key_exchange into `entry`, which grows to cover them. */
static bool key_share_entry(ext_body *e, field *entry, cursor *in, uint16_t *group)
{
    size_t off = cur_offset(in);
    bool ok = true;
    if (!hs_code16(e->s, entry, "group", in, hs_group_name, group)) {
        hs_short(e->s, entry, in, "group", 2);
        ok = false;
    }
    if (ok && !hs_opaque(e->s, entry, "key_exchange", in, 2, NULL, NULL)) ok = false;
    field_set_extent(entry, off, (ok ? cur_offset(in) : cur_end_offset(in)) - off);
    return ok;
}

bool ext_key_share(ext_body *e)
{
    ext_ctx *x = e->x;
    if (x->msg == EXT_HELLO_RETRY_REQUEST) {
        if (!hs_code16(e->s, e->obj, "selected_group", e->b, hs_group_name, &x->key_share_group)) {
            hs_short(e->s, e->obj, e->b, "selected_group", 2);
            return false;
        }
        x->has_key_share = true;
        return true;
    }
    if (x->msg == EXT_SERVER_HELLO) {
        field *share = field_object(e->s, e->obj, "server_share", cur_offset(e->b), 0);
        uint16_t g;
        if (!key_share_entry(e, share, e->b, &g)) return false;
        x->has_key_share = true;
        x->key_share_group = g;
        return true;
    }
    size_t off = cur_offset(e->b);
    cursor in;
    if (!hs_block(e->s, e->obj, e->b, 2, "client_shares", &in)) return false;
    field *list = field_list(e->s, e->obj, "client_shares", off, cur_offset(e->b) - off);
    conn_state *c = x->c;
    while (!cur_empty(&in)) {
        uint16_t g;
        field *entry = field_object(e->s, list, "key_share_entry", cur_offset(&in), 0);
        if (!key_share_entry(e, entry, &in, &g)) return false;
        if (x->msg == EXT_CLIENT_HELLO && !tls_is_grease(g) &&
            c->n_client_key_shares < sizeof c->client_key_share_groups / sizeof c->client_key_share_groups[0])
            c->client_key_share_groups[c->n_client_key_shares++] = g;
    }
    return true;
}

static const char *hpke_kdf_name(uint16_t v)
{
    switch (v) {
    case 1: return "HKDF-SHA256";
    case 2: return "HKDF-SHA384";
    case 3: return "HKDF-SHA512";
    }
    return NULL;
}

static const char *hpke_aead_name(uint16_t v)
{
    switch (v) {
    case 1: return "AES-128-GCM";
    case 2: return "AES-256-GCM";
    case 3: return "ChaCha20Poly1305";
    case 0xffff: return "Export-only";
    }
    return NULL;
}

static const char *ech_type_name(uint8_t v)
{
    return v == 0 ? "outer" : v == 1 ? "inner" : NULL;
}

bool ext_encrypted_client_hello(ext_body *e)
{
    ext_ctx *x = e->x;
    if (x->msg == EXT_ENCRYPTED_EXTENSIONS) {
        hs_hex_rest(e->s, e->obj, "retry_configs", e->b);
        return true;
    }
    if (x->msg == EXT_HELLO_RETRY_REQUEST) {
        hs_hex_rest(e->s, e->obj, "confirmation", e->b);
        return true;
    }
    uint8_t type;
    if (!hs_code8(e->s, e->obj, "ech_type", e->b, ech_type_name, &type)) {
        hs_short(e->s, e->obj, e->b, "ech_type", 1);
        return false;
    }
    if (type != 0) return true;   /* inner: nothing more */
    uint16_t len;
    if (!hs_code16(e->s, e->obj, "kdf_id", e->b, hpke_kdf_name, NULL) ||
        !hs_code16(e->s, e->obj, "aead_id", e->b, hpke_aead_name, NULL) ||
        !hs_u8(e->s, e->obj, "config_id", e->b, NULL)) {
        hs_short(e->s, e->obj, e->b, "cipher suite and config_id", 5);
        return false;
    }
    if (!hs_opaque(e->s, e->obj, "enc", e->b, 2, NULL, NULL)) return false;
    cursor peek = *e->b;
    if (!hs_u16(e->s, e->obj, "payload_length", &peek, &len)) {
        hs_short(e->s, e->obj, e->b, "payload", 2);
        return false;
    }
    return hs_opaque(e->s, e->obj, "payload", e->b, 2, NULL, NULL) != NULL;
}

bool ext_application_settings(ext_body *e)
{
    if (e->x->msg == EXT_CLIENT_HELLO) return ext_protocol_list(e, "protocols", NULL, 0, NULL, NULL, NULL) != NULL;
    hs_hex_rest(e->s, e->obj, "settings", e->b);
    return true;
}

