#include "cli/shard.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli/pipeline.h"
#include "dissect/arena.h"
#include "dissect/sessions.h"

enum {
    BATCH = 2048,            /* packets read between publications */
    MAX_QUEUED = 4,          /* blocks a worker may have waiting for the writer */
    MAX_WORKERS = 64,
    CLAIM_RING = 1 << 16,    /* flows whose owners are remembered at once */
    OUT_BUFFER = 1 << 18,    /* the writer's output, gathered into fewer write(2)s */
    MAX_IOV = 256,           /* runs per write (within every system's IOV_MAX) */
};

/* Keys of output written while a dissector ends what is still open after
 * the capture: after everything else, in connection order. */
#define KEY_AT_END (UINT64_C(1) << 63)

typedef struct segment {
    uint64_t key;
    size_t end;                /* offset in the block's bytes */
} segment;

/* A worker's output between two publications. */
typedef struct block {
    struct block *next;
    char *bytes;
    size_t len, cap;
    segment *segs;
    size_t n_segs, cap_segs;
    size_t done_segs;          /* the writer's progress */
    size_t done_bytes;
} block;

typedef struct shard_runner shard_runner;

typedef struct worker {
    shard_runner *run;
    capture *cap;
    dissector *d;
    sink *view;                /* the JSON or text view, writing into `file` */
    sink tagger;               /* what the dissector writes to: tags, then the view */
    FILE *file;                /* appends to `cur` */
    json_target target;        /* the JSON view writes into `cur` itself */
    char scratch[256];         /* where it writes when memory ran out */
    stream_handler inner;      /* the dissector's own handler */
    shard_sync sync;
    dissect_config cfg;
    uint64_t events;           /* flow table callbacks so far: the position */
    _Atomic uint64_t flows_seen;   /* flows whose claim this worker has settled */
    atomic_bool reading;       /* still going through the capture */
    bool ending;               /* in dissector_free */
    uint64_t key;              /* of what is being written */
    block *cur;
    bool failed;               /* out of memory: stop at once */
    /* Under the runner's lock: */
    block *head, *tail;
    size_t queued;
    block *spare;              /* written blocks kept for reuse, their buffers grown */
    uint64_t published;        /* every key up to this one is queued */
    bool finished;
    /* Results. */
    int rc;
    char err[256];
    capture_stats cstats;
    dissector_stats dstats;
    pthread_t thread;
    bool started;
} worker;

struct shard_runner {
    const shard_params *p;
    /* Who took each flow, by its place in the order of openings: slot
     * index % CLAIM_RING holds (index + 1) << 8 | worker. */
    _Atomic uint64_t claims[CLAIM_RING];
    unsigned ring;             /* slots in use: CLAIM_RING or what the caller asked */
    pthread_mutex_t lock;
    pthread_cond_t changed;    /* something was published, taken or finished */
    atomic_bool stop;
    session_store *sessions;
    worker w[MAX_WORKERS];
    unsigned n;
    /* The writer's own (only it touches them): the runs to write, in
     * order, where they lie in the workers' blocks; those blocks go back
     * to their workers only once written. */
    struct iovec iov[MAX_IOV];
    int n_iov;
    size_t iov_bytes;
    int out_errno;             /* a write failed (errno): the workers stop, the rest is dropped */
};

/* ---- a worker's output ---- */

static bool block_reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return false;
    *p = q;
    *cap = n;
    return true;
}

static ssize_t file_write(void *cookie, const char *buf, size_t size)
{
    worker *w = cookie;
    block *b = w->cur;
    if (!block_reserve((void **)&b->bytes, &b->cap, b->len + size, 1)) {
        w->failed = true;
        return -1;
    }
    memcpy(b->bytes + b->len, buf, size);
    b->len += size;
    return (ssize_t)size;
}

enum { JSON_ROOM = 64 * 1024 };   /* room handed to the JSON view at a time */

/* The JSON view wrote `used` bytes where we last told it: they are the
 * block's; then more room at its end. */
static char *json_commit(json_target *t, size_t used, size_t *cap)
{
    worker *w = (worker *)((char *)t - offsetof(worker, target));
    block *b = w->cur;
    if (!w->failed) b->len += used;
    if (w->failed || !block_reserve((void **)&b->bytes, &b->cap, b->len + JSON_ROOM, 1)) {
        w->failed = true;
        *cap = sizeof w->scratch;
        return w->scratch;
    }
    *cap = b->cap - b->len;
    return b->bytes + b->len;
}

