/* Link layer, IPv4/IPv6 and TCP header decoding.
 *
 * Every read goes through the cursor.  A read that does not fit means
 * "truncated" when the capture cut the packet short (caplen < wirelen) and
 * "malformed" when the whole packet is present and still too short. */
#include "capture/capture.h"

#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "dissect/cursor.h"
#include "dissect/format.h"

/* Link-layer type numbers as files store them (LINKTYPE_*).  They equal
 * the DLT_* values libpcap reports on Linux; the capture source maps the
 * few that differ elsewhere (raw IP, OpenBSD loopback). */
enum {
    LT_NULL = 0,
    LT_ETHERNET = 1,
    LT_RAW_LEGACY = 12,        /* DLT_RAW on most systems */
    LT_RAW = 101,              /* LINKTYPE_RAW */
    LT_LOOP = 108,
    LT_LINUX_SLL = 113,
    LT_IPV4 = 228,
    LT_IPV6 = 229,
    LT_LINUX_SLL2 = 276,
};

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_VLAN = 0x8100,         /* 802.1Q */
    ETH_QINQ = 0x88a8,         /* 802.1ad */
    ETH_QINQ_OLD = 0x9100,     /* pre-standard stacked tags */
    ETH_QINQ_OLD2 = 0x9200,
};

enum { IPPROTO_TCP_ = 6, IPPROTO_AH_ = 51 };

/* IPv6 extension headers we walk over. */
enum {
    IP6_HOPOPTS = 0,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_ESP = 50,
    IP6_AH = 51,
    IP6_NONE = 59,
    IP6_DSTOPTS = 60,
    IP6_MOBILITY = 135,
    IP6_HIP = 139,
    IP6_SHIM6 = 140,
};

/* What the decoder knows while it walks one packet. */
typedef struct pkt {
    cursor c;
    bool cut;            /* the capture holds fewer bytes than the wire had */
    size_t wire_left;    /* bytes on the wire from the cursor position on */
} pkt;

static decode_result short_read(const pkt *k)
{
    return k->cut ? DECODE_TRUNCATED : DECODE_MALFORMED;
}

/* Keeps wire_left in step with the cursor after a read of n bytes. */
static inline __attribute__((always_inline)) void consumed(pkt *k, size_t n)
{
    k->wire_left = k->wire_left >= n ? k->wire_left - n : 0;
}

static inline __attribute__((always_inline)) bool take(pkt *k, size_t n)
{
    if (!cur_skip(&k->c, n)) return false;
    consumed(k, n);
    return true;
}

static inline __attribute__((always_inline)) bool take_u8(pkt *k, uint8_t *v)
{
    if (!cur_u8(&k->c, v)) return false;
    consumed(k, 1);
    return true;
}

static inline __attribute__((always_inline)) bool take_u16(pkt *k, uint16_t *v)
{
    if (!cur_u16(&k->c, v)) return false;
    consumed(k, 2);
    return true;
}

static inline __attribute__((always_inline)) bool take_u32(pkt *k, uint32_t *v)
{
    if (!cur_u32(&k->c, v)) return false;
    consumed(k, 4);
    return true;
}

static inline __attribute__((always_inline)) bool take_copy(pkt *k, void *out, size_t n)
{
    if (!cur_copy(&k->c, out, n)) return false;
    consumed(k, n);
    return true;
}

/* Narrows the packet to the next `wire_len` bytes of the wire (an IP
 * datagram whose length field we trust), dropping link-layer padding. */
static void narrow(pkt *k, size_t wire_len)
{
    size_t have = cur_left(&k->c);
    cursor inner;
    if (have > wire_len) have = wire_len;
    if (cur_sub(&k->c, have, &inner)) k->c = inner;
    k->cut = have < wire_len;
    k->wire_left = wire_len;
}

static decode_result decode_tcp(pkt *k, tcp_segment *seg)
{
    uint16_t sport, dport, win, sum, urg;
    uint32_t seq, ack;
    uint8_t off, flags;
    if (!take_u16(k, &sport) || !take_u16(k, &dport) || !take_u32(k, &seq) ||
        !take_u32(k, &ack) || !take_u8(k, &off) || !take_u8(k, &flags) ||
        !take_u16(k, &win) || !take_u16(k, &sum) || !take_u16(k, &urg))
        return short_read(k);
    size_t hlen = (size_t)(off >> 4) * 4;
    if (hlen < 20) return DECODE_MALFORMED;
    /* The options must fit in what the IP layer says is there. */
    if (hlen - 20 > k->wire_left) return DECODE_MALFORMED;
    if (!take(k, hlen - 20)) return short_read(k);

    seg->src.port = sport;
    seg->dst.port = dport;
    seg->seq = seq;
    seg->ack = ack;
    seg->flags = flags;
    cur_skip_rest(&k->c, &seg->payload, &seg->payload_len);
    seg->payload_wire_len = k->wire_left;
    if (seg->payload_len > seg->payload_wire_len) seg->payload_len = seg->payload_wire_len;
    if (seg->payload_len == 0) seg->payload = NULL;
    return DECODE_TCP;
}

