#include "dissect/pms_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/platform_util.h>

#include "dissect/rsa_private.h"

enum {
    MAX_WORKERS = 64,
    RECENT = 64,             /* answers taken lately, not queued again */
    RECENT_PREFIX = 32,      /* bytes of the ciphertext that stand for it */
};

/* What one thread decrypts with: its own copies of the keys (blinding
 * values change with every private operation) and its own random source. */
typedef struct seat {
    mbedtls_rsa_context *rsa;      /* one per key */
    rsa_private_key **fast;        /* one per key: rsa_private.c's form of it, or NULL */
    size_t n;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    bool rng_ready;
} seat;

typedef enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE } slot_state;

typedef struct slot {
    slot_state state;
    bool orphan;                   /* given up while running: freed when done */
    int key;
    size_t len;
    uint64_t tag, order;
    int ret;
    size_t olen;
    uint8_t enc[MBEDTLS_MPI_MAX_SIZE];
    uint8_t out[MBEDTLS_MPI_MAX_SIZE];
} slot;

struct pms_pool {
    pthread_mutex_t lock;
    pthread_cond_t work;           /* a slot was queued, or stopping */
    pthread_cond_t done;           /* a slot finished */
    pthread_cond_t room;           /* a slot became free, or stopping */
    bool stopping;
    slot *slots;
    size_t n_slots;
    uint64_t next_order;           /* also: how many were queued */
    uint64_t passed_tag;
    const mbedtls_rsa_context *const *keys;
    size_t n_keys;
    /* The caller keeps the answers it took for a while (keyring.c), so the
     * same ciphertext again (a connection captured twice) needs no work:
     * its start is enough to recognise it here, where a mistake only
     * costs a decryption. */
    struct { int key; size_t len; uint8_t start[RECENT_PREFIX]; } recent[RECENT];
    size_t next_recent;
    seat *seats;                   /* [0] the dissector's, then one per worker */
    unsigned n_seats;              /* seat_init called on so many */
    pthread_t threads[MAX_WORKERS];
    unsigned n_threads;
};

static bool seat_init(seat *s, const mbedtls_rsa_context *const *keys, size_t n)
{
    mbedtls_entropy_init(&s->entropy);
    mbedtls_ctr_drbg_init(&s->drbg);
    s->rsa = calloc(n ? n : 1, sizeof *s->rsa);
    s->fast = calloc(n ? n : 1, sizeof *s->fast);
    if (!s->rsa || !s->fast) return false;
    for (size_t i = 0; i < n; i++) {
        mbedtls_rsa_init(&s->rsa[i], MBEDTLS_RSA_PKCS_V15, 0);
        s->n = i + 1;
        if (mbedtls_rsa_copy(&s->rsa[i], keys[i]) != 0) return false;
        s->fast[i] = rsa_private_key_new(&s->rsa[i]);
    }
    return true;
}

static void seat_free(seat *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->fast) rsa_private_key_free(s->fast[i]);   /* zeroises */
        mbedtls_rsa_free(&s->rsa[i]);                    /* zeroises */
    }
    free(s->fast);
    free(s->rsa);
    mbedtls_ctr_drbg_free(&s->drbg);
    mbedtls_entropy_free(&s->entropy);
}

static int seat_decrypt(seat *s, int key, const uint8_t *enc, uint8_t *out, size_t cap, size_t *olen)
{
    if (!s->rng_ready) {
        static const char pers[] = "tlsview pms pool";
        int r = mbedtls_ctr_drbg_seed(&s->drbg, mbedtls_entropy_func, &s->entropy, (const uint8_t *)pers,
                                      sizeof pers - 1);
        if (r != 0) return r;
        s->rng_ready = true;
    }
    *olen = 0;
    int r = rsa_private_decrypt(s->fast[key], enc, out, cap, olen);
    if (r != RSA_PRIVATE_UNHANDLED) return r;
    return mbedtls_rsa_pkcs1_decrypt(&s->rsa[key], mbedtls_ctr_drbg_random, &s->drbg, MBEDTLS_RSA_PRIVATE, olen,
                                     enc, out, cap);
}

static void slot_clear(slot *sl)
{
    mbedtls_platform_zeroize(sl->out, sizeof sl->out);
    sl->state = SLOT_FREE;
    sl->orphan = false;
}

