/* ClientHello, ServerHello (HelloRetryRequest included) and the
 * SSLv2-compatible ClientHello. */
#include <stdio.h>
#include <string.h>

#include "dissect/fingerprint.h"
#include "dissect/format.h"
#include "dissect/handshake.h"
#include "dissect/hs_internal.h"

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 4.1.3: the last 8 bytes of a TLS 1.3 server's random when it
 * negotiates TLS 1.2 ("DOWNGRD" 01) or TLS 1.1 and below ("DOWNGRD" 00). */
static const uint8_t downgrade_prefix[7] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44 };

/* A copy of a subtree under a new parent and name (same offsets). */
static field *clone_field(step *s, field *parent, const field *src, const char *name)
{
    field *f;
    if (src->shape == FIELD_LIST) f = field_list(s, parent, name, src->offset, src->length);
    else if (src->shape == FIELD_OBJECT) f = field_object(s, parent, name, src->offset, src->length);
    else {
        f = field_text(s, parent, name, src->offset, src->length, "%s", "");
        f->value = src->value;
        f->json = src->json;
        f->code = src->code;
        f->code_digits = src->code_digits;
        f->malformed = src->malformed;
        return f;
    }
    for (const field *k = src->first; k; k = k->next) clone_field(s, f, k, k->name);
    return f;
}

static void fill_fp(fp_client_hello *fp, uint16_t legacy, const uint16_t *ciphers, size_t n_ciphers,
                    const hello_lists *hl)
{
    memset(fp, 0, sizeof *fp);
    fp->legacy_version = legacy;
    fp->ciphers = ciphers;
    fp->n_ciphers = n_ciphers;
    fp->extensions = hl->exts;
    fp->n_extensions = hl->n_exts;
    fp->groups = hl->groups;
    fp->n_groups = hl->n_groups;
    fp->point_formats = hl->point_formats;
    fp->n_point_formats = hl->n_point_formats;
    fp->sig_algs = hl->sig_algs;
    fp->n_sig_algs = hl->n_sig_algs;
    fp->versions = hl->versions;
    fp->n_versions = hl->n_versions;
    fp->has_sni = hl->has_sni;
    fp->alpn_first = hl->alpn_first;
    fp->alpn_first_len = hl->alpn_first_len;
    fp->dtls = legacy == 0xfeff || legacy == 0xfefd || legacy == 0xfefc;
}

/* A text field whose value the step's arena already holds: no copy. */
static void field_arena_text(step *s, const char *name, size_t off, size_t len, const char *value)
{
    field *f = field_text(s, NULL, name, off, len, "%s", "");
    f->value = value;
}

/* src into dst[cap], cut to fit like snprintf. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n > cap - 1) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The strings go straight into the step's arena, each built once in room
 * for the longest it can be. */
static void client_fingerprints(conn_state *c, step *s, size_t off, size_t len, const fp_client_hello *fp)
{
    size_t cap = fp_ja3_bound(fp) + 1;
    char *ja3 = arena_alloc(&s->mem, cap);
    size_t n = fp_ja3_string(fp, ja3, cap);
    char *hash = arena_alloc(&s->mem, FP_MD5_HEX);
    fp_md5_hex(ja3, n, hash);
    char *ja4 = arena_alloc(&s->mem, FP_JA4_MAX);
    cap = fp_ja4_raw_bound(fp) + 1;
    char *ja4r = arena_alloc(&s->mem, cap);
    fp_ja4_and_raw(fp, ja4, ja4r, cap);
    field_arena_text(s, "ja3", off, len, ja3);
    field_arena_text(s, "ja3_hash", off, len, hash);
    field_arena_text(s, "ja4", off, len, ja4);
    field_arena_text(s, "ja4_r", off, len, ja4r);
    /* The first ClientHello of a connection is the one fingerprinted. */
    if (!c->ja3_hash[0]) {
        copy_cut(c->ja3, sizeof c->ja3, ja3);
        copy_cut(c->ja3_hash, sizeof c->ja3_hash, hash);
        copy_cut(c->ja4, sizeof c->ja4, ja4);
    }
}

