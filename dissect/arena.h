/* A bump allocator owned by one step: the step's fields and strings live
 * and die together, so streaming output frees a whole step in one call. */
#ifndef TLSVIEW_ARENA_H
#define TLSVIEW_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena {
    arena_chunk *head;
    size_t used;    /* bytes handed out, for accounting */
} arena;

void *arena_alloc(arena *a, size_t n);             /* zeroed; never NULL (aborts on OOM only) */
void *arena_alloc_raw(arena *a, size_t n);         /* the same, not zeroed: for what is written at once */
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(arena *a, const char *fmt, va_list ap);
void *arena_memdup(arena *a, const void *p, size_t n);
void arena_free(arena *a);
/* Frees the chunks this thread keeps for reuse; a thread that frees
 * arenas calls it before it ends (the main thread's go at exit). */
void arena_pool_drain(void);

#endif
