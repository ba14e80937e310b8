/* TCP reassembly of one direction.
 *
 * The model: `next_seq` is the first byte not yet delivered.  A segment is
 * cut into pieces against what is already held back (first copy wins; a
 * piece of the new copy that overlaps held-back bytes is compared and then
 * dropped).  A piece that starts at next_seq is delivered at once, from the
 * packet; the others are copied and held back, sorted, until the hole in
 * front of them is filled, given up on (buffer limit) or the connection
 * ends.  Bytes before next_seq were delivered already and are dropped.
 *
 * Sequence numbers wrap at 2^32; every comparison is relative to next_seq
 * or done with serial-number arithmetic. */
#include "capture/reasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect/cursor.h"

/* Segments longer than this are not believed (and would break serial
 * arithmetic). */
#define REASM_MAX_SEGMENT (1u << 30)

/* Bytes [off, off+n) of a buffer of len bytes, through the cursor. */
static const uint8_t *slice(const uint8_t *buf, size_t len, size_t off, size_t n)
{
    cursor c = cur_make(buf, len);
    const uint8_t *out = NULL;
    if (!buf || !cur_skip(&c, off) || !cur_bytes(&c, n, &out)) return NULL;
    return out;
}

static void anomaly(reasm_ctx *x, const char *what, double ts)
{
    if (!x->stopped && !x->track_only && x->h->anomaly)
        x->h->anomaly(x->h->ctx, x->user, x->side, what, ts);
}

/* Delivers n in-order bytes (p == NULL: bytes known to be missing). */
static void emit(reasm_dir *d, reasm_ctx *x, const uint8_t *p, size_t n, double ts)
{
    if (n == 0) return;
    if (!p) {
        x->stats->gaps++;
        x->stats->gap_bytes += n;
        if (!x->stopped && x->h->gap) x->h->gap(x->h->ctx, x->user, x->side, n, ts);
    } else if (!x->stopped && x->h->data) {
        if (!x->h->data(x->h->ctx, x->user, x->side, p, n, ts)) x->stopped = true;
    }
    d->next_seq += (uint32_t)n;
    d->next_off += n;
}

/* Delivers the held-back stretches that now follow next_seq directly. */
static void drain(reasm_dir *d, reasm_ctx *x, double ts)
{
    while (d->head && !x->stopped) {
        reasm_node *n = d->head;
        if (seq_before(d->next_seq, n->seq)) break;     /* still a hole */
        d->head = n->next;
        if (!d->head) d->tail = NULL;
        if (!n->missing) d->buffered -= n->len;
        uint32_t skip = d->next_seq - n->seq;
        if (skip < n->len) {
            size_t len = n->len - skip;
            if (n->missing) emit(d, x, NULL, len, ts);
            else emit(d, x, slice(n->data, n->len, skip, len), len, ts);
        }
        free(n);
    }
}

/* Stops waiting for the hole before the first held-back stretch. */
static void give_up_hole(reasm_dir *d, reasm_ctx *x, double ts)
{
    uint32_t missing = d->head->seq - d->next_seq;
    if (missing) emit(d, x, NULL, missing, ts);
    drain(d, x, ts);
}

static void insert_node(reasm_dir *d, reasm_node *n)
{
    if (!d->head) {
        n->next = NULL;
        d->head = d->tail = n;
        return;
    }
    if (seq_before(d->tail->seq, n->seq)) {
        n->next = NULL;
        d->tail->next = n;
        d->tail = n;
        return;
    }
    reasm_node **pp = &d->head;
    while (*pp && seq_before((*pp)->seq, n->seq)) pp = &(*pp)->next;
    n->next = *pp;
    *pp = n;
    if (!n->next) d->tail = n;
}