static void summarize_client_hello(const conn_state *c, step *s)
{
    char buf[512];
    size_t k = 0;
    uint16_t top = c->client_legacy_version;
    for (unsigned i = 0; i < c->n_offered_versions; i++)
        if (i == 0 || c->offered_versions[i] > top) top = c->offered_versions[i];
    const char *vn = tls_version_name(top);
    k += (size_t)text_format(buf + k, sizeof buf - k, "%s, %u suite%s", vn ? vn : "unknown version",
                             c->n_offered_suites, c->n_offered_suites == 1 ? "" : "s");
    if (c->sni[0] && k < sizeof buf) k += (size_t)text_format(buf + k, sizeof buf - k, ", SNI %s", c->sni);
    if (c->alpn_offered[0] && k < sizeof buf)
        k += (size_t)text_format(buf + k, sizeof buf - k, ", ALPN %s", c->alpn_offered);
    if (c->client_offered_psk && k < sizeof buf) text_format(buf + k, sizeof buf - k, ", PSK");
    step_summarize(s, "%s", buf);
}

void hs_client_hello(conn_state *c, step *s, cursor *cur)
{
    size_t start = cur_offset(cur), end = cur_end_offset(cur);
    bool second = c->client_hello_seen && c->hello_retry_request;
    bool renegotiation = c->client_finished && c->server_finished && !hs_is_tls13(c->version);
    uint16_t legacy;
    const uint8_t *p;
    size_t n;

    /* What this hello offers replaces what an earlier one offered. */
    c->n_offered_versions = 0;
    c->n_client_key_shares = 0;
    c->n_offered_suites = 0;
    c->first_suite = 0;
    c->alpn_offered[0] = '\0';
    c->sni[0] = '\0';
    c->client_offered_ticket = c->client_offered_psk = c->client_offered_early_data = false;
    c->client_sent_ems = c->client_sent_etm = false;
    c->sslv2_hello = false;

    if (!hs_code16(s, NULL, "version", cur, hs_version_name, &legacy)) {
        hs_short(s, NULL, cur, "version", 2);
        goto done;
    }
    c->client_hello_seen = true;
    c->client_legacy_version = legacy;
    if (!hs_hex(s, NULL, "random", cur, 32, &p)) {
        hs_short(s, NULL, cur, "random", 32);
        goto done;
    }
    memcpy(c->client_random, p, 32);
    size_t sid_off = cur_offset(cur) + 1;
    if (!hs_opaque(s, NULL, "session_id", cur, 1, &p, &n)) goto done;
    if (n > 32) field_malformed(s, NULL, sid_off, n, "session_id: %zu bytes, at most 32 allowed", n);
    c->client_session_id_len = (uint8_t)(n > 32 ? 32 : n);
    if (n) memcpy(c->client_session_id, p, c->client_session_id_len);

    size_t list_off = cur_offset(cur);
    cursor cs;
    if (!hs_block(s, NULL, cur, 2, "cipher_suites", &cs)) goto done;
    field *list = field_list(s, NULL, "cipher_suites", list_off, cur_offset(cur) - list_off);
    size_t n_ciphers = 0;
    uint16_t *ciphers = arena_alloc(&s->mem, (cur_left(&cs) / 2 + 1) * sizeof *ciphers);
    uint16_t v;
    while (cur_left(&cs) >= 2) {
        hs_code16(s, list, "cipher_suite", &cs, hs_suite_name, &v);
        ciphers[n_ciphers++] = v;
        if (tls_is_grease(v)) continue;
        if (!c->n_offered_suites) c->first_suite = v;
        c->n_offered_suites++;
    }
    hs_trailing(s, list, &cs, "the last cipher suite (each takes 2 bytes)");
    if (!n_ciphers) field_malformed(s, list, list_off, 2, "cipher_suites: empty, at least one expected");

    list_off = cur_offset(cur);
    cursor cm;
    if (!hs_block(s, NULL, cur, 1, "compression_methods", &cm)) goto done;
    list = field_list(s, NULL, "compression_methods", list_off, cur_offset(cur) - list_off);
    while (!cur_empty(&cm)) hs_code8(s, list, "compression_method", &cm, tls_compression_method_name, NULL);

    hello_lists hl;
    memset(&hl, 0, sizeof hl);
    ext_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.s = s;
    x.msg = EXT_CLIENT_HELLO;
    x.hl = &hl;
    bool framing = true;
    if (!cur_empty(cur)) {
        framing = ext_decode_block(&x, NULL, cur);
        hs_trailing(s, NULL, cur, "the extensions");
    }
    hl.exts = x.types;
    hl.n_exts = x.n_types;
    if (x.sni_leaf) clone_field(s, NULL, x.sni_leaf, "sni");
    if (x.alpn_list) clone_field(s, NULL, x.alpn_list, "alpn");
    if (x.versions_list) clone_field(s, NULL, x.versions_list, "supported_versions");
    if (framing) {
        fp_client_hello fp;
        fill_fp(&fp, legacy, ciphers, n_ciphers, &hl);
        client_fingerprints(c, s, start, end - start, &fp);
    }

done:
    summarize_client_hello(c, s);
    narrate_client_hello(c, s, second, renegotiation);
}

