"""Issue #16, "No request can take Nimbus down": a live fuzz of every route of a real `nimbus serve`.

A few thousand requests, most of them correctly signed so that they get past the signature check: each
operation's valid body with fields swapped for extreme numbers, wrong types or deep nesting; truncated
and binary bodies; odd path segments, queries and headers; absurd `Date` headers; malformed HTTP on raw
sockets. After every request: no 5xx, no dropped connection, no hang, every 4xx an FC error body, and
the server still running. After the run, a function deployed before it still echoes its event.

The fuzz runs its own server, so that a crash cannot take the rest of the suite with it.
Replay a run with NIMBUS_FUZZ_SEED=<the seed it prints>; NIMBUS_FUZZ_REQUESTS (default 3000) and
NIMBUS_FUZZ_SECONDS (default 60) bound it.
"""

import base64
import copy
import dataclasses
import email.utils
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
from fc2.auth import Auth
from requests.structures import CaseInsensitiveDict

from interop_util import ACCOUNT_ID, API, HANDLER_SRC, REGION, ROLE, check_error_response, unique, write_zip
from nimbus_serve import NimbusServe

KEY_ID, SECRET = 'AK', 'SK'
REQUEST_TIMEOUT_S = 10
BATCH = 100
REPO_ROOT = Path(__file__).resolve().parents[2]

WSGI_SRC = '''
def handler(environ, start_response):
    try:
        size = len(environ['wsgi.input'].read())
        path = environ.get('PATH_INFO', '').encode('utf-8', 'replace')
    except Exception as error:
        size, path = -1, repr(error).encode()
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'%d %s' % (size, path)]
'''


# --------------------------------------------------------------------------- junk
class Raw(str):
    """JSON text inserted verbatim: literals Python's json module cannot write (1e999, deep nesting)."""


def deep(opening, closing, depth, inner='0'):
    return Raw(opening * depth + inner + closing * depth)


EXTREME_NUMBERS = [
    2 ** 63, -2 ** 63 - 1, 2 ** 64, 2 ** 63 - 1, -2 ** 63, 1e308, -1e308, 1e-320, 0, -1, 9007199254740993, 1.5,
    -0.0, 2 ** 31, 2 ** 32, -2 ** 31 - 1, 65536, 86401, 1e15, 1e16, 9.3e18, float('inf'), float('nan'),
    Raw('1e999'), Raw('-1e999'), Raw('1' * 400), Raw('0.' + '0' * 400 + '1'), Raw('-0'), Raw('1E+308'),
]
WRONG_TYPES = [
    '', 'x', ' ', '9223372036854775808', '1e308', '-1', '\u0000', '\ud800', 'é☃💩', 'a' * 100000, {}, {'a': 1},
    {'': None}, [], [None], [1, 'a', {}], None, True, False, [[[]]],
]
DEEP_VALUES = [
    deep('[', ']', 10000, ''), deep('{"a":', '}', 10000), deep('[{"a":', '}]', 3000), deep('[', ']', 100000, ''),
]
JUNK_VALUES = EXTREME_NUMBERS + WRONG_TYPES + DEEP_VALUES

NUMBER_TEXTS = [
    '9223372036854775808', '9223372036854775807', '-9223372036854775809', '18446744073709551616', '-1', '0', '1',
    '100', '101', '1e308', '-1e308', '1e-320', '1.5', '9007199254740993', 'inf', '-inf', 'nan', 'NaN', 'Infinity',
    '1e300', '1e15', '1e16', '1e17', '9.3e18', '0x10', '+5', ' 5', '', '1' * 400,
]
STRING_TEXTS = ['%00', '\u0000', 'a' * 5000, 'é☃', '../..', '%ZZ', '&', '=', ';', '*', '\\', '"', 'null', '[]']
DURATION_TEXTS = [
    '1e300d', 'infh', 'nans', '-1s', '0s', '99999999999999999999d', '1e15s', '31d', '32d', '1h', '90s', 's', 'd',
    '1e308m', '9223372036854775807s',
]
ODD_SEGMENTS = [
    '%ZZ', '%', '%0', '%00', 'a%00b', '%2F', '%2e%2e', '..', '.', '%2E', 'a' * 300, 'a' * 20000, '%E2%98%83',
    '%FF%FE', '%C0%AF', '%ED%A0%80', '%F0%9F%92%A9' * 50, 'x%20y', '+', '%2B', '%3F', '%23', '%22', '%3C%3E', '%5C',
    '__proto__', 'null', 'LATEST', '-1', '0', '9223372036854775808', '1e308', '%0D%0A', '~', '@', '%25',
]
QUALIFIERS = [
    '999999999999999999999', '9223372036854775807', '9223372036854775808', '-1', '0', '00001', '', 'LATEST',
    'latest', '1e3', '1.5', '%D9%A3', '%C2%B2', '%C2%BD', '%E2%85%AB', '%EF%BC%91', 'live', 'live.x', '.', '%00',
    'a' * 200, '1', '2', '18446744073709551616',
]
DATES = [
    'Mon, 02 Jan 99999999999999999 15:04:05 GMT', 'Mon, 02 Jan 9223372036854775807 15:04:05 GMT',
    'Mon, 02 Mar 9223372036854775807 15:04:05 GMT', 'Mon, 02 Jan -9223372036854775808 15:04:05 GMT',
    'Mon, 02 Jan 0 15:04:05 GMT', 'Mon, 02 Jan -1 15:04:05 GMT', 'Mon, 99999999999999999999 Jan 2023 15:04:05 GMT',
    'Mon, 29 Feb 2023 15:04:05 GMT', 'Mon, 02 Jan 2023 99999999999999999:04:05 GMT', 'Mon, 02 Jan 2023 15:04:05 UTC',
    '', ' ', 'garbage', 'Mon, 02 Jan 2023 15:04:05 GMT', 'Fri, 31 Dec 9999 23:59:59 GMT',
    'Sun, 04 Dec 292277026596 15:30:07 GMT', 'Mon, -2 Jan 2023 15:04:05 GMT', 'Mon, 02 Jan 2023 -1:-1:-1 GMT',
    'Mon, 02 Jan 2023 15:04:05 GMT extra', 'Mon,  02 Jan 2023 15:04:05 GMT', 'Mon, 02 Jan 2023 15:04 GMT',
]
AUTHORIZATIONS = ['', 'FC', 'FC ', 'FC :', 'FC AK:', 'FC AK', 'FC :sig', 'Bearer x', 'FC ' + 'a' * 10000 + ':x',
                  'FC AK:' + 'A' * 10000, 'FC AK:%00', 'fc AK:x', 'FC AK:x:y']
