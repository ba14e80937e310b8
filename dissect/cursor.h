/* The one way any parser in tlsview touches bytes from the wire.
 *
 * A cursor is a window [p, end) into a buffer whose start is `base`;
 * offsets reported to the field tree are measured from `base`, so a field
 * found deep inside nested blocks still points at the right bytes of its
 * step.  Every read checks the window first; a read that does not fit
 * fails, leaves the cursor where it was and sets `failed`, so a decoder can
 * run a sequence of reads and check once.  Blocks narrow the window to a
 * length-prefixed region, which is how TLS nests its vectors. */
#ifndef TLSVIEW_CURSOR_H
#define TLSVIEW_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cursor {
    const uint8_t *base; /* offsets are measured from here */
    const uint8_t *p;    /* next unread byte */
    const uint8_t *end;  /* one past the last readable byte */
    bool failed;         /* a read did not fit */
} cursor;

/* A cursor over buf[0..len). */
cursor cur_make(const uint8_t *buf, size_t len);
/* A cursor over buf[0..len) whose offsets count from `base_offset`. */
cursor cur_make_at(const uint8_t *buf, size_t len, const uint8_t *base);

size_t cur_left(const cursor *c);
size_t cur_offset(const cursor *c);          /* p - base */
size_t cur_end_offset(const cursor *c);      /* end - base */
bool cur_empty(const cursor *c);
/* True when everything was consumed and no read failed. */
bool cur_done(const cursor *c);

bool cur_u8(cursor *c, uint8_t *v);
bool cur_u16(cursor *c, uint16_t *v);
bool cur_u24(cursor *c, uint32_t *v);
bool cur_u32(cursor *c, uint32_t *v);
bool cur_u48(cursor *c, uint64_t *v);
bool cur_u64(cursor *c, uint64_t *v);
/* Look at the next bytes without consuming them. */
bool cur_peek_u8(const cursor *c, size_t at, uint8_t *v);
bool cur_peek_u16(const cursor *c, size_t at, uint16_t *v);

/* Points *out at the next n bytes and consumes them. */
bool cur_bytes(cursor *c, size_t n, const uint8_t **out);
/* Copies the next n bytes into out[n]. */
bool cur_copy(cursor *c, void *out, size_t n);
bool cur_skip(cursor *c, size_t n);
/* Consumes the rest of the window. */
void cur_skip_rest(cursor *c, const uint8_t **out, size_t *n);

/* Reads a big-endian length of len_bytes (1..3) and makes *inner the
 * window of that many following bytes; the outer cursor moves past them.
 * Fails (and leaves c unchanged) when the length runs past the window. */
bool cur_block(cursor *c, unsigned len_bytes, cursor *inner);
/* *inner is the next n bytes; c moves past them. */
bool cur_sub(cursor *c, size_t n, cursor *inner);

/* The bytes that lie between two offsets of the same base, for hashing a
 * span that was read piece by piece.  Fails unless [from, to) is inside
 * the cursor's buffer as seen so far. */
bool cur_span(const cursor *c, size_t from, size_t to, const uint8_t **out);

#endif
