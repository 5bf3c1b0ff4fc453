"""Live tests of the Node.js runtime shim (Sources/NimbusRuntime/Resources/nodejs: the entry point
bootstrap.js and the package nimbus_fc/ beside it).

Each runtime is a real `node bootstrap.js` subprocess serving 127.0.0.1:<free port> with the fixture
code of tests/runtimes/fixtures/nodejs copied to a temp directory; the tests speak the instance
HTTP contract (spec fc-runtimes.md §0, §1, §3, §4) with http.client, the way Nimbus does.
Stdlib only. Run: python3 -m pytest -q tests/runtimes/test_node_runtime.py
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = REPO_ROOT / 'Sources' / 'NimbusRuntime' / 'Resources' / 'nodejs' / 'bootstrap.js'
FIXTURES = Path(__file__).resolve().parent / 'fixtures' / 'nodejs'
NODE = shutil.which('node')

START_TIMEOUT_S = 10
REQUEST_TIMEOUT_S = 10
OUTPUT_TIMEOUT_S = 5
STOP_TIMEOUT_S = 5

LOG_LINE = re.compile(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S*) \[(\w+)\] (.*)$')

pytestmark = pytest.mark.skipif(NODE is None, reason='node is not installed')


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def function_env(port, code_dir, extra_env=None):
    """The environment Nimbus gives a runtime started for the fixture function."""
    env = {
        'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': os.environ.get('HOME', '/tmp'),
        'FC_SERVER_PORT': str(port),
        'FC_FUNC_CODE_PATH': str(code_dir),
        'FC_FUNCTION_HANDLER': 'index.echo',
        'FC_FUNCTION_INITIALIZER': '',
        'FC_FUNCTION_NAME': 'fn',
        'FC_FUNCTION_MEMORY_SIZE': '128',
        'FC_SERVICE_NAME': 'svc',
        'FC_REGION': 'local',
        'FC_ACCOUNT_ID': '1234567890',
        'FC_QUALIFIER': 'LATEST',
        'FC_INSTANCE_ID': 'instance-1',
        'FC_SERVER_LOG_LEVEL': 'warn',
        'FC_INSTANCE_CONCURRENCY': '4',
        'USER_VAR': 'user-value',
    }
    env.update(extra_env or {})
    return env


def standby_env(port, code_dir):
    """The only variables a standby process starts with (the function is not known yet)."""
    return {
        'FC_SERVER_PORT': str(port),
        'FC_FUNC_CODE_PATH': str(code_dir),
        'NIMBUS_STANDBY': '1',
        'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': os.environ.get('HOME', '/tmp'),
        'LANG': 'C.UTF-8',
        'TZ': 'UTC',
    }


class NodeRuntime:
    """One `node bootstrap.js` process with its stdout/stderr captured line by line.

    Default: started for the fixture function (function_env). `standby=True`: started as a standby
    (standby_env) with `cwd` as its working directory; it is assigned later with POST /nimbus/assign.
    """

    def __init__(self, code_dir, extra_env=None, standby=False, cwd=None, poll_interval=0.02):
        self.code_dir = str(code_dir)
        self.port = _free_port()
        self._poll_interval = poll_interval
        if standby:
            env = dict(standby_env(self.port, self.code_dir), **(extra_env or {}))
        else:
            env = function_env(self.port, self.code_dir, extra_env)
        self._started_at = time.monotonic()
        self.proc = subprocess.Popen([NODE, str(BOOTSTRAP)], cwd=str(cwd or self.code_dir), env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._lock = threading.Lock()
        self._stdout = []
        self._stderr = []
        self._readers = [threading.Thread(target=self._pump, args=(self.proc.stdout, self._stdout), daemon=True),
                         threading.Thread(target=self._pump, args=(self.proc.stderr, self._stderr), daemon=True)]
        for reader in self._readers:
            reader.start()
        self._wait_for_port()

    def _pump(self, pipe, sink):
        for raw in iter(pipe.readline, b''):
            with self._lock:
                sink.append(raw.decode('utf-8', 'replace').rstrip('\n'))

    def _wait_for_port(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError('runtime exited early ({0}): {1}'.format(self.proc.returncode, self.stderr()))
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=0.2):
                    self.listen_ms = (time.monotonic() - self._started_at) * 1000
                    return
            except OSError:
                time.sleep(self._poll_interval)
        self.stop()
        raise AssertionError('runtime did not listen within {0}s: {1}'.format(START_TIMEOUT_S, self.stderr()))

    def stdout_lines(self):
        with self._lock:
            return list(self._stdout)

    def stderr(self):
        with self._lock:
            return '\n'.join(self._stderr)

    def wait_for_line(self, predicate, timeout=OUTPUT_TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stdout_lines():
                if predicate(line):
                    return line
            time.sleep(0.01)
        raise AssertionError('no matching stdout line; got:\n' + '\n'.join(self.stdout_lines()))

    def connection(self):
        return http.client.HTTPConnection('127.0.0.1', self.port, timeout=REQUEST_TIMEOUT_S)

    def request(self, method, path, body=b'', headers=None, conn=None):
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            if own:
                conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT_S)
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT_S)


def fc_headers(handler='index.echo', request_id=None, **overrides):
    """The x-fc-* headers of spec §1.1, as Nimbus sends them on every call."""
    headers = {
        'x-fc-request-id': request_id or str(uuid.uuid4()),
        'x-fc-function-name': 'fn',
        'x-fc-function-handler': handler,
        'x-fc-function-memory': '256',
        'x-fc-function-timeout': '30',
        'x-fc-function-initializer': '',
        'x-fc-initialization-timeout': '5',
        'x-fc-service-name': 'svc',
        'x-fc-service-logproject': 'log-project',
        'x-fc-service-logstore': 'log-store',
        'x-fc-qualifier': 'LATEST',
        'x-fc-version-id': '',
        'x-fc-region': 'local',
        'x-fc-account-id': '1234567890',
        'x-fc-retry-count': '0',
        'x-fc-access-key-id': 'STS.ak',
        'x-fc-access-key-secret': 'sk',
        'x-fc-security-token': 'token',
        'x-fc-instance-lifecycle-pre-freeze-handler': '',
        'x-fc-instance-lifecycle-pre-stop-handler': '',
        'x-fc-control-path': '/invoke',
        'Content-Type': 'application/octet-stream',
    }
    for key, value in overrides.items():
        headers['x-fc-' + key.replace('_', '-')] = value
    return headers


def header_values(headers, name):
    return [v for (k, v) in headers if k.lower() == name.lower()]


def single_header(headers, name):
    values = header_values(headers, name)
    assert len(values) == 1, (name, headers)
    return values[0]


def invoke(rt, handler, body=b'', request_id=None, conn=None, **overrides):
    return rt.request('POST', '/invoke', body=body, headers=fc_headers(handler, request_id, **overrides), conn=conn)


def http_params(path, request_uri, method, client_ip='10.0.0.7', host='example.test'):
    raw = json.dumps({'path': path, 'requestURI': request_uri, 'method': method, 'clientIP': client_ip,
                      'host': host}).encode('utf-8')
    return base64.b64encode(raw).decode('ascii')


def http_call(rt, handler, method, uri, fn_path, body=b'', extra_headers=None, conn=None, request_id=None):
    headers = fc_headers(handler, request_id, control_path='/http-invoke')
    del headers['Content-Type']
    headers['x-fc-http-params'] = http_params(fn_path, uri, method)
    headers.update(extra_headers or {})
    return rt.request(method, uri, body=body, headers=headers, conn=conn)


@pytest.fixture(scope='module')
def code_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp('node-code') / 'code'
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture(scope='module')
def rt(code_dir):
    runtime = NodeRuntime(code_dir)
    yield runtime
    runtime.stop()


@pytest.fixture
def fresh_rt(code_dir):
    runtimes = []

    def start(extra_env=None):
        runtime = NodeRuntime(code_dir, extra_env)
        runtimes.append(runtime)
        return runtime

    yield start
    for runtime in runtimes:
        runtime.stop()


# ---- event invocations ------------------------------------------------------------------------

def test_callback_handler_echoes_binary_buffer(rt):
    payload = bytes(range(256)) * 4
    status, headers, body = invoke(rt, 'index.echo', payload)
    assert status == 200
    assert body == payload
    assert single_header(headers, 'Content-Type') == 'application/octet-stream'
    assert single_header(headers, 'x-fc-status') == '200'
    assert header_values(headers, 'x-fc-error-type') == []

    status, _, body = invoke(rt, 'index.echoType', b'abc')
    assert status == 200
    assert json.loads(body) == {'isBuffer': True, 'length': 3}

    status, _, body = invoke(rt, 'index.echo', b'')
    assert (status, body) == (200, b'')


def test_async_handler_uses_promise_value(rt):
    status, _, body = invoke(rt, 'index.asyncEcho', 'héllo'.encode('utf-8'))
    assert status == 200
    assert json.loads(body) == {'async': True, 'event': 'héllo'}


def test_result_conversion(rt):
    assert invoke(rt, 'index.returnsNumber')[::2] == (200, b'42')
    assert invoke(rt, 'index.returnsNothing')[::2] == (200, b'')


def test_nested_and_esm_handlers(rt):
    assert invoke(rt, 'sub/dir/mod.handler', b'x')[::2] == (200, b'nested:x')
    assert invoke(rt, 'esm.handler', b'y')[::2] == (200, b'esm:y')


def test_callback_error_is_handled_invocation_error(rt):
    rid = str(uuid.uuid4())
    status, headers, body = invoke(rt, 'index.handledError', request_id=rid)
    assert status == 404
    assert single_header(headers, 'x-fc-status') == '404'
    assert single_header(headers, 'x-fc-error-type') == 'HandledInvocationError'
    err = json.loads(body)
    assert err['errorMessage'] == 'bad input'
    assert err['errorType'] == 'TypeError'
    assert err['stackTrace'][0] == 'TypeError: bad input'
    assert any(line.startswith('at ') for line in err['stackTrace'])
    assert all(line == line.strip() for line in err['stackTrace'])
    rt.wait_for_line(lambda line: line == 'FC Invoke End RequestId: {0}, Error: Handled function error'.format(rid))

    status, headers, body = invoke(rt, 'index.handledPlain')
    assert status == 404
    assert single_header(headers, 'x-fc-error-type') == 'HandledInvocationError'
    assert json.loads(body) == {'errorMessage': 'something went wrong'}


@pytest.mark.parametrize('handler,error_type,message', [
    ('index.thrown', 'RangeError', 'sync boom'),
    ('index.thrownLater', 'Error', 'async boom'),
    ('index.asyncRejects', 'Error', 'rejected boom'),
])
def test_throw_is_unhandled_invocation_error(rt, handler, error_type, message):
    rid = str(uuid.uuid4())
    status, headers, body = invoke(rt, handler, request_id=rid)
    assert status == 404
    assert single_header(headers, 'x-fc-status') == '404'
    assert single_header(headers, 'x-fc-error-type') == 'UnhandledInvocationError'
    err = json.loads(body)
    assert err['errorMessage'] == message
    assert err['errorType'] == error_type
    assert err['stackTrace'][0] == '{0}: {1}'.format(error_type, message)
    assert any('index.js' in line for line in err['stackTrace'])
    assert all(line == line.strip() for line in err['stackTrace'])
    assert not any('bootstrap.js' in line or 'nimbus_fc' in line for line in err['stackTrace'])  # runtime frames
    rt.wait_for_line(lambda line: line == 'FC Invoke End RequestId: {0}, Error: Unhandled function error'.format(rid))
    # the error JSON is also logged, attributed to the request
    rt.wait_for_line(lambda line: line.endswith(' {0} [error] {1}'.format(rid, body.decode('utf-8'))))
    # the process survives and keeps serving
    assert invoke(rt, 'index.echo', b'still alive')[::2] == (200, b'still alive')


def test_missing_module_and_handler_messages(rt, code_dir):
    status, headers, body = invoke(rt, 'nope.handler')
    assert status == 404
    assert single_header(headers, 'x-fc-error-type') == 'UnhandledInvocationError'
    assert json.loads(body)['errorMessage'] == "Cannot find module '{0}/nope.js'".format(code_dir)

    status, _, body = invoke(rt, 'index.missing')
    assert status == 404
    assert json.loads(body)['errorMessage'] == "Handler 'missing' missing on module 'index'"

    status, _, body = invoke(rt, 'index.notAFunction')
    assert json.loads(body)['errorMessage'] == "Handler 'notAFunction' missing on module 'index'"

    status, _, body = invoke(rt, 'sub/dir/mod.nothing')
    assert json.loads(body)['errorMessage'] == "Handler 'nothing' missing on module 'sub/dir/mod'"

    status, headers, body = invoke(rt, 'broken.handler')
    assert status == 404
    assert single_header(headers, 'x-fc-error-type') == 'UnhandledInvocationError'
    assert json.loads(body)['errorType'] == 'UserCodeSyntaxError'


def test_context_fields(rt, code_dir):
    rid = str(uuid.uuid4())
    baggages = base64.b64encode(json.dumps({'k': 'v'}).encode()).decode()
    status, _, body = invoke(rt, 'index.context', request_id=rid, version_id='3', retry_count='2',
                             function_initializer='index.initializer',
                             tracing_opentracing_span_context='span-ctx',
                             tracing_opentracing_span_baggages=baggages,
                             tracing_jaeger_endpoint='http://jaeger')
    assert status == 200
    ctx = json.loads(body)
    assert ctx['requestId'] == rid
    assert ctx['credentials'] == {'accessKeyId': 'STS.ak', 'accessKeySecret': 'sk', 'securityToken': 'token'}
    assert ctx['function'] == {'name': 'fn', 'handler': 'index.context', 'memory': 256, 'timeout': 30,
                               'initializer': 'index.initializer', 'initializationTimeout': 5}
    assert ctx['service'] == {'name': 'svc', 'logProject': 'log-project', 'logStore': 'log-store',
                              'qualifier': 'LATEST', 'versionId': '3'}
    assert ctx['region'] == 'local'
    assert ctx['accountId'] == '1234567890'
    assert ctx['retryCount'] == 2
    assert ctx['tracing'] == {'openTracingSpanContext': 'span-ctx', 'openTracingSpanBaggages': {'k': 'v'},
                              'jaegerEndpoint': 'http://jaeger'}
    assert ctx['loggerMethods'] == ['debug', 'error', 'info', 'log', 'warn']
    assert ctx['env'] == {'FC_SERVER_PORT': None, 'FC_SERVER_LOG_LEVEL': None, 'FC_INSTANCE_CONCURRENCY': None,
                          'FC_FUNC_CODE_PATH': str(code_dir), 'USER_VAR': 'user-value'}
    assert ctx['cwd'] == str(code_dir)


def test_user_code_sees_only_the_entry_point_of_the_shim(rt):
    """The shim's modules (nimbus_fc/) are out of require.cache and require.main.children, also
    those loaded at the first call of their kind; user modules are loaded by bootstrap.js, whose
    exports are empty."""
    assert http_call(rt, 'index.httpEcho', 'POST', '/v', '/v', body=b'v')[::2] == (200, b'v')
    status, _, body = invoke(rt, 'index.shimVisibility')
    assert status == 200
    assert json.loads(body) == {'cached': [str(BOOTSTRAP)], 'mainChildren': [], 'parentIsMain': True,
                                'mainExports': []}


# ---- initializer and hooks --------------------------------------------------------------------

def test_initializer_succeeds_at_most_once(fresh_rt):
    rt = fresh_rt()
    rid = str(uuid.uuid4())
    headers = fc_headers(request_id=rid, function_initializer='index.flakyInitializer', control_path='/initialize')
    status, resp_headers, body = rt.request('POST', '/initialize', headers=headers)
    assert status == 404
    assert single_header(resp_headers, 'x-fc-error-type') == 'HandledInvocationError'
    assert json.loads(body)['errorMessage'] == 'first attempt fails'
    rt.wait_for_line(lambda line: line == 'FC Initialize Start RequestId: ' + rid)

    rid2 = str(uuid.uuid4())
    headers['x-fc-request-id'] = rid2
    assert rt.request('POST', '/initialize', headers=headers)[::2] == (200, b'ready')
    rt.wait_for_line(lambda line: line == 'FC Initialize End RequestId: ' + rid2)

    headers['x-fc-request-id'] = str(uuid.uuid4())
    assert rt.request('POST', '/initialize', headers=headers)[::2] == (200, b'')
    status, _, body = invoke(rt, 'index.initializerRuns')
    assert json.loads(body) == {'initializerRuns': 0, 'flakyAttempts': 2}
    starts = [line for line in rt.stdout_lines() if line.startswith('FC Initialize Start RequestId: ')]
    assert len(starts) == 2


def test_initializer_from_environment(fresh_rt):
    rt = fresh_rt({'FC_FUNCTION_INITIALIZER': 'index.initializer'})
    headers = fc_headers(control_path='/initialize')  # empty x-fc-function-initializer: env fallback
    for _ in range(3):
        assert rt.request('POST', '/initialize', headers=headers)[0] == 200
    status, _, body = invoke(rt, 'index.initializerRuns')
    assert json.loads(body)['initializerRuns'] == 1


def test_lifecycle_hooks(rt):
    rid = str(uuid.uuid4())
    headers = fc_headers(request_id=rid, instance_lifecycle_pre_freeze_handler='index.preFreeze')
    del headers['x-fc-control-path']
    assert rt.request('GET', '/pre-freeze', headers=headers)[::2] == (200, b'frozen')
    rt.wait_for_line(lambda line: line == 'FC PreFreeze Start RequestId: ' + rid)
    rt.wait_for_line(lambda line: line.endswith(' {0} [verbose] pre-freeze hook {0}'.format(rid)))
    rt.wait_for_line(lambda line: line == 'FC PreFreeze End RequestId: ' + rid)

    rid = str(uuid.uuid4())
    headers = fc_headers(request_id=rid, instance_lifecycle_pre_stop_handler='index.preStop')
    assert rt.request('GET', '/pre-stop', headers=headers)[::2] == (200, b'stopped')
    rt.wait_for_line(lambda line: line == 'FC PreStop End RequestId: ' + rid)

    rid = str(uuid.uuid4())
    status, _, body = rt.request('GET', '/pre-stop', headers=fc_headers(request_id=rid))
    assert (status, body) == (200, b'')
    assert not any(rid in line for line in rt.stdout_lines())

    headers = fc_headers(instance_lifecycle_pre_freeze_handler='index.failingHook')
    status, resp_headers, body = rt.request('GET', '/pre-freeze', headers=headers)
    assert status == 404
    assert single_header(resp_headers, 'x-fc-error-type') == 'UnhandledInvocationError'
    assert json.loads(body)['errorMessage'] == 'hook boom'


# ---- logging ------------------------------------------------------------------------------------

def test_console_lines_carry_request_id_and_level(rt):
    assert_console_lines_carry_request_id_and_level(rt)


def assert_console_lines_carry_request_id_and_level(rt):
    rid = str(uuid.uuid4())
    assert invoke(rt, 'index.logs', request_id=rid)[::2] == (200, b'logged')
    end = rt.wait_for_line(lambda line: line == 'FC Invoke End RequestId: ' + rid)
    lines = rt.stdout_lines()
    start_at = lines.index('FC Invoke Start RequestId: ' + rid)
    end_at = lines.index(end)
    window = lines[start_at + 1:end_at]
    records = []
    for line in window:
        match = LOG_LINE.match(line)
        if match:
            assert match.group(2) == rid
            records.append((match.group(3), match.group(4)))
    assert records == [
        ('verbose', 'plain log'),
        ('info', 'an info'),
        ('warn', 'a warn'),
        ('error', 'an error'),
        ('debug', 'a debug'),
        ('verbose', 'line one\rline two'),
        ('info', 'via context logger'),
        ('warn', 'kept warn'),
    ]
    assert 'raw stdout text' in window


# ---- HTTP trigger -------------------------------------------------------------------------------

def test_http_handler_request_and_response(rt):
    rid = str(uuid.uuid4())
    query = 'a=1&a=2&' + urllib.parse.urlencode({'名字': '你好 world'}) + '&plain=x%2By&empty='
    uri = '/2016-08-15/proxy/svc/fn/items/42?' + query
    status, headers, body = http_call(rt, 'index.http', 'PUT', uri, '/items/42', body=b'hello body',
                                      extra_headers={'X-Custom': 'custom-value', 'Content-Type': 'text/plain'},
                                      request_id=rid)
    assert status == 202, body
    assert header_values(headers, 'X-Multi') == ['one', 'two']
    assert single_header(headers, 'Content-Type') == 'application/json'
    assert header_values(headers, 'X-Removed') == []
    assert header_values(headers, 'x-fc-should-drop') == []
    assert single_header(headers, 'x-fc-status') == '200'
    assert 'close' not in [v.lower() for v in header_values(headers, 'Connection')]
    seen = json.loads(body)
    assert seen['path'] == '/items/42'
    assert seen['queries'] == {'a': ['1', '2'], '名字': '你好 world', 'plain': 'x+y', 'empty': ''}
    assert seen['method'] == 'PUT'
    assert seen['clientIP'] == '10.0.0.7'
    assert seen['url'] == uri
    assert seen['bodyIsBuffer'] is True
    assert seen['body'] == 'hello body'
    assert seen['requestId'] == rid
    assert seen['headers']['x-custom'] == 'custom-value'
    assert seen['headers']['content-type'] == 'text/plain'
    assert not any(name.startswith('x-fc-') for name in seen['headers'])
    assert 'connection' not in seen['headers']
    rt.wait_for_line(lambda line: line == 'FC Invoke End RequestId: ' + rid)


def test_http_without_envelope_falls_back_to_request_line(rt):
    headers = fc_headers('index.http', control_path='/http-invoke')
    status, _, body = rt.request('GET', '/2016-08-15/proxy/svc/fn/caf%C3%A9?q=1', headers=headers)
    assert status == 202
    seen = json.loads(body)
    assert seen['path'] == '/café'
    assert seen['queries'] == {'q': '1'}
    assert seen['method'] == 'GET'
    assert seen['clientIP'] == '127.0.0.1'


def test_http_body_echo_one_megabyte_binary(rt):
    payload = os.urandom(1 << 20)
    status, _, body = http_call(rt, 'index.httpEcho', 'POST', '/upload', '/upload', body=payload)
    assert status == 200
    assert body == payload


def test_http_request_readable_as_stream(rt):
    payload = os.urandom(300 * 1024)
    status, headers, body = http_call(rt, 'index.httpStream', 'POST', '/raw', '/raw', body=payload)
    assert status == 200
    assert body.decode('ascii') == hashlib.sha256(payload).hexdigest()
    assert single_header(headers, 'X-Length') == str(len(payload))


def test_http_send_stream_and_async_handler(rt):
    assert http_call(rt, 'index.httpSendStream', 'GET', '/s', '/s')[::2] == (200, b'streamed response body')
    assert http_call(rt, 'index.httpAsync', 'POST', '/a', '/a')[::2] == (201, b'created')


def test_http_handler_throw_is_unhandled(rt):
    status, headers, body = http_call(rt, 'index.httpThrows', 'GET', '/boom', '/boom')
    assert status == 404
    assert single_header(headers, 'x-fc-status') == '404'
    assert single_header(headers, 'x-fc-error-type') == 'UnhandledInvocationError'
    err = json.loads(body)
    assert err['errorMessage'] == 'http boom'
    assert err['errorType'] == 'Error'
    assert err['stackTrace'][0] == 'Error: http boom'


def test_keep_alive_reuses_one_connection(rt):
    conn = rt.connection()
    try:
        status, _, body = http_call(rt, 'index.httpEcho', 'POST', '/k', '/k', body=b'first', conn=conn)
        assert (status, body) == (200, b'first')
        sock = conn.sock
        assert sock is not None
        status, _, body = http_call(rt, 'index.httpEcho', 'POST', '/k', '/k', body=b'second', conn=conn)
        assert (status, body) == (200, b'second')
        status, _, body = invoke(rt, 'index.echo', b'third', conn=conn)
        assert (status, body) == (200, b'third')
        assert conn.sock is sock
    finally:
        conn.close()


# ---- concurrency --------------------------------------------------------------------------------

def test_concurrent_calls_overlap_and_log_their_own_request_id(rt):
    calls = [('t{0}'.format(i), str(uuid.uuid4())) for i in range(4)]

    def run(call):
        tag, rid = call
        return invoke(rt, 'index.slow', tag.encode(), request_id=rid)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, calls))
    elapsed = time.monotonic() - started
    assert elapsed < 1.5, elapsed
    for (tag, rid), (status, _, body) in zip(calls, results):
        assert status == 200
        assert body.decode() == '{0}:{1}'.format(tag, rid)
        for word in ('begin', 'end'):
            line = rt.wait_for_line(lambda l, w=word, t=tag: l.endswith('[verbose] {0} {1}'.format(w, t)))
            assert LOG_LINE.match(line).group(2) == rid


def test_concurrent_async_error_fails_only_its_own_call(rt):
    slow = [('u{0}'.format(i), str(uuid.uuid4())) for i in range(3)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(invoke, rt, 'index.slowAsync', tag.encode(), rid) for tag, rid in slow]
        time.sleep(0.05)
        failing = pool.submit(invoke, rt, 'index.thrownLater')
        failed = failing.result(timeout=REQUEST_TIMEOUT_S)
        results = [f.result(timeout=REQUEST_TIMEOUT_S) for f in futures]
    assert failed[0] == 404
    assert json.loads(failed[2])['errorMessage'] == 'async boom'
    for (tag, rid), (status, _, body) in zip(slow, results):
        assert (status, body) == (200, tag.encode())
        line = rt.wait_for_line(lambda l, t=tag: l.endswith('[info] done ' + t))
        assert LOG_LINE.match(line).group(2) == rid


# ---- process ------------------------------------------------------------------------------------

def test_exits_promptly_on_sigterm(fresh_rt):
    rt = fresh_rt()
    assert invoke(rt, 'index.echo', b'x')[::2] == (200, b'x')
    started = time.monotonic()
    rt.proc.send_signal(signal.SIGTERM)
    rt.proc.wait(timeout=STOP_TIMEOUT_S)
    assert time.monotonic() - started < 2


# ---- standby mode (NIMBUS_STANDBY=1, POST /nimbus/assign) ------------------------------------------

INTERNAL_VARIABLES = ('FC_SERVER_PORT', 'FC_SERVER_LOG_LEVEL', 'FC_INSTANCE_CONCURRENCY')
ASSIGN_LIMIT_MS = 50


def without_internal(env):
    return {k: v for k, v in env.items() if k not in INTERNAL_VARIABLES}


def assign(rt, environment=None, raw=None):
    """POST /nimbus/assign on a fresh connection; returns (status, headers, body, elapsed ms)."""
    body = raw if raw is not None else json.dumps({'environment': environment}).encode('utf-8')
    conn = rt.connection()
    try:
        started = time.perf_counter()
        conn.request('POST', '/nimbus/assign', body=body, headers={'Content-Type': 'application/json'})
        resp = conn.getresponse()
        data = resp.read()
        elapsed_ms = (time.perf_counter() - started) * 1000
        return resp.status, resp.getheaders(), data, elapsed_ms
    finally:
        conn.close()


def assert_json_error(status, headers, body, expected_status, message=None):
    assert status == expected_status, (status, body)
    assert single_header(headers, 'Content-Type') == 'application/json'
    err = json.loads(body)
    assert isinstance(err['errorMessage'], str) and err['errorMessage']
    if message is not None:
        assert err == {'errorMessage': message}


def assert_unassigned(rt, conn=None):
    calls = [
        ('POST', '/invoke', fc_headers('index.echo')),
        ('POST', '/initialize', fc_headers(function_initializer='index.initializer', control_path='/initialize')),
        ('GET', '/pre-freeze', fc_headers(instance_lifecycle_pre_freeze_handler='index.preFreeze')),
        ('GET', '/pre-stop', fc_headers(instance_lifecycle_pre_stop_handler='index.preStop')),
        ('GET', '/2016-08-15/proxy/svc/fn/x', fc_headers('index.http', control_path='/http-invoke')),
        ('POST', '/nimbus/assign', fc_headers('index.http', control_path='/http-invoke')),  # HTTP trigger
        ('GET', '/', {}),
    ]
    for method, path, headers in calls:
        status, resp_headers, body = rt.request(method, path, body=b'{"environment": {}}' if method == 'POST' else b'',
                                                headers=headers, conn=conn)
        assert_json_error(status, resp_headers, body, 503, 'instance not assigned')
    # The platform's question before it assigns (it keeps this connection for the assignment).
    status, _, body = rt.request('GET', '/nimbus/assign', conn=conn)
    assert (status, json.loads(body)) == (200, {'assigned': False})


@pytest.fixture
def standby_rt(tmp_path):
    """A standby runtime: empty code dir (mounted late), started from another working directory."""
    late_code = tmp_path / 'code'
    late_code.mkdir()
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    runtimes = []

    def start():
        runtime = NodeRuntime(late_code, {'TMPDIR': str(scratch)}, standby=True, cwd=elsewhere)
        runtime.tmp_dir = scratch
        runtimes.append(runtime)
        return runtime

    yield start, late_code
    for runtime in runtimes:
        runtime.stop()


def mount_code(late_code):
    """Simulates the late mount: the fixture code appears in the (empty) code dir."""
    assert list(late_code.iterdir()) == []
    shutil.copytree(FIXTURES, late_code, dirs_exist_ok=True)


def test_standby_unassigned_calls_get_503(standby_rt):
    start, late_code = standby_rt
    sb = start()
    assert list(sb.tmp_dir.iterdir()) == [], 'the warm-up module it loaded before listening is gone'
    conn = sb.connection()
    try:
        assert_unassigned(sb, conn=conn)  # one keep-alive connection for all of them
        mount_code(late_code)
        assert_unassigned(sb, conn=conn)
    finally:
        conn.close()
    time.sleep(0.1)
    assert not any(line.startswith('FC ') for line in sb.stdout_lines()), sb.stdout_lines()
    assert sb.proc.poll() is None


def test_standby_rejects_bad_assign_and_stays_assignable(standby_rt):
    start, late_code = standby_rt
    sb = start()
    mount_code(late_code)
    bad = [
        b'not json',
        b'[]',
        b'{}',
        b'{"environment": ["A=B"]}',
        b'{"environment": null}',
        b'{"environment": {"A": 1}}',
        b'{"environment": {"A=B": "x"}}',
        b'{"environment": {"": "x"}}',
    ]
    for raw in bad:
        status, headers, body, _ = assign(sb, raw=raw)
        assert_json_error(status, headers, body, 400)
    missing = dict(function_env(sb.port, late_code), FC_FUNC_CODE_PATH=str(late_code / 'missing'))
    status, headers, body, _ = assign(sb, missing)
    assert_json_error(status, headers, body, 500)
    assert_unassigned(sb)
    status, _, body, _ = assign(sb, function_env(sb.port, late_code))
    assert (status, json.loads(body)) == (200, {'assigned': True})
    assert invoke(sb, 'index.echo', b'ok')[::2] == (200, b'ok')


def test_standby_assigned_behaves_like_normal_start(standby_rt, rt, code_dir, capsys):
    start, late_code = standby_rt
    sb = start()
    assert_unassigned(sb)
    mount_code(late_code)

    environment = function_env(sb.port, late_code, {
        'FC_FUNCTION_INITIALIZER': 'index.initializer',
        'FC_SERVER_LOG_LEVEL': 'info',
        'ALIBABA_CLOUD_ACCESS_KEY_ID': 'env-ak',
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET': 'env-sk',
        'ALIBABA_CLOUD_SECURITY_TOKEN': 'env-token',
        'LANG': 'C.UTF-8',
        'TZ': 'Asia/Shanghai',  # the standby started with TZ=UTC
    })
    status, headers, body, elapsed_ms = assign(sb, environment)
    with capsys.disabled():
        print('\n[standby] POST /nimbus/assign answered in {0:.2f} ms'.format(elapsed_ms))
    assert status == 200, body
    assert single_header(headers, 'Content-Type') == 'application/json'
    assert json.loads(body) == {'assigned': True}
    assert elapsed_ms < ASSIGN_LIMIT_MS

    # the echo / callback handler, and the default handler from FC_FUNCTION_HANDLER
    payload = bytes(range(256)) * 4
    status, headers, body = invoke(sb, 'index.echo', payload)
    assert (status, body) == (200, payload)
    assert single_header(headers, 'x-fc-status') == '200'
    headers = fc_headers()
    del headers['x-fc-function-handler']
    assert sb.request('POST', '/invoke', body=b'default', headers=headers)[::2] == (200, b'default')
    assert invoke(sb, 'index.asyncEcho', b'a')[::2] == (200, b'{"async":true,"event":"a"}')
    assert invoke(sb, 'esm.handler', b'y')[::2] == (200, b'esm:y')
    assert invoke(sb, 'sub/dir/mod.handler', b'x')[::2] == (200, b'nested:x')
    status, _, body = invoke(sb, 'nope.handler')
    assert json.loads(body)['errorMessage'] == "Cannot find module '{0}/nope.js'".format(late_code)

    # process.env is exactly the assigned mapping minus the internal variables (same as a normal start)
    status, _, body = invoke(sb, 'index.env')
    env = json.loads(body)
    assert env == without_internal(environment)
    assert env['USER_VAR'] == 'user-value'
    assert 'FC_SERVER_PORT' not in env and 'NIMBUS_STANDBY' not in env
    assert json.loads(invoke(rt, 'index.env')[2]) == without_internal(function_env(rt.port, code_dir))
    assert json.loads(invoke(sb, 'index.timezoneOffset')[2]) == {'offset': -480}

    # context: headers win, the assigned environment fills the gaps; cwd is the code dir
    rid = str(uuid.uuid4())
    status, _, body = invoke(sb, 'index.context', request_id=rid)
    ctx = json.loads(body)
    assert ctx['requestId'] == rid
    assert ctx['function']['name'] == 'fn'
    assert ctx['env'] == {'FC_SERVER_PORT': None, 'FC_SERVER_LOG_LEVEL': None, 'FC_INSTANCE_CONCURRENCY': None,
                          'FC_FUNC_CODE_PATH': str(late_code), 'USER_VAR': 'user-value'}
    assert ctx['cwd'] == str(late_code)
    headers = {'x-fc-request-id': rid, 'x-fc-function-handler': 'index.context'}
    ctx = json.loads(sb.request('POST', '/invoke', headers=headers)[2])
    assert ctx['credentials'] == {'accessKeyId': 'env-ak', 'accessKeySecret': 'env-sk',
                                  'securityToken': 'env-token'}
    assert ctx['function'] == {'name': 'fn', 'handler': 'index.context', 'memory': 128, 'timeout': 0,
                               'initializer': 'index.initializer', 'initializationTimeout': 0}
    assert ctx['service']['name'] == 'svc' and ctx['service']['qualifier'] == 'LATEST'
    assert (ctx['region'], ctx['accountId']) == ('local', '1234567890')

    # console lines carry the request id; concurrent calls overlap
    assert_console_lines_carry_request_id_and_level(sb)
    with ThreadPoolExecutor(max_workers=4) as pool:
        started = time.monotonic()
        results = list(pool.map(lambda tag: invoke(sb, 'index.slow', tag.encode()), ['a', 'b', 'c']))
        assert time.monotonic() - started < 1.5
    assert all(status == 200 for status, _, _ in results)

    # the initializer configured through the assigned environment runs once
    rid = str(uuid.uuid4())
    headers = fc_headers(request_id=rid, control_path='/initialize')  # empty header: env fallback
    assert sb.request('POST', '/initialize', headers=headers)[0] == 200
    line = sb.wait_for_line(lambda l: l.endswith('[verbose] initializing ' + rid))
    assert LOG_LINE.match(line).group(2) == rid
    for _ in range(2):
        assert sb.request('POST', '/initialize', headers=fc_headers(control_path='/initialize'))[0] == 200
    assert json.loads(invoke(sb, 'index.initializerRuns')[2])['initializerRuns'] == 1

    # the HTTP trigger, including a user path that happens to be /nimbus/assign
    status, _, body = http_call(sb, 'index.httpEcho', 'POST', '/nimbus/assign', '/nimbus/assign', body=b'mine')
    assert (status, body) == (200, b'mine')

    # FC_SERVER_LOG_LEVEL from the assigned environment governs the shim's own diagnostics
    assert 'assigned (code {0}, concurrency 4)'.format(late_code) in sb.stderr()

    # a second assign is refused and changes nothing
    status, headers, body, _ = assign(sb, dict(environment, USER_VAR='other'))
    assert_json_error(status, headers, body, 409)
    assert json.loads(invoke(sb, 'index.env')[2])['USER_VAR'] == 'user-value'


def test_standby_exits_promptly_on_sigterm_while_unassigned(standby_rt):
    start, _ = standby_rt
    sb = start()
    started = time.monotonic()
    sb.proc.send_signal(signal.SIGTERM)
    sb.proc.wait(timeout=STOP_TIMEOUT_S)
    assert time.monotonic() - started < 2


def test_standby_and_normal_start_times(tmp_path, code_dir, capsys):
    """Measured and printed, not asserted: start-to-listening (a standby warms up before it listens),
    and cold start to first result (a standby is assigned as soon as it listens: its worst case)."""
    rounds = 5
    normal_listen, normal_first = [], []
    standby_listen, standby_assign, standby_first = [], [], []
    for i in range(rounds):
        runtime = NodeRuntime(code_dir, poll_interval=0.001)
        try:
            normal_listen.append(runtime.listen_ms)
            started = time.perf_counter()
            assert invoke(runtime, 'index.echo', b'x')[::2] == (200, b'x')
            normal_first.append(runtime.listen_ms + (time.perf_counter() - started) * 1000)
        finally:
            runtime.stop()

        late_code = tmp_path / 'code{0}'.format(i)
        late_code.mkdir()
        runtime = NodeRuntime(late_code, standby=True, cwd=tmp_path, poll_interval=0.001)
        try:
            standby_listen.append(runtime.listen_ms)
            mount_code(late_code)
            started = time.perf_counter()
            status, _, _, assign_ms = assign(runtime, function_env(runtime.port, late_code))
            assert status == 200
            assert invoke(runtime, 'index.echo', b'x')[::2] == (200, b'x')
            standby_assign.append(assign_ms)
            standby_first.append((time.perf_counter() - started) * 1000)
        finally:
            runtime.stop()

    def median(values):
        return sorted(values)[len(values) // 2]

    with capsys.disabled():
        print('\n[timing] start-to-listening, median of {0}: normal {1:.1f} ms, standby {2:.1f} ms'.format(
            rounds, median(normal_listen), median(standby_listen)))
        print('[timing] cold start to first result: normal (spawn+listen+call) {0:.1f} ms, '
              'standby (assign+call) {1:.1f} ms; assign alone {2:.2f} ms'.format(
                  median(normal_first), median(standby_first), median(standby_assign)))
