#!/usr/bin/env python3
"""Makes seed inputs for the fuzz targets from samples/ (needs tshark).

    fuzz/make_seeds.py OUTDIR

writes OUTDIR/<target>/<name> in each target's input format (see the
comment at the top of fuzz/fuzz_<target>.c).  The committed corpora in
fuzz/corpus/ started from these and were then grown by fuzzing and
minimised with libFuzzer's -merge=1."""
import glob
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples")
KEYS = os.path.join(SAMPLES, "keys")


def tshark(*args):
    return subprocess.run(["tshark", *args], check=True, capture_output=True, text=True).stdout


def captures():
    return sorted(glob.glob(os.path.join(SAMPLES, "*.pcap*")))


def stem(path):
    return os.path.basename(path).split(".")[0]


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def streams(path):
    """Each TCP connection of a capture as [(side, bytes), ...] in order."""
    ids = sorted({int(x) for x in tshark("-r", path, "-T", "fields", "-e", "tcp.stream").split() if x})
    result = []
    for i in ids:
        chunks = []
        text = tshark("-r", path, "-q", "-z", "follow,tcp,raw,%d" % i)
        body = text.split("=" * 67)[1] if text.count("=" * 67) >= 2 else ""
        for line in body.splitlines():
            if not line.strip() or line.startswith(("Follow:", "Filter:", "Node ")):
                continue
            side = 1 if line.startswith("\t") else 0
            chunks.append((side, bytes.fromhex(line.strip())))
        result.append(chunks)
    return result


def dissect_seeds(out):
    for path in captures():
        for k, opt in enumerate((0x07, 0x3f)):
            data = bytearray([opt])
            for n, conn in enumerate(streams(path)):
                if n:
                    data.append(0x06 | 31 << 3)        # next connection
                for side, chunk in conn:
                    for at in range(0, len(chunk), 0xffff):
                        piece = chunk[at:at + 0xffff]
                        data += bytes([side]) + struct.pack(">H", len(piece)) + piece
            write(out, "dissect", "%s.%d" % (stem(path), k), bytes(data))


def prescan_seeds(out):
    for path in captures():
        data = bytearray()
        for n, conn in enumerate(streams(path)):
            for k, (side, chunk) in enumerate(conn):
                for at in range(0, len(chunk), 0x1fff):
                    piece = chunk[at:at + 0x1fff]
                    new_flow = 2 if n and k == 0 and at == 0 else 0
                    data += bytes([side | new_flow]) + struct.pack(">H", len(piece)) + piece
        write(out, "prescan", stem(path), bytes(data))


def pipeline_seeds(out):
    options = (0x27, 0x03, 0x3d, 0x56, 0x21, 0xa1)
    for i, path in enumerate(captures()):
        with open(path, "rb") as f:
            write(out, "pipeline", stem(path), bytes([options[i % len(options)]]) + f.read())


