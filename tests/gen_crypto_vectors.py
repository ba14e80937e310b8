#!/usr/bin/env python3
"""Writes tests/crypto_vectors.h: whole TLS 1.2 / 1.0 / SSL 3.0 handshakes
built by an independent implementation (Python's hashlib, hmac and
`cryptography`, which must offer deterministic ECDSA, RFC 6979), for
test_crypto.c to replay through tlsview's engine.

    python3 tests/gen_crypto_vectors.py > tests/crypto_vectors.h

The server key is the RSA key published in RFC 8448 section 2, its
certificate the one of RFC 8448 section 3.  The flows are synthetic but
follow RFC 5246 (and RFC 2246, RFC 6101, RFC 7627, RFC 7366, RFC 5077) to
the byte: the PRF, the key block, PKCS#1 v1.5 encryption of the
pre-master secret, the Finished hashes, record protection and the
signatures of ServerKeyExchange and CertificateVerify are all computed
here.  An ECDSA P-256 key and a self-signed certificate for it (fixed
dates, deterministic signatures) stand in for an ECDSA server.  Keys in the encrypted PEM forms use random salts, so those
change from run to run; everything else is deterministic.
"""
import hashlib
import hmac
import struct
import subprocess
import sys
import tempfile
import os
import warnings

warnings.simplefilter("ignore")

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# ---------------------------------------------------------------- RFC 8448 key
N = int("b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af1"
        "9eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8c"
        "a9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f", 16)
E = 0x010001
D = int("04dea705d43a6ea7209dd8072111a83c81e322a59278b33480641eaf7c0a6985b8e31c44f6de62e1b4c2309f6126e77b"
        "7c41e923314bbfa3881305dc1217f16c819ce538e922f369828d0e57195d8c8488460207b2faa726bcf708bbd7db7f67"
        "9f893492fc2a622e08970aac441ce4e0c3088df25ae679233df8a3bda2ff9941", 16)
P = int("e435fb7cc83737756dacea96ab7f59a2cc1069db7deb190e17e33a532b273f30a327aa0aaabc58cd67466af9845fadc6"
        "75fe094af92c4bd1f2c1bc33dd2e0515", 16)
Q = int("cabd3bc0e0438664c8d4cc9f99977a94d9bbfead8e43870abae3f7eb8b4e0eee8af1d9b4719ba6196cf2cbbaeeebf8b3"
        "490afe9e9ffa74a88aa51fc645629303", 16)
assert P * Q == N
priv = rsa.RSAPrivateNumbers(P, Q, D, D % (P - 1), D % (Q - 1), pow(Q, -1, P),
                             rsa.RSAPublicNumbers(E, N)).private_key()

# The RFC 8448 server certificate (DER), from its Certificate message.
CERT = bytes.fromhex(
    "308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d"
    "3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d0609"
    "2a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a24"
    "61eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38"
    "e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f020301"
    "0001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b0500038181008"
    "5aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80"
    "f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8"
    "b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de1")
assert N.to_bytes(128, "big") in CERT


def det(label, n):
    out, i = b"", 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


# ---------------------------------------------------------------- key files
PASSWORD = b"tlsview"
pkcs1_pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                               serialization.NoEncryption())
pkcs8_der = priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                               serialization.NoEncryption())
trad_enc_pem = priv.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.BestAvailableEncryption(PASSWORD))
with tempfile.TemporaryDirectory() as tmp:
    keyfile = os.path.join(tmp, "k.pem")
    with open(keyfile, "wb") as f:
        f.write(pkcs1_pem)
    pkcs8_aes_pem = openssl("pkcs8", "-topk8", "-in", keyfile, "-passout", "pass:tlsview")
    pkcs8_3des_pem = openssl("pkcs8", "-topk8", "-in", keyfile, "-passout", "pass:tlsview",
                             "-v2", "des3", "-v2prf", "hmacWithSHA1")
ec_key = ec.derive_private_key(int.from_bytes(det("ec key", 32), "big") % (2 ** 255), ec.SECP256R1())
ec_pem = ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
# An ECDSA server: the same key, in a self-signed certificate.
ec_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ecdsa.test")])
EC_CERT = (x509.CertificateBuilder().subject_name(ec_name).issuer_name(ec_name)
           .public_key(ec_key.public_key()).serial_number(0x1001)
           .not_valid_before(datetime.datetime(2020, 1, 1)).not_valid_after(datetime.datetime(2040, 1, 1))
           .sign(ec_key, hashes.SHA256(), ecdsa_deterministic=True)
           .public_bytes(serialization.Encoding.DER))
