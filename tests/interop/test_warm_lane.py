"""The warm lane: warm HTTP-trigger calls answered on the event loop must look exactly like the
router's answers (headers, body, errors, logs, metering), and a second server with
NIMBUS_WARM_LANE=off is the reference they are compared with."""

import re
import socket
import threading
import time

import requests

from interop_util import bootstrap_zip, lane_calls, logged_lines, recorded_calls, split_alias, unique

import fc2

# A custom runtime: a threaded HTTP server that reports what it was sent, and misbehaves on request.
APP = r'''#!/usr/bin/env python3
import base64, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *args):
        pass
    def do_GET(self):
        self.answer()
    def do_POST(self):
        self.answer()
    def answer(self):
        body = self.rfile.read(int(self.headers.get('content-length') or 0))
        if self.path.endswith('/sleep'):
            time.sleep(30)
        if self.path.endswith('/exit'):
            os._exit(3)
        print('handling ' + self.headers.get('x-fc-request-id', ''), flush=True)
        params = json.loads(base64.b64decode(self.headers['x-fc-http-params']))
        out = json.dumps({
            'path': self.path, 'params': params, 'body': body.decode(), 'pid': os.getpid(), 'instance': os.environ.get('FC_INSTANCE_ID'),
            'fc': {k: v for k, v in self.headers.items() if k.lower().startswith('x-fc-') and k.lower() != 'x-fc-http-params'},
            'custom': self.headers.get('x-custom'), 'draw': self.headers.get('x-nimbus-lane-draw'),
        }).encode()
        self.send_response(201)
        self.send_header('Content-Type', 'application/json')
        self.send_header('X-Reply', 'yes')
        self.send_header('X-Fc-Secret', 'hidden')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)

ThreadingHTTPServer(('0.0.0.0', int(os.environ['FC_SERVER_PORT'])), Handler).serve_forever()
'''

# Headers that differ per call or per server, whoever answers.
VARYING = {'date', 'x-fc-request-id', 'x-nimbus-cost', 'content-length'}


def _deploy(client, tmp_path, service, fn, auth='anonymous'):
    client.create_function(service, fn, 'custom', 'index.handler', codeZipFile=bootstrap_zip(tmp_path / 'lane.zip', APP), timeout=2,
                           instanceConcurrency=4)
    client.create_trigger(service, fn, 'web', 'http', {'authType': auth, 'methods': ['GET', 'POST']}, None, None)


def _url(endpoint, service, fn, path):
    return '{0}/2016-08-15/proxy/{1}/{2}{3}'.format(endpoint, service, fn, path)


def _shape(resp):
    """What a client sees of a response, minus what differs per call."""
    headers = {k.lower(): v for k, v in resp.headers.items() if k.lower() not in VARYING}
    body = resp.json()
    body.pop('pid')
    body.pop('instance')
    body['params']['host'] = body['params']['host'].split(':')[0]  # the two servers listen on different ports
    body['fc'] = {k.lower(): v for k, v in body['fc'].items() if k.lower() not in ('x-fc-request-id', 'x-fc-account-id')}
    return resp.status_code, headers, body


def test_lane_answers_exactly_as_the_router(client, endpoint, lane_off_endpoint, tmp_path):
    ref_client = fc2.Client(endpoint=lane_off_endpoint, accessKeyID='AK', accessKeySecret='SK')
    shapes = {}
    for name, (fc, base) in {'lane': (client, endpoint), 'router': (ref_client, lane_off_endpoint)}.items():
        service = 'lanesvc'
        fn = 'echo'
        try:
            fc.create_service(service)
        except fc2.FcError:
            pass
        _deploy(fc, tmp_path, service, fn)
        before = lane_calls(base)
        first = requests.get(_url(base, service, fn, '/warm'), timeout=30)  # the cold start: always the router
        assert first.status_code == 201
        resp = requests.post(_url(base, service, fn, '/items/3?q=%C3%BCber&tag=x'), data='héllo'.encode(),
                             headers={'X-Custom': 'v1', 'X-Fc-Request-Id': 'forged', 'X-Fc-Function-Name': 'other'},
                             timeout=30)
        encoded = requests.get(_url(base, service, fn, '/caf%C3%A9/a%20b'), timeout=30)
        assert encoded.json()['params']['path'] == '/café/a b'
        targeted = requests.get(base + '/bare/path?k=v', timeout=30,
                                headers={'X-Fc-Invocation-Target': '2016-08-15/proxy/{0}/{1}'.format(service, fn)})
        assert targeted.json()['params']['path'] == '/bare/path'
        shapes[name] = [_shape(resp), _shape(encoded), _shape(targeted)]
        body = resp.json()
        assert body['fc']['x-fc-request-id'] == resp.headers['x-fc-request-id'] != 'forged'
        assert body['fc']['x-fc-function-name'] == fn, 'a client cannot set the contract headers'
        assert body['params']['path'] == '/items/3' and body['params']['method'] == 'POST'
        assert body['params']['requestURI'] == '/2016-08-15/proxy/{0}/{1}/items/3?q=%C3%BCber&tag=x'.format(
            service, fn)
        assert body['body'] == 'héllo' and body['custom'] == 'v1'
        assert 'x-fc-secret' not in {k.lower() for k in resp.headers}, 'x-fc-* reply headers stay inside'
        assert 'cu=' in resp.headers['x-nimbus-cost']
        assert lane_calls(base) - before == (3 if name == 'lane' else 0), name
    assert shapes['lane'] == shapes['router']


