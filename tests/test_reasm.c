/* The flow table and TCP reassembly, through a recording stream_handler.
 * Every expectation is on the exact sequence of callbacks and the exact
 * bytes delivered. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "tests/testlib.h"

enum { MAX_IDS = 4096 };

typedef struct rec {
    char log[1 << 16];
    size_t len;
    bool ignore;              /* open returns NULL */
    size_t stop_after;        /* data returns false once this many bytes came (0: never) */
    size_t delivered;
    bool quiet;               /* keep data out of the log */
    uint8_t stream[2][4096];
    size_t n[2];
    int ids[MAX_IDS];
    int nflows;
    int closes;
    double last_ts;
} rec;

static void logf_(rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(rec *r, const char *fmt, ...)
{
    if (r->len) r->len += (size_t)snprintf(r->log + r->len, sizeof r->log - r->len, "; ");
    va_list ap;
    va_start(ap, fmt);
    r->len += (size_t)vsnprintf(r->log + r->len, sizeof r->log - r->len, fmt, ap);
    va_end(ap);
    if (r->len >= sizeof r->log) r->len = sizeof r->log - 1;
}

static void *on_open(void *ctx, const endpoint *a, const endpoint *b, bool client, double ts)
{
    rec *r = ctx;
    char x[ENDPOINT_TEXT_MAX], y[ENDPOINT_TEXT_MAX];
    endpoint_format(a, x, sizeof x);
    endpoint_format(b, y, sizeof y);
    int id = ++r->nflows;
    r->last_ts = ts;
    if (!r->quiet) logf_(r, "open#%d %s>%s%s", id, x, y, client ? " client" : "");
    if (r->ignore || id >= MAX_IDS) return NULL;
    r->ids[id] = id;
    return &r->ids[id];
}

static bool on_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    rec *r = ctx;
    r->last_ts = ts;
    if (!r->quiet) logf_(r, "#%d d%d:%.*s", *(int *)flow, side, (int)len, (const char *)bytes);
    if (r->n[side] + len <= sizeof r->stream[side]) {
        memcpy(r->stream[side] + r->n[side], bytes, len);
        r->n[side] += len;
    }
    r->delivered += len;
    return !(r->stop_after && r->delivered >= r->stop_after);
}

static void on_gap(void *ctx, void *flow, int side, uint64_t missing, double ts)
{
    rec *r = ctx;
    r->last_ts = ts;
    logf_(r, "#%d gap%d:%llu", *(int *)flow, side, (unsigned long long)missing);
}

static void on_anomaly(void *ctx, void *flow, int side, const char *what, double ts)
{
    rec *r = ctx;
    r->last_ts = ts;
    logf_(r, "#%d anom%d:%s", *(int *)flow, side, what);
}

static void on_close(void *ctx, void *flow, const char *why, double ts)
{
    rec *r = ctx;
    r->last_ts = ts;
    r->closes++;
    if (!r->quiet) logf_(r, "#%d close:%s", *(int *)flow, why);
}

/* ---- building segments ---- */

static const endpoint CLI = { 4, { 10, 0, 0, 1 }, 40000 };
static const endpoint SRV = { 4, { 10, 0, 0, 2 }, 443 };
enum { C = 0, S = 1 };

static flow_table *table(rec *r, stream_handler *h, capture_stats *st, unsigned max_flows, double idle,
                         size_t max_buffered)
{
    memset(r, 0, sizeof *r);
    memset(st, 0, sizeof *st);
    *h = (stream_handler){ r, on_open, on_data, on_gap, on_anomaly, on_close };
    flow_limits l = { max_flows, idle, max_buffered };
    return flow_table_new(&l, h, st);
}

static void send_full(flow_table *t, const endpoint *from, const endpoint *to, uint32_t seq, uint8_t flags,
                      const char *data, size_t cap, size_t wire, double ts)
{
    tcp_segment s;
    memset(&s, 0, sizeof s);
    s.src = *from;
    s.dst = *to;
    s.seq = seq;
    s.ack = 1;
    s.flags = flags;
    /* A heap copy of exactly the captured bytes, for the sanitizer. */
    uint8_t *copy = cap ? malloc(cap) : NULL;
    if (cap) memcpy(copy, data, cap);
    s.payload = copy;
    s.payload_len = cap;
    s.payload_wire_len = wire;
    flow_table_segment(t, &s, ts);
    free(copy);
}

