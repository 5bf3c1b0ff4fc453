"""Sandboxed instances: a function sees only its own code, runs unprivileged, and harms only itself."""

import json
import os
import subprocess
import time

import fc2
import pytest
import requests

from interop_util import unique

PROBE = r'''
import json, os, resource, subprocess, sys, time

def look(event, context):
    targets = json.loads(event)
    def exists(path):
        try:
            os.stat(path)
            return True
        except OSError:
            return False
    status = open('/proc/self/status').read()
    try:
        open('/code/written', 'w')
        code_writable = True
    except OSError:
        code_writable = False
    return {
        'uid': os.getuid(), 'gid': os.getgid(), 'code': sorted(os.listdir('/code')),
        'visible': {path: exists(path) for path in targets},
        'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
        'noNewPrivs': 'NoNewPrivs:\t1' in status, 'capEff': [l for l in status.splitlines() if l.startswith('CapEff')][0],
        'nofile': resource.getrlimit(resource.RLIMIT_NOFILE)[0], 'codeWritable': code_writable,
        'env': sorted(k for k in os.environ if k.startswith('NIMBUS')), 'cwd': os.getcwd(),
    }

def hog(event, context):
    chunks = []
    for _ in range(int(event or b'400')):
        chunks.append(bytearray(1024 * 1024))
    return 'survived %d MB' % len(chunks)

def oom_child(event, context):
    if event == b'crash':
        os._exit(3)
    child = subprocess.run([sys.executable, '-c', 'block = bytearray(400 << 20)'])
    return 'child %d' % child.returncode

def grow(event, context):
    block = bytearray(int(event) * 1024 * 1024)
    return str(len(block))

def fork_bomb(event, context):
    children = []
    try:
        for _ in range(5000):
            children.append(subprocess.Popen(['sleep', '30']))
    except OSError as error:
        return 'stopped after %d: %s' % (len(children), type(error).__name__)
    finally:
        for child in children:
            child.kill()
    return 'no limit'

def orphan_then_loop(event, context):
    subprocess.Popen(['sleep', event.decode()])
    while True:
        pass

def fill_tmp(event, context):
    written = 0
    try:
        with open('/tmp/fill', 'wb') as f:
            for _ in range(700):
                f.write(b'\0' * (1024 * 1024))
                written += 1
    except OSError as error:
        return 'stopped at %d MB: %s' % (written, type(error).__name__)
    finally:
        os.remove('/tmp/fill')
    return 'wrote %d MB' % written

def instance(event, context):
    return os.environ['FC_INSTANCE_ID']

def python_alias(event, context):
    out = subprocess.run(['python', '-c', 'import sys; print(sys.version_info[0])'], capture_output=True, text=True)
    return out.stdout.strip() or out.stderr
'''


@pytest.fixture
def probe(client, service, make_zip):
    package = make_zip({'index.py': PROBE})

    def _make(handler, **kwargs):
        name = unique('sbx')
        client.create_function(service, name, 'python3', handler, codeZipFile=package,
                               memorySize=kwargs.pop('memorySize', 128), timeout=kwargs.pop('timeout', 20), **kwargs)
        return name
    return _make


def test_health_reports_the_sandbox(endpoint):
    sandbox = requests.get(endpoint + '/health', timeout=10).json()['sandbox']
    assert sandbox['enabled'] is True


def test_a_function_sees_only_its_own_code_unprivileged(client, service, probe, nimbus_server):
    fn = probe('index.look')
    other = probe('index.look')
    data_dir = str(nimbus_server.data_dir)
    targets = [data_dir, os.path.join(data_dir, 'credentials.json'), os.path.join(data_dir, 'nimbus.sqlite'),
               '/work', '/root', '/etc/shadow', '/home']
    info = json.loads(client.invoke_function(service, fn, payload=json.dumps(targets).encode()).data)
    assert (info['uid'], info['gid']) == (65534, 65534)
    assert info['code'] == ['index.py'] and info['cwd'] == '/code'
    assert not any(info['visible'].values()), info['visible']
    assert info['noNewPrivs'] and info['capEff'].endswith('0000000000000000')
    assert info['nofile'] == 1024
    assert not info['codeWritable']
    assert info['env'] == []
    assert max(info['pids']) < 20, 'the instance sees processes outside its own PID namespace'
    assert client.invoke_function(service, other, payload=b'[]').data
    modes = {name: os.stat(os.path.join(data_dir, name)).st_mode & 0o777
             for name in ('nimbus.sqlite', 'nimbus.sqlite-wal')}
    assert modes == {'nimbus.sqlite': 0o600, 'nimbus.sqlite-wal': 0o600}, modes
    assert os.stat(data_dir).st_mode & 0o777 == 0o711


def test_memory_limit_kills_only_that_instance(client, service, probe):
    bystander = probe('index.instance')
    before = client.invoke_function(service, bystander).data
    hog = probe('index.hog', memorySize=128)
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, hog, payload=b'400')
    assert 'ran out of memory' in info.value.message
    assert client.invoke_function(service, hog, payload=b'10').data == b'survived 10 MB'
    assert client.invoke_function(service, bystander).data == before, 'another function was disturbed'


def test_peak_memory_is_measured(client, service, probe):
    fn = probe('index.grow', memorySize=256)
    resp = client.invoke_function(service, fn, payload=b'60')
    assert float(resp.headers['x-fc-max-memory-usage']) >= 60