def test_lane_calls_are_logged_and_metered(client, endpoint, service, tmp_path):
    fn = unique('lane')
    _deploy(client, tmp_path, service, fn)
    requests.get(_url(endpoint, service, fn, '/'), timeout=30)
    before = lane_calls(endpoint)
    ids = []
    with requests.Session() as session:
        for i in range(20):
            resp = session.get(_url(endpoint, service, fn, '/n/%d' % i), timeout=30)
            assert resp.status_code == 201
            ids.append(resp.headers['x-fc-request-id'])
    assert len(set(ids)) == 20
    assert lane_calls(endpoint) - before == 20
    texts = logged_lines(endpoint, service, fn, ids)
    for rid in ids:
        assert (rid, 'FC Invoke Start RequestId: ' + rid) in texts
        assert (rid, 'FC Invoke End RequestId: ' + rid) in texts
        assert (rid, 'handling ' + rid) in texts, 'the program\'s own line is attributed to its call'
    assert set(ids) <= recorded_calls(endpoint, service, fn, ids, 'http')
    instances = client.list_instances(service, 'LATEST', fn).data['instances']
    assert len(instances) == 1


def test_lane_timeout_and_crash_end_the_instance_and_answer_fc_errors(client, endpoint, service, tmp_path,
                                                                      assert_alive):
    fn = unique('lane')
    _deploy(client, tmp_path, service, fn)
    first = requests.get(_url(endpoint, service, fn, '/'), timeout=30).json()['instance']
    before = lane_calls(endpoint)
    started = time.monotonic()
    slow = requests.get(_url(endpoint, service, fn, '/sleep'), timeout=30)
    assert lane_calls(endpoint) - before == 1
    assert slow.status_code == 502 and slow.headers['x-fc-error-type'] == 'UnhandledInvocationError'
    assert 'timed out' in slow.json()['errorMessage'].lower()
    assert 1.5 < time.monotonic() - started < 10, 'the 2 s function timeout ends the call'
    second = requests.get(_url(endpoint, service, fn, '/'), timeout=30)
    assert second.status_code == 201 and second.json()['instance'] != first, 'a timed-out instance is replaced'
    crash = requests.get(_url(endpoint, service, fn, '/exit'), timeout=30)
    assert crash.status_code == 502 and 'exited' in crash.json()['errorMessage'].lower()
    assert requests.get(_url(endpoint, service, fn, '/'), timeout=30).status_code == 201
    assert_alive()


