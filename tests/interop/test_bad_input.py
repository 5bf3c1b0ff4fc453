"""Hostile or broken input: malformed JSON, path-traversal zips, corrupt zips, zip bombs, huge bodies.
After each, the server must answer with a proper FC error and keep serving."""

import base64
import json
import os
import tempfile
import uuid
from pathlib import Path

import pytest
import requests

from interop_util import (API, HANDLER_SRC, check_error_response, find_named, dir_size, raises_fc, raw_request,
                          signed_headers, unique, write_zero_bomb, write_zip)

SERVICES = API + '/services'
MB = 1024 * 1024


def _create_fn_raw(endpoint, service, body):
    return raw_request(endpoint, 'POST', '{0}/{1}/functions'.format(SERVICES, service), body=body)


def test_malformed_json_rejected(endpoint, assert_alive):
    for body in (b'{"serviceName": "broken",', b'not json at all', b'[1, 2, 3]', b'"just a string"'):
        resp = raw_request(endpoint, 'POST', SERVICES, body=body)
        check_error_response(resp, 400, 'InvalidArgument')
    assert_alive()


def test_wrong_field_types_rejected(endpoint, assert_alive):
    for payload in ({'serviceName': 42}, {'serviceName': unique('svc'), 'internetAccess': 'yes'}, {}):
        resp = raw_request(endpoint, 'POST', SERVICES, body=json.dumps(payload).encode())
        check_error_response(resp, 400, 'InvalidArgument')
    assert_alive()


@pytest.mark.parametrize('depth', [1, 25], ids=['parent', 'deep'])
def test_zip_path_traversal_rejected(client, service, nimbus_server, tmp_path, assert_alive, depth):
    evil = 'evil_{0}.py'.format(uuid.uuid4().hex[:8])
    # depth 25 climbs to '/' from anywhere, then lands in /tmp
    entry = '../' + evil if depth == 1 else '../' * depth + 'tmp/' + evil
    zpath = write_zip(tmp_path / 'evil.zip', {'index.py': HANDLER_SRC, entry: 'import os\n'})
    with raises_fc(400, 'InvalidArgument'):
        client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=zpath)
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function(service, 'fn')
    assert find_named(nimbus_server.base_dir, evil) == []  # data dir and its parent
    assert not os.path.exists(os.path.join(tempfile.gettempdir(), evil))
    assert not os.path.exists(os.path.join('/tmp', evil))
    assert_alive()


def test_zip_absolute_path_rejected(client, service, tmp_path, assert_alive):
    target = tmp_path / 'abs_evil_{0}.py'.format(uuid.uuid4().hex[:8])
    zpath = write_zip(tmp_path / 'abs.zip', {'index.py': HANDLER_SRC, str(target): 'import os\n'})
    with raises_fc(400, 'InvalidArgument'):
        client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=zpath)
    assert not target.exists()
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function(service, 'fn')
    assert_alive()


def test_corrupt_zip_rejected(client, service, tmp_path, assert_alive):
    junk = tmp_path / 'junk.zip'
    junk.write_bytes(os.urandom(4096))
    with raises_fc(400, 'InvalidArgument'):
        client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=str(junk))
    truncated = tmp_path / 'truncated.zip'
    full = Path(write_zip(tmp_path / 'ok.zip', {'index.py': HANDLER_SRC * 50})).read_bytes()
    truncated.write_bytes(full[:len(full) // 2])
    with raises_fc(400, 'InvalidArgument'):
        client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=str(truncated))
    assert_alive()


def test_invalid_base64_code_rejected(endpoint, service, assert_alive):
    body = {'functionName': 'fn', 'runtime': 'python3', 'handler': 'index.handler',
            'code': {'zipFile': '!!! definitely not base64 @@@'}}
    resp = _create_fn_raw(endpoint, service, json.dumps(body).encode())
    check_error_response(resp, 400, 'InvalidArgument')
    assert_alive()


def test_valid_base64_of_non_zip_rejected(endpoint, service, assert_alive):
    body = {'functionName': 'fn', 'runtime': 'python3', 'handler': 'index.handler',
            'code': {'zipFile': base64.b64encode(os.urandom(3000)).decode()}}
    check_error_response(_create_fn_raw(endpoint, service, json.dumps(body).encode()), 400, 'InvalidArgument')
    assert_alive()


def test_zip_bomb_rejected(client, service, nimbus_server, assert_alive):
    before = dir_size(nimbus_server.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        bomb = write_zero_bomb(os.path.join(tmp, 'bomb.zip'), 600 * MB)
        size = os.path.getsize(bomb)
        assert size < 2 * MB, 'bomb unexpectedly large: {0} bytes'.format(size)
        with raises_fc(400, 'InvalidArgument'):
            client.create_function(service, 'fn', 'python3', 'index.handler', codeZipFile=bomb)
    with raises_fc(404, 'FunctionNotFound'):
        client.get_function(service, 'fn')
    assert dir_size(nimbus_server.data_dir) - before < 50 * MB, 'bomb contents were written to the data dir'
    assert_alive()


class _ZeroBody(object):
    """An iterable body of `total` zero bytes with a known length (so requests sends Content-Length)."""

    def __init__(self, total, chunk=MB):
        self.total = total
        self.chunk = chunk

    def __len__(self):
        return self.total

    def __iter__(self):
        block = bytes(self.chunk)
        sent = 0
        while sent < self.total:
            n = min(self.chunk, self.total - sent)
            yield block if n == self.chunk else block[:n]
            sent += n


def test_huge_body_rejected(endpoint, nimbus_server, assert_alive):
    before = dir_size(nimbus_server.data_dir)
    headers = signed_headers('POST', SERVICES)
    try:
        resp = requests.post(endpoint + SERVICES, headers=headers, data=_ZeroBody(200 * MB), timeout=(10, 120))
    except requests.ConnectionError:
        resp = None  # the server may answer 400 and close before reading the body
    if resp is not None:
        assert resp.request.headers.get('Content-Length') == str(200 * MB)
        check_error_response(resp, 400, 'EntityTooLarge')
    assert dir_size(nimbus_server.data_dir) - before < 50 * MB
    assert_alive()


def _error_cases(endpoint, service):
    missing = unique('missing')
    yield 'not found', raw_request(endpoint, 'GET', '{0}/{1}'.format(SERVICES, missing)), 404
    yield 'bad json', raw_request(endpoint, 'POST', SERVICES, body=b'{'), 400
    yield 'conflict', raw_request(endpoint, 'POST', SERVICES, body=json.dumps({'serviceName': service}).encode()), 409
    yield 'precondition', raw_request(endpoint, 'DELETE', '{0}/{1}'.format(SERVICES, service),
                                      extra={'if-match': 'bogus'}), 412
    yield 'bad signature', raw_request(endpoint, 'GET', SERVICES, secret='wrong'), 403
    yield 'unknown route', raw_request(endpoint, 'GET', API + '/no-such-resource'), None
    yield 'unknown method', raw_request(endpoint, 'PATCH', SERVICES), None


def test_every_error_has_fc_shape(endpoint, service, assert_alive):
    for label, resp, status in _error_cases(endpoint, service):
        try:
            check_error_response(resp, status)
        except AssertionError as exc:
            raise AssertionError('{0}: {1}'.format(label, exc))
        assert 400 <= resp.status_code < 500, '{0}: {1}'.format(label, resp.status_code)
    assert_alive()
