/* Private to capture/: reassembly of one direction of a TCP connection.
 *
 * The flow table owns two reasm_dir per connection and hands each segment
 * of a direction to reasm_segment together with a reasm_ctx that says
 * where the results go.  In-order payload is delivered straight from the
 * packet buffer; only segments that arrive ahead of a hole are copied. */
#ifndef TLSVIEW_CAPTURE_REASM_H
#define TLSVIEW_CAPTURE_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"

/* A stretch of one direction held back until the hole before it is
 * filled.  `missing` stretches carry no bytes: the snaplen cut them, so
 * they turn into a gap when delivery reaches them. */
typedef struct reasm_node {
    struct reasm_node *next;
    uint32_t seq;
    uint32_t len;
    bool missing;
    uint8_t data[];
} reasm_node;

typedef struct reasm_dir {
    bool have_seq;           /* next_seq is known (SYN or first segment seen) */
    bool syn_seen;
    bool fin_seen;
    bool data_seen;          /* some payload arrived in this direction */
    uint32_t isn;            /* sequence number of the SYN, when syn_seen */
    uint32_t next_seq;       /* the next byte to deliver */
    uint32_t fin_seq;        /* where the FIN sits, when fin_seen */
    uint64_t next_off;       /* stream offset of next_seq (for messages) */
    reasm_node *head, *tail; /* held-back stretches, sorted, disjoint, after next_seq */
    size_t buffered;         /* bytes held in head..tail */
} reasm_dir;

/* Scratch space shared by all directions of a table, so that the steady
 * state does not allocate per packet. */
typedef struct reasm_piece {
    uint32_t seq;
    uint32_t len;
    size_t off;              /* into the segment's payload */
} reasm_piece;

typedef struct reasm_scratch {
    reasm_piece *v;
    size_t cap;
} reasm_scratch;

/* Where one call delivers, and what it learned. */
typedef struct reasm_ctx {
    const stream_handler *h;
    capture_stats *stats;
    size_t max_buffered;
    reasm_scratch *scratch;
    void *user;              /* the handler's per-flow state */
    int side;
    bool track_only;         /* the flow is ignored: keep sequence state, deliver nothing */
    bool stopped;            /* out: handler->data returned false */
} reasm_ctx;

/* Takes one segment of this direction (the caller handles RST). */
void reasm_segment(reasm_dir *d, reasm_ctx *x, const tcp_segment *seg, double ts);
/* All data up to the FIN was delivered. */
bool reasm_finished(const reasm_dir *d);
/* The connection ends: gives up every remaining hole (reported as gaps),
 * delivers what was held back and frees it. */
void reasm_flush(reasm_dir *d, reasm_ctx *x, double ts);
/* Frees what is held back without delivering it. */
void reasm_discard(reasm_dir *d);
/* Serial-number comparison (RFC 1982) of 32-bit sequence numbers. */
static inline bool seq_before(uint32_t a, uint32_t b)
{
    return a != b && (uint32_t)(a - b) >= 0x80000000u;
}

#endif
