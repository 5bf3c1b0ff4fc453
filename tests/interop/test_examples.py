"""The lift-and-shift examples (examples/flask, examples/django), deployed by `nimbus deploy` as a user
deploys them and compared route by route with the same app run directly.

Each example folder is copied to a temporary directory and deployed; `nimbus deploy` builds its
requirements.txt first. The direct app is the example's own WSGI object (Flask's `app`, Django's
`application`) served by wsgiref in a subprocess of /usr/bin/python3 (the interpreter the python3 runtime
runs and the build targets), with PYTHONPATH on the build's folder, so both sides run the very same
packages and code. Every route is called through the HTTP trigger's URL that deploy printed and through
the custom domain (the server's address with the domain's Host header), and the answers (status, body,
the headers a client acts on, cookies) must equal the direct app's.

Run with `-s` to see build times and each example's cold and warm latency beside the direct app."""

import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from interop_util import ACCESS_KEY_ID, ACCESS_KEY_SECRET

EXAMPLES = Path(__file__).resolve().parents[2] / 'examples'
PYTHON = '/usr/bin/python3'  # the python3 runtime's interpreter, and so the build's

# Serves one WSGI object (argv[1], "module:attribute") on a free loopback port; prints the port once
# the app is imported and the socket listens.
DIRECT_SERVER = r'''
import importlib, socketserver, sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

module, attribute = sys.argv[1].split(':')
app = getattr(importlib.import_module(module), attribute)


class Server(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


httpd = make_server('127.0.0.1', 0, app, server_class=Server, handler_class=Quiet)
print(httpd.server_port, flush=True)
httpd.serve_forever()
'''

# Headers a browser or API client acts on. Date, Server, request ids, Content-Length (a hop detail;
# the body is compared) and file dates (the deployed package's mtimes are fixed) are not compared.
RELEVANT_HEADERS = ('content-type', 'location', 'allow', 'vary', 'cache-control', 'content-disposition',
                    'x-echo', 'x-frame-options', 'x-content-type-options', 'referrer-policy',
                    'cross-origin-opener-policy', 'access-control-allow-origin')

NETWORK_ERRORS = ('Could not fetch URL', 'NewConnectionError', 'Failed to establish a new connection',
                  'Temporary failure in name resolution', 'Network is unreachable', 'ConnectTimeoutError',
                  'No matching distribution found')


def nimbus(endpoint, *args, **env):
    environment = dict(os.environ, NIMBUS_ENDPOINT=endpoint, NIMBUS_ACCESS_KEY_ID=ACCESS_KEY_ID,
                       NIMBUS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET, **env)
    return subprocess.run([os.environ['NIMBUS_BIN']] + list(args), env=environment, capture_output=True,
                          text=True, timeout=600)


def package_index_reachable():
    index = os.environ.get('PIP_INDEX_URL', 'https://pypi.org/simple/').rstrip('/') + '/'
    try:
        return requests.get(index + 'pip/', timeout=10).status_code < 500, index
    except requests.RequestException as error:
        return False, '{0} ({1})'.format(index, error.__class__.__name__)


def deploy(endpoint, project):
    out = nimbus(endpoint, 'deploy', str(project), '--output', 'json')
    if out.returncode != 0 and any(marker in out.stderr for marker in NETWORK_ERRORS):
        pytest.skip('pip could not reach the package index while building {0}:\n{1}'.format(
            project.name, out.stderr[-2000:]))
    assert out.returncode == 0, out.stdout + out.stderr
    return json.loads(out.stdout)


