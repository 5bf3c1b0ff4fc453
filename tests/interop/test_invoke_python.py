"""Python 3 functions deployed and invoked through the official SDK (fc-runtimes spec section 2)."""

import base64
import json
import time

import fc2
import pytest

from interop_util import unique

PY_SRC = r'''
import json, logging, os, time

def handler(event, context):
    logging.getLogger().info('got %d bytes', len(event))
    print('printed line')
    return b'hi ' + event

def info(event, context):
    return {
        'requestId': context.request_id, 'function': context.function.name, 'handler': context.function.handler,
        'memory': context.function.memory, 'timeout': context.function.timeout, 'service': context.service.name,
        'qualifier': context.service.qualifier, 'region': context.region, 'accountId': context.account_id,
        'pid': os.getpid(), 'instance': os.environ.get('FC_INSTANCE_ID'), 'env': os.environ.get('GREETING'), 'codePath': os.environ.get('FC_FUNC_CODE_PATH'),
        'secretLeak': os.environ.get('NIMBUS_ACCESS_KEY_SECRET'),
    }

def boom(event, context):
    raise ValueError('bad input: ' + event.decode())

def forever(event, context):
    while True:
        pass

def die(event, context):
    os._exit(7)

def value(event, context):
    return {'b': 1, 'a': [1, 2]}
'''


@pytest.fixture
def pyfn(client, service, make_zip):
    def _make(handler, **kwargs):
        name = unique('py')
        client.create_function(service, name, 'python3.10', handler, codeZipFile=make_zip({'index.py': PY_SRC}),
                               memorySize=256, timeout=kwargs.pop('timeout', 10),
                               environmentVariables={'GREETING': 'hello'}, **kwargs)
        return name
    return _make


def test_event_function_returns_result_and_log_tail(client, service, pyfn):
    fn = pyfn('index.handler')
    resp = client.invoke_function(service, fn, payload=b'world', headers={'x-fc-log-type': 'Tail'})
    assert resp.data == b'hi world'
    request_id = resp.headers['x-fc-request-id']
    log = base64.b64decode(resp.headers['x-fc-log-result']).decode()
    assert 'FC Invoke Start RequestId: ' + request_id in log
    assert 'FC Invoke End RequestId: ' + request_id in log
    assert 'printed line' in log
    assert ' ' + request_id + ' [INFO] got 5 bytes' in log
    assert int(resp.headers['x-fc-invocation-duration']) >= 0
    assert resp.headers['x-fc-code-checksum'] == client.get_function(service, fn).data['codeChecksum']


def test_context_and_environment(client, service, pyfn):
    fn = pyfn('index.info')
    resp = client.invoke_function(service, fn, payload=b'')
    info = json.loads(resp.data)
    assert info['requestId'] == resp.headers['x-fc-request-id']
    assert (info['function'], info['handler'], info['memory'], info['timeout']) == (fn, 'index.info', 256, 10)
    assert (info['service'], info['qualifier'], info['region'], info['accountId']) == (
        service, 'LATEST', 'local', '1234567890')
    assert info['env'] == 'hello'
    assert info['secretLeak'] is None, 'the platform credentials leaked into the instance'


def test_warm_calls_reuse_the_instance(client, service, pyfn):
    fn = pyfn('index.info')
    first = json.loads(client.invoke_function(service, fn, payload=b'').data)
    second = json.loads(client.invoke_function(service, fn, payload=b'').data)
    assert (first['instance'], first['pid']) == (second['instance'], second['pid']), 'a warm call started a new process'
    assert len(client.list_instances(service, 'LATEST', fn).data['instances']) == 1


def test_unhandled_exception_comes_back_with_stack(client, service, pyfn):
    fn = pyfn('index.boom')
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, fn, payload=b'xyz')
    err = info.value
    assert err.status_code == 200
    body = json.loads(err.message)
    assert body['errorType'] == 'ValueError'
    assert body['errorMessage'] == 'bad input: xyz'
    assert any('index.py' in frame[0] for frame in body['stackTrace'])