ARNS = [
    'acs:fc:{r}:{a}:services/{s}/functions/{f}', 'acs:fc:{r}:{a}:services/./functions/{f}',
    'acs:fc:{r}:{a}:services/../functions/{f}', 'acs:fc:{r}:{a}:services/{s}./functions/{f}',
    'acs:fc:{r}:{a}:services/.x/functions/{f}', 'acs:fc:{r}:{a}:services/{s}.999999999999999999999/functions/{f}',
    'acs:fc:{r}:{a}:services/{s}', 'acs:fc:{r}:{a}:services/', 'acs:fc:{r}:*:services/{s}', 'acs:fc::::', ':::::',
    'acs:mns:{r}:{a}:/queues/q/messages', 'acs', '', 'acs:fc:{r}:{a}:services/{s}/functions/', 'a' * 5000,
]
CRONS = [
    '@every 1h', '@every 0s', '@every 1e3s', '@every ' + '9' * 400 + 's', '@every 100000000000000000000000s',
    '@every 9223372036854775807h', '@every 1.5s', '@every -1s', '@every', '@every 1h1h1h', '@hourly', '@yearly',
    '0 0 0 31 2 *', '*/0 * * * * *', '*/9223372036854775807 * * * * *', '9223372036854775808 * * * * *',
    '5-1 * * * * *', '0-59/1 0-59 0-23 1-31 1-12 0-7', 'CRON_TZ=Nowhere/City 0 0 0 * * *', 'CRON_TZ=',
    'TZ=UTC', 'CRON_TZ=Asia/Shanghai 0 0 * * * *', '* * * * * * *', '', ' ', '0 0 0 * JAN-DEC SUN-SAT',
    '0 0 0 ? * ?', ',,,,, * * * * *', '-/- * * * * *', '0 0 0 * * 8',
]


def jsonify(value):
    """JSON text for a body; `Raw` parts are copied verbatim."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return '{' + ','.join(json.dumps(str(k)) + ':' + jsonify(v) for k, v in value.items()) + '}'
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(jsonify(v) for v in value) + ']'
    return json.dumps(value)


def encode_body(value):
    return jsonify(value).encode('utf-8', 'surrogatepass')


def value_paths(value, prefix=()):
    """Paths (tuples of keys and indices) to every value inside a body, containers included."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, child in items:
        yield prefix + (key,)
        yield from value_paths(child, prefix + (key,))


def replace_at(body, path, junk):
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk


def short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + '...({0} chars)'.format(len(text))


# --------------------------------------------------------------------------- body mutators
def mutate_fields(rng, body):
    body = copy.deepcopy(body)
    notes = []
    for _ in range(rng.randint(1, 3)):
        paths = list(value_paths(body))
        if not paths:
            break
        path = rng.choice(paths)
        junk = copy.deepcopy(rng.choice(JUNK_VALUES))  # a copy: a later pick may reach inside it
        replace_at(body, path, junk)
        notes.append('{0} <- {1}'.format('.'.join(map(str, path)), short(junk)))
    return encode_body(body), '; '.join(notes)


def mutate_add_field(rng, body):
    """A field the server reads, in any letter case (FC matches keys case-insensitively), with junk."""
    body = copy.deepcopy(body)
    names = list(KNOWN_FIELDS)
    name = rng.choice(names)
    name = rng.choice([name, name.upper(), name.lower(), name[:1].upper() + name[1:]])
    junk = copy.deepcopy(rng.choice(JUNK_VALUES))
    body[name] = junk
    return encode_body(body), 'add {0} = {1}'.format(name, short(junk))


def mutate_duplicate_keys(rng, body):
    """The same field twice, as sent or in another case: two keys that decode to one name."""
    if not body:
        return b'{"a":1,"a":2}', 'duplicate keys'
    key = rng.choice(list(body))
    twin = rng.choice([key, key.upper(), key.lower()])
    text = jsonify(body)[:-1] + ',' + json.dumps(twin) + ':' + jsonify(rng.choice(JUNK_VALUES[:40])) + '}'
    return text.encode('utf-8', 'surrogatepass'), 'duplicate key {0}/{1}'.format(key, twin)


def mutate_whole(rng, body):
    valid = encode_body(body)
    choices = [
        ('truncated', lambda: valid[:rng.randrange(max(1, len(valid)))]),
        ('binary', lambda: rng.randbytes(rng.choice([1, 7, 300, 5000]))),
        ('empty', lambda: b''),
        ('whitespace', lambda: b' \r\n\t' * 1000),
        ('not an object', lambda: rng.choice([b'null', b'[]', b'1e999', b'"x"', b'true', b'-0', b'[{}]'])),
        ('deep arrays', lambda: b'[' * 10000 + b']' * 10000),
        ('deep objects', lambda: b'{"a":' * 10000 + b'1' + b'}' * 10000),
        ('unclosed deep', lambda: b'[' * 200000),
        ('invalid utf-8', lambda: valid.replace(b'"', b'"\xff\xfe', 1)),
        ('utf-16', lambda: jsonify(body).encode('utf-16', 'surrogatepass')),
        ('bom', lambda: b'\xef\xbb\xbf' + valid),
        ('trailing junk', lambda: valid + b'}{' + rng.randbytes(10)),
        ('nul bytes', lambda: valid.replace(b':', b':\x00', 1)),
        ('megabyte string', lambda: b'{"description":"' + b'a' * (1 << 20) + b'"}'),
        ('lone surrogates', lambda: b'{"description":"\\ud800\\udfff\\udc00"}'),
    ]
    label, make = rng.choice(choices)
    return make(), 'whole body: ' + label


def mutated_body(rng, body):
    """(bytes, note): the valid body, or a mutation of it."""
    roll = rng.random()
    if body is None:
        return (b'', '') if roll < 0.7 else mutate_whole(rng, {})
    if roll < 0.12:
        return encode_body(body), 'valid'
    if roll < 0.62:
        return mutate_fields(rng, body)
    if roll < 0.75:
        return mutate_add_field(rng, body)
    if roll < 0.80:
        return mutate_duplicate_keys(rng, body)
    return mutate_whole(rng, body)


KNOWN_FIELDS = [
    'serviceName', 'description', 'role', 'logConfig', 'vpcConfig', 'internetAccess', 'nasConfig', 'tracingConfig',
    'ossMountConfig', 'functionName', 'runtime', 'handler', 'code', 'memorySize', 'timeout', 'initializer',
    'initializationTimeout', 'environmentVariables', 'instanceConcurrency', 'caPort', 'instanceType', 'layers',
    'customContainerConfig', 'customRuntimeConfig', 'customDNS', 'customHealthCheckConfig', 'instanceLifecycleConfig',
    'cpu', 'diskSize', 'gpuMemorySize', 'instanceSoftConcurrency', 'triggerName', 'triggerType', 'triggerConfig',
    'sourceArn', 'invocationRole', 'qualifier', 'resourceArn', 'tags', 'tagKeys', 'all', 'target',
    'maximumInstanceCount', 'destinationConfig', 'maxAsyncEventAgeInSeconds', 'maxAsyncRetryAttempts',
    'statefulInvocation', 'scheduledActions', 'targetTrackingPolicies', 'alwaysAllocateCPU', 'versionId',
    'aliasName', 'additionalVersionWeight', 'domainName', 'protocol', 'routeConfig', 'certConfig',
]


# --------------------------------------------------------------------------- requests on the wire
@dataclasses.dataclass
class Case:
    """One fuzz request. `path` is exactly what goes on the request line (percent-encoded, with any query).
    `auth`: 'signed' (SDK signature over whatever Date ends up in the headers), 'unsigned' or 'wrong-secret'.
    `raw`: bytes for a raw socket instead (malformed HTTP)."""
    family: str
    method: str = 'GET'
    path: str = '/'
    body: bytes = b''
    headers: dict = dataclasses.field(default_factory=dict)
    auth: str = 'signed'
    note: str = ''
    raw: bytes = None
    fc_errors: bool = True      # every 4xx must be an FC error body
    json_replies: bool = True   # a JSON content type promises a JSON body
    created: tuple = None       # (kind, name) to remember when the server answers 200

    def describe(self):
        if self.raw is not None:
            return '[{0}] raw socket bytes ({1}): {2}'.format(self.family, len(self.raw), short(self.raw, 600))
        return '[{0}] {1} {2}\n    headers: {3}\n    body ({4} bytes): {5}\n    note: {6}'.format(
            self.family, self.method, short(self.path, 600), {k: short(v, 200) for k, v in self.headers.items()},
            len(self.body), short(self.body, 600), self.note)

    def dump(self):
        return {'family': self.family, 'method': self.method, 'path': self.path, 'headers': self.headers,
                'body_b64': base64.b64encode(self.body).decode(), 'note': self.note,
                'raw_b64': base64.b64encode(self.raw).decode() if self.raw is not None else None}