/* ---- ServerHello ---- */

static void summarize_server_hello(const conn_state *c, step *s, bool hrr, uint16_t version, uint16_t suite,
                                   const ext_ctx *x)
{
    const char *vn = tls_version_name(version);
    const char *sn = tls_cipher_suite_name(suite);
    char buf[300];
    if (hrr) {
        if (x->has_key_share)
            text_format(buf, sizeof buf, "HelloRetryRequest, group %s",
                        hs_group_name(x->key_share_group) ? hs_group_name(x->key_share_group) : "unknown");
        else
            text_format(buf, sizeof buf, "HelloRetryRequest%s", x->has_cookie ? ", cookie" : "");
        step_summarize(s, "%s", buf);
        return;
    }
    size_t k = (size_t)text_format(buf, sizeof buf, "%s, %s", vn ? vn : "unknown version", sn ? sn : "unknown suite");
    if (x->has_key_share && k < sizeof buf) {
        const char *gn = hs_group_name(x->key_share_group);
        k += (size_t)text_format(buf + k, sizeof buf - k, ", %s", gn ? gn : "unknown group");
    }
    if (c->resumed && k < sizeof buf) k += (size_t)text_format(buf + k, sizeof buf - k, ", resumed");
    if (x->has_alpn && k < sizeof buf) text_format(buf + k, sizeof buf - k, ", ALPN %s", x->alpn);
    step_summarize(s, "%s", buf);
}

