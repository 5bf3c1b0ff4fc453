"""The warm lane for signed sync invocations (what the official SDKs send for InvokeFunction): a warm
call answered on the event loop must look exactly like the router's answer, and everything the lane
does not take (bad signatures, async calls, log tails) must still get the router's answer."""

import base64
import threading
import time

import requests

from interop_util import lane_calls, logged_lines, recorded_calls, signed_headers, split_alias, unique, write_zip

import fc2

HANDLER = r'''import json, os


def handler(event, context):
    print('event handling ' + context.request_id, flush=True)
    if event == b'fail':
        raise ValueError('asked to fail')
    return json.dumps({'event': event.decode(), 'function': context.function.name,
                       'qualifier': context.service.qualifier, 'version': context.service.version_id,
                       'side': os.environ.get('SIDE'), 'request': context.request_id})
'''

# Headers that differ per call or per server, whoever answers.
VARYING = {'date', 'x-fc-request-id', 'x-nimbus-cost', 'content-length', 'x-fc-invocation-duration',
           'x-fc-max-memory-usage', 'x-fc-instance-id'}


def _deploy(client, tmp_path, service, fn, **options):
    client.create_function(service, fn, 'python3', 'index.handler', instanceConcurrency=4,
                           codeZipFile=write_zip(tmp_path / 'inv.zip', {'index.py': HANDLER}), **options)


def _invoke(base, service, fn, payload, **keys):
    """A signed invocation as the SDK sends it, returning the whole response (the SDK raises on function errors)."""
    path = '/2016-08-15/services/{0}/functions/{1}/invocations'.format(service, fn)
    return requests.post(base + path, data=payload, headers=signed_headers('POST', path, **keys), timeout=30)


def _shape(resp):
    """What a client sees of a response, minus what differs per call."""
    headers = {k.lower(): v for k, v in resp.headers.items() if k.lower() not in VARYING}
    return resp.status_code, headers, resp.content.replace(resp.headers['x-fc-request-id'].encode(), b'<id>')


def test_lane_invocations_answer_exactly_as_the_router(client, endpoint, lane_off_endpoint, tmp_path):
    ref_client = fc2.Client(endpoint=lane_off_endpoint, accessKeyID='AK', accessKeySecret='SK')
    shapes = {}
    servers = {'lane': (client, endpoint, {}), 'router': (ref_client, lane_off_endpoint, {'key_id': 'AK', 'secret': 'SK'})}
    for name, (fc, base, keys) in servers.items():
        service = 'laneinvoke'
        try:
            fc.create_service(service)
        except fc2.FcError:
            pass
        _deploy(fc, tmp_path, service, 'echo')
        fc.invoke_function(service, 'echo', payload=b'first')  # the cold start: always the router
        before = lane_calls(base)
        sdk = fc.invoke_function(service, 'echo', payload='héllo'.encode())
        ok = _invoke(base, service, 'echo', 'héllo'.encode(), **keys)
        failed = _invoke(base, service, 'echo', b'fail', **keys)
        assert lane_calls(base) - before == (3 if name == 'lane' else 0), name
        assert sdk.headers['x-fc-request-id'] in sdk.data.decode() and b'"event": "h\\u00e9llo"' in sdk.data
        assert ok.status_code == 200 and ok.json()['request'] == ok.headers['x-fc-request-id']
        assert failed.status_code == 200 and failed.headers['x-fc-error-type'] == 'UnhandledInvocationError'
        assert failed.json()['errorMessage'] == 'asked to fail'
        shapes[name] = (_shape(ok), _shape(failed))
    assert shapes['lane'] == shapes['router']


def test_lane_invocations_are_logged_and_metered(client, endpoint, service, tmp_path):
    fn = unique('inv')
    _deploy(client, tmp_path, service, fn)
    client.invoke_function(service, fn, payload=b'warm up')
    before = lane_calls(endpoint)
    ids = [client.invoke_function(service, fn, payload=b'n%d' % i).headers['x-fc-request-id'] for i in range(10)]
    assert lane_calls(endpoint) - before == 10 and len(set(ids)) == 10
    texts = logged_lines(endpoint, service, fn, ids)
    for rid in ids:
        assert (rid, 'FC Invoke Start RequestId: ' + rid) in texts
        assert (rid, 'event handling ' + rid) in texts, 'the handler\'s own line is attributed to its call'
    assert set(ids) <= recorded_calls(endpoint, service, fn, ids, 'sync')


def test_what_the_lane_does_not_take_gets_the_routers_answer(client, endpoint, service, tmp_path):
    fn = unique('inv')
    _deploy(client, tmp_path, service, fn)
    client.invoke_function(service, fn, payload=b'warm up')
    path = '/2016-08-15/services/{0}/functions/{1}/invocations'.format(service, fn)
    before = lane_calls(endpoint)
    wrong = requests.post(endpoint + path, data=b'x', headers=signed_headers('POST', path, secret='not-it'),
                          timeout=30)
    assert wrong.status_code == 403 and wrong.json()['ErrorCode'] == 'SignatureNotMatch'
    stale = requests.post(endpoint + path, data=b'x', timeout=30,
                          headers=signed_headers('POST', path, date=time.time() - 3600))
    assert stale.status_code == 403
    unsigned = requests.post(endpoint + path, data=b'x', timeout=30)
    assert unsigned.status_code == 403
    tail = client.invoke_function(service, fn, payload=b'tail', headers={'X-Fc-Log-Type': 'Tail'})
    assert 'event handling' in base64.b64decode(tail.headers['x-fc-log-result']).decode()
    queued = client.invoke_function(service, fn, payload=b'later', headers={'X-Fc-Invocation-Type': 'Async'})
    assert queued.headers['x-fc-stateful-async-invocation-id']
    missing = requests.post(endpoint + path.replace(fn, fn + 'x'), data=b'x', timeout=30,
                            headers=signed_headers('POST', path.replace(fn, fn + 'x')))
    assert missing.status_code == 404 and missing.json()['ErrorCode'] == 'FunctionNotFound'
    assert lane_calls(endpoint) == before, 'none of these are the lane\'s'
    assert client.invoke_function(service, fn, payload=b'x').data.startswith(b'{')
    assert lane_calls(endpoint) == before + 1


def test_lane_invocations_keep_an_alias_split(client, endpoint, service, tmp_path):
    fn = unique('inv')
    _deploy(client, tmp_path, service, fn)
    split_alias(client, service, fn)
    before = lane_calls(endpoint)
    counts = {}
    lock = threading.Lock()

    def calls():
        for _ in range(25):
            resp = client.invoke_function(service, fn, payload=b'x', qualifier='live')
            version = resp.headers['x-fc-invocation-service-version']
            assert (b'"side": "two"' in resp.data) == (version == '2')
            with lock:
                counts[version] = counts.get(version, 0) + 1
    threads = [threading.Thread(target=calls) for _ in range(8)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert sum(counts.values()) == 200, counts
    assert 60 <= counts.get('2', 0) <= 140, counts  # binomial(200, 0.5): 10 sd either side
    assert lane_calls(endpoint) > before, 'warm alias calls take the lane'
    # Both versions warm and idle now: a single call through the alias is the lane's.
    before = lane_calls(endpoint)
    client.invoke_function(service, fn, payload=b'x', qualifier='live')
    assert lane_calls(endpoint) == before + 1
