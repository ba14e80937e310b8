/* The flow table: one entry per TCP connection, found from either
 * direction, kept in least-recently-used order for idle expiry and for
 * eviction when the table is full.
 *
 * A connection that ends with FIN or RST stays in the table for a while as
 * a closed entry, so that its last ACKs and retransmissions are absorbed
 * instead of opening a bogus new flow.  A SYN (or data far from the old
 * sequence numbers) on a closed entry starts a new connection. */
#include "capture/capture.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/reasm.h"

/* How long a closed connection lingers (capped by the idle timeout), so
 * that its late packets do not look like a new connection; and how many
 * may linger at once, so that a busy capture's memory stays flat (at
 * hundreds of connections a second, the most recent thousands cover the
 * seconds in which stragglers come). */
#define FLOW_CLOSED_LINGER 60.0
enum { FLOW_CLOSED_MAX = 4096 };
/* Data this far from a closed connection's sequence numbers belongs to a
 * new connection on the same ports. */
#define FLOW_STRAGGLER_WINDOW (1u << 20)
#define FLOW_MIN_BUCKETS 256

typedef struct flow flow;

typedef struct flow_list {
    flow *head;              /* most recently used */
    flow *tail;
    size_t n;
} flow_list;

struct flow {
    flow *hnext;             /* hash chain */
    flow *prev, *next;       /* in open or closed list */
    uint64_t hash;
    endpoint ep[2];
    void *user;
    double last_ts;
    bool side0_is_client;
    bool closed;             /* ended by FIN or RST, lingering */
    bool ignored;            /* handler->open returned NULL */
    bool stopped;            /* handler->data returned false */
    reasm_dir dir[2];
};

struct flow_table {
    flow_limits limits;
    stream_handler h;
    capture_stats *stats;
    capture_stats own_stats;
    flow **buckets;
    size_t nbuckets;         /* a power of two */
    flow_list open, closed;
    uint64_t seed;
    reasm_scratch scratch;
};

/* ---- lists ---- */

static void list_unlink(flow_list *l, flow *f)
{
    if (f->prev) f->prev->next = f->next;
    else l->head = f->next;
    if (f->next) f->next->prev = f->prev;
    else l->tail = f->prev;
    f->prev = f->next = NULL;
    l->n--;
}

static void list_push(flow_list *l, flow *f)
{
    f->prev = NULL;
    f->next = l->head;
    if (l->head) l->head->prev = f;
    else l->tail = f;
    l->head = f;
    l->n++;
}

/* ---- hashing ---- */

/* An address as two words (loads, not a memcmp call: this runs for every
 * packet, several times). */
static inline void addr_words(const endpoint *e, uint64_t w[2])
{
    memcpy(w, e->addr, 16);
}

static bool ep_equal(const endpoint *a, const endpoint *b)
{
    uint64_t x[2], y[2];
    addr_words(a, x);
    addr_words(b, y);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0 && a->port == b->port && a->family == b->family;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

/* One end's contribution: its words multiplied by different odd
 * constants, so that swapping parts of it changes the sum. */
static uint64_t hash_ep(const endpoint *e)
{
    uint64_t w[2];
    addr_words(e, w);
    uint64_t x = w[0] * 0x9e3779b97f4a7c15ULL ^ w[1] * 0xc2b2ae3d27d4eb4fULL;
    x ^= ((uint64_t)e->family << 16 | e->port) * 0x165667b19e3779f9ULL;
    return mix64(x);
}

/* The same for both directions: the two ends' hashes are added, which
 * does not depend on their order, and the sum mixed with the seed. */
static uint64_t flow_hash(const flow_table *t, const endpoint *a, const endpoint *b)
{
    return mix64(t->seed ^ (hash_ep(a) + hash_ep(b)));
}

static flow *lookup(const flow_table *t, const tcp_segment *seg, uint64_t hash)
{
    for (flow *f = t->buckets[hash & (t->nbuckets - 1)]; f; f = f->hnext) {
        if (f->hash != hash) continue;
        if ((ep_equal(&f->ep[0], &seg->src) && ep_equal(&f->ep[1], &seg->dst)) ||
            (ep_equal(&f->ep[0], &seg->dst) && ep_equal(&f->ep[1], &seg->src)))
            return f;
    }
    return NULL;
}

static void hash_insert(flow_table *t, flow *f)
{
    flow **b = &t->buckets[f->hash & (t->nbuckets - 1)];
    f->hnext = *b;
    *b = f;
}

static void hash_remove(flow_table *t, flow *f)
{
    flow **pp = &t->buckets[f->hash & (t->nbuckets - 1)];
    while (*pp && *pp != f) pp = &(*pp)->hnext;
    if (*pp) *pp = f->hnext;
}

static void maybe_grow(flow_table *t)
{
    size_t n = t->open.n + t->closed.n;
    if (n <= t->nbuckets) return;
    size_t nb = t->nbuckets * 2;
    flow **b = calloc(nb, sizeof *b);
    if (!b) return;                       /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        flow *f = t->buckets[i];
        while (f) {
            flow *next = f->hnext;
            f->hnext = b[f->hash & (nb - 1)];
            b[f->hash & (nb - 1)] = f;
            f = next;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

static uint64_t make_seed(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&s, sizeof s, 1, f) != 1) s = 0;
        fclose(f);
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return mix64(s ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)getpid());
}

