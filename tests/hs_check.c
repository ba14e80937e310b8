#include "tests/hs_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/cursor.h"
#include "dissect/handshake.h"
#include "tests/testlib.h"

/* ---- building messages ---- */

void tb_init(tbuf *t) { memset(t, 0, sizeof *t); }

static void put(tbuf *t, uint8_t v)
{
    if (t->n < sizeof t->b) t->b[t->n++] = v;
}

void tb_u8(tbuf *t, unsigned v) { put(t, (uint8_t)v); }
void tb_u16(tbuf *t, unsigned v) { put(t, (uint8_t)(v >> 8)); put(t, (uint8_t)v); }
void tb_u24(tbuf *t, unsigned long v) { put(t, (uint8_t)(v >> 16)); tb_u16(t, (unsigned)(v & 0xffff)); }
void tb_u32(tbuf *t, unsigned long v) { tb_u16(t, (unsigned)(v >> 16)); tb_u16(t, (unsigned)(v & 0xffff)); }

void tb_bytes(tbuf *t, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) put(t, b[i]);
}

void tb_hex(tbuf *t, const char *hex)
{
    size_t n;
    uint8_t *b = test_unhex(hex, &n);
    tb_bytes(t, b, n);
    free(b);
}

void tb_fill(tbuf *t, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) put(t, v);
}

void tb_open(tbuf *t, unsigned len_bytes)
{
    t->at[t->depth] = t->n;
    t->width[t->depth] = len_bytes;
    t->depth++;
    for (unsigned i = 0; i < len_bytes; i++) put(t, 0);
}

void tb_close(tbuf *t)
{
    t->depth--;
    size_t at = t->at[t->depth];
    unsigned w = t->width[t->depth];
    size_t len = t->n - at - w;
    for (unsigned i = 0; i < w; i++) t->b[at + i] = (uint8_t)(len >> (8 * (w - 1 - i)));
}

void tb_message(tbuf *t, uint8_t type)
{
    tb_u8(t, type);
    tb_open(t, 3);
}

/* ---- decoding ---- */

static dissect_config test_cfg;

void conn_init(conn_state *c)
{
    memset(c, 0, sizeof *c);
    test_cfg.max_message = DISSECT_MAX_MESSAGE_DEFAULT;
    c->cfg = &test_cfg;
    c->id = 1;
}

step *decode_msg(conn_state *c, direction dir, const uint8_t *bytes, size_t n)
{
    step *s = step_new(STEP_HANDSHAKE, c->id, 1.0, dir, "handshake");
    step_set_bytes(s, bytes, n);
    if (n >= 1) s->msg_type = bytes[0];
    if (n >= 4) s->length = (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
    handshake_decode(c, s);
    return s;
}

step *decode_hex(conn_state *c, direction dir, const char *hex)
{
    size_t n;
    uint8_t *b = test_unhex(hex, &n);
    step *s = decode_msg(c, dir, b, n);
    free(b);
    return s;
}

/* ---- finding fields ---- */

const field *fchild(const field *f, unsigned n)
{
    for (const field *k = f ? f->first : NULL; k; k = k->next)
        if (n-- == 0) return k;
    return NULL;
}

unsigned fcount(const field *f)
{
    unsigned n = 0;
    for (const field *k = f ? f->first : NULL; k; k = k->next) n++;
    return n;
}

const field *fpath(const field *root, const char *path)
{
    const field *f = root;
    char part[64];
    while (f && *path) {
        size_t n = strcspn(path, "/");
        if (n >= sizeof part) return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        path += n;
        if (*path == '/') path++;
        if (part[0] >= '0' && part[0] <= '9') f = fchild(f, (unsigned)atoi(part));
        else f = field_child(f, part);
    }
    return f;
}

const char *fval(const step *s, const char *path)
{
    const field *f = fpath(s->root, path);
    return f ? f->value : NULL;
}

const field *find_ext(const field *list, unsigned type)
{
    for (const field *k = list ? list->first : NULL; k; k = k->next) {
        const field *t = field_child(k, "type");
        if (t && t->code == type) return k;
    }
    return NULL;
}

const field *first_malformed(const field *f)
{
    for (const field *k = f ? f->first : NULL; k; k = k->next) {
        if (k->malformed) return k;
        const field *m = first_malformed(k);
        if (m) return m;
    }
    return NULL;
}

/* ---- the offset invariant ---- */

/* Leaves whose value is computed rather than read: only bounds apply. */
static bool computed(const char *name)
{
    static const char *const names[] = {
        "ja3", "ja3_hash", "ja4", "ja4_r", "ja3s", "ja3s_hash", "hello_retry_request", "downgrade_sentinel",
        "p_bits", "validation", "validation_detail", "sslv2", "record_length", "malformed", "bytes_not_decoded",
        NULL,
    };
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0) return true;
    return false;
}

static void hex_of(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static void text_of(const uint8_t *p, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            out[k++] = '\\';
            out[k++] = '\\';
        } else if (p[i] >= 0x20 && p[i] < 0x7f) {
            out[k++] = (char)p[i];
        } else {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = d[p[i] >> 4];
            out[k++] = d[p[i] & 15];
        }
    }
    out[k] = '\0';
}

static int problem(const char *label, const field *f, const char *what)
{
    test_fail(__FILE__, __LINE__, "%s: field %s [%u+%u] value \"%s\": %s", label, f->name, f->offset, f->length,
              f->value ? f->value : "", what);
    return 1;
}

/* An object's children must have distinct names (they become JSON keys). */
static const field *duplicate_key(const field *f)
{
    if (f->shape == FIELD_OBJECT)
        for (const field *a = f->first; a; a = a->next)
            for (const field *b = a->next; b; b = b->next)
                if (strcmp(a->name, b->name) == 0) return b;
    for (const field *k = f->first; k; k = k->next) {
        const field *d = duplicate_key(k);
        if (d) return d;
    }
    return NULL;
}