other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
other_pem = other_rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
cert_pem = b"-----BEGIN CERTIFICATE-----\n" + \
    __import__("base64").encodebytes(CERT) + b"-----END CERTIFICATE-----\n"


def rsa_encrypt(m, label):
    """PKCS#1 v1.5 type 2 padding with deterministic non-zero bytes, raw RSA."""
    k = 128
    ps = bytes((b % 255) + 1 for b in det(label, k - 3 - len(m)))
    em = b"\x00\x02" + ps + b"\x00" + m
    return pow(int.from_bytes(em, "big"), E, N).to_bytes(k, "big")


def rsa_sign_md5_sha1(data):
    """TLS 1.0/1.1 RSA signature (RFC 2246 7.4.3): PKCS#1 v1.5 type 1
    padding around MD5 and SHA-1 side by side, no DigestInfo; raw RSA."""
    k = 128
    digest = hashlib.md5(data).digest() + hashlib.sha1(data).digest()
    em = b"\x00\x01" + b"\xff" * (k - 3 - len(digest)) + b"\x00" + digest
    return pow(int.from_bytes(em, "big"), D, N).to_bytes(k, "big")


# The signature schemes the flows use: (code point or None for TLS 1.0/1.1, signer)
def sign(scheme, data, key="rsa"):
    if key == "ec":
        h = {None: hashes.SHA1(), 0x0403: hashes.SHA256(), 0x0503: hashes.SHA384()}[scheme]
        return ec_key.sign(data, ec.ECDSA(h, deterministic_signing=True))
    if scheme is None:
        return rsa_sign_md5_sha1(data)
    if scheme in (0x0804, 0x0805, 0x0806):
        h = {0x0804: hashes.SHA256(), 0x0805: hashes.SHA384(), 0x0806: hashes.SHA512()}[scheme]
        # PSS signatures are salted: a fixed salt would need a hand-made
        # encoding; these flows use PKCS#1 v1.5 and ECDSA instead.
        raise ValueError("PSS is randomised")
    h = {0x0201: hashes.SHA1(), 0x0401: hashes.SHA256(), 0x0501: hashes.SHA384(), 0x0601: hashes.SHA512()}[scheme]
    return priv.sign(data, padding.PKCS1v15(), h)


# ---------------------------------------------------------------- TLS
def p_hash(h, secret, seed, n):
    out, a = b"", seed
    while len(out) < n:
        a = hmac.new(secret, a, h).digest()
        out += hmac.new(secret, a + seed, h).digest()
    return out[:n]


def prf(version, h, secret, label, seed, n):
    if version == 0x0300:
        raise ValueError
    if version < 0x0303:
        half = (len(secret) + 1) // 2
        a = p_hash(hashlib.md5, secret[:half], label + seed, n)
        b = p_hash(hashlib.sha1, secret[-half:], label + seed, n)
        return bytes(x ^ y for x, y in zip(a, b))
    return p_hash(h, secret, label + seed, n)


def ssl3_prf(secret, seed, n):
    out, i = b"", 0
    while len(out) < n:
        salt = bytes([0x41 + i]) * (i + 1)
        out += hashlib.md5(secret + hashlib.sha1(salt + secret + seed).digest()).digest()
        i += 1
    return out[:n]


def hs(t, body):
    return bytes([t]) + len(body).to_bytes(3, "big") + body


def vec8(b):
    return bytes([len(b)]) + b


def vec16(b):
    return len(b).to_bytes(2, "big") + b


def vec24(b):
    return len(b).to_bytes(3, "big") + b


def ext(t, data):
    return struct.pack(">H", t) + vec16(data)


SUITES = {
    0x009C: dict(kind="gcm", key=16, mac=None, h=hashlib.sha256),
    0xC02F: dict(kind="gcm", key=16, mac=None, h=hashlib.sha256),
    0x002F: dict(kind="cbc", key=16, mac="sha1", h=hashlib.sha256, alg=algorithms.AES, bs=16),
    0x003C: dict(kind="cbc", key=16, mac="sha256", h=hashlib.sha256, alg=algorithms.AES, bs=16),
    0x000A: dict(kind="cbc", key=24, mac="sha1", h=hashlib.sha256, alg=TripleDES, bs=8),
    0xC013: dict(kind="cbc", key=16, mac="sha1", h=hashlib.sha256, alg=algorithms.AES, bs=16),
    0xC009: dict(kind="cbc", key=16, mac="sha1", h=hashlib.sha256, alg=algorithms.AES, bs=16),
    0xC02B: dict(kind="gcm", key=16, mac=None, h=hashlib.sha256),
}
MACS = {"sha1": (hashlib.sha1, 20), "sha256": (hashlib.sha256, 32), "md5": (hashlib.md5, 16)}


