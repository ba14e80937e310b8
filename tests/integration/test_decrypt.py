"""Decryption and proof: with the key log every sample decrypts and every
Finished verifies; with the server key alone RSA key exchange decrypts
(resumed sessions too) and forward-secret connections say they need a key
log; a wrong key is named as such.  The master secret derived from the
server key is the one the server itself logged.  A wrong key log and an
altered record fail authentication, plainly said.  Every ServerKeyExchange
and CertificateVerify signature verifies with its certificate's key, with
or without secrets.  The external captures decrypt to the messages their
makers published."""
import glob
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import pcaptool  # noqa: E402
from common import check, connections, json_lines, report  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
samples = os.path.join(source, 'samples')
key = os.path.join(samples, 'keys', 'server.key')
wrong_key = os.path.join(samples, 'keys', 'client.key')


def read(path, *args):
    objs, p = json_lines(tlsview, '-r', path, '-d', *args)
    check(p.returncode == 0, '%s %s: exit %d (%r)' % (path, args, p.returncode, p.stderr[-300:]))
    return objs


def finished_results(objs):
    return [o['fields'].get('verified') for o in objs if o.get('type') == 'handshake' and o.get('msg') == 'finished']


def app_text(objs, conn=None):
    return ''.join(o.get('text', '') for o in objs
                   if o.get('type') == 'app_data' and o.get('decrypted') and (conn is None or o['conn'] == conn))


# Key log: everything decrypts, every Finished verifies.
for keylog in sorted(glob.glob(os.path.join(samples, '*.keylog'))):
    name = os.path.basename(keylog)[:-len('.keylog')]
    cap = [p for p in glob.glob(os.path.join(samples, name + '.pcap*'))]
    if not cap:
        continue
    objs = read(cap[0], '-l', keylog)
    conns = connections(objs)
    fins = finished_results(objs)
    for n, c in sorted(conns.items()):
        failed_early = c['handshake'] == 'failed' and 'cipher_suite' not in c
        if failed_early:
            continue
        if name == 'alert-failure' and n != 3:
            continue   # these never reached encryption
        check(c['decryption'] == 'decrypted', '%s conn %d with its key log: decryption %s, notes %s'
              % (name, n, c['decryption'], c['notes']))
    check(all(v is True for v in fins), '%s: Finished results %s' % (name, fins))
    if name not in ('alert-failure',):
        check(len(fins) >= 2, '%s: %d Finished messages decrypted' % (name, len(fins)))
        words = {'tls12-renego': 'tneilc morf olleh', 'tls13-keyupdate': 'niaga olleh',
                 'tls13-0rtt': 'hello as early data'}.get(name, 'hello from the tlsview sample server')
        check(words in app_text(objs), '%s: "%s" decrypts' % (name, words))
    check(not any(o.get('type') == 'encrypted_handshake' for o in objs if o['conn'] != 3 or name != 'alert-failure'),
          '%s: no handshake message left encrypted' % name)

# Server key alone.
rsa = ['tls12-rsa', 'tls12-rsa-cbc', 'tls12-rsa-legacy', 'tls10', 'tls11', 'fragmented', 'mtls12']
for name in rsa:
    objs = read(os.path.join(samples, name + '.pcap'), '-k', key)
    for n, c in connections(objs).items():
        check(c['decryption'] == 'decrypted', '%s with the server key: %s %s' % (name, c['decryption'], c['notes']))
    check(finished_results(objs) == [True, True], '%s: Finished %s' % (name, finished_results(objs)))
    check('GET /hello.txt' in app_text(objs), '%s: the request decrypts' % name)
for name in ('tls12-resume-id', 'tls12-resume-ticket'):
    objs = read(os.path.join(samples, name + '.pcap'), '-k', key)
    conns = connections(objs)
    check(len(conns) == 2 and all(c['decryption'] == 'decrypted' for c in conns.values()),
          '%s: both connections (the resumed one from the first one\'s master secret): %s'
          % (name, [(c['decryption'], c['notes']) for c in conns.values()]))
    check('hello from the tlsview sample server' in app_text(objs, 2), '%s: the resumed connection decrypts' % name)
for name in ('tls12-ecdhe', 'tls13-hrr', 'ipv6'):
    objs = read(os.path.join(samples, name + '.pcap'), '-k', key)
    for c in connections(objs).values():
        check(c['decryption'] == 'needs_key_log', '%s with only the server key: %s' % (name, c['decryption']))
        check(any('key log' in note for note in c['notes']), '%s: a note says a key log is needed: %s'
              % (name, c['notes']))