class Example(object):
    """One example: deployed on Nimbus, and the same app served directly."""

    def __init__(self, name, domain, wsgi_object, api_path, static_path, static_source, env=None):
        self.name, self.domain, self.wsgi_object, self.env = name, domain, wsgi_object, env or {}
        self.api_path = api_path  # a JSON route, for the cold call and the warm timings
        self.static_path, self.static_source = static_path, static_source  # a static file's URL and file

    def start(self, endpoint, tmp_path):
        reachable, index = package_index_reachable()
        if not reachable:
            pytest.skip('the package index is unreachable: ' + index)
        self.endpoint = endpoint
        self.project = tmp_path / self.name
        shutil.copytree(str(EXAMPLES / self.name), str(self.project),
                        ignore=shutil.ignore_patterns('.nimbus', '__pycache__'))
        result = deploy(endpoint, self.project)
        self.trigger_url = next(u for u in result['urls'] if '/2016-08-15/proxy/' in u).rstrip('/')
        port = urlsplit(endpoint).port
        assert 'http://{0}:{1}/'.format(self.domain, port) in result['urls'], result['urls']
        [build] = result['builds']
        assert build['cached'] is False, build
        self.build_dir, self.build_seconds = build['directory'], build['seconds']
        # The first call of the freshly deployed function: its cold start.
        started = time.perf_counter()
        first = requests.get(self.trigger_url + self.api_path, timeout=120)
        self.nimbus_cold = time.perf_counter() - started
        assert first.status_code == 200, first.text
        # Deploying again changes nothing and reuses the build.
        again = deploy(endpoint, self.project)
        assert {step['action'] for step in again['plan']} == {'unchanged'}, again['plan']
        assert again['builds'][0]['cached'] is True, again['builds']
        self.cached_build_seconds = again['builds'][0]['seconds']
        self._start_direct()
        return self

    def _start_direct(self):
        env = dict(os.environ, PYTHONPATH=self.build_dir, PYTHONDONTWRITEBYTECODE='1', **self.env)
        self.direct_log = self.project.parent / (self.name + '-direct.stderr.log')
        started = time.perf_counter()
        with open(str(self.direct_log), 'w') as log:
            self.proc = subprocess.Popen([PYTHON, '-c', DIRECT_SERVER, self.wsgi_object], cwd=self.build_dir,
                                         env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise AssertionError('the direct app did not start: ' + line + self.direct_log.read_text())
        self.direct_url = 'http://127.0.0.1:' + line.strip()
        first = requests.get(self.direct_url + self.api_path, timeout=60)
        assert first.status_code == 200, first.text
        # Process start, imports and the first answer: what a cold instance does too.
        self.direct_cold = time.perf_counter() - started

    def stop(self):
        proc = getattr(self, 'proc', None)
        if proc is not None:
            proc.kill()
            proc.wait(timeout=10)
            proc.stdout.close()

    def sides(self):
        """For each way a client reaches the app: (label, Nimbus base URL, Host header or None, the direct
        app's base URL, the Host header to send it)."""
        return [('trigger', self.trigger_url, None, self.direct_url, None),
                ('domain', self.endpoint, self.domain, self.direct_url, self.domain)]


@pytest.fixture(scope='module')
def flask_example(endpoint, tmp_path_factory):
    example = Example('flask', 'flask.localhost', 'app:app', '/api/items', '/static/style.css',
                      'app/static/style.css')
    try:
        yield example.start(endpoint, tmp_path_factory.mktemp('examples'))
    finally:
        example.stop()


@pytest.fixture(scope='module')
def django_example(endpoint, tmp_path_factory):
    example = Example('django', 'django.localhost', 'mysite.wsgi:application', '/api/notes',
                      '/static/notes/style.css', 'code/notes/static/notes/style.css',
                      env={'DJANGO_SETTINGS_MODULE': 'mysite.settings'})
    try:
        yield example.start(endpoint, tmp_path_factory.mktemp('examples'))
    finally:
        example.stop()


def normalized_cookie(header):
    """A Set-Cookie header as name, value and attributes; Expires (the clock's) left out, and the value of
    Flask's signed session cookie (it embeds the signing time) replaced by a marker."""
    parts = [p.strip() for p in header.split(';') if p.strip()]
    name, _, value = parts[0].partition('=')
    if name == 'session':
        value = '<signed>'
    attributes = sorted(p.lower() for p in parts[1:] if not p.lower().startswith('expires='))
    return [name, value] + attributes


def answer(session, base, method, path, host=None, **kwargs):
    """What a client sees of one call: status, body, the headers it acts on, cookies set."""
    headers = dict(kwargs.pop('headers', {}))
    if host:
        headers['Host'] = host
    response = (session or requests).request(method, base + path, headers=headers, allow_redirects=False,
                                             timeout=60, **kwargs)
    body = response.content
    if not host:  # the app may echo the address it was reached at: the trigger's and the direct app's differ
        body = body.replace(urlsplit(base).netloc.encode(), b'<host>')
    return {
        'status': response.status_code,
        'body': body,
        'headers': {h: response.headers.get(h) for h in RELEVANT_HEADERS if h in response.headers},
        'cookies': sorted(normalized_cookie(c) for c in response.raw.headers.getlist('Set-Cookie')),
    }


def compare(example, calls):
    """Each call through the trigger URL and the custom domain, equal to the direct app's answer."""
    for label, base, host, direct_base, direct_host in example.sides():
        for method, path, kwargs in calls:
            on_nimbus = answer(None, base, method, path, host, **dict(kwargs))
            direct = answer(None, direct_base, method, path, direct_host, **dict(kwargs))
            assert on_nimbus == direct, '{0} {1} through the {2}'.format(method, path, label)


FLASK_CALLS = [
    ('GET', '/', {}),
    ('GET', '/api/items', {}),
    ('GET', '/api/items?tag=tea&limit=1', {}),
    ('GET', '/api/items?limit=x', {}),
    ('GET', '/api/items/2', {}),
    ('GET', '/api/items/99', {}),
    ('GET', '/no/such/page', {}),
    ('POST', '/api/items', {'json': {'name': 'cup', 'price': 3, 'tags': ['tea']}}),
    ('POST', '/api/items', {'data': 'not json', 'headers': {'Content-Type': 'application/json'}}),
    ('POST', '/contact', {'data': {'name': 'Ann', 'message': 'h\u00e9llo there, & more'}}),
    ('POST', '/contact', {'data': {'name': 'Ann'}}),
    ('DELETE', '/api/items', {}),
    ('GET', '/old-items', {}),
    ('GET', '/old-items?tag=kitchen', {}),
    ('GET', '/echo?x=1&y=%C3%A9&z=a+b', {'headers': {'X-Custom': 'lift and shift', 'User-Agent': 'examples/1'},
                                         'cookies': {'a': '1', 'b': 'two'}}),
    ('GET', '/static/style.css', {}),
    ('GET', '/static/missing.css', {}),
    ('HEAD', '/api/items', {}),
]


def test_flask_answers_every_route_as_it_does_directly(flask_example):
    compare(flask_example, FLASK_CALLS)
    # and the answers are the app's, not empty agreement
    item = requests.get(flask_example.trigger_url + '/api/items/2', timeout=30)
    assert item.json()['name'] == 'teapot'
    moved = requests.get(flask_example.endpoint + '/old-items?tag=tea', headers={'Host': 'flask.localhost'},
                         allow_redirects=False, timeout=30)
    assert moved.status_code == 301 and moved.headers['Location'] == '/api/items?tag=tea'


def test_flask_session_cookie_round_trips(flask_example):
    for label, base, host, direct_base, direct_host in flask_example.sides():
        seen = {}
        for side, url, host_header in (('nimbus', base, host), ('direct', direct_base, direct_host)):
            with requests.Session() as session:  # the jar sends back what the app set, as a browser does
                calls = [answer(session, url, 'GET', '/visits', host_header),
                         answer(session, url, 'GET', '/visits?theme=dark', host_header)]
                headers = {'Host': host_header} if host_header else {}
                third = session.get(url + '/visits', headers=headers, timeout=30)
                seen[side] = calls + [third.json(), sorted(session.cookies.keys())]
        assert seen['nimbus'] == seen['direct'], label
        assert json.loads(seen['nimbus'][0]['body']) == {'visits': 1}
        assert seen['nimbus'][2] == {'visits': 3}, label
        assert [c[0] for c in seen['nimbus'][0]['cookies']] == ['session', 'theme']
        assert seen['nimbus'][3] == ['session', 'theme']


def test_static_files_answer_conditional_requests(flask_example, django_example):
    """The file's bytes, and a 304 for a revalidation with the ETag each side gave (the ETag and
    Last-Modified themselves come from file dates, which the deployed package fixes)."""
    for example in (flask_example, django_example):
        path = example.static_path
        for label, base, host, direct_base, direct_host in example.sides():
            results = []
            for url, host_header in ((base, host), (direct_base, direct_host)):
                headers = {'Host': host_header} if host_header else {}
                full = requests.get(url + path, headers=headers, timeout=30)
                assert full.status_code == 200 and full.headers['ETag'] and full.headers['Last-Modified']
                again = requests.get(url + path, headers=dict(headers, **{'If-None-Match': full.headers['ETag']}),
                                     timeout=30)
                results.append((full.content, full.headers['Content-Type'], again.status_code, again.content))
            assert results[0] == results[1], '{0} {1} through the {2}'.format(example.name, path, label)
            assert results[0][0] == (example.project / example.static_source).read_bytes()
            assert results[0][2] == 304 and results[0][3] == b''


DJANGO_CALLS = [
    ('GET', '/', {}),
    ('GET', '/api/notes', {}),
    ('GET', '/api/notes?done=false', {}),
    ('GET', '/api/notes/2', {}),
    ('GET', '/api/notes/99', {}),
    ('GET', '/api/notes/abc', {}),
    ('GET', '/no/such/page', {}),
    ('POST', '/api/notes', {'json': {'title': 'Deploy', 'body': 'nimbus deploy \u2713'}}),
    ('POST', '/api/notes', {'data': b'{oops', 'headers': {'Content-Type': 'application/json'}}),
    ('POST', '/api/notes', {'json': ['not', 'an', 'object']}),
    ('POST', '/', {}),
    ('PUT', '/api/notes', {}),
    ('GET', '/latest', {}),
    ('GET', '/headers?x=1&y=%C3%A9', {'headers': {'X-Custom': 'lift and shift', 'User-Agent': 'examples/1'},
                                      'cookies': {'a': '1', 'b': 'two'}}),
    ('GET', '/static/notes/style.css', {}),
    ('GET', '/static/notes/missing.css', {}),
    ('HEAD', '/api/notes', {}),
]


def test_django_answers_every_route_as_it_does_directly(django_example):
    compare(django_example, DJANGO_CALLS)
    page = requests.get(django_example.endpoint + '/', headers={'Host': 'django.localhost'}, timeout=30)
    assert page.status_code == 200 and 'Served for django.localhost.' in page.text
    assert '/static/notes/style.css' in page.text
    missing = requests.get(django_example.trigger_url + '/api/notes/99', timeout=30)
    assert missing.status_code == 404 and missing.json()['error'] == 'not found'  # DEBUG is off


def test_django_refuses_hosts_outside_allowed_hosts(django_example):
    """ALLOWED_HOSTS admits the trigger's address and the custom domain, and nothing else."""
    on_nimbus = answer(None, django_example.trigger_url, 'GET', '/api/notes', 'evil.example')
    direct = answer(None, django_example.direct_url, 'GET', '/api/notes', 'evil.example')
    assert on_nimbus == direct
    assert on_nimbus['status'] == 400


@pytest.mark.parametrize('name', ['flask', 'django'])
def test_head_keeps_the_apps_content_length(name, request):
    """HEAD answers carry the length GET would send, as the app says (Nimbus answered 0 before)."""
    example = request.getfixturevalue(name + '_example')
    path = example.api_path
    direct = requests.head(example.direct_url + path, timeout=30)
    assert direct.headers['Content-Length'] == str(len(requests.get(example.direct_url + path, timeout=30).content))
    for _ in range(2):  # the router, then the warm lane
        on_nimbus = requests.head(example.trigger_url + path, timeout=30)
        assert on_nimbus.headers.get('Content-Length') == direct.headers['Content-Length']
        assert on_nimbus.content == bytes()


def median_seconds(url, host=None, calls=20):
    headers = {'Host': host} if host else {}
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        response = requests.get(url, headers=headers, timeout=60)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times)


def test_latency_beside_the_direct_app(flask_example, django_example):
    """Cold (first call) and warm (median of 20 back-to-back calls) latency; printed, not asserted."""
    lines = []
    for example in (flask_example, django_example):
        path = example.api_path
        warm_trigger = median_seconds(example.trigger_url + path)
        warm_domain = median_seconds(example.endpoint + path, example.domain)
        warm_direct = median_seconds(example.direct_url + path)
        lines.append('{0:<7} build {1:6.2f} s (cached {2:.2f} s) | cold: nimbus {3:7.1f} ms, direct {4:7.1f} ms '
                     '(process start to first answer) | warm median of 20 GET {5}: nimbus trigger {6:6.2f} ms, '
                     'nimbus domain {7:6.2f} ms, direct {8:6.2f} ms'.format(
                         example.name, example.build_seconds, example.cached_build_seconds,
                         example.nimbus_cold * 1000, example.direct_cold * 1000, path, warm_trigger * 1000,
                         warm_domain * 1000, warm_direct * 1000))
    print('\nexamples on Nimbus beside the app run directly (wsgiref, same packages):\n' + '\n'.join(lines))
