/* ServerKeyExchange and ClientKeyExchange: their shape depends on the key
 * exchange of the suite the ServerHello chose (c->cipher_suite). */
#include <stdio.h>
#include <string.h>

#include "dissect/hs_internal.h"
#include "dissect/format.h"

static const char *curve_type_name(uint8_t v)
{
    switch (v) {
    case 1: return "explicit_prime";
    case 2: return "explicit_char2";
    case 3: return "named_curve";
    }
    return NULL;
}

static bool kx_is_ec(tls_kx kx)
{
    return kx == KX_ECDHE_RSA || kx == KX_ECDHE_ECDSA || kx == KX_ECDH_RSA || kx == KX_ECDH_ECDSA ||
           kx == KX_ECDH_ANON || kx == KX_ECDHE_PSK;
}

static bool kx_is_dh(tls_kx kx)
{
    return kx == KX_DHE_RSA || kx == KX_DHE_DSS || kx == KX_DH_RSA || kx == KX_DH_DSS || kx == KX_DH_ANON ||
           kx == KX_DHE_PSK;
}

static bool kx_is_psk(tls_kx kx)
{
    return kx == KX_PSK || kx == KX_DHE_PSK || kx == KX_RSA_PSK || kx == KX_ECDHE_PSK;
}

static bool kx_signed(tls_kx kx)
{
    return kx == KX_ECDHE_RSA || kx == KX_ECDHE_ECDSA || kx == KX_DHE_RSA || kx == KX_DHE_DSS || kx == KX_RSA ||
           kx == KX_SRP;
}

/* Bits of a big-endian unsigned number. */
static unsigned bit_length(const uint8_t *p, size_t n)
{
    cursor c = cur_make(p, n);
    uint8_t b = 0;
    while (cur_u8(&c, &b) && b == 0) {
    }
    if (!b) return 0;
    unsigned bits = (unsigned)cur_left(&c) * 8;
    while (b) {
        bits++;
        b >>= 1;
    }
    return bits;
}

static bool ec_params(step *s, cursor *cur, kx_narration *k)
{
    uint8_t type;
    if (!hs_code8(s, NULL, "curve_type", cur, curve_type_name, &type)) {
        hs_short(s, NULL, cur, "curve_type", 1);
        return false;
    }
    if (type != 3) {
        /* Explicit curves (long deprecated): shown raw. */
        hs_hex_rest(s, NULL, "explicit_curve", cur);
        return false;
    }
    if (!hs_code16(s, NULL, "named_curve", cur, hs_group_name, &k->group)) {
        hs_short(s, NULL, cur, "named_curve", 2);
        return false;
    }
    k->has_group = true;
    return hs_opaque(s, NULL, "public", cur, 1, NULL, &k->length) != NULL;
}

static bool dh_params(step *s, cursor *cur, kx_narration *k)
{
    const uint8_t *p;
    size_t n;
    field *pf = hs_opaque(s, NULL, "dh_p", cur, 2, &p, &n);
    if (!pf) return false;
    k->p_bits = bit_length(p, n);
    field_uint(s, NULL, "p_bits", pf->offset, pf->length, k->p_bits);
    if (!hs_opaque(s, NULL, "dh_g", cur, 2, NULL, NULL)) return false;
    return hs_opaque(s, NULL, "dh_Ys", cur, 2, NULL, &k->length) != NULL;
}

static bool psk_hint(step *s, cursor *cur, const char *name)
{
    cursor in;
    if (!hs_block(s, NULL, cur, 2, name, &in)) return false;
    size_t off = cur_offset(&in);
    const uint8_t *p;
    size_t n;
    cur_skip_rest(&in, &p, &n);
    hs_text(s, NULL, name, off, p, n);
    return true;
}

/* The signature over the parameters; TLS 1.2 names its algorithm first.
 * With the version unknown, the shape decides. */