static void sendp(flow_table *t, int from, uint32_t seq, uint8_t flags, const char *data, double ts)
{
    size_t n = data ? strlen(data) : 0;
    send_full(t, from == C ? &CLI : &SRV, from == C ? &SRV : &CLI, seq, flags, data, n, n, ts);
}

#define LOG_IS(r, want) CHECK_STR((r)->log, want)
#define OPEN1 "open#1 10.0.0.1:40000>10.0.0.2:443 client"
#define OPEN1_2 "open#2 10.0.0.1:40000>10.0.0.2:443 client"
#define OPEN1_3 "open#3 10.0.0.1:40000>10.0.0.2:443 client"

static void test_in_order_and_fin(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, S, 5000, TCP_SYN | TCP_ACK, NULL, 1.1);
    sendp(t, C, 1001, TCP_ACK, NULL, 1.2);
    sendp(t, C, 1001, TCP_ACK | TCP_PSH, "hello ", 1.3);
    sendp(t, S, 5001, TCP_ACK | TCP_PSH, "HI", 1.4);
    sendp(t, C, 1007, TCP_ACK | TCP_PSH, "world", 1.5);
    sendp(t, C, 1012, TCP_FIN | TCP_ACK, NULL, 1.6);
    CHECK_EQ_INT(r.closes, 0);
    CHECK_EQ_INT(flow_table_count(t), 1);
    sendp(t, S, 5003, TCP_FIN | TCP_ACK, NULL, 1.7);
    CHECK_EQ_INT(flow_table_count(t), 0);
    CHECK(r.last_ts == 1.7);
    /* The last ACK and a repeated FIN belong to the ended connection. */
    sendp(t, C, 1013, TCP_ACK, NULL, 1.8);
    sendp(t, S, 5003, TCP_FIN | TCP_ACK, NULL, 1.9);
    LOG_IS(&r, OPEN1 "; #1 d0:hello ; #1 d1:HI; #1 d0:world; #1 close:fin");
    CHECK_EQ_INT(st.flows, 1);
    CHECK_EQ_INT(st.gaps, 0);
    flow_table_free(t, 2.0);
    CHECK_EQ_INT(r.closes, 1);
}

static void test_reversed(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1010, TCP_ACK, "jkl", 1.1);
    sendp(t, C, 1007, TCP_ACK, "ghi", 1.2);
    sendp(t, C, 1004, TCP_ACK, "def", 1.3);
    CHECK_EQ_INT(r.n[0], 0);
    sendp(t, C, 1001, TCP_ACK, "abc", 1.4);
    flow_table_free(t, 2.0);
    LOG_IS(&r, OPEN1 "; #1 d0:abc; #1 d0:def; #1 d0:ghi; #1 d0:jkl; #1 close:end of capture");
    CHECK_EQ_INT(st.out_of_order, 3);
    CHECK_EQ_INT(st.retransmitted, 0);
    CHECK(r.last_ts == 2.0);
}