/* The bytes written since the last segment belong to w->key. */
static void close_segment(worker *w)
{
    block *b = w->cur;
    size_t start = b->n_segs ? b->segs[b->n_segs - 1].end : 0;
    if (b->len == start) return;
    if (b->n_segs && b->segs[b->n_segs - 1].key == w->key) {
        b->segs[b->n_segs - 1].end = b->len;
        return;
    }
    if (!block_reserve((void **)&b->segs, &b->cap_segs, b->n_segs + 1, sizeof *b->segs)) {
        w->failed = true;
        return;
    }
    b->segs[b->n_segs++] = (segment){ w->key, b->len };
}

static worker *worker_of(sink *k)
{
    return (worker *)((char *)k - offsetof(worker, tagger));
}

static void set_key(worker *w, const conn_state *c)
{
    w->key = w->ending ? KEY_AT_END + c->id : w->events;
}

static void tag_conn_open(sink *k, const conn_state *c)
{
    worker *w = worker_of(k);
    set_key(w, c);
    w->view->conn_open(w->view, c);
    close_segment(w);
}

static void tag_step(sink *k, const conn_state *c, step *s)
{
    worker *w = worker_of(k);
    set_key(w, c);
    w->view->step(w->view, c, s);
    close_segment(w);
}

static void tag_conn_close(sink *k, const conn_state *c)
{
    worker *w = worker_of(k);
    set_key(w, c);
    w->view->conn_close(w->view, c);
    close_segment(w);
}

static void block_free(block *b)
{
    if (!b) return;
    free(b->bytes);
    free(b->segs);
    free(b);
}

/* Hands the current block to the writer: every key up to `upto` is in it
 * or before it.  Waits while the writer is behind. */
static void publish(worker *w, uint64_t upto)
{
    shard_runner *r = w->run;
    block *b = w->cur, *fresh = NULL;
    pthread_mutex_lock(&r->lock);
    if (b->n_segs) {
        /* A written block's buffers, already grown to a block's size,
         * save the copies of growing new ones from nothing. */
        if (w->spare) {
            fresh = w->spare;
            w->spare = fresh->next;
            fresh->next = NULL;
        } else {
            pthread_mutex_unlock(&r->lock);
            fresh = calloc(1, sizeof *fresh);
            if (!fresh) w->failed = true;
            pthread_mutex_lock(&r->lock);
        }
    }
    if (fresh && b->n_segs) {
        w->cur = fresh;
        if (w->tail) w->tail->next = b;
        else w->head = b;
        w->tail = b;
        w->queued++;
        fresh = NULL;
    }
    if (upto > w->published) w->published = upto;
    pthread_cond_broadcast(&r->changed);
    while (w->queued >= MAX_QUEUED && !atomic_load(&r->stop)) pthread_cond_wait(&r->changed, &r->lock);
    pthread_mutex_unlock(&r->lock);
    free(fresh);
    /* The JSON view's room was in the block just handed over. */
    if (w->cur != b && w->target.commit) json_sink_write_to(w->view, &w->target);
}

/* ---- the position every flow table shares ---- */

static void *on_open(void *ctx, const endpoint *a, const endpoint *b, bool a_is_client, double ts)
{
    worker *w = ctx;
    w->events++;
    return w->inner.open(w->inner.ctx, a, b, a_is_client, ts);
}

static bool on_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    worker *w = ctx;
    w->events++;
    return w->inner.data(w->inner.ctx, flow, side, bytes, len, ts);
}

static void on_gap(void *ctx, void *flow, int side, uint64_t missing, double ts)
{
    worker *w = ctx;
    w->events++;
    w->inner.gap(w->inner.ctx, flow, side, missing, ts);
}

static void on_anomaly(void *ctx, void *flow, int side, const char *what, double ts)
{
    worker *w = ctx;
    w->events++;
    w->inner.anomaly(w->inner.ctx, flow, side, what, ts);
}

static void on_close(void *ctx, void *flow, const char *why, double ts)
{
    worker *w = ctx;
    w->events++;
    w->inner.close(w->inner.ctx, flow, why, ts);
}

static uint64_t sync_position(void *ctx)
{
    return ((worker *)ctx)->events;
}

/* Before a session lookup at position E: every other worker must have
 * stored what it stores before E.  What this one wrote so far goes to the
 * writer first, so that nobody waits on it. */
