/* Resources stay bounded whatever the capture claims: a flood of 100,000
 * half-open connections, a handshake message claiming 16 MB, a record
 * claiming 65,535 bytes followed by megabytes that never resynchronise,
 * segments a gigabyte ahead of the stream, 100,000 connections closed in
 * ten seconds.  The whole pipeline (flow
 * table, reassembly, dissector, a sink that frees every step) runs with
 * the default limits, and the bytes the heap holds are sampled as it goes:
 * the peak must stay under a fixed bound.  Live heap bytes, not RSS, so the
 * measure is exact and does not depend on the allocator giving memory
 * back. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "cli/pipeline.h"
#include "dissect/session.h"
#include "tests/testlib.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TLSVIEW_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TLSVIEW_ASAN 1
#endif
#ifdef TLSVIEW_ASAN
/* The sanitizer runtime's count of bytes malloc has handed out. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

enum { MB = 1 << 20 };

static size_t heap_now(void)
{
#ifdef TLSVIEW_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

static size_t base, peak;
static unsigned long samples;

static void sample(void)
{
    size_t now = heap_now();
    if (now > peak) peak = now;
    samples++;
}

static unsigned long steps, conns;
static void on_open(sink *k, const conn_state *c) { (void)k; (void)c; conns++; }
static void on_close(sink *k, const conn_state *c) { (void)k; (void)c; }
static void on_step(sink *k, const conn_state *c, step *s)
{
    (void)k;
    (void)c;
    steps++;
    sample();              /* the step is alive now: count it */
    step_free(s);
}

typedef struct tcp {
    flow_table *t;
    endpoint client, server;
    uint32_t seq[2];       /* next sequence number of each side */
    double ts;
} tcp;

static void send_seg(tcp *c, int from_server, uint8_t flags, uint32_t seq, const uint8_t *p, size_t n)
{
    tcp_segment s;
    memset(&s, 0, sizeof s);
    s.src = from_server ? c->server : c->client;
    s.dst = from_server ? c->client : c->server;
    s.seq = seq;
    s.ack = c->seq[!from_server];
    s.flags = flags;
    s.payload = p;
    s.payload_len = s.payload_wire_len = n;
    c->ts += 1e-5;
    flow_table_segment(c->t, &s, c->ts);
}

/* In-order data of one side, cut into 1400-byte segments. */
static void send_data(tcp *c, int from_server, const uint8_t *p, size_t n)
{
    while (n) {
        size_t k = n < 1400 ? n : 1400;
        send_seg(c, from_server, TCP_ACK | TCP_PSH, c->seq[from_server], p, k);
        c->seq[from_server] += (uint32_t)k;
        p += k;
        n -= k;
        sample();
    }
}

/* Full-size handshake records of zeros from the client, the first starting
 * a ClientHello that claims `claim` bytes, until `total` record bytes went. */
static void send_hello_claiming(tcp *c, uint8_t *rec, uint32_t claim, size_t total)
{
    for (size_t sent = 0; sent < total; sent += 1 << 14) {
        rec[0] = 22;
        rec[1] = 3;
        rec[2] = 3;
        rec[3] = 0x40;
        rec[4] = 0;
        memset(rec + 5, 0, 1 << 14);
        if (sent == 0) {
            rec[5] = 1;
            rec[6] = (uint8_t)(claim >> 16);
            rec[7] = (uint8_t)(claim >> 8);
            rec[8] = (uint8_t)claim;
        }
        send_data(c, 0, rec, 5 + (1 << 14));
    }
}

static endpoint ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    endpoint e;
    memset(&e, 0, sizeof e);
    e.family = 4;
    e.addr[0] = a;
    e.addr[1] = b;
    e.addr[2] = c;
    e.addr[3] = d;
    e.port = port;
    return e;
}

