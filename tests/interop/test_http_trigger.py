"""HTTP triggers through the SDK and plain HTTP: fidelity of method, path, query, headers and body."""

import hashlib

import pytest
import requests

from interop_util import unique

WSGI_SRC = r'''
import hashlib, json

def handler(environ, start_response):
    body = environ['wsgi.input'].read(int(environ.get('CONTENT_LENGTH') or 0))
    if environ['PATH_INFO'] == '/binary':
        start_response('200 OK', [('Content-Type', 'application/octet-stream')])
        return [body[::-1]]
    if environ['PATH_INFO'] == '/fail':
        raise RuntimeError('wsgi failure')
    info = {
        'method': environ['REQUEST_METHOD'], 'path': environ['PATH_INFO'], 'query': environ['QUERY_STRING'],
        'remote': environ['REMOTE_ADDR'], 'uri': environ['fc.request_uri'], 'custom': environ.get('HTTP_X_CUSTOM'),
        'sha': hashlib.sha256(body).hexdigest(), 'requestId': environ['fc.context'].request_id,
    }
    start_response('202 Accepted', [('Content-Type', 'application/json'), ('Set-Cookie', 'a=1'),
                                    ('Set-Cookie', 'b=2'), ('X-Reply', 'yes')])
    return [json.dumps(info).encode()]
'''


@pytest.fixture
def web(client, service, make_zip):
    def _make(auth='anonymous', methods=('GET', 'POST')):
        fn = unique('web')
        client.create_function(service, fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': WSGI_SRC}))
        client.create_trigger(service, fn, 'http', 'http', {'authType': auth, 'methods': list(methods)}, None, None)
        return fn
    return _make


def url(endpoint, service, fn, path):
    return '{0}/2016-08-15/proxy/{1}/{2}{3}'.format(endpoint, service, fn, path)


def test_wsgi_request_and_response_fidelity(endpoint, service, web):
    fn = web()
    body = 'héllo'.encode()
    resp = requests.post(url(endpoint, service, fn, '/api/items?q=%C3%BCber&tag=x&tag=y'), data=body,
                         headers={'X-Custom': 'v1'}, timeout=30)
    assert resp.status_code == 202
    assert resp.headers['X-Reply'] == 'yes'
    assert resp.raw.headers.getlist('Set-Cookie') == ['a=1', 'b=2']
    info = resp.json()
    assert info['method'] == 'POST' and info['path'] == '/api/items'
    assert info['query'] == 'q=%C3%BCber&tag=x&tag=y'
    assert info['uri'] == '/2016-08-15/proxy/{0}/{1}/api/items?q=%C3%BCber&tag=x&tag=y'.format(service, fn)
    assert info['custom'] == 'v1' and info['remote'] == '127.0.0.1'
    assert info['sha'] == hashlib.sha256(body).hexdigest()
    assert info['requestId'] == resp.headers['x-fc-request-id']


def test_binary_body_of_a_megabyte(endpoint, service, web):
    fn = web()
    payload = bytes((i * 7919) % 256 for i in range(1 << 20))
    resp = requests.post(url(endpoint, service, fn, '/binary'), data=payload, timeout=60)
    assert resp.status_code == 200
    assert resp.content == payload[::-1]


def test_methods_filter(endpoint, service, web):
    fn = web(methods=['GET'])
    resp = requests.delete(url(endpoint, service, fn, '/x'), timeout=30)
    assert resp.status_code == 405
    assert resp.json()['ErrorCode'] == 'MethodNotAllowed'


def test_function_auth_needs_a_signature(client, endpoint, service, web):
    fn = web(auth='function')
    assert requests.get(url(endpoint, service, fn, '/x'), timeout=30).status_code == 403
    signed = client.do_http_request('GET', service, fn, '/x', params={'a': 'b c'})
    assert signed.status_code == 202
    assert signed.json()['query'] in ('a=b+c', 'a=b%20c')


def test_function_error_is_reported(endpoint, service, web):
    fn = web()
    resp = requests.get(url(endpoint, service, fn, '/fail'), timeout=30)
    assert resp.status_code == 502
    assert resp.headers['x-fc-error-type'] == 'UnhandledInvocationError'
    assert 'wsgi failure' in resp.json()['errorMessage']


def test_function_without_http_trigger(endpoint, client, service, make_zip):
    fn = unique('fn')
    client.create_function(service, fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': WSGI_SRC}))
    resp = requests.get(url(endpoint, service, fn, '/'), timeout=30)
    assert resp.status_code == 404 and resp.json()['ErrorCode'] == 'TriggerNotFound'
