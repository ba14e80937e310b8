"""Live capture on loopback: a real OpenSSL server and client talk while
tlsview listens; the connection must appear in its JSON output.  Skips
(exit 77) where this machine cannot capture."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import check, report, skip  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
if not shutil.which('openssl'):
    skip('openssl is not installed')
keys = os.path.join(source, 'samples', 'keys')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


port = free_port()
out = tempfile.TemporaryFile()
err = tempfile.TemporaryFile()
viewer = subprocess.Popen([tlsview, '-i', 'lo', '-o', 'json', '-c', '1', 'tcp port %d' % port],
                          stdout=out, stderr=err)
time.sleep(1.0)
if viewer.poll() is not None:
    err.seek(0)
    msg = err.read().decode('utf-8', 'replace').strip()
    if 'permission' in msg.lower() or 'CAP_NET_RAW' in msg or 'root' in msg:
        skip('cannot capture here: ' + msg)
    check(False, 'tlsview -i lo exited early: %s' % msg)
    report('live')

server = subprocess.Popen(['openssl', 's_server', '-accept', str(port), '-4', '-naccept', '1', '-www',
                           '-cert', os.path.join(keys, 'server.crt'), '-key', os.path.join(keys, 'server.key')],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
# Wait until the server listens, without connecting to it (it takes one).
for _ in range(100):
    ss = subprocess.run(['ss', '-ltnH', 'sport = :%d' % port], capture_output=True, text=True)
    if ss.stdout.strip():
        break
    time.sleep(0.05)
client = subprocess.run(['openssl', 's_client', '-connect', '127.0.0.1:%d' % port, '-servername', 'live.test',
                         '-quiet'], input=b'GET / HTTP/1.0\r\n\r\n', capture_output=True, timeout=20)
try:
    viewer.wait(timeout=15)
except subprocess.TimeoutExpired:
    viewer.terminate()
    viewer.wait(timeout=5)
server.kill()
out.seek(0)
objs = [json.loads(line) for line in out.read().decode().splitlines() if line.strip()]
conns = [o for o in objs if o.get('type') == 'connection']
check(len(conns) == 1, 'one TLS connection seen live, got %d: %s' % (len(conns), objs[-3:]))
if conns:
    c = conns[0]
    check(c['server'] == '127.0.0.1:%d' % port, 'server is 127.0.0.1:%d, got %s' % (port, c['server']))
    check(c['client'].startswith('127.0.0.1:'), 'client on loopback: %s' % c['client'])
    check(c.get('sni') == 'live.test', 'SNI live.test: %s' % c.get('sni'))
    check(c.get('handshake') == 'complete', 'handshake complete: %s' % c.get('handshake'))
check(any(o.get('type') == 'handshake' and o.get('msg') == 'client_hello' for o in objs), 'a client_hello was decoded')

# Started as root, tlsview gives root up once the interface is open; SIGINT
# ends it cleanly with the summary.
import signal  # noqa: E402
viewer = subprocess.Popen([tlsview, '-i', 'lo', '-o', 'json', 'tcp port %d' % free_port()],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.0)
if os.geteuid() == 0 and viewer.poll() is None:
    with open('/proc/%d/status' % viewer.pid) as f:
        uid = [line.split()[1] for line in f if line.startswith('Uid:')][0]
    check(uid != '0', 'live capture started as root runs unprivileged (uid %s)' % uid)
viewer.send_signal(signal.SIGINT)
out, err = viewer.communicate(timeout=10)
check(viewer.returncode == 0, 'SIGINT: exit %d (%r)' % (viewer.returncode, err))
check(b'"type":"summary"' in out and b'"kernel_dropped"' in out, 'SIGINT: the summary with kernel drops comes out')
report('live')