objs = read(os.path.join(samples, 'tls12-rsa.pcap'), '-k', wrong_key)
for c in connections(objs).values():
    check(c['decryption'] == 'key_mismatch', 'wrong key: %s' % c['decryption'])
    check(any('does not match' in note for note in c['notes']), 'wrong key: the note says so: %s' % c['notes'])

# Secrets only when asked for.
plain = read(os.path.join(samples, 'tls12-rsa.pcap'), '-k', key)
shown = read(os.path.join(samples, 'tls12-rsa.pcap'), '-k', key, '--secrets')
check(not any('master_secret' in o for o in plain), 'no secret values without --secrets')
masters = [o['master_secret'] for o in shown if o.get('type') == 'keys' and 'master_secret' in o]
check(len(masters) == 1 and len(masters[0]) == 96, 'one 48-byte master_secret with --secrets: %s' % masters)

# The master secret tlsview derives from the server key alone (RSA key
# exchange) is the one the peers used: multi.keylog was written by the
# server, tls12-rsa.keylog by the client.
def keylog_lines(path):
    out = {}
    for line in open(path):
        f = line.split()
        if len(f) == 3 and f[0] == 'CLIENT_RANDOM':
            out[f[1].lower()] = f[2].lower()
    return out


for name in ('multi', 'tls12-rsa'):
    objs = read(os.path.join(samples, name + '.pcap'), '-k', key, '--secrets')
    randoms = {o['conn']: o['fields']['random'] for o in objs if o.get('msg') == 'client_hello'}
    logged = keylog_lines(os.path.join(samples, name + '.keylog'))
    derived = [(o['conn'], o['master_secret']) for o in objs if o.get('type') == 'keys' and 'master_secret' in o]
    check(len(derived) == 1, '%s: one master secret from the server key, got %d' % (name, len(derived)))
    for conn, master in derived:
        check(logged.get(randoms.get(conn, '').lower()) == master.lower(),
              '%s conn %d: master secret %s..., the key log says %s...'
              % (name, conn, master[:16], (logged.get(randoms.get(conn, '').lower()) or 'nothing')[:16]))


# Signatures: checked with the certificate's public key, no secret needed.
# With the key log every ServerKeyExchange and CertificateVerify is read
# (TLS 1.3's are encrypted) and every one verifies; without secrets those
# in clear do.
def signatures(objs):
    return [(o['conn'], o['dir'], o['msg'], o['fields'].get('signature_verified'), o['fields'].get('signature_check'),
             o.get('narration', ''))
            for o in objs if o.get('msg') in ('server_key_exchange', 'certificate_verify')]


with_log = {'alert-failure': 2, 'gnutls': 2, 'ipv6': 1, 'mtls12': 1, 'mtls13': 2, 'multi': 4, 'tls12-ecdhe': 1,
            'tls12-renego': 2, 'tls13': 1, 'tls13-0rtt': 1, 'tls13-hrr': 1, 'tls13-keyupdate': 1, 'tls13-resume': 1,
            'ecdsa': 3}
in_clear = {'alert-failure': 1, 'gnutls': 1, 'mtls12': 1, 'multi': 2, 'tls12-ecdhe': 1, 'tls12-renego': 1,
            'ecdsa': 2}
for keylog in sorted(glob.glob(os.path.join(samples, '*.keylog'))):
    name = os.path.basename(keylog)[:-len('.keylog')]
    cap = glob.glob(os.path.join(samples, name + '.pcap*'))
    if not cap:
        continue
    for args, want in ((('-l', keylog), with_log), ((), in_clear)):
        sigs = signatures(read(cap[0], *args))
        what = '%s%s' % (name, ' with its key log' if args else ' without secrets')
        check(len(sigs) == want.get(name, 0), '%s: %d signed messages, expected %d' % (what, len(sigs), want.get(name, 0)))
        for conn, d, msg, ok, unchecked, narration in sigs:
            check(ok is True and unchecked is None, '%s conn %d %s %s: signature_verified %r (%r)'
                  % (what, conn, d, msg, ok, unchecked))
            holder = 'client' if d == 'c2s' else 'server'
            check('it is valid — the %s holds the certificate\'s private key' % holder in narration,
                  '%s conn %d %s: narration %r' % (what, conn, msg, narration[-200:]))
objs = read(os.path.join(samples, 'ecdsa.pcap'), '-l', os.path.join(samples, 'ecdsa.keylog'))
algs = sorted((o['fields'].get('signature_algorithm') or {}).get('name', 'none (TLS 1.1)') for o in objs
              if o.get('msg') in ('server_key_exchange', 'certificate_verify'))
check(algs == ['ecdsa_secp256r1_sha256', 'ecdsa_secp256r1_sha256', 'none (TLS 1.1)'], 'ecdsa: algorithms %s' % algs)