/* The oldest queued slot, or NULL.  Under the lock. */
static slot *oldest_queued(pms_pool *p)
{
    slot *best = NULL;
    for (size_t i = 0; i < p->n_slots; i++) {
        slot *sl = &p->slots[i];
        if (sl->state == SLOT_QUEUED && (!best || sl->order < best->order)) best = sl;
    }
    return best;
}

static bool recently_taken(const pms_pool *p, int key, const uint8_t *enc, size_t len)
{
    size_t n = len < RECENT_PREFIX ? len : RECENT_PREFIX;
    for (size_t i = 0; i < RECENT; i++)
        if (p->recent[i].len == len && p->recent[i].key == key && memcmp(p->recent[i].start, enc, n) == 0)
            return true;
    return false;
}

static void remember_taken(pms_pool *p, int key, const uint8_t *enc, size_t len)
{
    size_t n = len < RECENT_PREFIX ? len : RECENT_PREFIX;
    p->recent[p->next_recent].key = key;
    p->recent[p->next_recent].len = len;
    memcpy(p->recent[p->next_recent].start, enc, n);
    p->next_recent = (p->next_recent + 1) % RECENT;
}

static slot *find_slot(pms_pool *p, int key, const uint8_t *enc, size_t len)
{
    for (size_t i = 0; i < p->n_slots; i++) {
        slot *sl = &p->slots[i];
        if (sl->state != SLOT_FREE && sl->key == key && sl->len == len && memcmp(sl->enc, enc, len) == 0)
            return sl;
    }
    return NULL;
}

/* Runs sl (already marked running) on seat s with the lock released, then
 * records the answer.  Called and returns with the lock held. */
static void run_slot(pms_pool *p, slot *sl, seat *s)
{
    pthread_mutex_unlock(&p->lock);
    size_t olen = 0;
    int ret = seat_decrypt(s, sl->key, sl->enc, sl->out, sizeof sl->out, &olen);
    pthread_mutex_lock(&p->lock);
    sl->ret = ret;
    sl->olen = olen;
    if (sl->orphan) {
        slot_clear(sl);
        pthread_cond_signal(&p->room);
    } else {
        sl->state = SLOT_DONE;
    }
    pthread_cond_broadcast(&p->done);
}

typedef struct worker_arg {
    pms_pool *p;
    seat *s;
} worker_arg;

static void *worker_main(void *arg)
{
    pms_pool *p = ((worker_arg *)arg)->p;
    seat *s = ((worker_arg *)arg)->s;
    free(arg);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        slot *sl = NULL;
        while (!p->stopping && !(sl = oldest_queued(p))) pthread_cond_wait(&p->work, &p->lock);
        if (p->stopping) break;
        sl->state = SLOT_RUNNING;
        run_slot(p, sl, s);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

pms_pool *pms_pool_new(const mbedtls_rsa_context *const *keys, size_t n, unsigned workers, size_t slots)
{
    if (workers < 1) workers = 1;
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    if (slots < 2) slots = 2;
    pms_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_cond_init(&p->room, NULL);
    p->keys = keys;
    p->n_keys = n;
    p->n_slots = slots;
    p->slots = calloc(slots, sizeof *p->slots);
    p->seats = calloc(workers + 1, sizeof *p->seats);
    bool ok = p->slots && p->seats;
    for (unsigned i = 0; ok && i <= workers; i++) {
        p->n_seats = i + 1;
        ok = seat_init(&p->seats[i], keys, n);
    }
    for (unsigned i = 0; ok && i < workers; i++) {
        worker_arg *a = malloc(sizeof *a);
        ok = a != NULL;
        if (!ok) break;
        *a = (worker_arg){ p, &p->seats[i + 1] };
        ok = pthread_create(&p->threads[i], NULL, worker_main, a) == 0;
        if (!ok) free(a);
        else p->n_threads++;
    }
    if (!ok) {
        pms_pool_free(p);
        return NULL;
    }
    return p;
}

void pms_pool_shutdown(pms_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->lock);
}