def swift_unescape(raw):
    """The path the server signs: percent-decoded, or as sent when that fails (Foundation's rules)."""
    if '%' not in raw:
        return raw
    if not re.fullmatch(r'(?:[^%]|%[0-9A-Fa-f]{2})*', raw):
        return raw
    try:
        return urllib.parse.unquote_to_bytes(raw).decode('utf-8')
    except UnicodeDecodeError:
        return raw


def form_pairs(query):
    """FormQuery.pairs on the server: `+` is a space, each part percent-decoded when that works."""
    def decode(text):
        return swift_unescape(text.replace('+', ' '))
    pairs = []
    for part in filter(None, query.split('&')):
        key, _, value = part.partition('=')
        pairs.append('{0}={1}'.format(decode(key), decode(value)))
    return pairs


def sign_resource(path):
    """The canonical resource (spec 2.1): the decoded path; for HTTP triggers, the sorted query lines too."""
    raw_path, _, query = path.partition('?')
    decoded = swift_unescape(raw_path)
    if not decoded.startswith(API + '/proxy/'):
        return decoded
    lines = sorted(form_pairs(query), key=lambda s: s.encode('utf-8', 'surrogatepass'))
    return decoded + '\n' + '\n'.join(lines)


def wire_headers(case):
    headers = {'date': email.utils.formatdate(time.time(), usegmt=True), 'content-type': 'application/json'}
    headers.update({k.lower(): v for k, v in case.headers.items()})
    if case.auth in ('signed', 'wrong-secret') and 'authorization' not in headers:
        secret = SECRET if case.auth == 'signed' else 'wrong'
        headers['authorization'] = Auth(KEY_ID, secret).sign_request(case.method, sign_resource(case.path), headers)
    return headers


class Reply(object):
    """The parts of a `requests.Response` that `check_error_response` reads."""

    def __init__(self, status_code=None, headers=None, content=b'', error=None):
        self.status_code = status_code
        self.headers = CaseInsensitiveDict(headers or {})
        self.content = content
        self.error = error

    @property
    def text(self):
        return self.content.decode('utf-8', 'replace')

    def json(self):
        return json.loads(self.content)


def send(port, case, timeout=REQUEST_TIMEOUT_S):
    if case.raw is not None:
        return send_raw(port, case.raw, timeout)
    headers = wire_headers(case)
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.putrequest(case.method, case.path, skip_host='host' in headers, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value.encode('utf-8', 'surrogatepass') if isinstance(value, str) else value)
        if case.body or case.method in ('POST', 'PUT', 'PATCH', 'DELETE'):
            conn.putheader('content-length', str(len(case.body)))
        conn.endheaders(case.body or None)
        resp = conn.getresponse()
        return Reply(resp.status, resp.getheaders(), resp.read())
    except socket.timeout:
        return Reply(error='no answer within {0} s (hung)'.format(timeout))
    except (OSError, http.client.HTTPException) as error:
        return Reply(error='dropped connection: {0!r}'.format(error))
    finally:
        conn.close()


def send_raw(port, data, timeout):
    """Sends bytes, half-closes, reads to EOF. A close without an answer is allowed for broken framing."""
    chunks = []
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=timeout) as sock:
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the server may close early on a broken head; we read what it said
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except socket.timeout:
        return Reply(error='no answer or close within {0} s (hung)'.format(timeout))
    except OSError:
        pass  # reset after a partial answer
    data = b''.join(chunks)
    statuses = [int(s) for s in re.findall(rb'HTTP/1\.[01] (\d{3})', data)]
    return Reply(max(statuses) if statuses else None, {}, data)


# --------------------------------------------------------------------------- the server
def nimbus_binary():
    raw = Path(os.environ.get('NIMBUS_BIN', '.build/debug/nimbus'))
    path = raw if raw.is_absolute() else (Path.cwd() / raw if (Path.cwd() / raw).exists() else REPO_ROOT / raw)
    if not (path.is_file() and os.access(str(path), os.X_OK)):
        pytest.fail('nimbus executable not found at {0} (build it, or set NIMBUS_BIN)'.format(path), pytrace=False)
    return str(path)


