#include "dissect/cursor.h"

#include <string.h>

/* All pointer arithmetic on wire bytes in tlsview happens in this file. */

cursor cur_make(const uint8_t *buf, size_t len)
{
    cursor c = { buf, buf, buf ? buf + len : buf, false };
    return c;
}

cursor cur_make_at(const uint8_t *buf, size_t len, const uint8_t *base)
{
    cursor c = { base, buf, buf ? buf + len : buf, false };
    return c;
}

size_t cur_left(const cursor *c) { return (size_t)(c->end - c->p); }
size_t cur_offset(const cursor *c) { return (size_t)(c->p - c->base); }
size_t cur_end_offset(const cursor *c) { return (size_t)(c->end - c->base); }
bool cur_empty(const cursor *c) { return c->p == c->end; }
bool cur_done(const cursor *c) { return c->p == c->end && !c->failed; }

static bool need(cursor *c, size_t n)
{
    if (cur_left(c) < n) {
        c->failed = true;
        return false;
    }
    return true;
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

bool cur_u8(cursor *c, uint8_t *v)
{
    if (!need(c, 1)) return false;
    *v = c->p[0];
    c->p += 1;
    return true;
}

bool cur_u16(cursor *c, uint16_t *v)
{
    if (!need(c, 2)) return false;
    *v = (uint16_t)be(c->p, 2);
    c->p += 2;
    return true;
}

bool cur_u24(cursor *c, uint32_t *v)
{
    if (!need(c, 3)) return false;
    *v = (uint32_t)be(c->p, 3);
    c->p += 3;
    return true;
}

bool cur_u32(cursor *c, uint32_t *v)
{
    if (!need(c, 4)) return false;
    *v = (uint32_t)be(c->p, 4);
    c->p += 4;
    return true;
}

bool cur_u48(cursor *c, uint64_t *v)
{
    if (!need(c, 6)) return false;
    *v = be(c->p, 6);
    c->p += 6;
    return true;
}

bool cur_u64(cursor *c, uint64_t *v)
{
    if (!need(c, 8)) return false;
    *v = be(c->p, 8);
    c->p += 8;
    return true;
}

bool cur_peek_u8(const cursor *c, size_t at, uint8_t *v)
{
    if (cur_left(c) < 1 || cur_left(c) - 1 < at) return false;
    *v = c->p[at];
    return true;
}

bool cur_peek_u16(const cursor *c, size_t at, uint16_t *v)
{
    if (cur_left(c) < 2 || cur_left(c) - 2 < at) return false;
    *v = (uint16_t)be(c->p + at, 2);
    return true;
}

bool cur_bytes(cursor *c, size_t n, const uint8_t **out)
{
    if (!need(c, n)) return false;
    *out = c->p;
    c->p += n;
    return true;
}

bool cur_copy(cursor *c, void *out, size_t n)
{
    if (!need(c, n)) return false;
    if (n) memcpy(out, c->p, n);
    c->p += n;
    return true;
}

bool cur_skip(cursor *c, size_t n)
{
    if (!need(c, n)) return false;
    c->p += n;
    return true;
}

void cur_skip_rest(cursor *c, const uint8_t **out, size_t *n)
{
    if (out) *out = c->p;
    if (n) *n = cur_left(c);
    c->p = c->end;
}

bool cur_sub(cursor *c, size_t n, cursor *inner)
{
    if (!need(c, n)) return false;
    inner->base = c->base;
    inner->p = c->p;
    inner->end = c->p + n;
    inner->failed = false;
    c->p += n;
    return true;
}

bool cur_block(cursor *c, unsigned len_bytes, cursor *inner)
{
    if (len_bytes < 1 || len_bytes > 3 || !need(c, len_bytes)) {
        c->failed = true;
        return false;
    }
    uint64_t n = be(c->p, len_bytes);
    if (cur_left(c) - len_bytes < n) {
        c->failed = true;
        return false;
    }
    c->p += len_bytes;
    return cur_sub(c, (size_t)n, inner);
}

bool cur_span(const cursor *c, size_t from, size_t to, const uint8_t **out)
{
    if (from > to || to > cur_end_offset(c)) return false;
    *out = c->base + from;
    return true;
}
