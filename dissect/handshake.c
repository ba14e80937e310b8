/* Handshake messages: the 4-byte header, dispatch by msg_type, and the
 * small helpers every decoder of a message body uses. */
#include "dissect/handshake.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dissect/format.h"
#include "dissect/hs_internal.h"

/* ---- versions ---- */

bool hs_is_tls13(uint16_t v)
{
    return v == 0x0304 || v == 0xfefc || (v & 0xff00) == 0x7f00 || (v & 0xff00) == 0x7e00;
}

bool hs_has_sigalg(uint16_t v)
{
    return v == 0x0303 || v == 0xfefd || hs_is_tls13(v);
}

uint16_t hs_version(const conn_state *c) { return c->version; }

/* ---- names ---- */

const char *hs_suite_name(uint16_t v) { return tls_is_grease(v) ? "GREASE" : tls_cipher_suite_name(v); }
const char *hs_group_name(uint16_t v) { return tls_is_grease(v) ? "GREASE" : tls_group_name(v); }
const char *hs_ext_name(uint16_t v) { return tls_is_grease(v) ? "GREASE" : tls_extension_name(v); }
const char *hs_version_name(uint16_t v) { return tls_is_grease(v) ? "GREASE" : tls_version_name(v); }

/* TLS 1.2 SignatureAndHashAlgorithm pairs the scheme registry lacks, as
 * "signature_hash": clients commonly offer several in every hello, so
 * the names of the small codes are made once, from the two registries. */
enum { PAIR_CODES = 16, PAIR_NAME = 48 };
static char pair_names[PAIR_CODES][PAIR_CODES][PAIR_NAME];   /* [hash][signature], "" for none */
static pthread_once_t pair_names_once = PTHREAD_ONCE_INIT;

static void make_pair_names(void)
{
    for (unsigned h = 0; h < PAIR_CODES; h++)
        for (unsigned g = 0; g < PAIR_CODES; g++) {
            const char *hash = tls_hash_algorithm_name((uint8_t)h), *sig = tls_signature_algorithm_name((uint8_t)g);
            if (hash && sig) text_format(pair_names[h][g], PAIR_NAME, "%s_%s", sig, hash);
        }
}

const char *hs_sigalg_name(step *s, uint16_t v)
{
    if (tls_is_grease(v)) return "GREASE";
    const char *n = tls_signature_scheme_name(v);
    if (n) return n;
    uint8_t h = (uint8_t)(v >> 8), g = (uint8_t)(v & 0xff);
    if (h < PAIR_CODES && g < PAIR_CODES) {
        pthread_once(&pair_names_once, make_pair_names);
        return pair_names[h][g][0] ? pair_names[h][g] : NULL;
    }
    const char *hash = tls_hash_algorithm_name(h), *sig = tls_signature_algorithm_name(g);
    if (hash && sig) return arena_printf(&s->mem, "%s_%s", sig, hash);
    return NULL;
}

/* ---- field helpers ---- */

field *hs_u8(step *s, field *parent, const char *name, cursor *cur, uint8_t *out)
{
    size_t off = cur_offset(cur);
    uint8_t v;
    if (!cur_u8(cur, &v)) return NULL;
    if (out) *out = v;
    return field_uint(s, parent, name, off, 1, v);
}

field *hs_u16(step *s, field *parent, const char *name, cursor *cur, uint16_t *out)
{
    size_t off = cur_offset(cur);
    uint16_t v;
    if (!cur_u16(cur, &v)) return NULL;
    if (out) *out = v;
    return field_uint(s, parent, name, off, 2, v);
}

field *hs_u24(step *s, field *parent, const char *name, cursor *cur, uint32_t *out)
{
    size_t off = cur_offset(cur);
    uint32_t v;
    if (!cur_u24(cur, &v)) return NULL;
    if (out) *out = v;
    return field_uint(s, parent, name, off, 3, v);
}

field *hs_u32(step *s, field *parent, const char *name, cursor *cur, uint32_t *out)
{
    size_t off = cur_offset(cur);
    uint32_t v;
    if (!cur_u32(cur, &v)) return NULL;
    if (out) *out = v;
    return field_uint(s, parent, name, off, 4, v);
}

