"""Reads classic pcap files and writes hostile variants of their TCP
traffic: re-segmented, reordered, retransmitted with overlaps, started
mid-connection, VLAN-tagged, as Linux SLL2 or raw IP, snaplen-cut.

Only what the tests need: Ethernet/SLL/SLL2/NULL/raw input, IPv4 and IPv6
without extension headers, TCP."""
import random
import struct

DLT_NULL, DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, DLT_LINUX_SLL2 = 0, 1, 101, 113, 276


class Segment:
    def __init__(self, ts, family, src, dst, sport, dport, seq, ack, flags, payload):
        self.ts, self.family = ts, family
        self.src, self.dst, self.sport, self.dport = src, dst, sport, dport
        self.seq, self.ack, self.flags, self.payload = seq, ack, flags, payload

    def copy(self, **kw):
        s = Segment(self.ts, self.family, self.src, self.dst, self.sport, self.dport,
                    self.seq, self.ack, self.flags, self.payload)
        for k, v in kw.items():
            setattr(s, k, v)
        return s


def read_pcap(path):
    """Returns the TCP segments of a classic pcap file."""
    data = open(path, 'rb').read()
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    else:
        raise ValueError('%s is not a classic pcap file' % path)
    nano = magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
    linktype = struct.unpack(end + 'I', data[20:24])[0] & 0x0fffffff
    off, segs = 24, []
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + 'IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ts = sec + frac / (1e9 if nano else 1e6)
        seg = decode(linktype, pkt, ts, end)
        if seg:
            segs.append(seg)
    return segs