/* A piece that cannot be delivered yet: hold it back, within the limit. */
static void hold_back(reasm_dir *d, reasm_ctx *x, const reasm_piece *p, const uint8_t *payload,
                      size_t payload_len, double ts)
{
    bool missing = payload == NULL;
    size_t need = missing ? 0 : p->len;
    if (d->buffered + need > x->max_buffered) {
        char what[160];
        x->stats->buffer_limit_hits++;
        snprintf(what, sizeof what,
                 "out-of-order data reached the buffer limit of %zu bytes; giving up on the missing bytes before it",
                 x->max_buffered);
        anomaly(x, what, ts);
        while (d->head && seq_before(d->head->seq, p->seq) && d->buffered + need > x->max_buffered &&
               !x->stopped)
            give_up_hole(d, x, ts);
        if (x->stopped) return;
        if (d->buffered + need > x->max_buffered && p->seq != d->next_seq) {
            /* Still no room: this piece is the earliest data we have. */
            emit(d, x, NULL, p->seq - d->next_seq, ts);
        }
        if (p->seq == d->next_seq) {
            emit(d, x, missing ? NULL : slice(payload, payload_len, p->off, p->len), p->len, ts);
            drain(d, x, ts);
            return;
        }
    }
    const uint8_t *src = missing ? NULL : slice(payload, payload_len, p->off, p->len);
    reasm_node *n = missing || src ? malloc(sizeof *n + need) : NULL;
    if (!n) {
        anomaly(x, "out of memory holding back an out-of-order segment; it will show as a gap", ts);
        return;
    }
    n->seq = p->seq;
    n->len = p->len;
    n->missing = missing;
    if (src) memcpy(n->data, src, need);
    d->buffered += need;
    insert_node(d, n);
}

static bool add_piece(reasm_ctx *x, size_t *np, uint32_t seq, uint64_t len, size_t off)
{
    reasm_scratch *s = x->scratch;
    if (*np == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        reasm_piece *v = realloc(s->v, cap * sizeof *v);
        if (!v) return false;
        s->v = v;
        s->cap = cap;
    }
    s->v[(*np)++] = (reasm_piece){ seq, (uint32_t)len, off };
    return true;
}

typedef struct seg_summary {
    size_t total;            /* sequence space the segment covers */
    size_t old;              /* of which already delivered */
    size_t covered;          /* of which already held back */
    bool held;               /* some of it was held back */
} seg_summary;

/* One stretch of a segment: captured bytes, or (payload == NULL) bytes the
 * snaplen cut. */
static void take_range(reasm_dir *d, reasm_ctx *x, uint32_t seq, const uint8_t *payload, size_t len,
                       double ts, seg_summary *sum)
{
    size_t off = 0;
    sum->total += len;
    if (len == 0) return;
    uint32_t end = seq + (uint32_t)len;
    if (!seq_before(d->next_seq, end)) {     /* wholly delivered already */
        sum->old += len;
        return;
    }
    if (seq_before(seq, d->next_seq)) {      /* its start was */
        uint32_t k = d->next_seq - seq;
        off = k;
        seq = d->next_seq;
        sum->old += k;
    }
    size_t avail = len - off;
    size_t payload_len = payload ? len : 0;

    /* Phase 1: cut it into pieces around what is held back, comparing the
     * overlaps.  The list is not changed here. */
    size_t np = 0;
    bool oom = false;
    uint64_t rs = (uint32_t)(seq - d->next_seq), re = rs + avail;
    uint64_t conflict_at = 0, overlap = 0;
    bool conflict = false;
    if (!d->tail || rs >= (uint64_t)(uint32_t)(d->tail->seq - d->next_seq) + d->tail->len) {
        oom = !add_piece(x, &np, seq, avail, off);
    } else {
        uint64_t cur = rs;
        for (reasm_node *n = d->head; n && cur < re; n = n->next) {
            uint64_t ns = (uint32_t)(n->seq - d->next_seq), ne = ns + n->len;
            if (ne <= cur) continue;
            if (ns >= re) break;
            if (cur < ns) {
                oom |= !add_piece(x, &np, seq + (uint32_t)(cur - rs), ns - cur, off + (size_t)(cur - rs));
                cur = ns;
            }
            uint64_t oe = ne < re ? ne : re;
            sum->covered += (size_t)(oe - cur);
            if (payload && !n->missing) {
                size_t n_len = (size_t)(oe - cur);
                const uint8_t *mine = slice(payload, payload_len, off + (size_t)(cur - rs), n_len);
                const uint8_t *held = slice(n->data, n->len, (size_t)(cur - ns), n_len);
                if (mine && held && memcmp(mine, held, n_len) != 0) {
                    if (!conflict) conflict_at = d->next_off + cur;
                    conflict = true;
                    overlap += n_len;
                }
            }
            cur = oe;
        }
        if (cur < re) oom |= !add_piece(x, &np, seq + (uint32_t)(cur - rs), re - cur, off + (size_t)(cur - rs));
    }
    if (conflict) {
        char what[200];
        x->stats->conflicting++;
        snprintf(what, sizeof what,
                 "a retransmitted segment differs from the first copy (%llu overlapping bytes from stream offset %llu); the first copy was kept",
                 (unsigned long long)overlap, (unsigned long long)conflict_at);
        anomaly(x, what, ts);
    }
    if (oom) anomaly(x, "out of memory splitting a segment; part of it will show as a gap", ts);

    /* Phase 2: deliver or hold back each piece, in sequence order. */
    for (size_t i = 0; i < np && !x->stopped; i++) {
        reasm_piece p = x->scratch->v[i];
        if (p.seq == d->next_seq) {
            emit(d, x, payload ? slice(payload, payload_len, p.off, p.len) : NULL, p.len, ts);
            drain(d, x, ts);
        } else {
            sum->held = true;
            hold_back(d, x, &p, payload, payload_len, ts);
        }
    }
}