field *hs_code8(step *s, field *parent, const char *name, cursor *cur,
                const char *(*namefn)(uint8_t), uint8_t *out)
{
    size_t off = cur_offset(cur);
    uint8_t v;
    if (!cur_u8(cur, &v)) return NULL;
    if (out) *out = v;
    return field_code(s, parent, name, off, 1, v, 2, namefn ? namefn(v) : NULL);
}

field *hs_code16(step *s, field *parent, const char *name, cursor *cur,
                 const char *(*namefn)(uint16_t), uint16_t *out)
{
    size_t off = cur_offset(cur);
    uint16_t v;
    if (!cur_u16(cur, &v)) return NULL;
    if (out) *out = v;
    const char *label = tls_is_grease(v) ? "GREASE" : namefn ? namefn(v) : NULL;
    return field_code(s, parent, name, off, 2, v, 4, label);
}

field *hs_sigalg(step *s, field *parent, const char *name, cursor *cur, uint16_t *out)
{
    size_t off = cur_offset(cur);
    uint16_t v;
    if (!cur_u16(cur, &v)) return NULL;
    if (out) *out = v;
    return field_code(s, parent, name, off, 2, v, 4, hs_sigalg_name(s, v));
}

field *hs_hex(step *s, field *parent, const char *name, cursor *cur, size_t n, const uint8_t **out)
{
    size_t off = cur_offset(cur);
    const uint8_t *p;
    if (!cur_bytes(cur, n, &p)) return NULL;
    if (out) *out = p;
    return field_hex(s, parent, name, off, n, p, n);
}

field *hs_hex_rest(step *s, field *parent, const char *name, cursor *cur)
{
    size_t off = cur_offset(cur);
    const uint8_t *p;
    size_t n;
    cur_skip_rest(cur, &p, &n);
    return field_hex(s, parent, name, off, n, p, n);
}

bool hs_block(step *s, field *parent, cursor *cur, unsigned len_bytes, const char *what, cursor *inner)
{
    size_t off = cur_offset(cur);
    size_t left = cur_left(cur);
    if (left < len_bytes) {
        field_malformed(s, parent, off, left, "%s: expected a %u-byte length, found %zu byte%s", what,
                        len_bytes, left, left == 1 ? "" : "s");
        return false;
    }
    uint32_t len = 0;
    uint8_t b = 0;
    for (unsigned i = 0; i < len_bytes; i++) {
        cur_peek_u8(cur, i, &b);
        len = len << 8 | b;
    }
    if (!cur_block(cur, len_bytes, inner)) {
        cur->failed = false;
        field_malformed(s, parent, off, left, "%s: length %u runs past the end (%zu byte%s left)", what, len,
                        left - len_bytes, left - len_bytes == 1 ? "" : "s");
        return false;
    }
    return true;
}

field *hs_opaque(step *s, field *parent, const char *name, cursor *cur, unsigned len_bytes,
                 const uint8_t **out, size_t *out_len)
{
    cursor in;
    if (!hs_block(s, parent, cur, len_bytes, name, &in)) return NULL;
    size_t off = cur_offset(&in);
    const uint8_t *p;
    size_t n;
    cur_skip_rest(&in, &p, &n);
    if (out) *out = p;
    if (out_len) *out_len = n;
    return field_hex(s, parent, name, off, n, p, n);
}

void hs_short(step *s, field *parent, const cursor *cur, const char *what, size_t need)
{
    size_t left = cur_left(cur);
    field_malformed(s, parent, cur_offset(cur), left, "%s: expected %zu byte%s, found %zu", what, need,
                    need == 1 ? "" : "s", left);
}

bool hs_trailing(step *s, field *parent, const cursor *cur, const char *after)
{
    size_t left = cur_left(cur);
    if (!left) return false;
    field_malformed(s, parent, cur_offset(cur), left, "%zu unexpected byte%s after %s", left,
                    left == 1 ? "" : "s", after);
    return true;
}

void hs_escape(char *out, size_t cap, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t k = 0;
    if (!cap) return;
    cursor c = cur_make(p, n);
    uint8_t ch;
    while (cur_u8(&c, &ch)) {
        char tmp[4];
        size_t m;
        if (ch == '\\') {
            tmp[0] = tmp[1] = '\\';
            m = 2;
        } else if (ch >= 0x20 && ch < 0x7f) {
            tmp[0] = (char)ch;
            m = 1;
        } else {
            tmp[0] = '\\';
            tmp[1] = 'x';
            tmp[2] = digits[ch >> 4];
            tmp[3] = digits[ch & 15];
            m = 4;
        }
        if (k + m >= cap) break;
        memcpy(out + k, tmp, m);
        k += m;
    }
    out[k] = '\0';
}