static void test_one_byte_segments(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    r.quiet = true;
    char data[257];
    for (int i = 0; i < 256; i++) data[i] = (char)('A' + (i * 7) % 58);
    data[256] = '\0';
    sendp(t, C, 77, TCP_SYN, NULL, 1.0);
    /* 256 one-byte segments in a shuffled order, each sent twice. */
    unsigned order[256];
    for (unsigned i = 0; i < 256; i++) order[i] = i;
    uint32_t x = 12345;
    for (unsigned i = 255; i > 0; i--) {
        x = x * 1103515245u + 12345u;
        unsigned j = (x >> 8) % (i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    for (unsigned k = 0; k < 512; k++) {
        unsigned i = order[k % 256];
        char one[2] = { data[i], '\0' };
        sendp(t, C, 78 + i, TCP_ACK, one, 1.0 + k * 0.001);
    }
    CHECK_EQ_INT(r.n[0], 256);
    CHECK(memcmp(r.stream[0], data, 256) == 0);
    CHECK_EQ_INT(st.retransmitted, 256);
    CHECK_EQ_INT(st.conflicting, 0);
    CHECK_EQ_INT(st.gaps, 0);
    flow_table_free(t, 3.0);
    CHECK_EQ_INT(r.closes, 1);
}

static void test_overlaps(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    /* A held-back segment, then a different copy of it: the first wins. */
    sendp(t, C, 1005, TCP_ACK, "XXXX", 1.1);
    sendp(t, C, 1005, TCP_ACK, "YYYY", 1.2);
    sendp(t, C, 1001, TCP_ACK, "abcd", 1.3);
    LOG_IS(&r, OPEN1 "; #1 anom0:a retransmitted segment differs from the first copy (4 overlapping bytes "
                     "from stream offset 4); the first copy was kept; #1 d0:abcd; #1 d0:XXXX");
    CHECK_EQ_INT(st.conflicting, 1);
    CHECK_EQ_INT(st.retransmitted, 1);

    /* A segment spanning two held-back ones and the holes around them. */
    r.len = 0;
    r.log[0] = '\0';
    sendp(t, C, 1011, TCP_ACK, "KLMN", 1.4);
    sendp(t, C, 1019, TCP_ACK, "STUV", 1.5);
    sendp(t, C, 1009, TCP_ACK, "IJKLMNOPQRSTUVWX", 1.6);
    LOG_IS(&r, "#1 d0:IJ; #1 d0:KLMN; #1 d0:OPQR; #1 d0:STUV; #1 d0:WX");
    CHECK_EQ_INT(st.conflicting, 1);

    /* An in-order segment whose tail conflicts with held-back bytes. */
    r.len = 0;
    r.log[0] = '\0';
    sendp(t, C, 1027, TCP_ACK, "QQQQ", 1.7);
    sendp(t, C, 1025, TCP_ACK, "YZ1234!!", 1.8);
    LOG_IS(&r, "#1 anom0:a retransmitted segment differs from the first copy (4 overlapping bytes from stream "
               "offset 26); the first copy was kept; #1 d0:YZ; #1 d0:QQQQ; #1 d0:!!");
    CHECK_EQ_INT(st.conflicting, 2);

    /* Old data again, and a segment half old, half new. */
    r.len = 0;
    r.log[0] = '\0';
    unsigned long long before = st.retransmitted;
    sendp(t, C, 1001, TCP_ACK, "abcd", 1.9);
    CHECK_EQ_INT(st.retransmitted, before + 1);
    sendp(t, C, 1031, TCP_ACK, "!!new", 2.0);
    LOG_IS(&r, "#1 d0:new");
    CHECK_EQ_INT(r.n[0], 35);
    CHECK(memcmp(r.stream[0], "abcdXXXXIJKLMNOPQRSTUVWXYZQQQQ!!new", 35) == 0);
    flow_table_free(t, 3.0);
}

static void test_wraparound(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 0xfffffff8u, TCP_SYN, NULL, 1.0);
    sendp(t, S, 0x7ffffffeu, TCP_SYN | TCP_ACK, NULL, 1.0);
    sendp(t, C, 0x00000001u, TCP_ACK, "89ab", 1.1);
    sendp(t, C, 0xfffffff9u, TCP_ACK, "0123", 1.2);
    sendp(t, C, 0x00000005u, TCP_ACK, "cdef", 1.3);
    sendp(t, C, 0xfffffffdu, TCP_ACK, "4567", 1.4);
    /* The server's numbers cross 2^31 (the sign of a signed compare). */
    sendp(t, S, 0x80000001u, TCP_ACK, "yz", 1.5);
    sendp(t, S, 0x7fffffffu, TCP_ACK, "wx", 1.6);
    sendp(t, C, 0x00000009u, TCP_FIN | TCP_ACK, NULL, 1.7);
    sendp(t, S, 0x80000003u, TCP_FIN | TCP_ACK, NULL, 1.8);
    LOG_IS(&r, OPEN1 "; #1 d0:0123; #1 d0:4567; #1 d0:89ab; #1 d0:cdef; #1 d1:wx; #1 d1:yz; #1 close:fin");
    flow_table_free(t, 2.0);
}

static void test_gaps(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    /* A hole given up at RST: reported with its size, data after it delivered. */
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1001, TCP_ACK, "aaaa", 1.1);
    sendp(t, C, 1009, TCP_ACK, "cccc", 1.2);
    sendp(t, S, 5000, TCP_RST | TCP_ACK, NULL, 1.3);
    LOG_IS(&r, OPEN1 "; #1 d0:aaaa; #1 gap0:4; #1 d0:cccc; #1 close:rst");
    CHECK_EQ_INT(st.gaps, 1);
    CHECK_EQ_INT(st.gap_bytes, 4);
    CHECK_EQ_INT(flow_table_count(t), 0);
    /* A reset after the end starts nothing. */
    sendp(t, S, 5000, TCP_RST, NULL, 1.4);
    CHECK_EQ_INT(r.nflows, 1);
    flow_table_free(t, 2.0);

    /* Both FINs seen but a hole before one: wait for the retransmission. */
    t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1001, TCP_ACK, "aaaa", 1.1);
    sendp(t, C, 1009, TCP_ACK, "cccc", 1.2);
    sendp(t, C, 1013, TCP_FIN | TCP_ACK, NULL, 1.3);
    sendp(t, S, 5000, TCP_FIN | TCP_ACK, NULL, 1.4);
    CHECK_EQ_INT(r.closes, 0);
    sendp(t, C, 1005, TCP_ACK, "bbbb", 1.5);
    LOG_IS(&r, OPEN1 "; #1 d0:aaaa; #1 d0:bbbb; #1 d0:cccc; #1 close:fin");
    CHECK_EQ_INT(st.gaps, 0);
    flow_table_free(t, 2.0);

    /* The last segment before the FIN never came: a gap at the end. */
    t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1001, TCP_ACK, "aaaa", 1.1);
    sendp(t, C, 1009, TCP_FIN | TCP_ACK, NULL, 1.3);
    sendp(t, S, 5000, TCP_FIN | TCP_ACK, NULL, 1.4);
    flow_table_free(t, 9.0);
    LOG_IS(&r, OPEN1 "; #1 d0:aaaa; #1 gap0:4; #1 close:end of capture");
    CHECK_EQ_INT(st.gap_bytes, 4);
}