def test_lane_keeps_http1_order_and_leaves_signed_triggers_to_the_router(client, endpoint, service, tmp_path):
    fn = unique('lane')
    _deploy(client, tmp_path, service, fn)
    requests.get(_url(endpoint, service, fn, '/'), timeout=30)
    port = int(endpoint.rsplit(':', 1)[1])
    request = ('GET /2016-08-15/proxy/{0}/{1}/p/{{0}} HTTP/1.1\r\nHost: x\r\n\r\n'.format(service, fn))
    unknown = 'GET /2016-08-15/proxy/{0}/missing/p HTTP/1.1\r\nHost: x\r\n\r\n'.format(service)
    pipelined = request.format(1) + unknown + request.format(2) + request.format(3)
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        sock.sendall(pipelined.encode())
        data = b''
        deadline = time.monotonic() + 20
        while data.count(b'HTTP/1.1 ') < 4 and time.monotonic() < deadline:
            data += sock.recv(65536)
    statuses = re.findall(rb'HTTP/1\.1 (\d+)', data)
    assert statuses == [b'201', b'404', b'201', b'201']
    paths = re.findall(rb'"path": "/2016-08-15/proxy/[^"]*/p/(\d)', data)
    assert paths == [b'1', b'2', b'3'], 'answers come back in the order the requests were sent'

    signed = unique('lane')
    _deploy(client, tmp_path, service, signed, auth='function')
    assert requests.get(_url(endpoint, service, signed, '/'), timeout=30).status_code == 403
    before = lane_calls(endpoint)
    assert client.do_http_request('GET', service, signed, '/').status_code == 201
    assert requests.get(_url(endpoint, service, signed, '/'), timeout=30).status_code == 403
    assert lane_calls(endpoint) == before, 'signed triggers are checked by the router'


def test_lane_routes_custom_domains_as_the_router_does(client, endpoint, service, tmp_path):
    items, web = unique('lane'), unique('lane')
    _deploy(client, tmp_path, service, items)
    _deploy(client, tmp_path, service, web)
    name = unique('d').replace('_', '-') + '.localhost'
    client.create_custom_domain(name, 'HTTP', {'routes': [
        {'path': '/items/*', 'serviceName': service, 'functionName': items},
        {'path': '/*', 'serviceName': service, 'functionName': web, 'methods': ['GET']}]})
    with requests.Session() as session:
        def get(path, method='GET'):
            return session.request(method, endpoint + path, headers={'Host': name}, timeout=30)
        get('/items/0'), get('/')  # first calls: the router looks the host up and starts the instances
        before = lane_calls(endpoint)
        first = get('/items/3?x=1')
        assert first.status_code == 201
        assert first.json()['params']['path'] == '/items/3' and first.json()['path'] == '/items/3?x=1'
        assert first.json()['fc']['x-fc-function-name'] == items
        proxy_path = get('/2016-08-15/proxy/{0}/{1}/p'.format(service, items))
        assert proxy_path.json()['fc']['x-fc-function-name'] == web, 'a domain routes by its own paths only'
        assert lane_calls(endpoint) - before == 2
        # A bare path naming its function goes there, before the host's domain, on either path.
        targeted = session.get(endpoint + '/items/9', timeout=30, headers={
            'Host': name, 'X-Fc-Invocation-Target': '2016-08-15/proxy/{0}/{1}'.format(service, web)})
        assert targeted.json()['fc']['x-fc-function-name'] == web
        assert lane_calls(endpoint) - before == 3
        refused = get('/other', 'POST')  # no route takes POST /other: the router answers
        assert refused.status_code == 404 and refused.json()['ErrorCode'] == 'RouteNotFound'
        assert lane_calls(endpoint) - before == 3
    client.delete_custom_domain(name)


def test_lane_keeps_an_alias_split_when_calls_wait_for_a_slot(client, endpoint, service, tmp_path):
    fn = unique('lane')
    _deploy(client, tmp_path, service, fn)
    split_alias(client, service, fn)
    url = _url(endpoint, service + '.live', fn, '/split')
    counts = {}
    lock = threading.Lock()
    before = lane_calls(endpoint)

    def calls():
        with requests.Session() as session:
            for _ in range(25):
                # The header that once carried the lane's draw to the router means nothing now.
                resp = session.get(url, headers={'X-Nimbus-Lane-Draw': '0.999'}, timeout=30)
                assert resp.status_code == 201 and resp.json()['draw'] == '0.999'
                with lock:
                    version = resp.headers['x-fc-invocation-service-version']
                    counts[version] = counts.get(version, 0) + 1
    threads = [threading.Thread(target=calls) for _ in range(8)]
    [t.start() for t in threads]
    [t.join(timeout=120) for t in threads]
    assert sum(counts.values()) == 200, counts
    # binomial(200, 0.5): sd 7; the bounds are 10 sd away. A call that finds no free slot on the
    # version it drew waits for one there (a second draw would starve a small canary while its
    # instance starts; with an even split the bias cancels out, so this checks the split, not that).
    assert 60 <= counts.get('2', 0) <= 140, counts
    assert lane_calls(endpoint) > before, 'warm calls of an alias are answered on the lane'
