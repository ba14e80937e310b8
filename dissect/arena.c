#include "dissect/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/format.h"

struct arena_chunk {
    arena_chunk *next;
    size_t size, used;
    max_align_t data[];
};

enum {
    CHUNK_DEFAULT = 4096 - sizeof(arena_chunk),
    POOL_MAX = 32,      /* chunks kept per thread: 128 kB at most */
};

_Static_assert(CHUNK_DEFAULT % sizeof(max_align_t) == 0, "chunk sizes are multiples of the alignment");

/* Every step takes one or two chunks and gives them back as soon as its
 * line is written: tens of thousands of malloc/free pairs a second, of a
 * size glibc's per-thread cache does not hold.  Chunks of the default size
 * come back to a small per-thread pool instead.  A thread that frees
 * steps empties its pool before it ends (arena_pool_drain). */
static _Thread_local struct {
    arena_chunk *head;
    unsigned count;
} pool;

static arena_chunk *chunk_new(size_t size)
{
    arena_chunk *c;
    if (size == CHUNK_DEFAULT && pool.head) {
        c = pool.head;
        pool.head = c->next;
        pool.count--;
        return c;
    }
    c = malloc(sizeof(*c) + size);
    if (!c) {
        /* Every size reaching here is bounded by the configured record
         * and message limits, so this is a real out-of-memory. */
        fputs("tlsview: out of memory\n", stderr);
        exit(1);
    }
    c->size = size;
    return c;
}

static void chunk_release(arena_chunk *c)
{
    if (c->size == CHUNK_DEFAULT && pool.count < POOL_MAX) {
        c->next = pool.head;
        pool.head = c;
        pool.count++;
        return;
    }
    free(c);
}

void arena_pool_drain(void)
{
    while (pool.head) {
        arena_chunk *c = pool.head;
        pool.head = c->next;
        free(c);
    }
    pool.count = 0;
}

void *arena_alloc_raw(arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0) n = align;
    arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        c = chunk_new(n > CHUNK_DEFAULT ? n : CHUNK_DEFAULT);
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    a->used += n;
    return p;
}

void *arena_alloc(arena *a, size_t n)
{
    void *p = arena_alloc_raw(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    if (!s) return NULL;
    return arena_memdup(a, s, strlen(s) + 1);
}

void *arena_memdup(arena *a, const void *p, size_t n)
{
    void *d = arena_alloc_raw(a, n);
    if (n) memcpy(d, p, n);
    return d;
}

char *arena_vprintf(arena *a, const char *fmt, va_list ap)
{
    /* A plain string is the commonest text of all: no formatting. */
    if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
        const char *str = va_arg(ap, const char *);
        return arena_strdup(a, str ? str : "(null)");
    }
    /* Straight into the free end of the current chunk when the text fits
     * there, which it mostly does; what did not fit is formatted again. */
    arena_chunk *c = a->head;
    size_t room = c ? c->size - c->used : 0;
    if (room >= 64) {
        char *dst = (char *)c->data + c->used;
        va_list ap1;
        va_copy(ap1, ap);
        int n = text_vformat(dst, room, fmt, ap1);
        va_end(ap1);
        if (n >= 0 && (size_t)n < room) {
            /* Sizes and uses are multiples of the alignment, so the
             * rounded length still fits in room. */
            size_t align = sizeof(max_align_t), used = ((size_t)n + 1 + align - 1) & ~(align - 1);
            c->used += used;
            a->used += used;
            return dst;
        }
    }
    /* Most texts are short: format once on the stack, copy, and only
     * format again for the long ones. */
    char small[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = text_vformat(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) return arena_strdup(a, "");
    char *s = arena_alloc_raw(a, (size_t)n + 1);
    if ((size_t)n < sizeof small) memcpy(s, small, (size_t)n + 1);
    else text_vformat(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

void arena_free(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        chunk_release(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}