class Server(object):
    """A `nimbus serve` of the fuzz's own, stderr kept for the crash report."""
    CRASH = re.compile(r'Fatal error|Swift runtime failure|Program crashed|Precondition failed|Assertion failed|'
                       r'Crash|panic|Illegal instruction|Segmentation', re.I)

    def __init__(self, base_dir, binary):
        self.base_dir = Path(base_dir)
        self.binary = binary
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        data_dir = self.base_dir / 'data{0}'.format(self.starts)
        data_dir.mkdir(parents=True)
        self.stderr_path = self.base_dir / 'server{0}.stderr.log'.format(self.starts)
        env = dict(NIMBUS_ACCOUNT_ID=ACCOUNT_ID, NIMBUS_ACCESS_KEY_ID=KEY_ID, NIMBUS_ACCESS_KEY_SECRET=SECRET,
                   NIMBUS_INSTANCE_MAX='64', NIMBUS_INSTANCE_IDLE_TIMEOUT='30', NIMBUS_ASYNC_RETRY_BASE='0.2',
                   SWIFT_BACKTRACE='enable=yes,interactive=no,color=no', NIMBUS_SECURITY_TOKEN=None)
        self.server = NimbusServe(self.binary, data_dir, env=env, stderr_path=self.stderr_path,
                                  cwd=self.base_dir).start()
        self.proc, self.port = self.server.proc, self.server.port

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def healthy(self):
        try:
            return requests.get('http://127.0.0.1:{0}/health'.format(self.port), timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def died(self, grace=3.0):
        """Whether the process exited (waiting a little: a crash is seen as a dropped connection first)."""
        deadline = time.monotonic() + grace
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.running()

    def stderr_tail(self, limit=6000):
        try:
            return self.stderr_path.read_text(errors='replace')[-limit:]
        except OSError:
            return '<no stderr>'

    def crash_lines(self, frames=14):
        """The line naming the failure and the crashed thread's first frames (Swift's backtracer), or the tail."""
        lines = self.stderr_tail(400000).splitlines()
        failure = [line for line in lines if self.CRASH.search(line) and 'request failed' not in line][:3]
        crashed = next((i for i, line in enumerate(lines) if line.rstrip().endswith('crashed:')), None)
        stack = lines[crashed:crashed + frames + 2] if crashed is not None else lines[-frames:]
        return '\n'.join(failure + stack)

    def stop(self):
        if not self.running():
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- resources the fuzz works on
def zip_base64(tmp_dir, name, source):
    return base64.b64encode(Path(write_zip(Path(tmp_dir) / name, {'index.py': source})).read_bytes()).decode()


class World(object):
    """Resource names the generators aim at: a fuzz service with functions, triggers, a version, an alias, a
    custom domain and an async invocation, plus whatever the fuzz itself managed to create."""

    def __init__(self, tmp_dir):
        tag = unique('fz').split('_')[1]
        self.svc = 'fz_' + tag
        self.fn, self.web, self.webauth = 'echo', 'web', 'webauth'
        self.trigger, self.timer = 'http', 'timer'
        self.version, self.alias = '1', 'live'
        self.domain = 'fz{0}.localhost'.format(tag)
        self.invocation = 'inv_' + tag
        self.echo_zip = zip_base64(tmp_dir, 'echo.zip', HANDLER_SRC)
        self.web_zip = zip_base64(tmp_dir, 'web.zip', WSGI_SRC)
        self.created = {kind: [] for kind in ('service', 'function', 'trigger', 'alias', 'domain', 'version')}
        self.counter = 0

    def fresh(self, prefix):
        self.counter += 1
        return '{0}{1}'.format(prefix, self.counter)

    def arn(self, rng):
        return rng.choice(ARNS).format(r=REGION, a=ACCOUNT_ID, s=self.svc, f=self.fn)

    def pick(self, kind, main, rng):
        """A name for a read or write: the main resource, one the fuzz created, or a missing one."""
        pool = [main] + self.created[kind][-5:] + ['missing_' + kind]
        return rng.choice(pool)

    def doomed(self, kind, rng):
        """A name for a delete: never the main resource."""
        return rng.choice(self.created[kind][-5:] + ['missing_' + kind])

    def segment(self, placeholder, rng):
        """The value of a path placeholder, percent-encoded for the request line."""
        values = {
            'svc': lambda: self.svc, 'fn': lambda: self.fn, 'web': lambda: self.web, 'webauth': lambda: self.webauth,
            'svcq': lambda: self.svc + rng.choice(['', '', '.LATEST', '.' + self.version, '.' + self.alias,
                                                   '.' + rng.choice(QUALIFIERS)]),
            'svcpick': lambda: self.pick('service', self.svc, rng),
            'fnpick': lambda: self.pick('function', self.fn, rng),
            'doomed_svc': lambda: self.doomed('service', rng), 'doomed_fn': lambda: self.doomed('function', rng),
            'trigger': lambda: self.pick('trigger', self.trigger, rng),
            'doomed_trigger': lambda: self.doomed('trigger', rng),
            'version': lambda: rng.choice([self.version, '2', '999999999999999999999', '-1', '0', 'LATEST', 'x']),
            'alias': lambda: self.pick('alias', self.alias, rng), 'doomed_alias': lambda: self.doomed('alias', rng),
            'domain': lambda: self.pick('domain', self.domain, rng), 'doomed_domain': lambda: self.doomed('domain', rng),
            'invocation': lambda: rng.choice([self.invocation, 'missing', 'a' * 129, '_', '-x']),
        }
        return values[placeholder]()

    def setup(self, port):
        """Creates the resources; each step must succeed on a healthy server."""
        def ok(method, path, body=None, headers=None):
            data = body if isinstance(body, bytes) else encode_body(body)
            case = Case('setup', method, API + path, data, headers or {})
            reply = send(port, case, timeout=60)
            assert reply.status_code in (200, 202), 'setup {0} {1}: {2} {3}'.format(
                method, path, reply.status_code or reply.error, reply.text[:500])
            return reply
        s = self.svc
        ok('POST', '/services', {'serviceName': s, 'description': 'fuzz target'})
        for name, zipped in ((self.fn, self.echo_zip), (self.web, self.web_zip), (self.webauth, self.web_zip)):
            ok('POST', '/services/{0}/functions'.format(s), {'functionName': name, 'runtime': 'python3',
                                                              'handler': 'index.handler', 'code': {'zipFile': zipped}})
        methods = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']
        for name, auth in ((self.web, 'anonymous'), (self.webauth, 'function')):
            ok('POST', '/services/{0}/functions/{1}/triggers'.format(s, name),
               {'triggerName': self.trigger, 'triggerType': 'http',
                'triggerConfig': {'authType': auth, 'methods': methods}})
        ok('POST', '/services/{0}/functions/{1}/triggers'.format(s, self.fn),
           {'triggerName': self.timer, 'triggerType': 'timer',
            'triggerConfig': {'cronExpression': '@every 1h', 'enable': True, 'payload': 'tick'}})
        ok('POST', '/services/{0}/versions'.format(s), {'description': 'v1'})
        ok('POST', '/services/{0}/aliases'.format(s), {'aliasName': self.alias, 'versionId': self.version})
        ok('POST', '/custom-domains', {'domainName': self.domain, 'protocol': 'HTTP', 'routeConfig': {'routes': [
            {'path': '/*', 'serviceName': s, 'functionName': self.web, 'methods': methods}]}})
        ok('POST', '/services/{0}/functions/{1}/invocations'.format(s, self.fn), b'"warm"',
           {'x-fc-invocation-type': 'Async', 'x-fc-stateful-async-invocation-id': self.invocation})
        ok('POST', '/services/{0}/functions/{1}/invocations'.format(s, self.fn), b'warm')
        login = send(port, Case('setup', 'POST', '/console/login', urllib.parse.urlencode(
            {'accessKeyId': KEY_ID, 'accessKeySecret': SECRET}).encode(),
            {'content-type': 'application/x-www-form-urlencoded'}, auth='unsigned'))
        self.console_cookie = (login.headers.get('set-cookie') or 'nimbus_session=none').split(';')[0]


# --------------------------------------------------------------------------- valid bodies, one per operation
def service_body(w, rng):
    return {'serviceName': w.fresh('svc'), 'description': 'fuzz', 'role': ROLE, 'internetAccess': True,
            'logConfig': {'project': 'p', 'logstore': 'l', 'enableRequestMetrics': False,
                          'enableInstanceMetrics': False, 'logBeginRule': 'None'},
            'vpcConfig': {'vpcId': '', 'vSwitchIds': [], 'securityGroupId': ''},
            'nasConfig': {'userId': -1, 'groupId': -1, 'mountPoints': []},
            'tracingConfig': {'type': 'Jaeger', 'params': {'endpoint': 'http://127.0.0.1:1'}}}


def service_update_body(w, rng):
    body = service_body(w, rng)
    del body['serviceName']
    return body


def function_body(w, rng):
    return {'functionName': w.fresh('fn'), 'runtime': 'python3', 'handler': 'index.handler',
            'code': {'zipFile': w.echo_zip}, 'memorySize': 128, 'timeout': 10, 'initializer': '',
            'initializationTimeout': 3, 'environmentVariables': {'A': 'b'}, 'instanceConcurrency': 1, 'caPort': 9000,
            'instanceType': 'e1', 'layers': [], 'cpu': 0.125, 'diskSize': 512, 'gpuMemorySize': 0,
            'instanceSoftConcurrency': 1, 'customDNS': {'nameServers': ['8.8.8.8']},
            'customRuntimeConfig': {'command': ['python3'], 'args': ['x']},
            'instanceLifecycleConfig': {'preFreeze': {'handler': 'index.handler', 'timeout': 3},
                                        'preStop': {'handler': 'index.handler', 'timeout': 3}}}


def function_update_body(w, rng):
    body = function_body(w, rng)
    del body['functionName']
    return body


def http_trigger_body(w, rng):
    return {'triggerName': w.fresh('tr'), 'triggerType': 'http', 'sourceArn': None, 'invocationRole': None,
            'qualifier': None, 'triggerConfig': {'authType': 'anonymous', 'methods': ['GET', 'POST']}}


def timer_trigger_body(w, rng):
    return {'triggerName': w.fresh('tm'), 'triggerType': 'timer', 'qualifier': 'LATEST',
            'triggerConfig': {'cronExpression': rng.choice(CRONS), 'enable': True, 'payload': 'p'}}


def trigger_update_body(w, rng):
    return {'triggerConfig': rng.choice([{'authType': 'function', 'methods': ['GET']},
                                         {'cronExpression': rng.choice(CRONS), 'enable': False}]),
            'qualifier': w.alias, 'description': 'x'}


def tag_body(w, rng):
    return {'resourceArn': rng.choice(['acs:fc:{0}:{1}:services/{2}'.format(REGION, ACCOUNT_ID, w.svc), w.arn(rng)]),
            'tags': {'k': 'v', 'team': 'fuzz'}}


def untag_body(w, rng):
    return {'resourceArn': 'acs:fc:{0}:{1}:services/{2}'.format(REGION, ACCOUNT_ID, w.svc), 'tagKeys': ['k'],
            'all': False}


def async_config_body(w, rng):
    return {'maxAsyncEventAgeInSeconds': 300, 'maxAsyncRetryAttempts': 2, 'statefulInvocation': True,
            'destinationConfig': {'onSuccess': {'destination': w.arn(rng)},
                                  'onFailure': {'destination': w.arn(rng)}}}


def alias_body(w, rng):
    return {'aliasName': w.fresh('al'), 'versionId': w.version, 'description': 'fuzz',
            'additionalVersionWeight': {'2': 0.5}}


def alias_update_body(w, rng):
    body = alias_body(w, rng)
    del body['aliasName']
    return body


def domain_body(w, rng):
    return {'domainName': w.fresh('d') + '.fuzz.localhost', 'protocol': 'HTTP', 'routeConfig': {'routes': [
        {'path': '/api/*', 'serviceName': w.svc, 'functionName': w.web, 'qualifier': 'LATEST', 'methods': ['GET']},
        {'path': '/x', 'serviceName': w.svc, 'functionName': w.web}]},
        'certConfig': {'certName': 'c', 'certificate': '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----',
                       'privateKey': '-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----'}}


def domain_update_body(w, rng):
    body = domain_body(w, rng)
    del body['domainName']
    return body


@dataclasses.dataclass
class Op:
    """A management operation: method, path template (placeholders: see `World.segment`), valid body."""
    name: str
    method: str
    path: str
    body: object = None         # (world, rng) -> dict, or None for no body
    creates: str = None         # the kind of resource a 200 creates (its name is body[name_field])
    name_field: str = None


FN = '/services/{svc}/functions/{fnpick}'
CONFIG = '/services/{svcq}/functions/{fnpick}'
OPERATIONS = [
    Op('create_service', 'POST', '/services', service_body, 'service', 'serviceName'),
    Op('get_service', 'GET', '/services/{svcq}'),
    Op('update_service', 'PUT', '/services/{svcpick}', service_update_body),
    Op('delete_service', 'DELETE', '/services/{doomed_svc}'),
    Op('create_function', 'POST', '/services/{svc}/functions', function_body, 'function', 'functionName'),
    Op('get_function', 'GET', '/services/{svcq}/functions/{fnpick}'),
    Op('get_function_code', 'GET', '/services/{svcq}/functions/{fnpick}/code'),
    Op('update_function', 'PUT', FN, function_update_body),
    Op('delete_function', 'DELETE', '/services/{svc}/functions/{doomed_fn}'),
    Op('create_http_trigger', 'POST', FN + '/triggers', http_trigger_body, 'trigger', 'triggerName'),
    Op('create_timer_trigger', 'POST', FN + '/triggers', timer_trigger_body, 'trigger', 'triggerName'),
    Op('get_trigger', 'GET', FN + '/triggers/{trigger}'),
    Op('update_trigger', 'PUT', FN + '/triggers/{trigger}', trigger_update_body),
    Op('delete_trigger', 'DELETE', FN + '/triggers/{doomed_trigger}'),
    Op('tag_resource', 'POST', '/tag', tag_body),
    Op('untag_resource', 'DELETE', '/tag', untag_body),
    Op('put_provision_config', 'PUT', CONFIG + '/provision-config', lambda w, r: {'target': 1}),
    Op('get_provision_config', 'GET', CONFIG + '/provision-config'),
    Op('put_on_demand_config', 'PUT', CONFIG + '/on-demand-config', lambda w, r: {'maximumInstanceCount': 10}),
    Op('get_on_demand_config', 'GET', CONFIG + '/on-demand-config'),
    Op('delete_on_demand_config', 'DELETE', CONFIG + '/on-demand-config'),
    Op('put_async_config', 'PUT', CONFIG + '/async-invoke-config', async_config_body),
    Op('get_async_config', 'GET', CONFIG + '/async-invoke-config'),
    Op('delete_async_config', 'DELETE', CONFIG + '/async-invoke-config'),
    Op('publish_version', 'POST', '/services/{svcpick}/versions', lambda w, r: {'description': 'fuzz'}),
    Op('get_version', 'GET', '/services/{svc}/versions/{version}'),
    Op('delete_version', 'DELETE', '/services/{svc}/versions/{version}'),
    Op('create_alias', 'POST', '/services/{svc}/aliases', alias_body, 'alias', 'aliasName'),
    Op('get_alias', 'GET', '/services/{svc}/aliases/{alias}'),
    Op('update_alias', 'PUT', '/services/{svc}/aliases/{alias}', alias_update_body),
    Op('delete_alias', 'DELETE', '/services/{svc}/aliases/{doomed_alias}'),
    Op('create_domain', 'POST', '/custom-domains', domain_body, 'domain', 'domainName'),
    Op('get_domain', 'GET', '/custom-domains/{domain}'),
    Op('update_domain', 'PUT', '/custom-domains/{domain}', domain_update_body),
    Op('delete_domain', 'DELETE', '/custom-domains/{doomed_domain}'),
    Op('stop_async_invocation', 'PUT', '/services/{svcq}/functions/{fn}/stateful-async-invocations/{invocation}'),
    Op('get_async_invocation', 'GET', '/services/{svcq}/functions/{fn}/stateful-async-invocations/{invocation}'),
    Op('list_instances', 'GET', '/services/{svcq}/functions/{fnpick}/instances'),
]

PAGING = ['limit', 'nextToken', 'startKey', 'prefix']
LISTINGS = [
    # path template, query keys beyond paging
    ('/services', ['tag_team', 'tag_']),
    ('/services/{svcq}/functions', []),
    (FN + '/triggers', []),
    ('/services/{svc}/versions', ['direction']),
    ('/services/{svc}/aliases', []),
    ('/custom-domains', []),
    ('/provision-configs', ['serviceName', 'qualifier']),
    ('/on-demand-configs', []),
    (FN + '/async-invoke-configs', []),
    ('/services/{svcq}/functions/{fn}/stateful-async-invocations',
     ['status', 'startedTimeBegin', 'startedTimeEnd', 'invocationIdPrefix', 'sortOrderByTime', 'includePayload']),
    (FN + '/logs', ['since']),
    (FN + '/invocation-records', []),
    ('/usage', ['since', 'until', 'step', 'service', 'function', 'qualifier']),
    ('/tag', ['resourceArn']),
    ('/tags', ['resourceType']),
    ('/account-settings', []), ('/reservedCapacities', []), ('/layers', []),
]


# --------------------------------------------------------------------------- paths and queries
def fill(template, w, rng, odd_rate=0.12):
    """A path template with its placeholders filled, each sometimes replaced by an odd segment."""
    def one(match):
        name = match.group(1)
        if rng.random() < odd_rate:
            odd = rng.choice(ODD_SEGMENTS)
            return w.svc + '.' + odd if name == 'svcq' and rng.random() < 0.5 else odd
        return w.segment(name, rng)
    return re.sub(r'\{(\w+)\}', one, template)


def query_value(rng, key):
    if key in ('since', 'until') and rng.random() < 0.5:
        return rng.choice(DURATION_TEXTS)
    if key == 'resourceArn':
        return rng.choice(ARNS).format(r=REGION, a=ACCOUNT_ID, s='fz', f='echo')
    if key == 'status':
        return rng.choice(['Succeeded', 'Failed', 'Running', 'Enqueued', 'Stopped', 'Expired', 'x', ''])
    if key == 'direction':
        return rng.choice(['FORWARD', 'backward', 'x', '\u0131', ''])
    return rng.choice(NUMBER_TEXTS + STRING_TEXTS)


def encode_query(pairs, rng):
    if rng.random() < 0.1:  # sent as is: bare %, raw bytes the server must decode itself
        return '&'.join('{0}={1}'.format(k, urllib.parse.quote(v, safe='%&=+;')) for k, v in pairs)
    return urllib.parse.urlencode(pairs)


def listing_query(rng, keys):
    chosen = rng.sample(PAGING + keys, rng.randint(1, 3))
    pairs = [(key, query_value(rng, key)) for key in chosen]
    if rng.random() < 0.1:
        pairs.append(('limit', '5'))  # a repeated key: the last wins
    return encode_query(pairs, rng)


# --------------------------------------------------------------------------- families: one generator each
def gen_management(rng, w):
    op = rng.choice(OPERATIONS)
    body = op.body(w, rng) if op.body else None
    data, note = mutated_body(rng, body)
    created = None
    if op.creates and note == 'valid':
        created = (op.creates, body[op.name_field])
    headers = {}
    if op.method in ('PUT', 'DELETE') and rng.random() < 0.15:
        headers['if-match'] = rng.choice(['*', '', 'W/"x"', '"' * 100, '9223372036854775808'])
    if op.name in ('create_function', 'update_function') and rng.random() < 0.2:
        headers['x-fc-code-checksum'] = rng.choice(['18446744073709551616', '-1', '0', 'abc', '1' * 100])
    return Case('management', op.method, API + fill(op.path, w, rng), data, headers, note=op.name + ': ' + note,
                created=created)


def gen_listing(rng, w):
    template, keys = rng.choice(LISTINGS)
    path = API + fill(template, w, rng, odd_rate=0.05)
    return Case('listing', 'GET', path + '?' + listing_query(rng, keys))


INVOKE_HEADERS = {
    'x-fc-invocation-type': ['Async', 'async', 'ASYNC', 'Sync', '', 'junk', 'Async\t'],
    'x-fc-log-type': ['Tail', 'tail', 'None', '', 'junk', 'Tail' * 1000],
    'x-fc-stateful-async-invocation-id': ['a' * 128, 'a' * 129, 'a' * 8000, '_', '-a', '1a', 'é', 'a b', '%00', '',
                                          'a' * 20000],
    'x-fc-stateful-async-invocation-enable': ['true', 'false', 'TRUE', '1', 'junk', ''],
    'x-fc-trace-id': ['x', 'a' * 5000, ''],
    'x-fc-invocation-code-version': ['Latest', 'junk'],
    'x-nimbus-lane-draw': ['nan', 'inf', '-inf', '-1', '2', '1e308', '0.5', 'junk'],
    'content-type': ['application/octet-stream', 'text/plain; charset=utf-16', '', 'a' * 5000],
    'x-fc-account-id': [ACCOUNT_ID, 'x'],
}


def invoke_headers(rng, async_call):
    headers = {'x-fc-invocation-type': 'Async'} if async_call else {}
    for name in rng.sample(list(INVOKE_HEADERS), rng.randint(0, 3)):
        headers[name] = rng.choice(INVOKE_HEADERS[name])
    if async_call and 'x-fc-stateful-async-invocation-id' not in headers and rng.random() < 0.5:
        headers['x-fc-stateful-async-invocation-id'] = w_id(rng)
    return headers


def w_id(rng):
    return 'id_{0:x}'.format(rng.getrandbits(48))


def invoke_payload(rng):
    return rng.choice([b'', b'{}', b'"x"', rng.randbytes(rng.choice([1, 100, 5000])), b'[' * 10000,
                       b'\x00' * 1000, b'a' * (129 << 10), b'a' * (128 << 10), 'é☃'.encode()])


def gen_invocation(rng, w):
    async_call = rng.random() < 0.4
    segment = w.svc + rng.choice(['', '.LATEST', '.' + w.version, '.' + w.alias, '.' + rng.choice(QUALIFIERS)])
    function = w.fn if rng.random() < 0.8 else rng.choice([w.web, 'missing'] + ODD_SEGMENTS)
    if rng.random() < 0.1:
        segment = rng.choice(ODD_SEGMENTS)
    path = '{0}/services/{1}/functions/{2}/invocations'.format(API, segment, function)
    if rng.random() < 0.1:
        path += '?' + listing_query(rng, ['qualifier'])
    return Case('invocation', 'POST', path, invoke_payload(rng), invoke_headers(rng, async_call),
                note='async' if async_call else 'sync', json_replies=False)


# Methods the HTTP parser itself refuses (`FOO`, `get`: a bare 400; `CONNECT`: a tunnel) are in raw_messages.
PROXY_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'TRACE']
PROXY_TAILS = ['', '/', '/a/b', '/%ZZ', '/%00', '/..', '/../..', '/%2e%2e/%2e%2e', '/' + 'a' * 20000, '/%E2%98%83',
               '/%FF', '//', '/a?b', '/;x', '/a%2Fb']


