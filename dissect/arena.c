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

enum { CHUNK_DEFAULT = 4096 - sizeof(arena_chunk) };

void *arena_alloc_raw(arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0) n = align;
    arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_DEFAULT ? n : CHUNK_DEFAULT;
        c = malloc(sizeof(*c) + size);
        if (!c) {
            /* Every size reaching here is bounded by the configured record
             * and message limits, so this is a real out-of-memory. */
            fputs("tlsview: out of memory\n", stderr);
            exit(1);
        }
        c->size = size;
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
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}
