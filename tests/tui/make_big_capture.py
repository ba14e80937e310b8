#!/usr/bin/env python3
"""Makes a large capture out of the samples, for the TUI's scale check.

usage: make_big_capture.py OUT.pcap CONNECTIONS SAMPLE.pcap...

Every TCP connection of the samples (Ethernet, IPv4, classic pcap) becomes a
template; the output repeats the templates, each copy with its own client
address (10.x.y.z) and port and a later start, checksums recomputed.  Each
copy also carries retransmissions of its data segments, as real captures do,
so that the file has roughly the 5-6 KB a connection of a busy capture has
(12,800 connections: about 70 MB).  The reassembler drops them.
"""
import struct
import sys


def read_pcap(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        return []
    link = struct.unpack('<I', data[20:24])[0]
    if link != 1:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        out.append((sec + frac / (1e9 if magic == 0xa1b23c4d else 1e6), data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def split_flows(packets):
    """TCP/IPv4 packets grouped by connection, in order."""
    flows = {}
    for ts, p in packets:
        if len(p) < 34 or p[12:14] != b'\x08\x00' or p[23] != 6:
            continue
        ihl = (p[14] & 15) * 4
        src, dst = p[26:30], p[30:34]
        sp, dp = struct.unpack('!HH', p[14 + ihl:14 + ihl + 4])
        key = tuple(sorted([(src, sp), (dst, dp)]))
        flows.setdefault(key, []).append((ts, p))
    return [f for f in flows.values() if len(f) > 3]


def rewrite(p, client, new_ip, new_port):
    """The packet with the client's address and port replaced."""
    p = bytearray(p)
    ihl = (p[14] & 15) * 4
    t = 14 + ihl
    src, dst = bytes(p[26:30]), bytes(p[30:34])
    sp, dp = struct.unpack('!HH', p[t:t + 4])
    if (src, sp) == client:
        p[26:30] = new_ip
        struct.pack_into('!H', p, t, new_port)
    elif (dst, dp) == client:
        p[30:34] = new_ip
        struct.pack_into('!H', p, t + 2, new_port)
    p[24:26] = b'\0\0'
    struct.pack_into('!H', p, 24, csum(bytes(p[14:14 + ihl])))
    total = struct.unpack('!H', p[16:18])[0]
    seg = bytes(p[t:14 + total])
    p[t + 16:t + 18] = b'\0\0'
    seg = bytes(p[t:14 + total])
    pseudo = bytes(p[26:34]) + struct.pack('!BBH', 0, 6, len(seg))
    struct.pack_into('!H', p, t + 16, csum(pseudo + seg))
    return bytes(p)


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    out_path, n = sys.argv[1], int(sys.argv[2])
    templates = []
    for path in sys.argv[3:]:
        templates += split_flows(read_pcap(path))
    if not templates:
        print('no usable connections in the samples', file=sys.stderr)
        return 1
    start = 1700000000.0
    with open(out_path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            flow = templates[i % len(templates)]
            first = flow[0][1]
            ihl = (first[14] & 15) * 4
            client = (bytes(first[26:30]), struct.unpack('!H', first[14 + ihl:16 + ihl])[0])
            ip = bytes([10, ((i + 1) >> 16) & 255, ((i + 1) >> 8) & 255, (i + 1) & 255])
            port = 20000 + i % 40000
            t0 = flow[0][0]
            base = start + i * 0.01
            size = 0
            packets = []
            for ts, p in flow:
                q = rewrite(p, client, ip, port)
                packets.append((base + (ts - t0), q))
                size += len(q) + 16
            # Retransmissions of data segments, up to about 5.5 KB.
            data = [(ts, q) for ts, q in packets if len(q) > 120]
            k = 0
            while size < 5500 and data:
                ts, q = data[k % len(data)]
                packets.append((ts + 0.0005, q))
                size += len(q) + 16
                k += 1
            packets.sort(key=lambda x: x[0])
            for ts, q in packets:
                sec = int(ts)
                f.write(struct.pack('<IIII', sec, int((ts - sec) * 1e6), len(q), len(q)))
                f.write(q)
    return 0


if __name__ == '__main__':
    sys.exit(main())
