"""The JSON Lines contract of tlsview(1), checked object by object."""

COMMON = {'type': str, 'conn': int, 'ts': (int, float)}
BY_TYPE = {
    'handshake': {'dir': str, 'msg': str, 'msg_type': int, 'length': int, 'encrypted': bool, 'fields': dict},
    'encrypted_handshake': {'dir': str, 'length': int},
    'change_cipher_spec': {'dir': str},
    'alert': {'dir': str},
    'app_data': {'dir': str, 'length': int},
    'connection': {'client': str, 'server': str, 'resumed': bool, 'handshake': str, 'decryption': str,
                   'notes': list},
    'summary': {'packets': int, 'tls_connections': int},
}
HANDSHAKE_STATES = ('complete', 'incomplete', 'failed')
DECRYPTION_STATES = ('decrypted', 'no_secrets', 'needs_key_log', 'key_mismatch', 'failed')


def code_point(v):
    return isinstance(v, dict) and set(v) == {'code', 'name'} and isinstance(v['code'], str) \
        and v['code'].startswith('0x') and isinstance(v['name'], str)


def validate(o):
    """Returns a list of problems with one object."""
    problems = []
    t = o.get('type')
    for k, typ in list(COMMON.items()) + list(BY_TYPE.get(t, {}).items()):
        if k not in o:
            problems.append('%s object without "%s"' % (t, k))
        elif not isinstance(o[k], typ) or (typ is int and isinstance(o[k], bool)):
            problems.append('%s object: "%s" is %r' % (t, k, o[k]))
    if 'dir' in o and o['dir'] not in ('c2s', 's2c'):
        problems.append('%s object: dir %r' % (t, o['dir']))
    if t == 'handshake':
        f = o.get('fields', {})
        if o.get('msg') == 'client_hello' and 'sslv2' not in f:
            for k in ('cipher_suites', 'extensions', 'ja3', 'ja4'):
                if k not in f:
                    problems.append('client_hello without fields.%s' % k)
            if not all(code_point(cs) for cs in f.get('cipher_suites', [])):
                problems.append('client_hello: cipher_suites are not {code, name}')
        if o.get('msg') == 'server_hello':
            for k in ('cipher_suite', 'selected_version'):
                if not code_point(f.get(k)):
                    problems.append('server_hello: fields.%s is %r' % (k, f.get(k)))
        if o.get('msg') == 'certificate' and not isinstance(f.get('certificates'), list):
            problems.append('certificate without fields.certificates')
    if t == 'alert' and not o.get('encrypted') or (t == 'alert' and o.get('decrypted')):
        for k in ('level', 'description'):
            if not isinstance(o.get(k), str):
                problems.append('alert without %s' % k)
    if t == 'connection':
        if o.get('handshake') not in HANDSHAKE_STATES:
            problems.append('connection: handshake %r' % o.get('handshake'))
        if o.get('decryption') not in DECRYPTION_STATES:
            problems.append('connection: decryption %r' % o.get('decryption'))
        if 'cipher_suite' in o and not code_point(o['cipher_suite']):
            problems.append('connection: cipher_suite %r' % o['cipher_suite'])
        for k in ('client', 'server'):
            v = o.get(k, '')
            if ':' not in v or (v.count(':') > 1 and not v.startswith('[')):
                problems.append('connection: %s %r is not ip:port / [ipv6]:port' % (k, v))
    return problems
