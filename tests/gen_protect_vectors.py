#!/usr/bin/env python3
"""Writes tests/protect_vectors.h: TLS records protected by an independent
implementation (Python's `cryptography` package, hashlib and hmac), for
test_protect.c to open with tlsview's own code.

    python3 tests/gen_protect_vectors.py > tests/protect_vectors.h

Everything is deterministic (keys and padding come from SHA-256 of fixed
strings), so running it again gives the same file.  The record formats
follow RFC 5246 6.2.3 (MAC-then-encrypt, explicit IV), RFC 2246 (chained
IV), RFC 6101 5.2.3 (SSL 3.0 MAC and padding), RFC 7366 (encrypt-then-MAC),
RFC 5288 / RFC 6655 (GCM, CCM nonces), RFC 7905 (ChaCha20 nonce) and
RFC 8446 5.2-5.4 (TLS 1.3).
"""
import hashlib
import hmac
import struct
import sys
import warnings

warnings.simplefilter("ignore")

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import Camellia
except ImportError:  # older cryptography
    Camellia = algorithms.Camellia


def det(label, n):
    """n deterministic bytes."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


HASHES = {"MD5": hashlib.md5, "SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA384": hashlib.sha384}
MAC_LEN = {"MD5": 16, "SHA1": 20, "SHA256": 32, "SHA384": 48}
BLOCK = {"AES_128_CBC": (algorithms.AES, 16, 16), "AES_256_CBC": (algorithms.AES, 32, 16),
         "CAMELLIA_128_CBC": (Camellia, 16, 16), "CAMELLIA_256_CBC": (Camellia, 32, 16),
         "3DES_EDE_CBC": (TripleDES, 24, 8), "DES_CBC": (TripleDES, 8, 8)}


def tls_mac(mac, key, seq, ctype, version, data):
    hdr = struct.pack(">QBHH", seq, ctype, version, len(data))
    return hmac.new(key, hdr + data, HASHES[mac]).digest()


def ssl3_mac(mac, key, seq, ctype, data):
    h = HASHES[mac]
    padn = 48 if mac == "MD5" else 40
    inner = h(key + b"\x36" * padn + struct.pack(">QBH", seq, ctype, len(data)) + data).digest()
    return h(key + b"\x5c" * padn + inner).digest()


def block_cipher(name, key, iv):
    alg, klen, _ = BLOCK[name]
    if name == "DES_CBC":
        key = key * 3           # 3DES with three equal keys is single DES
    return Cipher(alg(key), modes.CBC(iv)).encryptor()


class Vec:
    def __init__(self, name, version, cipher, mac="NONE", etm=False):
        self.name, self.version, self.cipher, self.mac, self.etm = name, version, cipher, mac, etm
        self.key = self.iv = self.mac_key = b""
        self.seq0 = 0
        self.records = []   # (type, record version, fragment, plaintext, inner type)


def cbc_vec(name, version, cipher, mac, etm=False, seq0=0, nrec=2, ssl3=False):
    v = Vec(name, version, cipher, mac, etm)
    _, klen, bs = BLOCK[cipher]
    v.key = det(name + "key", klen)
    v.mac_key = det(name + "mackey", MAC_LEN[mac])
    chained = version <= 0x0301
    iv = det(name + "iv", bs)
    if chained:
        v.iv = iv
    v.seq0 = seq0
    for r in range(nrec):
        seq = seq0 + r
        ctype = 23 if r else 22
        plain = det(f"{name}plain{r}", 5 + 17 * r)
        if not chained:
            iv = det(f"{name}iv{r}", bs)
        if ssl3:
            padlen = (bs - (len(plain) + MAC_LEN[mac] + 1) % bs) % bs
            pad = det(f"{name}pad{r}", padlen) + bytes([padlen])    # SSL 3.0: any pad bytes
        else:
            padlen = (bs - (len(plain) + (0 if etm else MAC_LEN[mac]) + 1) % bs) % bs
            if not etm and r == 1:
                padlen += bs            # longer padding than needed is legal in TLS
            pad = bytes([padlen]) * (padlen + 1)
        if etm:
            enc = block_cipher(cipher, v.key, iv)
            ct = enc.update(plain + pad) + enc.finalize()
            body = (b"" if chained else iv) + ct
            frag = body + tls_mac(mac, v.mac_key, seq, ctype, version, body)
        else:
            m = ssl3_mac(mac, v.mac_key, seq, ctype, plain) if ssl3 else \
                tls_mac(mac, v.mac_key, seq, ctype, version, plain)
            enc = block_cipher(cipher, v.key, iv)
            ct = enc.update(plain + m + pad) + enc.finalize()
            frag = (b"" if chained else iv) + ct
        if chained:
            iv = ct[-bs:]
        v.records.append((ctype, version, frag, plain, ctype))
    return v


def stream_vec(name, version, cipher, mac, nrec=3, ssl3=False):
    v = Vec(name, version, cipher, mac)
    v.mac_key = det(name + "mackey", MAC_LEN[mac])
    enc = None
    if cipher == "RC4_128":
        v.key = det(name + "key", 16)
        enc = Cipher(ARC4(v.key), mode=None).encryptor()
    for r in range(nrec):
        ctype = 23
        plain = det(f"{name}plain{r}", 3 + 40 * r)
        m = ssl3_mac(mac, v.mac_key, r, ctype, plain) if ssl3 else \
            tls_mac(mac, v.mac_key, r, ctype, version, plain)
        frag = enc.update(plain + m) if enc else plain + m
        v.records.append((ctype, version, frag, plain, ctype))
    return v


def aead_obj(cipher, key):
    if "GCM" in cipher:
        return AESGCM(key), 16
    if "CCM_8" in cipher:
        return AESCCM(key, tag_length=8), 8
    if "CCM" in cipher:
        return AESCCM(key, tag_length=16), 16
    return ChaCha20Poly1305(key), 16


def key_len(cipher):
    return 16 if "128" in cipher else 32


def aead12_vec(name, cipher, seq0=0, nrec=2):
    v = Vec(name, 0x0303, cipher)
    v.key = det(name + "key", key_len(cipher))
    chacha = "CHACHA" in cipher
    v.iv = det(name + "iv", 12 if chacha else 4)
    v.seq0 = seq0
    a, _ = aead_obj(cipher, v.key)
    for r in range(nrec):
        seq = seq0 + r
        ctype = 23
        plain = det(f"{name}plain{r}", 1 + 33 * r)
        aad = struct.pack(">QBHH", seq, ctype, 0x0303, len(plain))
        if chacha:
            nonce = bytes(x ^ y for x, y in zip(v.iv, b"\0\0\0\0" + struct.pack(">Q", seq)))
            frag = a.encrypt(nonce, plain, aad)
        else:
            explicit = det(f"{name}explicit{r}", 8)
            frag = explicit + a.encrypt(v.iv + explicit, plain, aad)
        v.records.append((ctype, 0x0303, frag, plain, ctype))
    return v


def aead13_vec(name, cipher, seq0=0, nrec=2, zeros=(0, 3), inner=(22, 23), all_zero=False):
    v = Vec(name, 0x0304, cipher)
    v.key = det(name + "key", key_len(cipher))
    v.iv = det(name + "iv", 12)
    v.seq0 = seq0
    a, tag = aead_obj(cipher, v.key)
    for r in range(nrec):
        seq = seq0 + r
        plain = det(f"{name}plain{r}", 7 + 20 * r)
        inner_pt = (bytes(8) if all_zero else plain + bytes([inner[r % len(inner)]])) + bytes(zeros[r % len(zeros)])
        n = len(inner_pt) + tag
        aad = struct.pack(">BHH", 23, 0x0303, n)
        nonce = bytes(x ^ y for x, y in zip(v.iv, b"\0\0\0\0" + struct.pack(">Q", seq)))
        frag = a.encrypt(nonce, inner_pt, aad)
        v.records.append((23, 0x0303, frag, b"" if all_zero else plain,
                          0 if all_zero else inner[r % len(inner)]))
    return v


VECS = [
    aead12_vec("tls12-aes128gcm", "AES_128_GCM", seq0=0),
    aead12_vec("tls12-aes256gcm", "AES_256_GCM", seq0=7),
    aead12_vec("tls12-aes128ccm", "AES_128_CCM"),
    aead12_vec("tls12-aes256ccm", "AES_256_CCM", seq0=1),
    aead12_vec("tls12-aes128ccm8", "AES_128_CCM_8"),
    aead12_vec("tls12-aes256ccm8", "AES_256_CCM_8"),
    aead12_vec("tls12-chacha", "CHACHA20_POLY1305", seq0=0x0102030405),
    aead13_vec("tls13-aes128gcm", "AES_128_GCM"),
    aead13_vec("tls13-aes256gcm", "AES_256_GCM", seq0=3),
    aead13_vec("tls13-chacha", "CHACHA20_POLY1305", seq0=1),
    aead13_vec("tls13-aes128ccm", "AES_128_CCM"),
    aead13_vec("tls13-aes128ccm8", "AES_128_CCM_8", zeros=(5,)),
    cbc_vec("tls12-aes128-sha1", 0x0303, "AES_128_CBC", "SHA1"),
    cbc_vec("tls12-aes256-sha256", 0x0303, "AES_256_CBC", "SHA256", seq0=4),
    cbc_vec("tls12-aes256-sha384", 0x0303, "AES_256_CBC", "SHA384"),
    cbc_vec("tls12-camellia128-sha1", 0x0303, "CAMELLIA_128_CBC", "SHA1"),
    cbc_vec("tls12-camellia256-sha256", 0x0303, "CAMELLIA_256_CBC", "SHA256"),
    cbc_vec("tls11-3des-sha1", 0x0302, "3DES_EDE_CBC", "SHA1"),
    cbc_vec("tls11-des-sha1", 0x0302, "DES_CBC", "SHA1"),
    cbc_vec("tls10-aes128-sha1-chained", 0x0301, "AES_128_CBC", "SHA1", nrec=3),
    cbc_vec("tls10-3des-md5-chained", 0x0301, "3DES_EDE_CBC", "MD5", nrec=3),
    cbc_vec("tls12-aes128-sha256-etm", 0x0303, "AES_128_CBC", "SHA256", etm=True),
    cbc_vec("tls10-aes256-sha1-etm-chained", 0x0301, "AES_256_CBC", "SHA1", etm=True, nrec=3),
    cbc_vec("ssl3-3des-sha1", 0x0300, "3DES_EDE_CBC", "SHA1", nrec=3, ssl3=True),
    cbc_vec("ssl3-aes128-md5", 0x0300, "AES_128_CBC", "MD5", nrec=2, ssl3=True),
    stream_vec("tls10-rc4-sha1", 0x0301, "RC4_128", "SHA1"),
    stream_vec("ssl3-rc4-md5", 0x0300, "RC4_128", "MD5", ssl3=True),
    stream_vec("tls12-null-sha256", 0x0303, "NULL", "SHA256"),
    stream_vec("tls12-null-md5", 0x0303, "NULL", "MD5"),
]
ALLZERO = aead13_vec("tls13-allzero", "AES_128_GCM", nrec=1, all_zero=True)


def c_hex(b):
    return '"' + b.hex() + '"'


def emit(v, out):
    out.append("    {")
    out.append(f'        .name = "{v.name}", .version = 0x{v.version:04x}, .cipher = CIPHER_{v.cipher},')
    out.append(f"        .mac = MAC_{v.mac}, .etm = {'true' if v.etm else 'false'}, .seq0 = 0x{v.seq0:x}ull,")
    out.append(f"        .key = {c_hex(v.key)}, .iv = {c_hex(v.iv)}, .mac_key = {c_hex(v.mac_key)},")
    out.append(f"        .n = {len(v.records)}, .rec = {{")
    for (t, ver, frag, plain, inner) in v.records:
        out.append(f"            {{ {t}, 0x{ver:04x}, {c_hex(frag)},")
        out.append(f"              {c_hex(plain)}, {inner} }},")
    out.append("        },")
    out.append("    },")


def main():
    out = ["/* Generated by tests/gen_protect_vectors.py (Python's cryptography package,",
           " * hashlib and hmac): records protected independently of tlsview.  Do not",
           " * edit; run the script again. */",
           "",
           "static const protect_vector protect_vectors[] = {"]
    for v in VECS:
        emit(v, out)
    out.append("};")
    out.append("")
    out.append("static const protect_vector protect_allzero_vector =")
    tmp = []
    emit(ALLZERO, tmp)
    tmp[0] = "{"
    tmp[-1] = "};"
    out.extend(l[4:] if l.startswith("    ") else l for l in tmp)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
