"""Bad input gives one clear line on stderr and the documented exit code:
0 ok, 1 input error, 2 usage error."""
import os
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

# A capture with no TLS at all: the reading is printed, then one line and exit 1.
http = os.path.join(source, 'tests', 'data', 'http.pcap')
if os.path.exists(http):
    p = run(tlsview, '-r', http, '-o', 'json')
    one_line_error(p, 1, ['no TLS'], 'capture without TLS')
    check(b'"summary"' in p.stdout, 'capture without TLS: the summary still comes out')

# Standard input works.
with open(sample, 'rb') as f:
    p = run(tlsview, '-r', '-', '-o', 'json', stdin=f.read())
check(p.returncode == 0, 'stdin: exit %d (%r)' % (p.returncode, p.stderr))
check(b'"type":"connection"' in p.stdout, 'stdin: a connection is found')

# Help and version.
p = run(tlsview, '--help')
check(p.returncode == 0 and b'Usage: tlsview' in p.stdout, '--help')
p = run(tlsview, '-V')
check(p.returncode == 0 and p.stdout.startswith(b'tlsview '), '-V')

report('cli_errors')