def gen_proxy(rng, w):
    function = rng.choice([w.web, w.webauth, w.fn, 'missing'])
    segment = w.svc + rng.choice(['', '', '.LATEST', '.' + w.alias, '.' + rng.choice(QUALIFIERS)])
    path = '{0}/proxy/{1}/{2}{3}'.format(API, segment, function, rng.choice(PROXY_TAILS))
    if rng.random() < 0.5:
        path += ('&' if '?' in path else '?') + listing_query(rng, ['x', 'flag', ''])
    method = rng.choice(PROXY_METHODS)
    body = b'' if method in ('GET', 'HEAD') else invoke_payload(rng)
    auth = rng.choice(['signed', 'unsigned', 'wrong-secret'])
    headers = {'x-fc-custom': 'a' * rng.choice([1, 5000])} if rng.random() < 0.2 else {}
    return Case('proxy', method, path, body, headers, auth=auth, json_replies=False,
                fc_errors=method != 'HEAD')


def gen_custom_domain(rng, w):
    host = rng.choice([w.domain, w.domain.upper(), w.domain + ':80', w.domain + ':99999999999999999999',
                       '[::1', '[::1]:80', ':::', 'a' * 1000 + '.localhost', '\u2603.localhost', '', '.', '..',
                       'missing.localhost', w.domain + '.', w.domain + ':'])
    path = rng.choice(['/', '/api/x', '/x', '/%ZZ', '/' + 'a' * 5000, '/%00', '/..', '*'])
    method = rng.choice(['GET', 'POST', 'DELETE', 'PATCH'])
    if path == '*':
        method = 'OPTIONS'
    return Case('custom-domain', method, path, b'' if method == 'GET' else b'x', {'host': host}, auth='unsigned',
                json_replies=False)


