/* decode_packet: link layers, IPv4/IPv6 and TCP on hand-built packets. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "tests/testlib.h"

/* ---- a small packet builder ---- */

typedef struct pbuf {
    uint8_t b[4096];
    size_t n;
} pbuf;

static void put8(pbuf *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void put16(pbuf *p, unsigned v) { put8(p, v >> 8); put8(p, v); }
static void put32(pbuf *p, uint32_t v) { put16(p, v >> 16); put16(p, v & 0xffff); }
static void put32le(pbuf *p, uint32_t v) { put8(p, v); put8(p, v >> 8); put8(p, v >> 16); put8(p, v >> 24); }
static void putn(pbuf *p, const void *d, size_t n) { memcpy(p->b + p->n, d, n); p->n += n; }
static void putz(pbuf *p, size_t n) { memset(p->b + p->n, 0, n); p->n += n; }
static void append(pbuf *p, const pbuf *q) { putn(p, q->b, q->n); }

static const uint8_t V4_SRC[4] = { 192, 0, 2, 1 };
static const uint8_t V4_DST[4] = { 198, 51, 100, 7 };
static const uint8_t V6_SRC[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t V6_DST[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const char PAYLOAD[] = "hello, tls";

/* TCP header with `optlen` bytes of options (a multiple of 4), then data. */
static pbuf tcp(uint8_t flags, size_t optlen, const char *data, size_t datalen)
{
    pbuf t = { .n = 0 };
    put16(&t, 51000);
    put16(&t, 443);
    put32(&t, 0x01020304);
    put32(&t, 0xa0b0c0d0);
    put8(&t, (unsigned)((20 + optlen) / 4) << 4);
    put8(&t, flags);
    put16(&t, 65535);
    put16(&t, 0);
    put16(&t, 0);
    for (size_t i = 0; i < optlen; i++) put8(&t, i == 0 ? 2 : i == 1 ? 4 : 1);  /* MSS-ish, NOPs */
    if (datalen) putn(&t, data, datalen);
    return t;
}

static pbuf tcp_hello(void) { return tcp(TCP_ACK | TCP_PSH, 0, PAYLOAD, strlen(PAYLOAD)); }

/* IPv4 header (with `optlen` option bytes) around `inner`. */
static pbuf ipv4(const pbuf *inner, uint8_t proto, uint16_t frag, size_t optlen)
{
    pbuf p = { .n = 0 };
    put8(&p, 0x40 | (unsigned)((20 + optlen) / 4));
    put8(&p, 0);
    put16(&p, (unsigned)(20 + optlen + inner->n));
    put16(&p, 0x1234);
    put16(&p, frag);
    put8(&p, 64);
    put8(&p, proto);
    put16(&p, 0);
    putn(&p, V4_SRC, 4);
    putn(&p, V4_DST, 4);
    for (size_t i = 0; i < optlen; i++) put8(&p, 1);   /* NOP options */
    append(&p, inner);
    return p;
}

static pbuf ipv6(const pbuf *inner, uint8_t next)
{
    pbuf p = { .n = 0 };
    put32(&p, 0x60000000);
    put16(&p, (unsigned)inner->n);
    put8(&p, next);
    put8(&p, 64);
    putn(&p, V6_SRC, 16);
    putn(&p, V6_DST, 16);
    append(&p, inner);
    return p;
}

/* An IPv6 extension header of (len+1)*8 bytes before `inner`. */
static pbuf ext6(const pbuf *inner, uint8_t next, unsigned len)
{
    pbuf p = { .n = 0 };
    put8(&p, next);
    put8(&p, len);
    putz(&p, (len + 1) * 8 - 2);
    append(&p, inner);
    return p;
}

static pbuf frag6(const pbuf *inner, uint8_t next, uint16_t offmf)
{
    pbuf p = { .n = 0 };
    put8(&p, next);
    put8(&p, 0);
    put16(&p, offmf);
    put32(&p, 0xdeadbeef);
    append(&p, inner);
    return p;
}

/* AH: (len+2)*4 bytes. */
static pbuf ah(const pbuf *inner, uint8_t next, unsigned len)
{
    pbuf p = { .n = 0 };
    put8(&p, next);
    put8(&p, len);
    putz(&p, (len + 2) * 4 - 2);
    append(&p, inner);
    return p;
}

static pbuf eth_head(void)
{
    pbuf p = { .n = 0 };
    const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 2 }, src[6] = { 0x02, 0, 0, 0, 0, 1 };
    putn(&p, dst, 6);
    putn(&p, src, 6);
    return p;
}

static pbuf eth(const pbuf *ip, unsigned type)
{
    pbuf p = eth_head();
    put16(&p, type);
    append(&p, ip);
    return p;
}

/* ---- checks ---- */

/* Decodes from an exact-size heap copy, so that a sanitizer sees any read
 * past the captured bytes. */
static decode_result decode(int lt, const pbuf *p, size_t caplen, size_t wirelen, tcp_segment *seg,
                            uint8_t **keep)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    memcpy(copy, p->b, caplen);
    decode_result r = decode_packet(lt, copy, caplen, wirelen, seg);
    *keep = copy;
    return r;
}

static void expect_hello(int line, int lt, const pbuf *p, int family)
{
    tcp_segment seg;
    uint8_t *keep;
    decode_result r = decode(lt, p, p->n, p->n, &seg, &keep);
    test_checks++;
    if (r != DECODE_TCP) {
        test_fail(__FILE__, line, "linktype %d: result %d, expected DECODE_TCP", lt, (int)r);
        free(keep);
        return;
    }
    bool ok = seg.src.family == family && seg.dst.family == family && seg.src.port == 51000 &&
              seg.dst.port == 443 && seg.seq == 0x01020304 && seg.ack == 0xa0b0c0d0 &&
              seg.flags == (TCP_ACK | TCP_PSH) && seg.payload_len == strlen(PAYLOAD) &&
              seg.payload_wire_len == strlen(PAYLOAD) && seg.payload &&
              memcmp(seg.payload, PAYLOAD, strlen(PAYLOAD)) == 0;
    if (family == 4)
        ok = ok && memcmp(seg.src.addr, V4_SRC, 4) == 0 && memcmp(seg.dst.addr, V4_DST, 4) == 0;
    else
        ok = ok && memcmp(seg.src.addr, V6_SRC, 16) == 0 && memcmp(seg.dst.addr, V6_DST, 16) == 0;
    if (!ok) test_fail(__FILE__, line, "linktype %d: decoded fields differ", lt);
    free(keep);
}

static void expect_result(int line, int lt, const pbuf *p, size_t caplen, size_t wirelen, decode_result want)
{
    tcp_segment seg;
    uint8_t *keep;
    decode_result r = decode(lt, p, caplen, wirelen, &seg, &keep);
    test_checks++;
    if (r != want)
        test_fail(__FILE__, line, "linktype %d caplen %zu wirelen %zu: result %d, expected %d", lt, caplen,
                  wirelen, (int)r, (int)want);
    free(keep);
}

#define HELLO(lt, p, fam) expect_hello(__LINE__, lt, p, fam)
#define RESULT(lt, p, want) expect_result(__LINE__, lt, p, (p)->n, (p)->n, want)

static void test_ethernet(void)
{
    pbuf t = tcp_hello();
    pbuf v4 = ipv4(&t, 6, 0, 0), v6 = ipv6(&t, 6);
    pbuf e4 = eth(&v4, 0x0800), e6 = eth(&v6, 0x86dd);
    HELLO(1, &e4, 4);
    HELLO(1, &e6, 6);

    /* 802.1Q, 802.1ad + 802.1Q, old 0x9100 QinQ, and three tags. */
    pbuf q = eth_head();
    put16(&q, 0x8100); put16(&q, 0x0064); put16(&q, 0x0800); append(&q, &v4);
    HELLO(1, &q, 4);
    pbuf qq = eth_head();
    put16(&qq, 0x88a8); put16(&qq, 0x00c8); put16(&qq, 0x8100); put16(&qq, 0x0064); put16(&qq, 0x86dd);
    append(&qq, &v6);
    HELLO(1, &qq, 6);
    pbuf q9 = eth_head();
    put16(&q9, 0x9100); put16(&q9, 0x0001); put16(&q9, 0x8100); put16(&q9, 0x0002); put16(&q9, 0x0800);
    append(&q9, &v4);
    HELLO(1, &q9, 4);
    pbuf q3 = eth_head();
    put16(&q3, 0x88a8); put16(&q3, 1); put16(&q3, 0x88a8); put16(&q3, 2); put16(&q3, 0x8100); put16(&q3, 3);
    put16(&q3, 0x0800);
    append(&q3, &v4);
    HELLO(1, &q3, 4);

    /* Not IP. */
    pbuf arp = eth_head();
    put16(&arp, 0x0806); putz(&arp, 28);
    RESULT(1, &arp, DECODE_NOT_TCP);
    pbuf llc = eth_head();
    put16(&llc, 40); putz(&llc, 46);
    RESULT(1, &llc, DECODE_NOT_TCP);
    pbuf tagged_arp = eth_head();
    put16(&tagged_arp, 0x8100); put16(&tagged_arp, 5); put16(&tagged_arp, 0x0806); putz(&tagged_arp, 28);
    RESULT(1, &tagged_arp, DECODE_NOT_TCP);

    /* A bare ACK padded to the Ethernet minimum: the padding is not payload. */
    pbuf ack = tcp(TCP_ACK, 0, NULL, 0);
    pbuf ackip = ipv4(&ack, 6, 0x4000, 0);
    pbuf pad = eth(&ackip, 0x0800);
    put32(&pad, 0xeeeeeeee); put16(&pad, 0xeeee);
    CHECK_EQ_INT(pad.n, 60);
    tcp_segment seg;
    uint8_t *keep;
    CHECK_EQ_INT(decode(1, &pad, pad.n, pad.n, &seg, &keep), DECODE_TCP);
    CHECK_EQ_INT(seg.payload_len, 0);
    CHECK_EQ_INT(seg.payload_wire_len, 0);
    free(keep);
    /* ... and cut by the snaplen inside the padding: still whole. */
    CHECK_EQ_INT(decode(1, &pad, 56, 60, &seg, &keep), DECODE_TCP);
    CHECK_EQ_INT(seg.payload_wire_len, 0);
    free(keep);

    /* Padding after data is not data either. */
    pbuf small = tcp(TCP_ACK | TCP_PSH, 0, "ab", 2);
    pbuf smallip = ipv4(&small, 6, 0, 0);
    pbuf padded = eth(&smallip, 0x0800);
    putz(&padded, 4);
    CHECK_EQ_INT(decode(1, &padded, padded.n, padded.n, &seg, &keep), DECODE_TCP);
    CHECK_EQ_INT(seg.payload_len, 2);
    CHECK_EQ_INT(seg.payload_wire_len, 2);
    CHECK(seg.payload && memcmp(seg.payload, "ab", 2) == 0);
    free(keep);
}

static void test_sll(void)
{
    pbuf t = tcp_hello();
    pbuf v4 = ipv4(&t, 6, 0, 0), v6 = ipv6(&t, 6);

    /* SLL: packet type, ARPHRD, address length, address (8), protocol */
    pbuf s = { .n = 0 };
    put16(&s, 0); put16(&s, 1); put16(&s, 6); putz(&s, 8); put16(&s, 0x0800); append(&s, &v4);
    HELLO(113, &s, 4);
    pbuf s6 = { .n = 0 };
    put16(&s6, 4); put16(&s6, 772); put16(&s6, 0); putz(&s6, 8); put16(&s6, 0x86dd); append(&s6, &v6);
    HELLO(113, &s6, 6);
    pbuf sv = { .n = 0 };
    put16(&sv, 0); put16(&sv, 1); put16(&sv, 6); putz(&sv, 8); put16(&sv, 0x8100); put16(&sv, 7);
    put16(&sv, 0x0800); append(&sv, &v4);
    HELLO(113, &sv, 4);
    pbuf sa = { .n = 0 };
    put16(&sa, 0); put16(&sa, 1); put16(&sa, 6); putz(&sa, 8); put16(&sa, 0x0806); putz(&sa, 28);
    RESULT(113, &sa, DECODE_NOT_TCP);

    /* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address (8) */
    pbuf s2 = { .n = 0 };
    put16(&s2, 0x0800); put16(&s2, 0); put32(&s2, 3); put16(&s2, 1); put8(&s2, 0); put8(&s2, 6); putz(&s2, 8);
    append(&s2, &v4);
    CHECK_EQ_INT(s2.n - v4.n, 20);
    HELLO(276, &s2, 4);
    pbuf s26 = { .n = 0 };
    put16(&s26, 0x86dd); put16(&s26, 0); put32(&s26, 1); put16(&s26, 772); put8(&s26, 4); put8(&s26, 0);
    putz(&s26, 8); append(&s26, &v6);
    HELLO(276, &s26, 6);
    /* Cut inside the SLL2 header. */
    expect_result(__LINE__, 276, &s26, 10, s26.n, DECODE_TRUNCATED);
}

static void test_loopback(void)
{
    pbuf t = tcp_hello();
    pbuf v4 = ipv4(&t, 6, 0, 0), v6 = ipv6(&t, 6);
    const uint32_t inet6[] = { 10, 24, 28, 30 };

    for (int lt = 0; lt <= 108; lt += 108) {    /* DLT_NULL and DLT_LOOP */
        pbuf be = { .n = 0 }, le = { .n = 0 };
        put32(&be, 2); append(&be, &v4);
        put32le(&le, 2); append(&le, &v4);
        HELLO(lt, &be, 4);
        HELLO(lt, &le, 4);
        for (size_t i = 0; i < sizeof inet6 / sizeof inet6[0]; i++) {
            pbuf b6 = { .n = 0 }, l6 = { .n = 0 };
            put32(&b6, inet6[i]); append(&b6, &v6);
            put32le(&l6, inet6[i]); append(&l6, &v6);
            HELLO(lt, &b6, 6);
            HELLO(lt, &l6, 6);
        }
        pbuf other = { .n = 0 };
        put32le(&other, 7); putz(&other, 20);
        RESULT(lt, &other, DECODE_NOT_TCP);
        pbuf cut = { .n = 0 };
        put32le(&cut, 2);
        expect_result(__LINE__, lt, &cut, 3, 60, DECODE_TRUNCATED);
        expect_result(__LINE__, lt, &cut, 3, 3, DECODE_MALFORMED);
    }
}

static void test_raw(void)
{
    pbuf t = tcp_hello();
    pbuf v4 = ipv4(&t, 6, 0, 0), v6 = ipv6(&t, 6);
    HELLO(12, &v4, 4);
    HELLO(12, &v6, 6);
    HELLO(101, &v4, 4);
    HELLO(101, &v6, 6);
    HELLO(228, &v4, 4);
    HELLO(229, &v6, 6);
    RESULT(228, &v6, DECODE_MALFORMED);
    RESULT(229, &v4, DECODE_MALFORMED);
    pbuf junk = { .n = 0 };
    put8(&junk, 0x50); putz(&junk, 39);
    RESULT(101, &junk, DECODE_MALFORMED);

    CHECK(linktype_supported(0));
    CHECK(linktype_supported(1));
    CHECK(linktype_supported(12));
    CHECK(linktype_supported(101));
    CHECK(linktype_supported(108));
    CHECK(linktype_supported(113));
    CHECK(linktype_supported(228));
    CHECK(linktype_supported(229));
    CHECK(linktype_supported(276));
    CHECK(!linktype_supported(105));    /* 802.11 */
    CHECK(!linktype_supported(147));
    RESULT(147, &v4, DECODE_UNSUPPORTED);
}

static void test_ipv4(void)
{
    pbuf t = tcp_hello();
    /* IHL 6 and 15 (the maximum: 40 option bytes). */
    pbuf o1 = ipv4(&t, 6, 0, 4), o10 = ipv4(&t, 6, 0, 40);
    HELLO(101, &o1, 4);
    HELLO(101, &o10, 4);
    /* TCP options: data offset 8 and 15. */
    pbuf to = tcp(TCP_ACK | TCP_PSH, 12, PAYLOAD, strlen(PAYLOAD));
    pbuf tomax = tcp(TCP_ACK | TCP_PSH, 40, PAYLOAD, strlen(PAYLOAD));
    pbuf p1 = ipv4(&to, 6, 0, 0), p2 = ipv4(&tomax, 6, 0, 8);
    HELLO(101, &p1, 4);
    HELLO(101, &p2, 4);

    /* Don't fragment is fine; more fragments or an offset is a fragment. */
    pbuf df = ipv4(&t, 6, 0x4000, 0), mf = ipv4(&t, 6, 0x2000, 0), off = ipv4(&t, 6, 0x0010, 0);
    HELLO(101, &df, 4);
    RESULT(101, &mf, DECODE_FRAGMENT);
    RESULT(101, &off, DECODE_FRAGMENT);
    tcp_segment seg;
    uint8_t *keep;
    CHECK_EQ_INT(decode(101, &mf, mf.n, mf.n, &seg, &keep), DECODE_FRAGMENT);
    CHECK(seg.src.family == 4 && memcmp(seg.src.addr, V4_SRC, 4) == 0);
    free(keep);

    /* UDP; AH then TCP. */
    pbuf udp = ipv4(&t, 17, 0, 0);
    RESULT(101, &udp, DECODE_NOT_TCP);
    pbuf a = ah(&t, 6, 4);
    pbuf v4ah = ipv4(&a, 51, 0, 0);
    HELLO(101, &v4ah, 4);

    /* Malformed headers. */
    pbuf bad_ihl = ipv4(&t, 6, 0, 0);
    bad_ihl.b[0] = 0x44;
    RESULT(101, &bad_ihl, DECODE_MALFORMED);
    pbuf bad_len = ipv4(&t, 6, 0, 0);
    bad_len.b[2] = 0x7f;    /* total length beyond the packet */
    RESULT(101, &bad_len, DECODE_MALFORMED);
    pbuf short_len = ipv4(&t, 6, 0, 0);
    short_len.b[2] = 0; short_len.b[3] = 16;   /* less than the header */
    RESULT(101, &short_len, DECODE_MALFORMED);
    pbuf bad_doff = ipv4(&t, 6, 0, 0);
    bad_doff.b[20 + 12] = 0x40;                  /* TCP data offset 4 */
    RESULT(101, &bad_doff, DECODE_MALFORMED);
    pbuf big_doff = tcp(TCP_ACK, 0, NULL, 0);
    big_doff.b[12] = 0xf0;                       /* 60 bytes of header, 20 present */
    pbuf big_doff_ip = ipv4(&big_doff, 6, 0, 0);
    RESULT(101, &big_doff_ip, DECODE_MALFORMED);

    /* Total length 0, as segmentation offload leaves it: use the frame. */
    pbuf tso = ipv4(&t, 6, 0, 0);
    tso.b[2] = tso.b[3] = 0;
    HELLO(101, &tso, 4);
}

static void test_ipv6_ext(void)
{
    pbuf t = tcp_hello();
    /* hop-by-hop -> routing (24 bytes) -> destination options -> AH -> TCP */
    pbuf a = ah(&t, 6, 4);
    pbuf d = ext6(&a, 51, 1);
    pbuf r = ext6(&d, 60, 2);
    pbuf h = ext6(&r, 43, 0);
    pbuf v6 = ipv6(&h, 0);
    HELLO(101, &v6, 6);

    /* An atomic fragment is whole; a real one is not. */
    pbuf atomic = frag6(&t, 6, 0);
    pbuf v6a = ipv6(&atomic, 44);
    HELLO(101, &v6a, 6);
    pbuf first = frag6(&t, 6, 1);
    pbuf v6f = ipv6(&first, 44);
    RESULT(101, &v6f, DECODE_FRAGMENT);
    pbuf later = frag6(&t, 6, 0x0100);
    pbuf v6l = ipv6(&later, 44);
    RESULT(101, &v6l, DECODE_FRAGMENT);
    pbuf hf = ext6(&first, 44, 0);
    pbuf v6hf = ipv6(&hf, 0);
    RESULT(101, &v6hf, DECODE_FRAGMENT);

    pbuf esp = ipv6(&t, 50), none = ipv6(&t, 59), udp = ipv6(&t, 17), icmp = ipv6(&t, 58);
    RESULT(101, &esp, DECODE_NOT_TCP);
    RESULT(101, &none, DECODE_NOT_TCP);
    RESULT(101, &udp, DECODE_NOT_TCP);
    RESULT(101, &icmp, DECODE_NOT_TCP);

    /* An extension header longer than the payload. */
    pbuf longext = ext6(&t, 6, 0);
    longext.b[1] = 200;
    pbuf v6long = ipv6(&longext, 60);
    RESULT(101, &v6long, DECODE_MALFORMED);
    /* Payload length beyond the packet. */
    pbuf v6bad = ipv6(&t, 6);
    v6bad.b[4] = 0x40;
    RESULT(101, &v6bad, DECODE_MALFORMED);
}

static void test_truncation(void)
{
    char big[100];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)('a' + i % 26);
    pbuf t = tcp(TCP_ACK | TCP_PSH, 0, big, sizeof big);
    pbuf v4 = ipv4(&t, 6, 0, 0);
    pbuf e = eth(&v4, 0x0800);
    size_t headers = 14 + 20 + 20;

    /* The payload cut by the snaplen: 30 of 100 bytes. */
    tcp_segment seg;
    uint8_t *keep;
    CHECK_EQ_INT(decode(1, &e, headers + 30, e.n, &seg, &keep), DECODE_TCP);
    CHECK_EQ_INT(seg.payload_len, 30);
    CHECK_EQ_INT(seg.payload_wire_len, 100);
    CHECK(seg.payload && memcmp(seg.payload, big, 30) == 0);
    free(keep);
    /* Exactly the headers. */
    CHECK_EQ_INT(decode(1, &e, headers, e.n, &seg, &keep), DECODE_TCP);
    CHECK_EQ_INT(seg.payload_len, 0);
    CHECK_EQ_INT(seg.payload_wire_len, 100);
    free(keep);

    /* Headers cut: truncated when the wire had more, malformed when not. */
    size_t cuts[] = { 0, 5, 13, 14, 20, 33, 34, 40, 53 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        expect_result(__LINE__, 1, &e, cuts[i], e.n, DECODE_TRUNCATED);
        expect_result(__LINE__, 1, &e, cuts[i], cuts[i], DECODE_MALFORMED);
    }

    /* IPv6 with extension headers, cut inside them. */
    pbuf hop = ext6(&t, 6, 1);
    pbuf v6 = ipv6(&hop, 0);
    expect_result(__LINE__, 101, &v6, 40 + 10, v6.n, DECODE_TRUNCATED);
    expect_result(__LINE__, 101, &v6, 40 + 16 + 10, v6.n, DECODE_TRUNCATED);
    CHECK_EQ_INT(decode(101, &v6, 40 + 16 + 20 + 7, v6.n, &seg, &keep), DECODE_TCP);
    CHECK_EQ_INT(seg.payload_len, 7);
    CHECK_EQ_INT(seg.payload_wire_len, 100);
    free(keep);

    /* Every prefix of every packet kind decodes without reading past it
     * (the sanitizer build checks the reads). */
    pbuf all[8];
    int lts[8] = { 1, 1, 113, 276, 0, 101, 101, 101 };
    pbuf a4 = ah(&t, 6, 2);
    pbuf d6 = ext6(&a4, 51, 1);
    pbuf q = eth_head();
    put16(&q, 0x8100); put16(&q, 1); put16(&q, 0x86dd);
    pbuf v6d = ipv6(&d6, 60);
    append(&q, &v6d);
    all[0] = e;
    all[1] = q;
    all[2] = (pbuf){ .n = 0 };
    put16(&all[2], 0); put16(&all[2], 1); put16(&all[2], 6); putz(&all[2], 8); put16(&all[2], 0x0800);
    append(&all[2], &v4);
    all[3] = (pbuf){ .n = 0 };
    put16(&all[3], 0x86dd); putz(&all[3], 18); append(&all[3], &v6d);
    all[4] = (pbuf){ .n = 0 };
    put32le(&all[4], 30); append(&all[4], &v6d);
    all[5] = v4;
    all[6] = v6d;
    all[7] = ipv4(&t, 6, 0, 40);
    for (int k = 0; k < 8; k++) {
        for (size_t n = 0; n < all[k].n; n++) {
            decode_result r1 = decode(lts[k], &all[k], n, all[k].n, &seg, &keep);
            test_checks++;
            if (r1 == DECODE_TCP && seg.payload_len > seg.payload_wire_len)
                test_fail(__FILE__, __LINE__, "packet %d cut at %zu: more payload than on the wire", k, n);
            if (r1 != DECODE_TCP && r1 != DECODE_TRUNCATED)
                test_fail(__FILE__, __LINE__, "packet %d cut at %zu: result %d", k, n, (int)r1);
            free(keep);
            decode_result r2 = decode(lts[k], &all[k], n, n, &seg, &keep);
            test_checks++;
            if (r2 == DECODE_TCP && n < all[k].n && n > 0)
                test_fail(__FILE__, __LINE__, "packet %d of %zu bytes said to be whole: result TCP", k, n);
            free(keep);
        }
        CHECK_EQ_INT(decode(lts[k], &all[k], all[k].n, all[k].n, &seg, &keep), DECODE_TCP);
        CHECK_EQ_INT(seg.payload_len, 100);
        CHECK(seg.payload && memcmp(seg.payload, big, 100) == 0);
        free(keep);
    }
}

