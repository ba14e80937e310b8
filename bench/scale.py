#!/usr/bin/env python3
"""scale.py - merge pcap files and clone every flow N times with fresh addresses.

    scale.py -n N -o OUT.pcap IN.pcap [IN.pcap ...]

The inputs are read one after the other, packet by packet (never the whole
file), and every packet is written N times: copy 0 unchanged, copy k with
the IPv4 and IPv6 addresses of both endpoints changed so that each copy is
a flow of its own.  IPv4 a.b.c.d becomes a.(b^hi).(c^lo).d where k = hi*256
+ lo, so loopback stays loopback (127.0.0.1 -> 127.0.1.1 for k = 1); IPv6
addresses get k in bytes 10-11.  IP and TCP/UDP checksums are adjusted
incrementally, so a checksum that was right stays right.

By default the copies are interleaved (copy k of a packet follows copy k-1
at the same time stamp), so N times as many connections are open at once.
With --sequential the inputs are read N times over and copy k is shifted
after copy k-1 in time, so the same number of connections is open at once
as in the input.

With --connections C only the first C TCP connections of each input are
kept (by their SYN), and --randoms FILE lists their ClientHello randoms, so
that a key log can be cut to match.

With -n 1 this merges the inputs (in the order given; they should not
overlap in time).  Input: classic pcap (any byte order, micro- or
nanosecond stamps) with link types Ethernet (802.1Q tags too), Linux SLL
and SLL2, BSD NULL/LOOP or raw IP; pcapng must be converted first
(editcap -F pcap).  Packets that are not IP are written once, unchanged.
"""

import argparse
import struct
import sys

PCAP_MAGICS = {
    0xA1B2C3D4: ("<", False), 0xD4C3B2A1: (">", False),
    0xA1B23C4D: ("<", True), 0x4D3CB2A1: (">", True),
}
LINK_ETHERNET, LINK_NULL, LINK_RAW, LINK_LOOP, LINK_SLL, LINK_SLL2 = 1, 0, 101, 108, 113, 276
LINK_RAW_ALT = {12, 14}  # DLT_RAW on some systems


class PcapReader:
    def __init__(self, path):
        self.path = path
        self.f = open(path, "rb")
        head = self.f.read(24)
        if len(head) < 24:
            raise SystemExit(f"scale.py: {path}: not a pcap file (too short)")
        (magic,) = struct.unpack("<I", head[:4])
        if magic == 0x0A0D0D0A:
            raise SystemExit(f"scale.py: {path}: pcapng; convert it first: editcap -F pcap IN OUT")
        if magic not in PCAP_MAGICS:
            raise SystemExit(f"scale.py: {path}: not a pcap file")
        self.endian, self.nano = PCAP_MAGICS[magic]
        _, _, _, _, self.snaplen, self.linktype = struct.unpack(self.endian + "HHiIII", head[4:])
        self.header = head
        self.rec = struct.Struct(self.endian + "IIII")

    def packets(self, limit=None):
        read, rec, size = self.f.read, self.rec, self.rec.size
        while limit is None or limit > 0:
            if limit is not None:
                limit -= 1
            h = read(size)
            if len(h) < size:
                return
            sec, frac, incl, orig = rec.unpack(h)
            data = read(incl)
            if len(data) < incl:
                sys.stderr.write(f"scale.py: {self.path}: last packet cut short, dropped\n")
                return
            yield sec, frac, orig, data

    def close(self):
        self.f.close()


def ip_offset(linktype, data):
    """Offset of the IP header in a frame, or -1."""
    if linktype == LINK_ETHERNET:
        off, etype = 14, data[12:14] if len(data) >= 14 else b""
        while etype in (b"\x81\x00", b"\x88\xa8") and len(data) >= off + 4:
            etype = data[off + 2:off + 4]
            off += 4
        return off if etype in (b"\x08\x00", b"\x86\xdd") else -1
    if linktype == LINK_SLL:
        return 16 if len(data) >= 16 and data[14:16] in (b"\x08\x00", b"\x86\xdd") else -1
    if linktype == LINK_SLL2:
        return 20 if len(data) >= 20 and data[0:2] in (b"\x08\x00", b"\x86\xdd") else -1
    if linktype in (LINK_NULL, LINK_LOOP):
        return 4
    if linktype == LINK_RAW or linktype in LINK_RAW_ALT:
        return 0
    return -1