/* An authentication header (RFC 4302): next header, length in 32-bit words
 * minus 2.  *next gets the protocol that follows. */
static decode_result skip_ah(pkt *k, uint8_t *next)
{
    uint8_t len;
    if (!take_u8(k, next) || !take_u8(k, &len)) return short_read(k);
    size_t total = ((size_t)len + 2) * 4;
    if (total - 2 > k->wire_left) return DECODE_MALFORMED;
    if (!take(k, total - 2)) return short_read(k);
    return DECODE_TCP;
}

static decode_result decode_ipv4(pkt *k, tcp_segment *seg)
{
    uint8_t vihl, tos, ttl, proto;
    uint16_t total, id, frag, sum;
    size_t start_wire = k->wire_left;

    if (!take_u8(k, &vihl)) return short_read(k);
    if ((vihl >> 4) != 4) return DECODE_MALFORMED;
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if (hlen < 20) return DECODE_MALFORMED;
    if (!take_u8(k, &tos) || !take_u16(k, &total)) return short_read(k);

    /* A total length of 0 is what segmentation offload leaves in locally
     * sent packets: the datagram is whatever the wire carried. */
    size_t dgram = total ? total : start_wire;
    if (dgram < hlen || dgram > start_wire) return DECODE_MALFORMED;
    /* Re-narrow to the datagram: trailing bytes are link-layer padding. */
    k->wire_left = start_wire - 4;
    /* A packet cut inside the padding is still whole at the IP layer. */
    narrow(k, dgram - 4);

    if (!take_u16(k, &id) || !take_u16(k, &frag) || !take_u8(k, &ttl) ||
        !take_u8(k, &proto) || !take_u16(k, &sum))
        return short_read(k);
    seg->src.family = seg->dst.family = 4;
    if (!take_copy(k, seg->src.addr, 4) || !take_copy(k, seg->dst.addr, 4)) return short_read(k);
    if (!take(k, hlen - 20)) return short_read(k);

    if ((frag & 0x2000) || (frag & 0x1fff)) return DECODE_FRAGMENT;
    if (proto == IPPROTO_AH_) {
        decode_result r = skip_ah(k, &proto);
        if (r != DECODE_TCP) return r;
    }
    if (proto != IPPROTO_TCP_) return DECODE_NOT_TCP;
    return decode_tcp(k, seg);
}

static decode_result decode_ipv6(pkt *k, tcp_segment *seg)
{
    uint32_t vtf;
    uint16_t plen;
    uint8_t next, hops;
    size_t start_wire = k->wire_left;

    if (!take_u32(k, &vtf)) return short_read(k);
    if ((vtf >> 28) != 6) return DECODE_MALFORMED;
    if (!take_u16(k, &plen) || !take_u8(k, &next) || !take_u8(k, &hops)) return short_read(k);
    seg->src.family = seg->dst.family = 6;
    if (!take_copy(k, seg->src.addr, 16) || !take_copy(k, seg->dst.addr, 16)) return short_read(k);

    /* Payload length 0: a jumbogram or offload; take what the wire had. */
    size_t payload = plen ? plen : start_wire - 40;
    if (start_wire < 40 || payload > start_wire - 40) return DECODE_MALFORMED;
    narrow(k, payload);

    for (;;) {
        switch (next) {
        case IPPROTO_TCP_:
            return decode_tcp(k, seg);
        case IP6_HOPOPTS:
        case IP6_ROUTING:
        case IP6_DSTOPTS:
        case IP6_MOBILITY:
        case IP6_HIP:
        case IP6_SHIM6: {
            uint8_t len;
            if (!take_u8(k, &next) || !take_u8(k, &len)) return short_read(k);
            size_t total = ((size_t)len + 1) * 8;
            if (total - 2 > k->wire_left) return DECODE_MALFORMED;
            if (!take(k, total - 2)) return short_read(k);
            break;
        }
        case IP6_FRAGMENT: {
            uint8_t reserved;
            uint16_t offmf;
            uint32_t ident;
            if (!take_u8(k, &next) || !take_u8(k, &reserved) || !take_u16(k, &offmf) ||
                !take_u32(k, &ident))
                return short_read(k);
            /* An atomic fragment (offset 0, no more fragments) is whole. */
            if ((offmf & 0xfff8) || (offmf & 1)) return DECODE_FRAGMENT;
            break;
        }
        case IP6_AH: {
            decode_result r = skip_ah(k, &next);
            if (r != DECODE_TCP) return r;
            break;
        }
        default:   /* ESP, no next header, UDP, ICMPv6, ... */
            return DECODE_NOT_TCP;
        }
    }
}