void hs_server_hello(conn_state *c, step *s, cursor *cur)
{
    size_t start = cur_offset(cur);
    uint16_t legacy = 0, suite = 0;
    uint8_t comp = 0;
    const uint8_t *random = NULL, *sid = NULL;
    size_t sid_len = 0, random_off = 0;
    bool hrr = false, downgrade = false, have_suite = false;
    ext_ctx x;
    memset(&x, 0, sizeof x);
    x.c = c;
    x.s = s;

    if (!hs_code16(s, NULL, "version", cur, hs_version_name, &legacy)) {
        hs_short(s, NULL, cur, "version", 2);
        goto done;
    }
    random_off = cur_offset(cur);
    if (!hs_hex(s, NULL, "random", cur, 32, &random)) {
        hs_short(s, NULL, cur, "random", 32);
        goto done;
    }
    hrr = memcmp(random, hrr_random, 32) == 0;
    x.msg = hrr ? EXT_HELLO_RETRY_REQUEST : EXT_SERVER_HELLO;
    /* Early TLS 1.3 drafts had neither session id nor compression. */
    bool draft = (legacy & 0xff00) == 0x7f00;
    if (!draft) {
        size_t sid_off = cur_offset(cur) + 1;
        if (!hs_opaque(s, NULL, "session_id", cur, 1, &sid, &sid_len)) goto done;
        if (sid_len > 32) field_malformed(s, NULL, sid_off, sid_len, "session_id: %zu bytes, at most 32 allowed", sid_len);
    }
    if (!hs_code16(s, NULL, "cipher_suite", cur, hs_suite_name, &suite)) {
        hs_short(s, NULL, cur, "cipher_suite", 2);
        goto done;
    }
    have_suite = true;
    if (!draft && !hs_code8(s, NULL, "compression_method", cur, tls_compression_method_name, &comp)) {
        hs_short(s, NULL, cur, "compression_method", 1);
        goto done;
    }
    if (!cur_empty(cur)) {
        ext_decode_block(&x, NULL, cur);
        hs_trailing(s, NULL, cur, "the extensions");
    }

done:
    if (!random) {
        summarize_server_hello(c, s, false, legacy, suite, &x);
        return;
    }
    uint16_t version = x.has_selected_version ? x.selected_version : legacy;
    if (x.has_selected_version)
        field_code(s, NULL, "selected_version", x.selected_version_off, 2, version, 4, hs_version_name(version));
    else
        field_code(s, NULL, "selected_version", start, 2, version, 4, hs_version_name(version));
    field_bool(s, NULL, "hello_retry_request", random_off, 32, hrr);
    if (!hrr) {
        cursor rc = cur_make(random, 32);
        const uint8_t *marker;
        uint8_t last = 0xff;
        cur_skip(&rc, 24);
        if (cur_bytes(&rc, 7, &marker) && memcmp(marker, downgrade_prefix, 7) == 0 && cur_u8(&rc, &last) &&
            last <= 1) {
            downgrade = true;
            field_text(s, NULL, "downgrade_sentinel", random_off + 24, 8, "%s",
                       last == 1 ? "tls12" : "tls11_or_below");
        }
    }
    if (have_suite) {
        size_t cap = fp_ja3s_bound(x.n_types) + 1;
        char *ja3s = arena_alloc(&s->mem, cap);
        size_t n = fp_ja3s_string(legacy, suite, x.types, x.n_types, ja3s, cap);
        char *hash = arena_alloc(&s->mem, FP_MD5_HEX);
        fp_md5_hex(ja3s, n, hash);
        size_t len = cur_end_offset(cur) - start;
        field_arena_text(s, "ja3s", start, len, ja3s);
        field_arena_text(s, "ja3s_hash", start, len, hash);
        if (!hrr) {
            copy_cut(c->ja3s, sizeof c->ja3s, ja3s);
            copy_cut(c->ja3s_hash, sizeof c->ja3s_hash, hash);
        }
    }

    /* What the connection learns. */
    uint16_t negotiated = version;
    if (hs_is_tls13(version) && version != 0x0304) {
        const char *vn = tls_version_name(version);
        conn_note(c, "The server chose %s, a pre-standard TLS 1.3; tlsview treats it as TLS 1.3.",
                  vn ? vn : "a draft of TLS 1.3");
        negotiated = 0x0304;
    }
    c->version = negotiated;
    if (have_suite) {
        c->cipher_suite = suite;
        c->have_cipher_suite = true;
    }
    if (hrr) {
        c->hello_retry_request = true;
        if (x.has_key_share) c->hrr_group = x.key_share_group;
        summarize_server_hello(c, s, true, version, suite, &x);
        narrate_hello_retry_request(c, s, x.has_key_share, x.key_share_group, x.has_cookie);
        return;
    }
    c->server_hello_seen = true;
    memcpy(c->server_random, random, 32);
    c->server_session_id_len = (uint8_t)(sid_len > 32 ? 32 : sid_len);
    if (sid_len) memcpy(c->server_session_id, sid, c->server_session_id_len);
    if (hs_is_tls13(negotiated)) {
        if (x.has_key_share) c->group = x.key_share_group;
        if (x.has_psk) {
            c->server_accepted_psk = true;
            c->resumed = true;
        }
    } else if (sid_len && sid_len == c->client_session_id_len &&
               memcmp(sid, c->client_session_id, c->client_session_id_len) == 0) {
        /* The server echoes the session id the client offered: resumption. */
        c->resumed = true;
    }
    if (x.has_alpn) text_format(c->alpn, sizeof c->alpn, "%s", x.alpn);
    (void)comp;
    summarize_server_hello(c, s, false, version, suite, &x);
    narrate_server_hello(c, s, downgrade);
}

/* ---- SSLv2-compatible ClientHello (RFC 5246 E.2, RFC 6101 E) ---- */

static const char *sslv2_cipher_name(uint32_t spec)
{
    switch (spec) {
    case 0x010080: return "SSL_CK_RC4_128_WITH_MD5";
    case 0x020080: return "SSL_CK_RC4_128_EXPORT40_WITH_MD5";
    case 0x030080: return "SSL_CK_RC2_128_CBC_WITH_MD5";
    case 0x040080: return "SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5";
    case 0x050080: return "SSL_CK_IDEA_128_CBC_WITH_MD5";
    case 0x060040: return "SSL_CK_DES_64_CBC_WITH_MD5";
    case 0x0700c0: return "SSL_CK_DES_192_EDE3_CBC_WITH_MD5";
    }
    if (spec <= 0xffff) return hs_suite_name((uint16_t)spec);
    return NULL;
}