int main(void)
{
    sink k = { on_open, on_step, on_close };
    dissect_config cfg = { .max_message = DISSECT_MAX_MESSAGE_DEFAULT };
    dissector *d = dissector_new(&cfg, &k);
    stream_handler h = pipeline_handler(d);
    capture_stats stats;
    memset(&stats, 0, sizeof stats);
    flow_limits lim = FLOW_LIMITS_DEFAULT;
    flow_table *t = flow_table_new(&lim, &h, &stats);
    CHECK(d != NULL && t != NULL);
    base = peak = heap_now();

    /* 1. 100,000 connections that never get past their SYN, within ten
     * seconds, so none is idle yet: the table keeps max_flows of them. */
    tcp c = { t, ep4(0, 0, 0, 0, 0), ep4(192, 0, 2, 1, 443), { 0, 0 }, 1000.0 };
    for (unsigned i = 0; i < 100000; i++) {
        c.client = ep4(10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(1024 + i % 60000));
        send_seg(&c, 0, TCP_SYN, 1000u + i, NULL, 0);
        if (i % 256 == 0) sample();
    }
    sample();
    size_t flood_peak = peak - base;
    CHECK(flow_table_count(t) <= lim.max_flows);
    CHECK_EQ_INT(stats.flows, 100000);
    CHECK_EQ_INT(stats.evicted, 100000 - lim.max_flows);
    printf("100000 half-open connections: %zu open, %llu evicted, peak heap %.1f MB\n", flow_table_count(t),
           (unsigned long long)stats.evicted, flood_peak / (double)MB);
    /* about 600 bytes per connection in the flow table and the dissector */
    CHECK(flood_peak < 64u * MB);

    /* 2. One real connection makes huge claims. */
    base = peak = heap_now();
    c.client = ep4(198, 51, 100, 7, 50123);
    c.seq[0] = 0x10000000u;
    c.seq[1] = 0xfffff000u;                      /* the server's numbers wrap */
    send_seg(&c, 0, TCP_SYN, c.seq[0]++, NULL, 0);
    send_seg(&c, 1, TCP_SYN | TCP_ACK, c.seq[1]++, NULL, 0);
    uint8_t *rec = calloc(1, 5 + (1 << 14));
    CHECK(rec != NULL);
    if (!rec) return test_report("bounds");

    /* A ClientHello claiming 2^24 - 1 bytes, sent in full-size records:
     * held up to the message cap, decoded once, given back. */
    send_hello_claiming(&c, rec, 0xffffff, 0xffffff + 4 + 3 * (1 << 14));
    /* A record header claiming 65,535 bytes, then 8 MB that hold no
     * believable record header: searched, never kept. */
    static const uint8_t bad[5] = { 23, 3, 3, 0xff, 0xff };
    send_data(&c, 1, bad, sizeof bad);
    memset(rec, 0xee, 5 + (1 << 14));
    for (int i = 0; i < 8 * 64; i++) send_data(&c, 1, rec, 1 << 14);
    /* Segments a gigabyte ahead of the stream: at most max_buffered held. */
    for (int i = 0; i < 6000; i++) {
        send_seg(&c, 0, TCP_ACK, c.seq[0] + 0x40000000u + (uint32_t)i * 1400u, rec, 1400);
        if (i % 64 == 0) sample();
    }
    sample();
    printf("huge claims: peak heap %.1f MB more; %llu buffer limit hits, %llu gaps, %lu steps\n",
           (peak - base) / (double)MB, (unsigned long long)stats.buffer_limit_hits,
           (unsigned long long)stats.gaps, steps);
    CHECK(stats.buffer_limit_hits > 0);
    /* The 16 MB message is held at its size (16 MB) and copied into its
     * step (16 MB); reassembly holds 4 MB at most. */
    CHECK(peak - base < 48u * MB);
    CHECK(heap_now() < base + 8u * MB);

    /* 3. Six connections each send 14 MB of a ClientHello claiming 15 MB:
     * unfinished messages of all connections share 64 MB, so the fifth and
     * sixth are skipped rather than held. */
    base = peak = heap_now();
    uint64_t oversized_before = dissector_get_stats(d)->oversized_messages;
    for (int k = 0; k < 6; k++) {
        c.client = ep4(203, 0, 113, (uint8_t)(10 + k), 40000);
        c.seq[0] = 0x2000;
        c.seq[1] = 0x9000;
        send_seg(&c, 0, TCP_SYN, c.seq[0]++, NULL, 0);
        send_seg(&c, 1, TCP_SYN | TCP_ACK, c.seq[1]++, NULL, 0);
        send_hello_claiming(&c, rec, 15u * MB, 14u * MB);
    }
    sample();
    printf("six 15 MB claims: peak heap %.1f MB more, %llu skipped\n", (peak - base) / (double)MB,
           (unsigned long long)(dissector_get_stats(d)->oversized_messages - oversized_before));
    CHECK_EQ_INT(dissector_get_stats(d)->oversized_messages - oversized_before, 2);
    CHECK(peak - base < 72u * MB);

    /* 4. 100,000 connections that open and close within ten seconds: the
     * closed ones linger to absorb late packets, but only so many. */
    flow_table_free(t, c.ts);
    memset(&stats, 0, sizeof stats);
    t = c.t = flow_table_new(&lim, &h, &stats);
    CHECK(t != NULL);
    base = peak = heap_now();
    size_t closed_before = stats.flows;
    for (unsigned i = 0; i < 100000; i++) {
        c.client = ep4(172, 16, (uint8_t)(i >> 8), (uint8_t)i, (uint16_t)(1024 + i % 60000));
        c.seq[0] = 5000;
        c.seq[1] = 9000;
        send_seg(&c, 0, TCP_SYN, c.seq[0]++, NULL, 0);
        send_seg(&c, 1, TCP_SYN | TCP_ACK, c.seq[1]++, NULL, 0);
        send_seg(&c, 0, TCP_FIN | TCP_ACK, c.seq[0]++, NULL, 0);
        send_seg(&c, 1, TCP_FIN | TCP_ACK, c.seq[1]++, NULL, 0);
        if (i % 256 == 0) sample();
    }
    sample();
    CHECK_EQ_INT(stats.flows - closed_before, 100000);
    printf("100000 closed connections: peak heap %.1f MB more\n", (peak - base) / (double)MB);
    CHECK(peak - base < 8u * MB);

    flow_table_free(t, c.ts);
    dissector_free(d);
    free(rec);
    printf("%lu heap samples, %lu TLS connections\n", samples, conns);
    CHECK(samples > 1000);
    return test_report("bounds");
}