static void sync_wait(void *ctx)
{
    worker *w = ctx;
    shard_runner *r = w->run;
    uint64_t before = w->events - 1;
    close_segment(w);
    publish(w, before);
    pthread_mutex_lock(&r->lock);
    for (;;) {
        bool behind = false;
        for (unsigned i = 0; i < r->n; i++)
            if (&r->w[i] != w && !r->w[i].finished && r->w[i].published < before) behind = true;
        if (!behind || atomic_load(&r->stop)) break;
        pthread_cond_wait(&r->changed, &r->lock);
    }
    pthread_mutex_unlock(&r->lock);
}

/* Whether every worker still reading has settled the claim of flow
 * `held` - 1, so that its slot may be used again. */
static bool all_settled(shard_runner *r, uint64_t held)
{
    for (unsigned i = 0; i < r->n; i++)
        if (atomic_load(&r->w[i].reading) && atomic_load(&r->w[i].flows_seen) < held) return false;
    return true;
}

/* The first worker to open a flow takes it: a thread that gets ahead
 * (less work, or a faster core) takes more, and the other catches up
 * while it only follows the packets of flows it does not have.  The
 * outcome is the same output whoever takes what. */
static bool sync_claim(void *ctx, uint64_t index)
{
    worker *w = ctx;
    shard_runner *r = w->run;
    _Atomic uint64_t *slot = &r->claims[index % r->ring];
    uint64_t me = (uint64_t)(w - r->w);
    bool mine = false;
    for (;;) {
        uint64_t v = atomic_load(slot);
        uint64_t held = v >> 8;
        if (held == index + 1) {
            mine = (v & 0xff) == me;
            break;
        }
        if (held && !all_settled(r, held)) {
            /* A ring's worth of flows ahead of the slowest worker (one that
             * writes nothing can get so far): let the others see what
             * is out, then wait for them. */
            sync_wait(ctx);
            if (atomic_load(&r->stop)) break;
            if (!all_settled(r, held)) sched_yield();
            continue;
        }
        if (atomic_compare_exchange_weak(slot, &v, (index + 1) << 8 | me)) {
            mine = true;
            break;
        }
    }
    atomic_store(&w->flows_seen, index + 1);
    return mine;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shard_runner *r = w->run;
    volatile sig_atomic_t never = 0;
    while (!atomic_load(&r->stop) && !w->failed) {
        int got = capture_step(w->cap, BATCH, &never, w->err, sizeof w->err);
        if (got < 0) {
            w->rc = -1;
            break;
        }
        close_segment(w);
        publish(w, w->events);
        if (got == 0) break;
    }
    atomic_store(&w->reading, false);   /* no more claims from this one */
    capture_finish(w->cap);         /* ends every flow, as one dissector would */
    capture_get_stats(w->cap, &w->cstats);
    w->dstats = *dissector_get_stats(w->d);
    w->ending = true;
    dissector_free(w->d);           /* what is still open, in connection order */
    w->d = NULL;
    close_segment(w);
    arena_pool_drain();
    if (w->failed) atomic_store(&r->stop, true);
    publish(w, UINT64_MAX);
    pthread_mutex_lock(&r->lock);
    w->finished = true;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

/* ---- the writer ---- */

/* Output in order, gathered (the runs between two workers' turns are
 * often a single step's line): everything gathered goes out in one
 * writev(2) where the system takes it all. */
static void writer_flush(shard_runner *r, FILE *out)
{
    struct iovec *v = r->iov;
    int n = r->n_iov;
    r->n_iov = 0;
    r->iov_bytes = 0;
    if (!n || r->out_errno) return;
    if (fflush(out) != 0) {      /* whatever stdio still holds goes first */
        r->out_errno = errno ? errno : EIO;
        atomic_store(&r->stop, true);
        return;
    }
    while (n > 0) {
        ssize_t done = writev(fileno(out), v, n);
        if (done < 0) {
            if (errno == EINTR) continue;
            r->out_errno = errno;
            atomic_store(&r->stop, true);
            return;
        }
        while (n > 0 && (size_t)done >= v->iov_len) {
            done -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= (size_t)done;
        }
    }
}

/* A run of output to write; runs are gathered, not copied. */
static void writer_put(shard_runner *r, FILE *out, const char *p, size_t n)
{
    if (!n) return;
    r->iov[r->n_iov++] = (struct iovec){ (void *)p, n };
    r->iov_bytes += n;
    if (r->n_iov == MAX_IOV || r->iov_bytes >= OUT_BUFFER) writer_flush(r, out);
}

/* The next key worker w will write, if it has one queued. */
static bool next_key(const worker *w, uint64_t *key)
{
    for (const block *b = w->head; b; b = b->next)
        if (b->done_segs < b->n_segs) {
            *key = b->segs[b->done_segs].key;
            return true;
        }
    return false;
}

/* Gives w back the blocks that are all written (and out of the writer's
 * hands: nothing gathered), and lets w go on. */
static void drop_written(shard_runner *r, worker *w)
{
    if (r->n_iov) return;
    while (w->head && w->head->done_segs == w->head->n_segs) {
        block *b = w->head;
        w->head = b->next;
        if (!w->head) w->tail = NULL;
        w->queued--;
        b->len = b->n_segs = b->done_segs = b->done_bytes = 0;
        b->next = w->spare;
        w->spare = b;
        pthread_cond_broadcast(&r->changed);
    }
}

/* Up to where worker `best` may write: below every other worker's next
 * key, and within what the others have published. */
static uint64_t limit_for(const shard_runner *r, unsigned best)
{
    uint64_t limit = UINT64_MAX;
    for (unsigned i = 0; i < r->n; i++) {
        if (i == best) continue;
        uint64_t k;
        if (next_key(&r->w[i], &k)) {
            if (k - 1 < limit) limit = k - 1;
        } else if (!r->w[i].finished && r->w[i].published < limit) {
            limit = r->w[i].published;
        }
    }
    return limit;
}

static void drop_all_written(shard_runner *r)
{
    for (unsigned i = 0; i < r->n; i++) drop_written(r, &r->w[i]);
}

/* Writes what can be written in key order; false once every worker has
 * finished and everything is out.  Called with the lock held; drops it
 * while writing. */
static bool write_some(shard_runner *r, FILE *out)
{
    unsigned best = r->n;
    uint64_t best_key = 0;
    for (unsigned i = 0; i < r->n; i++) {
        uint64_t k;
        if (next_key(&r->w[i], &k) && (best == r->n || k < best_key)) {
            best = i;
            best_key = k;
        }
    }
    uint64_t limit = best == r->n ? 0 : limit_for(r, best);
    if (best == r->n || best_key > limit) {
        /* Nothing to write for now: what is gathered goes out, and its
         * blocks back to their workers, before waiting for more. */
        if (r->n_iov) {
            pthread_mutex_unlock(&r->lock);   /* the gathered blocks stay put until dropped */
            writer_flush(r, out);
            pthread_mutex_lock(&r->lock);
            drop_all_written(r);
            return true;
        }
        if (best == r->n) {
            bool all_done = true;
            for (unsigned i = 0; i < r->n; i++) all_done = all_done && r->w[i].finished && !r->w[i].head;
            if (all_done) return false;
        }
        pthread_cond_wait(&r->changed, &r->lock);
        return true;
    }
    worker *w = &r->w[best];
    block *b = w->head;
    while (b->done_segs == b->n_segs) b = b->next;
    size_t from = b->done_bytes, to = from;
    size_t s = b->done_segs;
    while (s < b->n_segs && b->segs[s].key <= limit) to = b->segs[s++].end;
    pthread_mutex_unlock(&r->lock);
    writer_put(r, out, b->bytes + from, to - from);
    pthread_mutex_lock(&r->lock);
    b->done_bytes = to;
    b->done_segs = s;
    drop_all_written(r);
    return true;
}

/* ---- setting up ---- */

static bool worker_open(shard_runner *r, worker *w, unsigned index, char *err, size_t errlen)
{
    const shard_params *p = r->p;
    w->run = r;
    w->cur = calloc(1, sizeof *w->cur);
    cookie_io_functions_t io = { .write = file_write };
    w->file = w->cur ? fopencookie(w, "w", io) : NULL;
    if (!w->file) {
        snprintf(err, errlen, "out of memory starting the worker threads");
        return false;
    }
    setvbuf(w->file, NULL, _IONBF, 0);   /* every write lands in the block at once */
    __fsetlocking(w->file, FSETLOCKING_BYCALLER);   /* only this worker writes to it: no lock per line */
    render_options ro = p->render;
    ro.hold_lines = false;
    w->view = p->json ? json_sink_new(w->file, &ro) : text_sink_new(w->file, &ro);
    if (w->view && p->json) {
        /* No stdio between the JSON view and the block. */
        w->target.commit = json_commit;
        json_sink_write_to(w->view, &w->target);
    }
    w->tagger = (sink){ tag_conn_open, tag_step, tag_conn_close };
    w->cfg = *p->config;
    w->d = w->view ? dissector_new(&w->cfg, &w->tagger) : NULL;
    if (!w->d) {
        snprintf(err, errlen, "out of memory starting the worker threads");
        return false;
    }
    w->sync = (shard_sync){ w, sync_position, sync_wait, sync_claim };
    atomic_store(&w->reading, true);
    dissector_set_shard(w->d, index, r->n, r->sessions, &w->sync);
    w->inner = pipeline_handler(w->d);
    stream_handler h = { w, on_open, on_data, on_gap, on_anomaly, on_close };
    w->cap = capture_open(p->capture, &h, err, errlen);
    return w->cap != NULL;
}

static void worker_free(worker *w)
{
    if (w->cap) capture_close(w->cap);
    dissector_free(w->d);
    if (w->view) render_sink_free(w->view);
    if (w->file) fclose(w->file);
    block_free(w->cur);
    while (w->head) {
        block *b = w->head;
        w->head = b->next;
        block_free(b);
    }
    while (w->spare) {
        block *b = w->spare;
        w->spare = b->next;
        block_free(b);
    }
}

int shard_run(const shard_params *p, FILE *out, capture_stats *cs, dissector_stats *ds, char *err,
              size_t errlen)
{
    memset(cs, 0, sizeof *cs);
    memset(ds, 0, sizeof *ds);
    shard_runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory starting the worker threads");
        return -1;
    }
    r->p = p;
    r->ring = p->claim_ring && p->claim_ring < CLAIM_RING ? p->claim_ring : CLAIM_RING;
    r->n = p->workers < 2 ? 2 : p->workers > MAX_WORKERS ? MAX_WORKERS : p->workers;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    r->sessions = session_store_new(0, true);
    int rc = r->sessions ? 0 : -1;
    if (rc) snprintf(err, errlen, "out of memory starting the worker threads");
    for (unsigned i = 0; rc == 0 && i < r->n; i++)
        if (!worker_open(r, &r->w[i], i, err, errlen)) rc = -1;
    for (unsigned i = 0; rc == 0 && i < r->n; i++) {
        if (pthread_create(&r->w[i].thread, NULL, worker_main, &r->w[i]) != 0) {
            snprintf(err, errlen, "cannot start the worker threads; try --threads 1");
            atomic_store(&r->stop, true);
            rc = -1;
            break;
        }
        r->w[i].started = true;
    }
    if (rc == 0) {
        pthread_mutex_lock(&r->lock);
        while (write_some(r, out)) {
            if (p->stop && *p->stop) atomic_store(&r->stop, true);
        }
        pthread_mutex_unlock(&r->lock);
        writer_flush(r, out);
    } else {
        pthread_mutex_lock(&r->lock);
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
    }
    for (unsigned i = 0; i < r->n; i++)
        if (r->w[i].started) pthread_join(r->w[i].thread, NULL);
    if (rc == 0) {
        *cs = r->w[0].cstats;
        memset(ds, 0, sizeof *ds);
        for (unsigned i = 0; i < r->n; i++) {
            const dissector_stats *s = &r->w[i].dstats;
            ds->tls_connections += s->tls_connections;
            ds->non_tls += s->non_tls;
            ds->records += s->records;
            ds->malformed_records += s->malformed_records;
            ds->handshake_messages += s->handshake_messages;
            ds->oversized_messages += s->oversized_messages;
            ds->gaps += s->gaps;
            ds->ended += s->ended;
        }
        if (r->out_errno) {
            snprintf(err, errlen, "cannot write the output: %s (check where it goes and the free space there)",
                     strerror(r->out_errno));
            rc = -1;
        }
        for (unsigned i = 0; rc == 0 && i < r->n; i++) {
            if (r->w[i].rc < 0) {
                snprintf(err, errlen, "%s", r->w[i].err);
                rc = -1;
                break;
            }
            if (r->w[i].failed) {
                snprintf(err, errlen, "out of memory holding the output of the worker threads; try --threads 1");
                rc = -1;
                break;
            }
        }
    }
    for (unsigned i = 0; i < r->n; i++) worker_free(&r->w[i]);
    session_store_free(r->sessions);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
    free(r);
    return rc;
}