void sslv2_client_hello_decode(conn_state *c, step *s)
{
    cursor cur = cur_make(s->bytes, s->nbytes);
    uint16_t hdr, ver, cs_len, sid_len, ch_len;
    uint8_t type;
    s->name = "client_hello";
    s->msg_type = 1;
    c->sslv2_hello = true;
    c->n_offered_versions = 0;
    c->n_client_key_shares = 0;
    c->n_offered_suites = 0;
    c->first_suite = 0;
    c->sni[0] = c->alpn_offered[0] = '\0';

    field_bool(s, NULL, "sslv2", 0, s->nbytes < 2 ? s->nbytes : 2, true);
    if (!cur_u16(&cur, &hdr)) {
        hs_short(s, NULL, &cur, "record header", 2);
        goto done;
    }
    /* Two-byte header: the top bit is set and the rest is the length. */
    field_uint(s, NULL, "record_length", 0, 2, hdr & 0x7fff);
    if (!(hdr & 0x8000))
        field_malformed(s, NULL, 0, 2, "record header: expected the top bit set (2-byte header), found 0x%04x", hdr);
    cursor body;
    if ((size_t)(hdr & 0x7fff) > cur_left(&cur)) {
        field_malformed(s, NULL, 0, 2, "record_length: %u bytes, only %zu present", hdr & 0x7fff, cur_left(&cur));
        cur_sub(&cur, cur_left(&cur), &body);
    } else {
        cur_sub(&cur, hdr & 0x7fff, &body);
        hs_trailing(s, NULL, &cur, "the record");
    }
    if (!hs_code8(s, NULL, "handshake_type", &body, tls_handshake_type_name, &type)) {
        hs_short(s, NULL, &body, "handshake_type", 1);
        goto done;
    }
    if (type != 1) field_malformed(s, NULL, 2, 1, "handshake_type: expected 1 (client_hello), found %u", type);
    if (!hs_code16(s, NULL, "version", &body, hs_version_name, &ver)) {
        hs_short(s, NULL, &body, "version", 2);
        goto done;
    }
    c->client_hello_seen = true;
    c->client_legacy_version = ver;
    if (!hs_u16(s, NULL, "cipher_specs_length", &body, &cs_len) ||
        !hs_u16(s, NULL, "session_id_length", &body, &sid_len) ||
        !hs_u16(s, NULL, "challenge_length", &body, &ch_len)) {
        hs_short(s, NULL, &body, "lengths", 2);
        goto done;
    }
    if (cs_len % 3) field_malformed(s, NULL, 5, 2, "cipher_specs_length: %u is not a multiple of 3", cs_len);
    if (ch_len < 16 || ch_len > 32)
        field_malformed(s, NULL, 9, 2, "challenge_length: %u, expected 16 to 32", ch_len);
    cursor specs;
    size_t off = cur_offset(&body);
    if (!cur_sub(&body, cs_len, &specs)) {
        body.failed = false;
        hs_short(s, NULL, &body, "cipher_specs", cs_len);
        goto done;
    }
    field *list = field_list(s, NULL, "cipher_specs", off, cs_len);
    bool have_first = false;
    while (cur_left(&specs) >= 3) {
        size_t so = cur_offset(&specs);
        uint32_t spec;
        cur_u24(&specs, &spec);
        field_code(s, list, "cipher_spec", so, 3, spec, 6, sslv2_cipher_name(spec));
        bool grease = spec <= 0xffff && tls_is_grease((uint16_t)spec);
        /* The first TLS suite (SSL 2.0 kinds have a non-zero first byte). */
        if (spec <= 0xffff && !grease && !have_first) {
            c->first_suite = (uint16_t)spec;
            have_first = true;
        }
        if (!grease) c->n_offered_suites++;
    }
    hs_trailing(s, list, &specs, "the last cipher spec (each takes 3 bytes)");
    const uint8_t *p;
    if (!hs_hex(s, NULL, "session_id", &body, sid_len, &p)) {
        hs_short(s, NULL, &body, "session_id", sid_len);
        goto done;
    }
    c->client_session_id_len = (uint8_t)(sid_len > 32 ? 32 : sid_len);
    if (sid_len) memcpy(c->client_session_id, p, c->client_session_id_len);
    if (!hs_hex(s, NULL, "challenge", &body, ch_len, &p)) {
        hs_short(s, NULL, &body, "challenge", ch_len);
        goto done;
    }
    /* The challenge, right-aligned and zero-padded, is the client random. */
    memset(c->client_random, 0, 32);
    size_t keep = ch_len > 32 ? 32 : ch_len;
    cursor chc = cur_make(p, ch_len);
    cur_skip(&chc, ch_len - keep);
    cur_copy(&chc, c->client_random + (32 - keep), keep);
    hs_trailing(s, NULL, &body, "the challenge");

done:
    {
        const char *vn = tls_version_name(c->client_legacy_version);
        step_summarize(s, "SSLv2-format hello, %s, %u cipher specs", vn ? vn : "unknown version",
                       c->n_offered_suites);
    }
    narrate_sslv2_client_hello(c, s);
    if (s->malformed) {
        c->malformed = true;
        narrate_malformed(s);
    }
    hs_finish_tree(s);
}