def gen_invocation_target(rng, w):
    target = rng.choice(['2016-08-15/proxy/{0}/{1}'.format(w.svc, w.web), '2016-08-15/proxy/{0}.{1}/{2}'.format(
        w.svc, rng.choice(QUALIFIERS), w.web), 'x', '2016-08-15/proxy//', '/' * 10, '2016-08-15/proxy/a/b/c',
        '2016-08-15/proxy/%00/%00', ''])
    path = rng.choice(['/', '/anything', '/%ZZ', '/nimbus/code/x.zip'])
    return Case('invocation-target', rng.choice(['GET', 'POST']), path, b'', {'x-fc-invocation-target': target},
                auth='unsigned', json_replies=False)


def gen_auth(rng, w):
    path = API + rng.choice(['/services', '/services/{0}'.format(w.svc),
                             '/services/{0}/functions/{1}/invocations'.format(w.svc, w.fn),
                             '/proxy/{0}/{1}/'.format(w.svc, w.webauth)])
    method = 'POST' if path.endswith('invocations') else 'GET'
    headers, auth = {}, 'signed'
    roll = rng.random()
    if roll < 0.6:
        headers['date'] = rng.choice(DATES)
    elif roll < 0.75:
        auth = 'unsigned'
    elif roll < 0.9:
        headers['authorization'] = rng.choice(AUTHORIZATIONS)
    else:
        headers['x-fc-security-token'] = rng.choice(['x', '', 'a' * 10000])
    if rng.random() < 0.1:
        headers['content-md5'] = rng.choice(['', 'x', 'a' * 1000])
    return Case('auth', method, path, b'', headers, auth=auth, note='signed over the Date given' if auth == 'signed'
                else '', json_replies=False)