tmp = tempfile.mkdtemp(prefix='tlsview-decrypt-')
try:
    # A key log whose secrets are wrong: nothing decrypts, and the notes say
    # that authentication failed.
    for name, cap in (('tls12-ecdhe', 'tls12-ecdhe.pcap'), ('tls13', 'tls13.pcapng')):
        bad = os.path.join(tmp, name + '.keylog')
        with open(os.path.join(samples, name + '.keylog')) as src, open(bad, 'w') as dst:
            for line in src:
                f = line.split()
                if len(f) == 3 and not line.startswith('#'):
                    secret = f[2][:-2] + ('00' if f[2][-2:] != '00' else '11')
                    line = '%s %s %s\n' % (f[0], f[1], secret)
                dst.write(line)
        objs = read(os.path.join(samples, cap), '-l', bad)
        for c in connections(objs).values():
            check(c['decryption'] == 'failed', '%s with a wrong key log: decryption %s' % (name, c['decryption']))
            check(any('authentication failed' in n.lower() for n in c['notes']),
                  '%s with a wrong key log: a note says authentication failed: %s' % (name, c['notes']))
            check(any('do not fit' in n for n in c['notes']), '%s: the note blames the secrets: %s' % (name, c['notes']))
        check(any(o.get('fields', {}).get('decryption') == 'authentication failed' for o in objs),
              '%s with a wrong key log: a step says authentication failed' % name)
        check(not any(o.get('decrypted') for o in objs), '%s with a wrong key log: nothing decrypted' % name)

    # One bit of one server application data record flipped on the wire:
    # that record fails authentication, the rest still decrypts.
    def flip_in_record(src, dst, pick):
        """Flips a bit in the middle of the server record `pick` chooses
        among (index, type, length) of the server's records."""
        segs = pcaptool.read_pcap(src)
        syn = next(s for s in segs if s.flags & 0x02 and not s.flags & 0x10)
        server = [s for s in segs if s.sport == syn.dport and s.payload]
        server.sort(key=lambda s: s.seq)
        stream, starts, at = b'', [], server[0].seq
        for s in server:
            if s.seq == at:
                starts.append((len(stream), s))
                stream += s.payload
                at += len(s.payload)
        records, off = [], 0
        while off + 5 <= len(stream):
            length = int.from_bytes(stream[off + 3:off + 5], 'big')
            records.append((off, stream[off], length))
            off += 5 + length
        i = pick([(n, t, l) for n, (o, t, l) in enumerate(records)])
        target = records[i][0] + 5 + records[i][2] // 2
        for begin, s in starts:
            if begin <= target < begin + len(s.payload):
                p = bytearray(s.payload)
                p[target - begin] ^= 0x10
                s.payload = bytes(p)
        pcaptool.write_pcap(dst, segs)

    # The last byte of the ServerKeyExchange's signature flipped on the
    # wire: the signature no longer verifies, and tlsview says so.
    segs = pcaptool.read_pcap(os.path.join(samples, 'tls12-ecdhe.pcap'))
    syn = next(s for s in segs if s.flags & 0x02 and not s.flags & 0x10)
    server = sorted((s for s in segs if s.sport == syn.dport and s.payload), key=lambda s: s.seq)
    stream, off, target = b''.join(s.payload for s in server), 0, None
    while off + 5 <= len(stream) and target is None:
        rtype, rlen, m = stream[off], int.from_bytes(stream[off + 3:off + 5], 'big'), off + 5
        while rtype == 22 and m + 4 <= off + 5 + rlen:
            mlen = int.from_bytes(stream[m + 1:m + 4], 'big')
            if stream[m] == 12:
                target = m + 4 + mlen - 1
            m += 4 + mlen
        off += 5 + rlen
    at = 0
    for seg in server:
        if target is not None and at <= target < at + len(seg.payload):
            p = bytearray(seg.payload)
            p[target - at] ^= 0x01
            seg.payload = bytes(p)
        at += len(seg.payload)
    altered = os.path.join(tmp, 'altered-ske.pcap')
    pcaptool.write_pcap(altered, segs)
    sigs = signatures(read(altered))
    check(len(sigs) == 1 and sigs[0][3] is False and 'it is NOT valid' in sigs[0][5],
          'tls12-ecdhe with an altered ServerKeyExchange signature: %s' % sigs)
    notes = [n for c in connections(read(altered)).values() for n in c['notes']]
    check(any('ServerKeyExchange signature does not verify' in n for n in notes),
          'altered ServerKeyExchange: the notes say so: %s' % notes)

    cases = (
        ('tls12-rsa.pcap', ('-k', key), lambda rs: next(n for n, t, l in rs if t == 23)),
        ('ipv6.pcap', ('-l', os.path.join(samples, 'ipv6.keylog')), lambda rs: len(rs) - 2),
    )
    for cap, args, pick in cases:
        altered = os.path.join(tmp, 'altered-' + os.path.splitext(cap)[0] + '.pcap')
        flip_in_record(os.path.join(samples, cap), altered, pick)
        objs = read(altered, *args)
        failed = [o for o in objs if o.get('fields', {}).get('decryption') == 'authentication failed']
        check(len(failed) == 1 and failed[0]['dir'] == 's2c' and failed[0]['type'] == 'app_data'
              and not failed[0].get('decrypted'),
              '%s altered: one server app_data step says authentication failed: %s'
              % (cap, [(o['type'], o['dir']) for o in failed]))
        if failed:
            check('authentication failed' in failed[0].get('narration', ''),
                  '%s altered: the narration says so: %r' % (cap, failed[0].get('narration')))
        check(all(v is True for v in finished_results(objs)) and len(finished_results(objs)) == 2,
              '%s altered: the Finished messages still verify: %s' % (cap, finished_results(objs)))
        check('GET /hello.txt' in app_text(objs), '%s altered: the client\'s request still decrypts' % cap)
        alerts = [o for o in objs if o.get('type') == 'alert' and o['dir'] == 's2c']
        check(alerts and alerts[-1].get('decrypted') and alerts[-1].get('description') == 'close_notify',
              '%s altered: the server\'s close_notify after it still decrypts: %s' % (cap, alerts[-1:]))
        notes = [n for c in connections(objs).values() for n in c['notes']]
        check(any('authentication failed' in n.lower() and 'altered' in n for n in notes),
              '%s altered: a note says a record was altered: %s' % (cap, notes))
