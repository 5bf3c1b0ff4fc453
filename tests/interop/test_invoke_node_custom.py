"""Node.js and custom-runtime functions through the SDK (fc-runtimes spec sections 3 and 4)."""

import json
import threading

import fc2
import pytest

from interop_util import bootstrap_zip, unique

NODE_SRC = r'''
exports.handler = (event, context, callback) => {
  console.log('node got', event.toString());
  callback(null, {echo: event.toString(), requestId: context.requestId, instance: process.env.FC_INSTANCE_ID});
};
exports.asyncHandler = async (event) => 'async ' + event.toString();
exports.handled = (event, context, callback) => callback(new Error('nope'));
exports.http = (request, response, context) => {
  response.setStatusCode(201);
  response.setHeader('x-path', request.path);
  response.send(JSON.stringify({method: request.method, queries: request.queries}));
};
'''

CUSTOM_APP = r'''#!/usr/bin/env python3
import json, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_POST(self):
        data = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        if self.path == '/invoke':
            if data == b'sleep':
                time.sleep(1)
            print('FC Invoke Start RequestId: ' + self.headers['x-fc-request-id'], flush=True)
            self.reply(200, {'event': data.decode(), 'instance': os.environ.get('FC_INSTANCE_ID'),
                            'fn': os.environ.get('FC_FUNCTION_NAME')})
        else:
            self.reply(200, {'path': self.path})
    def do_GET(self):
        self.reply(200, {'path': self.path, 'method': 'GET'})
    def log_message(self, *args):
        pass

ThreadingHTTPServer(('0.0.0.0', int(os.environ['FC_SERVER_PORT'])), Handler).serve_forever()
'''


def custom_zip(tmp_path):
    return bootstrap_zip(tmp_path / 'custom.zip', CUSTOM_APP)


@pytest.fixture
def nodefn(client, service, make_zip):
    def _make(handler):
        name = unique('node')
        client.create_function(service, name, 'nodejs20', handler, codeZipFile=make_zip({'index.js': NODE_SRC}))
        return name
    return _make


def test_node_callback_handler(client, service, nodefn):
    fn = nodefn('index.handler')
    resp = client.invoke_function(service, fn, payload=b'abc')
    body = json.loads(resp.data)
    assert body['echo'] == 'abc' and body['requestId'] == resp.headers['x-fc-request-id']
    again = json.loads(client.invoke_function(service, fn, payload=b'x').data)
    assert again['instance'] == body['instance']


def test_node_async_handler(client, service, nodefn):
    assert client.invoke_function(service, nodefn('index.asyncHandler'), payload=b'q').data == b'async q'


def test_node_callback_error_is_handled(endpoint, service, nodefn):
    from interop_util import raw_request
    fn = nodefn('index.handled')
    resp = raw_request(endpoint, 'POST', '/2016-08-15/services/{0}/functions/{1}/invocations'.format(service, fn),
                       body=b'')
    assert resp.status_code == 200
    assert resp.headers['x-fc-error-type'] == 'HandledInvocationError'
    assert resp.json()['errorMessage'] == 'nope'


def test_node_http_trigger(client, service, nodefn):
    fn = nodefn('index.http')
    client.create_trigger(service, fn, 'web', 'http', {'authType': 'anonymous', 'methods': ['GET']}, None, None)
    resp = client.do_http_request('GET', service, fn, '/a/b', params={'x': ['1', '2']})
    assert resp.status_code == 201
    assert resp.headers['x-path'] == '/a/b'
    assert resp.json() == {'method': 'GET', 'queries': {'x': ['1', '2']}}


def test_custom_runtime_event_and_scale_out(client, service, tmp_path):
    fn = unique('custom')
    client.create_function(service, fn, 'custom', 'index.handler', codeZipFile=custom_zip(tmp_path), timeout=10)
    body = json.loads(client.invoke_function(service, fn, payload=b'e1').data)
    assert body['event'] == 'e1' and body['fn'] == fn
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        json.loads(client.invoke_function(service, fn, payload=b'sleep').data)['instance'])) for _ in range(3)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert len(results) == 3
    assert len(set(results)) == 3, 'three concurrent calls with instanceConcurrency 1 need three instances'
    assert len(client.list_instances(service, 'LATEST', fn).data['instances']) == 3


def test_custom_runtime_http_trigger_sees_the_path_fc_gives_it(client, service, tmp_path, endpoint):
    import requests
    fn = unique('custom')
    client.create_function(service, fn, 'custom', 'index.handler', codeZipFile=custom_zip(tmp_path))
    client.create_trigger(service, fn, 'web', 'http', {'authType': 'anonymous', 'methods': ['GET']}, None, None)
    resp = client.do_http_request('GET', service, fn, '/items/1')
    assert resp.json()['path'] == '/2016-08-15/proxy/{0}/{1}/items/1'.format(service, fn)
    bare = requests.get(endpoint + '/items/1', timeout=30,
                        headers={'x-fc-invocation-target': '2016-08-15/proxy/{0}/{1}'.format(service, fn)})
    assert bare.json()['path'] == '/items/1'


def test_custom_runtime_without_bootstrap_fails_clearly(client, service, make_zip):
    fn = unique('custom')
    client.create_function(service, fn, 'custom', 'index.handler', codeZipFile=make_zip({'app.py': 'print(1)'}))
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, fn)
    assert info.value.status_code == 412 and info.value.err_code == 'CAFileNotFound'
