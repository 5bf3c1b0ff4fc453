"""Cold starts from standby instances: a waiting, sandboxed interpreter takes the function's code,
environment and limits, and behaves exactly like an instance started for it."""

import json
import os
import signal
import time

import pytest

from interop_util import unique

PY = r'''
import json, os
def handler(event, context):
    return json.dumps({'env': os.environ.get('GREETING'), 'files': sorted(os.listdir('/code')),
                       'cwd': os.getcwd(), 'fn': context.function.name, 'memory': context.function.memory,
                       'standby': os.environ.get('NIMBUS_STANDBY'), 'port': os.environ.get('FC_SERVER_PORT')})
'''
NODE = r'''
exports.handler = (event, context, callback) => callback(null, JSON.stringify({
  env: process.env.GREETING, fn: context.function.name, cwd: process.cwd(),
  files: require('fs').readdirSync('/code').sort(), standby: process.env.NIMBUS_STANDBY || null}));
'''


def cold_call(client, service, make_zip, runtime, files):
    time.sleep(1.5)  # let the standby pool refill after earlier tests
    fn = unique('cold')
    client.create_function(service, fn, runtime, 'index.handler', codeZipFile=make_zip(files), memorySize=256,
                           environmentVariables={'GREETING': 'hello ' + fn})
    resp = client.invoke_function(service, fn, payload=b'')
    return fn, resp


@pytest.mark.parametrize('runtime,files', [('python3', {'index.py': PY}), ('nodejs20', {'index.js': NODE})])
def test_a_cold_start_takes_a_standby_that_becomes_the_function(client, service, make_zip, runtime, files):
    fn, resp = cold_call(client, service, make_zip, runtime, files)
    cold = resp.headers['x-nimbus-cold-start']
    assert 'mode=standby' in cold and 'reason=first-call' in cold, cold
    body = json.loads(resp.data)
    assert body['env'] == 'hello ' + fn and body['fn'] == fn and body['cwd'] == '/code'
    assert body['files'] == sorted(files) and body['standby'] is None
    second = client.invoke_function(service, fn, payload=b'')
    assert 'x-nimbus-cold-start' not in second.headers, 'a warm call is not a cold start'


def test_each_function_gets_its_own_standby_and_code(client, service, make_zip):
    first, a = cold_call(client, service, make_zip, 'python3', {'index.py': PY})
    second, b = cold_call(client, service, make_zip, 'python3', {'index.py': PY, 'extra.txt': 'x'})
    assert json.loads(a.data)['files'] == ['index.py']
    assert json.loads(b.data)['files'] == ['extra.txt', 'index.py']
    assert a.headers['x-fc-instance-id'] != b.headers['x-fc-instance-id']


def _descendants(root):
    """Pids of every process under `root`, from /proc (each process's parent in its stat line)."""
    parents = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/{0}/stat'.format(entry)) as stat:
                    parents[int(entry)] = int(stat.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _waiting_python_standbys(server_pid):
    pids = []
    for pid in _descendants(server_pid):
        try:
            with open('/proc/{0}/environ'.format(pid), 'rb') as env, open('/proc/{0}/cmdline'.format(pid), 'rb') as cmd:
                if b'NIMBUS_STANDBY=1' in env.read().split(b'\0') and b'python' in cmd.read().split(b'\0')[0]:
                    pids.append(pid)
        except OSError:
            pass
    return pids


def test_a_standby_that_cannot_take_the_function_is_replaced_by_a_process_of_its_own(
        client, service, make_zip, nimbus_server):
    time.sleep(1.5)  # the pool refilled: both python standbys wait
    frozen = _waiting_python_standbys(nimbus_server.proc.pid)
    assert frozen, 'no python standby is waiting'
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)  # it takes the assignment's connection and never answers
    try:
        fn = unique('cold')
        client.create_function(service, fn, 'python3', 'index.handler', codeZipFile=make_zip({'index.py': PY}))
        resp = client.invoke_function(service, fn, payload=b'')
    finally:
        for pid in frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
    assert json.loads(resp.data)['fn'] == fn
    assert 'mode=spawn' in resp.headers['x-nimbus-cold-start'], resp.headers['x-nimbus-cold-start']
    log = nimbus_server.stderr_path.read_text(errors='replace')
    said = [line for line in log.splitlines() if 'a standby could not take the function' in line]
    assert any('function.name={0}'.format(fn) in line for line in said), said