def test_a_crash_after_a_childs_oom_kill_is_a_crash(client, service, probe):
    """The cgroup counts OOM kills over its life: a child killed in an earlier call, which the handler
    survived, must not turn a later crash (a warm call, on the lane) into an out-of-memory."""
    fn = probe('index.oom_child', memorySize=128)
    assert client.invoke_function(service, fn, payload=b'oom').data == b'child -9'
    with pytest.raises(fc2.FcError) as info:
        client.invoke_function(service, fn, payload=b'crash')
    assert 'exited unexpectedly' in info.value.message, info.value.message


@pytest.mark.skipif(os.path.exists('/sys/fs/cgroup/cgroup.controllers'),
                    reason='cgroup v2 keeps one peak for the cgroup\'s life: Nimbus reports it as it is')
def test_each_calls_peak_memory_is_its_own(client, service, probe):
    fn = probe('index.grow', memorySize=256)
    assert float(client.invoke_function(service, fn, payload=b'100').headers['x-fc-max-memory-usage']) >= 100
    later = client.invoke_function(service, fn, payload=b'1')  # warm: on the lane
    assert float(later.headers['x-fc-max-memory-usage']) < 60, later.headers['x-fc-max-memory-usage']


def test_a_fork_bomb_hits_the_pids_limit(client, service, probe):
    fn = probe('index.fork_bomb', memorySize=512)
    result = client.invoke_function(service, fn).data.decode()
    assert result.startswith('stopped after'), result
    assert client.invoke_function(service, fn).data.decode().startswith('stopped after')


def test_timeout_kills_the_whole_process_tree(client, service, probe):
    marker = str(4000 + int(time.time()) % 1000)
    fn = probe('index.orphan_then_loop', timeout=2)
    with pytest.raises(fc2.FcError):
        client.invoke_function(service, fn, payload=marker.encode())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = subprocess.run(['pgrep', '-f', 'sleep ' + marker], capture_output=True, text=True).stdout.split()
        if not left:
            return
        time.sleep(0.2)
    pytest.fail('a child of the timed-out function survived: ' + ' '.join(left))


def test_tmp_is_private_and_capped(client, service, probe):
    fn = probe('index.fill_tmp', memorySize=1024)
    result = client.invoke_function(service, fn).data.decode()
    assert result.startswith('stopped at') and 'OSError' in result, result
    written = int(result.split()[2])
    assert 500 <= written <= 512, result
    assert not os.path.exists('/tmp/fill')


def test_a_host_that_cannot_sandbox_refuses_to_start(tmp_path):
    binary = os.environ['NIMBUS_BIN']
    env = dict(os.environ, NIMBUS_BWRAP='/nonexistent/bwrap', NIMBUS_ACCESS_KEY_ID='a', NIMBUS_ACCESS_KEY_SECRET='b')
    result = subprocess.run([binary, 'serve', '--port', '0', '--data-dir', str(tmp_path / 'd')], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert 'cannot sandbox' in result.stderr and 'NIMBUS_SANDBOX=off' in result.stderr


NET_PROBE = r'''
import json, socket

def handler(event, context):
    host, port = event.decode().split(':')
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        return 'reached'
    except OSError as error:
        return 'blocked: ' + type(error).__name__
'''

FIXED_PORT_APP = r'''#!/usr/bin/env python3
import os, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        time.sleep(2)  # long enough that three calls sent together overlap even on a loaded machine
        body = os.environ['FC_INSTANCE_ID'].encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
ThreadingHTTPServer(('0.0.0.0', 9000), H).serve_forever()   # caPort, hard-coded like a lifted app
'''


def test_internet_access_false_cuts_the_network_but_not_the_platform(client, endpoint, make_zip, tmp_path):
    import threading
    import zipfile
    port = endpoint.rsplit(':', 1)[1]
    closed, open_ = unique('closed'), unique('open')
    client.create_service(closed, internetAccess=False)
    client.create_service(open_, internetAccess=True)
    package = make_zip({'index.py': NET_PROBE})
    for service in (closed, open_):
        client.create_function(service, 'net', 'python3', 'index.handler', codeZipFile=package, timeout=10)
    # Every instance has a network namespace of its own: the host's loopback (Nimbus's API here) is
    # out of reach with or without internet access; test_network.py checks the way out.
    target = ('127.0.0.1:' + port).encode()
    assert client.invoke_function(open_, 'net', payload=target).data.startswith(b'blocked')
    assert client.invoke_function(closed, 'net', payload=target).data.startswith(b'blocked')

    app = tmp_path / 'app.zip'
    with zipfile.ZipFile(str(app), 'w') as archive:
        info = zipfile.ZipInfo('bootstrap')
        info.external_attr = 0o755 << 16
        archive.writestr(info, FIXED_PORT_APP)
    client.create_function(closed, 'fixed', 'custom', 'x', codeZipFile=str(app), timeout=10, caPort=9000)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(client.invoke_function(closed, 'fixed').data))
               for _ in range(3)]
    [t.start() for t in threads]
    [t.join(timeout=60) for t in threads]
    assert len(seen) == 3 and len(set(seen)) == 3, 'three instances, each listening on caPort 9000'


def test_python_resolves_as_on_fcs_images(client, service, probe):
    """FC's images answer to `python` as well as `python3`: projects' commands and scripts say either."""
    assert client.invoke_function(service, probe('index.python_alias')).data == b'3'