static int check_field(const step *s, const field *f, const char *label, bool strict)
{
    int bad = 0;
    test_checks++;
    if ((size_t)f->offset + f->length > s->nbytes) return problem(label, f, "runs past the step's bytes");
    const field *p = f->parent;
    if (p && p != s->root && !f->malformed &&
        (f->offset < p->offset || (size_t)f->offset + f->length > (size_t)p->offset + p->length))
        bad += problem(label, f, "lies outside its parent");
    if (f->shape != FIELD_LEAF) {
        /* Inside a certificate, the certificate decoder's fields cover the
         * whole DER by design: only bounds are checked below it. */
        bool cert = p && strcmp(f->name, "certificate") == 0 && strcmp(p->name, "certificates") == 0;
        for (const field *k = f->first; k; k = k->next) {
            bool keep = strict && (!cert || strcmp(k->name, "length") == 0 || strcmp(k->name, "der") == 0 ||
                                   strcmp(k->name, "extensions") == 0);
            bad += check_field(s, k, label, keep);
        }
        return bad;
    }
    if (!strict || computed(f->name) || f->malformed) return bad;
    cursor c = cur_make(s->bytes, s->nbytes);
    const uint8_t *slice = NULL;
    cur_skip(&c, f->offset);
    if (!cur_bytes(&c, f->length, &slice)) return bad + problem(label, f, "slice unreadable");
    uint64_t v = 0;
    for (size_t i = 0; i < f->length && i < 8; i++) v = v << 8 | slice[i];
    switch (f->json) {
    case FJ_NUMBER:
        test_checks++;
        if (f->length == 0 || f->length > 8 || v != strtoull(f->value, NULL, 10))
            bad += problem(label, f, "number does not match its bytes");
        break;
    case FJ_CODE:
        test_checks++;
        if (f->length == 0 || f->length > 4 || v != f->code) bad += problem(label, f, "code does not match its bytes");
        break;
    case FJ_HEX:
    case FJ_STRING: {
        char *hex = malloc(2 * (size_t)f->length + 1), *txt = malloc(4 * (size_t)f->length + 1);
        hex_of(slice, f->length, hex);
        text_of(slice, f->length, txt);
        test_checks++;
        if (strcmp(f->value, hex) != 0 && strcmp(f->value, txt) != 0)
            bad += problem(label, f, "text is neither the hex nor the text of its bytes");
        free(hex);
        free(txt);
        break;
    }
    case FJ_BOOL: break;
    }
    return bad;
}

int check_offsets(const step *s, const char *label)
{
    int bad = 0;
    const field *d = duplicate_key(s->root);
    test_checks++;
    if (d) bad += problem(label, d, "its name is used twice in the same object");
    for (const field *f = s->root->first; f; f = f->next) bad += check_field(s, f, label, true);
    return bad;
}

/* Bounds only, quietly: returns problems without failing per field. */
static bool in_bounds(const step *s, const field *f)
{
    if ((size_t)f->offset + f->length > s->nbytes) return false;
    for (const field *k = f->first; k; k = k->next)
        if (!in_bounds(s, k)) return false;
    return true;
}

static void fuzz_one(const conn_state *base, direction dir, const uint8_t *b, size_t n, const char *label,
                     const char *how, size_t at)
{
    conn_state c = *base;
    step *s = decode_msg(&c, dir, b, n);
    test_checks++;
    if (!in_bounds(s, s->root))
        test_fail(__FILE__, __LINE__, "%s: %s at %zu: a field runs past the bytes", label, how, at);
    test_checks++;
    const field *d = duplicate_key(s->root);
    if (d) test_fail(__FILE__, __LINE__, "%s: %s at %zu: key %s used twice in one object", label, how, at, d->name);
    test_checks++;
    if (!s->narration || !s->summary)
        test_fail(__FILE__, __LINE__, "%s: %s at %zu: no narration or summary", label, how, at);
    step_free(s);
}

void fuzz_message(const conn_state *base, direction dir, const uint8_t *bytes, size_t n, const char *label)
{
    uint8_t *b = malloc(n + 1);
    for (size_t k = 0; k <= n; k++) {
        memcpy(b, bytes, k);
        fuzz_one(base, dir, b, k, label, "truncation", k);
        if (k >= 4) {
            size_t body = k - 4;
            b[1] = (uint8_t)(body >> 16);
            b[2] = (uint8_t)(body >> 8);
            b[3] = (uint8_t)body;
            fuzz_one(base, dir, b, k, label, "truncation with matching header", k);
        }
    }
    static const uint8_t flips[] = { 0x00, 0xff, 0x01, 0x80, 0x7f };
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < sizeof flips; j++) {
            memcpy(b, bytes, n);
            b[i] = j < 2 ? flips[j] : (uint8_t)(b[i] ^ flips[j]);
            fuzz_one(base, dir, b, n, label, "byte change", i);
        }
    }
    /* Several changes at once, from a fixed-seed generator. */
    uint32_t seed = 0x9e3779b9u ^ (uint32_t)n;
    for (int round = 0; round < 300 && n; round++) {
        memcpy(b, bytes, n);
        int changes = 2 + round % 6;
        for (int j = 0; j < changes; j++) {
            seed = seed * 1664525u + 1013904223u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1664525u + 1013904223u;
            b[at] = (uint8_t)(seed >> 24);
        }
        seed = seed * 1664525u + 1013904223u;
        size_t len = round % 3 == 0 ? (seed >> 8) % (n + 1) : n;
        fuzz_one(base, dir, b, len, label, "random changes", (size_t)round);
    }
    free(b);
}
