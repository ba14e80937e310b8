#include "dissect/sessions.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

typedef struct slot {
    uint8_t kind;              /* 0: free */
    uint8_t key_len;
    uint8_t key[32];
    uint64_t stored_at;        /* the position of the put */
    uint32_t next;             /* the next slot of its bucket, NO_SLOT at the end */
    session_entry e;
} slot;

enum { NO_SLOT = UINT32_MAX };

/* A ring of slots (the oldest is replaced) with a hash index over them: a
 * busy capture looks a session up for every connection.  Session IDs are
 * the server's random bytes and ticket keys a SHA-256, so their first
 * bytes are a fair hash; crafted IDs that share a bucket only bring back
 * the cost of a plain scan. */
struct session_store {
    slot *slots;
    size_t max, next;
    uint32_t *buckets;         /* slot index heads */
    size_t n_buckets;          /* a power of two */
    bool shared;
    pthread_mutex_t lock;
};

session_store *session_store_new(size_t max, bool shared)
{
    session_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->max = max ? max : SESSION_STORE_DEFAULT;
    if (s->max > NO_SLOT - 1) s->max = NO_SLOT - 1;
    s->n_buckets = 1;
    while (s->n_buckets < s->max) s->n_buckets <<= 1;
    s->slots = calloc(s->max, sizeof *s->slots);
    s->buckets = malloc(s->n_buckets * sizeof *s->buckets);
    if (!s->slots || !s->buckets) {
        free(s->slots);
        free(s->buckets);
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < s->n_buckets; i++) s->buckets[i] = NO_SLOT;
    s->shared = shared;
    if (shared) pthread_mutex_init(&s->lock, NULL);
    return s;
}

void session_store_free(session_store *s)
{
    if (!s) return;
    mbedtls_platform_zeroize(s->slots, s->max * sizeof *s->slots);
    free(s->slots);
    free(s->buckets);
    if (s->shared) pthread_mutex_destroy(&s->lock);
    free(s);
}

static uint32_t *bucket_of(session_store *s, uint8_t kind, const uint8_t *key, size_t n)
{
    uint32_t h = kind * 0x9e3779b1u ^ (uint32_t)n;
    for (size_t i = 0; i < n && i < 8; i++) h = (h ^ key[i]) * 0x01000193u;
    return &s->buckets[h & (s->n_buckets - 1)];
}

static slot *find(session_store *s, uint8_t kind, const uint8_t *key, size_t n)
{
    for (uint32_t i = *bucket_of(s, kind, key, n); i != NO_SLOT; i = s->slots[i].next) {
        slot *sl = &s->slots[i];
        if (sl->kind == kind && sl->key_len == n && memcmp(sl->key, key, n) == 0) return sl;
    }
    return NULL;
}

/* Takes slot i out of its bucket before it is reused. */
static void unlink_slot(session_store *s, uint32_t i)
{
    slot *sl = &s->slots[i];
    if (!sl->kind) return;
    for (uint32_t *link = bucket_of(s, sl->kind, sl->key, sl->key_len); *link != NO_SLOT;
         link = &s->slots[*link].next) {
        if (*link == i) {
            *link = sl->next;
            break;
        }
    }
    sl->kind = 0;
}

static void lock(session_store *s)
{
    if (s->shared) pthread_mutex_lock(&s->lock);
}

static void unlock(session_store *s)
{
    if (s->shared) pthread_mutex_unlock(&s->lock);
}

void session_store_put(session_store *s, const shard_sync *sync, session_kind kind, const uint8_t *key,
                       size_t n, const session_entry *e)
{
    if (!s || n == 0 || n > 32) return;
    uint64_t at = sync ? sync->position(sync->ctx) : 0;
    lock(s);
    slot *sl = find(s, (uint8_t)kind, key, n);
    if (!sl) {
        uint32_t i = (uint32_t)s->next;
        s->next = (s->next + 1) % s->max;
        unlink_slot(s, i);
        sl = &s->slots[i];
        uint32_t *head = bucket_of(s, (uint8_t)kind, key, n);
        sl->next = *head;
        *head = i;
    }
    sl->kind = (uint8_t)kind;
    sl->key_len = (uint8_t)n;
    memcpy(sl->key, key, n);
    sl->stored_at = at;
    sl->e = *e;
    unlock(s);
}

bool session_store_get(session_store *s, const shard_sync *sync, session_kind kind, const uint8_t *key,
                       size_t n, session_entry *out)
{
    if (!s || n == 0 || n > 32) return false;
    uint64_t at = 0;
    if (sync) {
        at = sync->position(sync->ctx);
        sync->wait_for_others(sync->ctx);
    }
    lock(s);
    slot *sl = find(s, (uint8_t)kind, key, n);
    /* A faster dissector may already have stored sessions from later in
     * the capture: this connection cannot know those yet. */
    bool found = sl && (!sync || sl->stored_at < at);
    if (found) *out = sl->e;
    unlock(s);
    return found;
}