def test_unhandled_error_header(endpoint, client, service, pyfn):
    fn = pyfn('index.boom')
    from interop_util import raw_request
    resp = raw_request(endpoint, 'POST', '/2016-08-15/services/{0}/functions/{1}/invocations'.format(service, fn),
                       body=b'q')
    assert resp.status_code == 200
    assert resp.headers['x-fc-error-type'] == 'UnhandledInvocationError'


def test_infinite_loop_is_cut_at_its_timeout_and_the_next_call_succeeds(client, service, pyfn, make_zip):
    fn = pyfn('index.forever', timeout=2)
    started = time.monotonic()
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, fn, payload=b'')
    elapsed = time.monotonic() - started
    assert 1.9 <= elapsed < 6, elapsed
    assert 'Function timed out after 2 seconds' in info.value.message
    client.update_function(service, fn, handler='index.handler')
    assert client.invoke_function(service, fn, payload=b'again').data == b'hi again'


def test_crash_fails_only_that_call(client, service, pyfn):
    fn = pyfn('index.die')
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, fn, payload=b'')
    assert 'Process exited unexpectedly' in info.value.message
    client.update_function(service, fn, handler='index.value')
    assert json.loads(client.invoke_function(service, fn, payload=b'').data) == {'a': [1, 2], 'b': 1}


def test_json_return_value_is_pretty_and_sorted(client, service, pyfn):
    fn = pyfn('index.value')
    assert client.invoke_function(service, fn).data == json.dumps({'b': 1, 'a': [1, 2]}, indent=4,
                                                                  sort_keys=True).encode()


def test_binary_payload_round_trips(client, service, pyfn):
    fn = pyfn('index.handler')
    payload = bytes(range(256)) * 64
    assert client.invoke_function(service, fn, payload=payload).data == b'hi ' + payload


def test_initializer_runs_once_per_instance(client, service, make_zip):
    src = ('import os\nSTATE = {"n": 0}\n'
           'def init(context):\n    STATE["n"] += 1\n'
           'def handler(event, context):\n    return "%d %s" % (STATE["n"], os.environ["FC_INSTANCE_ID"])\n')
    fn = unique('init')
    client.create_function(service, fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': src}),
                           initializer='index.init', initializationTimeout=5)
    first = client.invoke_function(service, fn).data.split()
    second = client.invoke_function(service, fn).data.split()
    assert first[0] == b'1' and second[0] == b'1' and first[1] == second[1]


def test_failing_initializer_fails_the_call(client, service, make_zip):
    src = 'def init(context):\n    raise RuntimeError("no db")\ndef handler(event, context):\n    return "ok"\n'
    fn = unique('init')
    client.create_function(service, fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': src}),
                           initializer='index.init')
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, fn)
    assert 'no db' in info.value.message


def test_payload_over_the_sync_limit_is_refused(endpoint, service, pyfn):
    from interop_util import check_error_response, raw_request
    fn = pyfn('index.handler')
    resp = raw_request(endpoint, 'POST', '/2016-08-15/services/{0}/functions/{1}/invocations'.format(service, fn),
                       body=b'x' * (32 * 1024 * 1024 + 1))
    check_error_response(resp, 400, 'EntityTooLarge')


def test_unknown_function_is_not_found(client, service):
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, 'nope')
    assert info.value.status_code == 404 and info.value.err_code == 'FunctionNotFound'


def test_async_invocation_is_accepted_and_runs(client, endpoint, service, pyfn):
    from interop_util import raw_request
    fn = pyfn('index.handler')
    resp = client.invoke_function(service, fn, payload=b'later', headers={'x-fc-invocation-type': 'Async'})
    assert resp.data == b''
    request_id = resp.headers['x-fc-request-id']
    path = '/2016-08-15/services/{0}/functions/{1}/logs'.format(service, fn)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        lines = raw_request(endpoint, 'GET', path).json()['logs']
        if any(l['requestId'] == request_id and l['message'].startswith('FC Invoke End') for l in lines):
            return
        time.sleep(0.2)
    pytest.fail('the async invocation never ran')