/* ---- the table ---- */

flow_table *flow_table_new(const flow_limits *limits, const stream_handler *h, capture_stats *stats)
{
    flow_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    flow_limits def = FLOW_LIMITS_DEFAULT;
    t->limits = limits ? *limits : def;
    if (t->limits.max_flows == 0) t->limits.max_flows = def.max_flows;
    if (t->limits.idle_timeout == 0) t->limits.idle_timeout = def.idle_timeout;
    if (t->limits.max_buffered == 0) t->limits.max_buffered = def.max_buffered;
    if (h) t->h = *h;
    t->stats = stats ? stats : &t->own_stats;
    t->nbuckets = FLOW_MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->seed = make_seed();
    return t;
}

size_t flow_table_count(const flow_table *t)
{
    return t ? t->open.n : 0;
}

static reasm_ctx ctx_for(flow_table *t, flow *f, int side)
{
    reasm_ctx x = { &t->h, t->stats, t->limits.max_buffered, &t->scratch, f->user, side,
                    f->ignored || f->stopped, false };
    return x;
}

static void stop_flow(flow *f)
{
    f->stopped = true;
    reasm_discard(&f->dir[0]);
    reasm_discard(&f->dir[1]);
}

static void destroy(flow_table *t, flow *f)
{
    hash_remove(t, f);
    list_unlink(f->closed ? &t->closed : &t->open, f);
    reasm_discard(&f->dir[0]);
    reasm_discard(&f->dir[1]);
    free(f);
}

/* Ends an open connection: delivers what is left, tells the handler.  With
 * `linger` the entry stays as a closed one, otherwise it is freed. */
static void end_flow(flow_table *t, flow *f, const char *why, double ts, bool linger)
{
    for (int side = 0; side < 2; side++) {
        reasm_ctx x = ctx_for(t, f, side);
        reasm_flush(&f->dir[side], &x, ts);
        if (x.stopped) stop_flow(f);
    }
    if (!f->ignored && t->h.close) t->h.close(t->h.ctx, f->user, why, ts);
    f->user = NULL;
    if (!linger) {
        destroy(t, f);
        return;
    }
    list_unlink(&t->open, f);
    f->closed = true;
    list_push(&t->closed, f);
    while (t->closed.n > FLOW_CLOSED_MAX) destroy(t, t->closed.tail);
}

static double linger_time(const flow_table *t)
{
    double idle = t->limits.idle_timeout;
    return idle > 0 && idle < FLOW_CLOSED_LINGER ? idle : FLOW_CLOSED_LINGER;
}

/* Makes room for one more flow. */
static void make_room(flow_table *t, double ts)
{
    if (t->closed.tail) {
        destroy(t, t->closed.tail);
        return;
    }
    flow *victim = t->open.tail;
    if (!victim) return;
    if (t->limits.idle_timeout > 0 && victim->last_ts < ts - t->limits.idle_timeout) {
        t->stats->idle_closed++;
        end_flow(t, victim, "idle", ts, false);
    } else {
        t->stats->evicted++;
        end_flow(t, victim, "evicted", ts, false);
    }
}