finally:
    shutil.rmtree(tmp)

# External captures, with the secrets their makers published.
external = os.path.join(source, '..', 'shared', 'captures', 'external')
expect = {
    'illustrated-tls13/capture.pcap': ('illustrated-tls13/keylog.txt', ['ping', 'pong']),
    'illustrated-tls13-boringssl/capture.pcap': ('illustrated-tls13-boringssl/keylog.txt', ['ping', 'pong']),
    'illustrated-tls12/capture.pcap': ('illustrated-tls12/keylog.txt', ['ping', 'pong']),
    'ssldump-samples/tls1.2_aes256.pcap': ('ssldump-samples/log.txt', ['hello tls12']),
    'ssldump-samples/tls1.3_aes128.pcap': ('ssldump-samples/log.txt', ['hello']),
    'ssldump-samples/tls1.3_aes256gcm.pcap': ('ssldump-samples/log.txt', ['hello']),
    'ssldump-samples/tls1.3_chacha.pcap': ('ssldump-samples/log.txt', ['hello']),
    'ssldump-samples/tls1.3_ccm.pcap': ('ssldump-samples/log.txt', ['heelo']),
    'ssldump-samples/tls1.3_ccm8.pcap': ('ssldump-samples/log.txt', ['hello']),
    'ssldump-samples/tls1.3_keyupdates_aes256.pcap': ('ssldump-samples/log.txt', ['hello']),
    'ssldump-samples/tls1.3_session_resumption.pcap': ('ssldump-samples/log.txt', ['hello']),
    'ssldump-samples/tls1.3_curl_google.pcap': ('ssldump-samples/log.txt', ['PRI * HTTP/2.0']),
}
if os.path.isdir(external):
    for cap, (kl, words) in sorted(expect.items()):
        objs = read(os.path.join(external, cap), '-l', os.path.join(external, kl))
        for c in connections(objs).values():
            check(c['decryption'] == 'decrypted', '%s: %s %s' % (cap, c['decryption'], c['notes']))
        check(all(v is True for v in finished_results(objs)) and finished_results(objs),
              '%s: Finished %s' % (cap, finished_results(objs)))
        text = app_text(objs)
        for w in words:
            check(w in text, '%s: "%s" in the decrypted data (%r)' % (cap, w, text[:200]))

# A pcapng file that carries its own key log (a Decryption Secrets Block)
# decrypts with nothing else given; its twin without the block does not.
embedded = os.path.join(samples, 'tls13-embedded-keys.pcapng')
objs = read(embedded)
check(finished_results(objs) == [True, True], 'embedded secrets: Finished %r' % finished_results(objs))
check([c.get('decryption') for c in connections(objs).values()] == ['decrypted'],
      'embedded secrets: %r' % [c.get('decryption') for c in connections(objs).values()])
check('GET /hello.txt HTTP/1.0' in app_text(objs), 'embedded secrets: no plaintext')
plain = read(os.path.join(samples, 'tls13.pcapng'))
check([c.get('decryption') for c in connections(plain).values()] != ['decrypted'],
      'tls13.pcapng decrypted without secrets')

report('decrypt')
