"""The samples read as they were made (samples/README.md says how): per
connection the version, cipher suite, SNI, outcome and the handshake
messages in each direction; every JSON object keeps the documented
contract."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, connections, handshake_sequences, json_lines, report  # noqa: E402
from jsoncontract import validate  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]

CH, SH, NST, EOED, EE, CERT, SKE, CR, SHD, CV, CKE, FIN, KU = 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 24
T12_RSA = ([CH, CKE], [SH, CERT, SHD, NST])
T13 = ([CH], [SH])

# Without secrets: what anyone can read.  (version, suite, outcome, extra
# connection keys, (c2s types, s2c types)) per connection, in conn order.
EXPECTED = {
    'tls12-rsa.pcap': [('TLS 1.2', 0x009c, 'complete', {'sni': 'tlsview.test'}, T12_RSA)],
    'tls12-rsa-cbc.pcap': [('TLS 1.2', 0x002f, 'complete', {}, T12_RSA)],
    'tls12-rsa-legacy.pcap': [('TLS 1.2', 0x003d, 'complete', {}, T12_RSA)],
    'tls12-ecdhe.pcap': [('TLS 1.2', 0xc02f, 'complete', {'server_signature_verified': True},
                          ([CH, CKE], [SH, CERT, SKE, SHD, NST]))],
    'tls13.pcapng': [('TLS 1.3', 0x1301, 'complete', {'sni': 'tlsview.test'}, T13)],
    'tls13-hrr.pcap': [('TLS 1.3', 0x1301, 'complete', {'hello_retry': True}, ([CH, CH], [SH, SH]))],
    'tls12-resume-id.pcap': [('TLS 1.2', 0x009c, 'complete', {'resumed': False}, ([CH, CKE], [SH, CERT, SHD])),
                             ('TLS 1.2', 0x009c, 'complete', {'resumed': True}, ([CH], [SH]))],
    'tls12-resume-ticket.pcap': [('TLS 1.2', 0x009c, 'complete', {'resumed': False}, T12_RSA),
                                 ('TLS 1.2', 0x009c, 'complete', {'resumed': True}, ([CH], [SH]))],
    'tls13-resume.pcap': [('TLS 1.3', 0x1302, 'complete', {'resumed': False}, T13),
                          ('TLS 1.3', 0x1302, 'complete', {'resumed': True}, T13)],
    'tls13-0rtt.pcap': [('TLS 1.3', 0x1302, 'complete', {'resumed': False}, T13),
                        ('TLS 1.3', 0x1302, 'complete', {'resumed': True}, T13)],
    'mtls12.pcap': [('TLS 1.2', 0x009c, 'complete', {'client_certificate': True},
                     ([CH, CERT, CKE, CV], [SH, CERT, CR, SHD, NST]))],
    'mtls13.pcap': [('TLS 1.3', 0x1302, 'complete', {}, T13)],
    'alert-failure.pcap': [
        (None, None, 'failed', {'alert': {'from': 'server', 'level': 'fatal', 'description': 'handshake_failure'}},
         ([CH], [])),
        ('TLS 1.2', 0xc02f, 'failed', {'alert': {'from': 'client', 'level': 'fatal', 'description': 'unknown_ca'}},
         ([CH], [SH, CERT, SKE, SHD])),
        ('TLS 1.3', 0x1302, 'failed', {'alert': {'from': 'client', 'level': 'fatal', 'description': 'unknown_ca'}},
         T13),
        (None, None, 'failed', {'alert': {'from': 'server', 'level': 'fatal', 'description': 'protocol_version'}},
         ([CH], [])),
    ],
    'ipv6.pcap': [('TLS 1.3', 0x1302, 'complete', {'server': '[::1]:'}, T13)],
    'tls13-keyupdate.pcap': [('TLS 1.3', 0x1301, 'complete', {}, T13)],
    'tls12-renego.pcap': [('TLS 1.2', 0xc02f, 'complete', {}, ([CH, CKE], [SH, CERT, SKE, SHD, NST]))],
    'tls10.pcap': [('TLS 1.0', 0x002f, 'complete', {}, T12_RSA)],
    'tls11.pcap': [('TLS 1.1', 0x002f, 'complete', {}, T12_RSA)],
    'fragmented.pcap': [('TLS 1.2', 0x009c, 'complete', {}, T12_RSA)],
    'ecdsa.pcap': [('TLS 1.3', 0x1302, 'complete', {}, T13),
                   ('TLS 1.2', 0xc02b, 'complete', {'server_signature_verified': True},
                    ([CH, CKE], [SH, CERT, SKE, SHD, NST])),
                   ('TLS 1.1', 0xc009, 'complete', {'server_signature_verified': True},
                    ([CH, CKE], [SH, CERT, SKE, SHD, NST]))],
}

for name, conns in sorted(EXPECTED.items()):
    path = os.path.join(source, 'samples', name)
    objs, p = json_lines(tlsview, '-r', path)
    check(p.returncode == 0, '%s: exit %d: %r' % (name, p.returncode, p.stderr))
    for o in objs:
        for problem in validate(o):
            check(False, '%s: %s' % (name, problem))
    got = connections(objs)
    seq = handshake_sequences(objs)
    check(sorted(got) == list(range(1, len(conns) + 1)),
          '%s: connections %s, expected 1..%d' % (name, sorted(got), len(conns)))
    for n, (version, suite, outcome, extra, (c2s, s2c)) in enumerate(conns, 1):
        c = got.get(n, {})
        what = '%s conn %d' % (name, n)
        check(c.get('version') == version, '%s: version %r, expected %r' % (what, c.get('version'), version))
        cs = c.get('cipher_suite')
        check((int(cs['code'], 16) if cs else None) == suite, '%s: suite %r, expected %r' % (what, cs, suite))
        check(c.get('handshake') == outcome, '%s: handshake %r, expected %r' % (what, c.get('handshake'), outcome))
        for k, v in extra.items():
            if k == 'server':
                check(c.get('server', '').startswith(v), '%s: server %r' % (what, c.get('server')))
            else:
                check(c.get(k) == v, '%s: %s is %r, expected %r' % (what, k, c.get(k), v))
        s = seq.get(n, {'c2s': [], 's2c': []})
        check(s['c2s'] == c2s, '%s: client sent %s, expected %s' % (what, s['c2s'], c2s))
        check(s['s2c'] == s2c, '%s: server sent %s, expected %s' % (what, s['s2c'], s2c))
    # Every connection of multi.pcap, whatever the order.
multi, _ = json_lines(tlsview, '-r', os.path.join(source, 'samples', 'multi.pcap'))
suites = sorted(int(c['cipher_suite']['code'], 16) for c in connections(multi).values())
check(suites == sorted([0x1302, 0x1303, 0xcca8, 0x009f, 0x003d]), 'multi.pcap: suites %s' % [hex(s) for s in suites])
check(all(c['handshake'] == 'complete' for c in connections(multi).values()), 'multi.pcap: all complete')

# Narration: the dialogue fits each kind of handshake.
NARRATION = [
    ('tls12-rsa.pcap', 1, 'client_key_exchange', 'encrypted with your public key'),
    ('tls12-ecdhe.pcap', 1, 'server_key_exchange', 'my half of an x25519 key exchange'),
    ('tls13.pcapng', 1, 'client_hello', 'Client: Hello!'),
    ('tls13.pcapng', 1, 'server_hello', "Let's use TLS 1.3 with TLS_AES_128_GCM_SHA256"),
    ('tls13-hrr.pcap', 1, 'server_hello', 'please try again with secp256r1'),
    ('tls12-resume-id.pcap', 2, 'server_hello', 'I remember you'),
    ('tls13-resume.pcap', 2, 'server_hello', 'resume our earlier session'),
    ('mtls12.pcap', 1, 'certificate_request', 'Please show me a certificate'),
    ('alert-failure.pcap', 1, 'alert', 'handshake_failure'),
    ('alert-failure.pcap', 2, 'alert', 'not trusted'),
]
for name, conn, msg, phrase in NARRATION:
    objs, _ = json_lines(tlsview, '-r', os.path.join(source, 'samples', name))
    said = [o.get('narration', '') for o in objs if o.get('conn') == conn and (o.get('msg') == msg or
                                                                                (msg == 'alert' and o['type'] == 'alert'))]
    check(any(phrase in n for n in said), '%s conn %d %s: narration %r lacks %r' % (name, conn, msg, said, phrase))

report('samples')