def fold(s):
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def adjust(ck, old_sum, new_sum):
    """RFC 1624: a one's complement checksum after words summing to old_sum
    were replaced by words summing to new_sum."""
    return (~fold((~ck & 0xFFFF) + (~old_sum & 0xFFFF) + new_sum)) & 0xFFFF


def words_sum(b, start, end):
    s = 0
    for i in range(start, end, 2):
        s += (b[i] << 8) | b[i + 1]
    return fold(s)


def clone(data, off, k):
    """A copy of the frame with both IP addresses moved by k; None if the
    frame holds no IP packet we can rewrite."""
    if off < 0 or len(data) < off + 20:
        return None
    b = bytearray(data)
    ver = b[off] >> 4
    hi, lo = (k >> 8) & 0xFF, k & 0xFF
    if ver == 4:
        ihl = (b[off] & 0x0F) * 4
        if ihl < 20 or len(b) < off + ihl:
            return None
        a0, a1 = off + 12, off + 20           # source and destination addresses
        old = words_sum(b, a0, a1)
        for a in (off + 12, off + 16):
            b[a + 1] ^= hi
            b[a + 2] ^= lo
        new = words_sum(b, a0, a1)
        ck = (b[off + 10] << 8) | b[off + 11]
        struct.pack_into("!H", b, off + 10, adjust(ck, old, new))
        proto = b[off + 9]
        frag = ((b[off + 6] & 0x1F) << 8) | b[off + 7]
        l4 = off + ihl
    elif ver == 6:
        if len(b) < off + 40:
            return None
        a0, a1 = off + 8, off + 40
        old = words_sum(b, a0, a1)
        for a in (off + 8, off + 24):
            b[a + 10] ^= hi
            b[a + 11] ^= lo
        new = words_sum(b, a0, a1)
        proto, frag, l4 = b[off + 6], 0, off + 40   # extension headers: left alone
    else:
        return None
    # The pseudo-header holds the addresses: fix the TCP/UDP checksum too.
    if frag == 0:
        if proto == 6 and len(b) >= l4 + 18:
            ck_at = l4 + 16
        elif proto == 17 and len(b) >= l4 + 8:
            ck_at = l4 + 6
        else:
            ck_at = -1
        if ck_at >= 0:
            ck = (b[ck_at] << 8) | b[ck_at + 1]
            if not (proto == 17 and ck == 0):
                nck = adjust(ck, old, new)
                if proto == 17 and nck == 0:
                    nck = 0xFFFF
                struct.pack_into("!H", b, ck_at, nck)
    return b


def tcp_info(linktype, data):
    """(source, destination, flags, payload offset) of a TCP segment, the
    endpoints as (address bytes, port); None for anything else."""
    off = ip_offset(linktype, data)
    if off < 0 or len(data) < off + 20:
        return None
    ver = data[off] >> 4
    if ver == 4:
        ihl = (data[off] & 0x0F) * 4
        if data[off + 9] != 6 or ((data[off + 6] & 0x1F) << 8 | data[off + 7]) != 0:
            return None
        src, dst, l4 = data[off + 12:off + 16], data[off + 16:off + 20], off + ihl
    elif ver == 6:
        if len(data) < off + 40 or data[off + 6] != 6:
            return None
        src, dst, l4 = data[off + 8:off + 24], data[off + 24:off + 40], off + 40
    else:
        return None
    if len(data) < l4 + 20:
        return None
    sport, dport = struct.unpack_from("!HH", data, l4)
    return (src, sport), (dst, dport), data[l4 + 13], l4 + (data[l4 + 12] >> 4) * 4


