"""tshark as a second opinion: for every TLS connection of every sample
(and of the external captures when they are beside the project), the
handshake message types each side sent, the chosen cipher suite and the
SNI agree with tshark's reading.  Skips (77) without tshark."""
import collections
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, connections, handshake_sequences, json_lines, report, skip  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
if not shutil.which('tshark'):
    skip('tshark is not installed')


def tshark_view(path):
    """{(client, server): {'c2s': [...], 's2c': [...], 'suite': n, 'sni': s}} as tshark reads it."""
    # Let tshark try TLS on every TCP port that carried a handshake-looking record.
    ports = subprocess.run(['tshark', '-r', path, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport',
                            '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0'],
                           capture_output=True, text=True).stdout.split()
    args = ['tshark', '-r', path, '-o', 'tcp.reassemble_out_of_order:TRUE']
    for port in sorted(set(ports[1::2])):
        args += ['-d', 'tcp.port==%s,tls' % port]
    args += ['-Y', 'tls.handshake', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E',
             'separator=|', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'ipv6.dst',
             '-e', 'tcp.dstport', '-e', 'tls.handshake.type', '-e', 'tls.handshake.ciphersuite', '-e',
             'tls.handshake.extensions_server_name']
    out = subprocess.run(args, capture_output=True, text=True).stdout
    view = collections.defaultdict(lambda: {'c2s': [], 's2c': [], 'suite': None, 'sni': None})
    clients = {}
    for line in out.splitlines():
        f = line.split('|')
        src = '[%s]:%s' % (f[1], f[2]) if f[1] else '%s:%s' % (f[0], f[2])
        dst = '[%s]:%s' % (f[4], f[5]) if f[4] else '%s:%s' % (f[3], f[5])
        types = [int(t) for t in f[6].split(',') if t]
        key = frozenset((src, dst))
        if key not in clients:
            clients[key] = src if 1 in types else dst
        client = clients[key]
        server = dst if client == src else src
        v = view[(client, server)]
        v['c2s' if src == client else 's2c'] += types
        if 2 in types and f[7]:
            v['suite'] = int(f[7].split(',')[-1], 0)
        if 1 in types and f[8] and not v['sni']:
            v['sni'] = f[8].split(',')[0]
    return view


def tlsview_view(path):
    objs, p = json_lines(tlsview, '-r', path)
    check(p.returncode == 0, '%s: exit %d (%r)' % (path, p.returncode, p.stderr[-300:]))
    seq = handshake_sequences(objs)
    view = {}
    for n, c in connections(objs).items():
        s = seq.get(n, {'c2s': [], 's2c': []})
        suite = int(c['cipher_suite']['code'], 16) if 'cipher_suite' in c else None
        view[(c['client'], c['server'])] = {'c2s': s['c2s'], 's2c': s['s2c'], 'suite': suite, 'sni': c.get('sni')}
    return view


captures = sorted(glob.glob(os.path.join(source, 'samples', '*.pcap*')))
captures += sorted(glob.glob(os.path.join(source, '..', 'shared', 'captures', 'external', '*', '*.pcap')))
for path in captures:
    name = os.path.relpath(path, source)
    want, got = tshark_view(path), tlsview_view(path)
    # Resumed TLS 1.3 connections let tshark read what needs keys; compare
    # only what both read in the clear.
    for conn in sorted(set(want) | set(got)):
        w, g = want.get(conn), got.get(conn)
        if not check(w is not None and g is not None, '%s %s: tshark %s, tlsview %s' % (name, conn, w, g)):
            continue
        for k in ('c2s', 's2c', 'suite', 'sni'):
            check(w[k] == g[k], '%s %s %s: tshark %r, tlsview %r' % (name, conn, k, w[k], g[k]))

report('tshark')
