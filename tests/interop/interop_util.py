"""Shared helpers for the Nimbus interop suite (imported by conftest.py and the test modules)."""

import contextlib
import email.utils
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
import zipfile

import fc2
import pytest
import requests
from fc2.auth import Auth

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nimbus_serve import NimbusServe  # noqa: E402  (tests/, shared with the benchmarks)

API = '/2016-08-15'
ACCOUNT_ID = '1234567890'
REGION = 'local'
ACCESS_KEY_ID = 'AKIDINTEROP'
ACCESS_KEY_SECRET = 'interop-secret-key'
SECURITY_TOKEN = 'interop-token'
ROLE = 'acs:ram::1234567890:role/fc-interop'

HANDLER_SRC = 'def handler(event, context):\n    return event\n'


def unique(prefix='svc'):
    """A resource name that is valid for FC (starts with a letter or '_') and unique per call."""
    return '{0}_{1}'.format(prefix, uuid.uuid4().hex[:8])


def service_arn(service):
    return 'acs:fc:{0}:{1}:services/{2}'.format(REGION, ACCOUNT_ID, service)


# --------------------------------------------------------------------------- CRC-64/XZ
_CRC64_POLY_REFLECTED = 0xC96C5795D7870F42  # 0x42F0E1EBA9EA3693 bit-reversed (ECMA-182)
_MASK64 = 0xFFFFFFFFFFFFFFFF


def _crc64_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ _CRC64_POLY_REFLECTED if c & 1 else c >> 1
        table.append(c)
    return table


_CRC64_TABLE = _crc64_table()


def crc64(data):
    """CRC-64/XZ (reflected ECMA-182, init and xorout all ones), as FC/OSS report codeChecksum."""
    crc = _MASK64
    for byte in data:
        crc = _CRC64_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ _MASK64


assert crc64(b'123456789') == 11051210869376104954, 'crc64 helper is broken'


# --------------------------------------------------------------------------- zips
def write_zip(path, files, compression=zipfile.ZIP_DEFLATED):
    """Write {entry name: str|bytes} to a zip at `path`. Names are stored verbatim (no sanitising),
    so '../x' or '/abs/x' end up in the archive exactly as given."""
    with zipfile.ZipFile(str(path), 'w', compression) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2023, 1, 2, 15, 4, 5))
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            zf.writestr(info, content)
    return str(path)


def bootstrap_zip(path, program):
    """A custom-runtime code package: `program` as an executable `bootstrap`; returns the path as a string."""
    with zipfile.ZipFile(str(path), 'w') as zf:
        info = zipfile.ZipInfo('bootstrap')
        info.external_attr = 0o755 << 16
        zf.writestr(info, program)
    return str(path)


def write_zero_bomb(path, uncompressed_bytes, chunk=1 << 20):
    """Stream `uncompressed_bytes` zeros into a single deflated entry without holding them in memory."""
    zeros = bytes(chunk)
    with zipfile.ZipFile(str(path), 'w', zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo('zeros.bin', date_time=(2023, 1, 2, 15, 4, 5))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, 'w') as entry:
            remaining = uncompressed_bytes
            while remaining > 0:
                n = min(chunk, remaining)
                entry.write(zeros if n == chunk else bytes(n))
                remaining -= n
    return str(path)


# --------------------------------------------------------------------------- raw signed HTTP
def signed_headers(method, path, key_id=ACCESS_KEY_ID, secret=ACCESS_KEY_SECRET, date=None,
                   content_type='application/json', token=None, extra=None):
    """Headers for a raw request signed exactly like the SDK does (spec section 2).
    `path` is the unescaped path without query; `date` may be a unix timestamp to skew the clock."""
    headers = {
        'date': email.utils.formatdate(time.time() if date is None else date, usegmt=True),
        'content-type': content_type,
    }
    if token:
        headers['x-fc-security-token'] = token
    if extra:
        headers.update(extra)
    headers['authorization'] = Auth(key_id, secret).sign_request(method, path, headers)
    return headers


def raw_request(endpoint, method, path, body=None, timeout=60, **sign_kwargs):
    """`path` may carry a query string: management requests sign the path alone (spec section 2)."""
    headers = signed_headers(method, path.split('?')[0], **sign_kwargs)
    return requests.request(method, endpoint + path, headers=headers, data=body, timeout=timeout)