def gen_misc(rng, w):
    choices = [
        lambda: Case('misc', 'GET', '/metrics?' + listing_query(rng, []), auth='unsigned', json_replies=False),
        lambda: Case('misc', 'GET', '/health?x=%ZZ', auth='unsigned', json_replies=False),
        lambda: Case('misc', 'GET', '/nimbus/code/{0}.zip?expires={1}&signature={2}'.format(
            rng.choice(['a' * 64, 'x', '', '../' * 5 + 'etc/passwd', '%00']), urllib.parse.quote(rng.choice(NUMBER_TEXTS)),
            rng.choice(['', 'x', 'a' * 64])), auth='unsigned'),
        lambda: Case('misc', rng.choice(['GET', 'PATCH', 'TRACE', 'DELETE']), API + rng.choice(
            ['/no-such-resource', '', '/', '/services/', '/services//functions', '//services']) ),
        lambda: Case('misc', rng.choice(['GET', 'POST']), rng.choice(['/', '/%ZZ', '/' + 'a' * 5000, '/..', '/%00']),
                     auth='unsigned'),
        lambda: Case('console', 'POST', '/console/login', urllib.parse.urlencode(
            {'accessKeyId': rng.choice([KEY_ID, 'x', '']), 'accessKeySecret': rng.choice([SECRET, 'x'])}).encode()
            + rng.choice([b'', b'&%ZZ', b'&' * 100, rng.randbytes(50)]),
            {'content-type': 'application/x-www-form-urlencoded'}, auth='unsigned', fc_errors=False,
            json_replies=False),
        lambda: Case('console', 'GET', '/console/services/{0}?window={1}'.format(
            rng.choice([w.svc, '%ZZ', 'a' * 5000]), rng.choice(['1h', '7d', '1e308d', 'x'])),
            headers={'cookie': rng.choice([w.console_cookie, 'nimbus_session=x', 'nimbus_session=' + 'a' * 5000])},
            auth='unsigned', fc_errors=False, json_replies=False),
    ]
    return rng.choice(choices)()


def raw_signed(method, path, extra=b'', body=b''):
    headers = wire_headers(Case('raw', method, path))
    head = ''.join('{0}: {1}\r\n'.format(k, v) for k, v in headers.items())
    return '{0} {1} HTTP/1.1\r\nHost: 127.0.0.1\r\n{2}'.format(method, path, head).encode() + extra + b'\r\n' + body


def raw_messages(w):
    invoke = '{0}/services/{1}/functions/{2}/invocations'.format(API, w.svc, w.fn)
    host = b'Host: x\r\n'
    return [
        b'GARBAGE\r\n\r\n', bytes(range(256)) * 4, b'GET / HTTP/1.1\r\n\r\n', b'GET /health HTTP/9.9\r\n' + host + b'\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'Content-Length: -1\r\n\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'Content-Length: 99999999999999999999999999\r\n\r\n',
        b'POST /health HTTP/1.1\r\n' + host + b'Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        b'POST /health HTTP/1.1\r\n' + host + b'Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\nx\r\n',
        b'POST /health HTTP/1.1\r\n' + host + b'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'X-Long: ' + b'a' * 100000 + b'\r\n\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b''.join(b'X-%d: v\r\n' % i for i in range(3000)) + b'\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'no colon here\r\n\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'X-Fold: a\r\n b\r\n\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'X-Nul: a\x00b\r\n\r\n',
        'GET {0}/services/\u2603 HTTP/1.1\r\nHost: x\r\n\r\n'.format(API).encode(),
        b'GET /2016-08-15/services/a b HTTP/1.1\r\n' + host + b'\r\n',
        b'GET http://x/2016-08-15/services HTTP/1.1\r\n' + host + b'\r\n',
        b'CONNECT x:80 HTTP/1.1\r\n' + host + b'\r\n', b'OPTIONS * HTTP/1.1\r\n' + host + b'\r\n',
        'CONNECT {0}/proxy/{1}/{2}/ HTTP/1.1\r\nHost: x\r\n\r\n'.format(API, w.svc, w.web).encode(),
        'get {0}/proxy/{1}/{2}/ HTTP/1.1\r\nHost: x\r\n\r\n'.format(API, w.svc, w.web).encode(),
        'FOO {0}/proxy/{1}/{2}/ HTTP/1.1\r\nHost: x\r\n\r\n'.format(API, w.svc, w.web).encode(),
        raw_signed('FOO', API + '/services'),
        b'GET /health HTTP/1.0\r\n\r\n', b'GET /' + b'a' * 200000 + b' HTTP/1.1\r\n' + host + b'\r\n',
        b'GET /health HTTP/1.1\r\n' + host + b'\r\n' * 50 + b'GET /health HTTP/1.1\r\n' + host + b'\r\n',
        (b'GET /health HTTP/1.1\r\n' + host + b'\r\n') * 50,
        raw_signed('POST', invoke, b'Content-Length: 100\r\n', b'0123456789'),
        raw_signed('POST', invoke, b'Content-Length: 9223372036854775807\r\n', b'x'),
        raw_signed('POST', invoke, b'Content-Length: 9223372036854775808\r\n', b'x'),
        raw_signed('POST', API + '/services', b'Content-Length: 9223372036854775807\r\n', b'{'),
        raw_signed('POST', API + '/services', b'Expect: 100-continue\r\nContent-Length: 1000\r\n'),
        raw_signed('POST', API + '/services', b'Transfer-Encoding: chunked\r\n', b'5\r\n{"ser\r\n'),
        raw_signed('POST', API + '/services', b'Transfer-Encoding: chunked\r\n', b'2\r\n{}\r\n0\r\n\r\n'),
        raw_signed('POST', invoke, b'Transfer-Encoding: chunked\r\n', b'ffffffff\r\n' + b'a' * 1000),
        raw_signed('GET', API + '/services/\u2603'),
        raw_signed('POST', invoke, b'X-Fc-Invocation-Type: Async\r\nContent-Length: 3\r\n', b'abc'),
    ]