def packets(path):
    """(linktype, frame bytes) of every packet of a pcap or pcapng file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0x0A0D0D0A:                               # pcapng
        pos, links = 0, []
        while pos + 12 <= len(data):
            btype, blen = struct.unpack("<II", data[pos:pos + 8])
            body = data[pos + 8:pos + blen - 4]
            if btype == 1:
                links.append(struct.unpack("<H", body[:2])[0])
            elif btype == 6:
                iface, _, _, caplen, _ = struct.unpack("<IIIII", body[:20])
                yield links[iface], body[20:20 + caplen]
            pos += blen
        return
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[pos + 8:pos + 12])[0]
        yield linktype, data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen


LINKTYPES = [0, 1, 12, 101, 108, 113, 228, 229, 276, 147]


def decode_seeds(out):
    for path in captures():
        for n, (lt, frame) in enumerate(packets(path)):
            if n >= 4:
                break
            write(out, "decode", "%s.%d" % (stem(path), n), bytes([LINKTYPES.index(lt), n * 7]) + frame)


def reasm_seeds(out):
    for path in captures():
        fields = tshark("-r", path, "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport", "-e",
                        "tcp.seq_raw", "-e", "tcp.flags", "-e", "tcp.len", "-e", "frame.time_relative")
        first_port, nxt = {}, {}
        data = bytearray([0x03, 0x00])                      # 4 flows, no idle timeout, default buffer
        last_t = 0.0
        for line in fields.splitlines():
            parts = line.split("\t")
            if len(parts) < 6 or not parts[0]:
                continue
            stream, port, seq, flags, length = (int(parts[0]), int(parts[1]), int(parts[2]),
                                                int(parts[3], 16), int(parts[4]))
            first_port.setdefault(stream, port)
            conn, d = stream % 4, 0 if port == first_port[stream] else 1
            key = (conn, d)
            b0 = conn | d << 2
            rel = (seq - nxt[key]) & 0xFFFFFFFF if key in nxt else None
            if rel is not None and (rel < 128 or rel >= 0xFFFFFFFF - 127):
                tail = bytes([rel & 0xFF])
            else:
                b0 |= 8
                tail = struct.pack(">I", seq)
            if length > 255:
                b0 |= 16
                tail += struct.pack(">H", length)
            else:
                tail += bytes([length])
            t = float(parts[5])
            adv = 0 if t - last_t < 0.25 else 1
            last_t = t
            data += bytes([b0, (flags & 0x1F) | adv << 5]) + tail
            nxt[key] = (seq + length + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF
        write(out, "reasm", stem(path), bytes(data))
        # the same with tiny limits: one flow, 0.5 s idle, 65-byte buffers
        data[0], data[1] = 0x04, 0x01
        write(out, "reasm", stem(path) + ".tiny", bytes(data))


def keylog_seeds(out):
    for path in sorted(glob.glob(os.path.join(SAMPLES, "*.keylog"))):
        with open(path, "rb") as f:
            write(out, "keylog", stem(path), f.read())
    write(out, "keylog", "odd-lines",
          b"# comment\r\n\r\nCLIENT_RANDOM 00 11\nUNKNOWN_LABEL aa bb\n"
          b"CLIENT_TRAFFIC_SECRET_1 " + b"ab" * 32 + b" " + b"cd" * 32 + b"\n"
          b"RSA 0102030405060708 " + b"ee" * 48 + b"\r\nCLIENT_RANDOM " + b"11" * 32 + b" " + b"22" * 48)


def keyring_seeds(out):
    for name, pw in (("server.key", 0), ("server-pkcs1.key", 0), ("server-key.der", 0), ("client.key", 0),
                     ("server-encrypted.key", 1), ("server-encrypted-des3.key", 1),
                     ("server-encrypted-pkcs1.key", 1), ("server-encrypted.key", 2)):
        with open(os.path.join(KEYS, name), "rb") as f:
            write(out, "keyring", "%s.%d" % (name, pw), bytes([pw]) + f.read())


def der(name):
    import base64
    with open(os.path.join(KEYS, name), "rb") as f:
        text = f.read().decode()
    body = text.split("-----")[2]
    return base64.b64decode("".join(body.split()))


def certificate_seeds(out):
    server, ca, client = der("server.crt"), der("ca.crt"), der("client.crt")
    write(out, "certificate", "server", bytes([0x04]) + server)
    write(out, "certificate", "ca", bytes([0x40]) + ca)
    write(out, "certificate", "client", bytes([0x10]) + client)
    write(out, "certificate", "chain", bytes([0x05]) + struct.pack(">H", len(server)) + server + ca)
    write(out, "certificate", "chain-ip", bytes([0x09]) + struct.pack(">H", len(server)) + server + ca)
    for name in ("ca.crt", "client.crt", "server.crt"):
        with open(os.path.join(KEYS, name), "rb") as f:
            write(out, "castore", name, f.read())
    with open(os.path.join(KEYS, "ca.crt"), "rb") as f:
        write(out, "castore", "bundle", f.read() + b"junk between\n" + der("client.crt"))
    write(out, "castore", "ca.der", der("ca.crt"))


# fuzz_decrypt: the scenarios of fuzz_decrypt.c, and operations on them.
SCENARIOS = [(0x0304, 0x1301), (0x0304, 0x1302), (0x0304, 0x1303), (0x0304, 0x1304), (0x0304, 0x1305),
             (0x0303, 0xC02F), (0x0303, 0xC030), (0x0303, 0xCCA8), (0x0303, 0xC09C), (0x0303, 0xC0A0),
             (0x0303, 0x002F), (0x0303, 0x003D), (0x0302, 0x0035), (0x0301, 0x002F), (0x0301, 0x000A),
             (0x0300, 0x000A), (0x0303, 0x0002), (0x0303, 0x0041), (0x0303, 0xC07C), (0x0301, 0x0009),
             (0x0303, 0x0005)]
CBC = {0x002F, 0x003D, 0x0035, 0x000A, 0x0041, 0x0009}


def op(direction, what, arg=0):
    return bytes([direction | what << 1 | arg << 4])


def sealed(direction, ctype, data, arg=0):
    return op(direction, 0, arg) + bytes([ctype]) + struct.pack(">H", len(data)) + data


def hs(direction, mtype, body, arg=0):
    return op(direction, 1, arg) + bytes([mtype]) + struct.pack(">H", len(body)) + body


def u24(n):
    return struct.pack(">I", n)[1:]


GET = b"GET / HTTP/1.1\r\nHost: tlsview.test\r\n\r\n"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"


def tls13_ops(suite, early):
    cert = der("server.crt")
    hl = 48 if suite == 0x1302 else 32
    ops = b""
    if early:
        ops += op(0, 4, 1) + sealed(0, 23, b"early data, sent before the handshake ends")
    ops += op(1, 4, 2)
    ops += hs(1, 8, b"\x00\x04\x00\x2a\x00\x00" if early else b"\x00\x00")
    ops += hs(1, 11, b"\x00" + u24(len(cert) + 5) + u24(len(cert)) + cert + b"\x00\x00")
    ops += hs(1, 15, b"\x08\x04\x01\x00" + bytes(range(256)))
    ops += hs(1, 20, bytes([0x5A]) * hl, 1)
    if early:
        ops += hs(0, 5, b"")
    ops += op(0, 3, 2) + op(0, 4, 2) + hs(0, 20, bytes([0xA5]) * hl, 4)
    ops += op(1, 4, 3) + op(0, 4, 3)
    ops += hs(1, 4, b"\x00\x00\x1c\x20\x01\x02\x03\x04\x01\x00\x00\x10" + bytes(16) + b"\x00\x00")
    ops += sealed(0, 23, GET) + sealed(1, 23, OK, 2)
    ops += hs(0, 24, b"\x01") + op(0, 5) + sealed(0, 23, GET)
    ops += hs(1, 24, b"\x00") + op(1, 5) + sealed(1, 23, OK, 8)
    ops += sealed(0, 21, b"\x01\x00")
    return ops


def tls12_ops(version, suite, resume):
    cert = der("server.crt")
    fin = 36 if version == 0x0300 else 12
    if suite in (0xC02F, 0xC030, 0xCCA8):
        cke = b"\x41\x04" + bytes(range(64))
    elif suite == 0xC07C:
        cke = b"\x01\x00" + bytes(range(256))
    else:
        cke = (b"" if version == 0x0300 else b"\x01\x00") + bytes(255 - i for i in range(256))
    ops = hs(1, 11, u24(len(cert) + 3) + u24(len(cert)) + cert) + hs(1, 14, b"")
    ops += hs(0, 16, cke) + op(0, 3) + hs(0, 20, bytes([0xA5]) * fin)
    ops += op(1, 3) + hs(1, 20, bytes([0x5A]) * fin)
    ops += sealed(0, 23, GET) + sealed(1, 23, OK, 1) + sealed(1, 23, OK, 4)
    if resume:
        ops += op(0, 7, 1) + op(1, 3) + hs(1, 20, bytes([0x5A]) * fin) + op(0, 3) + hs(0, 20, bytes([0xA5]) * fin)
        ops += sealed(0, 23, GET)
    ops += sealed(0, 21, b"\x01\x00")
    return ops


def decrypt_seeds(out):
    for i, (version, suite) in enumerate(SCENARIOS):
        name = "%04x-%04x" % (version, suite)
        if version == 0x0304:
            write(out, "decrypt", name, bytes([i, 0x06]) + tls13_ops(suite, False))
            write(out, "decrypt", name + ".early", bytes([i, 0x07]) + tls13_ops(suite, True))
        else:
            write(out, "decrypt", name, bytes([i, 0x06]) + tls12_ops(version, suite, False))
            write(out, "decrypt", name + ".resume", bytes([i, 0x2a]) + tls12_ops(version, suite, True))
            if suite in CBC and version != 0x0300:
                write(out, "decrypt", name + ".etm", bytes([i, 0x16]) + tls12_ops(version, suite, False))


# Hellos and TLS 1.3 messages carrying every extension the decoders know,
# so the fuzzers start from each extension's decoder.
def ext(etype, body):
    return struct.pack(">HH", etype, len(body)) + body


def vec(n, body):
    return len(body).to_bytes(n, "big") + body


def client_extensions():
    sni = vec(2, b"\x00" + vec(2, b"tlsview.test"))
    alpn = vec(2, vec(1, b"h2") + vec(1, b"http/1.1"))
    return b"".join([
        ext(0x0a0a, b""), ext(0, sni), ext(1, b"\x04"), ext(5, b"\x01" + vec(2, b"") + vec(2, b"")),
        ext(10, vec(2, b"\x00\x1d\x00\x17\x01\x00")), ext(11, vec(1, b"\x00\x01\x02")),
        ext(13, vec(2, b"\x04\x03\x08\x04\x08\x07\x02\x01")), ext(15, b"\x01"), ext(16, alpn),
        ext(18, b""), ext(19, vec(1, b"\x00\x02")), ext(20, vec(1, b"\x00")), ext(21, bytes(7)),
        ext(22, b""), ext(23, b""), ext(27, vec(1, b"\x00\x02\x00\x01")), ext(28, b"\x40\x01"),
        ext(34, vec(2, b"\x04\x03\x05\x03")), ext(35, b""), ext(42, b""),
        ext(43, vec(1, b"\x0a\x0a\x03\x04\x03\x03")), ext(44, vec(2, b"cookie")), ext(45, vec(1, b"\x01\x00")),
        ext(47, vec(2, vec(2, bytes.fromhex("3011310f300d06035504030c06434120616263")))),
        ext(49, b""), ext(50, vec(2, b"\x08\x04")),
        ext(51, vec(2, b"\x00\x1d" + vec(2, bytes(range(32))) + b"\x00\x17" + vec(2, b"\x04" + bytes(64)))),
        ext(54, vec(1, b"\x01\x02")), ext(0x3374, b""), ext(0x4469, vec(2, vec(1, b"h2"))),
        ext(0xfe0d, b"\x00\x00\x01\x00\x01\x07" + vec(2, bytes(32)) + vec(2, bytes(40))),
        ext(0xff01, b"\x00"), ext(0x1234, b"what"),
        ext(41, vec(2, vec(2, b"ticket-identity") + b"\x00\x00\x00\x10") + vec(2, vec(1, bytes(32)))),
    ])


def client_hello(exts, random=bytes(range(32))):
    body = b"\x03\x03" + random + vec(1, bytes(32)) + vec(2, b"\x0a\x0a\x13\x01\x13\x02\x13\x03\xc0\x2f\x00\xff")
    body += vec(1, b"\x00") + vec(2, exts)
    return b"\x01" + vec(3, body)


HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def server_hello(exts, random):
    body = b"\x03\x03" + random + vec(1, bytes(32)) + b"\x13\x01\x00" + vec(2, exts)
    return b"\x02" + vec(3, body)


def record(ctype, payload, version=b"\x03\x03"):
    return bytes([ctype]) + version + vec(2, payload)


def rich_dissect_seeds(out):
    ch = record(22, client_hello(client_extensions()), b"\x03\x01")
    hrr = record(22, server_hello(ext(43, b"\x03\x04") + ext(51, b"\x00\x17") + ext(44, vec(2, b"cookie")) +
                                  ext(0xfe0d, bytes(8)), HRR_RANDOM))
    sh = record(22, server_hello(ext(43, b"\x03\x04") + ext(51, b"\x00\x1d" + vec(2, bytes(32))) +
                                 ext(41, b"\x00\x00"), bytes(range(32, 64))))
    sh12 = record(22, b"\x02" + vec(3, b"\x03\x03" + bytes(32) + vec(1, b"") + b"\xc0\x2f\x00" + vec(2,
                  ext(0, b"") + ext(11, vec(1, b"\x00")) + ext(16, vec(2, vec(1, b"h2"))) + ext(23, b"") +
                  ext(22, b"") + ext(35, b"") + ext(5, b"") + ext(0xff01, b"\x00") + ext(18, vec(2, vec(2, b"sct"))) +
                  ext(0x3374, vec(1, b"h2")) + ext(19, b"\x02") + ext(20, b"\x00") + ext(1, b"\x02") + ext(28, b"\x40\x00"))))
    def op(side, data):
        return bytes([side]) + struct.pack(">H", len(data)) + data
    write(out, "dissect", "rich-hrr", bytes([0x07]) + op(0, ch) + op(1, hrr) + op(0, ch) + op(1, sh))
    write(out, "dissect", "rich-tls12", bytes([0x03]) + op(0, ch) + op(1, sh12))
    specs = bytes.fromhex("010080 0700c0 00002f 000035 0a0a0a")
    v2 = b"\x01\x03\x01" + struct.pack(">HHH", len(specs), 0, 16) + specs + bytes(range(16))
    v2 = struct.pack(">H", 0x8000 | len(v2)) + v2
    sh10 = record(22, b"\x02" + vec(3, b"\x03\x01" + bytes(32) + vec(1, b"") + b"\x00\x2f\x00"), b"\x03\x01")
    write(out, "dissect", "sslv2-hello", bytes([0x06]) + op(0, v2) + op(1, sh10))


def rich_decrypt_ops():
    """TLS 1.3 encrypted messages with every extension they may carry."""
    ee = vec(2, ext(0, b"") + ext(1, b"\x02") + ext(10, vec(2, b"\x00\x1d")) + ext(16, vec(2, vec(1, b"h2"))) +
             ext(28, b"\x40\x01") + ext(42, b"") + ext(0x4469, vec(2, b"settings")) + ext(0xfe0d, vec(2, bytes(20))) +
             ext(19, b"\x02") + ext(20, b"\x00") + ext(54, vec(1, b"\x07")) + ext(0x0a0a, b"\x00"))
    cr = vec(1, b"\x01") + vec(2, ext(13, vec(2, b"\x08\x04\x04\x03")) + ext(50, vec(2, b"\x08\x04")) +
                               ext(47, vec(2, vec(2, bytes.fromhex("3011310f300d06035504030c06434120616263")))) +
                               ext(48, vec(2, vec(1, bytes.fromhex("2b0601")) + vec(2, b"\x30\x00"))) +
                               ext(5, b"") + ext(18, b""))
    cert = der("server.crt")
    certmsg = b"\x00" + vec(3, vec(3, cert) + vec(2, ext(5, b"\x01" + vec(3, b"ocsp")) + ext(18, vec(2, vec(2, b"s")))))
    nst = b"\x00\x00\x1c\x20\x01\x02\x03\x04" + vec(1, b"\x00") + vec(2, bytes(16)) + vec(2, ext(42, b"\x00\x00\x40\x00"))
    ops = op(1, 4, 2) + hs(1, 8, ee) + hs(1, 13, cr) + hs(1, 11, certmsg)
    ops += hs(1, 25, b"\x00\x01" + vec(3, b"compressed cert")) + hs(1, 20, bytes(32))
    ops += op(0, 4, 2) + hs(0, 11, b"\x00" + vec(3, b"")) + hs(0, 20, bytes(32))
    ops += op(1, 4, 3) + op(0, 4, 3) + hs(1, 4, nst) + hs(1, 13, vec(1, b"\x02") + vec(2, ext(13, vec(2, b"\x08\x04"))))
    ops += hs(1, 24, b"\x05") + sealed(1, 24, b"\x01\x00\x12" + bytes(18)) + sealed(0, 99, b"???")
    return ops


def main():
    out = sys.argv[1]
    dissect_seeds(out)
    prescan_seeds(out)
    pipeline_seeds(out)
    decode_seeds(out)
    reasm_seeds(out)
    keylog_seeds(out)
    keyring_seeds(out)
    certificate_seeds(out)
    decrypt_seeds(out)
    rich_dissect_seeds(out)
    write(out, "decrypt", "rich-tls13", bytes([0, 0x06]) + rich_decrypt_ops())


if __name__ == "__main__":
    main()
