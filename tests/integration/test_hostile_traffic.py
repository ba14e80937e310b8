"""Hostile traffic, one case each: sequence numbers wrapping, conflicting
retransmissions, lost segments, a reset mid-handshake, a capture file cut
mid-packet, IP fragments, records lying about their length, empty
records, thousands of tiny records.  Nothing may crash, what parsed is
still printed, and every oddity is reported."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import pcaptool  # noqa: E402
from common import check, connections, handshake_sequences, json_lines, report  # noqa: E402

tlsview, source = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp()
sample = os.path.join(source, 'samples', 'tls12-rsa.pcap')
key = os.path.join(source, 'samples', 'keys', 'server.key')
segs = pcaptool.read_pcap(sample)


def write(name, s, **kw):
    path = os.path.join(tmp, name + '.pcap')
    pcaptool.write_pcap(path, s, **kw)
    return path


def read(path, *args, code=0):
    objs, p = json_lines(tlsview, '-r', path, *args)
    check(p.returncode == code, '%s: exit %d, expected %d (%r)' % (os.path.basename(path), p.returncode, code,
                                                                   p.stderr[-300:]))
    return objs, p


def summary(objs):
    s = [o for o in objs if o.get('type') == 'summary']
    check(len(s) == 1, 'one summary object')
    return s[0] if s else {}


base_objs, _ = read(sample, '-k', key)
base_seq = list(handshake_sequences(base_objs).values())

# Sequence numbers that wrap around 2^32 right after the handshake starts.
objs, _ = read(write('wrap', pcaptool.shift_sequences(segs)), '-k', key)
check(list(handshake_sequences(objs).values()) == base_seq, 'wrap-around: same handshake')
check([c['decryption'] for c in connections(objs).values()] == ['decrypted'], 'wrap-around: still decrypts')

# A retransmission with other bytes: the first copy wins, the conflict is counted.
objs, _ = read(write('conflict', pcaptool.conflicting(segs)), '-k', key)
check(list(handshake_sequences(objs).values()) == base_seq, 'conflicting retransmission: first copy wins')
check(summary(objs).get('conflicting_retransmissions', 0) >= 1, 'conflicting retransmission counted')
check([c['decryption'] for c in connections(objs).values()] == ['decrypted'], 'conflict: still decrypts')

# A lost server segment: a located gap, then the stream picks up again.
objs, _ = read(write('lost', pcaptool.drop_segment(segs, 2)), '-k', key)
gaps = [o for o in objs if o.get('type') == 'gap']
check(len(gaps) >= 1 and gaps[0]['fields']['missing_bytes'] > 0, 'lost segment: a gap with its size: %s' % gaps)
check(len(connections(objs)) == 1, 'lost segment: the connection is still found')
after = [o for o in objs if o.get('type') in ('app_data', 'alert') and o['dir'] == 's2c']
check(len(after) >= 1, 'lost segment: the server records after the gap are read again')

# A reset in the middle of the handshake.
objs, _ = read(write('rst', pcaptool.reset_after(segs, 6)))
c = list(connections(objs).values())
check(len(c) == 1 and c[0]['handshake'] == 'incomplete', 'reset mid-handshake: incomplete (%s)' % c)
check(c and any('reset' in n for n in c[0]['notes']), 'reset mid-handshake: said in the notes')

# A capture file cut in the middle of a packet: what parsed comes out, one line says the rest.
whole = open(sample, 'rb').read()
cut = os.path.join(tmp, 'cut.pcap')
with open(cut, 'wb') as f:
    f.write(whole[:len(whole) * 2 // 3])
objs, p = read(cut, code=1)
err = p.stderr.decode()
check(len(err.strip().splitlines()) == 1 and ('cut short' in err or 'middle' in err), 'cut file: one line: %r' % err)
check(len(connections(objs)) == 1 and summary(objs), 'cut file: the connection and summary still come out')

# IPv4 fragments: counted and reported, never decoded as if whole.
frag = os.path.join(tmp, 'frag.pcap')
pcaptool.write_fragmented_pcap(frag, segs, 2)
objs, _ = read(frag)
check(summary(objs).get('ip_fragments', 0) == 2, 'fragments counted: %s' % summary(objs))
check(len(connections(objs)) == 1, 'fragments: the connection is still found')

# Records that lie about their length.
ch = [s.payload for s in segs if s.payload][0]
hello_record = ch  # a real ClientHello record from the sample
objs, _ = read(write('short', pcaptool.synthetic_flow([hello_record, b'\x17\x03\x03\x01\x2c' + b'x' * 10], [])))
c = list(connections(objs).values())
check(len(c) == 1 and any('incomplete' in n for n in c[0]['notes']), 'record longer than the stream: noted (%s)'
      % (c[0]['notes'] if c else None))
objs, _ = read(write('huge', pcaptool.synthetic_flow([hello_record, b'\x17\x03\x03\x4f\xff' + b'x' * 40,
                                                       b'\x15\x03\x03\x00\x02\x02\x28'], [])))
bad = [o for o in objs if o.get('type') == 'malformed']
check(len(bad) == 1 and bad[0].get('malformed'), 'record over 2^14+2048: one malformed step')
check(any(o.get('type') == 'alert' for o in objs), 'after a lying record the next record is found again')

# Empty records, and a ClientHello in thousands of one-byte records.
body = hello_record[5:]
tiny = b''.join(b'\x16\x03\x01\x00\x01' + bytes([b]) for b in body)
empty = b'\x16\x03\x01\x00\x00' * 3 + b'\x17\x03\x03\x00\x00'
objs, _ = read(write('tiny', pcaptool.synthetic_flow([empty + tiny], [])), '--records')
hellos = [o for o in objs if o.get('type') == 'handshake' and o.get('msg') == 'client_hello']
check(len(hellos) == 1 and hellos[0]['fields'].get('sni') == 'tlsview.test',
      'a ClientHello in %d one-byte records is read once' % len(body))
records = [o for o in objs if o.get('type') == 'record']
check(len(records) == len(body) + 4, 'every tiny and empty record is seen: %d' % len(records))

report('hostile_traffic')