field *hs_text(step *s, field *parent, const char *name, size_t off, const uint8_t *p, size_t n)
{
    size_t cap = 4 * n + 1;
    char *text = arena_alloc(&s->mem, cap);
    hs_escape(text, cap, p, n);
    field *f = field_text(s, parent, name, off, n, "%s", "");
    f->value = text;
    return f;
}

const field *hs_first_malformed(const field *f)
{
    for (const field *k = f ? f->first : NULL; k; k = k->next) {
        if (k->malformed) return k;
        const field *m = hs_first_malformed(k);
        if (m) return m;
    }
    return NULL;
}

/* JSON objects need unique keys: a second problem in the same object
 * becomes "malformed_2", and so on. */
static void unique_malformed_keys(step *s, field *f)
{
    unsigned n = 0;
    for (field *k = f->first; k; k = k->next) {
        if (f->shape == FIELD_OBJECT && k->malformed && k->shape == FIELD_LEAF && strcmp(k->name, "malformed") == 0 &&
            ++n > 1)
            k->name = arena_printf(&s->mem, "malformed_%u", n);
        unique_malformed_keys(s, k);
    }
}

void hs_finish_tree(step *s)
{
    if (s->malformed) unique_malformed_keys(s, s->root);
}

/* ---- dispatch ---- */

void handshake_decode(conn_state *c, step *s)
{
    cursor cur = cur_make(s->bytes, s->nbytes);
    uint8_t type;
    uint32_t len;
    if (!hs_code8(s, NULL, "handshake_type", &cur, tls_handshake_type_name, &type)) {
        hs_short(s, NULL, &cur, "handshake_type", 1);
        step_summarize(s, "empty handshake message");
        narrate_malformed(s);
        c->malformed = true;
        hs_finish_tree(s);
        return;
    }
    s->msg_type = type;
    const char *name = tls_handshake_type_name(type);
    s->name = name ? name : "unknown_handshake";
    if (!hs_u24(s, NULL, "length", &cur, &len)) {
        hs_short(s, NULL, &cur, "length", 3);
        step_summarize(s, "%s, truncated header", s->name);
        narrate_malformed(s);
        c->malformed = true;
        hs_finish_tree(s);
        return;
    }
    cursor body;
    if (len > cur_left(&cur)) {
        field_malformed(s, NULL, 1, 3, "length: the header says %u bytes, only %zu are present", len,
                        cur_left(&cur));
        cur_sub(&cur, cur_left(&cur), &body);
    } else {
        cur_sub(&cur, len, &body);
        hs_trailing(s, NULL, &cur, "the end of the message");
    }

    switch (type) {
    case 0: case 5: case 14: hs_empty_message(c, s, &body); break;
    case 1: hs_client_hello(c, s, &body); break;
    case 2: hs_server_hello(c, s, &body); break;
    case 3: hs_hello_verify_request(c, s, &body); break;
    case 4: hs_new_session_ticket(c, s, &body); break;
    case 8: hs_encrypted_extensions(c, s, &body); break;
    case 11: hs_certificate(c, s, &body); break;
    case 12: hs_server_key_exchange(c, s, &body); break;
    case 13: hs_certificate_request(c, s, &body); break;
    case 15: hs_certificate_verify(c, s, &body); break;
    case 16: hs_client_key_exchange(c, s, &body); break;
    case 20: hs_finished(c, s, &body); break;
    case 22: hs_certificate_status(c, s, &body); break;
    case 24: hs_key_update(c, s, &body); break;
    case 25: hs_compressed_certificate(c, s, &body); break;
    case 67: hs_next_protocol(c, s, &body); break;
    case 254: hs_message_hash(c, s, &body); break;
    default: hs_unknown(c, s, &body); break;
    }
    if (!s->summary) step_summarize(s, "%s", s->name);
    if (s->malformed) {
        c->malformed = true;
        narrate_malformed(s);
    }
    hs_finish_tree(s);
}
