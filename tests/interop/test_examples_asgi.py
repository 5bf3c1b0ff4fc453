"""examples/fastapi, an ASGI app on a custom runtime, deployed by `nimbus deploy` and compared route by route
with the same app under uvicorn directly (the WSGI examples are in test_examples.py, whose helpers this uses)."""

import shutil
import subprocess
import time

import pytest
import requests

from test_examples import EXAMPLES, PYTHON, deploy, median_seconds, package_index_reachable


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_fastapi_answers_as_it_does_directly(endpoint, tmp_path):
    """examples/fastapi: an ASGI app on a custom runtime (uvicorn started by its command), its requirements
    built into the code; every route answers through the trigger URL and the custom domain as the same app
    answers under uvicorn directly, on the same built packages."""
    reachable, index = package_index_reachable()
    if not reachable:
        pytest.skip('the package index is unreachable: ' + index)
    project = tmp_path / 'fastapi'
    shutil.copytree(str(EXAMPLES / 'fastapi'), str(project), ignore=shutil.ignore_patterns('.nimbus', '__pycache__'))
    result = deploy(endpoint, project)
    [build] = result['builds']
    trigger = next(u for u in result['urls'] if '/proxy/' in u).rstrip('/')
    started = time.perf_counter()
    assert requests.get(trigger + '/api/items', timeout=120).status_code == 200
    nimbus_cold = time.perf_counter() - started
    port = free_port()
    started = time.perf_counter()
    direct = subprocess.Popen([PYTHON, '-m', 'uvicorn', 'main:app', '--port', str(port), '--no-access-log'],
                              cwd=build['directory'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = 'http://127.0.0.1:{0}'.format(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + '/api/items', timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and direct.poll() is None, direct.stderr.read()
                time.sleep(0.05)
        direct_cold = time.perf_counter() - started
        calls = [('GET', '/api/items', None), ('GET', '/api/items?tag=green&limit=1', None),
                 ('GET', '/api/items/2', None), ('GET', '/api/items/9', None), ('GET', '/api/items/x', None),
                 ('POST', '/api/items', {'name': 'mate', 'tags': ['herbal']}), ('POST', '/api/items', {'tags': 1}),
                 ('GET', '/openapi.json', None), ('DELETE', '/api/items/1', None)]
        for method, path, body in calls:
            want = requests.request(method, base + path, json=body, timeout=30)
            for url, host in ((trigger + path, None), (endpoint + path, 'fastapi.localhost')):
                got = requests.request(method, url, json=body, timeout=30, headers={'Host': host} if host else {})
                assert (got.status_code, got.headers.get('content-type'), got.content) == \
                    (want.status_code, want.headers.get('content-type'), want.content), (method, path, host)
        warm = median_seconds(trigger + '/api/items')
        direct_warm = median_seconds(base + '/api/items')
        print('\nfastapi: cold {0:.0f} ms on Nimbus, {1:.0f} ms directly; warm median {2:.1f} ms on Nimbus, '
              '{3:.1f} ms directly'.format(nimbus_cold * 1000, direct_cold * 1000, warm * 1000, direct_warm * 1000))
    finally:
        direct.terminate()
        direct.wait(timeout=10)