static void test_buffer_limit(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 10);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1011, TCP_ACK, "AAAAA", 1.1);
    sendp(t, C, 1021, TCP_ACK, "BBBBB", 1.2);
    CHECK_EQ_INT(r.n[0], 0);
    sendp(t, C, 1031, TCP_ACK, "CCCCC", 1.3);
    sendp(t, C, 1016, TCP_ACK, "xxxxx", 1.4);
    flow_table_free(t, 2.0);
    LOG_IS(&r, OPEN1 "; #1 anom0:out-of-order data reached the buffer limit of 10 bytes; giving up on the "
                     "missing bytes before it; #1 gap0:10; #1 d0:AAAAA; #1 d0:xxxxx; #1 d0:BBBBB; #1 gap0:5; "
                     "#1 d0:CCCCC; #1 close:end of capture");
    CHECK_EQ_INT(st.buffer_limit_hits, 1);
    CHECK_EQ_INT(st.gaps, 2);
    CHECK_EQ_INT(st.gap_bytes, 15);

    /* The new segment is itself the earliest: skip to it. */
    t = table(&r, &h, &st, 0, 0, 10);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1021, TCP_ACK, "BBBBB", 1.1);
    sendp(t, C, 1026, TCP_ACK, "CCCCC", 1.2);
    sendp(t, C, 1011, TCP_ACK, "AAAAA", 1.3);
    LOG_IS(&r, OPEN1 "; #1 anom0:out-of-order data reached the buffer limit of 10 bytes; giving up on the "
                     "missing bytes before it; #1 gap0:10; #1 d0:AAAAA");
    sendp(t, C, 1016, TCP_ACK, "zzzzz", 1.4);
    CHECK_EQ_INT(r.n[0], 20);
    CHECK(memcmp(r.stream[0], "AAAAAzzzzzBBBBBCCCCC", 20) == 0);
    flow_table_free(t, 2.0);
}