void reasm_segment(reasm_dir *d, reasm_ctx *x, const tcp_segment *seg, double ts)
{
    uint32_t s = seg->seq;
    if (seg->flags & TCP_SYN) {
        if (!d->syn_seen) {
            d->syn_seen = true;
            d->isn = seg->seq;
        }
        s += 1;                                  /* the SYN takes one number */
    }
    if (!d->have_seq) {
        d->have_seq = true;
        d->next_seq = s;
    }
    size_t wire = seg->payload_wire_len;
    size_t cap = seg->payload_len < wire ? seg->payload_len : wire;
    if (wire > REASM_MAX_SEGMENT) {
        anomaly(x, "a segment claims an implausible length; ignored", ts);
        return;
    }
    if ((seg->flags & TCP_FIN) && !d->fin_seen) {
        d->fin_seen = true;
        d->fin_seq = s + (uint32_t)wire;
    }
    if (wire) d->data_seen = true;
    if (x->track_only) {
        /* Nothing is delivered; keep next_seq near the stream's end so the
         * flow table can tell its stragglers from a new connection. */
        if (seq_before(d->next_seq, s + (uint32_t)wire)) d->next_seq = s + (uint32_t)wire;
        return;
    }
    if (wire == 0) return;

    seg_summary sum = { 0, 0, 0, false };
    if (cap < wire && seq_before(d->next_seq, s + (uint32_t)wire)) {
        char what[120];
        snprintf(what, sizeof what, "segment truncated by the snaplen: %zu of %zu bytes captured", cap, wire);
        anomaly(x, what, ts);
    }
    take_range(d, x, s, cap ? seg->payload : NULL, cap, ts, &sum);
    if (cap < wire && !x->stopped) take_range(d, x, s + (uint32_t)cap, NULL, wire - cap, ts, &sum);

    if (sum.old + sum.covered == sum.total) x->stats->retransmitted++;
    if (sum.held) x->stats->out_of_order++;
}

bool reasm_finished(const reasm_dir *d)
{
    return d->fin_seen && !seq_before(d->next_seq, d->fin_seq);
}

void reasm_flush(reasm_dir *d, reasm_ctx *x, double ts)
{
    if (!x->track_only) {
        while (d->head && !x->stopped) give_up_hole(d, x, ts);
        if (!x->stopped && d->fin_seen && d->have_seq && seq_before(d->next_seq, d->fin_seq))
            emit(d, x, NULL, d->fin_seq - d->next_seq, ts);
    }
    reasm_discard(d);
}

void reasm_discard(reasm_dir *d)
{
    reasm_node *n = d->head;
    while (n) {
        reasm_node *next = n->next;
        free(n);
        n = next;
    }
    d->head = d->tail = NULL;
    d->buffered = 0;
}
