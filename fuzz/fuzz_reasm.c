/* The flow table and TCP reassembly: sequences of segments for four
 * connections under tiny limits, so that eviction, idle expiry, buffer
 * limits, sequence wrap-around, overlaps and conflicting retransmissions
 * all happen.
 *
 * Input: two bytes of limits, then segments.  A segment is
 *   byte 0: bits 0-1 connection, bit 2 direction, bit 3 an absolute 4-byte
 *           sequence number follows (else one signed byte, relative to the
 *           end of the last segment of that direction), bit 4 a 2-byte
 *           length, its low 13 bits used (else 1 byte), bit 5 payload that conflicts with any
 *           earlier copy, bit 6 the capture cut the payload, bit 7 expire
 *           idle flows after it
 *   byte 1: TCP flags in bits 0-4, time advance in bits 5-7
 *   then the sequence number and the length.
 * Payload bytes are not in the input: the byte at sequence number p (a
 * SYN's payload starts after the SYN's own number) is p mod 128
 * (conflicting copies: 128 + (p + 1) mod 128), so whatever reassembly
 * delivers says where it came from.  The handler checks that
 * every stream it is given is contiguous except across the gaps it is
 * told of, and that the callbacks come as capture.h promises. */
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "fuzz/fuzz.h"

enum { CONNS = 4 };

typedef struct hflow {
    unsigned id;
    int last[2];            /* position mod 128 of the last byte delivered, -1 none */
    size_t delivered;
    size_t stop_after;      /* data returns false past this many bytes (0: never) */
    bool stopped;
} hflow;

typedef struct harness {
    unsigned opens, closes, ignored;
    size_t live;
} harness;

static int position(uint8_t b)
{
    return b & 0x80 ? (b - 1) & 0x7f : b;
}

static void *on_open(void *ctx, const endpoint *a, const endpoint *b, bool client, double ts)
{
    (void)client;
    (void)ts;
    harness *h = ctx;
    char x[ENDPOINT_TEXT_MAX];
    endpoint_format(a, x, sizeof x);
    endpoint_format(b, x, sizeof x);
    unsigned id = ++h->opens;
    if (id % 5 == 4) {
        h->ignored++;
        return NULL;
    }
    hflow *f = calloc(1, sizeof *f);
    if (!f) fuzz_fail("out of memory");
    f->id = id;
    f->last[0] = f->last[1] = -1;
    f->stop_after = id % 3 == 2 ? (id * 37) % 600 + 1 : 0;
    h->live++;
    return f;
}

static bool on_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    (void)ctx;
    (void)ts;
    hflow *f = flow;
    if (f->stopped) fuzz_fail("flow %u: data after the handler said stop", f->id);
    if (side != 0 && side != 1) fuzz_fail("flow %u: side %d", f->id, side);
    if (len == 0) fuzz_fail("flow %u: empty data", f->id);
    for (size_t i = 0; i < len; i++) {
        int p = position(bytes[i]);
        if (f->last[side] >= 0 && p != ((f->last[side] + 1) & 0x7f))
            fuzz_fail("flow %u side %d: byte at stream offset %zu is from position %d, expected %d", f->id, side,
                      f->delivered + i, p, (f->last[side] + 1) & 0x7f);
        f->last[side] = p;
    }
    f->delivered += len;
    if (f->stop_after && f->delivered >= f->stop_after) f->stopped = true;
    return !f->stopped;
}

static void on_gap(void *ctx, void *flow, int side, uint64_t missing, double ts)
{
    (void)ctx;
    (void)ts;
    hflow *f = flow;
    if (f->stopped) fuzz_fail("flow %u: a gap after the handler said stop", f->id);
    if (missing == 0) fuzz_fail("flow %u: a gap of 0 bytes", f->id);
    if (f->last[side] >= 0) f->last[side] = (int)((f->last[side] + missing) & 0x7f);
}

static void on_anomaly(void *ctx, void *flow, int side, const char *what, double ts)
{
    (void)ctx;
    (void)side;
    (void)ts;
    hflow *f = flow;
    if (f->stopped) fuzz_fail("flow %u: an anomaly after the handler said stop", f->id);
    if (!what || !*what) fuzz_fail("flow %u: an anomaly without words", f->id);
}