static void test_mid_connection(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, S, 7000, TCP_ACK | TCP_PSH, "SRV", 1.0);
    sendp(t, C, 3000, TCP_ACK | TCP_PSH, "CLI", 1.1);
    sendp(t, S, 6990, TCP_ACK, "OLD", 1.2);
    sendp(t, S, 7003, TCP_ACK, "MORE", 1.3);
    flow_table_free(t, 2.0);
    LOG_IS(&r, "open#1 10.0.0.2:443>10.0.0.1:40000; #1 d0:SRV; #1 d1:CLI; #1 d0:MORE; #1 close:end of capture");
    CHECK_EQ_INT(st.retransmitted, 1);

    /* The SYN-ACK first: its receiver is the client. */
    t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, S, 5000, TCP_SYN | TCP_ACK, NULL, 1.0);
    sendp(t, S, 5001, TCP_ACK, "x", 1.1);
    sendp(t, C, 1001, TCP_ACK, "y", 1.2);
    flow_table_free(t, 2.0);
    LOG_IS(&r, OPEN1 "; #1 d1:x; #1 d0:y; #1 close:end of capture");

    /* Data on the SYN (fast open). */
    t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, "early", 1.0);
    sendp(t, C, 1006, TCP_ACK, "late", 1.1);
    flow_table_free(t, 2.0);
    LOG_IS(&r, OPEN1 "; #1 d0:early; #1 d0:late; #1 close:end of capture");

    /* IPv6 endpoints, and a reset with nothing before it opens nothing. */
    t = table(&r, &h, &st, 0, 0, 0);
    endpoint a = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 5555 }, b = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, 443 };
    send_full(t, &b, &a, 1, TCP_RST, NULL, 0, 0, 1.0);
    CHECK_EQ_INT(r.nflows, 0);
    send_full(t, &a, &b, 1, TCP_SYN, NULL, 0, 0, 1.0);
    send_full(t, &b, &a, 1, TCP_SYN | TCP_ACK, NULL, 0, 0, 1.1);
    send_full(t, &a, &b, 2, TCP_ACK, "v6", 2, 2, 1.2);
    flow_table_free(t, 2.0);
    LOG_IS(&r, "open#1 [2001:db8::1]:5555>[2001:db8::2]:443 client; #1 d0:v6; #1 close:end of capture");
}

static void test_eviction(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 2, 0, 0);
    endpoint c1 = CLI, c2 = CLI, c3 = CLI;
    c1.port = 1;
    c2.port = 2;
    c3.port = 3;
    send_full(t, &c1, &SRV, 100, TCP_SYN, NULL, 0, 0, 1.0);
    send_full(t, &c2, &SRV, 200, TCP_SYN, NULL, 0, 0, 1.1);
    send_full(t, &c2, &SRV, 205, TCP_ACK, "zz", 2, 2, 1.2);        /* held: 4 bytes missing */
    send_full(t, &c1, &SRV, 101, TCP_ACK, "a", 1, 1, 1.3);
    CHECK_EQ_INT(flow_table_count(t), 2);
    send_full(t, &c3, &SRV, 300, TCP_SYN, NULL, 0, 0, 1.4);    /* flow 2 is the least recently used */
    CHECK_EQ_INT(flow_table_count(t), 2);
    CHECK_EQ_INT(st.evicted, 1);
    send_full(t, &c1, &SRV, 102, TCP_ACK, "b", 1, 1, 1.5);     /* flow 1 still there */
    LOG_IS(&r, "open#1 10.0.0.1:1>10.0.0.2:443 client; open#2 10.0.0.1:2>10.0.0.2:443 client; #1 d0:a; "
               "#2 gap0:4; #2 d0:zz; #2 close:evicted; open#3 10.0.0.1:3>10.0.0.2:443 client; #1 d0:b");
    flow_table_free(t, 2.0);
    CHECK_EQ_INT(r.closes, 3);
}