class Flow:
    def __init__(self, name, version, suite, ems=False, etm=False):
        self.name, self.version, self.suite, self.ems, self.etm = name, version, suite, ems, etm
        self.cr = det(name + "cr", 32)
        self.sr = det(name + "sr", 32)
        self.csid = b""
        self.ssid = b""
        self.steps = []          # (kind, dir, type, hex, expected plaintext hex, inner)
        self.transcript = b""
        self.cur = [None, None]       # read state in use, per direction
        self.pending = [None, None]   # waits for ChangeCipherSpec
        self.pms = self.ms = b""
        self.keylog = ""
        self.legacy = version

    def msg(self, d, m, record=True):
        """A handshake message: plaintext, or protected once a CCS was sent."""
        if self.cur[d] is None:
            self.steps.append(("H", d, 22, m.hex(), "", 22))
        else:
            frag = self.protect(d, 22, m)
            self.steps.append(("R", d, 22, frag.hex(), m.hex(), 22))
        self.transcript += m

    def ccs(self, d):
        if self.cur[d] is None:
            self.steps.append(("C", d, 20, "01", "", 20))
        else:
            frag = self.protect(d, 20, b"\x01")
            self.steps.append(("R", d, 20, frag.hex(), "01", 20))
        self.cur[d] = self.pending[d]

    def keys(self):
        s = SUITES[self.suite]
        v = self.version
        if s["kind"] == "gcm":
            mk, k, iv = 0, s["key"], 4
        else:
            mk, k, iv = MACS[s["mac"]][1], s["key"], (s["bs"] if v <= 0x0301 else 0)
        n = 2 * (mk + k + iv)
        if v == 0x0300:
            kb = ssl3_prf(self.ms, self.sr + self.cr, n)
        else:
            kb = prf(v, s["h"], self.ms, b"key expansion", self.sr + self.cr, n)
        o = 2 * mk + 2 * k
        for d in (0, 1):
            self.pending[d] = dict(mac_key=kb[d * mk:(d + 1) * mk], key=kb[2 * mk + d * k:2 * mk + (d + 1) * k],
                                   iv=kb[o + d * iv:o + (d + 1) * iv], chain=kb[o + d * iv:o + (d + 1) * iv], seq=0)

    def protect(self, d, ctype, plain):
        s = SUITES[self.suite]
        v = self.version
        st = self.cur[d]
        seq = st["seq"]
        st["seq"] += 1
        if s["kind"] == "gcm":
            explicit = struct.pack(">Q", seq)
            aad = struct.pack(">QBHH", seq, ctype, v, len(plain))
            return explicit + AESGCM(st["key"]).encrypt(st["iv"] + explicit, plain, aad)
        mh, ml = MACS[s["mac"]]
        bs = s["bs"]

        def mac(data):
            if v == 0x0300:
                padn = 48 if ml == 16 else 40
                inner = mh(st["mac_key"] + b"\x36" * padn + struct.pack(">QBH", seq, ctype, len(data)) + data).digest()
                return mh(st["mac_key"] + b"\x5c" * padn + inner).digest()
            return hmac.new(st["mac_key"], struct.pack(">QBHH", seq, ctype, v, len(data)) + data, mh).digest()

        iv = st["chain"] if v <= 0x0301 else det(f"{self.name}iv{d}{seq}", bs)
        body = plain if self.etm else plain + mac(plain)
        padlen = (bs - (len(body) + 1) % bs) % bs
        pad = (det(f"{self.name}pad{d}{seq}", padlen) + bytes([padlen])) if v == 0x0300 else bytes([padlen]) * (padlen + 1)
        enc = Cipher(s["alg"](st["key"]), modes.CBC(iv)).encryptor()
        ct = enc.update(body + pad) + enc.finalize()
        if v <= 0x0301:
            st["chain"] = ct[-bs:]
            frag = ct
        else:
            frag = iv + ct
        if self.etm:
            frag = frag + mac(frag)
        return frag

    def record(self, d, ctype, plain, add_to_transcript=False):
        frag = self.protect(d, ctype, plain)
        self.steps.append(("R", d, ctype, frag.hex(), plain.hex(), ctype))
        if add_to_transcript:
            self.transcript += plain

    def finished(self, d):
        client = d == 0
        v = self.version
        if v == 0x0300:
            sender = b"CLNT" if client else b"SRVR"
            vd = b""
            for h, padn in ((hashlib.md5, 48), (hashlib.sha1, 40)):
                inner = h(self.transcript + sender + self.ms + b"\x36" * padn).digest()
                vd += h(self.ms + b"\x5c" * padn + inner).digest()
        else:
            if v < 0x0303:
                hh = hashlib.md5(self.transcript).digest() + hashlib.sha1(self.transcript).digest()
            else:
                hh = SUITES[self.suite]["h"](self.transcript).digest()
            vd = prf(v, SUITES[self.suite]["h"], self.ms, b"client finished" if client else b"server finished", hh, 12)
        m = hs(20, vd)
        self.record(d, 22, m, add_to_transcript=True)
        return vd

    def master(self):
        v = self.version
        if v == 0x0300:
            self.ms = ssl3_prf(self.pms, self.cr + self.sr, 48)
        elif self.ems:
            hfun = SUITES[self.suite]["h"]
            sh = hashlib.md5(self.transcript).digest() + hashlib.sha1(self.transcript).digest() if v < 0x0303 \
                else hfun(self.transcript).digest()
            self.ms = prf(v, hfun, self.pms, b"extended master secret", sh, 48)
        else:
            self.ms = prf(v, SUITES[self.suite]["h"], self.pms, b"master secret", self.cr + self.sr, 48)
        self.keys()