static void params_signature(const conn_state *c, step *s, cursor *cur, kx_narration *k)
{
    bool alg = hs_has_sigalg(c->version);
    if (!c->version) {
        uint16_t l;
        alg = cur_peek_u16(cur, 2, &l) && (size_t)l + 4 == cur_left(cur);
    }
    if (alg) {
        uint16_t v;
        field *f = hs_sigalg(s, NULL, "signature_algorithm", cur, &v);
        if (!f) {
            hs_short(s, NULL, cur, "signature_algorithm", 2);
            return;
        }
        k->has_sigalg = true;
        k->sigalg = f->value;
    }
    k->signed_params = true;
    if (hs_opaque(s, NULL, "signature", cur, 2, NULL, NULL)) hs_trailing(s, NULL, cur, "the signature");
}

static void summarize_kx(step *s, const kx_narration *k, bool server)
{
    char buf[200];
    const char *kn = k->known ? tls_kx_name(k->kx) : "unknown key exchange";
    size_t n = (size_t)text_format(buf, sizeof buf, "%s", kn ? kn : "?");
    if (k->has_group && n < sizeof buf) {
        const char *g = hs_group_name(k->group);
        n += (size_t)text_format(buf + n, sizeof buf - n, " %s", g ? g : "unknown group");
    }
    if (k->p_bits && n < sizeof buf) n += (size_t)text_format(buf + n, sizeof buf - n, " %u-bit", k->p_bits);
    if (k->sigalg && n < sizeof buf) n += (size_t)text_format(buf + n, sizeof buf - n, ", %s", k->sigalg);
    if (!server && k->length && n < sizeof buf) text_format(buf + n, sizeof buf - n, ", %zu bytes", k->length);
    step_summarize(s, "%s", buf);
}

void hs_server_key_exchange(conn_state *c, step *s, cursor *cur)
{
    tls_suite_info info;
    kx_narration k;
    memset(&k, 0, sizeof k);
    k.known = c->have_cipher_suite && tls_suite_info_get(c->cipher_suite, &info);
    k.kx = k.known ? info.kx : KX_OTHER;
    if (!k.known) {
        /* Without the suite, ECDHE parameters are recognisable by shape. */
        uint8_t t;
        if (cur_peek_u8(cur, 0, &t) && t == 3) {
            k.kx = KX_ECDHE_RSA;
            k.ec = true;
            if (ec_params(s, cur, &k)) params_signature(c, s, cur, &k);
            c->group = k.has_group ? k.group : c->group;
        } else {
            hs_hex_rest(s, NULL, "raw", cur);
        }
        summarize_kx(s, &k, true);
        narrate_server_key_exchange(c, s, &k);
        return;
    }
    bool ok = true;
    if (kx_is_psk(k.kx)) {
        k.psk_hint = true;
        ok = psk_hint(s, cur, "psk_identity_hint");
    }
    if (ok && kx_is_ec(k.kx)) {
        k.ec = true;
        ok = ec_params(s, cur, &k);
        if (k.has_group) c->group = k.group;
    } else if (ok && kx_is_dh(k.kx)) {
        k.dh = true;
        ok = dh_params(s, cur, &k);
    } else if (ok && k.kx == KX_RSA) {
        /* Export suites: a temporary RSA key. */
        const uint8_t *p;
        size_t n;
        k.rsa_export = true;
        field *f = hs_opaque(s, NULL, "rsa_modulus", cur, 2, &p, &n);
        ok = f && hs_opaque(s, NULL, "rsa_exponent", cur, 2, NULL, NULL);
        if (f) k.rsa_bits = bit_length(p, n);
    } else if (ok && k.kx == KX_SRP) {
        ok = hs_opaque(s, NULL, "srp_N", cur, 2, NULL, NULL) && hs_opaque(s, NULL, "srp_g", cur, 2, NULL, NULL) &&
             hs_opaque(s, NULL, "srp_s", cur, 1, NULL, NULL) && hs_opaque(s, NULL, "srp_B", cur, 2, NULL, NULL);
    } else if (ok && !kx_is_psk(k.kx)) {
        hs_hex_rest(s, NULL, "raw", cur);
        ok = false;
    }
    if (ok && (kx_signed(k.kx) || (k.kx == KX_SRP && !cur_empty(cur)))) params_signature(c, s, cur, &k);
    else if (ok) hs_trailing(s, NULL, cur, "the key exchange parameters");
    summarize_kx(s, &k, true);
    narrate_server_key_exchange(c, s, &k);
}

