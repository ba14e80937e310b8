/* The one way any parser in tlsview touches bytes from the wire.
 *
 * A cursor is a window [p, end) into a buffer whose start is `base`;
 * offsets reported to the field tree are measured from `base`, so a field
 * found deep inside nested blocks still points at the right bytes of its
 * step.  Every read checks the window first; a read that does not fit
 * fails, leaves the cursor where it was and sets `failed`, so a decoder can
 * run a sequence of reads and check once.  Blocks narrow the window to a
 * length-prefixed region, which is how TLS nests its vectors.
 *
 * The functions are defined here, inline, because every parser calls them
 * for every field; all pointer arithmetic on wire bytes in tlsview happens
 * in this header. */
#ifndef TLSVIEW_CURSOR_H
#define TLSVIEW_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct cursor {
    const uint8_t *base; /* offsets are measured from here */
    const uint8_t *p;    /* next unread byte */
    const uint8_t *end;  /* one past the last readable byte */
    bool failed;         /* a read did not fit */
} cursor;

/* A cursor over buf[0..len). */
static inline cursor cur_make(const uint8_t *buf, size_t len)
{
    cursor c = { buf, buf, buf ? buf + len : buf, false };
    return c;
}

/* A cursor over buf[0..len) whose offsets count from `base`. */
static inline cursor cur_make_at(const uint8_t *buf, size_t len, const uint8_t *base)
{
    cursor c = { base, buf, buf ? buf + len : buf, false };
    return c;
}

static inline size_t cur_left(const cursor *c) { return (size_t)(c->end - c->p); }
static inline size_t cur_offset(const cursor *c) { return (size_t)(c->p - c->base); }     /* p - base */
static inline size_t cur_end_offset(const cursor *c) { return (size_t)(c->end - c->base); }
static inline bool cur_empty(const cursor *c) { return c->p == c->end; }
/* True when everything was consumed and no read failed. */
static inline bool cur_done(const cursor *c) { return c->p == c->end && !c->failed; }

/* Whether n more bytes are there; marks the cursor failed when not. */
static inline bool cur_need_(cursor *c, size_t n)
{
    if (cur_left(c) < n) {
        c->failed = true;
        return false;
    }
    return true;
}

static inline uint64_t cur_be_(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

/* Big-endian reads of 1, 2, 3, 4, 6 and 8 bytes. */
static inline bool cur_read_(cursor *c, size_t n, uint64_t *v)
{
    if (!cur_need_(c, n)) return false;
    *v = cur_be_(c->p, n);
    c->p += n;
    return true;
}

static inline bool cur_u8(cursor *c, uint8_t *v)
{
    uint64_t x;
    if (!cur_read_(c, 1, &x)) return false;
    *v = (uint8_t)x;
    return true;
}

static inline bool cur_u16(cursor *c, uint16_t *v)
{
    uint64_t x;
    if (!cur_read_(c, 2, &x)) return false;
    *v = (uint16_t)x;
    return true;
}

static inline bool cur_u24(cursor *c, uint32_t *v)
{
    uint64_t x;
    if (!cur_read_(c, 3, &x)) return false;
    *v = (uint32_t)x;
    return true;
}

static inline bool cur_u32(cursor *c, uint32_t *v)
{
    uint64_t x;
    if (!cur_read_(c, 4, &x)) return false;
    *v = (uint32_t)x;
    return true;
}

static inline bool cur_u48(cursor *c, uint64_t *v) { return cur_read_(c, 6, v); }
static inline bool cur_u64(cursor *c, uint64_t *v) { return cur_read_(c, 8, v); }

/* Look at the bytes `at` ahead without consuming anything. */
static inline bool cur_peek_u8(const cursor *c, size_t at, uint8_t *v)
{
    if (cur_left(c) < 1 || cur_left(c) - 1 < at) return false;
    *v = c->p[at];
    return true;
}

static inline bool cur_peek_u16(const cursor *c, size_t at, uint16_t *v)
{
    if (cur_left(c) < 2 || cur_left(c) - 2 < at) return false;
    *v = (uint16_t)cur_be_(c->p + at, 2);
    return true;
}

/* How far ahead the next byte b is (*at), without consuming anything;
 * false when no byte ahead is b.  For text: line ends, separators. */
static inline bool cur_find_u8(const cursor *c, uint8_t b, size_t *at)
{
    const uint8_t *hit = cur_left(c) ? (const uint8_t *)memchr(c->p, b, cur_left(c)) : NULL;
    if (!hit) return false;
    *at = (size_t)(hit - c->p);
    return true;
}

/* How many of the next bytes are not in the set (stop[b] true ends the
 * run), without consuming anything.  For text: tokens, fields. */
static inline size_t cur_run_until(const cursor *c, const bool stop[256])
{
    const uint8_t *q = c->p;
    while (q < c->end && !stop[*q]) q++;
    return (size_t)(q - c->p);
}

/* Points *out at the next n bytes and consumes them. */
static inline bool cur_bytes(cursor *c, size_t n, const uint8_t **out)
{
    if (!cur_need_(c, n)) return false;
    *out = c->p;
    c->p += n;
    return true;
}

/* Copies the next n bytes into out[n]. */
static inline bool cur_copy(cursor *c, void *out, size_t n)
{
    if (!cur_need_(c, n)) return false;
    if (n) memcpy(out, c->p, n);
    c->p += n;
    return true;
}

static inline bool cur_skip(cursor *c, size_t n)
{
    if (!cur_need_(c, n)) return false;
    c->p += n;
    return true;
}

/* Consumes the rest of the window. */
static inline void cur_skip_rest(cursor *c, const uint8_t **out, size_t *n)
{
    if (out) *out = c->p;
    if (n) *n = cur_left(c);
    c->p = c->end;
}

/* *inner is the next n bytes; c moves past them. */
static inline bool cur_sub(cursor *c, size_t n, cursor *inner)
{
    if (!cur_need_(c, n)) return false;
    inner->base = c->base;
    inner->p = c->p;
    inner->end = c->p + n;
    inner->failed = false;
    c->p += n;
    return true;
}

/* Reads a big-endian length of len_bytes (1..3) and makes *inner the
 * window of that many following bytes; the outer cursor moves past them.
 * Fails (and leaves c unchanged) when the length runs past the window. */
static inline bool cur_block(cursor *c, unsigned len_bytes, cursor *inner)
{
    if (len_bytes < 1 || len_bytes > 3 || !cur_need_(c, len_bytes)) {
        c->failed = true;
        return false;
    }
    uint64_t n = cur_be_(c->p, len_bytes);
    if (cur_left(c) - len_bytes < n) {
        c->failed = true;
        return false;
    }
    c->p += len_bytes;
    return cur_sub(c, (size_t)n, inner);
}

/* The bytes that lie between two offsets of the same base, for hashing a
 * span that was read piece by piece.  Fails unless [from, to) is inside
 * the cursor's buffer as seen so far. */
static inline bool cur_span(const cursor *c, size_t from, size_t to, const uint8_t **out)
{
    if (from > to || to > cur_end_offset(c)) return false;
    *out = c->base + from;
    return true;
}

#endif
