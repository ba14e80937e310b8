"""Hostile variants of real captures: every TLS connection must still be
found with the right client and server, the handshake read the same way
when no byte is lost, and nothing may crash."""
import glob
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import pcaptool  # noqa: E402
from common import check, connections, handshake_sequences, json_lines, report  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()


def reading(path, *extra):
    objs, p = json_lines(tlsview, '-r', path, *extra)
    check(p.returncode in (0, 1), '%s: exit %d (%r)' % (path, p.returncode, p.stderr[-300:]))
    check(p.returncode >= 0, '%s: killed by signal %d' % (path, -p.returncode))
    ends = {c: (o['client'], o['server']) for c, o in connections(objs).items()}
    return objs, ends


def same_endpoints(a, b):
    return sorted(a.values()) == sorted(b.values())


def sequences_by_endpoints(objs):
    ends = {c: (o['client'], o['server']) for c, o in connections(objs).items()}
    seq = handshake_sequences(objs)
    return sorted((ends[c], s['c2s'], s['s2c']) for c, s in seq.items() if c in ends)


samples = sorted(glob.glob(os.path.join(source, 'samples', '*.pcap')))
check(len(samples) >= 5, 'at least 5 classic pcap samples (found %d)' % len(samples))
for path in samples:
    name = os.path.basename(path)
    segs = pcaptool.read_pcap(path)
    base_objs, base = reading(path)
    base_seq = sequences_by_endpoints(base_objs)
    check(len(base) > 0, '%s: no TLS connection found in the original' % name)
    variants = {
        'resegmented 1-7': (pcaptool.resegment(segs), pcaptool.DLT_EN10MB, {}),
        'reordered': (pcaptool.reorder(pcaptool.resegment(segs, (20, 200))), pcaptool.DLT_EN10MB, {}),
        'retransmitted': (pcaptool.retransmit(segs), pcaptool.DLT_EN10MB, {}),
        'vlan': (segs, pcaptool.DLT_EN10MB, {'vlan': ((0x88a8, 10), (0x8100, 20))}),
        'sll2': (segs, pcaptool.DLT_LINUX_SLL2, {}),
        'sll': (segs, pcaptool.DLT_LINUX_SLL, {}),
        'null': (segs, pcaptool.DLT_NULL, {}),
        'raw': (segs, pcaptool.DLT_RAW, {}),
    }
    for vname, (vsegs, link, kw) in variants.items():
        out = os.path.join(tmp, '%s-%s.pcap' % (name, vname.replace(' ', '_')))
        pcaptool.write_pcap(out, vsegs, link, **kw)
        objs, ends = reading(out)
        check(same_endpoints(ends, base), '%s %s: connections %s, expected %s' % (name, vname, sorted(ends.values()),
                                                                                sorted(base.values())))
        got = sequences_by_endpoints(objs)
        check(got == base_seq, '%s %s: handshake %s, expected %s' % (name, vname, got, base_seq))
    # Lossy variants: the connections are still found and nothing crashes.
    out = os.path.join(tmp, name + '-mid.pcap')
    pcaptool.write_pcap(out, pcaptool.mid_connection(segs, 3))
    objs, ends = reading(out)
    check(same_endpoints(ends, base), '%s mid-connection: %s, expected %s' % (name, sorted(ends.values()),
                                                                          sorted(base.values())))
    out = os.path.join(tmp, name + '-snap96.pcap')
    pcaptool.write_pcap(out, segs, snaplen=96)
    objs, ends = reading(out)
    summary = [o for o in objs if o.get('type') == 'summary']
    check(summary and summary[0]['truncated_packets'] > 0, '%s snaplen 96: truncation counted' % name)

report('hostile')