void hs_client_key_exchange(conn_state *c, step *s, cursor *cur)
{
    tls_suite_info info;
    kx_narration k;
    memset(&k, 0, sizeof k);
    k.known = c->have_cipher_suite && tls_suite_info_get(c->cipher_suite, &info);
    k.kx = k.known ? info.kx : KX_OTHER;
    bool ok = true;
    if (!k.known) {
        uint8_t l8;
        uint16_t l16;
        size_t left = cur_left(cur);
        if (cur_peek_u8(cur, 0, &l8) && (size_t)l8 + 1 == left) {
            k.ec = true;
            ok = hs_opaque(s, NULL, "public", cur, 1, NULL, &k.length) != NULL;
        } else if (cur_peek_u16(cur, 0, &l16) && (size_t)l16 + 2 == left) {
            /* RSA's encrypted secret or a DH public value: cannot tell. */
            ok = hs_opaque(s, NULL, "exchange_keys", cur, 2, NULL, &k.length) != NULL;
        } else {
            k.length = left;
            hs_hex_rest(s, NULL, "raw", cur);
        }
        summarize_kx(s, &k, false);
        narrate_client_key_exchange(c, s, &k);
        return;
    }
    if (kx_is_psk(k.kx)) {
        k.psk_hint = true;
        ok = psk_hint(s, cur, "psk_identity");
    }
    if (!ok) {
        /* reported */
    } else if (kx_is_ec(k.kx)) {
        k.ec = true;
        k.has_group = c->group != 0;
        k.group = c->group;
        /* Fixed ECDH with a client certificate may send nothing. */
        if (!cur_empty(cur) || k.kx == KX_ECDHE_RSA || k.kx == KX_ECDHE_ECDSA || k.kx == KX_ECDHE_PSK)
            ok = hs_opaque(s, NULL, "public", cur, 1, NULL, &k.length) != NULL;
    } else if (kx_is_dh(k.kx)) {
        k.dh = true;
        if (!cur_empty(cur) || k.kx == KX_DHE_RSA || k.kx == KX_DHE_DSS || k.kx == KX_DHE_PSK)
            ok = hs_opaque(s, NULL, "dh_Yc", cur, 2, NULL, &k.length) != NULL;
    } else if (k.kx == KX_RSA || k.kx == KX_RSA_PSK) {
        uint16_t l;
        bool prefix = c->version != 0x0300;
        if (!c->version) prefix = cur_peek_u16(cur, 0, &l) && (size_t)l + 2 == cur_left(cur);
        if (prefix) {
            ok = hs_opaque(s, NULL, "encrypted_pre_master", cur, 2, NULL, &k.length) != NULL;
        } else {
            /* SSL 3.0 sends the encrypted secret without a length. */
            k.ssl3_no_prefix = true;
            k.length = cur_left(cur);
            hs_hex_rest(s, NULL, "encrypted_pre_master", cur);
        }
    } else if (k.kx == KX_SRP) {
        ok = hs_opaque(s, NULL, "srp_A", cur, 2, NULL, &k.length) != NULL;
    } else if (k.kx != KX_PSK) {
        k.length = cur_left(cur);
        hs_hex_rest(s, NULL, "raw", cur);
    }
    if (ok) hs_trailing(s, NULL, cur, "the key exchange");
    summarize_kx(s, &k, false);
    narrate_client_key_exchange(c, s, &k);
}