static decode_result decode_ip(pkt *k, tcp_segment *seg, int want_version)
{
    uint8_t v;
    if (!cur_peek_u8(&k->c, 0, &v)) return short_read(k);
    v >>= 4;
    if (want_version && v != want_version) return DECODE_MALFORMED;
    if (v == 4) return decode_ipv4(k, seg);
    if (v == 6) return decode_ipv6(k, seg);
    return DECODE_MALFORMED;
}

/* An EtherType, after skipping any number of VLAN tags. */
static decode_result decode_ethertype(pkt *k, uint16_t type, tcp_segment *seg)
{
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD || type == ETH_QINQ_OLD2) {
        uint16_t tci;
        if (!take_u16(k, &tci) || !take_u16(k, &type)) return short_read(k);
    }
    if (type == ETH_IPV4) return decode_ip(k, seg, 4);
    if (type == ETH_IPV6) return decode_ip(k, seg, 6);
    return DECODE_NOT_TCP;
}

/* BSD loopback: an address family as a 32-bit word in the byte order of
 * the machine that wrote it (DLT_NULL) or in network order (DLT_LOOP).
 * Families are small numbers, so the order is easy to tell apart. */
static decode_result decode_bsd_family(pkt *k, tcp_segment *seg)
{
    uint32_t fam;
    if (!take_u32(k, &fam)) return short_read(k);
    if (fam > 0xffff)
        fam = (fam >> 24) | ((fam >> 8) & 0xff00) | ((fam << 8) & 0xff0000) | (fam << 24);
    switch (fam) {
    case 2:                  /* AF_INET everywhere */
        return decode_ip(k, seg, 4);
    case 10:                 /* AF_INET6: Linux */
    case 24:                 /* OpenBSD, NetBSD, BSD/OS */
    case 28:                 /* FreeBSD, DragonFly */
    case 30:                 /* Darwin */
        return decode_ip(k, seg, 6);
    default:
        return DECODE_NOT_TCP;
    }
}

bool linktype_supported(int linktype)
{
    switch (linktype) {
    case LT_NULL:
    case LT_ETHERNET:
    case LT_RAW_LEGACY:
    case LT_RAW:
    case LT_LOOP:
    case LT_LINUX_SLL:
    case LT_IPV4:
    case LT_IPV6:
    case LT_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

decode_result decode_packet(int linktype, const uint8_t *data, size_t caplen, size_t wirelen,
                            tcp_segment *seg)
{
    memset(seg, 0, sizeof *seg);
    if (wirelen < caplen) wirelen = caplen;
    pkt k = { cur_make(data, data ? caplen : 0), caplen < wirelen, wirelen };

    switch (linktype) {
    case LT_ETHERNET: {
        uint16_t type;
        if (!take(&k, 12) || !take_u16(&k, &type)) return short_read(&k);
        if (type <= 1500) return DECODE_NOT_TCP;    /* 802.3 length: LLC, not IP */
        return decode_ethertype(&k, type, seg);
    }
    case LT_LINUX_SLL: {
        /* packet type, ARPHRD type, address length, 8 address bytes, protocol */
        uint16_t proto;
        if (!take(&k, 14) || !take_u16(&k, &proto)) return short_read(&k);
        return decode_ethertype(&k, proto, seg);
    }
    case LT_LINUX_SLL2: {
        /* protocol, reserved, interface index, ARPHRD type, packet type,
         * address length, 8 address bytes */
        uint16_t proto;
        if (!take_u16(&k, &proto) || !take(&k, 18)) return short_read(&k);
        return decode_ethertype(&k, proto, seg);
    }
    case LT_NULL:
    case LT_LOOP:
        return decode_bsd_family(&k, seg);
    case LT_RAW_LEGACY:
    case LT_RAW:
        return decode_ip(&k, seg, 0);
    case LT_IPV4:
        return decode_ip(&k, seg, 4);
    case LT_IPV6:
        return decode_ip(&k, seg, 6);
    default:
        return DECODE_UNSUPPORTED;
    }
}

void endpoint_format(const endpoint *e, char *buf, size_t n)
{
    char addr[INET6_ADDRSTRLEN];
    if (!buf || n == 0) return;
    if (e->family == 4) {
        /* Not inet_ntop: glibc formats IPv4 with sprintf, which made it
         * more than half the cost of opening a connection. */
        text_format(buf, n, "%u.%u.%u.%u:%u", e->addr[0], e->addr[1], e->addr[2], e->addr[3],
                    (unsigned)e->port);
    } else if (e->family == 6 && inet_ntop(AF_INET6, e->addr, addr, sizeof addr)) {
        text_format(buf, n, "[%s]:%u", addr, (unsigned)e->port);
    } else {
        text_format(buf, n, "?:%u", (unsigned)e->port);
    }
}
