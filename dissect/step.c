#include "dissect/step.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/hex.h"

const char *direction_name(direction d) { return d == DIR_C2S ? "c2s" : "s2c"; }

const char *step_kind_name(step_kind k)
{
    switch (k) {
    case STEP_RECORD: return "record";
    case STEP_HANDSHAKE: return "handshake";
    case STEP_ENCRYPTED_HANDSHAKE: return "encrypted_handshake";
    case STEP_CHANGE_CIPHER_SPEC: return "change_cipher_spec";
    case STEP_ALERT: return "alert";
    case STEP_APP_DATA: return "app_data";
    case STEP_HEARTBEAT: return "heartbeat";
    case STEP_KEYS: return "keys";
    case STEP_GAP: return "gap";
    case STEP_MALFORMED: return "malformed";
    case STEP_NOTE: return "note";
    }
    return "unknown";
}

step *step_new(step_kind kind, unsigned conn, double ts, direction dir, const char *name)
{
    step *s = calloc(1, sizeof(*s));
    if (!s) {
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    s->kind = kind;
    s->conn = conn;
    s->ts = ts;
    s->dir = dir;
    s->name = name ? name : step_kind_name(kind);
    s->msg_type = -1;
    s->root = arena_alloc(&s->mem, sizeof(field));
    s->root->name = "fields";
    s->root->shape = FIELD_OBJECT;
    return s;
}

void step_set_bytes(step *s, const uint8_t *bytes, size_t n)
{
    s->bytes = n ? arena_memdup(&s->mem, bytes, n) : NULL;
    s->nbytes = n;
    s->root->offset = 0;
    s->root->length = (uint32_t)n;
}

void step_narrate(step *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = arena_vprintf(&s->mem, fmt, ap);
    va_end(ap);
    /* Narration accumulates: decoders and the key schedule each add theirs. */
    if (!s->narration) {
        s->narration = text;
        return;
    }
    size_t a = strlen(s->narration), b = strlen(text);
    char *joined = arena_alloc_raw(&s->mem, a + 1 + b + 1);
    memcpy(joined, s->narration, a);
    joined[a] = ' ';
    memcpy(joined + a + 1, text, b + 1);
    s->narration = joined;
}

void step_summarize(step *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s->summary = arena_vprintf(&s->mem, fmt, ap);
    va_end(ap);
}

void step_free(step *s)
{
    if (!s) return;
    arena_free(&s->mem);
    free(s);
}

static field *add(step *s, field *parent, const char *name, size_t off, size_t len, field_shape shape)
{
    field *f = arena_alloc_raw(&s->mem, sizeof(*f));
    if (!parent) parent = s->root;
    /* Every member set here, the rest zero: a few stores, not a memset call. */
    *f = (field){ .name = name, .offset = (uint32_t)off, .length = (uint32_t)len, .shape = (uint8_t)shape,
                  .json = FJ_STRING, .parent = parent };
    if (parent->last) parent->last->next = f;
    else parent->first = f;
    parent->last = f;
    return f;
}

field *field_object(step *s, field *parent, const char *name, size_t off, size_t len)
{
    return add(s, parent, name, off, len, FIELD_OBJECT);
}

field *field_list(step *s, field *parent, const char *name, size_t off, size_t len)
{
    return add(s, parent, name, off, len, FIELD_LIST);
}

field *field_text(step *s, field *parent, const char *name, size_t off, size_t len, const char *fmt, ...)
{
    field *f = add(s, parent, name, off, len, FIELD_LEAF);
    va_list ap;
    va_start(ap, fmt);
    f->value = arena_vprintf(&s->mem, fmt, ap);
    va_end(ap);
    return f;
}

field *field_uint(step *s, field *parent, const char *name, size_t off, size_t len, uint64_t v)
{
    field *f = add(s, parent, name, off, len, FIELD_LEAF);
    /* Decimal digits by hand: numbers are among the commonest fields. */
    char digits[24], *p = digits + sizeof digits;
    *--p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    f->value = arena_memdup(&s->mem, p, (size_t)(digits + sizeof digits - p));   /* with its NUL */
    f->json = FJ_NUMBER;
    return f;
}

field *field_bool(step *s, field *parent, const char *name, size_t off, size_t len, bool v)
{
    field *f = add(s, parent, name, off, len, FIELD_LEAF);
    f->value = v ? "true" : "false";
    f->json = FJ_BOOL;
    return f;
}

field *field_hex(step *s, field *parent, const char *name, size_t off, size_t len,
                 const uint8_t *bytes, size_t n)
{
    field *f = add(s, parent, name, off, len, FIELD_LEAF);
    char *v = arena_alloc_raw(&s->mem, 2 * n + 1);
    hex_encode(v, bytes, n);
    v[2 * n] = '\0';
    f->value = v;
    f->json = FJ_HEX;
    return f;
}

field *field_code(step *s, field *parent, const char *name, size_t off, size_t len,
                  uint32_t code, unsigned digits, const char *label)
{
    field *f = add(s, parent, name, off, len, FIELD_LEAF);
    f->value = label ? label : "unknown";
    f->code = code;
    f->code_digits = (uint8_t)digits;
    f->json = FJ_CODE;
    return f;
}

field *field_malformed(step *s, field *parent, size_t off, size_t len, const char *fmt, ...)
{
    field *f = add(s, parent, "malformed", off, len, FIELD_LEAF);
    va_list ap;
    va_start(ap, fmt);
    f->value = arena_vprintf(&s->mem, fmt, ap);
    va_end(ap);
    f->malformed = true;
    s->malformed = true;
    return f;
}

void field_copy_children(step *s, field *parent, const field *src, size_t delta)
{
    for (const field *c = src->first; c; c = c->next) {
        field *f = add(s, parent, c->name, c->offset + delta, c->length, (field_shape)c->shape);
        f->value = c->value ? arena_strdup(&s->mem, c->value) : NULL;
        f->json = c->json;
        f->code = c->code;
        f->code_digits = c->code_digits;
        f->malformed = c->malformed;
        if (c->malformed) s->malformed = true;
        field_copy_children(s, f, c, delta);
    }
}

void field_set_extent(field *f, size_t off, size_t len)
{
    f->offset = (uint32_t)off;
    f->length = (uint32_t)len;
}

const field *field_child(const field *parent, const char *name)
{
    for (const field *f = parent ? parent->first : NULL; f; f = f->next)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}