def gen_raw(rng, w):
    data = rng.choice(raw_messages(w))
    return Case('raw-http', raw=data, fc_errors=False, json_replies=False)


FAMILIES = [  # (generator, weight)
    (gen_management, 45), (gen_listing, 14), (gen_invocation, 12), (gen_proxy, 8), (gen_custom_domain, 3),
    (gen_invocation_target, 2), (gen_auth, 7), (gen_misc, 5), (gen_raw, 4),
]


def next_case(rng, w):
    generators, weights = zip(*FAMILIES)
    return rng.choices(generators, weights)[0](rng, w)


# --------------------------------------------------------------------------- judging a reply
def problem_with(case, reply):
    """What is wrong with the server's answer to `case`, or None."""
    if reply.error:
        return reply.error
    if reply.status_code is None:
        return None  # a raw socket closed without an answer: allowed for broken framing
    if reply.status_code == 502 and reply.headers.get('x-fc-error-type') and case.family != 'management':
        return None  # the function failed, and an HTTP trigger says so with a 502 (FC's semantics)
    if reply.status_code >= 500:
        return 'HTTP {0}: {1!r}'.format(reply.status_code, reply.content[:300])
    if 400 <= reply.status_code < 500 and case.fc_errors:
        if case.method == 'HEAD':
            return None if reply.headers.get('x-fc-request-id') else 'HEAD {0} without x-fc-request-id'.format(
                reply.status_code)
        try:
            check_error_response(reply)
        except (AssertionError, ValueError) as error:
            return 'HTTP {0} is not an FC error body ({1}): {2!r}'.format(
                reply.status_code, short(str(error), 200), reply.content[:300])
    if case.json_replies and reply.content and reply.headers.get('content-type', '').startswith('application/json'):
        try:
            json.loads(reply.content)
        except ValueError:
            return 'HTTP {0} says JSON but is not: {1!r}'.format(reply.status_code, reply.content[:300])
    return None


def remember(w, case, reply):
    if case.created and reply.status_code == 200:
        kind, name = case.created
        w.created[kind].append(name)


# --------------------------------------------------------------------------- the run
@dataclasses.dataclass
class Finding:
    problem: str
    case: Case
    crash: str = None


def fuzz(server, w, rng, max_requests, seconds, on_finding, recent=None):
    """Sends up to `max_requests` cases within `seconds`; calls `on_finding(Finding)` for each problem and
    stops at a crash (returns the count sent and whether the server died)."""
    deadline = time.monotonic() + seconds
    recent = recent if recent is not None else []
    sent = 0
    while sent < max_requests and time.monotonic() < deadline:
        case = next_case(rng, w)
        reply = send(server.port, case)
        sent += 1
        recent.append(case)
        del recent[:-5]
        remember(w, case, reply)
        problem = problem_with(case, reply)
        if reply.error or sent % BATCH == 0:
            # a crashing server holds the connection open while Swift's backtracer runs (seconds)
            if server.died(grace=30.0 if reply.error else 0):
                on_finding(Finding('server died ({0})'.format(problem or 'found at a batch check'), case,
                                   server.crash_lines()))
                return sent, True
        if problem:
            on_finding(Finding(problem, case))
        if sent % BATCH == 0:
            assert server.healthy(), 'nimbus stopped answering /health after {0} requests'.format(sent)
    return sent, False


def invoke_sentinel(port, service, payload):
    path = '{0}/services/{1}/functions/echo/invocations'.format(API, service)
    return send(port, Case('sentinel', 'POST', path, payload), timeout=60)


def deploy_sentinel(port, tmp_dir):
    service = unique('sentinel')
    for path, body in (('/services', {'serviceName': service}),
                       ('/services/{0}/functions'.format(service),
                        {'functionName': 'echo', 'runtime': 'python3', 'handler': 'index.handler',
                         'code': {'zipFile': zip_base64(tmp_dir, 'sentinel.zip', HANDLER_SRC)}})):
        reply = send(port, Case('sentinel', 'POST', API + path, encode_body(body)), timeout=60)
        assert reply.status_code == 200, reply.error or reply.text
    return service


def test_no_request_takes_nimbus_down(tmp_path):
    seed = int(os.environ.get('NIMBUS_FUZZ_SEED') or random.SystemRandom().randrange(1 << 32))
    max_requests = int(os.environ.get('NIMBUS_FUZZ_REQUESTS', '3000'))
    seconds = float(os.environ.get('NIMBUS_FUZZ_SECONDS', '60'))
    print('\nfuzz seed {0} (replay: NIMBUS_FUZZ_SEED={0})'.format(seed))
    rng = random.Random(seed)
    server = Server(tmp_path, nimbus_binary())
    server.start()
    findings, recent = [], []
    try:
        sentinel = deploy_sentinel(server.port, tmp_path)
        payload = b'{"before": "the fuzz", "n": 9007199254740993}'
        first = invoke_sentinel(server.port, sentinel, payload)
        assert (first.status_code, first.content) == (200, payload), first.error or first.text
        w = World(tmp_path)
        w.setup(server.port)
        started = time.monotonic()
        sent, died = fuzz(server, w, rng, max_requests, seconds, findings.append, recent)
        print('fuzz sent {0} requests in {1:.1f} s, {2} findings'.format(sent, time.monotonic() - started,
                                                                        len(findings)))
        if not died:
            assert server.running() and server.healthy(), 'nimbus is down after the fuzz:\n' + server.crash_lines()
            after = invoke_sentinel(server.port, sentinel, payload)
            if (after.status_code, after.content) != (200, payload):
                findings.append(Finding('the sentinel function no longer echoes: {0} {1!r}'.format(
                    after.status_code or after.error, after.content[:300]), Case('sentinel', 'POST')))
    finally:
        server.stop()
    if findings:
        with open(str(tmp_path / 'fuzz-findings.jsonl'), 'w') as out:
            for finding in findings:
                out.write(json.dumps(dict(finding.case.dump(), problem=finding.problem)) + '\n')
        report = ['{0} problem(s), seed {1}; every case in {2}'.format(
            len(findings), seed, tmp_path / 'fuzz-findings.jsonl')]
        for finding in findings[:20]:
            report.append('* ' + finding.problem + '\n  ' + finding.case.describe())
            if finding.crash:
                report.append('  last requests before the crash:\n' + '\n'.join(
                    '    ' + c.describe() for c in recent[:-1]))
                report.append('  server stderr:\n' + finding.crash)
        pytest.fail('\n'.join(report), pytrace=False)