def first_connections(packets, linktype, limit, randoms):
    """Only the packets of the first `limit` TCP connections (those whose SYN
    is in the input); with `randoms`, writes the ClientHello random of each
    kept connection to it in hex, one a line."""
    # Address/port pair -> [client endpoint, random still to find, past the
    # SYN].  Clients reuse ports quickly, so a pair can carry several
    # connections one after the other: each SYN starts a new one.
    kept = {}
    started = 0
    for pkt in packets:
        t = tcp_info(linktype, pkt[3])
        if t is None:
            continue
        src, dst, flags, payload = t
        conn = (src, dst) if src <= dst else (dst, src)
        st = kept.get(conn)
        syn = flags & 0x12 == 0x02
        if syn and not (st and st[0] == src and not st[2]):      # not a retransmitted SYN
            kept.pop(conn, None)
            if started >= limit:
                continue
            started += 1
            st = kept[conn] = [src, randoms is not None, False]
        if st is None:
            continue
        if not syn:
            st[2] = True
        if st[1] and src == st[0] and len(pkt[3]) > payload:
            p = pkt[3][payload:]
            # A TLS handshake record starting with a ClientHello.
            if len(p) >= 43 and p[0] == 0x16 and p[5] == 0x01:
                randoms.write(p[11:43].hex() + "\n")
            st[1] = False
        yield pkt


def main():
    ap = argparse.ArgumentParser(description="Merge pcap files and clone every flow N times with fresh addresses.")
    ap.add_argument("-n", type=int, default=10, help="copies of every flow (default 10; 1 merges only)")
    ap.add_argument("-o", "--output", required=True, help="output pcap file")
    ap.add_argument("--sequential", action="store_true",
                    help="copy after copy in time instead of interleaved")
    ap.add_argument("--head", type=int, metavar="P", help="only the first P packets of each input")
    ap.add_argument("--connections", type=int, metavar="C",
                    help="only the packets of the first C TCP connections of each input (no other packets)")
    ap.add_argument("--randoms", metavar="FILE",
                    help="with --connections: write the ClientHello random of each kept connection to FILE "
                         "(hex, one a line), to trim a key log to the connections kept")
    ap.add_argument("inputs", nargs="+", help="pcap files, read in this order")
    a = ap.parse_args()
    if not 1 <= a.n <= 65536:
        ap.error("-n must be between 1 and 65536")

    first = PcapReader(a.inputs[0])
    linktype, endian, nano, header = first.linktype, first.endian, first.nano, first.header
    first.close()
    for p in a.inputs[1:]:
        r = PcapReader(p)
        if r.linktype != linktype:
            raise SystemExit(f"scale.py: {p}: link type {r.linktype}, not {linktype} like {a.inputs[0]}")
        r.close()
    rec = struct.Struct(endian + "IIII")
    randoms = open(a.randoms, "w") if a.randoms and a.connections else None

    def source(r):
        packets = r.packets(a.head)
        return first_connections(packets, linktype, a.connections, randoms) if a.connections else packets

    written = skipped = 0
    with open(a.output, "wb", buffering=1 << 20) as out:
        # One header (the first input's: byte order, stamps, link type); the
        # largest snaplen of the inputs.
        snaplen = max(PcapReader(p).snaplen for p in a.inputs)
        out.write(header[:16] + struct.pack(endian + "I", snaplen) + header[20:24])
        w = out.write

        if not a.sequential:
            for p in a.inputs:
                r = PcapReader(p)
                for sec, frac, orig, data in source(r):
                    head = rec.pack(sec, frac, len(data), orig)
                    w(head)
                    w(data)
                    written += 1
                    if a.n == 1:
                        continue
                    off = ip_offset(linktype, data)
                    for k in range(1, a.n):
                        c = clone(data, off, k)
                        if c is None:
                            skipped += 1
                            break
                        w(head)
                        w(c)
                        written += 1
                r.close()
        else:
            shift_sec = 0
            for k in range(a.n):
                first_ts = last_ts = None
                for p in a.inputs:
                    r = PcapReader(p)
                    for sec, frac, orig, data in source(r):
                        if first_ts is None:
                            first_ts = (sec, frac)
                        last_ts = (sec, frac)
                        if k:
                            data = clone(data, ip_offset(linktype, data), k)
                            if data is None:
                                skipped += 1
                                continue
                        w(rec.pack(sec + shift_sec, frac, len(data), orig))
                        w(data)
                        written += 1
                    r.close()
                if first_ts is not None:
                    span = last_ts[0] - first_ts[0] + (1 if last_ts[1] >= first_ts[1] else 0)
                    shift_sec += span + 1
    if randoms:
        randoms.close()
    print(f"{written} packets written to {a.output}"
          + (f"; {skipped} non-IP packets written once" if skipped else ""))


if __name__ == "__main__":
    main()
