/* The step arena (dissect/arena.c): what it hands out is aligned, holds
 * what is written to it and is zero where arena_alloc promises zeros, also
 * when the chunk comes back from the per-thread pool full of an earlier
 * step's bytes; its printf gives snprintf's text whether the text fits in
 * the current chunk's free end, only just fits, or does not; a thread that
 * used arenas and drains its pool leaves nothing behind (the sanitizer
 * build's leak check sees to that). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/arena.h"
#include "tests/testlib.h"

enum { CHUNK = 4096, ROUNDS = 200 };

static void fill(arena *a, size_t n, unsigned char byte)
{
    unsigned char *p = arena_alloc_raw(a, n);
    memset(p, byte, n);
}

static void test_sizes_and_alignment(void)
{
    arena a = { 0 };
    static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 4000, 4064, 4065, 10000, 70000 };
    unsigned char *blocks[sizeof sizes / sizeof *sizes];
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        blocks[i] = arena_alloc_raw(&a, sizes[i]);
        CHECK(blocks[i] != NULL);
        CHECK_EQ_INT((uintptr_t)blocks[i] % _Alignof(max_align_t), 0);
        memset(blocks[i], (int)(i + 1), sizes[i]);
    }
    /* Nothing written later overlapped what came before. */
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            if (blocks[i][k] != (unsigned char)(i + 1)) {
                CHECK(!"an arena block was overwritten");
                break;
            }
    arena_free(&a);
    CHECK(a.head == NULL);
    CHECK_EQ_INT(a.used, 0);
}

/* Pooled chunks come back dirty: arena_alloc must still give zeros. */
static void test_zeroed_after_reuse(void)
{
    for (int round = 0; round < ROUNDS; round++) {
        arena a = { 0 };
        for (int i = 0; i < 8; i++) fill(&a, 1000, 0xff);
        arena_free(&a);
        arena b = { 0 };
        int nonzero = 0;
        for (int i = 0; i < 8; i++) {
            unsigned char *p = arena_alloc(&b, 1000);
            for (int k = 0; k < 1000; k++) nonzero += p[k] != 0;
        }
        CHECK_EQ_INT(nonzero, 0);
        arena_free(&b);
    }
}

static void check_printf(arena *a, const char *text)
{
    char *got = arena_printf(a, "<%s|%d>", text, 42);
    char want[9000];
    snprintf(want, sizeof want, "<%s|%d>", text, 42);
    CHECK_STR(got, want);
}

/* Texts formatted straight into the chunk's free end, texts that fill it
 * to the last byte or one byte more, and texts longer than a chunk. */
static void test_printf_at_every_room(void)
{
    static char text[8000];
    memset(text, 'x', sizeof text - 1);
    for (size_t room_used = 0; room_used < CHUNK; room_used += 16) {
        for (size_t len = 0; len < 200; len += 7) {
            arena a = { 0 };
            arena_alloc_raw(&a, 1);   /* a chunk, and how much of it is used: */
            if (room_used > 16) arena_alloc_raw(&a, room_used - 16);
            text[len] = '\0';
            check_printf(&a, text);
            check_printf(&a, "after");   /* what follows does not overwrite it */
            text[len] = 'x';
            arena_free(&a);
        }
    }
    arena a = { 0 };
    text[5000] = '\0';
    check_printf(&a, text);
    text[5000] = 'x';
    text[sizeof text - 1] = '\0';
    check_printf(&a, text);
    char *plain = arena_printf(&a, "%s", "plain");
    CHECK_STR(plain, "plain");
    arena_free(&a);
}

static void *arena_thread(void *arg)
{
    (void)arg;
    for (int round = 0; round < ROUNDS; round++) {
        arena a = { 0 };
        for (int i = 0; i < 40; i++) fill(&a, 3000, (unsigned char)round);
        arena_free(&a);
    }
    arena_pool_drain();
    return NULL;
}

static void test_threads_drain(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, arena_thread, NULL) == 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
}

int main(void)
{
    test_sizes_and_alignment();
    test_zeroed_after_reuse();
    test_printf_at_every_room();
    test_threads_drain();
    arena_pool_drain();
    return test_report("arena");
}
