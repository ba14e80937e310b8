"""Decryption and proof: with the key log every sample decrypts and every
Finished verifies; with the server key alone RSA key exchange decrypts
(resumed sessions too) and forward-secret connections say they need a key
log; a wrong key is named as such.  The external captures decrypt to the
messages their makers published."""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
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

report('decrypt')