static void test_idle(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 10.0, 0);
    endpoint c2 = CLI;
    c2.port = 2;
    sendp(t, C, 1000, TCP_SYN, NULL, 0.0);
    sendp(t, C, 1001, TCP_ACK, "one", 0.5);
    send_full(t, &c2, &SRV, 50, TCP_SYN, NULL, 0, 0, 5.0);
    flow_table_expire(t, 9.0);
    CHECK_EQ_INT(r.closes, 0);
    flow_table_expire(t, 12.0);
    CHECK_EQ_INT(r.closes, 1);
    CHECK(r.last_ts == 12.0);
    CHECK_EQ_INT(flow_table_count(t), 1);
    flow_table_expire(t, 15.5);
    CHECK_EQ_INT(flow_table_count(t), 0);
    CHECK_EQ_INT(st.idle_closed, 2);
    /* A late packet of the first connection starts over, mid-connection. */
    sendp(t, C, 1004, TCP_ACK, "two", 20.0);
    flow_table_free(t, 21.0);
    LOG_IS(&r, OPEN1 "; #1 d0:one; open#2 10.0.0.1:2>10.0.0.2:443 client; #1 close:idle; #2 close:idle; "
                     "open#3 10.0.0.1:40000>10.0.0.2:443; #3 d0:two; #3 close:end of capture");
}

static void test_new_connections(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, S, 5000, TCP_SYN | TCP_ACK, NULL, 1.1);
    sendp(t, C, 1001, TCP_ACK, "abc", 1.2);
    sendp(t, C, 1004, TCP_FIN | TCP_ACK, NULL, 1.3);
    sendp(t, S, 5001, TCP_FIN | TCP_ACK, NULL, 1.4);
    sendp(t, C, 1001, TCP_ACK, "abc", 1.5);           /* a straggler: absorbed */
    sendp(t, C, 9000, TCP_SYN, NULL, 2.0);            /* the same ports again */
    sendp(t, S, 7000, TCP_SYN | TCP_ACK, NULL, 2.1);
    sendp(t, C, 9001, TCP_ACK, "def", 2.2);
    /* A SYN with a new number on a connection that carried data: reuse. */
    sendp(t, C, 400000000, TCP_SYN, NULL, 3.0);
    sendp(t, C, 400000001, TCP_ACK, "ghi", 3.1);
    /* A repeated SYN is not a new connection. */
    sendp(t, C, 400000000, TCP_SYN, NULL, 3.2);
    flow_table_free(t, 4.0);
    LOG_IS(&r, OPEN1 "; #1 d0:abc; #1 close:fin; " OPEN1_2 "; #2 d0:def; #2 close:reused; " OPEN1_3
                     "; #3 d0:ghi; #3 close:end of capture");
    CHECK_EQ_INT(st.flows, 3);
}

static void test_ignore_and_stop(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    r.ignore = true;
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1005, TCP_ACK, "late", 1.1);
    sendp(t, C, 1001, TCP_ACK, "abcd", 1.2);
    sendp(t, C, 1001, TCP_ACK, "ABCD", 1.3);
    CHECK_EQ_INT(flow_table_count(t), 1);
    sendp(t, C, 1009, TCP_FIN | TCP_ACK, NULL, 1.4);
    sendp(t, S, 5000, TCP_FIN | TCP_ACK, NULL, 1.5);
    CHECK_EQ_INT(flow_table_count(t), 0);
    sendp(t, C, 1010, TCP_ACK, NULL, 1.6);
    flow_table_free(t, 2.0);
    LOG_IS(&r, OPEN1);
    CHECK_EQ_INT(st.flows, 1);
    CHECK_EQ_INT(st.flows_ignored, 1);
    CHECK_EQ_INT(r.closes, 0);

    t = table(&r, &h, &st, 0, 0, 0);
    r.stop_after = 3;
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    sendp(t, C, 1004, TCP_ACK, "def", 1.1);
    sendp(t, C, 1001, TCP_ACK, "abc", 1.2);
    sendp(t, C, 1007, TCP_ACK, "ghi", 1.3);
    sendp(t, S, 5001, TCP_ACK, "srv", 1.4);
    sendp(t, C, 1010, TCP_FIN | TCP_ACK, NULL, 1.5);
    sendp(t, S, 5004, TCP_FIN | TCP_ACK, NULL, 1.6);
    LOG_IS(&r, OPEN1 "; #1 d0:abc; #1 close:fin");
    flow_table_free(t, 2.0);
}