static flow *create(flow_table *t, const tcp_segment *seg, uint64_t hash, double ts)
{
    if (t->open.n + t->closed.n >= t->limits.max_flows) make_room(t, ts);
    flow *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->hash = hash;
    f->last_ts = ts;
    bool syn = seg->flags & TCP_SYN, ack = seg->flags & TCP_ACK;
    if (syn && ack) {                 /* the SYN-ACK goes to the client */
        f->ep[0] = seg->dst;
        f->ep[1] = seg->src;
        f->side0_is_client = true;
    } else {
        f->ep[0] = seg->src;
        f->ep[1] = seg->dst;
        f->side0_is_client = syn;
    }
    hash_insert(t, f);
    list_push(&t->open, f);
    maybe_grow(t);
    t->stats->flows++;
    if (t->h.open) {
        f->user = t->h.open(t->h.ctx, &f->ep[0], &f->ep[1], f->side0_is_client, ts);
        if (!f->user) {
            f->ignored = true;
            t->stats->flows_ignored++;
        }
    }
    return f;
}

/* A segment arriving for a connection that closed: a straggler of the old
 * one, or the start of a new one on the same ports? */
static bool starts_new_connection(const flow *f, const tcp_segment *seg)
{
    const reasm_dir *d = &f->dir[ep_equal(&f->ep[0], &seg->src) ? 0 : 1];
    if (seg->flags & TCP_RST) return false;
    if (seg->flags & TCP_SYN) {
        if (!(seg->flags & TCP_ACK)) return true;
        return !(d->syn_seen && d->isn == seg->seq);   /* else a repeated SYN-ACK */
    }
    if (seg->payload_wire_len == 0 && !(seg->flags & TCP_FIN)) return false;
    if (!d->have_seq) return false;
    uint32_t dist = seg->seq - d->next_seq;
    return dist > FLOW_STRAGGLER_WINDOW && (uint32_t)-dist > FLOW_STRAGGLER_WINDOW;
}

/* A SYN on an open connection: a repeat, or a new connection whose
 * predecessor's end we did not see? */
static bool reuses_ports(const flow *f, const tcp_segment *seg)
{
    const reasm_dir *d = &f->dir[ep_equal(&f->ep[0], &seg->src) ? 0 : 1];
    if (d->syn_seen) return d->isn != seg->seq;
    return f->dir[0].data_seen || f->dir[1].data_seen;
}

static void touch(flow_table *t, flow *f, double ts)
{
    if (ts > f->last_ts) f->last_ts = ts;
    flow_list *l = f->closed ? &t->closed : &t->open;
    if (l->head != f) {
        list_unlink(l, f);
        list_push(l, f);
    }
}

void flow_table_segment(flow_table *t, const tcp_segment *seg, double ts)
{
    uint64_t hash = flow_hash(t, &seg->src, &seg->dst);
    flow *f = lookup(t, seg, hash);
    bool syn = seg->flags & TCP_SYN, ack = seg->flags & TCP_ACK, rst = seg->flags & TCP_RST;

    if (f && f->closed) {
        if (!starts_new_connection(f, seg)) {
            touch(t, f, ts);
            return;
        }
        destroy(t, f);
        f = NULL;
    }
    if (f && syn && !ack && !rst && reuses_ports(f, seg)) {
        end_flow(t, f, "reused", ts, false);
        f = NULL;
    }
    if (!f) {
        if (rst) return;              /* a reset for a connection we never saw */
        f = create(t, seg, hash, ts);
        if (!f) return;
    } else {
        touch(t, f, ts);
    }

    if (rst) {
        end_flow(t, f, "rst", ts, true);
        return;
    }
    int side = ep_equal(&f->ep[0], &seg->src) ? 0 : 1;
    reasm_ctx x = ctx_for(t, f, side);
    reasm_segment(&f->dir[side], &x, seg, ts);
    if (x.stopped) stop_flow(f);

    if (f->dir[0].fin_seen && f->dir[1].fin_seen &&
        (f->ignored || f->stopped || (reasm_finished(&f->dir[0]) && reasm_finished(&f->dir[1]))))
        end_flow(t, f, "fin", ts, true);
}

void flow_table_expire(flow_table *t, double now)
{
    if (!t) return;
    if (t->limits.idle_timeout > 0) {
        while (t->open.tail && t->open.tail->last_ts < now - t->limits.idle_timeout) {
            t->stats->idle_closed++;
            end_flow(t, t->open.tail, "idle", now, false);
        }
    }
    double linger = linger_time(t);
    while (t->closed.tail && t->closed.tail->last_ts < now - linger) destroy(t, t->closed.tail);
}

void flow_table_free(flow_table *t, double now)
{
    if (!t) return;
    while (t->open.tail) end_flow(t, t->open.tail, "end of capture", now, false);
    while (t->closed.tail) destroy(t, t->closed.tail);
    free(t->buckets);
    free(t->scratch.v);
    free(t);
}