# --------------------------------------------------------------------------- error assertions
def check_fc_error(err, status, code=None):
    """Assert an fc2.FcError looks like a real FC error: status, ErrorCode, message, request id."""
    assert isinstance(err, fc2.FcError), repr(err)
    assert err.status_code == status, 'expected HTTP {0}, got {1}: {2}'.format(status, err.status_code, err.message)
    if code is not None:
        assert err.err_code == code, 'expected ErrorCode {0}, got {1!r}: {2}'.format(code, err.err_code, err.message)
    assert err.err_code, 'empty ErrorCode: {0}'.format(err.message)
    body = json.loads(err.message)
    assert body.get('ErrorMessage'), 'empty ErrorMessage: {0}'.format(err.message)
    # the SDK fills request_id from the X-Fc-Request-Id header ('unknown' when absent)
    assert err.request_id and err.request_id != 'unknown', 'no X-Fc-Request-Id on error response'


@contextlib.contextmanager
def raises_fc(status, code=None):
    """`with raises_fc(404, 'ServiceNotFound'): client.get_service(...)`"""
    with pytest.raises(fc2.FcError) as info:
        yield info
    check_fc_error(info.value, status, code)


def check_error_response(resp, status=None, code=None):
    """Assert a raw requests.Response is a well-formed FC error (JSON body + request id header)."""
    if status is not None:
        assert resp.status_code == status, 'expected HTTP {0}, got {1}: {2!r}'.format(
            status, resp.status_code, resp.text[:500])
    assert 400 <= resp.status_code < 600, resp.status_code
    assert resp.headers.get('x-fc-request-id'), 'missing X-Fc-Request-Id: {0}'.format(dict(resp.headers))
    assert resp.headers.get('content-type', '').startswith('application/json'), resp.headers.get('content-type')
    body = resp.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get('ErrorCode'), str) and body['ErrorCode'], body
    assert isinstance(body.get('ErrorMessage'), str) and body['ErrorMessage'], body
    if code is not None:
        assert body['ErrorCode'] == code, body
    return body


def dir_size(path, max_entries=200000):
    """Total bytes of regular files under `path` (bounded walk)."""
    total, seen = 0, 0
    for root, _dirs, files in os.walk(str(path)):
        for name in files:
            seen += 1
            assert seen <= max_entries, 'too many files under {0}'.format(path)
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


def find_named(path, filename, max_entries=200000):
    """Paths of files/dirs called `filename` under `path` (bounded walk)."""
    hits, seen = [], 0
    for root, dirs, files in os.walk(str(path)):
        for name in dirs + files:
            seen += 1
            assert seen <= max_entries, 'too many entries under {0}'.format(path)
            if name == filename:
                hits.append(os.path.join(root, name))
    return hits


# --------------------------------------------------------------------------- extra servers
def start_server(data_dir, binary=None, **env):
    """Starts another `nimbus serve` on a free loopback port with keys AK/SK and the given NIMBUS_*
    settings; returns (process, endpoint) once /health answers. The caller stops it."""
    env = dict({'NIMBUS_ACCESS_KEY_ID': 'AK', 'NIMBUS_ACCESS_KEY_SECRET': 'SK'}, **env)
    server = NimbusServe(binary or os.environ['NIMBUS_BIN'], data_dir, env=env).start()
    return server.proc, server.endpoint