static void test_endpoint_format(void)
{
    char buf[ENDPOINT_TEXT_MAX];
    endpoint a = { .family = 4, .addr = { 192, 0, 2, 1 }, .port = 443 };
    endpoint_format(&a, buf, sizeof buf);
    CHECK_STR(buf, "192.0.2.1:443");
    endpoint b = { .family = 6, .port = 8443 };
    memcpy(b.addr, V6_SRC, 16);
    endpoint_format(&b, buf, sizeof buf);
    CHECK_STR(buf, "[2001:db8::1]:8443");
    endpoint c = { .family = 6, .port = 65535 };
    memset(c.addr, 0xff, 16);
    endpoint_format(&c, buf, sizeof buf);
    CHECK_STR(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
    CHECK(strlen(buf) < ENDPOINT_TEXT_MAX);
    char small[8];
    endpoint_format(&a, small, sizeof small);
    CHECK_STR(small, "192.0.2");
    endpoint d = { .family = 4, .addr = { 0, 0, 0, 0 }, .port = 0 };
    endpoint_format(&d, buf, sizeof buf);
    CHECK_STR(buf, "0.0.0.0:0");
    endpoint e = { .family = 4, .addr = { 255, 255, 255, 255 }, .port = 65535 };
    endpoint_format(&e, buf, sizeof buf);
    CHECK_STR(buf, "255.255.255.255:65535");
    endpoint_format(&e, small, 1);
    CHECK_STR(small, "");
    /* IPv4 is formatted by hand: it must say what inet_ntop says, for
     * every value of each byte (in every position) and many ports. */
    for (unsigned v = 0; v < 256; v++) {
        endpoint f = { .family = 4, .addr = { (uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7), (uint8_t)(v / 3) },
                       .port = (uint16_t)(v * 257 + v / 2) };
        char want[ENDPOINT_TEXT_MAX], addr[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, f.addr, addr, sizeof addr);
        snprintf(want, sizeof want, "%s:%u", addr, (unsigned)f.port);
        endpoint_format(&f, buf, sizeof buf);
        CHECK_STR(buf, want);
    }
}

int main(void)
{
    test_ethernet();
    test_sll();
    test_loopback();
    test_raw();
    test_ipv4();
    test_ipv6_ext();
    test_truncation();
    test_endpoint_format();
    return test_report("linktype");
}