static void on_close(void *ctx, void *flow, const char *why, double ts)
{
    (void)ts;
    harness *h = ctx;
    static const char *const reasons[] = { "fin", "rst", "idle", "evicted", "end of capture", "reused" };
    bool known = false;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) known |= why && strcmp(why, reasons[i]) == 0;
    if (!known) fuzz_fail("closed for an unknown reason \"%s\"", why ? why : "(null)");
    if (!flow) fuzz_fail("close for an ignored flow");
    h->closes++;
    h->live--;
    free(flow);           /* a second close would be a use after free */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t payload[65536 + 256];
    static const double idle[4] = { -1, 0.5, 5, 0 };
    cursor in = cur_make(data, size);
    uint8_t l0 = fz_u8(&in), l1 = fz_u8(&in);
    flow_limits lim = { 1 + (l0 & 3), idle[(l0 >> 2) & 3], l1 ? 1 + (size_t)l1 * 64 : 0 };
    harness h = { 0, 0, 0, 0 };
    stream_handler sh = { &h, on_open, on_data, on_gap, on_anomaly, on_close };
    capture_stats stats;
    memset(&stats, 0, sizeof stats);
    flow_table *t = flow_table_new(&lim, &sh, &stats);
    if (!t) return 0;

    endpoint ep[CONNS][2];
    uint32_t next[CONNS][2];
    memset(ep, 0, sizeof ep);
    for (int i = 0; i < CONNS; i++) {
        for (int d = 0; d < 2; d++) {
            endpoint *e = &ep[i][d];
            e->family = i == 3 ? 6 : 4;
            e->addr[0] = i == 3 ? 0x20 : 10;
            e->addr[i == 3 ? 15 : 3] = (uint8_t)(1 + d);
            e->port = d ? 443 : (uint16_t)(40000 + i);
            next[i][d] = d ? 0x7fffff00u + (uint32_t)i : 0xffffff00u - 0x10u * (uint32_t)i;
        }
    }
    double ts = 1000;
    while (!cur_empty(&in)) {
        uint8_t b0 = fz_u8(&in), b1 = fz_u8(&in);
        int conn = b0 & 3, dir = (b0 >> 2) & 1;
        uint32_t seq = b0 & 8 ? fz_u32(&in) : next[conn][dir] + (uint32_t)(int32_t)(int8_t)fz_u8(&in);
        size_t len = b0 & 16 ? fz_u16(&in) & 0x1fff : fz_u8(&in);
        bool conflict = b0 & 32, cut = b0 & 64;
        unsigned adv = b1 >> 5;
        ts += adv * adv * 0.25;
        /* a SYN takes a sequence number: its payload starts after it */
        uint32_t first = seq + ((b1 & TCP_SYN) ? 1u : 0u);
        for (size_t i = 0; i < len; i++) {
            uint32_t p = first + (uint32_t)i;
            payload[i] = conflict ? (uint8_t)(0x80 | ((p + 1) & 0x7f)) : (uint8_t)(p & 0x7f);
        }
        tcp_segment seg;
        memset(&seg, 0, sizeof seg);
        seg.src = ep[conn][dir];
        seg.dst = ep[conn][!dir];
        seg.seq = seq;
        seg.ack = next[conn][!dir];
        seg.flags = b1 & 0x1f;
        seg.payload = payload;
        seg.payload_wire_len = len;
        seg.payload_len = cut ? len / 2 : len;
        flow_table_segment(t, &seg, ts);
        next[conn][dir] = seq + (uint32_t)len + ((seg.flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
        if (b0 & 128) flow_table_expire(t, ts);
        if (flow_table_count(t) > lim.max_flows)
            fuzz_fail("%zu flows open, the limit is %u", flow_table_count(t), lim.max_flows);
    }
    flow_table_free(t, ts);
    if (h.live) fuzz_fail("%zu flows never closed", h.live);
    if (h.closes + h.ignored != h.opens) fuzz_fail("%u opens, %u closes, %u ignored", h.opens, h.closes, h.ignored);
    if (stats.flows != h.opens) fuzz_fail("stats count %llu flows, the handler saw %u", (unsigned long long)stats.flows, h.opens);
    return 0;
}
