"""Bad input gives one clear line on stderr and the documented exit code:
0 ok, 1 input error, 2 usage error."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from common import check, report, run  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
sample = os.path.join(source, 'samples', 'tls12-rsa.pcap')
tmp = tempfile.mkdtemp()


def one_line_error(p, code, words, what):
    err = p.stderr.decode('utf-8', 'replace')
    lines = [l for l in err.splitlines() if l.strip()]
    check(p.returncode == code, '%s: exit %d, expected %d (stderr %r)' % (what, p.returncode, code, err))
    check(len(lines) == 1, '%s: %d lines on stderr, expected one: %r' % (what, len(lines), err))
    for w in words:
        check(w.lower() in err.lower(), '%s: stderr %r does not mention %r' % (what, err, w))


# Usage errors: exit 2.
one_line_error(run(tlsview, '--no-such-option'), 2, ['unknown option'], 'unknown long option')
one_line_error(run(tlsview, '-Q'), 2, ['unknown option', '-Q'], 'unknown short option')
one_line_error(run(tlsview, '-r'), 2, ['needs a value'], 'missing value')
one_line_error(run(tlsview, '-r', sample, '-o', 'xml'), 2, ['xml', 'tui, text or json'], 'bad output mode')
one_line_error(run(tlsview, '-r', sample, '-c', 'ten'), 2, ['-c', 'ten'], 'bad count')
one_line_error(run(tlsview, '-r', sample, '-p', '70000'), 2, ['70000', 'port'], 'bad port')
one_line_error(run(tlsview, '-r', sample, '--threads', '0'), 2, ['--threads', '"0"'], 'no threads')
one_line_error(run(tlsview, '-r', sample, '--threads', '65'), 2, ['--threads', '65', '1 to 64'], 'too many threads')
one_line_error(run(tlsview), 2, ['-r', '-i'], 'nothing to read')
one_line_error(run(tlsview, '-r', sample, '-i', 'lo'), 2, ['not both'], 'both -r and -i')

# Input errors: exit 1.
missing = os.path.join(tmp, 'missing.pcap')
one_line_error(run(tlsview, '-r', missing), 1, ['missing.pcap'], 'missing capture')
notcap = os.path.join(tmp, 'notes.txt')
with open(notcap, 'w') as f:
    f.write('these are not packets\n' * 10)
one_line_error(run(tlsview, '-r', notcap), 1, ['notes.txt', 'capture'], 'not a capture')
one_line_error(run(tlsview, '-r', notcap + 'x', '-o', 'json'), 1, ['notes.txtx'], 'missing capture, json')
one_line_error(run(tlsview, '-r', sample, 'tcp port nonsense'), 1, ['filter'], 'invalid filter')
one_line_error(run(tlsview, '-i', 'nosuchif0', '-o', 'json'), 1, ['nosuchif0'], 'unknown interface')
one_line_error(run(tlsview, '-r', sample, '-k', missing), 1, ['missing.pcap'], 'missing key file')
one_line_error(run(tlsview, '-r', sample, '-l', missing), 1, ['missing.pcap'], 'missing key log')
unreadable = os.path.join(tmp, 'locked.pcap')
with open(sample, 'rb') as src, open(unreadable, 'wb') as dst:
    dst.write(src.read())
os.chmod(unreadable, 0)
if os.geteuid() != 0:
    one_line_error(run(tlsview, '-r', unreadable), 1, ['locked.pcap'], 'unreadable capture')

# Keys that cannot be used.
keys = os.path.join(source, 'samples', 'keys')
one_line_error(run(tlsview, '-r', sample, '-k', os.path.join(keys, 'ca.crt')), 1, ['ca.crt', 'not a private key'],
               'a certificate given as a key')
one_line_error(run(tlsview, '-r', sample, '-k', notcap), 1, ['notes.txt', 'private key'], 'a text file as a key')
one_line_error(run(tlsview, '-r', sample, '-k', os.path.join(keys, 'server-encrypted.key')), 1,
               ['password', '--key-password', 'TLSVIEW_KEY_PASSWORD'], 'encrypted key without a password')
one_line_error(run(tlsview, '-r', sample, '-k', os.path.join(keys, 'server-costly.key'), '--key-password', 'tlsview'),
               1, ['server-costly.key', 'PBKDF2 iterations', 'openssl'], 'a key too costly to decrypt')
one_line_error(run(tlsview, '-r', sample, '-k', os.path.join(keys, 'server-encrypted.key'), '--key-password', 'nope'),
               1, ['password is wrong'], 'encrypted key with the wrong password')
p = run(tlsview, '-r', sample, '-o', 'json', '-k', os.path.join(keys, 'server-encrypted.key'),
        env={'TLSVIEW_KEY_PASSWORD': 'tlsview'})
check(p.returncode == 0 and b'"decryption":"decrypted"' in p.stdout, 'TLSVIEW_KEY_PASSWORD opens the key')
# A key log with garbage lines: each reported with its line number, the rest used.
garbage = os.path.join(tmp, 'garbage.keylog')
with open(garbage, 'w') as f:
    f.write('# a comment\r\nthis is not a key log line\nCLIENT_RANDOM zz 11\n')
    f.write(open(os.path.join(source, 'samples', 'tls12-rsa.keylog')).read())
p = run(tlsview, '-r', sample, '-o', 'json', '-l', garbage)
err = p.stderr.decode()
check(p.returncode == 0, 'key log with garbage lines: exit %d' % p.returncode)
check('garbage.keylog:2:' in err and 'garbage.keylog:3:' in err and len(err.splitlines()) == 2,
      'key log garbage: lines 2 and 3 named, one line each: %r' % err)
check(b'"decryption":"decrypted"' in p.stdout, 'key log garbage: the good lines still decrypt')
# SSLKEYLOGFILE stands in for -l, and tlsview says so.
p = run(tlsview, '-r', sample, '-o', 'json', env={'SSLKEYLOGFILE': os.path.join(source, 'samples', 'tls12-rsa.keylog')})
check(p.returncode == 0 and b'"decryption":"decrypted"' in p.stdout, 'SSLKEYLOGFILE is used')
check(b'SSLKEYLOGFILE' in p.stderr and len(p.stderr.splitlines()) == 1, 'SSLKEYLOGFILE: said on stderr once')
# No permission to capture: an unprivileged user is told how to get it.
if os.geteuid() == 0 and os.path.exists('/usr/bin/setpriv'):
    import subprocess
    p = subprocess.run(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', tlsview, '-i', 'lo'],
                       capture_output=True, timeout=30)
    one_line_error(p, 1, ['permission', 'root', 'cap_net_raw'], 'live capture without permission')

# A capture with no TLS at all: the reading is printed, then one line and exit 1.
import pcaptool  # noqa: E402
http = os.path.join(tmp, 'http.pcap')
pcaptool.write_pcap(http, pcaptool.synthetic_flow([b'GET / HTTP/1.1\r\nHost: example\r\n\r\n'],
                                                  [b'HTTP/1.1 200 OK\r\n\r\n'], port=80))
p = run(tlsview, '-r', http, '-o', 'json')
one_line_error(p, 1, ['no TLS'], 'capture without TLS')
check(b'"summary"' in p.stdout, 'capture without TLS: the summary still comes out')

# Standard input works.
with open(sample, 'rb') as f:
    p = run(tlsview, '-r', '-', '-o', 'json', stdin=f.read())
check(p.returncode == 0, 'stdin: exit %d (%r)' % (p.returncode, p.stderr))
check(b'"type":"connection"' in p.stdout, 'stdin: a connection is found')

# -c N stops after N TLS connections.
p = run(tlsview, '-r', os.path.join(source, 'samples', 'multi.pcap'), '-o', 'json', '-c', '2')
check(p.returncode == 0 and p.stdout.count(b'"type":"connection"') == 2, '-c 2: two connections')
# -p PORT: a capture that starts mid-connection on an unusual port is still TLS.
import pcaptool  # noqa: E402,F811
segs = pcaptool.read_pcap(sample)
mid = os.path.join(tmp, 'mid.pcap')
pcaptool.write_pcap(mid, [s for s in segs if s.payload][4:])
server_port = str(segs[0].dport)
p = run(tlsview, '-r', mid, '-o', 'json', '-p', server_port)
check(p.returncode == 0 and b'"type":"connection"' in p.stdout, '-p: mid-connection capture on port %s' % server_port)
check(('"server":"127.0.0.1:%s"' % server_port).encode() in p.stdout, '-p: the server is the -p port')

# Output that cannot be written (a full disk): one line, exit 1, on one
# thread and on several (where the writer thread writes).
if os.path.exists('/dev/full'):
    for threads in ('1', '2'):
        for fmt in ('json', 'text'):
            with open('/dev/full', 'wb') as full:
                p = subprocess.run([tlsview, '--threads', threads, '-r', sample, '-o', fmt], stdout=full,
                                   stderr=subprocess.PIPE, timeout=120)
            one_line_error(p, 1, ['cannot write', 'output'], 'full disk, %s, %s threads' % (fmt, threads))

# Help and version.
p = run(tlsview, '--help')
check(p.returncode == 0 and b'Usage: tlsview' in p.stdout, '--help')
wide = [l for l in p.stdout.decode('utf-8').splitlines() if len(l) > 80]
check(not wide, '--help lines over 80 columns: %r' % wide)
p = run(tlsview, '-V')
check(p.returncode == 0 and p.stdout.startswith(b'tlsview '), '-V')

report('cli_errors')