def decode(linktype, pkt, ts, end):
    if linktype == DLT_EN10MB:
        etype, p = struct.unpack('>H', pkt[12:14])[0], 14
        while etype in (0x8100, 0x88a8):
            etype, p = struct.unpack('>H', pkt[p + 2:p + 4])[0], p + 4
        ip = pkt[p:]
    elif linktype == DLT_LINUX_SLL:
        ip = pkt[16:]
    elif linktype == DLT_LINUX_SLL2:
        ip = pkt[20:]
    elif linktype == DLT_NULL:
        ip = pkt[4:]
    elif linktype in (DLT_RAW, 12):
        ip = pkt
    else:
        return None
    if not ip:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack('>H', ip[2:4])[0]
        if ip[9] != 6:
            return None
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:total]
    elif version == 6:
        plen = struct.unpack('>H', ip[4:6])[0]
        if ip[6] != 6:
            return None
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    sport, dport, seq, ack, offflags = struct.unpack('>HHIIH', tcp[:14])
    doff = (offflags >> 12) * 4
    return Segment(ts, version, src, dst, sport, dport, seq, ack, offflags & 0x3f, tcp[doff:])


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('>%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def build_ip(seg):
    tcp = struct.pack('>HHIIHHHH', seg.sport, seg.dport, seg.seq & 0xffffffff, seg.ack & 0xffffffff,
                      (5 << 12) | seg.flags, 65535, 0, 0) + seg.payload
    if seg.family == 4:
        pseudo = seg.src + seg.dst + struct.pack('>BBH', 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack('>H', checksum(pseudo + tcp)) + tcp[18:]
        hdr = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, seg.src, seg.dst)
        hdr = hdr[:10] + struct.pack('>H', checksum(hdr)) + hdr[12:]
        return hdr + tcp
    pseudo = seg.src + seg.dst + struct.pack('>IxxxB', len(tcp), 6)
    tcp = tcp[:16] + struct.pack('>H', checksum(pseudo + tcp)) + tcp[18:]
    return struct.pack('>IHBB16s16s', 0x60000000, len(tcp), 6, 64, seg.src, seg.dst) + tcp


def frame(linktype, seg, vlan=()):
    ip = build_ip(seg)
    etype = 0x0800 if seg.family == 4 else 0x86dd
    if linktype == DLT_EN10MB:
        out = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01'
        for tpid, vid in vlan:
            out += struct.pack('>HH', tpid, vid)
        return out + struct.pack('>H', etype) + ip
    if linktype == DLT_LINUX_SLL2:
        return struct.pack('>HHIHBB8s', etype, 0, 1, 1, 0, 6, b'\x02\0\0\0\0\x01\0\0') + ip
    if linktype == DLT_LINUX_SLL:
        return struct.pack('>HHH8sH', 0, 1, 6, b'\x02\0\0\0\0\x01\0\0', etype) + ip
    if linktype == DLT_NULL:
        return struct.pack('<I', 2 if seg.family == 4 else 30) + ip
    if linktype == DLT_RAW:
        return ip
    raise ValueError('cannot write link type %d' % linktype)


def write_pcap(path, segs, linktype=DLT_EN10MB, snaplen=262144, vlan=()):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for seg in segs:
            pkt = frame(linktype, seg, vlan)
            cap = pkt[:snaplen]
            sec = int(seg.ts)
            usec = int(round((seg.ts - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
            f.write(struct.pack('<IIII', sec, usec, len(cap), len(pkt)) + cap)


def resegment(segs, sizes=(1, 7), rng=None):
    """Splits every payload into pieces of random size in [sizes]."""
    rng = rng or random.Random(1)
    out = []
    for s in segs:
        if not s.payload:
            out.append(s)
            continue
        off = 0
        while off < len(s.payload):
            n = rng.randint(*sizes)
            piece = s.payload[off:off + n]
            flags = s.flags if off + n >= len(s.payload) else s.flags & ~0x01
            out.append(s.copy(seq=s.seq + off, payload=piece, flags=flags, ts=s.ts + off * 1e-7))
            off += n
    return out


def reorder(segs, window=4, rng=None):
    """Shuffles data segments within windows of `window` packets."""
    rng = rng or random.Random(2)
    out = list(segs)
    for i in range(0, len(out), window):
        chunk = out[i:i + window]
        if any(s.flags & 0x02 for s in chunk):
            continue
        rng.shuffle(chunk)
        out[i:i + window] = chunk
    return out


def retransmit(segs, every=3):
    """Adds overlapping retransmissions: each n-th data segment is sent
    again together with the start of the next one's bytes."""
    out = []
    data = [s for s in segs if s.payload]
    for i, s in enumerate(segs):
        out.append(s)
        if s.payload and i % every == 0:
            out.append(s.copy(payload=s.payload[len(s.payload) // 2:], seq=s.seq + len(s.payload) // 2))
    del data
    return out


def mid_connection(segs, skip_packets=3):
    """Drops the handshake's first packets (the SYNs at least)."""
    return segs[skip_packets:]


def shift_sequences(segs, isn=0xffffff00):
    """Moves every flow's sequence numbers so that they wrap around 2^32
    early in the connection."""
    base = {}
    for s in segs:
        key = (s.src, s.sport, s.dst, s.dport)
        if key not in base:
            base[key] = s.seq
    out = []
    for s in segs:
        mine = (s.src, s.sport, s.dst, s.dport)
        theirs = (s.dst, s.dport, s.src, s.sport)
        seq = (s.seq - base[mine] + isn) & 0xffffffff
        ack = (s.ack - base.get(theirs, s.ack) + isn) & 0xffffffff if s.flags & 0x10 else s.ack
        out.append(s.copy(seq=seq, ack=ack))
    return out


def conflicting(segs):
    """For each flow's third data segment: send it early (so it waits for
    the hole before it), then a copy with different bytes, then the rest in
    order.  The first copy must win."""
    out, seen, held = [], {}, []
    for s in segs:
        key = (s.src, s.sport)
        if s.payload:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] == 2:
                held.append(s)
                continue
            if seen[key] == 3 and held:
                out.append(s)
                out.append(s.copy(payload=bytes(b ^ 0x5a for b in s.payload)))
                out.extend(held)
                held = []
                continue
        out.append(s)
    return out + held


def drop_segment(segs, nth=3):
    """Loses the nth data segment of the server."""
    out, n = [], 0
    server_ports = {s.sport for s in segs if s.flags & 0x12 == 0x12}
    for s in segs:
        if s.payload and s.sport in server_ports:
            n += 1
            if n == nth:
                continue
        out.append(s)
    return out


def reset_after(segs, packets):
    """The first `packets` packets, then a RST from the client."""
    head = segs[:packets]
    first = segs[0]
    client_seq = max((s.seq + len(s.payload) for s in head if s.src == first.src and s.sport == first.sport),
                     default=first.seq + 1)
    return head + [first.copy(flags=0x14, seq=client_seq, payload=b'', ts=head[-1].ts + 0.001)]


def synthetic_flow(client_chunks, server_chunks, family=4, port=443):
    """A whole TCP connection (handshake, data, FINs) carrying the given
    payload chunks, client chunks first, then the server's."""
    if family == 4:
        c, sv = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    else:
        c, sv = bytes(15) + b'\x01', bytes(15) + b'\x02'
    t, cseq, sseq, out = 1700000000.0, 1000, 5000, []

    def seg(src_is_client, flags, payload=b''):
        nonlocal t, cseq, sseq
        t += 0.0001
        if src_is_client:
            s = Segment(t, family, c, sv, 40000, port, cseq, sseq, flags, payload)
            cseq += len(payload) + (1 if flags & 0x03 else 0)
        else:
            s = Segment(t, family, sv, c, port, 40000, sseq, cseq, flags, payload)
            sseq += len(payload) + (1 if flags & 0x03 else 0)
        out.append(s)

    seg(True, 0x02)
    seg(False, 0x12)
    seg(True, 0x10)
    for p in client_chunks:
        seg(True, 0x18, p)
    for p in server_chunks:
        seg(False, 0x18, p)
    seg(True, 0x11)
    seg(False, 0x11)
    seg(True, 0x10)
    return out


def write_fragmented_pcap(path, segs, nth=3):
    """Like write_pcap (Ethernet), but the nth data packet (IPv4) goes as
    two IP fragments."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, DLT_EN10MB))
        n = 0
        for seg in segs:
            pkts = [frame(DLT_EN10MB, seg)]
            if seg.payload and seg.family == 4:
                n += 1
                if n == nth:
                    ip = build_ip(seg)
                    body = ip[20:]
                    cut = (len(body) // 2) & ~7
                    eth = pkts[0][:14]
                    pkts = []
                    for off, part, more in ((0, body[:cut], 1), (cut, body[cut:], 0)):
                        hdr = bytearray(ip[:20])
                        struct.pack_into('>H', hdr, 2, 20 + len(part))
                        struct.pack_into('>H', hdr, 6, (more << 13) | (off // 8))
                        struct.pack_into('>H', hdr, 10, 0)
                        struct.pack_into('>H', hdr, 10, checksum(bytes(hdr)))
                        pkts.append(eth + bytes(hdr) + part)
            for pkt in pkts:
                sec = int(seg.ts)
                usec = int((seg.ts - sec) * 1e6)
                f.write(struct.pack('<IIII', sec, usec, len(pkt), len(pkt)) + pkt)