static void test_snaplen(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    sendp(t, C, 1000, TCP_SYN, NULL, 1.0);
    send_full(t, &CLI, &SRV, 1001, TCP_ACK, "abc", 3, 10, 1.1);
    sendp(t, C, 1011, TCP_ACK, "next", 1.2);
    LOG_IS(&r, OPEN1 "; #1 anom0:segment truncated by the snaplen: 3 of 10 bytes captured; #1 d0:abc; "
                     "#1 gap0:7; #1 d0:next");
    CHECK_EQ_INT(st.gaps, 1);
    CHECK_EQ_INT(st.gap_bytes, 7);

    /* Out of order, then filled in front. */
    r.len = 0;
    r.log[0] = '\0';
    send_full(t, &CLI, &SRV, 1019, TCP_ACK, "ef", 2, 4, 1.3);
    sendp(t, C, 1015, TCP_ACK, "abcd", 1.4);
    sendp(t, C, 1023, TCP_ACK, "ij", 1.5);
    /* A retransmission of the truncated one is no news. */
    send_full(t, &CLI, &SRV, 1019, TCP_ACK, "ef", 2, 4, 1.6);
    LOG_IS(&r, "#1 anom0:segment truncated by the snaplen: 2 of 4 bytes captured; #1 d0:abcd; #1 d0:ef; "
               "#1 gap0:2; #1 d0:ij");
    /* Only headers captured. */
    r.len = 0;
    r.log[0] = '\0';
    send_full(t, &CLI, &SRV, 1025, TCP_ACK, NULL, 0, 100, 1.7);
    sendp(t, C, 1125, TCP_ACK, "z", 1.8);
    LOG_IS(&r, "#1 anom0:segment truncated by the snaplen: 0 of 100 bytes captured; #1 gap0:100; #1 d0:z");
    flow_table_free(t, 2.0);
}

static void test_many_flows(void)
{
    rec r;
    stream_handler h;
    capture_stats st;
    flow_table *t = table(&r, &h, &st, 0, 0, 0);
    r.quiet = true;
    enum { N = 3000 };
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            endpoint c = CLI;
            c.addr[2] = (uint8_t)(i >> 8);
            c.addr[3] = (uint8_t)i;
            c.port = (uint16_t)(1024 + i);
            if (round == 0) send_full(t, &c, &SRV, 10, TCP_SYN, NULL, 0, 0, 1.0);
            else send_full(t, &c, &SRV, (uint32_t)(10 + round), TCP_ACK, "x", 1, 1, 1.0 + round);
        }
    }
    CHECK_EQ_INT(r.nflows, N);
    CHECK_EQ_INT(flow_table_count(t), N);
    CHECK_EQ_INT(r.delivered, 2 * N);
    flow_table_free(t, 5.0);
    CHECK_EQ_INT(r.closes, N);
}


/* ---- randomized: chopped, duplicated, reordered and dropped segments ---- */

typedef struct recon {
    const uint8_t *orig;
    size_t len;
    size_t pos;             /* stream offset of the next delivered byte */
    size_t delivered, gapped;
    int wrong;              /* bytes delivered that differ from the original */
    int closes;
} recon;

static void *rc_open(void *ctx, const endpoint *a, const endpoint *b, bool client, double ts)
{
    (void)a; (void)b; (void)client; (void)ts;
    return ctx;
}

static bool rc_data(void *ctx, void *flow, int side, const uint8_t *bytes, size_t len, double ts)
{
    recon *r = ctx;
    (void)flow; (void)ts;
    if (side != 0) return true;
    for (size_t i = 0; i < len; i++)
        if (r->pos + i >= r->len || bytes[i] != r->orig[r->pos + i]) r->wrong++;
    r->pos += len;
    r->delivered += len;
    return true;
}

static void rc_gap(void *ctx, void *flow, int side, uint64_t missing, double ts)
{
    recon *r = ctx;
    (void)flow; (void)ts;
    if (side != 0) return;
    r->pos += missing;
    r->gapped += missing;
}

static void rc_close(void *ctx, void *flow, const char *why, double ts)
{
    (void)flow; (void)why; (void)ts;
    ((recon *)ctx)->closes++;
}

static uint32_t rnd_state = 2463534242u;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return n ? rnd_state % n : 0;
}

typedef struct rseg {
    uint32_t off, len;
    bool corrupt;
} rseg;