void pms_pool_free(pms_pool *p)
{
    if (!p) return;
    pms_pool_shutdown(p);
    for (unsigned i = 0; i < p->n_threads; i++) pthread_join(p->threads[i], NULL);
    for (unsigned i = 0; i < p->n_seats; i++) seat_free(&p->seats[i]);
    if (p->slots) mbedtls_platform_zeroize(p->slots, p->n_slots * sizeof *p->slots);
    free(p->slots);
    free(p->seats);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->room);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

int pms_pool_key_for_length(const pms_pool *p, size_t len)
{
    int found = -1;
    for (size_t i = 0; i < p->n_keys; i++) {
        if (mbedtls_rsa_get_len(p->keys[i]) != len) continue;
        if (found >= 0) return -1;
        found = (int)i;
    }
    return found;
}

bool pms_pool_submit(pms_pool *p, int key, const uint8_t *enc, size_t len, uint64_t tag)
{
    if (key < 0 || (size_t)key >= p->n_keys || len == 0 || len > MBEDTLS_MPI_MAX_SIZE) return false;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->stopping) break;
        /* A submitter that fell behind: the dissector is past this one. */
        if (tag <= p->passed_tag) break;
        if (find_slot(p, key, enc, len) || recently_taken(p, key, enc, len)) break;
        slot *free_slot = NULL;
        for (size_t i = 0; i < p->n_slots && !free_slot; i++)
            if (p->slots[i].state == SLOT_FREE) free_slot = &p->slots[i];
        if (!free_slot) {
            pthread_cond_wait(&p->room, &p->lock);
            continue;
        }
        free_slot->state = SLOT_QUEUED;
        free_slot->key = key;
        free_slot->len = len;
        memcpy(free_slot->enc, enc, len);
        free_slot->tag = tag;
        free_slot->order = p->next_order++;
        pthread_cond_signal(&p->work);
        break;
    }
    bool ok = !p->stopping;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void pms_pool_advance(pms_pool *p, uint64_t tag)
{
    pthread_mutex_lock(&p->lock);
    if (tag > p->passed_tag) p->passed_tag = tag;
    bool freed = false;
    for (size_t i = 0; i < p->n_slots; i++) {
        slot *sl = &p->slots[i];
        if (sl->state == SLOT_FREE || sl->tag > tag) continue;
        if (sl->state == SLOT_RUNNING) {
            sl->orphan = true;
        } else {
            slot_clear(sl);
            freed = true;
        }
    }
    if (freed) pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->lock);
}

/* Takes sl's answer and frees it.  Under the lock. */
static int take_answer(pms_pool *p, slot *sl, uint8_t *out, size_t cap, size_t *olen)
{
    remember_taken(p, sl->key, sl->enc, sl->len);
    int ret = sl->ret;
    *olen = 0;
    if (ret == 0) {
        if (sl->olen > cap) {
            ret = MBEDTLS_ERR_RSA_OUTPUT_TOO_LARGE;
        } else {
            memcpy(out, sl->out, sl->olen);
            *olen = sl->olen;
        }
    }
    slot_clear(sl);
    pthread_cond_signal(&p->room);
    return ret;
}

int pms_pool_decrypt(pms_pool *p, int key, const uint8_t *enc, size_t len, uint8_t *out, size_t out_cap,
                     size_t *olen)
{
    pthread_mutex_lock(&p->lock);
    slot *sl = find_slot(p, key, enc, len);
    if (!sl || sl->orphan) {
        remember_taken(p, key, enc, len);
        pthread_mutex_unlock(&p->lock);
        return seat_decrypt(&p->seats[0], key, enc, out, out_cap, olen);
    }
    if (sl->state == SLOT_QUEUED) {
        sl->state = SLOT_RUNNING;
        run_slot(p, sl, &p->seats[0]);
    }
    while (sl->state == SLOT_RUNNING) {
        /* A worker has it: do the next one meanwhile rather than idle. */
        slot *other = oldest_queued(p);
        if (other) {
            other->state = SLOT_RUNNING;
            run_slot(p, other, &p->seats[0]);
        } else {
            pthread_cond_wait(&p->done, &p->lock);
        }
    }
    int ret = take_answer(p, sl, out, out_cap, olen);
    pthread_mutex_unlock(&p->lock);
    return ret;
}

uint64_t pms_pool_queued(pms_pool *p)
{
    pthread_mutex_lock(&p->lock);
    uint64_t n = p->next_order;
    pthread_mutex_unlock(&p->lock);
    return n;
}
