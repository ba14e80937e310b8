/* Helpers for the handshake, extension and fingerprint tests: building
 * messages byte by byte, running the decoder, finding fields by path,
 * checking every field's offsets, and fuzz-style robustness runs. */
#ifndef TLSVIEW_TESTS_HS_CHECK_H
#define TLSVIEW_TESTS_HS_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect/conn.h"
#include "dissect/step.h"

/* A message under construction; tb_open/tb_close wrap a length prefix. */
typedef struct tbuf {
    uint8_t b[16384];
    size_t n;
    size_t at[16];
    unsigned width[16];
    int depth;
} tbuf;

void tb_init(tbuf *t);
void tb_u8(tbuf *t, unsigned v);
void tb_u16(tbuf *t, unsigned v);
void tb_u24(tbuf *t, unsigned long v);
void tb_u32(tbuf *t, unsigned long v);
void tb_bytes(tbuf *t, const void *p, size_t n);
void tb_hex(tbuf *t, const char *hex);
void tb_fill(tbuf *t, uint8_t v, size_t n);
void tb_open(tbuf *t, unsigned len_bytes);
void tb_close(tbuf *t);
/* A handshake message: type, then a 3-byte length around what follows
 * until tb_close. */
void tb_message(tbuf *t, uint8_t type);

/* A fresh connection state (static config, no trust anchors). */
void conn_init(conn_state *c);
/* Decodes bytes as one handshake message from `dir`; the caller frees. */
step *decode_msg(conn_state *c, direction dir, const uint8_t *bytes, size_t n);
step *decode_hex(conn_state *c, direction dir, const char *hex);

/* "extensions/2/type" — names and list indexes separated by '/'. */
const field *fpath(const field *root, const char *path);
const char *fval(const step *s, const char *path);   /* value or NULL */
/* The n-th child, from 0. */
const field *fchild(const field *f, unsigned n);
unsigned fcount(const field *f);
/* The extension object of the given type under `list`, or NULL. */
const field *find_ext(const field *list, unsigned type);
const field *first_malformed(const field *f);

/* Every field of s: offset+length inside s->bytes, children inside their
 * parent, and leaves read from the wire equal to their bytes (numbers and
 * codes decode to the value, hex and text leaves spell the slice).
 * Returns the number of problems (each also a test failure). */
int check_offsets(const step *s, const char *label);

/* Decodes every truncation of bytes[0..n) (as is, and with the header
 * length made to match), and single-byte changes at every position, with
 * a copy of *base as connection state; checks offsets stay in bounds. */
void fuzz_message(const conn_state *base, direction dir, const uint8_t *bytes, size_t n, const char *label);

#endif