static void test_random(void)
{
    enum { LEN = 3000, MAXSEG = 400 };
    static uint8_t orig[LEN], copy[MAXSEG];
    static rseg segs[MAXSEG];
    int bad_trials = 0;
    for (int trial = 0; trial < 400; trial++) {
        for (size_t i = 0; i < LEN; i++) orig[i] = (uint8_t)rnd(256);
        bool drops = trial % 4 == 3, corrupt = trial % 5 == 4;
        size_t max_buffered = trial % 3 == 0 ? 200 + rnd(2000) : 1u << 20;
        /* Segments tiling the stream, then extra overlapping copies. */
        size_t n = 0;
        for (uint32_t off = 0; off < LEN && n < MAXSEG;) {
            uint32_t len = 1 + rnd(120);
            if (off + len > LEN) len = LEN - off;
            segs[n++] = (rseg){ off, len, false };
            off += len;
        }
        size_t tiles = n;
        for (int k = 0; k < 40 && n < MAXSEG; k++) {
            uint32_t off = rnd(LEN - 1), len = 1 + rnd(200);
            if (off + len > LEN) len = LEN - off;
            segs[n++] = (rseg){ off, len, corrupt && rnd(3) == 0 };
        }
        /* Shuffle, locally: a segment moves at most 12 places. */
        for (size_t i = 0; i + 1 < n; i++) {
            size_t j = i + rnd(12);
            if (j >= n) j = n - 1;
            rseg t = segs[i];
            segs[i] = segs[j];
            segs[j] = t;
        }
        recon r = { orig, LEN, 0, 0, 0, 0, 0 };
        stream_handler h = { &r, rc_open, rc_data, rc_gap, NULL, rc_close };
        capture_stats st;
        memset(&st, 0, sizeof st);
        flow_limits l = { 0, 0, max_buffered };
        flow_table *t = flow_table_new(&l, &h, &st);
        uint32_t isn = rnd(0xffffffffu) | (trial % 7 == 0 ? 0xfffff000u : 0);
        send_full(t, &CLI, &SRV, isn, TCP_SYN, NULL, 0, 0, 0.0);
        size_t dropped = 0;
        for (size_t i = 0; i < n; i++) {
            if (drops && i < tiles && rnd(10) == 0) {
                dropped++;
                continue;
            }
            memcpy(copy, orig + segs[i].off, segs[i].len);
            if (segs[i].corrupt) copy[rnd(segs[i].len)] ^= 0x5a;
            send_full(t, &CLI, &SRV, isn + 1 + segs[i].off, TCP_ACK, (const char *)copy, segs[i].len,
                      segs[i].len, 0.001 * (double)i);
        }
        send_full(t, &CLI, &SRV, isn + 1 + LEN, TCP_FIN | TCP_ACK, NULL, 0, 0, 1.0);
        flow_table_free(t, 2.0);
        bool ok = r.closes == 1 && r.pos == LEN && r.delivered + r.gapped == LEN;
        /* Without drops, buffer pressure or corruption the stream is whole and exact. */
        if (!drops && max_buffered >= LEN && !corrupt) ok = ok && r.wrong == 0 && r.gapped == 0;
        /* Without corruption, whatever was delivered is right. */
        if (!corrupt) ok = ok && r.wrong == 0;
        if (!drops && !corrupt && max_buffered >= LEN) ok = ok && st.gaps == 0;
        if (!ok) {
            if (bad_trials++ < 5)
                fprintf(stderr, "random trial %d: pos %zu delivered %zu gapped %zu wrong %d closes %d\n", trial,
                        r.pos, r.delivered, r.gapped, r.wrong, r.closes);
        }
        test_checks++;
    }
    if (bad_trials) test_fail(__FILE__, __LINE__, "%d random trials went wrong", bad_trials);
}

int main(void)
{
    test_in_order_and_fin();
    test_reversed();
    test_one_byte_segments();
    test_overlaps();
    test_wraparound();
    test_gaps();
    test_buffer_limit();
    test_mid_connection();
    test_eviction();
    test_idle();
    test_new_connections();
    test_ignore_and_stop();
    test_snaplen();
    test_many_flows();
    test_random();
    return test_report("reasm");
}