def client_hello(f, exts=b"", sid=b""):
    body = struct.pack(">H", f.legacy) + f.cr + vec8(sid) + vec16(struct.pack(">H", f.suite)) + vec8(b"\0")
    if f.version > 0x0300:
        e = exts
        if f.ems:
            e += ext(0x0017, b"")
        if f.etm:
            e += ext(0x0016, b"")
        body += vec16(e)
    f.csid = sid
    return hs(1, body)


def server_hello(f, sid, exts=b""):
    body = struct.pack(">H", f.version) + f.sr + vec8(sid) + struct.pack(">H", f.suite) + b"\0"
    if f.version > 0x0300:
        e = exts
        if f.ems:
            e += ext(0x0017, b"")
        if f.etm:
            e += ext(0x0016, b"")
        body += vec16(e)
    f.ssid = sid
    return hs(2, body)


def full_rsa(name, version, suite, ems=False, etm=False, ticket=None, app=True, client_auth=None):
    """client_auth: the CertificateVerify's signature scheme (0 for TLS
    1.0/1.1, which names none); the client's certificate and key are the
    server's (only the public key matters)."""
    f = Flow(name, version, suite, ems, etm)
    f.msg(0, client_hello(f, ext(0x0023, b"") if ticket is not None else b""))
    f.msg(1, server_hello(f, det(name + "sid", 32), ext(0x0023, b"") if ticket is not None else b""))
    f.msg(1, hs(11, vec24(vec24(CERT))))
    if client_auth is not None:
        sigalgs = vec16(b"\x06\x01\x04\x01\x08\x04") if version >= 0x0303 else b""
        f.msg(1, hs(13, vec8(b"\x01") + sigalgs + vec16(b"")))
    f.msg(1, hs(14, b""))
    if client_auth is not None:
        f.msg(0, hs(11, vec24(vec24(CERT))))
    f.pms = struct.pack(">H", f.legacy) + det(name + "pms", 46)
    enc = rsa_encrypt(f.pms, name + "pad")
    f.msg(0, hs(16, enc if version == 0x0300 else vec16(enc)))
    f.master()          # the session hash (RFC 7627) ends with ClientKeyExchange
    if client_auth is not None:
        if version >= 0x0303:
            f.msg(0, hs(15, struct.pack(">H", client_auth) + vec16(sign(client_auth, f.transcript))))
        else:
            f.msg(0, hs(15, vec16(sign(None, f.transcript))))
    f.ccs(0)
    f.finished(0)
    if ticket is not None:
        f.msg(1, hs(4, struct.pack(">I", 7200) + vec16(ticket)))
    f.ccs(1)
    f.finished(1)
    if app:
        f.record(0, 23, b"GET / HTTP/1.1\r\nHost: rsa.test\r\n\r\n")
        f.record(1, 23, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        f.record(0, 23, b"second record from the client")
        f.record(1, 21, b"\x01\x00")
    return f


def renegotiated(name):
    """A full RSA handshake, some data, then a second full handshake inside
    the protected connection (RFC 5746 would add renegotiation_info; the
    key schedule does not care)."""
    f = full_rsa(name, 0x0303, 0x009C, ems=True, app=False)
    f.record(0, 23, b"before renegotiation")
    f.transcript = b""
    f.cr = det(name + "cr2", 32)
    f.sr = det(name + "sr2", 32)
    f.msg(0, client_hello(f))
    f.msg(1, server_hello(f, det(name + "sid2", 32)))
    f.msg(1, hs(11, vec24(vec24(CERT))))
    f.msg(1, hs(14, b""))
    f.pms = struct.pack(">H", f.legacy) + det(name + "pms2", 46)
    f.msg(0, hs(16, vec16(rsa_encrypt(f.pms, name + "pad2"))))
    f.master()
    f.ccs(0)
    f.finished(0)
    f.ccs(1)
    f.finished(1)
    f.record(0, 23, b"after renegotiation")
    f.record(1, 23, b"server after renegotiation")
    return f


def resumed(name, parent, by_ticket=None):
    f = Flow(name, parent.version, parent.suite, parent.ems, parent.etm)
    f.ms = parent.ms
    if by_ticket is None:
        sid = parent.ssid
        f.msg(0, client_hello(f, b"", sid))
    else:
        sid = det(name + "client sid", 32)
        f.msg(0, client_hello(f, ext(0x0023, by_ticket), sid))
    f.msg(1, server_hello(f, sid))
    f.keys()
    f.ccs(1)
    f.finished(1)
    f.ccs(0)
    f.finished(0)
    f.record(0, 23, b"resumed request")
    f.record(1, 23, b"resumed response")
    return f


def ecdhe_keylog(name, suite, etm=False, version=0x0303, key="rsa"):
    """ECDHE with a signed ServerKeyExchange: rsa_pkcs1_sha256 or
    ecdsa_secp256r1_sha256 in TLS 1.2; MD5+SHA-1 RSA or SHA-1 ECDSA before."""
    f = Flow(name, version, suite, ems=version >= 0x0303, etm=etm)
    f.msg(0, client_hello(f))
    f.msg(1, server_hello(f, b""))
    f.msg(1, hs(11, vec24(vec24(EC_CERT if key == "ec" else CERT))))
    point = b"\x04" + det(name + "spoint", 64)
    params = b"\x03\x00\x17" + vec8(point)
    if version >= 0x0303:
        scheme = 0x0403 if key == "ec" else 0x0401
        ske = params + struct.pack(">H", scheme) + vec16(sign(scheme, f.cr + f.sr + params, key))
    else:
        ske = params + vec16(sign(None, f.cr + f.sr + params, key))
    f.msg(1, hs(12, ske))
    f.msg(1, hs(14, b""))
    f.msg(0, hs(16, vec8(b"\x04" + det(name + "cpoint", 64))))
    f.pms = det(name + "ecdh", 32)        # stands for the ECDH shared secret
    f.master()
    f.keylog = f"CLIENT_RANDOM {f.cr.hex()} {f.ms.hex()}\n"
    f.ccs(0)
    f.finished(0)
    f.ccs(1)
    f.finished(1)
    f.record(0, 23, b"client data under ECDHE")
    f.record(1, 23, b"server data under ECDHE")
    return f


def expand_label(secret, label, context, n):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
    full = b"tls13 " + label
    info = struct.pack(">H", n) + vec8(full) + vec8(context)
    return HKDFExpand(hashes.SHA256(), n, info).derive(secret)


def tls13_record(secret, seq, inner_type, plain):
    key = expand_label(secret, b"key", b"", 16)
    iv = expand_label(secret, b"iv", b"", 12)
    nonce = bytes(x ^ y for x, y in zip(iv, b"\0\0\0\0" + struct.pack(">Q", seq)))
    inner = plain + bytes([inner_type])
    aad = struct.pack(">BHH", 23, 0x0303, len(inner) + 16)
    return AESGCM(key).encrypt(nonce, inner, aad)


def keyupdate_records():
    """After RFC 8448 section 3's first client application record (sequence
    0 under client_application_traffic_secret_0): a KeyUpdate (sequence 1),
    then a record under the next generation's keys (sequence 0)."""
    cap0 = bytes.fromhex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
    cap1 = expand_label(cap0, b"traffic upd", b"", 32)
    ku = tls13_record(cap0, 1, 22, hs(24, b"\x00"))
    data = tls13_record(cap1, 0, 23, b"after the key update")
    return cap1, ku, data


def c_str(b):
    return '"' + b.hex() + '"'


def emit_flow(f, out):
    out.append(f"static const flow_step {f.name.replace('-', '_')}_steps[] = {{")
    for (k, d, t, h, p, inner) in f.steps:
        out.append(f"    {{ '{k}', {d}, {t}, \"{h}\", \"{p}\" }},")
    out.append("};")
    out.append(f"static const flow {f.name.replace('-', '_')} = {{")
    out.append(f'    .name = "{f.name}", .version = 0x{f.version:04x}, .suite = 0x{f.suite:04x},')
    out.append(f"    .ems = {'true' if f.ems else 'false'}, .etm = {'true' if f.etm else 'false'},")
    out.append(f"    .client_random = {c_str(f.cr)}, .server_random = {c_str(f.sr)},")
    out.append(f"    .client_sid = {c_str(f.csid)}, .server_sid = {c_str(f.ssid)},")
    out.append(f"    .pms = {c_str(f.pms)}, .master = {c_str(f.ms)},")
    out.append(f'    .keylog = "{f.keylog.strip()}",')
    out.append(f"    .steps = {f.name.replace('-', '_')}_steps,")
    out.append(f"    .n_steps = sizeof {f.name.replace('-', '_')}_steps / sizeof (flow_step),")
    out.append("};")
    out.append("")


def c_text(name, data):
    lines = data.decode().splitlines()
    out = [f"static const char {name}[] ="]
    out += [f'    "{l}\\n"' for l in lines]
    out[-1] += ";"
    return out


def main():
    ticket = det("ticket", 120)
    a = full_rsa("tls12_rsa_gcm_ems", 0x0303, 0x009C, ems=True, ticket=ticket)
    b = resumed("tls12_resume_id", a)
    c = resumed("tls12_resume_ticket", a, by_ticket=ticket)
    d = full_rsa("tls10_rsa_cbc", 0x0301, 0x002F)
    e = full_rsa("ssl3_rsa_3des", 0x0300, 0x000A)
    g = ecdhe_keylog("tls12_ecdhe_keylog", 0xC02F)
    h = ecdhe_keylog("tls12_etm_keylog", 0x003C, etm=True)
    r = renegotiated("tls12_renego")
    s10 = ecdhe_keylog("tls10_ecdhe_rsa", 0xC013, version=0x0301)
    e12 = ecdhe_keylog("tls12_ecdhe_ecdsa", 0xC02B, key="ec")
    e10 = ecdhe_keylog("tls10_ecdhe_ecdsa", 0xC009, version=0x0301, key="ec")
    m12 = full_rsa("tls12_mtls", 0x0303, 0x009C, ems=True, client_auth=0x0601)
    m10 = full_rsa("tls10_mtls", 0x0301, 0x002F, client_auth=0)
    out = ["/* Generated by tests/gen_crypto_vectors.py: TLS <= 1.2 handshakes built",
           " * independently of tlsview (RFC 8448's RSA key and certificate).  Do not",
           " * edit; run the script again. */", ""]
    out += c_text("rsa_pkcs1_pem", pkcs1_pem)
    out.append(f"static const char rsa_pkcs8_der_hex[] = {c_str(pkcs8_der)};")
    out += c_text("rsa_pkcs8_aes_pem", pkcs8_aes_pem)
    out += c_text("rsa_pkcs8_3des_pem", pkcs8_3des_pem)
    out += c_text("rsa_trad_aes_pem", trad_enc_pem)
    out += c_text("ec_pem", ec_pem)
    out += c_text("other_rsa_pem", other_pem)
    out += c_text("cert_pem", cert_pem)
    out.append(f"static const char cert_der_hex[] = {c_str(CERT)};")
    out.append(f"static const char ec_cert_der_hex[] = {c_str(EC_CERT)};")
    out.append("")
    for f in (a, b, c, d, e, g, h, r, s10, e12, e10, m12, m10):
        emit_flow(f, out)
    cap1, ku, data = keyupdate_records()
    out.append(f"static const char ku_secret1[] = {c_str(cap1)};")
    out.append(f"static const char ku_record[] = {c_str(ku)};")
    out.append(f"static const char ku_after[] = {c_str(data)};")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