def logged_lines(endpoint, service, function, request_ids, timeout=10):
    """(requestId, message) pairs of the function's log, once every call's End line is in (or at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        texts = {(line.get('requestId'), line['message']) for line in function_logs(endpoint, service, function)}
        if all((rid, 'FC Invoke End RequestId: ' + rid) in texts for rid in request_ids) or time.monotonic() > deadline:
            return texts
        time.sleep(0.2)


def recorded_calls(endpoint, service, function, request_ids, trigger, timeout=10):
    """Request ids with a successful invocation record for `trigger`, once all are in (or at the timeout)."""
    path = '/2016-08-15/services/{0}/functions/{1}/invocation-records?limit=100'.format(service, function)
    deadline = time.monotonic() + timeout
    while True:
        records = raw_request(endpoint, 'GET', path).json()['invocations']
        recorded = {r['requestId'] for r in records if r['trigger'] == trigger and r['outcome'] == 'success'}
        if set(request_ids) <= recorded or time.monotonic() > deadline:
            return recorded
        time.sleep(0.3)

def split_alias(client, service, function, alias='live', weight=0.5):
    """Versions 1 and 2 of the service (2 with SIDE=two in the function's environment), and an alias
    sending `weight` of its calls to version 2."""
    client.publish_version(service)
    client.update_function(service, function, environmentVariables={'SIDE': 'two'})
    client.publish_version(service)
    client.create_alias(service, alias, '1', additionalVersionWeight={'2': weight})

def lane_calls(endpoint):
    """`nimbus_warm_lane_calls_total` from /metrics: calls the warm lane answered."""
    text = requests.get(endpoint + '/metrics', timeout=10).text
    match = re.search(r'^nimbus_warm_lane_calls_total (\d+)', text, re.M)
    return int(match.group(1)) if match else 0

# --------------------------------------------------------------------------- async invocations
def invocation_path(service, function, invocation_id=None):
    path = '{0}/services/{1}/functions/{2}/stateful-async-invocations'.format(API, service, function)
    return path + ('/' + invocation_id if invocation_id else '')


def wait_for_invocation(endpoint, service, function, invocation_id, statuses=('Succeeded', 'Failed', 'Expired',
                                                                              'Stopped'), timeout=30, **sign):
    """Polls the stateful-invocation API until the event reaches one of `statuses`; returns its JSON."""
    deadline = time.monotonic() + timeout
    while True:
        resp = raw_request(endpoint, 'GET', invocation_path(service, function, invocation_id), **sign)
        if resp.status_code == 200 and resp.json()['status'] in statuses:
            return resp.json()
        assert time.monotonic() < deadline, 'invocation {0} still {1} after {2} s'.format(
            invocation_id, resp.json().get('status') if resp.status_code == 200 else resp.text, timeout)
        time.sleep(0.05)


def function_logs(endpoint, service, function, **sign):
    path = '{0}/services/{1}/functions/{2}/logs?limit=10000'.format(API, service, function)
    resp = raw_request(endpoint, 'GET', path, timeout=30, **sign)
    assert resp.status_code == 200, resp.text
    return resp.json()['logs']


class OutsideNetwork(object):
    """A network namespace of the test's own behind a veth pair: the only "outside" this machine has.
    Instances live in namespaces of their own and no longer see the host's loopback; they reach
    `peer_ip` (a server in the namespace) and `host_ip` (the host's end, as a LAN address of the host
    would be) through their way out, as they would reach the internet."""

    def __init__(self):
        if os.geteuid() != 0 or not shutil.which('ip'):
            raise RuntimeError('an outside network needs root and iproute2 (scripts/install-deps.sh installs it)')
        tag = uuid.uuid4().hex[:6]
        self.namespace, self.host_if, peer_if = 'nbt-' + tag, 'nbh' + tag, 'nbo' + tag
        octet = int(tag[:2], 16) % 200 + 20
        self.host_ip, self.peer_ip = '10.213.%d.1' % octet, '10.213.%d.2' % octet
        commands = [
            ['ip', 'netns', 'add', self.namespace],
            ['ip', 'link', 'add', self.host_if, 'type', 'veth', 'peer', 'name', peer_if],
            ['ip', 'link', 'set', peer_if, 'netns', self.namespace],
            ['ip', 'addr', 'add', self.host_ip + '/30', 'dev', self.host_if],
            ['ip', 'link', 'set', self.host_if, 'up'],
            ['ip', '-n', self.namespace, 'addr', 'add', self.peer_ip + '/30', 'dev', peer_if],
            ['ip', '-n', self.namespace, 'link', 'set', peer_if, 'up'],
            ['ip', '-n', self.namespace, 'link', 'set', 'lo', 'up'],
        ]
        try:
            for command in commands:
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.CalledProcessError:
            self.close()
            raise

    def popen(self, command):
        return subprocess.Popen(['ip', 'netns', 'exec', self.namespace] + command)

    def close(self):
        subprocess.run(['ip', 'link', 'del', self.host_if], stderr=subprocess.DEVNULL)
        subprocess.run(['ip', 'netns', 'del', self.namespace], stderr=subprocess.DEVNULL)
